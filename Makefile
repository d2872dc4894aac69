# SPDX-License-Identifier: GPL-2.0
#
# kvm-ppc-compat: entry points. See README.md.
#
#   make          build, boot the default scenario, show the sample's answer
#   make check    every test: all variants in every scenario
#   make setup    install the toolchain (Debian packages, rust-src, bindgen)
#   make clean    remove out/ (downloads stay in ~/.cache/kvm-ppc-compat)

VARIANTS ?= c rust
# The variant 'make' builds and boots: the product.
MAIN_VARIANT ?= rust
SCENARIOS ?= all
S := scripts
# Programs run in every scenario: the kselftests, and the sample (judged on
# its --json answer).
CHECK_PROGS := compat_caps,kvm_compat_caps:--json

.PHONY: all setup tree build initramfs check run hosttest clean

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

run: initramfs
	@$(S)/run.py --variants $(subst $(space),$(comma),$(strip $(VARIANTS))) --scenarios $(SCENARIOS) --run $(CHECK_PROGS)

# The pure decisions of the Rust code (rust/compat_modes.rs), on the host.
hosttest:
	@echo "[make] cargo test of rust/compat_modes.rs on the host"
	@cd rust && CARGO_TARGET_DIR=$(CURDIR)/out/cargo cargo test --release --offline -q 2>&1 | \
		grep -v '^$$'

check: hosttest initramfs
	@$(S)/run.py --variants $(subst $(space),$(comma),$(strip $(VARIANTS))) --scenarios all \
		--run $(CHECK_PROGS)

clean:
	rm -rf out

comma := ,
empty :=
space := $(empty) $(empty)
