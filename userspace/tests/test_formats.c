// SPDX-License-Identifier: GPL-2.0-only
/*
 * Byte layouts of spec §4 and §7.2: certificate, license, payload (.ssp)
 * and STM32 header. Python-built vectors must parse and match; every field
 * check must reject.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "crypto.h"
#include "formats.h"
#include "kat.h"
#include "stm32_image.h"
#include "util.h"

#define KAT(name, buf) ASSERT_EQ(0, kat_get(name, buf, sizeof(buf)))

static int all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		if (*p++)
			return 0;
	return 1;
}

/* -------- certificate -------- */

TEST(cert_parse_reads_fields_of_python_certificate)
{
	uint8_t cert[SSP_CERT_SIZE], chip_pub[64];
	struct ssp_cert_info info;
	char id[9];

	KAT("cert.cert", cert);
	KAT("chip.pub", chip_pub);
	ASSERT_EQ(0, ssp_cert_parse(cert, sizeof(cert), &info));
	ASSERT_EQ(0x500u, info.chip_id);
	ASSERT_EQ(2u, info.security_counter);
	ASSERT_EQ(10u, info.st_key_index);
	ASSERT_EQ(0, memcmp(info.chip_pub, chip_pub, 64));
	ASSERT_EQ(0, memcmp(info.st_sig, cert + SSP_CERT_OFF_SIG, 64));
	ssp_cert_product_id(&info, id);
	ASSERT_STREQ("5000200A", id);
}

TEST(cert_build_then_parse_round_trips_to_same_bytes)
{
	uint8_t cert[SSP_CERT_SIZE], again[SSP_CERT_SIZE];
	struct ssp_cert_info info, back;

	KAT("cert.cert", cert);
	ASSERT_EQ(0, ssp_cert_parse(cert, sizeof(cert), &info));
	memset(again, 0xEE, sizeof(again));
	ASSERT_EQ(0, ssp_cert_build(&info, again));
	ASSERT_EQ(0, memcmp(cert, again, SSP_CERT_SIZE));
	info.chip_id = 0x501;
	info.security_counter = 0xFF;
	info.st_key_index = 0xF;
	ASSERT_EQ(0, ssp_cert_build(&info, again));
	ASSERT_EQ(0, memcmp(again, "501FF00F", 8));
	ASSERT_EQ(0, ssp_cert_parse(again, sizeof(again), &back));
	ASSERT_EQ(0x501u, back.chip_id);
	ASSERT_EQ(0xFFu, back.security_counter);
	ASSERT_EQ(0xFu, back.st_key_index);
}

TEST(cert_build_rejects_unknown_chip_and_out_of_range_fields)
{
	struct ssp_cert_info info = { .chip_id = 0x505 };
	uint8_t cert[SSP_CERT_SIZE];

	ASSERT_EQ(-EINVAL, ssp_cert_build(&info, cert));
	info.chip_id = 0x500;
	info.security_counter = 0x100;
	ASSERT_EQ(-EINVAL, ssp_cert_build(&info, cert));
	info.security_counter = 0;
	info.st_key_index = 0x10;
	ASSERT_EQ(-EINVAL, ssp_cert_build(&info, cert));
}

TEST(cert_parse_rejects_wrong_length)
{
	uint8_t cert[SSP_CERT_SIZE + 1];
	struct ssp_cert_info info;

	ASSERT_EQ(0, kat_get("cert.cert", cert, SSP_CERT_SIZE));
	ASSERT_EQ(-EINVAL, ssp_cert_parse(cert, SSP_CERT_SIZE - 1, &info));
	ASSERT_EQ(-EINVAL, ssp_cert_parse(cert, SSP_CERT_SIZE + 1, &info));
	ASSERT_EQ(-EINVAL, ssp_cert_parse(cert, 0, &info));
}

TEST(cert_parse_rejects_bad_chip_id_counter_rfu_and_key_index)
{
	/* offset, replacement byte: each one malformed header character */
	static const struct { unsigned int off; uint8_t c; } bad[] = {
		{ 2, '2' },	/* chip 502 */
		{ 2, '5' },	/* chip 505: MP25 is not in ssp-v1 */
		{ 0, 'x' },	/* not hex */
		{ 4, 'a' },	/* lower-case hex */
		{ 3, ' ' },
		{ 5, '1' },	/* RFU must be '0' */
		{ 6, '1' },	/* key index 0x1A > 0xF */
		{ 7, 'G' },
	};
	uint8_t cert[SSP_CERT_SIZE];
	struct ssp_cert_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KAT("cert.cert", cert);
		cert[bad[i].off] = bad[i].c;
		EXPECT_EQ(-EINVAL, ssp_cert_parse(cert, sizeof(cert), &info))
			TH_LOG("byte %u = '%c'", bad[i].off, bad[i].c);
	}
}

