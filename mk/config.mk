# SPDX-License-Identifier: GPL-2.0-only
# Compiler flags and the two kernels; found under /usr/src, never from uname -r.

CC ?= cc
# _FILE_OFFSET_BITS=64: on 32-bit hosts (armhf) readdir() and stat() fail
# with EOVERFLOW on 64-bit inode numbers and directory offsets without it.
CFLAGS_COMMON := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	-I$(TOP)/uapi -I$(TOP)/userspace/lib
CFLAGS += $(CFLAGS_COMMON)
OPENSSL_LIBS := -lcrypto
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null)
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null)
# tpm2-tss for the TPM anchoring (userspace/lib/tpm.c); the swtpm TCTI is loaded by tctildr.
TSS_LIBS := $(shell pkg-config --libs tss2-esys tss2-tctildr tss2-mu tss2-rc 2>/dev/null)
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null)

# Kernel versions: "6.1" and "6.12" map to the newest installed headers.
KERNELS := 6.1 6.12
kdir = $(lastword $(sort $(wildcard /usr/src/linux-headers-$(1).*-amd64 /usr/src/linux-headers-$(1)-*-amd64)))
kver = $(patsubst linux-headers-%,%,$(notdir $(call kdir,$(1))))

# kselftest harness headers, from Debian's linux-source-6.1 (not committed).
LINUX_SRC_TAR := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))
KSRC := $(BUILD)/linux-source-6.1
KSFT_HDR := $(KSRC)/tools/testing/selftests/kselftest_harness.h
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl

$(KSFT_HDR) $(CHECKPATCH):
	@mkdir -p $(BUILD)
	tar -xJf $(LINUX_SRC_TAR) -C $(BUILD) \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $(KSFT_HDR) $(CHECKPATCH)

KSFT_CFLAGS := -I$(KSRC)/tools/testing/selftests

# Every userspace object is built out of tree: build/obj/<path>.o, and once
# more with ASan+UBSan under build/asan/ for the host unit tests.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_CFLAGS = $(CFLAGS) $(NL_CFLAGS) $(JSON_CFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj $(BUILD)/asan -name '*.d' 2>/dev/null)
