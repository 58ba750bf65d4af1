// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim: the ROM's authentication depends on the chip's state (spec §7.2).
 * Open chip: an image whose signature fails still starts. Closed chip:
 * authentication is mandatory and the image key must match the OTP key hash
 * (MP15: SHA-256(X||Y) of the header key in words 24-31, big-endian per word;
 * MP13: the PKHTH of the image's key table, the signing key being the table's
 * entry at its index). A refused image gives dfuERROR/errVERIFY (INFERRED).
 */
#include "kselftest_harness.h"

#include "test_sim_helpers.h"

/* Close the chip with this OTP key hash, as stage C would. */
static void close_with(struct tsim *t, const uint8_t hash[SSP_HASH_LEN])
{
	const struct ssp_otp_map *m = ssp_otp_map(t->chip.series);

	for (unsigned int i = 0; i < SSP_OTP_PKH_WORDS; i++)
		sim_otp_program(&t->chip.otp, m->pkh + i, ssp_get_be32(hash + 4 * i));
	sim_otp_program(&t->chip.otp, m->cfg0, t->chip.series == SSP_SERIES_MP13 ?
			SSP_MP13_CFG0_CLOSED : m->closed_mask);
}

/* The OTP hash for the test firmware's key (MP13: the table of the signing key alone). */
static void own_hash(struct tsim *t, uint8_t hash[SSP_HASH_LEN])
{
	if (t->chip.series == SSP_SERIES_MP13)
		ssp_pkhth_from_keys(&t->oem_pub, 1, hash);
	else
		ssp_sha256(t->oem_pub, SSP_PUB_LEN, hash);
}

/* Load the image and start it; 0 if it started, else the DFU status the ROM reported. */
static int start(struct tsim *t)
{
	int det = 0, att = 0, ret;

	ret = tsim_download(t, tsim_fsbl_alt(t), t->fw, t->fw_len);
	if (ret)
		return -1000 + ret;
	if (tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0))
		return -2000;
	if (t->r.data[4] == DFU_ERROR)
		return t->r.data[0];
	if (t->chip.series == SSP_SERIES_MP13) {
		tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);
		tsim_ctl(t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0);
	}
	tsim_settle(t, &det, &att);
	return t->chip.stage == SIM_STAGE_TFA ? 0 : -3000;
}

/* A signature byte flipped: v1 signature @4, v2 signature @4 too (§A.1, §A.3). */
static void break_signature(struct tsim *t)
{
	t->fw[10] ^= 1;
}

/* What the OTP says when the image is started. */
enum auth_otp {
	OTP_OPEN,		/* not closed: authentication is optional */
	OTP_CLOSED_OWN,		/* closed with the test firmware's key hash */
	OTP_CLOSED_OTHER,	/* closed by another OEM (one hash bit differs) */
};

/*
 * One case per line: the chip, its OTP, the image, what the ROM does
 * (0: starts it, else the DFU status it refuses it with).
 */
FIXTURE(auth) {
	struct tsim t;
};

FIXTURE_VARIANT(auth) {
	enum ssp_series series;
	enum auth_otp otp;
	bool bad_signature;
	int want;
};

FIXTURE_VARIANT_ADD(auth, mp15_open_chip_starts_an_image_whose_signature_fails) {
	.series = SSP_SERIES_MP15, .otp = OTP_OPEN, .bad_signature = true, .want = 0,
};

FIXTURE_VARIANT_ADD(auth, mp13_open_chip_starts_an_image_whose_signature_fails) {
	.series = SSP_SERIES_MP13, .otp = OTP_OPEN, .bad_signature = true, .want = 0,
};

FIXTURE_VARIANT_ADD(auth, mp15_closed_chip_starts_an_image_of_its_key) {
	.series = SSP_SERIES_MP15, .otp = OTP_CLOSED_OWN, .want = 0,
};

FIXTURE_VARIANT_ADD(auth, mp13_closed_chip_starts_an_image_of_its_key_table) {
	.series = SSP_SERIES_MP13, .otp = OTP_CLOSED_OWN, .want = 0,
};

FIXTURE_VARIANT_ADD(auth, mp15_closed_chip_refuses_another_key) {
	.series = SSP_SERIES_MP15, .otp = OTP_CLOSED_OTHER, .want = DFU_ERR_VERIFY,
};

FIXTURE_VARIANT_ADD(auth, mp13_closed_chip_refuses_another_key_table) {
	.series = SSP_SERIES_MP13, .otp = OTP_CLOSED_OTHER, .want = DFU_ERR_VERIFY,
};

FIXTURE_VARIANT_ADD(auth, mp15_closed_chip_refuses_a_bad_signature) {
	.series = SSP_SERIES_MP15, .otp = OTP_CLOSED_OWN, .bad_signature = true,
	.want = DFU_ERR_VERIFY,
};

