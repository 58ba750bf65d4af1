// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crypto profile ssp-v1 (spec §7.1) on OpenSSL 3. Keys cross this file's
 * boundary only as raw bytes (crypto.h); inside, they become EVP_PKEYs via
 * EVP_PKEY_fromdata. The one non-EVP call is EC_POINT_mul, to derive a
 * public key from a scalar: OpenSSL 3.0 does not derive it on import.
 * Every secret intermediate is wiped before return.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "formats.h"
#include "util.h"

#define P256_GROUP	SN_X9_62_prime256v1

/* The order n of P-256, big-endian: valid scalars are 1..n-1. */
static const uint8_t p256_order[SSP_PRIV_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

void ssp_wipe(void *buf, size_t len)
{
	if (buf && len)
		OPENSSL_cleanse(buf, len);
}

int ssp_random(void *buf, size_t len)
{
	if (len > 0x7fffffff)
		return -EINVAL;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

int ssp_sha256(const void *data, size_t len, uint8_t out[SSP_HASH_LEN])
{
	unsigned int n = SSP_HASH_LEN;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != SSP_HASH_LEN)
		return -EIO;
	return 0;
}

/* Big-endian comparison of the scalar against 1..n-1. */
static int scalar_valid(const uint8_t priv[SSP_PRIV_LEN])
{
	uint8_t any = 0;
	int i;

	for (i = 0; i < SSP_PRIV_LEN; i++)
		any |= priv[i];
	if (!any)
		return 0;
	return memcmp(priv, p256_order, SSP_PRIV_LEN) < 0;
}

/* EVP_PKEY holding a public key; NULL if the point is not on P-256. */
static EVP_PKEY *pkey_from_pub(const uint8_t pub[SSP_PUB_LEN])
{
	uint8_t enc[1 + SSP_PUB_LEN];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(enc + 1, pub, SSP_PUB_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)P256_GROUP, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, enc, sizeof(enc));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* pub = priv * G, through EC_POINT_mul (not deprecated in OpenSSL 3). */
static int derive_pub(const uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN])
{
	uint8_t enc[1 + SSP_PUB_LEN];
	EC_GROUP *group = NULL;
	EC_POINT *point = NULL;
	BIGNUM *d = NULL;
	int ret = -EIO;

	if (!scalar_valid(priv))
		return -EINVAL;
	group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	d = BN_secure_new();
	if (!group || !d)
		goto out;
	point = EC_POINT_new(group);
	if (!point || !BN_bin2bn(priv, SSP_PRIV_LEN, d))
		goto out;
	if (EC_POINT_mul(group, point, d, NULL, NULL, NULL) != 1)
		goto out;
	if (EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, enc, sizeof(enc),
			       NULL) != sizeof(enc))
		goto out;
	memcpy(pub, enc + 1, SSP_PUB_LEN);
	ret = 0;
out:
	BN_clear_free(d);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	return ret;
}

/* EVP_PKEY holding a key pair; the public half is derived from priv. */
static int pkey_from_priv(const uint8_t priv[SSP_PRIV_LEN], EVP_PKEY **out)
{
	uint8_t enc[1 + SSP_PUB_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *d = NULL;
	int ret;

	*out = NULL;
	ret = derive_pub(priv, enc + 1);
	if (ret)
		return ret;
	ret = -EIO;
	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	d = BN_secure_new();
	bld = OSSL_PARAM_BLD_new();
	if (!d || !bld || !BN_bin2bn(priv, SSP_PRIV_LEN, d))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, P256_GROUP, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, sizeof(enc)) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears the secure copy of d */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return ret;
}

int ssp_ec_pub_check(const uint8_t pub[SSP_PUB_LEN])
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey;
	int ok;

	pkey = pkey_from_pub(pub);
	if (!pkey)
		return -EINVAL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = ctx && EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -EINVAL;
}

int ssp_ec_pub_from_priv(const uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN])
{
	int ret = derive_pub(priv, pub);

	if (ret)
		memset(pub, 0, SSP_PUB_LEN);
	return ret;
}

