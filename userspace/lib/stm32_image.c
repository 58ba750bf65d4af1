// SPDX-License-Identifier: GPL-2.0-only
/*
 * STM32 image headers v1.0 and v2.0/v2.2 (image-header-and-otp.md §A).
 * Every read is preceded by its bound check; the version is detected from
 * the first bytes as §A.10 says and then confirmed by the full set of
 * checks of that layout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "stm32_image.h"

static uint32_t byte_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* Fields at the same offsets in v1.0 and v2.0/v2.2 (§A.2, §A.3). */
static int parse_common(const uint8_t *h, struct ssp_stm32_info *out)
{
	if (ssp_get_le32(h + SSP_STM32_OFF_RESERVED1) || ssp_get_le32(h + SSP_STM32_OFF_RESERVED2))
		return -EINVAL;
	memcpy(out->sig, h + SSP_STM32_OFF_SIG, SSP_SIG_LEN);
	out->checksum = ssp_get_le32(h + SSP_STM32_OFF_CSUM);
	out->image_length = ssp_get_le32(h + SSP_STM32_OFF_LEN);
	out->entry_point = ssp_get_le32(h + SSP_STM32_OFF_ENTRY);
	out->load_address = ssp_get_le32(h + SSP_STM32_OFF_LOAD);
	out->image_version = ssp_get_le32(h + SSP_STM32_OFF_IMGVER);
	return 0;
}

static int parse_v1(const uint8_t *h, size_t len, struct ssp_stm32_info *out)
{
	if (len < SSP_STM32_HDR_SIZE)
		return -EINVAL;
	if (parse_common(h, out))
		return -EINVAL;
	if (!all_zero(h + SSP_STM32_V1_OFF_PADDING,
		      SSP_STM32_OFF_BINTYPE - SSP_STM32_V1_OFF_PADDING))
		return -EINVAL;
	out->header_size = SSP_STM32_HDR_SIZE;
	out->option_flags = ssp_get_le32(h + SSP_STM32_OFF_OPTIONS);
	out->ecdsa_algo = ssp_get_le32(h + SSP_STM32_OFF_ALGO);
	memcpy(out->pub, h + SSP_STM32_OFF_PUBK, SSP_PUB_LEN);
	out->binary_type = h[SSP_STM32_OFF_BINTYPE];
	return 0;
}

/* Authentication params (§A.6): the extension must be exactly 84 + 32 * nb_pk bytes. */
static int parse_auth(const uint8_t *e, uint32_t elen, struct ssp_stm32_auth *a)
{
	const uint8_t *p = e + SSP_STM32_EXT_TLV_LEN;

	if (elen < SSP_STM32_AUTH_FIXED_LEN)
		return -EINVAL;
	a->pk_idx = ssp_get_le32(p);
	a->nb_pk = ssp_get_le32(p + 4);
	a->algo = ssp_get_le32(p + 8);
	if (a->nb_pk < 1 || a->nb_pk > SSP_MP13_PKH_TABLE_MAX || a->pk_idx >= a->nb_pk)
		return -EINVAL;
	if (elen != SSP_STM32_AUTH_FIXED_LEN + a->nb_pk * SSP_HASH_LEN)
		return -EINVAL;
	memcpy(a->pub, p + 12, SSP_PUB_LEN);
	memcpy(a->pkh, p + 12 + SSP_PUB_LEN, a->nb_pk * SSP_HASH_LEN);
	return 0;
}

