/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel for driver/ident.c and driver/decode.c to build
 * in userspace (for fuzz_ident and fuzz_decode): their integer types and
 * helpers. Their interface, driver/parse.h, is the driver's own header,
 * shared as it is, so the fuzz build cannot drift from the driver.
 */
#ifndef SSP_KSHIM_KERNEL_H
#define SSP_KSHIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
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

/* <linux/unaligned.h> */
static inline u16 get_unaligned_le16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] | b[1] << 8);
}

static inline u32 get_unaligned_le32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

/*
 * driver/compat.h only picks the kernel's unaligned-access header, which
 * the helpers above replace: keep it out. driver/parse.h is used as it is.
 */
#define _SSP_COMPAT_H

#endif /* SSP_KSHIM_KERNEL_H */
