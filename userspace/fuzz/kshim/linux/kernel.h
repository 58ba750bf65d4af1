/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel for driver/ident.c and driver/decode.c to build
 * in userspace (for fuzz_ident and fuzz_decode): their integer types and
 * helpers, and the parts of driver/ssp.h they use. Defining ssp.h's include
 * guard here keeps the real header (and the USB core behind it) out; the
 * driver files read the fields by name and the prototypes below must match
 * their definitions, so a drift from ssp.h fails the build.
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

/* <linux/usb/ch9.h> */
#define USB_DT_STRING		0x03

/* driver/ssp.h, the parts ident.c and decode.c use. */
#define _SSP_DRIVER_H
#define SSP_MAX_ALTS		16
#define SSP_PRODUCT_LEN		128
#define SSP_CERT_REPLY_LEN	(9 + SSP_CERT_LEN)

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

int ssp_phase_decode(struct ssp_phase *ph, const u8 *buf, int len);
int ssp_cert_decode(struct ssp_cert *cert, const u8 *buf, int len, u8 phase);
int ssp_string_decode(char *s, size_t size, const u8 *buf, int len);

#endif /* SSP_KSHIM_KERNEL_H */
