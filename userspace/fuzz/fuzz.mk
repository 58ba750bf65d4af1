# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer targets for every parser of untrusted input (clang, ASan+UBSan):
# libssp's formats (cert, license, payload, stm32), the audit log, the
# config file, the software HSM's files, netlink slot messages, GetPhase replies, sspsim's USB/IP
# stream and control requests, and the driver's DFU string parsers and reply
# decoders (driver/ident.c, driver/decode.c, built in userspace through the
# shim in kshim/). `make fuzz` builds them and runs
# each for FUZZ_RUNS inputs, growing a corpus under build/fuzz/corpus/ from
# the committed seeds in userspace/fuzz/corpus/ (the first four made by
# `scripts/gen-kat.py corpus`). A short repeatable run of every target over
# its seeds is also a host test (build/fuzz/fuzz-regress).
FUZZ_CC ?= clang
FUZZ_RUNS ?= 20000
FUZZ_NAMES := fuzz_cert fuzz_license fuzz_payload fuzz_stm32 fuzz_audit fuzz_config \
	fuzz_nlmsg fuzz_phase fuzz_usbip fuzz_ident fuzz_decode fuzz_hsm fuzz_portpath
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
FUZZERS += $(FUZZ_BINS)
HOST_TESTS += $(BUILD)/fuzz/fuzz-regress

FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(TOP)/uapi -I$(TOP)/userspace/lib -I$(TOP)/userspace/sspsim \
	$(NL_CFLAGS) $(JSON_CFLAGS) $(SSP_NO_DEPRECATED) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIBS = $(LIBSSP_LIBS)
# libssp and the sspsim chip model built with the fuzz flags, as archives so
# each target links only what it calls.
FUZZ_LIBSSP := $(BUILD)/fuzz/libssp.a
FUZZ_LIBSIM := $(BUILD)/fuzz/libsspsim.a
$(FUZZ_LIBSSP): $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIBSSP_SRCS))
	rm -f $@ && ar rcs $@ $^
$(FUZZ_LIBSIM): $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(SSPSIM_SRCS))
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# driver/ident.c and decode.c see the kernel helpers of kshim/ instead of the kernel's.
$(BUILD)/fuzz/obj/userspace/fuzz/fuzz_ident.o $(BUILD)/fuzz/obj/userspace/fuzz/fuzz_decode.o \
	$(BUILD)/fuzz/obj/userspace/fuzz/fuzz_portpath.o: \
	FUZZ_CFLAGS += -I$(TOP)/userspace/fuzz/kshim

# fuzz_usbip starts chips the way the sim unit tests do (test_sim_helpers.h).
$(BUILD)/fuzz/obj/userspace/fuzz/fuzz_usbip.o: FUZZ_CFLAGS += -I$(TOP)/userspace/tests
$(BUILD)/fuzz/fuzz_usbip: FUZZ_EXTRA := $(FUZZ_LIBSIM)
$(BUILD)/fuzz/fuzz_usbip: $(FUZZ_LIBSIM)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/userspace/fuzz/fuzz_%.o $(FUZZ_LIBSSP)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA) $(FUZZ_LIBSSP) $(FUZZ_LIBS)

$(BUILD)/fuzz/fuzz-regress: $(FUZZ_BINS) userspace/fuzz/run-corpus.sh
	printf '#!/bin/sh\nexec %s %s %s\n' "$(TOP)/userspace/fuzz/run-corpus.sh" \
		"$(BUILD)/fuzz" "$(TOP)/userspace/fuzz/corpus" > $@
	chmod +x $@

fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t; \
		log=$(BUILD)/fuzz/$$t.log; \
		if $(BUILD)/fuzz/$$t -runs=$(FUZZ_RUNS) -max_len=$$($(TOP)/userspace/fuzz/run-corpus.sh --max-len $$t) \
			-artifact_prefix=$(BUILD)/fuzz/$$t- \
			$(BUILD)/fuzz/corpus/$$t $(TOP)/userspace/fuzz/corpus/$$t >$$log 2>&1; \
		then echo "fuzz: $$t: $$(grep -E '^Done' $$log)"; \
		else tail -40 $$log; echo "fuzz: $$t FAILED, see $$log"; exit 1; fi; \
	done

-include $(wildcard $(BUILD)/fuzz/obj/userspace/*/*.d)
