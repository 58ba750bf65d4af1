# SPDX-License-Identifier: GPL-2.0-only
# The packages of `make deb`: lintian, and an apt install of the amd64 ones
# in a clean Debian 12 root (selftests/deb/test-deb; needs root). The amd64
# packages must build; an arm64 or armhf build that fails (e.g. its
# architecture's libraries cannot be installed) is one failed test there,
# not a make check that stops.
HOST_TESTS += $(TOP)/selftests/deb/test-deb
$(TOP)/selftests/deb/test-deb: deb-amd64 deb-try-cross

deb-try-cross:
	-@$(MAKE) --no-print-directory -k $(addprefix deb-,$(filter-out amd64,$(DEB_ARCHES)))

.PHONY: deb-try-cross