TEST(cert_parse_rejects_chip_key_off_the_curve)
{
	uint8_t cert[SSP_CERT_SIZE];
	struct ssp_cert_info info;

	KAT("cert.cert", cert);
	cert[SSP_CERT_OFF_PUBK + 1] ^= 1;
	ASSERT_EQ(-EINVAL, ssp_cert_parse(cert, sizeof(cert), &info));
}

/* -------- license -------- */

TEST(license_parse_reads_python_license_fields)
{
	uint8_t lic[SSP_LIC_SIZE];
	struct ssp_license_info info;

	KAT("lic.live", lic);
	ASSERT_EQ(0, ssp_license_parse(lic, sizeof(lic), &info));
	ASSERT_EQ(SSP_LIC_TYPE_LIVE, info.type);
	ASSERT_EQ(kat_u32("lic.live_sid"), info.live_session_id);
	ASSERT_EQ(1u, info.version);
	ASSERT_EQ(kat_u32("lic.fsbl_min"), info.fsbl_min_version);
	ASSERT_EQ(0, memcmp(info.eph_pub, lic + SSP_LIC_OFF_EPH_PUBK, 64));
	ASSERT_EQ(0, memcmp(lic, "SSPL", 4));
	KAT("lic.normal", lic);
	ASSERT_EQ(0, ssp_license_parse(lic, sizeof(lic), &info));
	ASSERT_EQ(0, memcmp(lic, "SSP.", 4));
}

TEST(license_parse_rejects_wrong_length_type_and_version)
{
	uint8_t lic[SSP_LIC_SIZE + 1];
	struct ssp_license_info info;

	ASSERT_EQ(0, kat_get("lic.normal", lic, SSP_LIC_SIZE));
	ASSERT_EQ(-EINVAL, ssp_license_parse(lic, SSP_LIC_SIZE - 1, &info));
	ASSERT_EQ(-EINVAL, ssp_license_parse(lic, SSP_LIC_SIZE + 1, &info));
	lic[0] = 's';
	ASSERT_EQ(-EINVAL, ssp_license_parse(lic, SSP_LIC_SIZE, &info));
	lic[0] = 'S';
	ssp_put_le32(lic + 8, 0);
	ASSERT_EQ(-EINVAL, ssp_license_parse(lic, SSP_LIC_SIZE, &info));
	ssp_put_le32(lic + 8, 2);
	ASSERT_EQ(-EINVAL, ssp_license_parse(lic, SSP_LIC_SIZE, &info));
	ssp_put_le32(lic + 8, 1);
	ASSERT_EQ(0, ssp_license_parse(lic, SSP_LIC_SIZE, &info));
}

/* -------- payload -------- */

struct oem {
	uint8_t key[16], nonce[16];
};

static void load_oem(struct __test_metadata *_metadata, struct oem *o)
{
	KAT("oem.key", o->key);
	KAT("oem.nonce", o->nonce);
}

static void load_mp15(struct __test_metadata *_metadata, struct ssp_payload_plain *p)
{
	memset(p, 0, sizeof(*p));
	p->series = SSP_SERIES_MP15;
	KAT("pl15.oem_pub", p->oem_pub);
	p->rma_word = kat_u32("pl15.rma");
	ASSERT_EQ(0, kat_get("pl15.secrets", p->secrets, 148));
	p->secrets_len = 148;
}

static void load_mp13(struct __test_metadata *_metadata, struct ssp_payload_plain *p)
{
	memset(p, 0, sizeof(*p));
	p->series = SSP_SERIES_MP13;
	KAT("pl13.rpkth", p->rpkth);
	p->rma_word = kat_u32("pl13.rma");
	ASSERT_EQ(0, kat_get("pl13.secrets", p->secrets, 20));
	p->secrets_len = 20;
}

