/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * STM32 image headers as the STM32MP ROMs read them (spec §7.2,
 * image-header-and-otp.md §A): v1.0 (MP15, 256 bytes) and v2.0/v2.2 (MP13,
 * MP25: a 128-byte base header and TLV extensions, 512 bytes as every tool
 * writes it). One parser detects the version as §A.10 says and checks every
 * field and bound before it reads; the v2 authentication extension gives
 * the MP13 key-hash table whose hash is the chip's PKHTH. Fuzzed by
 * userspace/fuzz/fuzz_stm32.c.
 */
#ifndef SSP_STM32_IMAGE_H
#define SSP_STM32_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* header_version values (§A.1): byte1 = minor, byte2 = major. */
#define SSP_STM32_HV_1_0	0x00010000u
#define SSP_STM32_HV_2_0	0x00020000u
#define SSP_STM32_HV_2_2	0x00020200u
#define SSP_STM32_HV_2_3	0x00020300u	/* MP21/N6: recognised, not supported */

/* v2 base header (§A.3). */
#define SSP_STM32_V2_BASE_SIZE		128
#define SSP_STM32_V2_HDR_SIZE		512	/* base + extensions, as every tool writes */
#define SSP_STM32_V2_OFF_EXT_FLAGS	100
#define SSP_STM32_V2_OFF_EXT_LEN	104
#define SSP_STM32_V2_OFF_BINTYPE	108
#define SSP_STM32_V2_OFF_PADDING	112	/* 16 zero bytes */
#define SSP_STM32_OFF_RESERVED1		84
#define SSP_STM32_OFF_RESERVED2		92
#define SSP_STM32_V1_OFF_PADDING	172	/* 83 zero bytes up to the binary type */

/* Extension headers (§A.6): type, length including the 8-byte TLV header. */
#define SSP_STM32_EXT_AUTH		0x02005453u	/* "ST\0\2" */
#define SSP_STM32_EXT_DECRYPT		0x01005453u	/* "ST\0\1" */
#define SSP_STM32_EXT_PADDING		0xFFFF5453u	/* "ST\xFF\xFF" */
#define SSP_STM32_EXTF_AUTH		(1u << 0)
#define SSP_STM32_EXTF_DECRYPT		(1u << 1)
#define SSP_STM32_EXTF_PADDING		(1u << 31)
#define SSP_STM32_EXTF_ALL		0x80000003u	/* BOOT_API_ALL_EXTENSIONS_MASK */
#define SSP_STM32_EXT_TLV_LEN		8
/* Authentication params: pk_idx, nb_pk, algo, pubkey, then nb_pk key hashes. */
#define SSP_STM32_AUTH_FIXED_LEN	(SSP_STM32_EXT_TLV_LEN + 12 + SSP_PUB_LEN)

/* v2 authentication extension: the signing key and the MP13 key-hash table. */
struct ssp_stm32_auth {
	uint32_t pk_idx;			/* table index of the signing key */
	uint32_t nb_pk;				/* 1..8 entries */
	uint32_t algo;				/* 1 P-256, 2 brainpool P256 */
	uint8_t pub[SSP_PUB_LEN];		/* signing key X||Y */
	uint8_t pkh[SSP_MP13_PKH_TABLE_MAX][SSP_HASH_LEN];	/* SHA-256(LE32(algo)||X||Y) */
};

struct ssp_stm32_info {
	uint32_t header_version;		/* SSP_STM32_HV_* */
	size_t header_size;			/* 256 (v1) or 128 + extension length (v2) */
	uint32_t checksum;
	uint32_t image_length;
	uint32_t entry_point;
	uint32_t load_address;
	uint32_t image_version;
	uint32_t binary_type;			/* u8 at byte 255 in v1, u32 at 108 in v2 */
	uint8_t sig[SSP_SIG_LEN];
	/* v1 only */
	uint32_t option_flags;			/* bit 0: no signature check */
	uint32_t ecdsa_algo;
	uint8_t pub[SSP_PUB_LEN];
	/* v2 only */
	uint32_t ext_flags;
	uint32_t ext_len;
	bool has_auth;
	struct ssp_stm32_auth auth;
	const uint8_t *payload;			/* points into the parsed buffer */
	size_t trailing;			/* file bytes after the payload (padding) */
};

