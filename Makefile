# SPDX-License-Identifier: GPL-2.0
#
# strata - top-level build.
#
#   make            modules, BPF objects and skeletons, libstrata, tools, selftests
#   make check      all of it, then every selftest in the test VM (T=cap: one area)
#   make demo       a guided tour in the test VM
#   make bench      benchmarks in the test VM, results in build/bench/<area>.json
#   make deps       install or verify the build and test dependencies
#   make checkpatch kernel style of kmod/ and bpf/
#   make install    modules, libstrata, tools (DESTDIR, PREFIX)
#   make clean
#
# KDIR selects the kernel to build against (default: the Debian 6.12 headers
# picked by scripts/deps.sh).  V=1 shows commands and the VM console.

.DEFAULT_GOAL := all
STRATA_CACHE ?= /var/cache/strata
export STRATA_CACHE

# Written by scripts/deps.sh: STRATA_KVER, STRATA_TOOLS, STRATA_SRC, ...
# A fresh machine has none: make runs the dependency script first.
-include $(STRATA_CACHE)/env.mk
$(STRATA_CACHE)/env.mk:
	scripts/deps.sh

KVER	?= $(STRATA_KVER)
KDIR	?= /usr/src/linux-headers-$(KVER)
BUILD	:= $(CURDIR)/build
PREFIX	?= /usr/local
DESTDIR	?=

CLANG	?= clang-19
CC	:= gcc
BPFTOOL	:= $(STRATA_TOOLS)/bin/bpftool
LIBBPF_INC := $(STRATA_TOOLS)/libbpf/include
LIBBPF_A := $(STRATA_TOOLS)/libbpf/lib64/libbpf.a
KSFT_INC := $(STRATA_TOOLS)/include

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

AREAS	:= cap tier gang
MODULES	:= $(foreach a,$(AREAS),kmod/$(a)/strata_$(a).ko)

USER_OUT := $(BUILD)/user
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE \
	       -Iinclude/uapi -Iuser/lib -I$(LIBBPF_INC)
BPF_LIBS := -lelf -lz -lzstd
LIB_A	:= $(USER_OUT)/lib/libstrata.a
LIB_SO	:= $(USER_OUT)/lib/libstrata.so

# ---- kernel modules --------------------------------------------------------