TEST(payload_mp15_sealed_equals_python_244_bytes)
{
	uint8_t want[SSP_PAYLOAD_SIZE_MP15], out[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain p;
	struct oem o;

	load_oem(_metadata, &o);
	load_mp15(_metadata, &p);
	KAT("pl15.payload", want);
	ASSERT_EQ(SSP_RMA_WORD(0x1234, 0x5678), p.rma_word);
	ASSERT_EQ(0, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
	ASSERT_EQ(0, memcmp(out, want, sizeof(out)));
	ASSERT_EQ(0, memcmp(out, "SSPP", 4));
	ASSERT_EQ(152u, ssp_get_le32(out + 72));
}

TEST(payload_mp13_sealed_equals_python_212_bytes_with_zero_tail)
{
	uint8_t want[SSP_PAYLOAD_SIZE_MP13], out[SSP_PAYLOAD_SIZE_MP13];
	struct ssp_payload_plain p;
	struct oem o;

	load_oem(_metadata, &o);
	load_mp13(_metadata, &p);
	KAT("pl13.payload", want);
	ASSERT_EQ(0, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
	ASSERT_EQ(0, memcmp(out, want, sizeof(out)));
	ASSERT_EQ(24u, ssp_get_le32(out + 40));
	/* Encrypted secrets field: 24 bytes used, the other 128 zero. */
	ASSERT_TRUE(all_zero(out + 60 + 24, 152 - 24));
}

TEST(payload_open_recovers_rma_word_and_secrets_of_python_payloads)
{
	uint8_t buf15[SSP_PAYLOAD_SIZE_MP15], buf13[SSP_PAYLOAD_SIZE_MP13];
	struct ssp_payload_plain want, got;
	struct oem o;

	load_oem(_metadata, &o);
	load_mp15(_metadata, &want);
	KAT("pl15.payload", buf15);
	ASSERT_EQ(0, ssp_payload_open(buf15, sizeof(buf15), SSP_SERIES_MP15, o.key, o.nonce, &got));
	ASSERT_EQ(want.rma_word, got.rma_word);
	ASSERT_EQ(148u, got.secrets_len);
	ASSERT_EQ(152u, got.secret_size);
	ASSERT_EQ(0, memcmp(got.secrets, want.secrets, 148));
	ASSERT_EQ(0, memcmp(got.oem_pub, want.oem_pub, 64));

	load_mp13(_metadata, &want);
	KAT("pl13.payload", buf13);
	ASSERT_EQ(0, ssp_payload_open(buf13, sizeof(buf13), SSP_SERIES_MP13, o.key, o.nonce, &got));
	ASSERT_EQ(want.rma_word, got.rma_word);
	ASSERT_EQ(20u, got.secrets_len);
	ASSERT_EQ(0, memcmp(got.secrets, want.secrets, 20));
	ASSERT_EQ(0, memcmp(got.rpkth, want.rpkth, 32));
}

TEST(payload_with_size_2_opens_to_a_partial_rma_word)
{
	uint8_t buf[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain got;
	struct oem o;

	load_oem(_metadata, &o);
	KAT("plsize2.payload", buf);
	ASSERT_EQ(0, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP15, o.key, o.nonce, &got));
	ASSERT_EQ(2u, got.secret_size);
	ASSERT_EQ(0u, got.secrets_len);
	ASSERT_EQ(0xBEEFu, got.rma_word);
}

TEST(payload_empty_secret_file_seals_size_4_and_round_trips)
{
	uint8_t out[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain p, got;
	struct oem o;

	load_oem(_metadata, &o);
	load_mp15(_metadata, &p);
	p.secrets_len = 0;
	ASSERT_EQ(0, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
	ASSERT_EQ(4u, ssp_get_le32(out + 72));
	ASSERT_EQ(0, ssp_payload_open(out, sizeof(out), SSP_SERIES_MP15, o.key, o.nonce, &got));
	ASSERT_EQ(p.rma_word, got.rma_word);
	ASSERT_EQ(0u, got.secrets_len);
}

TEST(payload_parse_rejects_wrong_length_magic_version_and_size)
{
	uint8_t buf[SSP_PAYLOAD_SIZE_MP15 + 1];
	struct ssp_payload_plain h;

	ASSERT_EQ(0, kat_get("pl15.payload", buf, SSP_PAYLOAD_SIZE_MP15));
	ASSERT_EQ(0, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15 - 1, SSP_SERIES_MP15, &h));
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15 + 1, SSP_SERIES_MP15, &h));
	/* A 244-byte file is not an MP13 payload. */
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP13, &h));
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, (enum ssp_series)7, &h));
	buf[3] = 'Q';
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	buf[3] = 'P';
	ssp_put_le32(buf + 4, 2);
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ssp_put_le32(buf + 4, 1);
	ssp_put_le32(buf + 72, 0);
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ssp_put_le32(buf + 72, 153);
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ssp_put_le32(buf + 72, 0x80000098);
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ssp_put_le32(buf + 72, 1);
	ASSERT_EQ(0, ssp_payload_parse(buf, SSP_PAYLOAD_SIZE_MP15, SSP_SERIES_MP15, &h));
	ASSERT_EQ(1u, h.secret_size);
}

