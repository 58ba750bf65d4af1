// SPDX-License-Identifier: GPL-2.0-only
/*
 * libssp crypto profile ssp-v1 against the independent python vectors of
 * scripts/gen-kat.py, plus the rejections every primitive must make.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "crypto.h"
#include "formats.h"
#include "kat.h"
#include "util.h"

#define KAT(name, buf) ASSERT_EQ(0, kat_get(name, buf, sizeof(buf)))

static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static int all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		if (*p++)
			return 0;
	return 1;
}

/*
 * Run scripts/gen-kat.py (the python implementation) on a file this test
 * wrote: its exit status, 77 when python3-cryptography is unavailable.
 */
static int python_verify(const char *args)
{
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "python3 %s/scripts/gen-kat.py %s 2>/dev/null", SSP_TOP, args);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	st = WEXITSTATUS(st);
	return st == 127 ? 77 : st;	/* no python3 at all: a skip too */
}

TEST(sha256_matches_fips_180_abc_vector)
{
	static const uint8_t want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t h[32];

	ASSERT_EQ(0, ssp_sha256("abc", 3, h));
	ASSERT_EQ(0, memcmp(h, want, 32));
}

TEST(kdf_is_x963_sha256_two_rounds)
{
	uint8_t z[32], want[64], k[64];

	KAT("kdf.z", z);
	KAT("kdf.k", want);
	ASSERT_EQ(0, ssp_kdf(z, k));
	ASSERT_EQ(0, memcmp(k, want, 64));
}

TEST(pub_from_priv_matches_python)
{
	uint8_t d[32], want[64], pub[64];

	KAT("ecdh.priv", d);
	KAT("ecdh.pub", want);
	ASSERT_EQ(0, ssp_ec_pub_from_priv(d, pub));
	ASSERT_EQ(0, memcmp(pub, want, 64));
}

TEST(ecdh_shared_secret_is_x_coordinate_as_python)
{
	uint8_t d[32], peer[64], want[32], z[32];

	KAT("ecdh.priv", d);
	KAT("ecdh.peer", peer);
	KAT("ecdh.z", want);
	ASSERT_EQ(0, ssp_ecdh(d, peer, z));
	ASSERT_EQ(0, memcmp(z, want, 32));
}

TEST(ecdh_rejects_peer_point_off_the_curve)
{
	uint8_t d[32], peer[64], z[32];

	KAT("ecdh.priv", d);
	KAT("ecdh.peer", peer);
	peer[63] ^= 1;
	memset(z, 0xAA, sizeof(z));
	ASSERT_EQ(-EINVAL, ssp_ecdh(d, peer, z));
	ASSERT_TRUE(all_zero(z, sizeof(z)));
}

TEST(key_from_seed_matches_python_and_is_deterministic)
{
	uint8_t label[15], seed[12], want_d[32], want_pub[64], d[32], pub[64];
	char label_str[sizeof(label) + 1];

	KAT("seed.label", label);
	KAT("seed.seed", seed);
	KAT("seed.priv", want_d);
	KAT("seed.pub", want_pub);
	memcpy(label_str, label, sizeof(label));
	label_str[sizeof(label)] = '\0';
	ASSERT_EQ(0, ssp_ec_key_from_seed(label_str, seed, sizeof(seed), d, pub));
	ASSERT_EQ(0, memcmp(d, want_d, 32));
	ASSERT_EQ(0, memcmp(pub, want_pub, 64));
	seed[0] ^= 1;
	ASSERT_EQ(0, ssp_ec_key_from_seed(label_str, seed, sizeof(seed), d, pub));
	ASSERT_NE(0, memcmp(d, want_d, 32));
}

