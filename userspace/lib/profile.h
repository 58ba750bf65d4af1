/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SSP protocol profile "ssp-v1": every constant that spec §4, §5 and §7
 * fix (sizes, offsets, magics, OTP word map) lives here and nowhere else, so
 * that a correction when ST's behaviour becomes known is a one-place change.
 * Documentation/protocol.rst explains each value and its source.
 */
#ifndef SSP_PROFILE_H
#define SSP_PROFILE_H

#include <stdint.h>

enum ssp_series {
	SSP_SERIES_MP15,
	SSP_SERIES_MP13,
};

#define SSP_PROFILE_NAME	"ssp-v1"

/* P-256 keys and signatures on the wire: raw big-endian X||Y, r||s. */
#define SSP_PUB_LEN		64
#define SSP_PRIV_LEN		32
#define SSP_SIG_LEN		64
#define SSP_HASH_LEN		32
#define SSP_KDF_LEN		64

/* AES-128-GCM, 96-bit IV carried in a 16-byte field ending in 4 zero bytes. */
#define SSP_AES_KEY_LEN		16
#define SSP_NONCE_LEN		16
#define SSP_GCM_IV_LEN		12
#define SSP_TAG_LEN		16

/* Chip certificate (spec §4.1). */
#define SSP_CERT_SIZE		136
#define SSP_CERT_OFF_PUBK	8
#define SSP_CERT_OFF_SIG	72
#define SSP_CERT_SIGNED_LEN	72	/* ST signs SHA-256(cert[0..71]) */

/* License (spec §4.2). */
#define SSP_LIC_SIZE		136
#define SSP_LIC_TYPE_NORMAL	0x2E505353u	/* "SSP." */
#define SSP_LIC_TYPE_LIVE	0x4C505353u	/* "SSPL" */
#define SSP_LIC_VERSION		1
#define SSP_LIC_OFF_EPH_PUBK	24
#define SSP_LIC_OFF_ENC		88
#define SSP_LIC_ENC_LEN		32	/* nonce(16) || key(16), encrypted */
#define SSP_LIC_OFF_TAG		120
#define SSP_LIC_AAD_LEN		120	/* license[0..87] || token(32) */

/* Payload, i.e. the .ssp file (spec §4.3). */
#define SSP_PAYLOAD_MAGIC	0x50505353u	/* "SSPP" */
#define SSP_PAYLOAD_VERSION	1
#define SSP_PAYLOAD_SIZE_MP15	244
#define SSP_PAYLOAD_SIZE_MP13	212
#define SSP_SECRETS_MAX		152	/* RMA word + 148 bytes of OEM secrets */
#define SSP_USER_SECRETS_MAX	148
/*
 * MP13 oem_rpkth, the PKHTH (spec §7.1, image-header-and-otp.md §A.6, §A.8):
 * PKHTH = SHA-256(H_0 || ... || H_{N-1}), H_i = SHA-256(LE32(algo_i) || X_i || Y_i),
 * over the key-hash table of the v2 header's authentication extension.
 * The table holds at most 8 entries (BOOT_API_AUTHENTICATION_NB_PKH_MAX) and
 * ST's MP13 tools always write 8. ssp_pkhth_*() in crypto.c is the one place
 * that computes it.
 */
#define SSP_MP13_OEM_KEYS	8
#define SSP_MP13_PKH_TABLE_MAX	SSP_MP13_OEM_KEYS
#define SSP_KEY_ALGO_P256	1	/* algo_i for a NIST P-256 key (2 = brainpool P256) */
/*
 * Field offsets: magic @0, version @4, key field @8 (MP15 oem_ecdsa_pubk 64
 * bytes, MP13 oem_rpkth 32 bytes), then size, tag, encrypted secrets. The
 * payload AAD is everything before the tag: 76 bytes (MP15), 44 (MP13).
 */
#define SSP_PAYLOAD_OFF_KEY	8

/* RMA word (spec §7.1): unlock in bits 14:0, relock in bits 29:15. */
#define SSP_RMA_PASSWORD_MAX	0x7FFF
#define SSP_RMA_WORD(unlock, relock) \
	(((uint32_t)(unlock) & 0x7FFF) | (((uint32_t)(relock) & 0x7FFF) << 15))

/*
 * STM32 image header v1 (spec §7.2, image-header-and-otp.md §A.2); the v2
 * layout and the signed ranges are in stm32_image.h/.c.
 */
