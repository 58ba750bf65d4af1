/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Forced first (-include) into the kselftest-harness programs of the ARM cross
 * builds (mk/cross.mk), which make check runs under qemu-user: there the
 * crypto (PIN KDF, key generation, TPM sessions) runs several times slower, so
 * the harness's 30 s default per test is raised. Tests with their own
 * TEST_F_TIMEOUT keep it.
 */
#ifndef SSP_KSFT_EMULATED_H
#define SSP_KSFT_EMULATED_H
#include "kselftest_harness.h"
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#endif
