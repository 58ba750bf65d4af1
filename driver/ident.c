// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: what the ST DFU strings say (spec 1.2).
 *
 * Product strings:
 *   ROM:  "DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000"
 *   FSBL: "DFU @Device ID /0x500, @Revision ID /0x0000, @Name /..."
 * Anything else (U-Boot's "USB download gadget@Device ID ...", other ST DFU
 * devices) is not ours, so dfu-util keeps working on it.
 *
 * Alternate names: "@<name> /0x<phase>/<count>*<size><unit><attr>", e.g.
 * "@FSBL /0x01/1*1Me": phase 0x01, 1 MiB.
 */
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "parse.h"

static const char *ssp_parse_hex(const char *p, u32 *val, unsigned int max)
{
	unsigned int n = 0;
	u32 v = 0;
	int d;

	while (n < max && (d = hex_to_bin(p[n])) >= 0) {
		v = (v << 4) | d;
		n++;
	}
	if (!n || hex_to_bin(p[n]) >= 0)
		return NULL;
	*val = v;
	return p + n;
}

static const char *ssp_parse_dec(const char *p, u32 *val)
{
	unsigned int n = 0;
	u32 v = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (n == 9)
			return NULL;
		v = v * 10 + (p[n] - '0');
		n++;
	}
	if (!n)
		return NULL;
	*val = v;
	return p + n;
}

static bool ssp_chip_known(u32 chip)
{
	return chip == STM32_SSP_CHIP_MP15 || chip == STM32_SSP_CHIP_MP13 ||
	       chip == STM32_SSP_CHIP_MP25;
}

/**
 * ssp_parse_product() - identify an STM32MP ROM or FSBL product string
 * @s: the product string
 * @id: chip_id, revision and stage are filled in
 *
 * Return: 0, or -ENODEV when the string is not one of ours.
 */
int ssp_parse_product(const char *s, struct ssp_ident *id)
{
	static const char dev_tag[] = "@Device ID /0x";
	static const char rev_tag[] = "@Revision ID /0x";
	const char *p;
	u32 chip, rev = 0;

	if (str_has_prefix(s, "DFU @Device ID /0x"))
		id->stage = STM32_SSP_STAGE_FSBL;
	else if (str_has_prefix(s, "DFU in "))
		id->stage = STM32_SSP_STAGE_ROM;
	else
		return -ENODEV;
	p = strstr(s, dev_tag);
	if (!p)
		return -ENODEV;
	p = ssp_parse_hex(p + sizeof(dev_tag) - 1, &chip, 4);
	if (!p || !ssp_chip_known(chip))
		return -ENODEV;
	p = strstr(p, rev_tag);
	if (p && !ssp_parse_hex(p + sizeof(rev_tag) - 1, &rev, 4))
		return -ENODEV;
	id->chip_id = chip;
	id->revision = rev;
	return 0;
}

/**
 * ssp_parse_alt_name() - phase and size of an alternate from its name
 * @s: the name, e.g. "@Partition3 /0x03/1*16Me"
 * @alt: phase and size are filled in
 *
 * Return: 0, or -EINVAL when the name does not follow the grammar.
 */
int ssp_parse_alt_name(const char *s, struct ssp_alt *alt)
{
	u32 phase, count, size;
	unsigned int shift;
	u64 total;
	const char *p;

	if (s[0] != '@')
		return -EINVAL;
	p = strstr(s, " /0x");
	if (!p)
		return -EINVAL;
	p = ssp_parse_hex(p + 4, &phase, 2);
	if (!p || *p != '/')
		return -EINVAL;
	p = ssp_parse_dec(p + 1, &count);
	if (!p || *p != '*')
		return -EINVAL;
	p = ssp_parse_dec(p + 1, &size);
	if (!p)
		return -EINVAL;
	switch (*p) {
	case 'M':
		shift = 20;
		break;
	case 'K':
		shift = 10;
		break;
	case 'B':
	case ' ':
		shift = 0;
		break;
	default:
		return -EINVAL;
	}
	/* Up to (10^9 - 1)^2 << 20 does not fit 64 bits: saturate. */
	if (check_mul_overflow((u64)count, (u64)size, &total) ||
	    check_shl_overflow(total, shift, &total))
		total = U64_MAX;
	alt->phase = phase;
	alt->size = min_t(u64, total, U32_MAX);
	return 0;
}

const struct ssp_alt *ssp_find_alt(const struct ssp_ident *id, u8 phase)
{
	unsigned int i;

	for (i = 0; i < id->num_alts; i++)
		if (id->alts[i].phase == phase)
			return &id->alts[i];
	return NULL;
}

const char *ssp_stage_str(enum stm32_ssp_stage stage)
{
	switch (stage) {
	case STM32_SSP_STAGE_ROM:
		return "rom";
	case STM32_SSP_STAGE_FSBL:
		return "fsbl";
	default:
		return "unknown";
	}
}

const char *ssp_state_str(enum stm32_ssp_state state)
{
	switch (state) {
	case STM32_SSP_STATE_READY:
		return "ready";
	case STM32_SSP_STATE_BOOTING:
		return "booting";
	case STM32_SSP_STATE_ABSENT:
		return "absent";
	default:
		return "gone";
	}
}
