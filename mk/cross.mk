# SPDX-License-Identifier: GPL-2.0-only
# ARM cross builds (Documentation/testing.rst, "ARM builds"). `make cross`
# builds, for each of ARCHES, everything the host builds for itself except the
# sanitizer and fuzzer builds: libssp, sspctl, sspsim, the host unit tests and
# the VM test programs, into build/cross/<arch>/ with the same layout as
# build/ (build/cross/arm64/sspctl, build/cross/arm64/tests/test_util, ...),
# by running this Makefile again with the cross compiler, the arch's
# pkg-config directory and BUILD pointing there; so every fragment's source
# list and rules are reused as they are. When apt could not install the
# arch's multiarch libraries, a sysroot takes their place (--sysroot,
# pkg-config and qemu-user -L into it; scripts/cross-libs --source). For
# arm64 it also builds the module against Debian's arm64 headers:
# build/cross/arm64/ko/6.1/stm32_ssp.ko.
#
# `make check` runs the plain unit tests of each arch under qemu-user
# ($(call CROSS_HOST_TESTS,<arch>), counted by scripts/run-tests as "<arch> ...").

ARCHES := arm64 armhf
CROSS_TRIPLET_arm64 := aarch64-linux-gnu
CROSS_TRIPLET_armhf := arm-linux-gnueabihf
CROSS_QEMU_arm64 := qemu-aarch64-static
CROSS_QEMU_armhf := qemu-arm-static
# Debian's kernel ARCH and the kernels whose headers each arch is built against.
CROSS_KARCH_arm64 := arm64
CROSS_KERNELS_arm64 := 6.1
CROSS_KERNELS_armhf :=

# The harness programs get a longer per-test timeout under emulation
# (userspace/tests/ksft_emulated.h); on 32-bit its EXPECT_EQ(NULL, ptr) casts
# a pointer to uintmax_t, which -Werror refuses: not our code, so silenced there.
CROSS_KSFT_CFLAGS = $(KSFT_CFLAGS) -include $(TOP)/userspace/tests/ksft_emulated.h
CROSS_KSFT_CFLAGS_armhf = -Wno-pointer-to-int-cast

CROSS_DIR = $(BUILD)/cross/$(1)
# What the recursive make builds (names as that make sees them).
CROSS_GOALS = $(LIBSSP) $(SSPCTL) $(SSPSIM) $(UNIT_TESTS) $(E2E_LOGIC) $(SSP_KSFT) $(SIM_BLOB)
# The plain unit tests, run under qemu-user.
CROSS_UNIT_TESTS = $(addprefix $(call CROSS_DIR,$(1))/tests/,$(UNIT_TEST_NAMES) \
	$(notdir $(E2E_LOGIC)))
# Each test gets a wrapper that runs it under the emulator: the tests exec
# only host tools (sh, swtpm, python3), so no binfmt_misc is needed.
CROSS_HOST_TESTS = $(addprefix $(call CROSS_DIR,$(1))/qemu/,$(notdir $(call CROSS_UNIT_TESTS,$(1))))
CROSS_KO = $(call CROSS_DIR,$(1))/ko/$(2)/stm32_ssp.ko

.PHONY: cross $(addprefix cross-,$(ARCHES)) cross-goals

cross: $(addprefix cross-,$(ARCHES))

# Only in the recursive make: build what CROSS_GOALS lists there.
cross-goals: $(CROSS_GOALS)

define cross_rules
cross-$(1): cross-userspace-$(1) $(foreach k,$(CROSS_KERNELS_$(1)),$(call CROSS_KO,$(1),$(k)))

# The kselftest headers come from the host's extraction of linux-source.
# The libraries: the arch's multiarch ones when installed, else a sysroot
# (scripts/cross-libs --source, scripts/cross-sysroot), written down in
# libsource for the qemu-user wrappers and said once in the build's output;
# a change of source removes the objects (their rules do not see it).
.PHONY: cross-userspace-$(1)
cross-userspace-$(1): $(KSFT_HDR)
	@command -v $(CROSS_TRIPLET_$(1))-gcc >/dev/null || \
		{ echo "cross-$(1): no $(CROSS_TRIPLET_$(1))-gcc: run make deps" >&2; exit 1; }
	@mkdir -p $(call CROSS_DIR,$(1))
	@scripts/cross-libs --source $(1) >$(call CROSS_DIR,$(1))/libsource.tmp || \
		{ echo "cross-$(1): neither the $(1) multiarch libraries nor a $(1) sysroot: run make deps as root, and see what it says about $(1)" >&2; exit 1; }
	@[ "$$$$(head -n 1 $(call CROSS_DIR,$(1))/libsource.tmp)" = "$$$$(head -n 1 $(call CROSS_DIR,$(1))/libsource 2>/dev/null)" ] || \
		rm -rf $(call CROSS_DIR,$(1))/obj
	@mv $(call CROSS_DIR,$(1))/libsource.tmp $(call CROSS_DIR,$(1))/libsource
	@sed -n 2p $(call CROSS_DIR,$(1))/libsource
	+@sysroot=$$$$(sed -n 's/^sysroot //p' $(call CROSS_DIR,$(1))/libsource); \
		PKG_CONFIG_SYSROOT_DIR=$$$$sysroot \
		PKG_CONFIG_LIBDIR=$$$$sysroot/usr/lib/$(CROSS_TRIPLET_$(1))/pkgconfig:$$$$sysroot/usr/share/pkgconfig \
		PKG_CONFIG_PATH= $$(MAKE) --no-print-directory \
		CC="$(CROSS_TRIPLET_$(1))-gcc$$$${sysroot:+ --sysroot=$$$$sysroot}" \
		BUILD=$(call CROSS_DIR,$(1)) KSRC=$(KSRC) \
		KSFT_CFLAGS="$(CROSS_KSFT_CFLAGS) $(CROSS_KSFT_CFLAGS_$(1))" cross-goals