/* The TLV list of §A.6 over [128, 128 + ext_len). */
static int parse_extensions(const uint8_t *h, struct ssp_stm32_info *out)
{
	uint32_t off = SSP_STM32_V2_BASE_SIZE, end = SSP_STM32_V2_BASE_SIZE + out->ext_len;
	uint32_t seen = 0, bit, type, elen;

	if (out->ext_flags & ~SSP_STM32_EXTF_ALL)
		return -EINVAL;
	while (off < end) {
		if (end - off < SSP_STM32_EXT_TLV_LEN)
			return -EINVAL;
		type = ssp_get_le32(h + off);
		elen = ssp_get_le32(h + off + 4);
		if (elen < SSP_STM32_EXT_TLV_LEN || elen > end - off)
			return -EINVAL;
		switch (type) {
		case SSP_STM32_EXT_AUTH:
			/* TF-A reads the authentication params from the first extension. */
			if (off != SSP_STM32_V2_BASE_SIZE || parse_auth(h + off, elen, &out->auth))
				return -EINVAL;
			out->has_auth = true;
			bit = SSP_STM32_EXTF_AUTH;
			break;
		case SSP_STM32_EXT_DECRYPT:
			bit = SSP_STM32_EXTF_DECRYPT;
			break;
		case SSP_STM32_EXT_PADDING:
			bit = SSP_STM32_EXTF_PADDING;
			break;
		default:
			return -EINVAL;
		}
		if ((seen & bit) || !(out->ext_flags & bit))
			return -EINVAL;
		seen |= bit;
		off += elen;
	}
	/* Every flagged extension is present. */
	return seen == out->ext_flags ? 0 : -EINVAL;
}

static int parse_v2(const uint8_t *h, size_t len, struct ssp_stm32_info *out)
{
	if (len < SSP_STM32_V2_BASE_SIZE)
		return -EINVAL;
	if (parse_common(h, out))
		return -EINVAL;
	if (!all_zero(h + SSP_STM32_V2_OFF_PADDING, SSP_STM32_V2_BASE_SIZE - SSP_STM32_V2_OFF_PADDING))
		return -EINVAL;
	out->ext_flags = ssp_get_le32(h + SSP_STM32_V2_OFF_EXT_FLAGS);
	out->ext_len = ssp_get_le32(h + SSP_STM32_V2_OFF_EXT_LEN);
	out->binary_type = ssp_get_le32(h + SSP_STM32_V2_OFF_BINTYPE);
	if (out->ext_len > len - SSP_STM32_V2_BASE_SIZE)
		return -EINVAL;
	out->header_size = SSP_STM32_V2_BASE_SIZE + out->ext_len;
	return parse_extensions(h, out);
}

int ssp_stm32_image_parse(const void *buf, size_t len, struct ssp_stm32_info *out)
{
	const uint8_t *h = buf;
	uint32_t hv;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < SSP_STM32_V2_BASE_SIZE || ssp_get_le32(h) != SSP_STM32_MAGIC)
		return -EINVAL;
	hv = ssp_get_le32(h + SSP_STM32_OFF_HDRVER);
	out->header_version = hv;
	if (hv == SSP_STM32_HV_1_0) {
		ret = parse_v1(h, len, out);
	} else if (hv == SSP_STM32_HV_2_0 || hv == SSP_STM32_HV_2_2) {
		ret = parse_v2(h, len, out);
	} else {
		/* v2.3 moves the version to byte 104 (§A.4); a signed one has random bytes at 72. */
		if (len >= 108 && ssp_get_le32(h + 104) == SSP_STM32_HV_2_3)
			out->header_version = SSP_STM32_HV_2_3;
		return -ENOTSUP;
	}
	if (ret)
		return ret;
	if (out->image_length > len - out->header_size)
		return -EINVAL;
	out->payload = h + out->header_size;
	out->trailing = len - out->header_size - out->image_length;
	if (byte_sum(out->payload, out->image_length) != out->checksum)
		return -EINVAL;
	return 0;
}

const char *ssp_stm32_version_name(uint32_t hv, char buf[12])
{
	if (hv == SSP_STM32_HV_1_0 || hv == SSP_STM32_HV_2_0 || hv == SSP_STM32_HV_2_2 ||
	    hv == SSP_STM32_HV_2_3)
		snprintf(buf, 12, "%u.%u", (hv >> 16) & 0xFF, (hv >> 8) & 0xFF);
	else
		snprintf(buf, 12, "0x%08x", hv);
	return buf;
}

