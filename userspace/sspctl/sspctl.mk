# SPDX-License-Identifier: GPL-2.0-only
# sspctl: every userspace/sspctl/*.c linked with libssp. Each cmd_*.c adds
# itself to the command table (commands.h), so new commands need no edit here.
SSPCTL_SRCS := $(wildcard userspace/sspctl/*.c)
SSPCTL := $(BUILD)/sspctl
SSPCTL_ASAN := $(BUILD)/sspctl-asan
SSPCTL_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf 2>/dev/null)
TOOLS += $(SSPCTL)

$(BUILD)/obj/userspace/sspctl/main.o $(BUILD)/asan/userspace/sspctl/main.o: \
	CFLAGS += -DSSPCTL_VERSION='"$(SSPCTL_VERSION)"'

$(SSPCTL): $(patsubst %.c,$(BUILD)/obj/%.o,$(SSPCTL_SRCS)) $(LIBSSP)
	$(CC) -o $@ $(filter %.o,$^) $(LIBSSP) $(LIBSSP_LIBS)

$(SSPCTL_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(SSPCTL_SRCS)) $(LIBSSP_ASAN)
	$(CC) $(SAN_FLAGS) -o $@ $(filter %.o,$^) $(LIBSSP_ASAN) $(LIBSSP_LIBS)

# Command-line tests (TAP), run once with each build of sspctl.
SSPCTL_CLI_TESTS := $(BUILD)/tests/sspctl-cli $(BUILD)/tests/sspctl-cli-asan
HOST_TESTS += $(SSPCTL_CLI_TESTS)

$(BUILD)/tests/sspctl-cli: userspace/tests/sspctl-cli.sh $(SSPCTL)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' $(TOP)/$< $(SSPCTL) >$@ && chmod +x $@

$(BUILD)/tests/sspctl-cli-asan: userspace/tests/sspctl-cli.sh $(SSPCTL_ASAN)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' $(TOP)/$< $(SSPCTL_ASAN) >$@ && chmod +x $@

build/sspctl: $(SSPCTL)
build/sspctl-asan: $(SSPCTL_ASAN)
