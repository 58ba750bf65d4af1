# SPDX-License-Identifier: GPL-2.0-only
#
# stm32-ssp: one entry point. `make` builds the module (both kernels) and
# the tools; `make check` installs what is missing, builds, and runs every
# test (host unit tests, VM tests on 6.1 and 6.12, conformance), ending with
# one line "N passed, N failed".
#
# Each part of the tree has its own fragment (*.mk) that adds its programs
# to the lists below; this file only wires them together.

.DEFAULT_GOAL := all
TOP := $(CURDIR)
BUILD := $(TOP)/build

include mk/config.mk

# Filled in by the fragments.
HOST_TESTS :=		# host programs printing TAP, run by scripts/run-tests
VM_TESTS :=		# commands printing TAP, run inside the VM on each kernel
VM_TESTS_ARM64 :=	# the same, run inside the arm64 VM (selftests/vm/arm64.mk)
TOOLS :=		# userspace programs `make tools` builds
FUZZERS :=		# libFuzzer targets

include userspace/lib/lib.mk
-include userspace/sspsim/sspsim.mk
-include userspace/sspctl/sspctl.mk
-include userspace/tests/tests.mk
-include userspace/fuzz/fuzz.mk
include mk/module.mk
-include selftests/selftests.mk
-include mk/demo.mk
include mk/install.mk
-include mk/deb.mk
# Last: it lists the programs of every fragment above.
include mk/cross.mk

.PHONY: all tools module check deps demo bench install clean fuzz vm-prep

all: module tools

tools: $(TOOLS)

deps:
	@scripts/deps

# Build inputs that come from Debian packages (kselftest headers, checkpatch).
vm-prep: $(KSFT_HDR)

check: deps
	@$(MAKE) --no-print-directory all $(HOST_TESTS) $(VM_TESTS) vm-prep
	@$(MAKE) --no-print-directory cross-check
	@$(MAKE) --no-print-directory vm-arm64-root || echo "check: no arm64 root: the arm64 VM tests will fail"
	@scripts/run-tests --host "$(HOST_TESTS)" $(CROSS_RUN_TESTS_ARGS) --vm "$(VM_TESTS)" \
		--kernels "$(KERNELS)" --vm-arm64 "$(VM_TESTS_ARM64)"

clean:
	rm -rf $(BUILD)
