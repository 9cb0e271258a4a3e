# SPDX-License-Identifier: GPL-2.0
#
# scripts/modules.sh - loading strata's modules for the tests and the
# benchmarks; sourced by run-tests and run-bench (inside the test VM),
# with ROOT set to the repository.

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
	modinfo -F depends "$ROOT/kmod/$1/strata_$1.ko" | tr , ' '
}

# Load the modules AREA needs that are not loaded yet; print their names.
load_deps()
{
	local dep

	for dep in $(area_deps "$1"); do
		[ -e "/sys/module/$dep" ] && continue
		insmod "$ROOT/kmod/${dep#strata_}/$dep.ko" && echo "$dep"
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