TEST(payload_mp13_size_field_is_at_offset_40)
{
	uint8_t buf[SSP_PAYLOAD_SIZE_MP13];
	struct ssp_payload_plain h;

	KAT("pl13.payload", buf);
	ssp_put_le32(buf + 40, 153);
	ASSERT_EQ(-EINVAL, ssp_payload_parse(buf, sizeof(buf), SSP_SERIES_MP13, &h));
	ssp_put_le32(buf + 40, 24);
	ASSERT_EQ(0, ssp_payload_parse(buf, sizeof(buf), SSP_SERIES_MP13, &h));
	ASSERT_EQ(20u, h.secrets_len);
}

TEST(payload_open_rejects_tampered_header_tag_and_ciphertext)
{
	/* header (AAD) bytes, tag bytes, ciphertext bytes */
	static const unsigned int offs[] = { 8, 71, 72, 76, 91, 92, 243 };
	uint8_t buf[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain got;
	struct oem o;
	unsigned int i;

	load_oem(_metadata, &o);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		KAT("pl15.payload", buf);
		/* 0x08 keeps the size field valid: 152 becomes 144. */
		buf[offs[i]] ^= 0x08;
		EXPECT_EQ(-EBADMSG, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP15, o.key,
						     o.nonce, &got)) TH_LOG("byte %u", offs[i]);
		EXPECT_TRUE(all_zero(got.secrets, sizeof(got.secrets)));
		EXPECT_EQ(0u, got.rma_word);
	}
}

TEST(payload_open_ignores_bytes_beyond_size_as_the_rom_does)
{
	uint8_t buf[SSP_PAYLOAD_SIZE_MP13];
	struct ssp_payload_plain got;
	struct oem o;

	load_oem(_metadata, &o);
	KAT("pl13.payload", buf);
	buf[SSP_PAYLOAD_SIZE_MP13 - 1] = 0x5A;	/* byte 152 of the secrets field, size 24 */
	ASSERT_EQ(0, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP13, o.key, o.nonce, &got));
	buf[60 + 23] ^= 1;			/* the last used byte */
	ASSERT_EQ(-EBADMSG, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP13, o.key, o.nonce,
					     &got));
}

TEST(payload_open_rejects_wrong_key_and_nonce_with_tail)
{
	uint8_t buf[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain got;
	struct oem o;

	load_oem(_metadata, &o);
	KAT("pl15.payload", buf);
	o.key[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP15, o.key, o.nonce,
					     &got));
	o.key[0] ^= 1;
	o.nonce[15] = 1;
	ASSERT_EQ(-EINVAL, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP15, o.key, o.nonce,
					    &got));
	o.nonce[15] = 0;
	ASSERT_EQ(0, ssp_payload_open(buf, sizeof(buf), SSP_SERIES_MP15, o.key, o.nonce, &got));
}

