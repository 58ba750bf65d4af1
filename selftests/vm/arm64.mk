# SPDX-License-Identifier: GPL-2.0-only
# The arm64 VM (selftests/vm/run --arch arm64: Debian 12's arm64 kernel under
# qemu-system-aarch64, TCG), booted once by `make check` with the arm64 builds
# of `make cross` (build/cross/arm64): the driver selftests, one gang of both
# series (test-gang.py), and the armhf sspctl provisioning one chip through
# the driver's compat ioctls. The other VM suites run on amd64 only: under
# TCG the arm64 guest is several times slower (Documentation/testing.rst).
VM_ARM64_CROSS = $(BUILD)/cross/arm64
VM_TESTS_ARM64 = $(addprefix $(VM_ARM64_CROSS)/selftests/stm32_ssp/,$(notdir $(SSP_KSFT))) \
	$(TOP)/selftests/e2e/test-gang.py $(TOP)/selftests/vm/arm64-compat-armhf.py
# The runner's own test on arm64 (exit status, output, a kernel warning fails the run).
HOST_TESTS += $(TOP)/selftests/vm/test-runner-arm64

# The cached arm64 root file system (a few minutes the first time).
.PHONY: vm-arm64-root
vm-arm64-root:
	@selftests/vm/arm64-root >/dev/null
