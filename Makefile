# SPDX-License-Identifier: GPL-2.0
#
# Build and test our DAMON in a Linux 6.12 tree.  `make help` lists the
# targets.  The work is done by the scripts in driver/; everything they
# make goes to build/.  Kernel builds, kunit.py and qemu runs take
# build/.kbuild.lock, so only one of them runs at a time on the machine.

SHELL := /bin/bash
D := driver

# Variables for the scripts (all optional; comments stay on their own
# lines, as make would keep the blanks before a trailing comment):
# KUNIT_FILTER      kunit.py filter glob, e.g. 'damon-regions*'
# KUNIT_BUILD_DIR   UML build directory of make kunit (default build/kunit)
# SELFTEST          kselftests of the collection to run, e.g. 'foo.sh bar.py'
# DEBUG_SELFTESTS   make debug: the kselftests to run on the debug guest
# SELFTEST_TIMEOUT  per-test timeout (s), overriding the settings file
# KERNEL            guest kernel: ours, upstream, or a bzImage path
# LINT              0: make test skips lint
# GUEST_TIMEOUT     wall-clock limit (s) of one guest run
# JOBS              make -j for kernel builds
# CMD               make guest-run: the command to run in the guest
# PHASE_SECONDS     make run: length of each phase of the access pattern
# BENCH_QUICK       1: make bench with short sections (a smoke run)
# BENCH_SECTIONS    make bench: only these sections, e.g. cpu,tried
KUNIT_FILTER ?=
KUNIT_BUILD_DIR ?=
SELFTEST ?=
SELFTEST_TIMEOUT ?=
KERNEL ?= ours
LINT ?= 1
GUEST_TIMEOUT ?= 1800
JOBS ?= 2
CMD ?= uname -a
PHASE_SECONDS ?= 4
BENCH_QUICK ?= 0
BENCH_SECTIONS ?=
export KUNIT_FILTER KUNIT_BUILD_DIR SELFTEST SELFTEST_TIMEOUT KERNEL LINT GUEST_TIMEOUT JOBS
export PHASE_SECONDS BENCH_QUICK BENCH_SECTIONS

.PHONY: help deps compose lint unit kunit guest-kernel selftests test \
	summary guest-shell guest-run run conformance upstream-guest-kernel \
	bench patches clean docs debug-guest-kernel debug sim \
	bench-guest-kernel

help:
	@echo 'Everyday:'
	@echo '  make test          everything below in order, then a summary;'
	@echo '                     goes on after failures (LINT=0 skips lint)'
	@echo '  make run           the demo: DAMON watches a known access pattern in'
	@echo '                     the guest; heatmap and working set in build/run/'
	@echo 'Steps:'
	@echo '  make deps          apt-get install the missing packages (root)'
	@echo '  make compose       build/linux-source-6.12 = base tree - upstream DAMON + ours'
	@echo '  make lint          checkpatch, kernel-doc, the docs build, W=1 C=1 (sparse) build'
	@echo '  make docs          Sphinx HTML of Documentation/ in build/docs/html'
	@echo '  make unit          user-space unit tests (tools/testing/damon)'
	@echo "  make sim           the region accuracy simulator's table [SIM_ARGS='-m 5000']"
	@echo "  make kunit         KUnit under UML with KASAN+lockdep [KUNIT_FILTER='glob']"
	@echo '  make guest-kernel  build/guest/arch/x86/boot/bzImage (incremental)'
	@echo '  make selftests     our kselftests in the guest [SELFTEST=name.sh]'
	@echo '  make conformance   the base kernel'"'"'s own DAMON selftests on ours; the'
	@echo '                     known upstream failures (driver/conformance-baseline.txt)'
	@echo '                     do not count [KERNEL=upstream: on the unmodified kernel]'
	@echo '  make debug-guest-kernel  build/debug-guest: the guest kernel with KASAN,'
	@echo '                     kmemleak, debug objects and DAMON'"'"'s self-check'
	@echo '  make debug         the fuzzer, race tests and an end-to-end case on it,'
	@echo '                     then a kmemleak scan'
	@echo '  make summary       the table of the last results'
	@echo 'Guest:'
	@echo '  make guest-shell   boot the guest with a shell on the console'
	@echo "  make guest-run CMD='...'  run one command in the guest"
	@echo 'Upstream comparison:'
	@echo '  make upstream-guest-kernel  build the unmodified kernel (build/upstream-guest)'
	@echo '  make bench         ours and upstream side by side: kdamond CPU, accuracy,'
	@echo '                     slowdown, idle DAMON_RECLAIM, tried regions, memcg_path'
	@echo '                     writes; table in build/results/bench.md [BENCH_QUICK=1];'
	@echo '                     on kernels without lockdep (make bench-guest-kernel)'
	@echo 'Patches:'
	@echo '  make patches       build/patches/*.patch, our DAMON as a series on the base'
	@echo '  make clean         remove build/ except the unpacked trees'

deps:
	$(D)/deps.sh

compose:
	$(D)/compose.sh

lint: compose
	$(D)/lint.sh

docs: compose
	$(D)/docs.sh

unit: compose
	$(D)/unit.sh

sim: compose
	$(D)/sim.sh

kunit: compose
	$(D)/kunit.sh

guest-kernel: compose
	$(D)/guest-kernel.sh ours

selftests: guest-kernel
	$(D)/selftests.sh

debug-guest-kernel: compose
	$(D)/guest-kernel.sh debug

debug: debug-guest-kernel
	$(D)/debug.sh

test:
	$(D)/test.sh

summary:
	$(D)/summary.sh deps compose lint patches unit kunit guest-kernel selftests balloon conformance \
		debug-guest-kernel debug

guest-shell: $(if $(filter ours,$(KERNEL)),guest-kernel)
	$(D)/guest-run.sh --shell

guest-run: $(if $(filter ours,$(KERNEL)),guest-kernel)
	$(D)/guest-run.sh guest-run '$(CMD)'

run:
	$(D)/run.sh

upstream-guest-kernel:
	$(D)/guest-kernel.sh upstream

bench-guest-kernel: compose
	$(D)/guest-kernel.sh bench

bench: bench-guest-kernel
	$(D)/bench.sh

conformance: $(if $(filter upstream,$(KERNEL)),upstream-guest-kernel,$(if $(filter ours,$(KERNEL)),guest-kernel))
	$(D)/conformance.sh

patches: compose
	$(D)/patches.sh

clean:
	rm -rf build/guest build/guest.kconfig build/upstream-guest \
		build/upstream-guest.kconfig build/lint build/lint.kconfig \
		build/kunit build/kselftest-* build/guest-out build/logs \
		build/results build/patches build/patches-work \
		build/bench build/.unpack.* build/.discard.* \
		build/.upstream-damon.* build/docs build/docs-test.* \
		build/debug-guest build/debug-guest.kconfig
