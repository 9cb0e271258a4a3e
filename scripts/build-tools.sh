#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/build-tools.sh SRC OUT - build strata's tools from linux-source-6.12.
#
# Extracts /usr/src/linux-source-6.12.tar.xz into SRC, applies strata's own
# patches (scripts/patches/*.patch), and builds into OUT:
#   OUT/libbpf/   libbpf 1.5, static (include/ and lib64/libbpf.a)
#   OUT/bin/      bpftool 7.5, static
#   OUT/include/  kselftest_harness.h, kselftest.h
#   OUT/checkpatch/ checkpatch.pl and the data files it reads
# Called by scripts/deps.sh; nothing here is committed to the repository.
set -euo pipefail

SRC=$1
OUT=$2
PATCHES=$(cd "$(dirname "$0")" && pwd)/patches
TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=$(nproc)

log() { echo "build-tools: $*" >&2; }

[ -r "$TARBALL" ] || { log "missing $TARBALL"; exit 1; }

rm -rf "$OUT"
mkdir -p "$SRC" "$OUT/libbpf-obj" "$OUT/bpftool-obj"
log "extracting $TARBALL"
tar -xf "$TARBALL" -C "$SRC" --strip-components=1

for p in "$PATCHES"/*.patch; do
	[ -e "$p" ] || continue
	log "applying $(basename "$p")"
	patch -s -p1 -d "$SRC" < "$p"
done

log "building libbpf (static)"
make -s -C "$SRC/tools/lib/bpf" -j"$JOBS" BUILD_STATIC_ONLY=1 \
	OUTPUT="$OUT/libbpf-obj/" DESTDIR="$OUT/libbpf" prefix= \
	install >/dev/null

log "building bpftool (static)"
make -s -C "$SRC/tools/bpf/bpftool" -j"$JOBS" OUTPUT="$OUT/bpftool-obj/" \
	CLANG=clang-19 LLC=llc-19 LLVM_STRIP=llvm-strip-19 \
	feature-llvm=0 feature-libbfd=0 feature-libbfd-liberty=0 \
	feature-libbfd-liberty-z=0 feature-disassembler-four-args=0 \
	feature-disassembler-init-styled=0 \
	EXTRA_LDFLAGS=-static >/dev/null
install -D -m 0755 "$OUT/bpftool-obj/bpftool" "$OUT/bin/bpftool"

install -D -m 0644 -t "$OUT/include" \
	"$SRC/tools/testing/selftests/kselftest_harness.h" \
	"$SRC/tools/testing/selftests/kselftest.h"

install -D -m 0755 -t "$OUT/checkpatch" "$SRC/scripts/checkpatch.pl"
install -D -m 0644 -t "$OUT/checkpatch" "$SRC/scripts/spelling.txt" \
	"$SRC/scripts/const_structs.checkpatch"
log "done: $OUT"
