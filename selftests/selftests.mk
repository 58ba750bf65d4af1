# SPDX-License-Identifier: GPL-2.0-only
# The VM test bed's own test, plus every selftests/*/ fragment.
HOST_TESTS += $(TOP)/selftests/vm/test-runner
-include $(wildcard selftests/*/*.mk)