TEST(pub_from_priv_rejects_scalar_zero_and_order)
{
	uint8_t d[32] = { 0 }, pub[64];

	ASSERT_EQ(-EINVAL, ssp_ec_pub_from_priv(d, pub));
	memcpy(d, p256_n, 32);
	ASSERT_EQ(-EINVAL, ssp_ec_pub_from_priv(d, pub));
	d[31] -= 1;	/* n - 1 is the largest valid scalar */
	ASSERT_EQ(0, ssp_ec_pub_from_priv(d, pub));
	ASSERT_EQ(0, ssp_ec_pub_check(pub));
}

TEST(pub_check_accepts_curve_point_rejects_others)
{
	uint8_t pub[64], zero[64] = { 0 };

	KAT("ecdh.pub", pub);
	ASSERT_EQ(0, ssp_ec_pub_check(pub));
	ASSERT_EQ(-EINVAL, ssp_ec_pub_check(zero));
	pub[10] ^= 0x40;
	ASSERT_EQ(-EINVAL, ssp_ec_pub_check(pub));
}

TEST(keygen_gives_distinct_valid_pairs)
{
	uint8_t d1[32], p1[64], d2[32], p2[64], chk[64];

	ASSERT_EQ(0, ssp_ec_keygen(d1, p1));
	ASSERT_EQ(0, ssp_ec_keygen(d2, p2));
	ASSERT_NE(0, memcmp(d1, d2, 32));
	ASSERT_EQ(0, ssp_ec_pub_check(p1));
	ASSERT_EQ(0, ssp_ec_pub_from_priv(d1, chk));
	ASSERT_EQ(0, memcmp(chk, p1, 64));
}

static void gcm_vector(struct __test_metadata *_metadata, const char *name,
		       size_t aad_len, size_t pt_len)
{
	uint8_t key[16], iv[12], tag[16], want_tag[16];
	uint8_t aad[160], pt[160], want_ct[160], ct[160], back[160];
	char n[32];

	snprintf(n, sizeof(n), "%s.key", name);
	ASSERT_EQ(0, kat_get(n, key, 16));
	snprintf(n, sizeof(n), "%s.iv", name);
	ASSERT_EQ(0, kat_get(n, iv, 12));
	snprintf(n, sizeof(n), "%s.aad", name);
	ASSERT_EQ(0, kat_get(n, aad, aad_len));
	snprintf(n, sizeof(n), "%s.pt", name);
	ASSERT_EQ(0, kat_get(n, pt, pt_len));
	snprintf(n, sizeof(n), "%s.ct", name);
	ASSERT_EQ(0, kat_get(n, want_ct, pt_len));
	snprintf(n, sizeof(n), "%s.tag", name);
	ASSERT_EQ(0, kat_get(n, want_tag, 16));
	ASSERT_EQ(0, ssp_gcm_encrypt(key, iv, aad, aad_len, pt, pt_len, ct, tag));
	ASSERT_EQ(0, memcmp(ct, want_ct, pt_len));
	ASSERT_EQ(0, memcmp(tag, want_tag, 16));
	ASSERT_EQ(0, ssp_gcm_decrypt(key, iv, aad, aad_len, ct, pt_len, back, tag));
	ASSERT_EQ(0, memcmp(back, pt, pt_len));
}

TEST(gcm_matches_python_for_license_payload_and_empty_sizes)
{
	gcm_vector(_metadata, "gcm1", 120, 32);
	gcm_vector(_metadata, "gcm2", 76, 152);
	gcm_vector(_metadata, "gcm3", 44, 0);
}

