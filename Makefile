# SPDX-License-Identifier: GPL-2.0
#
# kvm-ppc-compat: entry points. See README.md.
#
#   make          build, boot the default scenario, show the sample's answer
#   make check    every test: all variants in every scenario
#   make setup    install the toolchain (Debian packages, rust-src, bindgen)
#   make series / series-check / series-test   the patch series (see README)
#   make clean    remove out/ (downloads stay in ~/.cache/kvm-ppc-compat)

# What make check boots: VARIANT in every scenario, VARIANT@A+B in some.
CHECK_RUNS ?= c rust debug
# Variants built by make check, and booted by make run.
VARIANTS ?= $(foreach r,$(CHECK_RUNS),$(firstword $(subst @, ,$(r))))
# The variant 'make' builds and boots: the product.
MAIN_VARIANT ?= rust
SCENARIOS ?= all
S := scripts
# rustup's toolchain (cargo, rustc), should the caller's PATH lack it.
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Programs run in every scenario: the kselftests (the series' and the uaccess
# reproducer), and the sample (judged on its --json answer).
CHECK_PROGS := compat_caps,compat_caps_l2,compat_caps_fuzz,compat_caps_threads,\
	uaccess_kernel_ptr,kvm_compat_caps:--json
# Boot CHECK_RUNS in every scenario with CHECK_PROGS (make check, series-test).
# The real client (QEMU in the guest booting an L2) runs in the variants
# whose initramfs carries it (CLIENT_VARIANTS in scripts/versions.sh).
CHECK_SCENARIOS ?= all
RUN_CHECKS = $(S)/run.py --variants $(subst $(space),$(comma),$(strip $(CHECK_RUNS))) \
	--scenarios $(CHECK_SCENARIOS) --run $(subst $(space),,$(CHECK_PROGS)) --client

.PHONY: all setup tree build initramfs l0 check run hosttest lint series series-check series-test \
	released bench kcsan prove-checkers configs peer smoke clean

all: tree
	@$(S)/build.sh $(MAIN_VARIANT)
	@$(S)/initramfs.sh $(MAIN_VARIANT)
	@echo "[make] booting the default scenario and running the sample in it"
	@$(S)/run.py --variants $(MAIN_VARIANT) --scenarios default \
		--run kvm_compat_caps --show

setup:
	@$(S)/setup.sh

tree: setup
	@$(S)/tree.sh

build: tree
	@for v in $(VARIANTS); do $(S)/build.sh $$v || exit 1; done

initramfs: build
	@for v in $(VARIANTS); do $(S)/initramfs.sh $$v || exit 1; done

# The PowerVM-like L0 of the x-nested-papr-grant scenarios: QEMU from
# Debian's source with qemu/*.patch (built once, cached).
l0: setup
	@$(S)/l0-qemu.sh

run: initramfs l0
	@$(S)/run.py --variants $(subst $(space),$(comma),$(strip $(VARIANTS))) \
		--scenarios $(SCENARIOS) --run $(subst $(space),,$(CHECK_PROGS)) --client

# The pure decisions of the Rust code (rust/compat_modes.rs), on the host,
# and the runner's verdicts (scripts/tests: recorded boots and client runs;
# the KTAP parser is the tree's tools/testing/kunit/kunit_parser.py).
hosttest: tree
	@echo "[make] cargo test of rust/compat_modes.rs on the host"
	@cd rust && CARGO_TARGET_DIR=$(CURDIR)/out/cargo cargo test --release --offline -q 2>&1 | \
		grep -v '^$$'
	@echo "[make] the runner's verdicts (scripts/tests, recorded runs)"
	@python3 -m unittest discover -s scripts/tests

# checkpatch --strict on the series, rustfmt on the Rust sources.
lint: tree
	@$(S)/series.sh lint

# out/series: the patches and the cover letter, whose table comes from the
# last run of the scenarios (out/logs/summary.json; made here if missing).
series: tree
	@test -f out/logs/summary.json || $(MAKE) --no-print-directory run VARIANTS="c rust"
	@$(S)/series.sh make

# Every patch applies in order and the tree builds after each one; lint,
# CLIPPY=1, rustfmtcheck and rustdoc clean. SERIES_CHECK=--quick: no build.
series-check: tree
	@$(S)/series.sh check $(SERIES_CHECK)

# The patches in out/series applied with git am on a clean 7.3 tree
# (out/am/linux), built there (out/am/VARIANT) and booted in every scenario,
# as make check does.
series-test: tree l0
	@test -d out/series || $(MAKE) --no-print-directory series
	@$(S)/series.sh am
	@export OUT=$(CURDIR)/out/am KPC_TREE=$(CURDIR)/out/am/linux; \
	for v in $(VARIANTS); do $(S)/build.sh $$v && $(S)/initramfs.sh $$v || exit 1; done; \
	$(RUN_CHECKS)

# The part of make peer that make check runs: the fixes of the L0 it needs.
CHECK_PEER_SCENARIOS ?= v2-p10
CHECK_PEER_TESTS ?= emulator,interrupts
check: hosttest lint initramfs l0
	@$(RUN_CHECKS)
	@$(MAKE) --no-print-directory peer PEER_SCENARIOS=$(CHECK_PEER_SCENARIOS) \
		PEER_TESTS=$(CHECK_PEER_TESTS)

# Not part of make check (one more build): the rust variant under KCSAN,
# strict, in nested scenarios of both APIs, with the threads test (queries
# against VM and vcpu churn, the VM-close race) and compat_caps; with the
# per-CPU mmiowb state's accesses marked (selftests/kcsan-known, not a
# series: the only race these boots report, explained there).
KCSAN_SCENARIOS ?= v2-p10,v2-p11-c10,v1-p10,v1-p11
kcsan: tree
	@$(S)/kcsan.sh $(KCSAN_SCENARIOS) compat_caps_threads,compat_caps

# Not part of make check (one more debug build): each kind of kernel report
# the runner fails a boot on, planted once by a throw-away patch
# (selftests/prove-checkers, never in the series) and caught under its name.
prove-checkers: tree l0
	@$(S)/prove.sh

# The feature in the defconfigs people build, RUST=y, KVM-HV built in and
# as a module, the C implementation once: the kernel crate and
# arch/powerpc/kvm/ of each (scripts/configs.sh; CONFIGS: some rows).
configs: tree
	@$(S)/configs.sh $(CONFIGS)

# kvm-unit-tests, the KVM developers' suite, run by its own runner in the
# nested host with the client QEMU, in raw mode and each granted mode
# (scripts/peer.sh builds and stages it, scripts/peer.py boots and makes
# the table). KUT_SRC=DIR: a kvm-unit-tests tree; KUT_TARBALL=FILE: a
# tarball; by default the one in ../shared/peers/ (or /work/shared/peers/).
# PEER_TESTS: the suite's tests, comma list ("" for all of unittests.cfg).
PEER_VARIANTS ?= c rust
PEER_SCENARIOS ?= v2-p10,v2-p11-c10,v1-p10,bare-p10
PEER_TESTS ?= emulator,interrupts,smp,timebase,atomics
peer: tree l0
	@for v in $(PEER_VARIANTS); do $(S)/build.sh $$v && $(S)/initramfs.sh $$v || exit 1; done
	@rc=0; $(S)/peer.sh $(PEER_VARIANTS) || rc=$$?; \
	if [ $$rc = 3 ]; then echo "[peer] SKIP: no kvm-unit-tests source (above)"; exit 0; fi; \
	[ $$rc = 0 ] || exit $$rc; \
	$(S)/peer.py --variants $(subst $(space),$(comma),$(strip $(PEER_VARIANTS))) \
		--scenarios $(PEER_SCENARIOS) --tests "$(PEER_TESTS)"

# Not a gate: Linux 7.3 as released (the base commit, with only the
# selftests patch) in every scenario, for the cover letter's comparison.
RELEASED_SCENARIOS ?= all
released: tree l0
	@$(S)/released.sh $(subst $(space),,$(CHECK_PROGS)) $(RELEASED_SCENARIOS)

# Not a gate: instructions per call of the ioctl and of SET_ONE_REG, rust
# against c (the guest PMU, three boots each), ns per call (secondary), and
# the bytes of the feature in each variant. BENCH_ARGS: more options of
# scripts/bench.py; BENCH_SIZES=no: no size builds, no bytes.
# BENCH_VARIANTS=o2-c,o2-rust: count kernels built with the options
# distributions build with (-O2, jump labels, KUAP: configs/o2.config);
# no bytes then, and nothing saved for the cover letter.
BENCH_SIZES ?= yes
BENCH_VARIANTS ?= c,rust
bench_sizes = $(and $(filter yes,$(BENCH_SIZES)),$(filter c$(comma)rust,$(BENCH_VARIANTS)))
bench: tree l0
	@for v in $(subst $(comma),$(space),$(BENCH_VARIANTS)); do \
		$(S)/build.sh $$v && $(S)/initramfs.sh $$v || exit 1; done
	@if [ -n "$(bench_sizes)" ]; then \
		$(S)/build.sh size-c && $(S)/build.sh size-rust || exit 1; fi
	@$(S)/bench.py --variants $(BENCH_VARIANTS) $(BENCH_ARGS) \
		$(if $(bench_sizes),,--no-sizes)

# Each target that make check does not run, in a quick form that fails
# when the target breaks (scripts/smoke.sh; .ci/run runs it after make
# check). SMOKE: some of them, e.g. SMOKE=series,configs.
smoke: tree l0
	@$(S)/smoke.sh $(SMOKE)

clean:
	rm -rf out

comma := ,
empty :=
space := $(empty) $(empty)
