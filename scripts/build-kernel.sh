#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/build-kernel.sh FRAGMENT OUT - build strata's second test kernel.
#
# Extracts /usr/src/linux-source-6.12.tar.xz into OUT/src and builds, in
# OUT/build, allnoconfig plus FRAGMENT (scripts/kernel/scx.config): a small
# kernel with sched_ext that boots in virtme-ng.  OUT/build is then a KDIR
# for external modules (Module.symvers, vmlinux with BTF) and holds
# arch/x86/boot/bzImage.  Every option of FRAGMENT must survive into the
# final .config; one that Kconfig drops (a missing dependency) is an error,
# named, rather than a kernel that lacks it.  Called by scripts/deps.sh.
set -euo pipefail

FRAGMENT=$(realpath "$1")
OUT=$2
TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=$(nproc)

log() { echo "build-kernel: $*" >&2; }

[ -r "$TARBALL" ] || { log "missing $TARBALL"; exit 1; }
[ -r "$FRAGMENT" ] || { log "missing $FRAGMENT"; exit 1; }

rm -rf "$OUT/src" "$OUT/build"
mkdir -p "$OUT/src" "$OUT/build"
log "extracting $TARBALL"
tar -xf "$TARBALL" -C "$OUT/src" --strip-components=1

KMAKE=(make -s -C "$OUT/src" O="$OUT/build" -j"$JOBS")
log "configuring: allnoconfig + $(basename "$FRAGMENT")"
"${KMAKE[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig >/dev/null
"${KMAKE[@]}" olddefconfig >/dev/null

# Every CONFIG_X=value of the fragment must be in the result.
missing=0
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qxF -- "$line" "$OUT/build/.config"; then
		log "option lost in the final .config: $line"
		missing=1
	fi
done < "$FRAGMENT"
[ "$missing" = 0 ] || { log "fix $FRAGMENT"; exit 1; }

log "building bzImage and modules with $JOBS jobs (several minutes)"
start=$(date +%s)
"${KMAKE[@]}" bzImage modules >"$OUT/build.log" 2>&1 || {
	tail -n 40 "$OUT/build.log" >&2
	log "kernel build failed; the whole log is $OUT/build.log"
	exit 1
}
log "built $(cat "$OUT/build/include/config/kernel.release") in $(( $(date +%s) - start )) s"