TEST(payload_seal_rejects_oversized_secrets_wrong_out_len_and_nonce_tail)
{
	uint8_t out[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain p;
	struct oem o;

	load_oem(_metadata, &o);
	load_mp15(_metadata, &p);
	p.secrets_len = 149;
	ASSERT_EQ(-EINVAL, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
	p.secrets_len = 148;
	ASSERT_EQ(-EINVAL, ssp_payload_seal(&p, o.key, o.nonce, out, SSP_PAYLOAD_SIZE_MP13));
	p.series = SSP_SERIES_MP13;
	ASSERT_EQ(-EINVAL, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
	p.series = SSP_SERIES_MP15;
	o.nonce[12] = 1;
	ASSERT_EQ(-EINVAL, ssp_payload_seal(&p, o.key, o.nonce, out, sizeof(out)));
}

TEST(payload_series_follows_exact_file_length)
{
	enum ssp_series s;

	ASSERT_EQ(0, ssp_payload_series(244, &s));
	ASSERT_EQ(SSP_SERIES_MP15, (int)s);
	ASSERT_EQ(0, ssp_payload_series(212, &s));
	ASSERT_EQ(SSP_SERIES_MP13, (int)s);
	ASSERT_EQ(-EINVAL, ssp_payload_series(0, &s));
	ASSERT_EQ(-EINVAL, ssp_payload_series(243, &s));
	ASSERT_EQ(-EINVAL, ssp_payload_series(380, &s));
}

/* -------- STM32 image header v1.0 (stm32_image.h) -------- */

#define FW_LEN (SSP_STM32_HDR_SIZE + 300)

/* Parse, then verify: the ROM's order. */
static int parse_verify(const uint8_t *img, size_t len)
{
	struct ssp_stm32_info info;
	int ret = ssp_stm32_image_parse(img, len, &info);

	return ret ? ret : ssp_stm32_image_verify(img, &info);
}

TEST(stm32_parse_reads_fields_of_python_image)
{
	uint8_t img[FW_LEN], d[32], pub[64];
	struct ssp_stm32_info info;

	KAT("fw.image", img);
	KAT("fw.priv", d);
	ASSERT_EQ(0, ssp_ec_pub_from_priv(d, pub));
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &info));
	ASSERT_EQ(SSP_STM32_HV_1_0, info.header_version);
	ASSERT_EQ(256u, info.header_size);
	ASSERT_EQ(300u, info.image_length);
	ASSERT_EQ(kat_u32("fw.entry"), info.entry_point);
	ASSERT_EQ(kat_u32("fw.load"), info.load_address);
	ASSERT_EQ(kat_u32("fw.imgver"), info.image_version);
	ASSERT_EQ(0u, info.option_flags);
	ASSERT_EQ(1u, info.ecdsa_algo);
	/* The binary type is the header's last byte (255), as python wrote it. */
	ASSERT_EQ(0x10, img[255]);
	ASSERT_EQ(0x10u, info.binary_type);
	ASSERT_EQ(0, memcmp(info.pub, pub, 64));
	ASSERT_EQ(img + SSP_STM32_HDR_SIZE, info.payload);
	ASSERT_FALSE(info.has_auth);
}

TEST(stm32_verify_accepts_python_signed_image)
{
	uint8_t img[FW_LEN];

	KAT("fw.image", img);
	ASSERT_EQ(0, parse_verify(img, sizeof(img)));
}

TEST(stm32_parse_rejects_short_magic_version_length_and_checksum)
{
	uint8_t img[FW_LEN + 4];
	struct ssp_stm32_info info;

	ASSERT_EQ(0, kat_get("fw.image", img, FW_LEN));
	memset(img + FW_LEN, 0, 4);
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, 255, &info));
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, FW_LEN - 1, &info));
	/* Trailing padding after the payload is accepted. */
	ASSERT_EQ(0, ssp_stm32_image_parse(img, FW_LEN + 4, &info));
	ASSERT_EQ(4u, info.trailing);
	ASSERT_EQ(0, parse_verify(img, FW_LEN + 4));
	img[3] = '3';
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, FW_LEN, &info));
	img[3] = '2';
	ssp_put_le32(img + SSP_STM32_OFF_HDRVER, 0x00010100);
	ASSERT_EQ(-ENOTSUP, ssp_stm32_image_parse(img, FW_LEN, &info));
	ssp_put_le32(img + SSP_STM32_OFF_HDRVER, SSP_STM32_HV_1_0);
	ssp_put_le32(img + SSP_STM32_OFF_LEN, 0xFFFFFFFF);
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, FW_LEN, &info));
	ssp_put_le32(img + SSP_STM32_OFF_LEN, 300);
	ASSERT_EQ(0, ssp_stm32_image_parse(img, FW_LEN, &info));
	img[200] = 1;				/* padding must be zero */
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, FW_LEN, &info));
	img[200] = 0;
	img[FW_LEN - 1] ^= 0x01;		/* payload byte: bad checksum */
	ASSERT_EQ(-EINVAL, ssp_stm32_image_parse(img, FW_LEN, &info));
}

TEST(stm32_verify_rejects_tampered_signature_header_and_payload)
{
	uint8_t img[FW_LEN];
	uint32_t sum;

	KAT("fw.image", img);
	img[SSP_STM32_OFF_SIG] ^= 1;
	ASSERT_EQ(-EBADMSG, parse_verify(img, sizeof(img)));
	KAT("fw.image", img);
	img[SSP_STM32_OFF_IMGVER] ^= 1;		/* signed header field */
	ASSERT_EQ(-EBADMSG, parse_verify(img, sizeof(img)));
	KAT("fw.image", img);
	img[255] ^= 1;				/* binary type, signed */
	ASSERT_EQ(-EBADMSG, parse_verify(img, sizeof(img)));
	KAT("fw.image", img);
	/* Swap two payload bytes: the checksum still matches, the hash does not. */
	sum = img[256];
	img[256] = img[257];
	img[257] = (uint8_t)sum;
	ASSERT_NE(img[256], img[257]);
	ASSERT_EQ(-EBADMSG, parse_verify(img, sizeof(img)));
	KAT("fw.image", img);
	img[SSP_STM32_OFF_PUBK + 3] ^= 1;	/* not a point any more */
	ASSERT_EQ(-EBADMSG, parse_verify(img, sizeof(img)));
	KAT("fw.image", img);
	ssp_put_le32(img + SSP_STM32_OFF_ALGO, 2);
	ASSERT_EQ(-EINVAL, parse_verify(img, sizeof(img)));
}

static int python_verify_image(const uint8_t *img, size_t len)
{
	char path[] = "/tmp/ssp-test-fw-XXXXXX", cmd[512];
	int fd, st;

	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, img, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 %s/scripts/gen-kat.py verify-stm32 %s 2>/dev/null",
		 SSP_TOP, path);
	st = system(cmd);
	unlink(path);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	st = WEXITSTATUS(st);
	return st == 127 ? 77 : st;
}

