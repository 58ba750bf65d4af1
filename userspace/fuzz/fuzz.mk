# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer targets for every libssp parser (clang, ASan+UBSan). `make fuzz`
# builds them and runs each for FUZZ_RUNS inputs, growing a corpus under
# build/fuzz/corpus/ from the committed seeds in userspace/fuzz/corpus/
# (made by `scripts/gen-kat.py corpus`). A short repeatable run of every
# target over its seeds is also a host test (build/fuzz/fuzz-regress).
FUZZ_CC ?= clang
FUZZ_RUNS ?= 20000
FUZZ_NAMES := fuzz_cert fuzz_license fuzz_payload fuzz_stm32
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
FUZZERS += $(FUZZ_BINS)
HOST_TESTS += $(BUILD)/fuzz/fuzz-regress

FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(TOP)/uapi -I$(TOP)/userspace/lib $(SSP_NO_DEPRECATED) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Only the parts of libssp the parsers use: nothing that needs libnl or a device.
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,\
	userspace/lib/crypto.c userspace/lib/formats.c userspace/lib/util.c userspace/lib/err.c)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/userspace/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(OPENSSL_LIBS)

$(BUILD)/fuzz/fuzz-regress: $(FUZZ_BINS) userspace/fuzz/run-corpus.sh
	printf '#!/bin/sh\nexec %s %s %s\n' "$(TOP)/userspace/fuzz/run-corpus.sh" \
		"$(BUILD)/fuzz" "$(TOP)/userspace/fuzz/corpus" > $@
	chmod +x $@

fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t; \
		log=$(BUILD)/fuzz/$$t.log; \
		if $(BUILD)/fuzz/$$t -runs=$(FUZZ_RUNS) -max_len=1024 -artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/fuzz/corpus/$$t $(TOP)/userspace/fuzz/corpus/$$t >$$log 2>&1; \
		then echo "fuzz: $$t: $$(grep -E '^Done' $$log)"; \
		else tail -40 $$log; echo "fuzz: $$t FAILED, see $$log"; exit 1; fi; \
	done

-include $(wildcard $(BUILD)/fuzz/obj/userspace/*/*.d)
