# SPDX-License-Identifier: GPL-2.0-only
# The packages of `make deb`: lintian, and an apt install of the amd64 ones
# in a clean Debian 12 root (selftests/deb/test-deb; needs root). The amd64
# packages must build; an arm64 or armhf build that fails (e.g. its
# architecture's libraries cannot be installed) is one failed test there,
# not a make check that stops.
HOST_TESTS += $(TOP)/selftests/deb/test-deb
$(TOP)/selftests/deb/test-deb: deb-amd64 deb-try-cross deb-test-roots

# The cached roots, built here and not within run-tests' time limit (a cold
# run takes longer); if this fails, the test fails the same way, and says so.
deb-test-roots: deb-amd64
	-@selftests/deb/test-deb --prepare

deb-try-cross:
	-@$(MAKE) --no-print-directory -k $(addprefix deb-,$(filter-out amd64,$(DEB_ARCHES)))

.PHONY: deb-try-cross deb-test-roots
