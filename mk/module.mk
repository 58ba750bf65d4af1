# SPDX-License-Identifier: GPL-2.0-only
# stm32_ssp.ko for each kernel, each in its own Kbuild tree under build/ko/
# (out-of-tree Kbuild writes objects beside the sources, so each kernel gets a
# directory of symlinks to the files of driver/ and to uapi/).

DRIVER_SRCS := $(wildcard $(TOP)/driver/*.c $(TOP)/driver/*.h) $(TOP)/uapi/linux/stm32_ssp.h
KO = $(BUILD)/ko/$(1)/stm32_ssp.ko
SSP_PKG_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)

define module_rule
$(call KO,$(1)): $(DRIVER_SRCS) $(TOP)/Kbuild $(TOP)/dkms.conf
	@test -n "$(call kdir,$(1))" || { echo "no headers for Linux $(1): run make deps" >&2; exit 1; }
	@mkdir -p $(BUILD)/ko/$(1)
	@mkdir -p $(BUILD)/ko/$(1)/driver
	@ln -sf $(wildcard $(TOP)/driver/*.[ch]) $(BUILD)/ko/$(1)/driver/
	@ln -sfn $(TOP)/uapi $(BUILD)/ko/$(1)/uapi
	@ln -sf $(TOP)/Kbuild $(BUILD)/ko/$(1)/Kbuild
	+$$(MAKE) -C $(call kdir,$(1)) M=$(BUILD)/ko/$(1) W=1 $(KMAKE_FLAGS) modules
	@# MODULE_VERSION is dkms.conf's PACKAGE_VERSION (Kbuild passes it).
	@v=$$$$(modinfo -F version $$@); test "$$$$v" = "$(SSP_PKG_VERSION)" || \
		{ echo "$$@: MODULE_VERSION is '$$$$v', dkms.conf says '$(SSP_PKG_VERSION)'" >&2; exit 1; }
endef

ifneq ($(wildcard $(TOP)/driver/*.c),)
$(foreach k,$(KERNELS),$(eval $(call module_rule,$(k))))
module: $(foreach k,$(KERNELS),$(call KO,$(k)))
else
module:
	@echo "driver/ has no sources yet"
endif

# Static checks of the kernel code: checkpatch --strict and sparse, on both
# kernels; any output fails. Out of tree, checkpatch cannot learn the kernel's
# own CamelCase names (USB descriptor fields) from include/; BIT() does not
# exist in uapi headers; driver/compat.h is the one place that may test the
# kernel version. driver/trace.h is written in the TRACE_EVENT() idiom
# checkpatch does not know: TP_PROTO() aligned inside the unclosed
# TRACE_EVENT(, lines ending in "TP_STRUCT__entry(", and symbol lists for
# __print_symbolic() that cannot take parentheses.
KCHECKPATCH = perl $(CHECKPATCH) --no-tree --strict --terse --ignore CAMELCASE
kcheck: $(CHECKPATCH) $(foreach k,$(KERNELS),kcheck-sparse-$(k))
	$(KCHECKPATCH) -f $(filter-out driver/compat.h driver/trace.h,$(wildcard driver/*.[ch]))
	$(KCHECKPATCH) --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE,COMPLEX_MACRO -f driver/trace.h
	$(KCHECKPATCH) --ignore LINUX_VERSION_CODE -f driver/compat.h
	$(KCHECKPATCH) --ignore BIT_MACRO -f uapi/linux/stm32_ssp.h

$(foreach k,$(KERNELS),kcheck-sparse-$(k)): kcheck-sparse-%: module
	@echo "sparse (C=2) on Linux $*"
	@$(MAKE) --no-print-directory -C $(call kdir,$*) M=$(BUILD)/ko/$* C=2 modules \
		> $(BUILD)/ko/$*/sparse.log 2>&1 || { cat $(BUILD)/ko/$*/sparse.log; exit 1; }
	@! grep -v '^  [A-Z0-9]\+ \|Skipping BTF' $(BUILD)/ko/$*/sparse.log
.PHONY: kcheck $(foreach k,$(KERNELS),kcheck-sparse-$(k))
