// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim: the SSP stages A/B/C on MP15 and MP13 chip models, end to end
 * with real crypto (libssp), the OTP burnt in stage C with the quirks of
 * spec §4.4, and the failure paths (bad license, programmed word, closed
 * chip, image checks in stage C, faults).
 */
#include "kselftest_harness.h"

#include "test_sim_helpers.h"

struct flow {
	struct ssp_payload_plain plain;
	uint8_t cert[SSP_CERT_SIZE];
	uint8_t blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15];
	int detaches, attaches;
};

static void plain_init(struct tsim *t, struct ssp_payload_plain *p, size_t nsecrets)
{
	memset(p, 0, sizeof(*p));
	p->series = t->chip.series;
	memcpy(p->oem_pub, t->oem_pub, SSP_PUB_LEN);
	ssp_pkhth_from_keys(&t->oem_pub, 1, p->rpkth);
	p->rma_word = 0xFFFFFFFF;	/* masked to 29:0 on MP15 */
	p->secrets_len = nsecrets;
	for (size_t i = 0; i < nsecrets; i++)
		p->secrets[i] = (uint8_t)(0x11 + i);
	/* word 2 of the secrets (OTP 61) all zero: skipped, not locked */
	if (nsecrets >= 12)
		memset(p->secrets + 8, 0, 4);
}

/* Stage A: load, "Provisioning", DETACH, reset into the ROM. */
static int stage_a(struct __test_metadata *_metadata, struct tsim *t, struct flow *f)
{
	uint8_t b[512];
	size_t n = 0;

	ASSERT_EQ(0, tsim_start_fw(t, t->fw, t->fw_len));
	ASSERT_EQ(SIM_STAGE_TFA, t->chip.stage);
	ASSERT_EQ(0, tsim_getphase(t, b, &n));
	ASSERT_EQ(21, n);
	EXPECT_EQ(0xFF, b[0]);
	EXPECT_EQ(0xFFFFFFFF, ssp_get_le32(b + 1));
	EXPECT_EQ(0, ssp_get_le32(b + 5));
	EXPECT_EQ(0, memcmp(b + 9, "Provisioning", 12));
	EXPECT_TRUE(t->chip.otp.word[ssp_otp_map(t->chip.series)->ssp_word] &
		    ssp_otp_map(t->chip.series)->ssp_req);
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0));
	tsim_settle(t, &f->detaches, &f->attaches);
	EXPECT_EQ(SIM_STAGE_ROM, t->chip.stage);
	EXPECT_EQ(0x4B425550, t->chip.ctx.ssp_cmd);	/* PUBK */
	return 0;
}

/* Stage B: certificate out, license+payload in, detach request, DETACH. */
static int stage_b(struct __test_metadata *_metadata, struct tsim *t, struct flow *f,
		   uint32_t fsbl_min)
{
	bool mp15 = t->chip.series == SSP_SERIES_MP15;
	size_t blen = SSP_LIC_SIZE + ssp_payload_size(t->chip.series), n = 0;
	struct ssp_cert_info ci;
	uint8_t b[512];
	char pid[9];

	ASSERT_EQ(0, tsim_start_fw(t, t->fw, t->fw_len));
	ASSERT_EQ(SIM_STAGE_TFA, t->chip.stage);
	ASSERT_EQ(0, tsim_getphase(t, b, &n));
	ASSERT_EQ(9, n);
	EXPECT_EQ(mp15 ? 0x00 : 0xF3, b[0]);
	EXPECT_NE(0, ssp_get_le32(b + 1));
	/* certificate: upload on the SSP alternate (alt 0) with wLength 512 */
	ASSERT_EQ(0, tsim_ctl(t, 0x01, 0x0B, 0, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0));
	ASSERT_EQ(145, t->r.len);
	EXPECT_EQ(mp15 ? 0x00 : 0xF3, t->r.data[0]);
	memcpy(f->cert, t->r.data + 9, SSP_CERT_SIZE);
	ASSERT_EQ(0, ssp_cert_parse(f->cert, SSP_CERT_SIZE, &ci));
	ssp_cert_product_id(&ci, pid);
	EXPECT_STREQ(mp15 ? "5000200A" : "5010200A", pid);
	EXPECT_EQ(0, memcmp(ci.chip_pub, t->chip.chip_pub, SSP_PUB_LEN));
	EXPECT_EQ(0, ssp_cert_verify(t->store.st_pub, f->cert));
	ASSERT_EQ(0, tsim_blob(t, ci.chip_pub, &f->plain, fsbl_min, f->blob));
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, (uint16_t)blen, f->blob, blen));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 1, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_MANIFEST, t->r.data[4]);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_IDLE, t->r.data[4]);
	ASSERT_EQ(0, tsim_getphase(t, b, &n));
	ASSERT_EQ(10, n);
	EXPECT_EQ(0x00, b[0]);
	EXPECT_EQ(0xFFFFFFFF, ssp_get_le32(b + 1));
	EXPECT_EQ(0x01, b[9]);
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0));
	tsim_settle(t, &f->detaches, &f->attaches);
	EXPECT_EQ(SIM_STAGE_ROM, t->chip.stage);
	EXPECT_EQ(0x564F5250, t->chip.ctx.ssp_cmd);	/* PROV */
	return 0;
}