int ssp_stm32_signed_digest(const uint8_t *img, const struct ssp_stm32_info *info,
			    uint8_t out[SSP_HASH_LEN])
{
	/* Both ranges start at header_version and run to the end of the header (§A.8). */
	size_t from = SSP_STM32_OFF_HDRVER;
	size_t n = info->header_size - from + info->image_length;

	if (info->header_size < from || info->payload != img + info->header_size)
		return -EINVAL;
	return ssp_sha256(img + from, n, out);
}

int ssp_stm32_image_verify(const uint8_t *img, const struct ssp_stm32_info *info)
{
	const uint8_t *pub = info->header_version == SSP_STM32_HV_1_0 ? info->pub : info->auth.pub;
	uint32_t algo = info->header_version == SSP_STM32_HV_1_0 ? info->ecdsa_algo : info->auth.algo;
	uint8_t h[SSP_HASH_LEN];
	int ret;

	if (info->header_version != SSP_STM32_HV_1_0 && !info->has_auth)
		return -ENOKEY;
	if (algo != SSP_KEY_ALGO_P256)
		return -EINVAL;
	ret = ssp_stm32_signed_digest(img, info, h);
	if (ret)
		return ret;
	ret = ssp_ecdsa_verify(pub, h, info->sig);
	/* A header key that is not a curve point cannot have signed anything. */
	return ret == -EINVAL ? -EBADMSG : ret;
}

int ssp_stm32_image_pkhth(const struct ssp_stm32_info *info, uint8_t out[SSP_HASH_LEN])
{
	const struct ssp_stm32_auth *a = &info->auth;
	uint8_t h[SSP_HASH_LEN];
	int ret;

	if (!info->has_auth)
		return -ENOKEY;
	ret = ssp_mp13_key_hash(a->algo, a->pub, h);
	if (ret)
		return ret;
	if (memcmp(h, a->pkh[a->pk_idx], SSP_HASH_LEN))
		return -EBADMSG;
	return ssp_pkhth_from_table(&a->pkh[0][0], a->nb_pk, out);
}

size_t ssp_stm32_header_size(uint32_t hv)
{
	if (hv == SSP_STM32_HV_1_0)
		return SSP_STM32_HDR_SIZE;
	if (hv == SSP_STM32_HV_2_0 || hv == SSP_STM32_HV_2_2)
		return SSP_STM32_V2_HDR_SIZE;
	return 0;
}

/* v2 extensions: authentication (when signed) then padding up to 512 bytes. */
static int build_v2_extensions(const struct ssp_stm32_params *p, const uint8_t *pub, uint8_t *h)
{
	uint32_t off = SSP_STM32_V2_BASE_SIZE, flags = SSP_STM32_EXTF_PADDING, alen;
	const uint8_t (*table)[SSP_PUB_LEN] = p->table ? p->table : (const uint8_t (*)[SSP_PUB_LEN])pub;
	size_t n = p->table ? p->table_len : 1, i, idx = n;
	uint8_t *a = h + off;
	int ret;

	if (pub) {
		if (n < 1 || n > SSP_MP13_PKH_TABLE_MAX)
			return -EINVAL;
		for (i = 0; i < n && idx == n; i++)
			if (!memcmp(table[i], pub, SSP_PUB_LEN))
				idx = i;
		if (idx == n)
			return -ENOKEY;
		alen = SSP_STM32_AUTH_FIXED_LEN + n * SSP_HASH_LEN;
		ssp_put_le32(a, SSP_STM32_EXT_AUTH);
		ssp_put_le32(a + 4, alen);
		ssp_put_le32(a + 8, (uint32_t)idx);
		ssp_put_le32(a + 12, (uint32_t)n);
		ssp_put_le32(a + 16, SSP_KEY_ALGO_P256);
		memcpy(a + 20, pub, SSP_PUB_LEN);
		for (i = 0; i < n; i++) {
			ret = ssp_mp13_key_hash(SSP_KEY_ALGO_P256, table[i],
						a + SSP_STM32_AUTH_FIXED_LEN + i * SSP_HASH_LEN);
			if (ret)
				return ret;
		}
		off += alen;
		flags |= SSP_STM32_EXTF_AUTH;
	}
	/* 8 keys leave 44 bytes: room for the padding TLV, as §A.6 works out. */
	ssp_put_le32(h + off, SSP_STM32_EXT_PADDING);
	ssp_put_le32(h + off + 4, SSP_STM32_V2_HDR_SIZE - off);
	ssp_put_le32(h + SSP_STM32_V2_OFF_EXT_FLAGS, flags);
	ssp_put_le32(h + SSP_STM32_V2_OFF_EXT_LEN, SSP_STM32_V2_HDR_SIZE - SSP_STM32_V2_BASE_SIZE);
	ssp_put_le32(h + SSP_STM32_V2_OFF_BINTYPE, p->binary_type);
	return 0;
}