TEST(stm32_build_matches_python_header_and_signs_verifiably)
{
	uint8_t want[FW_LEN], img[FW_LEN], d[32], payload[300];
	struct ssp_stm32_params p = { .header_version = SSP_STM32_HV_1_0 };
	int st;

	KAT("fw.image", want);
	KAT("fw.priv", d);
	KAT("fw.payload", payload);
	p.entry_point = kat_u32("fw.entry");
	p.load_address = kat_u32("fw.load");
	p.image_version = kat_u32("fw.imgver");
	p.binary_type = 0x10;
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, sizeof(payload), d, img, sizeof(img)));
	/* Everything but the randomized signature is byte-identical. */
	ASSERT_EQ(0, memcmp(img, want, SSP_STM32_OFF_SIG));
	ASSERT_EQ(0, memcmp(img + SSP_STM32_OFF_CSUM, want + SSP_STM32_OFF_CSUM,
			    FW_LEN - SSP_STM32_OFF_CSUM));
	ASSERT_EQ(0, parse_verify(img, sizeof(img)));
	st = python_verify_image(img, sizeof(img));
	if (st == 77)
		SKIP(return, "python3-cryptography not available");
	ASSERT_EQ(0, st);
	img[SSP_STM32_OFF_SIG + 1] ^= 1;
	ASSERT_EQ(1, python_verify_image(img, sizeof(img)));
}

TEST(stm32_build_v2_matches_python_header_and_signs_verifiably)
{
	uint8_t want[512 + 300 + 12], img[512 + 300], d[32], keys[8][64];
	struct ssp_stm32_params p = { .header_version = SSP_STM32_HV_2_0 };
	struct ssp_stm32_info info;
	int st;

	KAT("fw2.image", want);
	KAT("fw2.priv", d);
	for (int i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pkhth8.key%d", i);
		KAT(name, keys[i]);
	}
	ASSERT_EQ(0, ssp_stm32_image_parse(want, sizeof(want), &info));
	p.entry_point = info.entry_point;
	p.load_address = info.load_address;
	p.image_version = info.image_version;
	p.binary_type = info.binary_type;
	p.table = keys;
	p.table_len = 8;
	ASSERT_EQ(0, ssp_stm32_image_build(&p, info.payload, 300, d, img, sizeof(img)));
	ASSERT_EQ(0, memcmp(img, want, SSP_STM32_OFF_SIG));
	ASSERT_EQ(0, memcmp(img + SSP_STM32_OFF_CSUM, want + SSP_STM32_OFF_CSUM,
			    sizeof(img) - SSP_STM32_OFF_CSUM));
	ASSERT_EQ(0, parse_verify(img, sizeof(img)));
	st = python_verify_image(img, sizeof(img));
	if (st == 77)
		SKIP(return, "python3-cryptography not available");
	ASSERT_EQ(0, st);
	/* The signing key must be in the table it signs with. */
	p.table_len = 2;
	ASSERT_EQ(-ENOKEY, ssp_stm32_image_build(&p, info.payload, 300, d, img, sizeof(img)));
	p.table_len = 9;
	ASSERT_EQ(-EINVAL, ssp_stm32_image_build(&p, info.payload, 300, d, img, sizeof(img)));
}

TEST(stm32_build_without_key_requires_no_signature_option)
{
	uint8_t img[SSP_STM32_HDR_SIZE + 4], payload[4] = { 1, 2, 3, 250 };
	struct ssp_stm32_params p = { .header_version = SSP_STM32_HV_1_0 };
	struct ssp_stm32_info back;

	ASSERT_EQ(-EINVAL, ssp_stm32_image_build(&p, payload, 4, NULL, img, sizeof(img)));
	p.option_flags = SSP_STM32_OPT_NO_SIG;
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, 4, NULL, img, sizeof(img)));
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &back));
	ASSERT_EQ(256u, ssp_get_le32(img + SSP_STM32_OFF_CSUM));
	ASSERT_EQ((uint32_t)SSP_STM32_OPT_NO_SIG, back.option_flags);
	ASSERT_TRUE(all_zero(back.sig, 64));
	ASSERT_EQ(-EINVAL, ssp_stm32_image_build(&p, payload, 4, NULL, img, sizeof(img) - 1));
	p.header_version = SSP_STM32_HV_2_3;
	ASSERT_EQ(-EINVAL, ssp_stm32_image_build(&p, payload, 4, NULL, img, sizeof(img)));
}

/* ---- STM32 image module (stm32_image.h), image-header-and-otp.md §A ---- */