#define SSP_STM32_HDR_SIZE	256
#define SSP_STM32_MAGIC		0x324D5453u	/* "STM2" */
#define SSP_STM32_HDR_V1	0x00010000u
#define SSP_STM32_OFF_SIG	4
#define SSP_STM32_OFF_CSUM	68
#define SSP_STM32_OFF_HDRVER	72
#define SSP_STM32_OFF_LEN	76
#define SSP_STM32_OFF_ENTRY	80
#define SSP_STM32_OFF_LOAD	88
#define SSP_STM32_OFF_IMGVER	96
#define SSP_STM32_OFF_OPTIONS	100
#define SSP_STM32_OFF_ALGO	104
#define SSP_STM32_OFF_PUBK	108
#define SSP_STM32_OFF_BINTYPE	255	/* u8; the last header byte */
#define SSP_STM32_OPT_NO_SIG	(1u << 0)
#define SSP_STM32_ALGO_P256	1

/* OTP word map (spec §4.6). */
struct ssp_otp_map {
	unsigned int cfg0;		/* closing word */
	uint32_t closed_mask;		/* bits that mean "closed" */
	unsigned int cfg2;		/* security counter, ST key index */
	unsigned int ssp_word;
	uint32_t ssp_req;		/* SSP_REQ bit in ssp_word */
	uint32_t ssp_success;		/* SSP_SUCCESS bit in ssp_word */
	unsigned int uid;		/* 3 words */
	unsigned int pkh;		/* 8 words */
	unsigned int cert_sig;		/* 16 words */
	unsigned int rma;
	uint32_t rma_mask;
	unsigned int secrets;		/* 37 words */
	unsigned int words;		/* size of the OTP array */
};

#define SSP_OTP_WORDS		96
#define SSP_OTP_UID		13
#define SSP_OTP_PKH		24
#define SSP_OTP_PKH_WORDS	8
#define SSP_OTP_CERT_SIG	40
#define SSP_OTP_RMA		56
#define SSP_OTP_SECRETS		59
#define SSP_OTP_SECRET_WORDS	37

static const struct ssp_otp_map ssp_otp_mp15 = {
	.cfg0 = 0, .closed_mask = 1u << 6, .cfg2 = 2,
	.ssp_word = 8, .ssp_req = 1u << 8, .ssp_success = 1u << 9,
	.uid = SSP_OTP_UID, .pkh = SSP_OTP_PKH, .cert_sig = SSP_OTP_CERT_SIG,
	.rma = SSP_OTP_RMA, .rma_mask = 0x3FFFFFFFu,
	.secrets = SSP_OTP_SECRETS, .words = SSP_OTP_WORDS,
};

static const struct ssp_otp_map ssp_otp_mp13 = {
	.cfg0 = 0, .closed_mask = 0x3Fu, .cfg2 = 2,
	.ssp_word = 9, .ssp_req = 1u << 5, .ssp_success = 1u << 6,
	.uid = SSP_OTP_UID, .pkh = SSP_OTP_PKH, .cert_sig = SSP_OTP_CERT_SIG,
	.rma = SSP_OTP_RMA, .rma_mask = 0xFFFFFFFFu,
	.secrets = SSP_OTP_SECRETS, .words = SSP_OTP_WORDS,
};

/* MP13 CFG0: open value, closed value, bits TF-A tolerates (spec §4.6). */
#define SSP_MP13_CFG0_OPEN	0x17u
#define SSP_MP13_CFG0_CLOSED	0x3Fu

static inline const struct ssp_otp_map *ssp_otp_map(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? &ssp_otp_mp13 : &ssp_otp_mp15;
}

static inline unsigned int ssp_payload_size(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? SSP_PAYLOAD_SIZE_MP13 : SSP_PAYLOAD_SIZE_MP15;
}

/* Length of the payload's key field: oem_ecdsa_pubk (MP15) or oem_rpkth (MP13). */
static inline unsigned int ssp_payload_key_len(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? SSP_HASH_LEN : SSP_PUB_LEN;
}

static inline unsigned int ssp_payload_off_size(enum ssp_series s)
{
	return SSP_PAYLOAD_OFF_KEY + ssp_payload_key_len(s);
}

static inline unsigned int ssp_payload_off_tag(enum ssp_series s)
{
	return ssp_payload_off_size(s) + 4;
}

static inline unsigned int ssp_payload_off_secrets(enum ssp_series s)
{
	return ssp_payload_off_tag(s) + SSP_TAG_LEN;
}

static inline unsigned int ssp_chip_id(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? 0x501 : 0x500;
}

#endif /* SSP_PROFILE_H */
