# SPDX-License-Identifier: GPL-2.0-only
# sspctl's provisioning: a host unit test of its logic (stage machine,
# progress, options; plain and ASan+UBSan), and the end-to-end VM tests that
# drive simulated chips through stm32_ssp.ko with the real sspctl.

E2E_LOGIC_SRCS := selftests/e2e/test-provision-logic.c userspace/sspctl/progress.c \
	userspace/sspctl/provision_cli.c
E2E_LOGIC := $(BUILD)/tests/test-provision-logic
E2E_CFLAGS = -I$(TOP)/userspace/sspctl

$(E2E_LOGIC): $(E2E_LOGIC_SRCS) $(LIBSSP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(E2E_CFLAGS) -o $@ $(E2E_LOGIC_SRCS) $(LIBSSP) $(LIBSSP_LIBS)

$(E2E_LOGIC)-asan: $(E2E_LOGIC_SRCS) $(LIBSSP_ASAN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(E2E_CFLAGS) -o $@ $(E2E_LOGIC_SRCS) $(LIBSSP_ASAN) \
		$(LIBSSP_LIBS)

HOST_TESTS += $(E2E_LOGIC) $(E2E_LOGIC)-asan $(TOP)/selftests/e2e/host-provision-cli.py \
	$(TOP)/selftests/e2e/host-sspctl-opts.py

# Run inside the VM (selftests/vm/run-suite), once per kernel.
VM_TESTS += $(sort $(wildcard $(TOP)/selftests/e2e/test-*.py))