static void check_provisioned(struct __test_metadata *_metadata, struct tsim *t, struct flow *f)
{
	const struct ssp_otp_map *m = ssp_otp_map(t->chip.series);
	const uint32_t *w = t->chip.otp.word;
	uint8_t hash[SSP_HASH_LEN];
	size_t size = 4 + f->plain.secrets_len, nw = (f->plain.secrets_len + 3) / 4;

	if (t->chip.series == SSP_SERIES_MP15) {
		ASSERT_EQ(0, ssp_sha256(t->oem_pub, SSP_PUB_LEN, hash));
	} else {
		memcpy(hash, f->plain.rpkth, SSP_HASH_LEN);
	}
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(ssp_get_be32(hash + 4 * i), w[24 + i]);
		EXPECT_TRUE(sim_otp_locked(&t->chip.otp, 24 + i));
	}
	EXPECT_TRUE(sim_chip_closed(&t->chip));
	EXPECT_EQ(0xFFFFFFFF & m->rma_mask, w[56]);
	EXPECT_TRUE(sim_otp_locked(&t->chip.otp, 56));
	for (size_t i = 0; i < nw; i++) {
		uint32_t v = ssp_get_le32(f->plain.secrets + 4 * i);

		if (i == nw - 1 && size % 4)
			v &= (1u << ((size % 4) * 4)) - 1;	/* 4 bits per byte */
		EXPECT_EQ(v, w[59 + i]);
		EXPECT_EQ(v != 0, sim_otp_locked(&t->chip.otp, 59 + i));
	}
	if (59 + nw < SSP_OTP_WORDS)
		EXPECT_EQ(0, w[59 + nw]);
	EXPECT_TRUE(w[m->ssp_word] & m->ssp_success);
	EXPECT_EQ(0, t->chip.ctx.ssp_cmd);
}

static void full_flow(struct __test_metadata *_metadata, enum ssp_series series, size_t nsecrets)
{
	struct tsim t;
	struct flow f;
	uint8_t b[512];
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, series, NULL));
	plain_init(&t, &f.plain, nsecrets);
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 5);
	/* Stage C: third load; TF-A burns with no USB, then the chip resets into the ROM. */
	f.detaches = f.attaches = 0;
	ASSERT_EQ(0, tsim_start_fw_n(&t, t.fw, t.fw_len, &f.detaches, &f.attaches));
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	EXPECT_TRUE(t.chip.on_bus);
	EXPECT_EQ(1, f.attaches);
	EXPECT_EQ(1, f.detaches);
	check_provisioned(_metadata, &t, &f);
	/*
	 * A closed chip (spec §7.3): the ROM takes the image, TF-A SSP panics
	 * before USB starts. MP15: still on the bus, no request is ever answered
	 * (not even a descriptor); MP13: no re-enumeration after the DETACH.
	 */
	f.detaches = f.attaches = 0;
	ASSERT_EQ(0, tsim_start_fw_n(&t, t.fw, t.fw_len, &f.detaches, &f.attaches));
	EXPECT_EQ(SIM_STAGE_TFA, t.chip.stage);
	EXPECT_EQ(0, f.attaches);
	EXPECT_EQ(UINT64_MAX, sim_chip_next_event(&t.chip));	/* no reset, ever */
	if (series == SSP_SERIES_MP15) {
		EXPECT_TRUE(t.chip.on_bus);
		EXPECT_EQ(0, f.detaches);
	} else {
		EXPECT_FALSE(t.chip.on_bus);
		EXPECT_EQ(1, f.detaches);
	}
	EXPECT_EQ(SIM_NO_REPLY, tsim_getphase(&t, b, &n));
	EXPECT_EQ(SIM_NO_REPLY, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(SIM_NO_REPLY, tsim_ctl(&t, 0x80, 0x06, 0x0302, 255, NULL, 0));
	/* A power cycle brings the ROM back. */
	sim_chip_power_on(&t.chip, t.now);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	EXPECT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	tsim_teardown(&t);
}

