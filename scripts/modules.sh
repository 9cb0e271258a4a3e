# SPDX-License-Identifier: GPL-2.0
#
# scripts/modules.sh - loading strata's modules (and, on the sched_ext
# test kernel, its sched_ext scheduler) for the tests and the benchmarks; sourced by run-tests and run-bench (inside the test VM),
# with ROOT set to the repository.  The modules are taken from KO_ROOT
# (default ROOT): build/scx/mod holds those built for the sched_ext kernel.

# Module parameters an area expects: strata_gang needs GPUs, and the test
# VM has none but the fake ones.
area_params()
{
	case $1 in
	gang)	echo fake_gpus=8 ;;
	esac
}

# The other strata modules an area's module needs (strata_gang needs
# strata_cap), from the module's own "depends".
area_deps()
{
	modinfo -F depends "${KO_ROOT:-$ROOT}/kmod/$1/strata_$1.ko" | tr , ' '
}

# Load the modules AREA needs that are not loaded yet; print their names.
load_deps()
{
	local dep

	for dep in $(area_deps "$1"); do
		[ -e "/sys/module/$dep" ] && continue
		insmod "${KO_ROOT:-$ROOT}/kmod/${dep#strata_}/$dep.ko" &&
			echo "$dep"
	done
}

# Unload a module; it may take a moment to become unloadable: a detached
# struct_ops policy drops its module reference after an RCU grace period,
# and some releases finish in a worker.  Never rmmod -f (DESIGN.md).
unload()
{
	local mod=$1 tries

	for tries in $(seq 1 50); do
		rmmod "$mod" 2>/dev/null && return 0
		[ -e "/sys/module/$mod" ] || return 0
		sleep 0.2
	done
	rmmod "$mod"
}

# ---- the sched_ext scheduler (bpf/scx), on the sched_ext test kernel ----

SCX_PID=
SCX_LOG=

scx_state()
{
	cat /sys/kernel/sched_ext/state 2>/dev/null
}

scx_ops()
{
	cat /sys/kernel/sched_ext/root/ops 2>/dev/null
}

# strata_gang's mode as stratactl reports it: "stock" or "sched_ext".
gang_mode()
{
	"$ROOT/build/user/stratactl" gang status 2>/dev/null |
		sed -n 's/^mode  *//p'
}

# Wait up to 10 s for "$@" to succeed.
wait_for()
{
	local i

	for i in $(seq 1 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

scx_attached()
{
	[ "$(scx_state)" = enabled ] && [ "$(scx_ops)" = strata_gang ] &&
		[ "$(gang_mode)" = sched_ext ]
}

scx_detached()
{
	[ "$(scx_state)" = disabled ] && [ "$(gang_mode)" = stock ]
}

# Start the scheduler in the background, its output in SCX_LOG; wait for
# it to attach and strata_gang to be in scx mode.  0 when it did.
scx_sched_start()
{
	SCX_LOG=$(mktemp)
	"$ROOT/build/scx/bpf/gang_scx" "$@" > "$SCX_LOG" 2>&1 &
	SCX_PID=$!
	wait_for scx_attached
}

# Stop it (SIGINT); its exit status.
scx_sched_stop()
{
	kill -INT "$SCX_PID" 2>/dev/null
	wait "$SCX_PID"
}
