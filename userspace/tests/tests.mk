# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests: every userspace/tests/test_*.c is one kselftest-harness
# program, built twice: against libssp, and with ASan+UBSan against the
# sanitized libssp. Both go in HOST_TESTS.
UNIT_TEST_NAMES := $(basename $(notdir $(wildcard userspace/tests/test_*.c)))
UNIT_TESTS := $(addprefix $(BUILD)/tests/,$(UNIT_TEST_NAMES))
UNIT_TESTS_ASAN := $(addsuffix -asan,$(UNIT_TESTS))
HOST_TESTS += $(UNIT_TESTS) $(UNIT_TESTS_ASAN)

# The harness passes parameters that most tests leave unused.
UNIT_TEST_CFLAGS = $(KSFT_CFLAGS) -Wno-unused-parameter -I$(TOP)/userspace/tests \
	-DSSP_KAT_DIR='"$(TOP)/userspace/tests/kat"' -DSSP_TOP='"$(TOP)"'

$(BUILD)/tests/%-asan: userspace/tests/%.c $(LIBSSP_ASAN) | $(KSFT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(UNIT_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
		$(LIBSSP_ASAN) $(LIBSSP_LIBS)

$(BUILD)/tests/%: userspace/tests/%.c $(LIBSSP) | $(KSFT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(UNIT_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
		$(LIBSSP) $(LIBSSP_LIBS)

.PHONY: unit-tests
# Build and run the host unit tests only (both builds).
unit-tests: $(UNIT_TESTS) $(UNIT_TESTS_ASAN)
	@for t in $^; do echo "# $$t"; $$t || exit 1; done

-include $(wildcard $(BUILD)/tests/*.d)

# The HSM attack script (its own fragment).
-include userspace/tests/hsm-attacks.mk