TEST(mp15_full_ssp_burns_pkh_closes_rma_secrets_success)
{
	full_flow(_metadata, SSP_SERIES_MP15, 148);
}

TEST(mp15_partial_last_word_masked_4_bits_per_byte)
{
	full_flow(_metadata, SSP_SERIES_MP15, 14);	/* size 18: last word keeps 8 bits */
}

TEST(mp13_full_ssp_with_detach_starts_and_rpkth)
{
	full_flow(_metadata, SSP_SERIES_MP13, 37);
}

TEST(mp13_start_is_detach_and_reenumeration)
{
	struct tsim t;
	int det = 0, att = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, NULL));
	ASSERT_EQ(0, tsim_download(&t, 0, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_MANIFEST, t.r.data[4]);
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_IDLE, t.r.data[4]);	/* manifestation tolerant: still the ROM */
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0));
	tsim_settle(&t, &det, &att);
	EXPECT_EQ(1, det);
	EXPECT_EQ(1, att);
	EXPECT_EQ(SIM_STAGE_TFA, t.chip.stage);
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_STD, 6, 0x0306, 255, NULL, 0));
	EXPECT_EQ('S', t.r.data[4]);	/* "@SSP /0xF3/1*512Ba" */
	tsim_teardown(&t);
}

TEST(bad_license_makes_rom_clear_ssp_cmd_and_nothing_is_burnt)
{
	struct tsim t;
	struct flow f;
	uint8_t b[512];
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	plain_init(&t, &f.plain, 20);
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 0);
	t.chip.ctx.blob[SSP_LIC_OFF_TAG] ^= 1;	/* license tag no longer verifies */
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	EXPECT_EQ(0, t.chip.ctx.ssp_cmd);
	/* TF-A sees ssp_cmd 0 with SSP_REQ set: stage A again, nothing burnt. */
	EXPECT_EQ(SIM_STAGE_TFA, t.chip.stage);
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(0, memcmp(b + 9, "Provisioning", 12));
	EXPECT_EQ(0, t.chip.otp.word[24]);
	EXPECT_FALSE(sim_chip_closed(&t.chip));
	EXPECT_FALSE(t.chip.otp.word[8] & (1u << 9));
	tsim_teardown(&t);
}

TEST(programmed_secret_word_fails_check_before_anything_is_burnt)
{
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	plain_init(&t, &f.plain, 40);
	ASSERT_EQ(0, sim_otp_program(&t.chip.otp, 62, 0x1));
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 0);
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	tsim_settle(&t, NULL, NULL);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	EXPECT_EQ(0, t.chip.otp.word[24]);
	EXPECT_EQ(0, t.chip.otp.word[56]);
	EXPECT_FALSE(sim_chip_closed(&t.chip));
	EXPECT_FALSE(t.chip.otp.word[8] & (1u << 9));
	EXPECT_EQ(0, t.chip.ctx.ssp_cmd);
	tsim_teardown(&t);
}