# With a sysroot, qemu-user loads the test's libraries from it (-L).
$(call CROSS_HOST_TESTS,$(1)): $(call CROSS_DIR,$(1))/qemu/%: cross-userspace-$(1)
	@mkdir -p $$(dir $$@)
	@sysroot=$$$$(sed -n 's/^sysroot //p' $(call CROSS_DIR,$(1))/libsource); \
	printf '#!/bin/sh\nexec %s%s "%s" "$$$$@"\n' $(CROSS_QEMU_$(1)) "$$$${sysroot:+ -L $$$$sysroot}" \
		$(call CROSS_DIR,$(1))/tests/$$* >$$@
	@chmod +x $$@
endef
$(foreach a,$(ARCHES),$(eval $(call cross_rules,$(a))))

# The module: Debian's headers for the arch, unpacked under build/ by
# scripts/cross-kheaders, whose host tools are this machine's linux-kbuild.
define cross_module_rule
$(call CROSS_DIR,$(1))/kheaders/$(2)/stamp-$(call kver,$(2)): scripts/cross-kheaders
	scripts/cross-kheaders $(1) "$(call kver,$(2))" $(call CROSS_DIR,$(1))/kheaders/$(2)

$(call CROSS_KO,$(1),$(2)): $(DRIVER_SRCS) $(TOP)/Kbuild $(call CROSS_DIR,$(1))/kheaders/$(2)/stamp-$(call kver,$(2))
	@mkdir -p $(call CROSS_DIR,$(1))/ko/$(2)/driver
	@ln -sf $(wildcard $(TOP)/driver/*.[ch]) $(call CROSS_DIR,$(1))/ko/$(2)/driver/
	@ln -sfn $(TOP)/uapi $(call CROSS_DIR,$(1))/ko/$(2)/uapi
	@ln -sf $(TOP)/Kbuild $(call CROSS_DIR,$(1))/ko/$(2)/Kbuild
	+$$(MAKE) -C $(call CROSS_DIR,$(1))/kheaders/$(2)/tree M=$(call CROSS_DIR,$(1))/ko/$(2) \
		ARCH=$(CROSS_KARCH_$(1)) CROSS_COMPILE=$(CROSS_TRIPLET_$(1))- W=1 $(KMAKE_FLAGS) modules
endef
$(foreach a,$(ARCHES),$(foreach k,$(CROSS_KERNELS_$(a)),$(eval $(call cross_module_rule,$(a),$(k)))))

# For `make check`: each arch built on its own, its output kept in
# build/cross/<arch>/build.log and its exit status in build.status, so an
# arch that fails to build is one failure in scripts/run-tests' count instead
# of stopping the whole check. An arch whose libraries this machine's apt
# could not install is built against a sysroot (scripts/cross-sysroot); only
# when that cannot be had either (scripts/cross-libs --source says why) is it
# "unavailable": a SKIP with the reason.
.PHONY: cross-check
cross-check:
	@for a in $(ARCHES); do \
		mkdir -p $(BUILD)/cross/$$a; \
		if ! why=$$(scripts/cross-libs --source $$a 2>&1 >/dev/null); then \
			echo "cross-$$a: not built: $$why" | tee $(BUILD)/cross/$$a/build.log; \
			echo unavailable >$(BUILD)/cross/$$a/build.status; continue; \
		fi; \
		{ $(MAKE) --no-print-directory cross-$$a cross-wrappers-$$a; \
		  echo $$? >$(BUILD)/cross/$$a/build.status; } 2>&1 | tee $(BUILD)/cross/$$a/build.log; \
	done

$(foreach a,$(ARCHES),$(eval cross-wrappers-$(a): $(call CROSS_HOST_TESTS,$(a))))
.PHONY: $(addprefix cross-wrappers-,$(ARCHES))

# scripts/run-tests --cross ARCH "TESTS", once per arch.
CROSS_RUN_TESTS_ARGS = $(foreach a,$(ARCHES),--cross $(a) "$(call CROSS_HOST_TESTS,$(a))")
