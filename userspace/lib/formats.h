/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Byte layouts of spec §4: chip certificate, license and payload (.ssp
 * file); the STM32 image header is in stm32_image.h. Every parser takes a buffer and its
 * length, checks every bound and field before it reads, and returns 0 or a
 * negative errno (-EINVAL wrong length/field, -EBADMSG signature or tag
 * does not verify). Fuzzed by userspace/fuzz/.
 */
#ifndef SSP_FORMATS_H
#define SSP_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Chip certificate (136 bytes). */
struct ssp_cert_info {
	unsigned int chip_id;		/* 0x500, 0x501 */
	unsigned int security_counter;	/* CFG2[27:20] */
	unsigned int st_key_index;	/* CFG2[31:28] */
	uint8_t chip_pub[SSP_PUB_LEN];
	uint8_t st_sig[SSP_SIG_LEN];
};

/*
 * Checks length, chip ID (500 or 501, upper-case hex), counter, RFU '0',
 * key index (0..F, so it can index a table of 16 ST keys) and that the chip
 * key is a P-256 point. Does not check the signature: ssp_cert_verify().
 */
int ssp_cert_parse(const void *buf, size_t len, struct ssp_cert_info *out);
/* Fills bytes 0..71 from info and copies info->st_sig; ssp_cert_sign() re-signs. */
int ssp_cert_build(const struct ssp_cert_info *info, uint8_t cert[SSP_CERT_SIZE]);
/* Product ID as CubeProgrammer prints it, e.g. "5000200A" (9 bytes with NUL). */
void ssp_cert_product_id(const struct ssp_cert_info *info, char out[9]);

/* License (136 bytes): field view; crypto is in crypto.h. */
struct ssp_license_info {
	uint32_t type;
	uint32_t live_session_id;
	uint32_t version;
	uint32_t fsbl_min_version;
	uint8_t eph_pub[SSP_PUB_LEN];
};

/* Checks length, type (SSP. or SSPL) and version 1; RFU bytes are not checked. */
int ssp_license_parse(const void *buf, size_t len, struct ssp_license_info *out);

/* Payload / .ssp file. */
struct ssp_payload_plain {
	enum ssp_series series;
	uint8_t oem_pub[SSP_PUB_LEN];		/* MP15: oem_ecdsa_pubk */
	uint8_t rpkth[SSP_HASH_LEN];		/* MP13: oem_rpkth */
	uint32_t rma_word;
	uint8_t secrets[SSP_USER_SECRETS_MAX];	/* user secret bytes */
	size_t secrets_len;			/* 0..148 */
	uint32_t secret_size;			/* oem_secret_size_bytes: parse/open fill it */
};

/* Encrypt with OEM key/nonce (spec §7.1) into an exact-size .ssp image. */
int ssp_payload_seal(const struct ssp_payload_plain *in,
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     uint8_t *out, size_t out_len);
/*
 * Parse the cleartext header fields only (no key needed): exact length for
 * the series, magic, version, size 1..152. Bytes of the secrets field past
 * size are ignored, as the ROM ignores them.
 */
int ssp_payload_parse(const void *buf, size_t len, enum ssp_series series,
		      struct ssp_payload_plain *hdr);
/*
 * Verify and decrypt; out->secrets/rma_word filled. -EBADMSG on a bad tag.
 * A size below 4 gives a partial RMA word whose missing bytes read as zero.
 */
int ssp_payload_open(const void *buf, size_t len, enum ssp_series series,
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     struct ssp_payload_plain *out);
/* Series from the exact length of a .ssp file, -EINVAL if neither. */
int ssp_payload_series(size_t len, enum ssp_series *series);

/* Little-endian helpers shared by the parsers and the simulator. */
static inline uint32_t ssp_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void ssp_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static inline uint32_t ssp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void ssp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

#endif /* SSP_FORMATS_H */