TEST(gcm_decrypt_rejects_tampered_tag_ciphertext_and_aad)
{
	uint8_t key[16], iv[12], aad[120], ct[32], tag[16], pt[32];

	KAT("gcm1.key", key);
	KAT("gcm1.iv", iv);
	KAT("gcm1.aad", aad);
	KAT("gcm1.ct", ct);
	KAT("gcm1.tag", tag);
	tag[15] ^= 1;
	memset(pt, 0xAA, sizeof(pt));
	ASSERT_EQ(-EBADMSG, ssp_gcm_decrypt(key, iv, aad, sizeof(aad), ct, 32, pt, tag));
	ASSERT_TRUE(all_zero(pt, sizeof(pt)));
	tag[15] ^= 1;
	ct[0] ^= 0x80;
	ASSERT_EQ(-EBADMSG, ssp_gcm_decrypt(key, iv, aad, sizeof(aad), ct, 32, pt, tag));
	ct[0] ^= 0x80;
	aad[119] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_gcm_decrypt(key, iv, aad, sizeof(aad), ct, 32, pt, tag));
	aad[119] ^= 1;
	ASSERT_EQ(0, ssp_gcm_decrypt(key, iv, aad, sizeof(aad), ct, 32, pt, tag));
}

TEST(ecdsa_verify_accepts_python_signature)
{
	uint8_t pub[64], digest[32], sig[64];

	KAT("ecdsa.pub", pub);
	KAT("ecdsa.digest", digest);
	KAT("ecdsa.sig", sig);
	ASSERT_EQ(0, ssp_ecdsa_verify(pub, digest, sig));
}

TEST(ecdsa_verify_rejects_tampered_signature_digest_and_key)
{
	uint8_t pub[64], digest[32], sig[64], other[64];

	KAT("ecdsa.pub", pub);
	KAT("ecdsa.digest", digest);
	KAT("ecdsa.sig", sig);
	KAT("ecdh.pub", other);
	sig[40] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_ecdsa_verify(pub, digest, sig));
	sig[40] ^= 1;
	digest[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_ecdsa_verify(pub, digest, sig));
	digest[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_ecdsa_verify(other, digest, sig));
	pub[5] ^= 1;
	ASSERT_EQ(-EINVAL, ssp_ecdsa_verify(pub, digest, sig));
}

TEST(ecdsa_verify_rejects_r_zero_and_s_at_order)
{
	uint8_t pub[64], digest[32], sig[64];

	KAT("ecdsa.pub", pub);
	KAT("ecdsa.digest", digest);
	KAT("ecdsa.sig", sig);
	memset(sig, 0, 32);
	ASSERT_EQ(-EBADMSG, ssp_ecdsa_verify(pub, digest, sig));
	KAT("ecdsa.sig", sig);
	memcpy(sig + 32, p256_n, 32);
	ASSERT_EQ(-EBADMSG, ssp_ecdsa_verify(pub, digest, sig));
}

TEST(ecdsa_sign_then_verify_round_trips)
{
	uint8_t d[32], pub[64], digest[32], sig1[64], sig2[64];

	KAT("ecdsa.priv", d);
	KAT("ecdsa.pub", pub);
	KAT("ecdsa.digest", digest);
	ASSERT_EQ(0, ssp_ecdsa_sign(d, digest, sig1));
	ASSERT_EQ(0, ssp_ecdsa_sign(d, digest, sig2));
	ASSERT_NE(0, memcmp(sig1, sig2, 64));	/* randomized k */
	ASSERT_EQ(0, ssp_ecdsa_verify(pub, digest, sig1));
	ASSERT_EQ(0, ssp_ecdsa_verify(pub, digest, sig2));
}

TEST(nonce_check_requires_four_zero_tail_bytes)
{
	uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

	ASSERT_EQ(0, ssp_nonce_check(nonce));
	nonce[15] = 1;
	ASSERT_EQ(-EINVAL, ssp_nonce_check(nonce));
	nonce[15] = 0;
	nonce[12] = 0x80;
	ASSERT_EQ(-EINVAL, ssp_nonce_check(nonce));
}

struct lic_kat {
	uint8_t chip_priv[32], chip_pub[64], key[16], nonce[16], eph[32];
	uint32_t fsbl_min;
};

static void load_lic(struct __test_metadata *_metadata, struct lic_kat *k)
{
	KAT("chip.priv", k->chip_priv);
	KAT("chip.pub", k->chip_pub);
	KAT("oem.key", k->key);
	KAT("oem.nonce", k->nonce);
	KAT("lic.eph", k->eph);
	k->fsbl_min = kat_u32("lic.fsbl_min");
}