FIXTURE_VARIANT_ADD(auth, mp13_closed_chip_refuses_a_bad_signature) {
	.series = SSP_SERIES_MP13, .otp = OTP_CLOSED_OWN, .bad_signature = true,
	.want = DFU_ERR_VERIFY,
};

FIXTURE_SETUP(auth)
{
	ASSERT_EQ(0, tsim_setup(&self->t, variant->series, NULL));
}

FIXTURE_TEARDOWN(auth)
{
	tsim_teardown(&self->t);
}

TEST_F(auth, the_rom_decides)
{
	struct tsim *t = &self->t;
	uint8_t h[SSP_HASH_LEN];

	if (variant->otp != OTP_OPEN) {
		own_hash(t, h);
		if (variant->otp == OTP_CLOSED_OTHER)
			h[0] ^= 0x80;
		close_with(t, h);
	}
	if (variant->bad_signature)
		break_signature(t);
	EXPECT_EQ(variant->want, start(t));
	if (variant->want) {
		EXPECT_EQ(SIM_STAGE_ROM, t->chip.stage);
		EXPECT_FALSE(t->chip.booting);
		/* CLRSTATUS: still the ROM, still refusing. */
		ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
		EXPECT_EQ(variant->want, start(t));
	} else if (variant->otp == OTP_OPEN && variant->series == SSP_SERIES_MP15) {
		/* TF-A SSP runs: stage A answers "Provisioning". */
		uint8_t b[512];
		size_t n = 0;

		ASSERT_EQ(0, tsim_getphase(t, b, &n));
		EXPECT_EQ(0xFF, b[0]);
	}
	/* A closed chip's TF-A SSP stays silent once started (§7.3). */
}

/* MP13: a table that hashes to the OTP PKHTH, but the signing key is not at its index. */
TEST(mp13_closed_chip_refuses_a_signing_key_not_in_the_table_at_its_index)
{
	uint8_t other_priv[SSP_PRIV_LEN], keys[2][SSP_PUB_LEN], h[SSP_HASH_LEN];
	struct ssp_stm32_params p = { .header_version = SSP_STM32_HV_2_0,
				      .load_address = SIM_FW_LOAD_MP13, .image_version = 5 };
	struct ssp_stm32_info info;
	uint8_t payload[256] = { 0 };
	struct tsim t;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, NULL));
	ASSERT_EQ(0, ssp_ec_key_from_seed("test oem", "other", 1, other_priv, keys[1]));
	memcpy(keys[0], t.oem_pub, SSP_PUB_LEN);
	ssp_pkhth_from_keys((const uint8_t (*)[SSP_PUB_LEN])keys, 2, h);
	close_with(&t, h);
	/* Signed by key 0 with the 2-key table: accepted. */
	p.table = (const uint8_t (*)[SSP_PUB_LEN])keys;
	p.table_len = 2;
	free(t.fw);
	t.fw_len = SSP_STM32_V2_HDR_SIZE + sizeof(payload);
	t.fw = calloc(1, t.fw_len);
	ASSERT_NE(NULL, t.fw);
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, sizeof(payload), t.oem_priv, t.fw, t.fw_len));
	EXPECT_EQ(0, start(&t));
	/* The same image with pk_idx pointing at key 1: the table still hashes right. */
	sim_chip_power_on(&t.chip, t.now);
	ASSERT_EQ(0, ssp_stm32_image_parse(t.fw, t.fw_len, &info));
	ASSERT_EQ(0, info.auth.pk_idx);
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, sizeof(payload), other_priv, t.fw, t.fw_len));
	ASSERT_EQ(0, ssp_stm32_image_parse(t.fw, t.fw_len, &info));
	ASSERT_EQ(1, info.auth.pk_idx);
	EXPECT_EQ(0, start(&t));	/* key 1 is in the table at index 1: fine */
	sim_chip_power_on(&t.chip, t.now);
	/*
	 * Now claim index 0 for key 1's signature, signed again so the signature
	 * itself verifies: the signing key is not the table's entry at its index.
	 */
	{
		uint8_t *ext = t.fw + SSP_STM32_V2_BASE_SIZE + SSP_STM32_EXT_TLV_LEN;
		uint8_t d[SSP_HASH_LEN];

		ASSERT_EQ(1, ssp_get_le32(ext));
		ssp_put_le32(ext, 0);
		ASSERT_EQ(0, ssp_stm32_image_parse(t.fw, t.fw_len, &info));
		ASSERT_EQ(0, ssp_stm32_signed_digest(t.fw, &info, d));
		ASSERT_EQ(0, ssp_ecdsa_sign(other_priv, d, t.fw + 4));
		ASSERT_EQ(0, ssp_stm32_image_parse(t.fw, t.fw_len, &info));
		ASSERT_EQ(0, ssp_stm32_image_verify(t.fw, &info));
		ASSERT_EQ(-EBADMSG, ssp_stm32_image_pkhth(&info, h));
	}
	EXPECT_EQ(DFU_ERR_VERIFY, start(&t));
	tsim_teardown(&t);
}

TEST_HARNESS_MAIN
