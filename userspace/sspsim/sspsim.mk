# SPDX-License-Identifier: GPL-2.0-only
# sspsim: the chip model is a static library (also linked by the host unit
# tests userspace/tests/test_sim_*.c, which tests.mk already lists in
# HOST_TESTS); main.c adds the CLI.
SSPSIM_SRCS := $(filter-out userspace/sspsim/main.c,$(wildcard userspace/sspsim/*.c))
SSPSIM_LIB := $(BUILD)/libsspsim.a
SSPSIM_LIB_ASAN := $(BUILD)/libsspsim-asan.a
SSPSIM := $(BUILD)/sspsim
TOOLS += $(SSPSIM)

$(SSPSIM_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(SSPSIM_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SSPSIM_LIB_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(SSPSIM_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SSPSIM): $(BUILD)/obj/userspace/sspsim/main.o $(SSPSIM_LIB) $(LIBSSP)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBSSP_LIBS)

.PHONY: sspsim
sspsim: $(SSPSIM)
build/sspsim: $(SSPSIM)

# The sim's unit tests link the chip model too: these pattern rules have a
# shorter stem than tests.mk's, so make prefers them for test_sim_*.
SIM_TEST_CFLAGS = $(KSFT_CFLAGS) -Wno-unused-parameter -Wno-sign-compare -I$(TOP)/userspace/tests \
	-I$(TOP)/userspace/sspsim

$(BUILD)/tests/test_sim_%-asan: userspace/tests/test_sim_%.c $(SSPSIM_LIB_ASAN) $(LIBSSP_ASAN) | $(KSFT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(SIM_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
		$(SSPSIM_LIB_ASAN) $(LIBSSP_ASAN) $(LIBSSP_LIBS)

$(BUILD)/tests/test_sim_%: userspace/tests/test_sim_%.c $(SSPSIM_LIB) $(LIBSSP) | $(KSFT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SIM_TEST_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
		$(SSPSIM_LIB) $(LIBSSP) $(LIBSSP_LIBS)