TEST(license_with_fixed_ephemeral_key_equals_python_bytes)
{
	struct ssp_license_params p = { .type = SSP_LIC_TYPE_NORMAL };
	uint8_t want[SSP_LIC_SIZE], lic[SSP_LIC_SIZE];
	struct lic_kat k;

	load_lic(_metadata, &k);
	p.fsbl_min_version = k.fsbl_min;
	KAT("lic.normal", want);
	ASSERT_EQ(0, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, k.eph, lic));
	ASSERT_EQ(0, memcmp(lic, want, SSP_LIC_SIZE));
}

TEST(live_license_with_session_id_equals_python_bytes)
{
	struct ssp_license_params p = { .type = SSP_LIC_TYPE_LIVE };
	uint8_t want[SSP_LIC_SIZE], lic[SSP_LIC_SIZE];
	struct lic_kat k;

	load_lic(_metadata, &k);
	p.fsbl_min_version = k.fsbl_min;
	p.live_session_id = kat_u32("lic.live_sid");
	KAT("lic.live", want);
	ASSERT_EQ(0, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, k.eph, lic));
	ASSERT_EQ(0, memcmp(lic, want, SSP_LIC_SIZE));
}

TEST(license_open_recovers_oem_key_and_nonce_from_python_license)
{
	uint8_t lic[SSP_LIC_SIZE], key[16], nonce[16];
	struct lic_kat k;

	load_lic(_metadata, &k);
	KAT("lic.normal", lic);
	ASSERT_EQ(0, ssp_license_open(k.chip_priv, lic, key, nonce));
	ASSERT_EQ(0, memcmp(key, k.key, 16));
	ASSERT_EQ(0, memcmp(nonce, k.nonce, 16));
	KAT("lic.live", lic);
	ASSERT_EQ(0, ssp_license_open(k.chip_priv, lic, key, nonce));
	ASSERT_EQ(0, memcmp(key, k.key, 16));
}

TEST(license_open_rejects_tampered_header_ciphertext_and_tag)
{
	static const unsigned int offs[] = { 4, 12, 16, 23, 88, 119, 120, 135 };
	uint8_t lic[SSP_LIC_SIZE], key[16], nonce[16];
	struct lic_kat k;
	unsigned int i;

	load_lic(_metadata, &k);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		KAT("lic.normal", lic);
		lic[offs[i]] ^= 0x01;
		memset(key, 0xAA, 16);
		EXPECT_EQ(-EBADMSG, ssp_license_open(k.chip_priv, lic, key, nonce))
			TH_LOG("flipped byte %u", offs[i]);
		EXPECT_TRUE(all_zero(key, 16));
	}
}

TEST(license_open_with_another_chip_key_fails_authentication)
{
	uint8_t lic[SSP_LIC_SIZE], key[16], nonce[16], other[32];

	KAT("lic.normal", lic);
	KAT("ecdh.priv", other);
	ASSERT_EQ(-EBADMSG, ssp_license_open(other, lic, key, nonce));
}

TEST(license_open_rejects_wrong_type_version_and_ephemeral_point)
{
	uint8_t lic[SSP_LIC_SIZE], key[16], nonce[16];
	struct lic_kat k;

	load_lic(_metadata, &k);
	KAT("lic.normal", lic);
	lic[3] = 'X';
	ASSERT_EQ(-EINVAL, ssp_license_open(k.chip_priv, lic, key, nonce));
	KAT("lic.normal", lic);
	lic[8] = 2;
	ASSERT_EQ(-EINVAL, ssp_license_open(k.chip_priv, lic, key, nonce));
	KAT("lic.normal", lic);
	lic[SSP_LIC_OFF_EPH_PUBK + 63] ^= 1;
	ASSERT_EQ(-EINVAL, ssp_license_open(k.chip_priv, lic, key, nonce));
}