int ssp_ec_keygen(uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN])
{
	int ret, tries;

	/* Rejection sampling: a random 256-bit value is >= n with p < 2^-32. */
	for (tries = 0; tries < 64; tries++) {
		ret = ssp_random(priv, SSP_PRIV_LEN);
		if (ret)
			goto fail;
		if (scalar_valid(priv)) {
			ret = derive_pub(priv, pub);
			if (ret)
				goto fail;
			return 0;
		}
	}
	ret = -EIO;
fail:
	ssp_wipe(priv, SSP_PRIV_LEN);
	memset(pub, 0, SSP_PUB_LEN);
	return ret;
}

int ssp_ec_key_from_seed(const char *label, const void *seed, size_t seed_len,
			 uint8_t priv[SSP_PRIV_LEN], uint8_t pub[SSP_PUB_LEN])
{
	size_t label_len = strlen(label);
	uint8_t ctr[4];
	EVP_MD_CTX *md;
	uint32_t i;
	int ret = -EIO;

	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	/* scalar = SHA-256(label || seed || counter_be32), counter from 0 until valid. */
	for (i = 0; i < 64; i++) {
		unsigned int n = SSP_PRIV_LEN;

		ssp_put_be32(ctr, i);
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(md, label, label_len) != 1 ||
		    EVP_DigestUpdate(md, seed, seed_len) != 1 ||
		    EVP_DigestUpdate(md, ctr, sizeof(ctr)) != 1 ||
		    EVP_DigestFinal_ex(md, priv, &n) != 1)
			break;
		if (scalar_valid(priv)) {
			ret = derive_pub(priv, pub);
			break;
		}
	}
	EVP_MD_CTX_free(md);
	if (ret) {
		ssp_wipe(priv, SSP_PRIV_LEN);
		memset(pub, 0, SSP_PUB_LEN);
	}
	return ret;
}

int ssp_ecdh(const uint8_t priv[SSP_PRIV_LEN], const uint8_t peer[SSP_PUB_LEN], uint8_t z[32])
{
	EVP_PKEY *key = NULL, *peer_key;
	EVP_PKEY_CTX *ctx = NULL;
	size_t zlen = 32;
	int ret;

	peer_key = pkey_from_pub(peer);
	if (!peer_key) {
		ret = -EINVAL;
		goto out;
	}
	ret = pkey_from_priv(priv, &key);
	if (ret)
		goto out;
	ret = -EIO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	/* set_peer validates the peer point (on the curve, not infinity). */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer_key, 1) != 1) {
		ret = -EINVAL;
		goto out;
	}
	if (EVP_PKEY_derive(ctx, z, &zlen) != 1 || zlen != 32)
		goto out;
	ret = 0;
out:
	if (ret)
		ssp_wipe(z, 32);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	EVP_PKEY_free(peer_key);
	return ret;
}

int ssp_ecdsa_sign(const uint8_t priv[SSP_PRIV_LEN], const uint8_t digest[SSP_HASH_LEN],
		   uint8_t sig[SSP_SIG_LEN])
{
	unsigned char der[80];
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	size_t der_len = sizeof(der);
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *esig = NULL;
	EVP_PKEY *key;
	int ret;

	ret = pkey_from_priv(priv, &key);
	if (ret)
		goto out;
	ret = -EIO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, digest, SSP_HASH_LEN) != 1)
		goto out;
	esig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!esig)
		goto out;
	ECDSA_SIG_get0(esig, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	ret = 0;
out:
	if (ret)
		memset(sig, 0, SSP_SIG_LEN);
	ECDSA_SIG_free(esig);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ret;
}

int ssp_ecdsa_verify(const uint8_t pub[SSP_PUB_LEN], const uint8_t digest[SSP_HASH_LEN],
		     const uint8_t sig[SSP_SIG_LEN])
{
	unsigned char *der = NULL;
	BIGNUM *r = NULL, *s = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *esig = NULL;
	EVP_PKEY *key;
	int der_len, ret = -EIO;

	key = pkey_from_pub(pub);
	if (!key)
		return -EINVAL;
	esig = ECDSA_SIG_new();
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	if (!esig || !r || !s)
		goto out;
	if (ECDSA_SIG_set0(esig, r, s) != 1)
		goto out;
	r = s = NULL;	/* owned by esig now */
	der_len = i2d_ECDSA_SIG(esig, &der);
	if (der_len <= 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1)
		goto out;
	/* 1 = valid; 0 or <0 = invalid (r or s zero or >= n included). */
	ret = EVP_PKEY_verify(ctx, der, der_len, digest, SSP_HASH_LEN) == 1 ? 0 : -EBADMSG;
out:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(esig);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ret;
}

