# SPDX-License-Identifier: GPL-2.0-only
# libssp: the static library every userspace program links.
LIBSSP_SRCS := $(wildcard userspace/lib/*.c)
LIBSSP := $(BUILD)/libssp.a
LIBSSP_ASAN := $(BUILD)/libssp-asan.a
LIBSSP_LIBS := $(OPENSSL_LIBS) $(NL_LIBS) $(JSON_LIBS) $(INIH_LIBS) $(TSS_LIBS) -lpthread

$(LIBSSP): $(patsubst %.c,$(BUILD)/obj/%.o,$(LIBSSP_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSSP_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(LIBSSP_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The crypto files prove they use no deprecated OpenSSL API.
SSP_NO_DEPRECATED := -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
$(foreach d,obj asan,$(foreach f,crypto formats util,$(BUILD)/$(d)/userspace/lib/$(f).o)): \
	CFLAGS += $(SSP_NO_DEPRECATED)

# Relative names, so `make build/libssp.a` works as well as the absolute one.
.PHONY: libssp
libssp: $(LIBSSP)
build/libssp.a: $(LIBSSP)
build/libssp-asan.a: $(LIBSSP_ASAN)
