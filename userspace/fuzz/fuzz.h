/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Keys the fuzz targets use: the test keys of userspace/tests/kat/ssp-v1.txt,
 * so that the seed corpus (made from those vectors) reaches the code behind
 * the signature and tag checks.
 */
#ifndef SSP_FUZZ_H
#define SSP_FUZZ_H

#include <stdint.h>
#include <stdlib.h>

#include "util.h"

#define FUZZ_CHIP_PRIV	"b543afc7a24fd1a93ab5b9fee27c4fddbe9d978677d2f3d5e29efe41d61772a0"
#define FUZZ_ST_PUB	"5901d6b4413a7ce36eee5201f73fb374673ea430544f1a8923bb1f4d8cf34032" \
			"ff39456875ca49cc2169784dc0412e0afc8501c872b7015ede8cab1a5c2aa2cc"
#define FUZZ_OEM_KEY	"e873e834a79b0712e47abc3372074491"
#define FUZZ_OEM_NONCE	"a740d7893cda79fbfc9632d300000000"

/* Decode a constant above; a typo in it is a bug in the target, so abort. */
static inline void fuzz_hex(const char *hex, uint8_t *out, size_t len)
{
	if (ssp_hex_decode(hex, out, len))
		abort();
}

/* An invariant the code under test broke: libFuzzer records the input. */
#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

#endif /* SSP_FUZZ_H */