/* True if the key is a P-256 EC key. */
static int pkey_is_p256(EVP_PKEY *pkey)
{
	char name[64];

	if (!EVP_PKEY_is_a(pkey, "EC"))
		return 0;
	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), NULL) != 1)
		return 0;
	return !strcmp(name, SN_X9_62_prime256v1) || !strcmp(name, "P-256");
}

static int pkey_get_pub(EVP_PKEY *pkey, uint8_t pub[SSP_PUB_LEN])
{
	BIGNUM *x = NULL, *y = NULL;
	int ret = -EINVAL;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    BN_bn2binpad(x, pub, 32) == 32 && BN_bn2binpad(y, pub + 32, 32) == 32)
		ret = 0;
	BN_free(x);
	BN_free(y);
	return ret;
}

/* PEM files are small; anything bigger is not a key file. */
#define PEM_MAX 16384

/* Decode a PEM key file: a public key (SPKI), or a private key (PKCS#8 or SEC1). */
static int pem_load(const char *path, int priv, EVP_PKEY **out)
{
	char *pem;
	size_t len;
	BIO *bio;
	int ret;

	*out = NULL;
	pem = OPENSSL_secure_malloc(PEM_MAX);
	if (!pem)
		return -ENOMEM;
	ret = ssp_read_file(path, pem, PEM_MAX, &len, NULL);
	if (ret)
		goto out;
	ret = -EINVAL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		ret = -ENOMEM;
		goto out;
	}
	if (priv)
		*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	else
		*out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out && !pkey_is_p256(*out)) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	if (*out)
		ret = 0;
out:
	OPENSSL_secure_clear_free(pem, PEM_MAX);
	return ret;
}

int ssp_pem_read_pub(const char *path, uint8_t pub[SSP_PUB_LEN])
{
	EVP_PKEY *pkey;
	int ret;

	ret = pem_load(path, 0, &pkey);
	if (!ret)
		ret = pkey_get_pub(pkey, pub);
	if (ret)
		memset(pub, 0, SSP_PUB_LEN);
	EVP_PKEY_free(pkey);
	return ret;
}

int ssp_pem_read_priv(const char *path, uint8_t priv[SSP_PRIV_LEN])
{
	EVP_PKEY *pkey;
	BIGNUM *d = NULL;
	int ret;

	ret = pem_load(path, 1, &pkey);
	if (ret) {
		ssp_wipe(priv, SSP_PRIV_LEN);
		return ret;
	}
	ret = -EINVAL;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, priv, SSP_PRIV_LEN) == SSP_PRIV_LEN && scalar_valid(priv))
		ret = 0;
	if (ret)
		ssp_wipe(priv, SSP_PRIV_LEN);
	BN_clear_free(d);
	EVP_PKEY_free(pkey);
	return ret;
}

/* Encode pkey as PEM into a secure-memory BIO and write it atomically. */
static int pem_store(const char *path, EVP_PKEY *pkey, int priv)
{
	char *data;
	long len;
	BIO *bio;
	int ret = -EIO;

	bio = BIO_new(BIO_s_secmem());
	if (!bio)
		return -ENOMEM;
	if (priv) {
		if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
			goto out;
	} else if (PEM_write_bio_PUBKEY(bio, pkey) != 1) {
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0)
		goto out;
	ret = ssp_write_file_atomic(path, data, (size_t)len, priv ? 0600 : 0644, NULL);
out:
	BIO_free(bio);	/* secmem BIOs clear their buffer */
	return ret;
}

