# SPDX-License-Identifier: GPL-2.0-only
# make check-fresh: `make deps`, `make all` and the host tests in a clean
# Debian 12 minbase root (selftests/fresh/check-fresh; needs root, caches in
# build/fresh/). make check-host: the host part of `make check` alone (no VM
# suites, and not selftests/deb/, which bootstraps a root of its own), which
# check-fresh runs inside that root.
CHECK_HOST_TESTS = $(filter-out $(TOP)/selftests/fresh/% $(TOP)/selftests/deb/%,$(HOST_TESTS))

check-host: deps
	@$(MAKE) --no-print-directory all $(CHECK_HOST_TESTS)
	@scripts/run-tests --host "$(CHECK_HOST_TESTS)" --vm ""

# One suite with a long timeout: a cold run bootstraps the root first.
check-fresh:
	@SSP_SUITE_TIMEOUT=$${SSP_SUITE_TIMEOUT:-5400} scripts/run-tests \
		--host "$(TOP)/selftests/fresh/check-fresh" --vm ""

.PHONY: check-host check-fresh