TEST(license_open_rejects_authentic_license_with_nonce_tail)
{
	uint8_t lic[SSP_LIC_SIZE], key[16], nonce[16];
	struct lic_kat k;

	load_lic(_metadata, &k);
	KAT("lic.badnonce", lic);
	memset(nonce, 0xAA, 16);
	ASSERT_EQ(-EINVAL, ssp_license_open(k.chip_priv, lic, key, nonce));
	ASSERT_TRUE(all_zero(nonce, 16));
}

TEST(license_make_rejects_nonce_tail_bad_type_and_bad_chip_key)
{
	struct ssp_license_params p = { .type = SSP_LIC_TYPE_NORMAL };
	uint8_t lic[SSP_LIC_SIZE];
	struct lic_kat k;

	load_lic(_metadata, &k);
	k.nonce[13] = 1;
	ASSERT_EQ(-EINVAL, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, k.eph, lic));
	k.nonce[13] = 0;
	p.type = 0x12345678;
	ASSERT_EQ(-EINVAL, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, k.eph, lic));
	p.type = SSP_LIC_TYPE_NORMAL;
	k.chip_pub[0] ^= 1;
	ASSERT_EQ(-EINVAL, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, k.eph, lic));
}

TEST(license_with_random_ephemeral_key_is_fresh_and_opens)
{
	struct ssp_license_params p = { .type = SSP_LIC_TYPE_NORMAL };
	uint8_t l1[SSP_LIC_SIZE], l2[SSP_LIC_SIZE], key[16], nonce[16];
	struct ssp_license_info info;
	struct lic_kat k;

	load_lic(_metadata, &k);
	ASSERT_EQ(0, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, NULL, l1));
	ASSERT_EQ(0, ssp_license_make(k.chip_pub, k.key, k.nonce, &p, NULL, l2));
	ASSERT_NE(0, memcmp(l1 + SSP_LIC_OFF_EPH_PUBK, l2 + SSP_LIC_OFF_EPH_PUBK, 64));
	ASSERT_EQ(0, ssp_license_parse(l1, sizeof(l1), &info));
	ASSERT_EQ(SSP_LIC_TYPE_NORMAL, info.type);
	ASSERT_EQ((uint32_t)SSP_LIC_VERSION, info.version);
	ASSERT_EQ(0, ssp_license_open(k.chip_priv, l2, key, nonce));
	ASSERT_EQ(0, memcmp(key, k.key, 16));
	ASSERT_EQ(0, memcmp(nonce, k.nonce, 16));
}

TEST(cert_verify_accepts_python_signed_certificate)
{
	uint8_t st_pub[64], cert[SSP_CERT_SIZE];

	KAT("st.pub", st_pub);
	KAT("cert.cert", cert);
	ASSERT_EQ(0, ssp_cert_verify(st_pub, cert));
}

TEST(cert_verify_rejects_tampered_body_signature_and_wrong_st_key)
{
	uint8_t st_pub[64], cert[SSP_CERT_SIZE], other[64];

	KAT("st.pub", st_pub);
	KAT("ecdh.pub", other);
	KAT("cert.cert", cert);
	cert[4] ^= 1;			/* security counter digit */
	ASSERT_EQ(-EBADMSG, ssp_cert_verify(st_pub, cert));
	KAT("cert.cert", cert);
	cert[SSP_CERT_OFF_PUBK] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_cert_verify(st_pub, cert));
	KAT("cert.cert", cert);
	cert[SSP_CERT_OFF_SIG + 63] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_cert_verify(st_pub, cert));
	KAT("cert.cert", cert);
	ASSERT_EQ(-EBADMSG, ssp_cert_verify(other, cert));
}