KMOD_SRCS := $(wildcard kmod/*/*.c kmod/*/*.h kmod/*/Kbuild include/strata/*.h \
			include/uapi/strata/*.h) Kbuild

.PHONY: all modules
all: modules bpf user selftests

modules: $(MODULES)

$(MODULES) &: $(KMOD_SRCS)
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# ---- BPF -------------------------------------------------------------------
#
# Each program includes the C dump of the BTF it needs: vmlinux.h for the
# kernel's types, strata_<area>.h for those plus a module's (struct_ops).

BPF_OUT	:= $(BUILD)/bpf
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.skel.h,$(BPF_SRCS))
BPF_LOADERS := $(patsubst bpf/%.c,$(BPF_OUT)/%,$(filter-out %.bpf.c,$(wildcard bpf/*.c)))
BPF_HDRS := $(BPF_OUT)/vmlinux.h $(foreach a,$(AREAS),$(BPF_OUT)/strata_$(a).h)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	      -I$(BPF_OUT) -I$(LIBBPF_INC) -Ibpf -Iinclude/uapi

.SECONDARY: $(BPF_HDRS) $(BPF_OBJS)
.PHONY: bpf
bpf: $(BPF_OBJS) $(BPF_SKELS) $(BPF_LOADERS)

$(BPF_OUT)/vmlinux.h: $(KDIR)/vmlinux
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@.tmp && mv $@.tmp $@

.SECONDEXPANSION:
$(BPF_OUT)/strata_%.h: kmod/$$*/strata_$$*.ko $(KDIR)/vmlinux
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< --base-btf $(KDIR)/vmlinux format c \
		> $@.tmp && mv $@.tmp $@

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(wildcard bpf/*.h)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BPF_OUT)/%: bpf/%.c $(BPF_SKELS) $(LIB_A)
	@echo "  LOADER  $@"
	$(Q)$(CC) $(USER_CFLAGS) -I$(BPF_OUT) -Ibpf -o $@ $< $(LIB_A) $(LIBBPF_A) \
		$(BPF_LIBS)

# ---- user space ------------------------------------------------------------

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst user/lib/%.c,$(USER_OUT)/lib/%.o,$(LIB_SRCS))
CTL_SRCS := $(wildcard user/stratactl/*.c)
CTL	:= $(USER_OUT)/stratactl

EXAMPLES := $(patsubst user/examples/%.c,$(USER_OUT)/examples/%,\
		$(wildcard user/examples/*.c))

.PHONY: user
user: $(LIB_A) $(LIB_SO) $(CTL) $(EXAMPLES)

$(USER_OUT)/examples/%: user/examples/%.c $(LIB_A)
	$(Q)mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $< $(LIB_A)

$(USER_OUT)/lib/%.o: user/lib/%.c $(wildcard user/lib/*.h include/uapi/strata/*.h)
	$(Q)mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -fPIC -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	$(Q)$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	$(Q)$(CC) -shared -Wl,-soname,libstrata.so.0 -o $@ $^

$(CTL): $(CTL_SRCS) $(wildcard user/stratactl/*.h) $(LIB_A)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $(CTL_SRCS) $(LIB_A) \
		$(shell pkg-config --cflags --libs json-c)

# ---- selftests -------------------------------------------------------------

TEST_OUT := $(BUILD)/selftests
TEST_SRCS := $(wildcard selftests/*/*_test.c)
TESTS	:= $(patsubst selftests/%.c,$(TEST_OUT)/%,$(TEST_SRCS))
BENCH_SRCS := $(wildcard selftests/bench/*_bench.c)
BENCHES	:= $(patsubst selftests/%.c,$(TEST_OUT)/%,$(BENCH_SRCS))
TEST_CFLAGS := $(USER_CFLAGS) -Wno-sign-compare -Wno-clobbered -I$(KSFT_INC) \
	       -I$(BPF_OUT) -Ibpf -Iselftests

.PHONY: selftests
selftests: $(TESTS) $(BENCHES)

$(TEST_OUT)/%: selftests/%.c $(wildcard selftests/*/*.h selftests/*.h) \
		$(LIB_A) $(BPF_SKELS)
	$(Q)mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB_A) $(LIBBPF_A) $(BPF_LIBS) \
		-lpthread -lm

# ---- running things in the test VM ------------------------------------------

.PHONY: deps check demo bench checkpatch
deps:
	$(Q)scripts/deps.sh

check: deps
	$(Q)$(MAKE) all
	$(Q)scripts/vm-run -- env TFLAGS="$(TFLAGS)" scripts/run-tests $(T)

demo: deps
	$(Q)$(MAKE) all
	$(Q)scripts/vm-run -- scripts/demo

# One VM per area, each with the CPUs its benchmark needs: the gang
# benchmark co-schedules gangs of four threads.
bench: deps
	$(Q)$(MAKE) all
	$(Q)for a in $(or $(T),$(AREAS)); do \
		cpus=2; [ $$a = gang ] && cpus=4; \
		scripts/vm-run --cpus $$cpus -- scripts/run-bench $$a || exit 1; \
	done

# checkpatch.pl is copied into build/ so that editors and hooks find it.
checkpatch:
	$(Q)mkdir -p $(BUILD)/tools
	$(Q)cp $(STRATA_TOOLS)/checkpatch/* $(BUILD)/tools/
	$(Q)$(BUILD)/tools/checkpatch.pl --no-tree --strict --terse -f \
		$(filter-out %.mod.c,$(wildcard kmod/*/*.[ch] include/strata/*.h \
			include/uapi/strata/*.h bpf/*.[ch]))

# ---- install and clean -----------------------------------------------------

.PHONY: install clean
install: all
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates/strata modules_install
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/strata \
		include/uapi/strata/*.h user/lib/strata.h
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/lib $(LIB_A)
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libstrata.so.0
	ln -sf libstrata.so.0 $(DESTDIR)$(PREFIX)/lib/libstrata.so
	install -D -m 0755 -t $(DESTDIR)$(PREFIX)/sbin $(CTL)
	install -D -m 0755 -t $(DESTDIR)$(PREFIX)/lib/strata $(BPF_LOADERS)

clean:
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(Q)rm -rf $(BUILD)