int ssp_pem_write_pub(const char *path, const uint8_t pub[SSP_PUB_LEN])
{
	EVP_PKEY *pkey;
	int ret;

	pkey = pkey_from_pub(pub);
	if (!pkey)
		return -EINVAL;
	ret = pem_store(path, pkey, 0);
	EVP_PKEY_free(pkey);
	return ret;
}

int ssp_pem_write_priv(const char *path, const uint8_t priv[SSP_PRIV_LEN])
{
	EVP_PKEY *pkey;
	int ret;

	ret = pkey_from_priv(priv, &pkey);
	if (ret)
		return ret;
	ret = pem_store(path, pkey, 1);
	EVP_PKEY_free(pkey);
	return ret;
}

int ssp_kdf(const uint8_t z[32], uint8_t k[SSP_KDF_LEN])
{
	static const uint8_t ctr[2][4] = { { 0, 0, 0, 1 }, { 0, 0, 0, 2 } };
	EVP_MD_CTX *md;
	int i, ret = 0;

	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	/* X9.63 with SHA-256, empty SharedInfo: K = H(Z || 1) || H(Z || 2). */
	for (i = 0; i < 2; i++) {
		unsigned int n = SSP_HASH_LEN;

		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(md, z, 32) != 1 ||
		    EVP_DigestUpdate(md, ctr[i], 4) != 1 ||
		    EVP_DigestFinal_ex(md, k + i * SSP_HASH_LEN, &n) != 1) {
			ret = -EIO;
			break;
		}
	}
	EVP_MD_CTX_free(md);	/* resets (and so cleanses) the digest state */
	if (ret)
		ssp_wipe(k, SSP_KDF_LEN);
	return ret;
}

static int gcm(int enc, const uint8_t key[SSP_AES_KEY_LEN], const uint8_t iv[SSP_GCM_IV_LEN],
	       const void *aad, size_t aad_len, const void *in, size_t len, void *out,
	       uint8_t tag[SSP_TAG_LEN])
{
	unsigned char tail[16];
	EVP_CIPHER_CTX *ctx;
	int n, ret = -EIO;

	if (len > 0x7fffffff || aad_len > 0x7fffffff)
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* The default GCM IV length is 12 bytes, which is the ssp-v1 IV. */
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, iv, enc) != 1)
		goto out;
	if (aad_len && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SSP_TAG_LEN, tag) != 1)
		goto out;
	/* GCM's final step writes no bytes; tail keeps a NULL out legal for len 0. */
	if (EVP_CipherFinal_ex(ctx, tail, &n) != 1) {
		ret = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SSP_TAG_LEN, tag) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	if (ret) {
		ssp_wipe(out, len);
		if (enc)
			memset(tag, 0, SSP_TAG_LEN);
	}
	return ret;
}

int ssp_gcm_encrypt(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t iv[SSP_GCM_IV_LEN],
		    const void *aad, size_t aad_len, const void *pt, size_t len,
		    void *ct, uint8_t tag[SSP_TAG_LEN])
{
	return gcm(1, key, iv, aad, aad_len, pt, len, ct, tag);
}

int ssp_gcm_decrypt(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t iv[SSP_GCM_IV_LEN],
		    const void *aad, size_t aad_len, const void *ct, size_t len,
		    void *pt, const uint8_t tag[SSP_TAG_LEN])
{
	return gcm(0, key, iv, aad, aad_len, ct, len, pt, (uint8_t *)tag);
}

int ssp_nonce_check(const uint8_t nonce[SSP_NONCE_LEN])
{
	int i;

	for (i = SSP_GCM_IV_LEN; i < SSP_NONCE_LEN; i++)
		if (nonce[i])
			return -EINVAL;
	return 0;
}

/*
 * Everything both license sides derive from Z (spec §7.1): the AES key and
 * IV that protect nonce||key, and the AAD = license[0..87] || token.
 */
struct lic_keys {
	uint8_t k[SSP_KDF_LEN];
	uint8_t aad[SSP_LIC_AAD_LEN];
};