TEST(cert_signed_by_libssp_verifies_in_python)
{
	uint8_t st_priv[32], st_pub[64], cert[SSP_CERT_SIZE];
	char path[] = "/tmp/ssp-test-cert-XXXXXX", hex[129], args[512];
	int fd, st;

	KAT("st.priv", st_priv);
	KAT("st.pub", st_pub);
	KAT("cert.cert", cert);
	ASSERT_EQ(0, ssp_cert_sign(st_priv, cert));
	ASSERT_EQ(0, ssp_cert_verify(st_pub, cert));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(SSP_CERT_SIZE, write(fd, cert, SSP_CERT_SIZE));
	close(fd);
	ssp_hex_encode(st_pub, 64, hex);
	snprintf(args, sizeof(args), "verify-cert %s %s", hex, path);
	st = python_verify(args);
	if (st == 0) {
		/* The python side must also refuse a tampered certificate. */
		cert[0] ^= 1;
		fd = open(path, O_WRONLY | O_TRUNC);
		ASSERT_EQ(SSP_CERT_SIZE, write(fd, cert, SSP_CERT_SIZE));
		close(fd);
		EXPECT_EQ(1, python_verify(args));
	}
	unlink(path);
	if (st == 77)
		SKIP(return, "python3-cryptography not available");
	ASSERT_EQ(0, st);
}

#define SPEC(name, buf) ASSERT_EQ(0, kat_get_from("pkhth-spec.txt", name, buf, sizeof(buf)))

