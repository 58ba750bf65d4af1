# SPDX-License-Identifier: GPL-2.0-only
# stm32_ssp.ko selftests (kselftest harness), run inside the VM on sspsim
# chips, once per kernel.
# The harness compares int and __u32 in EXPECT_EQ: -Wno-sign-compare.
SSP_KSFT_DIR := $(BUILD)/selftests/stm32_ssp
SSP_KSFT := $(addprefix $(SSP_KSFT_DIR)/,$(basename $(notdir \
	$(wildcard $(TOP)/selftests/stm32_ssp/*_test.c))))

$(SSP_KSFT_DIR)/%: $(TOP)/selftests/stm32_ssp/%.c $(TOP)/selftests/stm32_ssp/ssp_test.h \
		$(KSFT_HDR) $(LIBSSP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(KSFT_CFLAGS) -Wno-unused-parameter -Wno-sign-compare -DSSP_TOP='"$(TOP)"' -o $@ $< $(LIBSSP) $(LIBSSP_LIBS)

VM_TESTS += $(SSP_KSFT)