static int lic_derive(const uint8_t priv[SSP_PRIV_LEN], const uint8_t peer[SSP_PUB_LEN],
		      const uint8_t license[SSP_LIC_SIZE], struct lic_keys *lk)
{
	uint8_t z[32];
	int ret;

	ret = ssp_ecdh(priv, peer, z);
	if (ret)
		return ret;
	ret = ssp_kdf(z, lk->k);
	ssp_wipe(z, sizeof(z));
	if (ret)
		return ret;
	memcpy(lk->aad, license, SSP_LIC_OFF_ENC);
	memcpy(lk->aad + SSP_LIC_OFF_ENC, lk->k + 32, 32);
	return 0;
}

#define LIC_KEY(lk)	((lk)->k)
#define LIC_IV(lk)	((lk)->k + SSP_AES_KEY_LEN)

int ssp_license_make(const uint8_t chip_pub[SSP_PUB_LEN],
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     const struct ssp_license_params *params,
		     const uint8_t *eph_priv, uint8_t license[SSP_LIC_SIZE])
{
	uint8_t eph[SSP_PRIV_LEN], pt[SSP_LIC_ENC_LEN];
	struct lic_keys lk;
	int ret;

	memset(license, 0, SSP_LIC_SIZE);
	if (params->type != SSP_LIC_TYPE_NORMAL && params->type != SSP_LIC_TYPE_LIVE)
		return -EINVAL;
	ret = ssp_nonce_check(oem_nonce);
	if (ret)
		return ret;
	ret = ssp_ec_pub_check(chip_pub);
	if (ret)
		return ret;
	if (eph_priv) {
		memcpy(eph, eph_priv, SSP_PRIV_LEN);
		ret = ssp_ec_pub_from_priv(eph, license + SSP_LIC_OFF_EPH_PUBK);
	} else {
		ret = ssp_ec_keygen(eph, license + SSP_LIC_OFF_EPH_PUBK);
	}
	if (ret)
		goto out;
	ssp_put_le32(license + 0, params->type);
	ssp_put_le32(license + 4, params->live_session_id);
	ssp_put_le32(license + 8, SSP_LIC_VERSION);
	ssp_put_le32(license + 12, params->fsbl_min_version);
	ret = lic_derive(eph, chip_pub, license, &lk);
	if (ret)
		goto out;
	memcpy(pt, oem_nonce, SSP_NONCE_LEN);
	memcpy(pt + SSP_NONCE_LEN, oem_key, SSP_AES_KEY_LEN);
	ret = ssp_gcm_encrypt(LIC_KEY(&lk), LIC_IV(&lk), lk.aad, sizeof(lk.aad), pt, sizeof(pt),
			      license + SSP_LIC_OFF_ENC, license + SSP_LIC_OFF_TAG);
out:
	ssp_wipe(eph, sizeof(eph));
	ssp_wipe(pt, sizeof(pt));
	ssp_wipe(&lk, sizeof(lk));
	if (ret)
		memset(license, 0, SSP_LIC_SIZE);
	return ret;
}

int ssp_license_open(const uint8_t chip_priv[SSP_PRIV_LEN],
		     const uint8_t license[SSP_LIC_SIZE],
		     uint8_t oem_key[SSP_AES_KEY_LEN], uint8_t oem_nonce[SSP_NONCE_LEN])
{
	uint8_t pt[SSP_LIC_ENC_LEN];
	struct ssp_license_info info;
	struct lic_keys lk;
	int ret;

	ret = ssp_license_parse(license, SSP_LIC_SIZE, &info);
	if (ret)
		goto fail;
	ret = lic_derive(chip_priv, info.eph_pub, license, &lk);
	if (ret)
		goto out;
	ret = ssp_gcm_decrypt(LIC_KEY(&lk), LIC_IV(&lk), lk.aad, sizeof(lk.aad),
			      license + SSP_LIC_OFF_ENC, SSP_LIC_ENC_LEN, pt,
			      license + SSP_LIC_OFF_TAG);
	if (ret)
		goto out;
	/* An authentic license with a 128-bit nonce is still not ssp-v1. */
	ret = ssp_nonce_check(pt);
	if (ret)
		goto out;
	memcpy(oem_nonce, pt, SSP_NONCE_LEN);
	memcpy(oem_key, pt + SSP_NONCE_LEN, SSP_AES_KEY_LEN);
out:
	ssp_wipe(pt, sizeof(pt));
	ssp_wipe(&lk, sizeof(lk));
fail:
	if (ret) {
		ssp_wipe(oem_key, SSP_AES_KEY_LEN);
		ssp_wipe(oem_nonce, SSP_NONCE_LEN);
	}
	return ret;
}

