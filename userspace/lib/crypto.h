/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crypto profile ssp-v1 (spec §7.1) on OpenSSL 3 EVP. This is the only file
 * pair in the project that calls OpenSSL's crypto primitives; sspctl, the
 * software HSM and sspsim all go through it.
 *
 * Conventions: public keys are 64 bytes X||Y, private keys 32 bytes
 * big-endian scalars, signatures 64 bytes r||s. Every function returns 0 on
 * success or a negative errno: -EINVAL for malformed input (not a point on
 * the curve, scalar out of range, nonce whose last 4 bytes are not zero),
 * -EBADMSG when an authentication tag or signature does not verify, -ENOMEM,
 * -EIO for an unexpected OpenSSL failure. Outputs are wiped on failure.
 */
#ifndef SSP_CRYPTO_H
#define SSP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

int ssp_sha256(const void *data, size_t len, uint8_t out[SSP_HASH_LEN]);
int ssp_random(void *buf, size_t len);
void ssp_wipe(void *buf, size_t len);

/* P-256 */
int ssp_ec_pub_from_priv(const uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN]);
int ssp_ec_keygen(uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN]);
/*
 * Deterministic key pair (simulated chips, test keys): scalar =
 * SHA-256(label || seed || counter), label without its NUL, counter a
 * big-endian u32 from 0, incremented until the scalar is in 1..n-1.
 */
int ssp_ec_key_from_seed(const char *label, const void *seed, size_t seed_len,
			 uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN]);
int ssp_ec_pub_check(const uint8_t pub[SSP_PUB_LEN]);
int ssp_ecdh(const uint8_t priv[SSP_PRIV_LEN], const uint8_t peer[SSP_PUB_LEN],
	     uint8_t z[32]);
int ssp_ecdsa_sign(const uint8_t priv[SSP_PRIV_LEN], const uint8_t digest[SSP_HASH_LEN],
		   uint8_t sig[SSP_SIG_LEN]);
int ssp_ecdsa_verify(const uint8_t pub[SSP_PUB_LEN], const uint8_t digest[SSP_HASH_LEN],
		     const uint8_t sig[SSP_SIG_LEN]);

/*
 * PEM files (SubjectPublicKeyInfo / PKCS#8 or SEC1) holding P-256 keys;
 * -EINVAL for another curve or kind of key, -errno when the file cannot be
 * read. Writers replace the file atomically: public 0644 (SPKI, the 178-byte
 * file Trusted Package Creator's -pk takes), private 0600 (PKCS#8).
 */
int ssp_pem_read_pub(const char *path, uint8_t pub[SSP_PUB_LEN]);
int ssp_pem_read_priv(const char *path, uint8_t priv[SSP_PRIV_LEN]);
int ssp_pem_write_pub(const char *path, const uint8_t pub[SSP_PUB_LEN]);
int ssp_pem_write_priv(const char *path, const uint8_t priv[SSP_PRIV_LEN]);

/* X9.63 KDF with SHA-256, empty SharedInfo, two rounds: 64 bytes. */
int ssp_kdf(const uint8_t z[32], uint8_t k[SSP_KDF_LEN]);

/* AES-128-GCM, 96-bit IV, 16-byte tag. decrypt returns -EBADMSG on a bad tag. */
int ssp_gcm_encrypt(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t iv[SSP_GCM_IV_LEN],
		    const void *aad, size_t aad_len, const void *pt, size_t len,
		    void *ct, uint8_t tag[SSP_TAG_LEN]);
int ssp_gcm_decrypt(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t iv[SSP_GCM_IV_LEN],
		    const void *aad, size_t aad_len, const void *ct, size_t len,
		    void *pt, const uint8_t tag[SSP_TAG_LEN]);

/* -EINVAL unless the last 4 bytes of the 16-byte OEM nonce are zero (ssp-v1). */
int ssp_nonce_check(const uint8_t nonce[SSP_NONCE_LEN]);

/*
 * License (spec §4.2, §7.1). ssp_license_make() is the HSM side: ECDH
 * between an ephemeral key (eph_priv, or a fresh random one when NULL) and
 * the chip key from the certificate, KDF, then GCM over nonce||key.
 * ssp_license_open() is the ROM side: the same with the chip private key;
 * -EINVAL for a malformed license (type, version, ephemeral point) or an
 * authentic one whose nonce is not ssp-v1 (last 4 bytes not zero),
 * -EBADMSG when the tag does not verify.
 */
struct ssp_license_params {
	uint32_t type;			/* SSP_LIC_TYPE_NORMAL or _LIVE */
	uint32_t live_session_id;
	uint32_t fsbl_min_version;
};

int ssp_license_make(const uint8_t chip_pub[SSP_PUB_LEN],
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     const struct ssp_license_params *params,
		     const uint8_t *eph_priv, uint8_t license[SSP_LIC_SIZE]);
int ssp_license_open(const uint8_t chip_priv[SSP_PRIV_LEN],
		     const uint8_t license[SSP_LIC_SIZE],
		     uint8_t oem_key[SSP_AES_KEY_LEN], uint8_t oem_nonce[SSP_NONCE_LEN]);

/* Certificate signature: ECDSA P-256 over SHA-256(cert[0..71]), raw r||s at cert[72]. */
int ssp_cert_sign(const uint8_t st_priv[SSP_PRIV_LEN], uint8_t cert[SSP_CERT_SIZE]);
int ssp_cert_verify(const uint8_t st_pub[SSP_PUB_LEN], const uint8_t cert[SSP_CERT_SIZE]);

/*
 * MP13 oem_rpkth (PKHTH), spec §7.1 and image-header-and-otp.md §A.8: the one
 * place that computes it. A table entry is H = SHA-256(LE32(algo) || X || Y);
 * PKHTH = SHA-256(H_0 || ... || H_{n-1}) over the n entries (1..8) in table
 * order, exactly as the MP13 ROM and TF-A hash the table of a v2 header.
 * -EINVAL for n out of range.
 */
int ssp_mp13_key_hash(uint32_t algo, const uint8_t pub[SSP_PUB_LEN], uint8_t out[SSP_HASH_LEN]);
int ssp_pkhth_from_table(const uint8_t *table, size_t n, uint8_t out[SSP_HASH_LEN]);
/* From n P-256 public keys (algo 1 each), in table order. */
int ssp_pkhth_from_keys(const uint8_t (*keys)[SSP_PUB_LEN], size_t n, uint8_t out[SSP_HASH_LEN]);

/*
 * Key of the audit log's per-line MAC (audit.h): HKDF-SHA256 with IKM = the
 * OEM key, an empty salt and info SSP_AUDIT_MAC_INFO, 32 bytes. Derived, so
 * that the OEM, who holds its key file, can check a factory's log at home
 * and the MAC key never equals a key used anywhere else.
 */
#define SSP_AUDIT_MAC_KEY_LEN	32
#define SSP_AUDIT_MAC_INFO	"stm32-ssp audit-mac v1"
int ssp_audit_mac_key(const uint8_t oem_key[SSP_AES_KEY_LEN], uint8_t out[SSP_AUDIT_MAC_KEY_LEN]);
int ssp_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[SSP_HASH_LEN]);

#endif /* SSP_CRYPTO_H */
