# SPDX-License-Identifier: GPL-2.0
#
# strata - top-level build.
#
#   make            modules, BPF objects and skeletons, libstrata, tools, selftests
#   make check      all of it, then every selftest in the test VMs (T=cap: one area)
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

VERSION	:= 0.4.0
KVER	?= $(STRATA_KVER)
KDIR	?= /usr/src/linux-headers-$(KVER)
# The sched_ext test kernel's build tree (scripts/build-kernel.sh).
SCX_KDIR ?= $(STRATA_SCX_KDIR)
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
# Where make install puts things, compiled into stratad and stratactl.
SYSCONFDIR ?= /etc
DEFS	:= -DSTRATA_VERSION='"$(VERSION)"' \
	   -DSTRATA_POLICY_DIR='"$(PREFIX)/lib/strata/bpf"' \
	   -DSTRATA_CONFIG='"$(SYSCONFDIR)/strata/stratad.conf"'
LIB_A	:= $(USER_OUT)/lib/libstrata.a
LIB_SO	:= $(USER_OUT)/lib/libstrata.so

# ---- kernel modules --------------------------------------------------------

KMOD_SRCS := $(wildcard kmod/*/*.c kmod/*/*.h kmod/*/Kbuild include/strata/*.h \
			include/uapi/strata/*.h) Kbuild

.PHONY: all modules
all: modules bpf user selftests man $(if $(SCX_KDIR),scx)

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
D_SRCS	:= $(wildcard user/stratad/*.c)
DAEMON	:= $(USER_OUT)/stratad
# The stratad <-> stratactl protocol and small helpers, linked into both.
COMMON_SRCS := $(wildcard user/common/*.c)
COMMON_HDRS := $(wildcard user/common/*.h)

EXAMPLES := $(patsubst user/examples/%.c,$(USER_OUT)/examples/%,\
		$(wildcard user/examples/*.c))

.PHONY: user
user: $(LIB_A) $(LIB_SO) $(CTL) $(DAEMON) $(EXAMPLES)

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

$(CTL): $(CTL_SRCS) $(COMMON_SRCS) $(COMMON_HDRS) $(wildcard user/stratactl/*.h) $(LIB_A)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) $(DEFS) -Iuser/common -o $@ $(CTL_SRCS) \
		$(COMMON_SRCS) $(LIB_A) $(shell pkg-config --cflags --libs json-c)

$(DAEMON): $(D_SRCS) $(COMMON_SRCS) $(COMMON_HDRS) $(wildcard user/stratad/*.h) $(LIB_A)
	@echo "  CC      $@"
	$(Q)$(CC) $(USER_CFLAGS) $(DEFS) -Iuser/common -o $@ $(D_SRCS) \
		$(COMMON_SRCS) $(LIB_A) $(LIBBPF_A) $(BPF_LIBS) \
		$(shell pkg-config --cflags --libs json-c inih libkmod libsystemd)

# ---- man pages ---------------------------------------------------------------
#
# Documentation/man/PAGE.SECTION.rst -> build/man/PAGE.SECTION (rst2man).

MAN_OUT	:= $(BUILD)/man
MAN_SRCS := $(wildcard Documentation/man/*.rst)
MANS	:= $(patsubst Documentation/man/%.rst,$(MAN_OUT)/%,$(MAN_SRCS))

.PHONY: man
man: $(MANS)

$(MAN_OUT)/%: Documentation/man/%.rst
	$(Q)mkdir -p $(@D)
	$(Q)rst2man --halt=warning $< > $@.tmp && mv $@.tmp $@

# ---- selftests -------------------------------------------------------------

TEST_OUT := $(BUILD)/selftests
TEST_SRCS := $(filter-out selftests/scx/%,$(wildcard selftests/*/*_test.c))
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

