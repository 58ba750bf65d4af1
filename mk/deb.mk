# SPDX-License-Identifier: GPL-2.0-only
# make deb: the Debian packages (debian/), amd64 natively, arm64 and armhf
# cross, into build/deb/<arch>/ (scripts/deb). Each architecture is rebuilt
# only when a file git knows has changed since its last build, except the
# tests and fuzzers, which no package holds.
DEB_ARCHES := amd64 arm64 armhf
DEB_INPUTS := $(filter-out selftests/% userspace/tests/% userspace/fuzz/%,\
	$(wildcard $(shell git ls-files 2>/dev/null)))
DEB_STAMPS := $(foreach a,$(DEB_ARCHES),$(BUILD)/deb/$(a)/.built)

$(BUILD)/deb/%/.built: $(DEB_INPUTS)
	scripts/deb $*
	touch $@

deb: $(DEB_STAMPS)
$(foreach a,$(DEB_ARCHES),$(eval deb-$(a): $(BUILD)/deb/$(a)/.built))

.PHONY: deb $(addprefix deb-,$(DEB_ARCHES))
