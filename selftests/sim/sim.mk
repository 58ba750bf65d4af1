# SPDX-License-Identifier: GPL-2.0-only
# sspsim in the VM: enumeration, dfu-util conformance, resets, OTP
# persistence and a whole SSP run driven by dfu-util alone.
SIM_BLOB := $(BUILD)/selftests/sim/sim-blob

$(SIM_BLOB): selftests/sim/sim-blob.c $(LIBSSP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(LIBSSP) $(LIBSSP_LIBS)

SIM_VM_TESTS := $(addprefix $(TOP)/selftests/sim/,test-sim-usb.sh test-sim-ssp.sh test-sim-faults.sh \
	test-sim-kinds.sh)
VM_TESTS += $(SIM_VM_TESTS)
# The scripts need the simulator and the blob helper built.
$(SIM_VM_TESTS): $(SSPSIM) $(SIM_BLOB)

-include $(SIM_BLOB).d