TEST(stage_c_image_key_must_match_payload_oem_key_on_mp15)
{
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	plain_init(&t, &f.plain, 8);
	f.plain.oem_pub[5] ^= 1;	/* payload names another OEM key */
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 0);
	ASSERT_EQ(0, tsim_download(&t, 1, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_VERIFY, t.r.data[0]);
	EXPECT_EQ(DFU_ERROR, t.r.data[4]);
	EXPECT_EQ(0x564F5250, t.chip.ctx.ssp_cmd);	/* still PROV: a retry can succeed */
	tsim_teardown(&t);
}

TEST(stage_c_image_key_table_must_hash_to_payload_rpkth_on_mp13)
{
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, NULL));
	plain_init(&t, &f.plain, 8);
	f.plain.rpkth[5] ^= 1;		/* payload made for another key table */
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 0);
	ASSERT_EQ(0, tsim_download(&t, 0, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_VERIFY, t.r.data[0]);
	EXPECT_EQ(0x564F5250, t.chip.ctx.ssp_cmd);	/* still PROV */
	tsim_teardown(&t);
}

/* Each ROM takes only the header version it knows: MP15 v1.0, MP13 v2.0. */
static void other_header_is_refused(struct __test_metadata *_metadata, enum ssp_series series)
{
	struct ssp_stm32_params p = { 0 };
	uint8_t payload[3000] = { 0 };
	struct tsim t;
	uint8_t *img;
	size_t len;

	ASSERT_EQ(0, tsim_setup(&t, series, NULL));
	p.header_version = series == SSP_SERIES_MP13 ? SSP_STM32_HV_1_0 : SSP_STM32_HV_2_0;
	p.load_address = series == SSP_SERIES_MP13 ? SIM_FW_LOAD_MP13 : SIM_FW_LOAD_MP15;
	len = ssp_stm32_header_size(p.header_version) + sizeof(payload);
	img = malloc(len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, ssp_stm32_image_build(&p, payload, sizeof(payload), t.oem_priv, img, len));
	ASSERT_EQ(0, tsim_download(&t, series == SSP_SERIES_MP13 ? 0 : 1, img, len));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_FIRMWARE, t.r.data[0]);
	EXPECT_FALSE(t.chip.img_ready);
	free(img);
	tsim_teardown(&t);
}

TEST(mp13_rom_refuses_a_header_v1_image)
{
	other_header_is_refused(_metadata, SSP_SERIES_MP13);
}

TEST(mp15_rom_refuses_a_header_v2_image)
{
	other_header_is_refused(_metadata, SSP_SERIES_MP15);
}

TEST(stage_c_image_older_than_fsbl_min_version_is_refused)
{
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, NULL));
	plain_init(&t, &f.plain, 8);
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 6);	/* image version is 5 */
	ASSERT_EQ(0, tsim_download(&t, 0, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_VERIFY, t.r.data[0]);
	tsim_teardown(&t);
}

TEST(success_without_close_gives_start_ssp_failed)
{
	struct tsim t;
	uint8_t b[512];
	size_t n = 0;
	int det = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	ASSERT_EQ(0, sim_otp_program(&t.chip.otp, 8, 1u << 9));
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(0xFF, b[0]);
	EXPECT_EQ(0, memcmp(b + 9, "Start SSP Failed (-22)", n - 9));
	EXPECT_FALSE(t.chip.otp.word[8] & (1u << 8));	/* SSP_REQ not burnt */
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0));
	tsim_settle(&t, &det, NULL);
	EXPECT_EQ(1, det);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	tsim_teardown(&t);
}

TEST(wrong_alternate_download_sets_phase_reset_message)
{
	struct tsim t;
	uint8_t b[512];
	size_t n = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	/* Stage A: the first message ("Provisioning") wins over a later error. */
	ASSERT_EQ(0, tsim_ctl(&t, 0x01, 0x0B, 3, 0, NULL, 0));
	EXPECT_EQ(-EPIPE, tsim_ctl(&t, RT_OUT_CLASS, DFU_DNLOAD, 0, 4, "abcd", 4));
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(0, memcmp(b + 9, "Provisioning", 12));
	tsim_teardown(&t);
}