int ssp_cert_sign(const uint8_t st_priv[SSP_PRIV_LEN], uint8_t cert[SSP_CERT_SIZE])
{
	uint8_t h[SSP_HASH_LEN];
	int ret;

	ret = ssp_sha256(cert, SSP_CERT_SIGNED_LEN, h);
	if (ret)
		return ret;
	return ssp_ecdsa_sign(st_priv, h, cert + SSP_CERT_OFF_SIG);
}

int ssp_cert_verify(const uint8_t st_pub[SSP_PUB_LEN], const uint8_t cert[SSP_CERT_SIZE])
{
	uint8_t h[SSP_HASH_LEN];
	int ret;

	ret = ssp_sha256(cert, SSP_CERT_SIGNED_LEN, h);
	if (ret)
		return ret;
	return ssp_ecdsa_verify(st_pub, h, cert + SSP_CERT_OFF_SIG);
}

int ssp_mp13_key_hash(uint32_t algo, const uint8_t pub[SSP_PUB_LEN], uint8_t out[SSP_HASH_LEN])
{
	uint8_t buf[4 + SSP_PUB_LEN];

	ssp_put_le32(buf, algo);
	memcpy(buf + 4, pub, SSP_PUB_LEN);
	return ssp_sha256(buf, sizeof(buf), out);
}

int ssp_pkhth_from_table(const uint8_t *table, size_t n, uint8_t out[SSP_HASH_LEN])
{
	if (!table || n < 1 || n > SSP_MP13_PKH_TABLE_MAX)
		return -EINVAL;
	return ssp_sha256(table, n * SSP_HASH_LEN, out);
}

int ssp_pkhth_from_keys(const uint8_t (*keys)[SSP_PUB_LEN], size_t n, uint8_t out[SSP_HASH_LEN])
{
	uint8_t table[SSP_MP13_PKH_TABLE_MAX * SSP_HASH_LEN];
	size_t i;
	int ret;

	if (!keys || n < 1 || n > SSP_MP13_PKH_TABLE_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ret = ssp_mp13_key_hash(SSP_KEY_ALGO_P256, keys[i], table + i * SSP_HASH_LEN);
		if (ret)
			return ret;
	}
	return ssp_pkhth_from_table(table, n, out);
}

/* HKDF-SHA256 (RFC 5869), empty salt. */
static int hkdf_sha256(const void *ikm, size_t ikm_len, const char *info, void *out,
		       size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4];
	int ret = -ENOMEM;

	EVP_KDF_free(kdf);
	if (!ctx)
		return ret;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						      strlen(info));
	params[3] = OSSL_PARAM_construct_end();
	ret = EVP_KDF_derive(ctx, out, out_len, params) == 1 ? 0 : -EIO;
	EVP_KDF_CTX_free(ctx);
	if (ret)
		ssp_wipe(out, out_len);
	return ret;
}

int ssp_audit_mac_key(const uint8_t oem_key[SSP_AES_KEY_LEN], uint8_t out[SSP_AUDIT_MAC_KEY_LEN])
{
	return hkdf_sha256(oem_key, SSP_AES_KEY_LEN, SSP_AUDIT_MAC_INFO, out, SSP_AUDIT_MAC_KEY_LEN);
}

int ssp_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[SSP_HASH_LEN])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t n = 0;
	int ret = -ENOMEM;

	EVP_MAC_free(mac);
	if (!ctx)
		return ret;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ret = EVP_MAC_init(ctx, key, key_len, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
	      EVP_MAC_final(ctx, out, &n, SSP_HASH_LEN) == 1 && n == SSP_HASH_LEN ? 0 : -EIO;
	EVP_MAC_CTX_free(ctx);
	if (ret)
		ssp_wipe(out, SSP_HASH_LEN);
	return ret;
}