#define FW2_LEN	(512 + 300 + 12)

/* The unsigned v2.0 image of the worked example (§A.12), built field by field from the spec. */
static void a12_image(uint8_t img[516])
{
	static const uint8_t payload[4] = { 0x00, 0xbf, 0xfe, 0xe7 };

	memset(img, 0, 516);
	memcpy(img, "STM2", 4);
	ssp_put_le32(img + 0x44, 0x2a4);
	ssp_put_le32(img + 0x48, 0x00020000);
	ssp_put_le32(img + 0x4c, 4);
	ssp_put_le32(img + 0x50, 0x2ffe0001);
	ssp_put_le32(img + 0x58, 0x2ffe0000);
	ssp_put_le32(img + 0x64, 0x80000000);
	ssp_put_le32(img + 0x68, 0x180);
	ssp_put_le32(img + 0x6c, 0x10);
	memcpy(img + 0x80, "ST\xff\xff", 4);
	ssp_put_le32(img + 0x84, 0x180);
	memcpy(img + 0x200, payload, 4);
}

TEST(stm32_image_parses_the_worked_example_of_the_spec)
{
	static const char want_sha[] =
		"a0b17e54bf2704f97ae498d3a312e22972be47f655491a191f7290d4c63cbee0";
	uint8_t img[516 + 8], h[32];
	struct ssp_stm32_info info;
	char hex[65], ver[12];

	a12_image(img);
	ASSERT_EQ(0, ssp_sha256(img, 516, h));
	ssp_hex_encode(h, 32, hex);
	ASSERT_STREQ(want_sha, hex);
	ASSERT_EQ(0, ssp_stm32_image_parse(img, 516, &info));
	EXPECT_EQ(SSP_STM32_HV_2_0, info.header_version);
	EXPECT_STREQ("2.0", ssp_stm32_version_name(info.header_version, ver));
	EXPECT_EQ(512u, info.header_size);
	EXPECT_EQ(4u, info.image_length);
	EXPECT_EQ(0x2a4u, info.checksum);
	EXPECT_EQ(0x2ffe0001u, info.entry_point);
	EXPECT_EQ(0x2ffe0000u, info.load_address);
	EXPECT_EQ(0u, info.image_version);
	EXPECT_EQ(0x80000000u, info.ext_flags);
	EXPECT_EQ(0x180u, info.ext_len);
	EXPECT_EQ(0x10u, info.binary_type);
	EXPECT_FALSE(info.has_auth);
	EXPECT_EQ(img + 512, info.payload);
	EXPECT_EQ(0u, info.trailing);
	EXPECT_EQ(-ENOKEY, ssp_stm32_image_pkhth(&info, h));
	EXPECT_EQ(-ENOKEY, ssp_stm32_image_verify(img, &info));
	/* Trailing padding is accepted, a cut payload is not. */
	memset(img + 516, 0xff, 8);
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &info));
	EXPECT_EQ(8u, info.trailing);
	EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, 515, &info));
}

/* The builder writes the worked example byte for byte (unsigned: padding extension only). */
TEST(stm32_build_writes_the_worked_example_of_the_spec)
{
	static const uint8_t payload[4] = { 0x00, 0xbf, 0xfe, 0xe7 };
	struct ssp_stm32_params p = {
		.header_version = SSP_STM32_HV_2_0, .entry_point = 0x2ffe0001,
		.load_address = 0x2ffe0000, .binary_type = 0x10,
	};
	uint8_t want[516], img[516];

	a12_image(want);
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, 4, NULL, img, sizeof(img)));
	EXPECT_EQ(0, memcmp(img, want, sizeof(img)));
}

