/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel for driver/ident.c to build in userspace (for
 * fuzz_ident): its integer types and helpers, and the two structures of
 * driver/ssp.h it fills. Defining ssp.h's include guard here keeps the real
 * header (and the USB core behind it) out; ident.c reads the fields by
 * name, so a field it starts using that is missing here fails the build.
 */
#ifndef SSP_KSHIM_KERNEL_H
#define SSP_KSHIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define U32_MAX		((u32)~0U)
#define min_t(type, x, y)	((type)(x) < (type)(y) ? (type)(x) : (type)(y))

/* lib/hexdump.c */
static inline int hex_to_bin(unsigned char ch)
{
	unsigned char cu = ch & 0xdf;

	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (cu >= 'A' && cu <= 'F')
		return cu - 'A' + 10;
	return -1;
}

/* driver/ssp.h, the parts ident.c uses. */
#define _SSP_DRIVER_H
#define SSP_MAX_ALTS		16
#define SSP_PRODUCT_LEN		128

struct ssp_alt {
	u8 phase;
	u8 alt;
	u32 size;
};

struct ssp_ident {
	u32 chip_id;
	u32 revision;
	enum ssp_stage stage;
	char product[SSP_PRODUCT_LEN];
	unsigned int num_alts;
	struct ssp_alt alts[SSP_MAX_ALTS];
};

int ssp_parse_product(const char *s, struct ssp_ident *id);
int ssp_parse_alt_name(const char *s, struct ssp_alt *alt);
const struct ssp_alt *ssp_find_alt(const struct ssp_ident *id, u8 phase);
const char *ssp_stage_str(enum ssp_stage stage);
const char *ssp_state_str(enum ssp_state state);

#endif /* SSP_KSHIM_KERNEL_H */