int ssp_stm32_image_build(const struct ssp_stm32_params *p, const void *payload,
			  size_t payload_len, const uint8_t priv[SSP_PRIV_LEN],
			  uint8_t *out, size_t out_len)
{
	size_t hsize = ssp_stm32_header_size(p->header_version);
	bool v1 = p->header_version == SSP_STM32_HV_1_0;
	struct ssp_stm32_info info;
	uint8_t pub[SSP_PUB_LEN], h[SSP_HASH_LEN];
	int ret;

	if (!hsize || payload_len > UINT32_MAX - hsize || out_len != hsize + payload_len)
		return -EINVAL;
	/* Unsigned v1 images are allowed only when they say so. */
	if (v1 && !priv && !(p->option_flags & SSP_STM32_OPT_NO_SIG))
		return -EINVAL;
	if (priv) {
		ret = ssp_ec_pub_from_priv(priv, pub);
		if (ret)
			return ret;
	}
	memset(out, 0, hsize);
	if (payload_len)	/* payload may be NULL when empty */
		memmove(out + hsize, payload, payload_len);
	ssp_put_le32(out, SSP_STM32_MAGIC);
	ssp_put_le32(out + SSP_STM32_OFF_CSUM, byte_sum(out + hsize, payload_len));
	ssp_put_le32(out + SSP_STM32_OFF_HDRVER, p->header_version);
	ssp_put_le32(out + SSP_STM32_OFF_LEN, (uint32_t)payload_len);
	ssp_put_le32(out + SSP_STM32_OFF_ENTRY, p->entry_point);
	ssp_put_le32(out + SSP_STM32_OFF_LOAD, p->load_address);
	ssp_put_le32(out + SSP_STM32_OFF_IMGVER, p->image_version);
	if (v1) {
		ssp_put_le32(out + SSP_STM32_OFF_OPTIONS, p->option_flags);
		ssp_put_le32(out + SSP_STM32_OFF_ALGO, SSP_KEY_ALGO_P256);
		if (priv)
			memcpy(out + SSP_STM32_OFF_PUBK, pub, SSP_PUB_LEN);
		out[SSP_STM32_OFF_BINTYPE] = (uint8_t)p->binary_type;
	} else {
		ret = build_v2_extensions(p, priv ? pub : NULL, out);
		if (ret)
			goto fail;
	}
	if (!priv)
		return 0;
	/* Sign what the parser will read back, over the one signed range. */
	ret = ssp_stm32_image_parse(out, out_len, &info);
	if (!ret)
		ret = ssp_stm32_signed_digest(out, &info, h);
	if (!ret)
		ret = ssp_ecdsa_sign(priv, h, out + SSP_STM32_OFF_SIG);
	if (!ret)
		return 0;
fail:
	memset(out, 0, out_len);
	return ret;
}