TEST(fault_stall_at_phase_fires_once)
{
	static const char *faults[] = { "0:stall:phase", NULL };
	struct tsim t;
	uint8_t b[512];
	size_t n = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, faults));
	EXPECT_EQ(-EPIPE, tsim_getphase(&t, b, &n));
	EXPECT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(9, n);
	tsim_teardown(&t);
}

TEST(fault_hang_never_replies_again)
{
	static const char *faults[] = { "0:hang:load", NULL };
	struct tsim t;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, faults));
	EXPECT_EQ(SIM_NO_REPLY, tsim_download(&t, 1, t.fw, t.fw_len));
	EXPECT_EQ(SIM_NO_REPLY, tsim_ctl(&t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(UINT64_MAX, sim_chip_next_event(&t.chip));
	tsim_teardown(&t);
}

TEST(fault_bad_cert_breaks_st_signature)
{
	static const char *faults[] = { "0:bad-cert", NULL };
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, faults));
	stage_a(_metadata, &t, &f);
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, 0x01, 0x0B, 0, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0));
	ASSERT_EQ(145, t.r.len);
	EXPECT_EQ(-EBADMSG, ssp_cert_verify(t.store.st_pub, t.r.data + 9));
	tsim_teardown(&t);
}

TEST(fault_disconnect_after_blocks_power_cycles_into_rom)
{
	static const char *faults[] = { "0:disconnect-after-blocks:2", NULL };
	struct tsim t;
	int det = 0, att = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, faults));
	t.chip.ctx.ssp_cmd = 0x4B425550;
	EXPECT_NE(0, tsim_download(&t, 1, t.fw, t.fw_len));
	tsim_settle(&t, &det, &att);
	EXPECT_EQ(1, det);
	EXPECT_EQ(1, att);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	EXPECT_EQ(0, t.chip.ctx.ssp_cmd);	/* SYSRAM lost */
	EXPECT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));	/* one shot */
	tsim_teardown(&t);
}

TEST(fault_bad_reply_and_slow)
{
	static const char *faults[] = { "0:bad-reply:phase", "0:slow:40", NULL };
	struct tsim t;
	uint8_t b[512];
	size_t n = 0;

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, faults));
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(4, n);
	EXPECT_GE(t.r.delay_us, 40000);
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(9, n);
	tsim_teardown(&t);
}

TEST(fault_stall_in_stage_c_leaves_chip_closed_without_success)
{
	static const char *faults[] = { "0:stall:stage-c", NULL };
	struct tsim t;
	struct flow f;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, faults));
	plain_init(&t, &f.plain, 16);
	stage_a(_metadata, &t, &f);
	stage_b(_metadata, &t, &f, 0);
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	tsim_settle(&t, NULL, NULL);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	EXPECT_TRUE(sim_chip_closed(&t.chip));
	EXPECT_NE(0, t.chip.otp.word[24]);
	EXPECT_FALSE(t.chip.otp.word[8] & (1u << 9));
	tsim_teardown(&t);
}

TEST(blob_larger_than_buffer_stalls_without_message)
{
	static uint8_t big[400];
	struct tsim t;
	struct flow f;
	uint8_t b[512];
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP15, NULL));
	stage_a(_metadata, &t, &f);
	ASSERT_EQ(0, tsim_start_fw(&t, t.fw, t.fw_len));
	ASSERT_EQ(0, tsim_ctl(&t, 0x01, 0x0B, 0, 0, NULL, 0));
	EXPECT_EQ(-EPIPE, tsim_ctl(&t, RT_OUT_CLASS, DFU_DNLOAD, 0, sizeof(big), big, sizeof(big)));
	EXPECT_EQ(0, t.chip.ctx.blob_len);
	ASSERT_EQ(0, tsim_getphase(&t, b, &n));
	EXPECT_EQ(9, n);	/* no PHASE_RESET message: TF-A only returns -EIO */
	EXPECT_EQ(0x00, b[0]);
	EXPECT_EQ(0x2FFFF000 + sizeof(big), ssp_get_le32(b + 1));	/* advanced all the same */
	tsim_teardown(&t);
}

TEST_HARNESS_MAIN
