# SPDX-License-Identifier: GPL-2.0-only
# The packages of `make deb`: lintian, and an apt install of the amd64 ones
# in a clean Debian 12 root (selftests/deb/test-deb; needs root).
HOST_TESTS += $(TOP)/selftests/deb/test-deb
$(TOP)/selftests/deb/test-deb: deb
