# SPDX-License-Identifier: GPL-2.0-only
# make demo: 4 simulated chips provisioned in the VM (scripts/demo).
# make bench: the performance record (scripts/bench,
# Documentation/performance.rst): the HSM natively, then the gang, the
# host's cost per chip and DFU throughput in the VM. Both install what is
# missing and build first, as `make check` does.
BENCH_HSM := $(BUILD)/bench_hsm

$(BENCH_HSM): userspace/bench/bench_hsm.c $(LIBSSP)
	$(CC) $(ALL_CFLAGS) -I$(TOP)/userspace/lib -MMD -MP -MF $@.d -o $@ $< $(LIBSSP) $(LIBSSP_LIBS)

-include $(BUILD)/bench_hsm.d

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_HSM)
	@scripts/bench