/*
 * Detects the version (§A.10) and parses a v1.0, v2.0 or v2.2 image: magic,
 * reserved words and padding zero, extensions well-formed (each known, its
 * flag bit set, authentication first, lengths summing to the extension
 * length), image_length within the file (trailing bytes are padding) and
 * the checksum. Not the signature. -EINVAL for anything else, -ENOTSUP for
 * a v2.3 header or an unknown version behind a valid magic.
 */
int ssp_stm32_image_parse(const void *buf, size_t len, struct ssp_stm32_info *out);

/*
 * The header version a series' ROM takes (BOOT_API_HEADER_VERSION; each ROM
 * checks for the one it knows): v1.0 MP15, v2.0 MP13.
 */
static inline uint32_t ssp_stm32_rom_header_version(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? SSP_STM32_HV_2_0 : SSP_STM32_HV_1_0;
}

/* "1.0", "2.0", "2.2", "2.3" or "0x%08x" into a buffer of at least 12 bytes. */
const char *ssp_stm32_version_name(uint32_t header_version, char buf[12]);

/*
 * The signed message's digest (§A.8), the one place that fixes the ranges:
 * v1.0 SHA-256(header[72..256) || payload), sourced; v2.0/v2.2
 * SHA-256(header[72 .. 128 + ext_len) || payload), INFERRED (spec §7.2).
 */
int ssp_stm32_signed_digest(const uint8_t *img, const struct ssp_stm32_info *info,
			    uint8_t out[SSP_HASH_LEN]);

/*
 * Checks the signature against the header's key (v1) or the authentication
 * extension's key (v2): 0 valid, -EBADMSG invalid, -ENOKEY no signing key
 * (v2 without an authentication extension), -EINVAL not P-256.
 */
int ssp_stm32_image_verify(const uint8_t *img, const struct ssp_stm32_info *info);

/* Header size a writer uses for a version: 256 (v1.0), 512 (v2.0/v2.2), 0 otherwise. */
size_t ssp_stm32_header_size(uint32_t header_version);

/* What the builder writes besides the payload. */
struct ssp_stm32_params {
	uint32_t header_version;		/* SSP_STM32_HV_1_0, _2_0 or _2_2 */
	uint32_t entry_point;
	uint32_t load_address;
	uint32_t image_version;
	uint32_t binary_type;			/* v1 keeps the low byte */
	uint32_t option_flags;			/* v1 only */
	/*
	 * v2 signed: the key table of the authentication extension, 1..8 keys
	 * in order, which must hold the signing key; NULL = the signing key alone.
	 */
	const uint8_t (*table)[SSP_PUB_LEN];
	size_t table_len;
};

/*
 * Build header + payload into out (out_len must be the header size +
 * payload_len). priv signs with P-256: v1 puts its key in the header, v2
 * writes the authentication extension (pk_idx = the key's place in the
 * table) and a padding extension up to 512 bytes. priv NULL writes an
 * unsigned image: v1 must then carry SSP_STM32_OPT_NO_SIG, v2 gets the
 * padding extension only (the tools' default, §A.11). -EINVAL for bad
 * parameters, -ENOKEY when the signing key is not in the table.
 */
int ssp_stm32_image_build(const struct ssp_stm32_params *p, const void *payload,
			  size_t payload_len, const uint8_t priv[SSP_PRIV_LEN],
			  uint8_t *out, size_t out_len);

/*
 * The MP13 PKHTH the image's table implies (ssp_pkhth_from_table()), after
 * checking that the signing key's hash is the table entry at pk_idx:
 * -ENOKEY when the image has no authentication extension, -EBADMSG when the
 * key does not match its table entry.
 */
int ssp_stm32_image_pkhth(const struct ssp_stm32_info *info, uint8_t out[SSP_HASH_LEN]);

#endif /* SSP_STM32_IMAGE_H */
