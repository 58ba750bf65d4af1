// SPDX-License-Identifier: GPL-2.0-only
/*
 * Byte layouts of spec §4 and §7.2. Every parser checks the exact length
 * first and each field before it uses it; nothing here trusts its input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"

_Static_assert(SSP_PAYLOAD_OFF_KEY + SSP_PUB_LEN + 4 + SSP_TAG_LEN + SSP_SECRETS_MAX ==
	       SSP_PAYLOAD_SIZE_MP15, "MP15 payload layout");
_Static_assert(SSP_PAYLOAD_OFF_KEY + SSP_HASH_LEN + 4 + SSP_TAG_LEN + SSP_SECRETS_MAX ==
	       SSP_PAYLOAD_SIZE_MP13, "MP13 payload layout");
_Static_assert(SSP_LIC_OFF_TAG + SSP_TAG_LEN == SSP_LIC_SIZE, "license layout");
_Static_assert(SSP_CERT_OFF_SIG + SSP_SIG_LEN == SSP_CERT_SIZE, "certificate layout");

/* Upper-case ASCII hex, as TF-A's prepare_certificate writes it. */
static int parse_hex_field(const uint8_t *p, size_t n, unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (c - '0');
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static void put_hex_field(uint8_t *p, size_t n, unsigned int v)
{
	static const char digits[] = "0123456789ABCDEF";

	while (n--) {
		p[n] = digits[v & 0xf];
		v >>= 4;
	}
}

static int chip_id_known(unsigned int id)
{
	return id == ssp_chip_id(SSP_SERIES_MP15) || id == ssp_chip_id(SSP_SERIES_MP13);
}

int ssp_cert_parse(const void *buf, size_t len, struct ssp_cert_info *out)
{
	const uint8_t *c = buf;

	memset(out, 0, sizeof(*out));
	if (len != SSP_CERT_SIZE)
		return -EINVAL;
	if (parse_hex_field(c, 3, &out->chip_id) || !chip_id_known(out->chip_id))
		return -EINVAL;
	if (parse_hex_field(c + 3, 2, &out->security_counter))
		return -EINVAL;
	if (c[5] != '0')
		return -EINVAL;
	/* CFG2[31:28]: 4 bits, although written as two hex digits. */
	if (parse_hex_field(c + 6, 2, &out->st_key_index) || out->st_key_index > 0xF)
		return -EINVAL;
	if (ssp_ec_pub_check(c + SSP_CERT_OFF_PUBK))
		return -EINVAL;
	memcpy(out->chip_pub, c + SSP_CERT_OFF_PUBK, SSP_PUB_LEN);
	memcpy(out->st_sig, c + SSP_CERT_OFF_SIG, SSP_SIG_LEN);
	return 0;
}

int ssp_cert_build(const struct ssp_cert_info *info, uint8_t cert[SSP_CERT_SIZE])
{
	if (!chip_id_known(info->chip_id) || info->security_counter > 0xFF ||
	    info->st_key_index > 0xF)
		return -EINVAL;
	put_hex_field(cert, 3, info->chip_id);
	put_hex_field(cert + 3, 2, info->security_counter);
	cert[5] = '0';
	put_hex_field(cert + 6, 2, info->st_key_index);
	memcpy(cert + SSP_CERT_OFF_PUBK, info->chip_pub, SSP_PUB_LEN);
	memcpy(cert + SSP_CERT_OFF_SIG, info->st_sig, SSP_SIG_LEN);
	return 0;
}

void ssp_cert_product_id(const struct ssp_cert_info *info, char out[9])
{
	snprintf(out, 9, "%03X%02X0%02X", info->chip_id & 0xFFF,
		 info->security_counter & 0xFF, info->st_key_index & 0xFF);
}

int ssp_license_parse(const void *buf, size_t len, struct ssp_license_info *out)
{
	const uint8_t *l = buf;

	memset(out, 0, sizeof(*out));
	if (len != SSP_LIC_SIZE)
		return -EINVAL;
	out->type = ssp_get_le32(l);
	out->live_session_id = ssp_get_le32(l + 4);
	out->version = ssp_get_le32(l + 8);
	out->fsbl_min_version = ssp_get_le32(l + 12);
	if (out->type != SSP_LIC_TYPE_NORMAL && out->type != SSP_LIC_TYPE_LIVE)
		return -EINVAL;
	if (out->version != SSP_LIC_VERSION)
		return -EINVAL;
	memcpy(out->eph_pub, l + SSP_LIC_OFF_EPH_PUBK, SSP_PUB_LEN);
	return 0;
}

static int series_valid(enum ssp_series s)
{
	return s == SSP_SERIES_MP15 || s == SSP_SERIES_MP13;
}

int ssp_payload_series(size_t len, enum ssp_series *series)
{
	if (len == SSP_PAYLOAD_SIZE_MP15)
		*series = SSP_SERIES_MP15;
	else if (len == SSP_PAYLOAD_SIZE_MP13)
		*series = SSP_SERIES_MP13;
	else
		return -EINVAL;
	return 0;
}

static uint8_t *payload_key_field(struct ssp_payload_plain *p)
{
	return p->series == SSP_SERIES_MP13 ? p->rpkth : p->oem_pub;
}

int ssp_payload_parse(const void *buf, size_t len, enum ssp_series series,
		      struct ssp_payload_plain *hdr)
{
	const uint8_t *p = buf;
	uint32_t size;

	memset(hdr, 0, sizeof(*hdr));
	if (!series_valid(series) || len != ssp_payload_size(series))
		return -EINVAL;
	hdr->series = series;
	if (ssp_get_le32(p) != SSP_PAYLOAD_MAGIC || ssp_get_le32(p + 4) != SSP_PAYLOAD_VERSION)
		return -EINVAL;
	size = ssp_get_le32(p + ssp_payload_off_size(series));
	if (size < 1 || size > SSP_SECRETS_MAX)
		return -EINVAL;
	memcpy(payload_key_field(hdr), p + SSP_PAYLOAD_OFF_KEY, ssp_payload_key_len(series));
	hdr->secret_size = size;
	hdr->secrets_len = size > 4 ? size - 4 : 0;
	return 0;
}

int ssp_payload_seal(const struct ssp_payload_plain *in,
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     uint8_t *out, size_t out_len)
{
	uint8_t pt[SSP_SECRETS_MAX];
	enum ssp_series s = in->series;
	uint32_t size;
	int ret;

	if (!series_valid(s) || out_len != ssp_payload_size(s) ||
	    in->secrets_len > SSP_USER_SECRETS_MAX)
		return -EINVAL;
	ret = ssp_nonce_check(oem_nonce);
	if (ret)
		return ret;
	size = 4 + (uint32_t)in->secrets_len;
	memset(out, 0, out_len);
	ssp_put_le32(out, SSP_PAYLOAD_MAGIC);
	ssp_put_le32(out + 4, SSP_PAYLOAD_VERSION);
	memcpy(out + SSP_PAYLOAD_OFF_KEY, s == SSP_SERIES_MP13 ? in->rpkth : in->oem_pub,
	       ssp_payload_key_len(s));
	ssp_put_le32(out + ssp_payload_off_size(s), size);
	ssp_put_le32(pt, in->rma_word);
	memcpy(pt + 4, in->secrets, in->secrets_len);
	/* AAD = every byte before the tag; ciphertext bytes beyond size stay zero. */
	ret = ssp_gcm_encrypt(oem_key, oem_nonce, out, ssp_payload_off_tag(s), pt, size,
			      out + ssp_payload_off_secrets(s), out + ssp_payload_off_tag(s));
	ssp_wipe(pt, sizeof(pt));
	if (ret)
		memset(out, 0, out_len);
	return ret;
}

int ssp_payload_open(const void *buf, size_t len, enum ssp_series series,
		     const uint8_t oem_key[SSP_AES_KEY_LEN],
		     const uint8_t oem_nonce[SSP_NONCE_LEN],
		     struct ssp_payload_plain *out)
{
	const uint8_t *p = buf;
	uint8_t pt[SSP_SECRETS_MAX] = { 0 };
	int ret;

	ret = ssp_payload_parse(buf, len, series, out);
	if (ret)
		return ret;
	ret = ssp_nonce_check(oem_nonce);
	if (ret)
		goto out;
	ret = ssp_gcm_decrypt(oem_key, oem_nonce, p, ssp_payload_off_tag(series),
			      p + ssp_payload_off_secrets(series), out->secret_size, pt,
			      p + ssp_payload_off_tag(series));
	if (ret)
		goto out;
	/* A size below 4 leaves a partial RMA word: its missing bytes read as zero. */
	out->rma_word = ssp_get_le32(pt);
	memcpy(out->secrets, pt + 4, out->secrets_len);
out:
	ssp_wipe(pt, sizeof(pt));
	if (ret) {
		out->rma_word = 0;
		ssp_wipe(out->secrets, sizeof(out->secrets));
	}
	return ret;
}