# The gang benchmark is gang_bench.c and its parts in selftests/bench/gang/
# (an explicit rule: it wins over the pattern above).
GANG_BENCH_SRCS := selftests/bench/gang_bench.c \
		   $(wildcard selftests/bench/gang/*.c)

$(TEST_OUT)/bench/gang_bench: $(GANG_BENCH_SRCS) \
		$(wildcard selftests/bench/gang/*.h selftests/*/*.h selftests/*.h) \
		$(LIB_A) $(BPF_SKELS)
	$(Q)mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $(GANG_BENCH_SRCS) $(LIB_A) $(LIBBPF_A) \
		$(BPF_LIBS) -lpthread -lm

# The stratad and stratactl tests also speak the daemon's protocol
# (user/common/ipc.c) and read JSON.
$(TEST_OUT)/user/%_test: selftests/user/%_test.c $(wildcard selftests/*/*.h \
		selftests/*.h user/common/*.[ch]) $(LIB_A)
	$(Q)mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(TEST_CFLAGS) $(DEFS) -Iuser/common -o $@ $< user/common/ipc.c \
		$(LIB_A) $(LIBBPF_A) $(BPF_LIBS) \
		$(shell pkg-config --cflags --libs json-c) -lpthread -lm

# ---- the sched_ext test kernel ---------------------------------------------
#
# scripts/deps.sh builds a second kernel with sched_ext (STRATA_SCX_KDIR).
# The modules are built for it from a copy of their sources in build/scx/mod
# (Kbuild writes its objects next to the sources), and the sched_ext
# scheduler (bpf/scx/), its loader and its selftests (selftests/scx/)
# against its BTF and tools/sched_ext's headers.

SCX_OUT	:= $(BUILD)/scx
SCX_MOD	:= $(SCX_OUT)/mod
# strata_tier needs MMU notifiers, which that small kernel does not have,
# and has nothing to do with sched_ext.
SCX_AREAS := cap gang
SCX_MODULES := $(foreach a,$(SCX_AREAS),$(SCX_MOD)/kmod/$(a)/strata_$(a).ko)
SCX_BPF	:= $(SCX_OUT)/bpf
SCX_INC	:= $(STRATA_SCX_SRC)/tools/sched_ext/include
SCX_BPF_SRCS := $(wildcard bpf/scx/*.bpf.c)
SCX_SKELS := $(patsubst bpf/scx/%.bpf.c,$(SCX_BPF)/%.skel.h,$(SCX_BPF_SRCS))
SCX_LOADERS := $(patsubst bpf/scx/%.c,$(SCX_BPF)/%,\
		 $(filter-out %.bpf.c,$(wildcard bpf/scx/*.c)))
SCX_TESTS := $(patsubst selftests/scx/%.c,$(SCX_OUT)/selftests/%,\
		$(wildcard selftests/scx/*_test.c))
SCX_BPF_CFLAGS := $(BPF_CFLAGS:-I$(BPF_OUT)=-I$(SCX_BPF)) -mcpu=v3 \
		  -I$(SCX_INC) -Ibpf/scx
SCX_CFLAGS := $(USER_CFLAGS) -I$(SCX_BPF) -I$(SCX_INC) -Ibpf/scx

.PHONY: scx
scx: $(SCX_MODULES) $(SCX_SKELS) $(SCX_LOADERS) $(SCX_TESTS)

$(SCX_MODULES) &: $(KMOD_SRCS)
	$(Q)mkdir -p $(SCX_MOD)
	$(Q)rsync -a --delete --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
		--exclude=modules.order --exclude=Module.symvers \
		Kbuild kmod include $(SCX_MOD)/
	@echo "  MODULES $(SCX_MOD) (sched_ext kernel)"
	$(Q)$(MAKE) -C $(SCX_KDIR) M=$(SCX_MOD) W=1 STRATA_AREAS="$(SCX_AREAS)" modules

$(SCX_BPF)/vmlinux.h: $(SCX_KDIR)/vmlinux
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@.tmp && mv $@.tmp $@

$(SCX_BPF)/strata_gang.h: $(SCX_MOD)/kmod/gang/strata_gang.ko $(SCX_KDIR)/vmlinux
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< --base-btf $(SCX_KDIR)/vmlinux \
		format c > $@.tmp && mv $@.tmp $@

$(SCX_BPF)/%.bpf.o: bpf/scx/%.bpf.c $(SCX_BPF)/vmlinux.h $(SCX_BPF)/strata_gang.h \
		$(wildcard bpf/scx/*.h)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(SCX_BPF_CFLAGS) -c $< -o $@

$(SCX_BPF)/%.skel.h: $(SCX_BPF)/%.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(SCX_BPF)/%: bpf/scx/%.c $(SCX_SKELS) $(wildcard bpf/scx/*.h) $(LIB_A)
	@echo "  LOADER  $@"
	$(Q)$(CC) $(SCX_CFLAGS) -o $@ $< $(LIB_A) $(LIBBPF_A) $(BPF_LIBS)

$(SCX_OUT)/selftests/%: selftests/scx/%.c $(SCX_SKELS) $(wildcard bpf/scx/*.h \
		selftests/scx/*.h selftests/gang/*.h selftests/*.h) $(LIB_A)
	$(Q)mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(SCX_CFLAGS) -Wno-sign-compare -Wno-clobbered -I$(KSFT_INC) \
		-Iselftests -o $@ $< $(LIB_A) $(LIBBPF_A) $(BPF_LIBS) \
		-lpthread -lm

# ---- running things in the test VM ------------------------------------------

.PHONY: deps check demo bench checkpatch
deps:
	$(Q)scripts/deps.sh

# Two VMs: the Debian kernel for every area, the sched_ext kernel for the
# area scx (T=scx[/...] runs only that one, T=AREA only the first).  The
# second one patches kernel text at every scheduler attach and detach:
# single-threaded TCG (vm-run --tcg-single) runs that reliably.
check: deps
	$(Q)$(MAKE) all
	$(Q)rc=0; area=$(firstword $(subst /, ,$(T))); \
	if [ "$$area" != scx ]; then \
		scripts/vm-run -- env TFLAGS="$(TFLAGS)" scripts/run-tests $(T) || rc=1; \
	fi; \
	if [ -z "$$area" ] || [ "$$area" = scx ]; then \
		scripts/vm-run --kernel scx --tcg-single -- env TFLAGS="$(TFLAGS)" \
			scripts/run-tests $(or $(T),scx) || rc=1; \
	fi; \
	exit $$rc

demo: deps
	$(Q)$(MAKE) all
	$(Q)scripts/vm-run -- scripts/demo

# One VM per area, each with the CPUs its benchmark needs, 2 (the host's
# cores) unless more are needed: gang-cosched, the gang benchmark's
# co-scheduling parts, co-schedules gangs of four threads; scx: those
# parts on the sched_ext kernel.  Both add their keys to gang.json.
bench: deps
	$(Q)$(MAKE) all
	$(Q)for a in $(or $(T),$(AREAS) gang-cosched scx); do \
		cpus=2; kernel=debian; \
		[ $$a = gang-cosched ] && cpus=4; \
		[ $$a = scx ] && cpus=4 && kernel=scx; \
		scripts/vm-run --kernel $$kernel --cpus $$cpus -- \
			scripts/run-bench $$a || exit 1; \
	done

# checkpatch.pl is copied into build/ so that editors and hooks find it.
checkpatch:
	$(Q)mkdir -p $(BUILD)/tools
	$(Q)cp $(STRATA_TOOLS)/checkpatch/* $(BUILD)/tools/
	$(Q)$(BUILD)/tools/checkpatch.pl --no-tree --strict --terse -f \
		$(filter-out %.mod.c,$(wildcard kmod/*/*.[ch] include/strata/*.h \
			include/uapi/strata/*.h bpf/*.[ch] bpf/scx/*.[ch]))

# ---- install and clean -----------------------------------------------------

.PHONY: install clean
#
# PREFIX (/usr/local) for programs, libraries, headers, man pages and BPF
# objects; SYSCONFDIR (/etc) for the configuration, never overwritten;
# the systemd unit, the bash completion and the DKMS source tree
# (/usr/src/strata-VERSION) in the places those tools look; the modules
# in /lib/modules/KVER/updates/strata for the kernel they were built for
# (KDIR), unless DKMS=1 (then DKMS builds and installs them, and two
# copies would leave depmod to choose); DESTDIR in front of every path.
SBINDIR	:= $(PREFIX)/sbin
LIBDIR	:= $(PREFIX)/lib
MANDIR	:= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
COMPDIR	?= $(PREFIX)/share/bash-completion/completions
DKMSDIR	:= /usr/src/strata-$(VERSION)
DKMS_SRCS := Kbuild $(filter-out %.mod.c,$(wildcard kmod/*/Kbuild kmod/*/*.[ch] \
		include/strata/*.h include/uapi/strata/*.h))
SUBST	:= sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@PREFIX@|$(PREFIX)|g' \
	       -e 's|@SBINDIR@|$(SBINDIR)|g'

install: all
ifneq ($(DKMS),1)
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates/strata modules_install
endif
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/strata \
		include/uapi/strata/*.h user/lib/strata.h
	install -D -m 0644 -t $(DESTDIR)$(LIBDIR) $(LIB_A)
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libstrata.so.0
	ln -sf libstrata.so.0 $(DESTDIR)$(LIBDIR)/libstrata.so
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	$(SUBST) packaging/libstrata.pc.in | grep -v '^#' \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/libstrata.pc
	install -D -m 0755 -t $(DESTDIR)$(SBINDIR) $(CTL) $(DAEMON)
	install -D -m 0755 -t $(DESTDIR)$(LIBDIR)/strata $(BPF_LOADERS)
ifneq ($(SCX_KDIR),)
	install -D -m 0755 -t $(DESTDIR)$(LIBDIR)/strata $(SCX_LOADERS)
endif
	install -D -m 0644 -t $(DESTDIR)$(LIBDIR)/strata/bpf $(BPF_OBJS)
	install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man8 $(filter %.8,$(MANS))
	install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man5 $(filter %.5,$(MANS))
	install -d $(DESTDIR)$(UNITDIR)
	$(SUBST) packaging/stratad.service.in > $(DESTDIR)$(UNITDIR)/stratad.service
	install -D -m 0644 packaging/stratactl.bash $(DESTDIR)$(COMPDIR)/stratactl
	[ -e $(DESTDIR)$(SYSCONFDIR)/strata/stratad.conf ] || \
		install -D -m 0644 packaging/stratad.conf \
			$(DESTDIR)$(SYSCONFDIR)/strata/stratad.conf
	for f in $(DKMS_SRCS); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMSDIR)/$$f || exit 1; \
	done
	$(SUBST) packaging/dkms.conf.in > $(DESTDIR)$(DKMSDIR)/dkms.conf

clean:
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(Q)rm -rf $(BUILD)