/* One field of the worked example changed at a time: each must be refused. */
TEST(stm32_image_refuses_each_wrong_v2_field)
{
	static const struct { unsigned int off; uint32_t val; int want; } bad[] = {
		{ 0x00, 0x324d5454, -EINVAL },		/* magic */
		{ 0x44, 0x2a5, -EINVAL },		/* checksum */
		{ 0x48, 0x00020100, -ENOTSUP },		/* v2.1 is no version */
		{ 0x4c, 5, -EINVAL },			/* image_length past the file */
		{ 0x54, 1, -EINVAL },			/* reserved1 */
		{ 0x5c, 1, -EINVAL },			/* reserved2 */
		{ 0x64, 0x80000004, -EINVAL },		/* unknown extension flag */
		{ 0x64, 0x80000001, -EINVAL },		/* flagged authentication missing */
		{ 0x64, 0, -EINVAL },			/* padding present, not flagged */
		{ 0x68, 0x17c, -EINVAL },		/* extensions do not fill the length */
		{ 0x68, 0x400, -EINVAL },		/* extension length past the file */
		{ 0x70, 1, -EINVAL },			/* base header padding */
		{ 0x7c, 1 << 24, -EINVAL },		/* last padding byte */
		{ 0x80, 0xfeff5453, -EINVAL },		/* unknown extension type */
		{ 0x84, 0x181, -EINVAL },		/* TLV longer than the extensions */
		{ 0x84, 7, -EINVAL },			/* TLV shorter than its header */
	};
	struct ssp_stm32_info info;
	uint8_t img[516];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a12_image(img);
		ssp_put_le32(img + bad[i].off, bad[i].val);
		EXPECT_EQ(bad[i].want, ssp_stm32_image_parse(img, sizeof(img), &info)) {
			TH_LOG("field at 0x%x = 0x%x", bad[i].off, bad[i].val);
		}
	}
	a12_image(img);
	for (i = 0; i < 516; i++)
		EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, i, &info));
	/* v2.3 (version at byte 104) is recognised and refused as unsupported. */
	a12_image(img);
	ssp_put_le32(img + 0x48, 0);
	ssp_put_le32(img + 0x68, SSP_STM32_HV_2_3);
	EXPECT_EQ(-ENOTSUP, ssp_stm32_image_parse(img, sizeof(img), &info));
	EXPECT_EQ(SSP_STM32_HV_2_3, info.header_version);
}

/* A signed v2.0 image from scripts/gen-kat.py: 8-key table, signed by key 2, 12 padding bytes. */
TEST(stm32_image_reads_the_key_table_of_a_signed_v2_image)
{
	uint8_t img[FW2_LEN], table[8 * 32], want[32], out[32], key2[64];
	struct ssp_stm32_info info;

	KAT("fw2.image", img);
	KAT("pkhth8.table", table);
	KAT("pkhth8.pkhth", want);
	KAT("pkhth8.key2", key2);
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &info));
	EXPECT_EQ(SSP_STM32_HV_2_0, info.header_version);
	EXPECT_EQ(512u, info.header_size);
	EXPECT_EQ(300u, info.image_length);
	EXPECT_EQ(12u, info.trailing);
	EXPECT_EQ(kat_u32("fw2.entry"), info.entry_point);
	EXPECT_EQ(3u, info.image_version);
	EXPECT_EQ(0x80000001u, info.ext_flags);
	ASSERT_TRUE(info.has_auth);
	EXPECT_EQ(2u, info.auth.pk_idx);
	EXPECT_EQ(8u, info.auth.nb_pk);
	EXPECT_EQ(1u, info.auth.algo);
	EXPECT_EQ(0, memcmp(info.auth.pub, key2, 64));
	EXPECT_EQ(0, memcmp(info.auth.pkh, table, sizeof(table)));
	ASSERT_EQ(0, ssp_stm32_image_pkhth(&info, out));
	EXPECT_EQ(0, memcmp(out, want, 32));
	/* Signed over header[72..512) || payload by python: the INFERRED range agrees. */
	EXPECT_EQ(0, ssp_stm32_image_verify(img, &info));
	/* Two payload bytes swapped: same checksum, other payload. */
	ASSERT_NE(img[512 + 7], img[512 + 8]);
	out[0] = img[512 + 7];
	img[512 + 7] = img[512 + 8];
	img[512 + 8] = out[0];
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &info));
	EXPECT_EQ(-EBADMSG, ssp_stm32_image_verify(img, &info));
}

TEST(stm32_image_refuses_a_bad_authentication_extension)
{
	uint8_t img[FW2_LEN], out[32];
	struct ssp_stm32_info info;
	const unsigned int p = 128 + 8;	/* params of the first extension */

	KAT("fw2.image", img);
	ssp_put_le32(img + p + 4, 9);		/* nb_pk above 8 */
	EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, sizeof(img), &info));
	KAT("fw2.image", img);
	ssp_put_le32(img + p + 4, 7);		/* count disagrees with the length */
	EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, sizeof(img), &info));
	KAT("fw2.image", img);
	ssp_put_le32(img + p, 8);		/* key index outside the table */
	EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, sizeof(img), &info));
	KAT("fw2.image", img);
	ssp_put_le32(img + 100, 0x80000000);	/* authentication present, not flagged */
	EXPECT_EQ(-EINVAL, ssp_stm32_image_parse(img, sizeof(img), &info));
	/* A signing key that is not its own table entry: parses, but implies no PKHTH. */
	KAT("fw2.image", img);
	ssp_put_le32(img + p, 1);
	ASSERT_EQ(0, ssp_stm32_image_parse(img, sizeof(img), &info));
	EXPECT_EQ(-EBADMSG, ssp_stm32_image_pkhth(&info, out));
}

TEST_HARNESS_MAIN
