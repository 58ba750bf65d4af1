// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel driver's DFU string parsers (driver/ident.c: product string and
 * alternate-setting names, as a chip's descriptors give them), built in
 * userspace with the kernel helpers of kshim/. Input: the product string,
 * then alternate names, separated by NUL bytes; each string gets a buffer of
 * exactly its size, so a read past its NUL is caught.
 *
 * Properties: an accepted product string has the prefix of the stage it
 * reports, a chip the driver knows and 16-bit IDs, and what it says parses
 * back the same from the canonical string; an accepted alternate name starts
 * with '@', has an 8-bit phase, and round-trips; ssp_find_alt() finds every
 * phase of the map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../driver/ident.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dup_exact(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	FUZZ_CHECK(s);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void product(const char *s)
{
	struct ssp_ident id, back;
	char canon[96];
	int ret;

	memset(&id, 0, sizeof(id));
	ret = ssp_parse_product(s, &id);
	if (ret) {
		FUZZ_CHECK(ret == -ENODEV);
		return;
	}
	FUZZ_CHECK(id.chip_id == STM32_SSP_CHIP_MP15 || id.chip_id == STM32_SSP_CHIP_MP13 ||
		   id.chip_id == STM32_SSP_CHIP_MP25);
	FUZZ_CHECK(id.revision <= 0xFFFF);
	if (id.stage == STM32_SSP_STAGE_ROM)
		FUZZ_CHECK(!strncmp(s, "DFU in ", 7));
	else
		FUZZ_CHECK(id.stage == STM32_SSP_STAGE_FSBL && !strncmp(s, "DFU @Device ID /0x", 18));
	snprintf(canon, sizeof(canon), "%s@Device ID /0x%03X, @Revision ID /0x%04X",
		 id.stage == STM32_SSP_STAGE_ROM ? "DFU in HS Mode " : "DFU ", id.chip_id, id.revision);
	memset(&back, 0, sizeof(back));
	FUZZ_CHECK(ssp_parse_product(canon, &back) == 0);
	FUZZ_CHECK(back.chip_id == id.chip_id && back.revision == id.revision &&
		   back.stage == id.stage);
}

static int alt_name(const char *s, struct ssp_alt *alt)
{
	struct ssp_alt back;
	char canon[64];
	int ret;

	memset(alt, 0, sizeof(*alt));
	ret = ssp_parse_alt_name(s, alt);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		return ret;
	}
	FUZZ_CHECK(s[0] == '@' && strstr(s, " /0x"));
	/* The size saturates at U32_MAX; below 10^9 bytes it round-trips exactly. */
	if (alt->size < 1000000000u) {
		snprintf(canon, sizeof(canon), "@Fuzz /0x%02X/1*%uB", alt->phase, alt->size);
		memset(&back, 0, sizeof(back));
		FUZZ_CHECK(ssp_parse_alt_name(canon, &back) == 0);
		FUZZ_CHECK(back.phase == alt->phase && back.size == alt->size);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ssp_ident id;
	const uint8_t *end = data + size, *p = data;
	unsigned int i;
	int first = 1;

	memset(&id, 0, sizeof(id));
	while (p <= end) {
		const uint8_t *nul = memchr(p, '\0', end - p);
		size_t len = (nul ? nul : end) - p;
		char *s = dup_exact(p, len);

		if (first) {
			product(s);
			first = 0;
		} else if (id.num_alts < SSP_MAX_ALTS && !alt_name(s, &id.alts[id.num_alts])) {
			id.alts[id.num_alts].alt = id.num_alts;
			id.num_alts++;
		}
		free(s);
		p += len + 1;
	}
	for (i = 0; i < id.num_alts; i++) {
		const struct ssp_alt *a = ssp_find_alt(&id, id.alts[i].phase);

		FUZZ_CHECK(a && a->phase == id.alts[i].phase && a <= &id.alts[i]);
	}
	FUZZ_CHECK(ssp_stage_str(id.stage)[0] && ssp_state_str(STM32_SSP_STATE_ABSENT)[0]);
	return 0;
}