/* image-header-and-otp.md §A.8, copied from the spec: the P-256 generator G as the key. */
TEST(mp13_pkhth_matches_the_spec_vectors)
{
	uint8_t g[8][64], want[32], out[32];
	int i;

	SPEC("spec.g", g[0]);
	for (i = 1; i < 8; i++)
		memcpy(g[i], g[0], 64);
	SPEC("spec.mp15_pkh", want);
	ASSERT_EQ(0, ssp_sha256(g[0], 64, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	SPEC("spec.mp13_pk_hash", want);
	ASSERT_EQ(0, ssp_mp13_key_hash(SSP_KEY_ALGO_P256, g[0], out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	SPEC("spec.pkhth1", want);
	ASSERT_EQ(0, ssp_pkhth_from_keys(g, 1, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	SPEC("spec.pkhth8", want);
	ASSERT_EQ(0, ssp_pkhth_from_keys(g, 8, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
}

/* The same formula recomputed by scripts/gen-kat.py with 8 distinct keys. */
TEST(mp13_pkhth_matches_python_and_hashes_the_table_in_order)
{
	uint8_t keys[8][64], table[8 * 32], h[32], want[32], out[32];
	int i;

	for (i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pkhth8.key%d", i);
		KAT(name, keys[i]);
	}
	KAT("pkhth8.table", table);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, ssp_mp13_key_hash(SSP_KEY_ALGO_P256, keys[i], h));
		ASSERT_EQ(0, memcmp(h, table + 32 * i, 32));
	}
	KAT("pkhth8.pkhth", want);
	ASSERT_EQ(0, ssp_pkhth_from_keys(keys, 8, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	ASSERT_EQ(0, ssp_pkhth_from_table(table, 8, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	KAT("pkhth1.pkhth", want);
	ASSERT_EQ(0, ssp_pkhth_from_keys(keys, 1, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
	/* No padding to 8 entries: one key is not that key plus zero keys. */
	memset(keys[1], 0, 64);
	ASSERT_EQ(0, ssp_pkhth_from_keys(keys, 2, out));
	ASSERT_NE(0, memcmp(out, want, 32));
	/* The table order counts. */
	KAT("pkhth8.key0", keys[1]);
	KAT("pkhth8.key1", keys[0]);
	ASSERT_EQ(0, ssp_pkhth_from_keys(keys, 8, out));
	KAT("pkhth8.pkhth", want);
	ASSERT_NE(0, memcmp(out, want, 32));
	/* 1..8 entries only (BOOT_API_AUTHENTICATION_NB_PKH_MAX). */
	EXPECT_EQ(-EINVAL, ssp_pkhth_from_keys(keys, 0, out));
	EXPECT_EQ(-EINVAL, ssp_pkhth_from_keys(keys, 9, out));
	EXPECT_EQ(-EINVAL, ssp_pkhth_from_table(table, 0, out));
	EXPECT_EQ(-EINVAL, ssp_pkhth_from_table(table, 9, out));
}

TEST(mp13_payload_rpkth_is_the_pkhth_of_its_key_table)
{
	uint8_t keys[3][64], want[32], out[32];

	KAT("pl13.key0", keys[0]);
	KAT("pl13.key1", keys[1]);
	KAT("pl13.key2", keys[2]);
	KAT("pl13.rpkth", want);
	ASSERT_EQ(0, ssp_pkhth_from_keys(keys, 3, out));
	ASSERT_EQ(0, memcmp(out, want, 32));
}

TEST(pem_readers_accept_spki_pkcs8_and_sec1_files_from_python)
{
	uint8_t want_pub[64], want_priv[32], pub[64], priv[32];

	KAT("st.pub", want_pub);
	KAT("st.priv", want_priv);
	ASSERT_EQ(0, ssp_pem_read_pub(kat_path("st-pub.pem"), pub));
	ASSERT_EQ(0, memcmp(pub, want_pub, 64));
	ASSERT_EQ(0, ssp_pem_read_priv(kat_path("st-priv-pkcs8.pem"), priv));
	ASSERT_EQ(0, memcmp(priv, want_priv, 32));
	memset(priv, 0, 32);
	ASSERT_EQ(0, ssp_pem_read_priv(kat_path("st-priv-sec1.pem"), priv));
	ASSERT_EQ(0, memcmp(priv, want_priv, 32));
}

TEST(pem_readers_reject_other_curve_wrong_kind_and_missing_file)
{
	uint8_t pub[64], priv[32];

	ASSERT_EQ(-EINVAL, ssp_pem_read_pub(kat_path("p384-pub.pem"), pub));
	ASSERT_EQ(-EINVAL, ssp_pem_read_pub(kat_path("st-priv-pkcs8.pem"), pub));
	ASSERT_EQ(-EINVAL, ssp_pem_read_priv(kat_path("st-pub.pem"), priv));
	ASSERT_EQ(-EINVAL, ssp_pem_read_pub(kat_path("ssp-v1.txt"), pub));
	ASSERT_EQ(-ENOENT, ssp_pem_read_pub(kat_path("no-such-file.pem"), pub));
}

TEST(pem_writers_round_trip_and_private_key_file_is_0600)
{
	char dir[] = "/tmp/ssp-test-pem-XXXXXX", pubp[64], privp[64];
	uint8_t d[32], pub[64], back_pub[64], back_priv[32];
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(pubp, sizeof(pubp), "%s/pub.pem", dir);
	snprintf(privp, sizeof(privp), "%s/priv.pem", dir);
	ASSERT_EQ(0, ssp_ec_keygen(d, pub));
	ASSERT_EQ(0, ssp_pem_write_pub(pubp, pub));
	ASSERT_EQ(0, ssp_pem_write_priv(privp, d));
	ASSERT_EQ(0, ssp_pem_read_pub(pubp, back_pub));
	ASSERT_EQ(0, ssp_pem_read_priv(privp, back_priv));
	ASSERT_EQ(0, stat(privp, &st));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	ASSERT_EQ(0, stat(pubp, &st));
	/* Trusted Package Creator's -pk file: a 178-byte SPKI PEM. */
	EXPECT_EQ(178, st.st_size);
	unlink(pubp);
	unlink(privp);
	rmdir(dir);
	ASSERT_EQ(0, memcmp(back_pub, pub, 64));
	ASSERT_EQ(0, memcmp(back_priv, d, 32));
}

TEST_HARNESS_MAIN
