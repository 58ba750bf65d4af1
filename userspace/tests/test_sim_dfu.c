// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim: descriptors, the DFU state machine quirks of spec §2.1, the ROM
 * image checks and GetPhase, OTP persistence and fault-option parsing,
 * driven on the chip model without USB.
 */
#include "kselftest_harness.h"

#include "test_sim_helpers.h"

FIXTURE(mp15) {
	struct tsim t;
};

FIXTURE_SETUP(mp15)
{
	ASSERT_EQ(0, tsim_setup(&self->t, SSP_SERIES_MP15, NULL));
}

FIXTURE_TEARDOWN(mp15)
{
	tsim_teardown(&self->t);
}

static void string_of(const struct sim_reply *r, char *out, size_t max)
{
	size_t n = r->len < 2 ? 0 : (r->len - 2) / 2;

	for (size_t i = 0; i < n && i + 1 < max; i++)
		out[i] = (char)r->data[2 + 2 * i];
	out[n < max ? n : max - 1] = 0;
}

TEST_F(mp15, device_and_config_descriptors_match_tfa)
{
	struct tsim *t = &self->t;

	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0100, 64, NULL, 0));
	ASSERT_EQ(18, t->r.len);
	EXPECT_EQ(0x83, t->r.data[8]);
	EXPECT_EQ(0x04, t->r.data[9]);
	EXPECT_EQ(0x11, t->r.data[10]);
	EXPECT_EQ(0xDF, t->r.data[11]);
	EXPECT_EQ(0x02, t->r.data[13]);	/* bcdDevice 2.00 */
	EXPECT_EQ(64, t->r.data[7]);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0200, 255, NULL, 0));
	ASSERT_EQ(72, t->r.len);	/* 9 x (6 + 2) */
	EXPECT_EQ(72, t->r.data[2]);
	EXPECT_EQ(2, t->r.data[6]);	/* iConfiguration = product string */
	for (int alt = 0; alt < 6; alt++) {
		const uint8_t *i = t->r.data + 9 + 9 * alt;

		EXPECT_EQ(alt, i[3]);
		EXPECT_EQ(0xFE, i[5]);
		EXPECT_EQ(0x01, i[6]);
		EXPECT_EQ(0x02, i[7]);
		EXPECT_EQ(6 + alt, i[8]);
	}
	/* DFU functional: 0x0F, 255 ms, 1024, 1.1 */
	EXPECT_EQ(9, t->r.data[63]);
	EXPECT_EQ(0x21, t->r.data[64]);
	EXPECT_EQ(0x0F, t->r.data[65]);
	EXPECT_EQ(255, t->r.data[66]);
	EXPECT_EQ(0x00, t->r.data[68]);
	EXPECT_EQ(0x04, t->r.data[69]);
	EXPECT_EQ(0x10, t->r.data[70]);
	EXPECT_EQ(0x01, t->r.data[71]);
	/* Short read is clipped to wLength. */
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0200, 9, NULL, 0));
	EXPECT_EQ(9, t->r.len);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0600, 10, NULL, 0));
	EXPECT_EQ(10, t->r.len);
	EXPECT_EQ(6, t->r.data[1]);
	/* Other-speed configuration: HS only. */
	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_IN_STD, 6, 0x0700, 255, NULL, 0));
}

TEST_F(mp15, strings_per_stage_and_serial_from_uid)
{
	struct tsim *t = &self->t;
	char s[128], want[32];

	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0302, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	EXPECT_STREQ("DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000", s);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0303, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	snprintf(want, sizeof(want), "%08X%08X%08X", t->chip.otp.word[13], t->chip.otp.word[14],
		 t->chip.otp.word[15]);
	EXPECT_STREQ(want, s);
	EXPECT_EQ(24, strlen(s));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0301, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	EXPECT_STREQ("STMicroelectronics", s);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x030B, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	EXPECT_STREQ("@virtual /0xF1/1*512Ba", s);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0307, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	EXPECT_STREQ("@FSBL /0x01/1*1Me", s);
	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_IN_STD, 6, 0x030C, 255, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0300, 255, NULL, 0));
	EXPECT_EQ(4, t->r.len);
	EXPECT_EQ(0x09, t->r.data[2]);
	EXPECT_EQ(0x04, t->r.data[3]);
}

TEST_F(mp15, rom_getphase_is_fsbl_at_load_address)
{
	struct tsim *t = &self->t;
	uint8_t b[512];
	size_t n;

	ASSERT_EQ(0, tsim_getphase(t, b, &n));
	ASSERT_EQ(9, n);
	EXPECT_EQ(0x01, b[0]);
	EXPECT_EQ(SIM_FW_LOAD_MP15, ssp_get_le32(b + 1));
	EXPECT_EQ(0, ssp_get_le32(b + 5));
	EXPECT_EQ(DFU_IDLE, t->chip.dfu.state);	/* short frame */
}

TEST_F(mp15, clrstatus_outside_error_goes_to_error_unknown)
{
	struct tsim *t = &self->t;

	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_UNKNOWN, t->r.data[0]);
	EXPECT_EQ(DFU_ERROR, t->r.data[4]);
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATE, 0, 1, NULL, 0));
	EXPECT_EQ(DFU_IDLE, t->r.data[0]);
}

TEST_F(mp15, upload_of_exact_size_leaves_upload_idle_and_dnload_stalls_until_abort)
{
	struct tsim *t = &self->t;
	uint8_t blk[16] = { 0 };

	ASSERT_EQ(0, tsim_ctl(t, 0x01, 0x0B, 5, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 9, NULL, 0));
	EXPECT_EQ(9, t->r.len);
	EXPECT_EQ(DFU_UPLOAD_IDLE, t->chip.dfu.state);
	ASSERT_EQ(0, tsim_ctl(t, 0x01, 0x0B, 1, 0, NULL, 0));
	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, sizeof(blk), blk, sizeof(blk)));
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_ABORT, 0, 0, NULL, 0));
	EXPECT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, sizeof(blk), blk, sizeof(blk)));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_DNLOAD_SYNC, t->r.data[4]);	/* reported before advancing */
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_DNLOAD_IDLE, t->r.data[4]);
}

TEST_F(mp15, upload_shorter_than_a_packet_reply_is_babble)
{
	struct tsim *t = &self->t;

	ASSERT_EQ(0, tsim_ctl(t, 0x01, 0x0B, 5, 0, NULL, 0));
	EXPECT_EQ(-EOVERFLOW, tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 5, NULL, 0));
	/* wLength 0: no data stage, back to dfuIDLE */
	EXPECT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 0, NULL, 0));
	EXPECT_EQ(DFU_IDLE, t->chip.dfu.state);
}

TEST_F(mp15, zero_length_dnload_in_idle_and_unknown_request_stall)
{
	struct tsim *t = &self->t;

	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, 0, NULL, 0));
	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_OUT_CLASS, 7, 0, 0, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(t, 0x01, 0x0B, 0, 0, NULL, 0));
	/* ROM: DNLOAD on a non-FSBL alternate stalls */
	EXPECT_EQ(-EPIPE, tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, 4, "abcd", 4));
}

/* Spec §7.2: on an open chip a failed authentication does not stop the FSBL. */
TEST_F(mp15, bad_signature_on_an_open_chip_still_starts)
{
	struct tsim *t = &self->t;

	t->fw[10] ^= 1;		/* inside the signature */
	ASSERT_EQ(0, tsim_download(t, 1, t->fw, t->fw_len));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_OK, t->r.data[0]);
	EXPECT_EQ(DFU_MANIFEST, t->r.data[4]);
	tsim_settle(t, NULL, NULL);
	EXPECT_EQ(SIM_STAGE_TFA, t->chip.stage);
}

TEST_F(mp15, bad_header_is_refused_with_errfirmware)
{
	struct tsim *t = &self->t;

	t->fw[300] ^= 1;	/* payload: checksum mismatch */
	ASSERT_EQ(0, tsim_download(t, 1, t->fw, t->fw_len));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_ERR_FIRMWARE, t->r.data[0]);
	/* CLRSTATUS recovers, and a good image then starts */
	ASSERT_EQ(0, tsim_ctl(t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
	t->fw[300] ^= 1;
	ASSERT_EQ(0, tsim_start_fw(t, t->fw, t->fw_len));
	EXPECT_EQ(SIM_STAGE_TFA, t->chip.stage);
}

TEST_F(mp15, start_reports_manifest_then_io_errors_then_tfa_strings)
{
	struct tsim *t = &self->t;
	char s[128];

	ASSERT_EQ(0, tsim_download(t, 1, t->fw, t->fw_len));
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(DFU_MANIFEST, t->r.data[4]);
	EXPECT_EQ(1, t->r.data[1]);	/* bwPollTimeout 1 ms */
	EXPECT_EQ(-EPROTO, tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0));
	EXPECT_EQ(-EPROTO, tsim_ctl(t, RT_IN_STD, 6, 0x0302, 255, NULL, 0));
	tsim_settle(t, NULL, NULL);
	ASSERT_EQ(0, tsim_ctl(t, RT_IN_STD, 6, 0x0302, 255, NULL, 0));
	string_of(&t->r, s, sizeof(s));
	EXPECT_STREQ("DFU @Device ID /0x500, @Revision ID /0x0000, @Name /STM32MP157FAA Rev.B,", s);
	EXPECT_TRUE(t->chip.on_bus);	/* same device: no re-enumeration */
}

TEST(otp_image_round_trips_and_locks_refuse_programming)
{
	char dir[] = "/tmp/ssp-test-otp-XXXXXX", path[PATH_MAX];
	struct sim_otp a, b;

	ASSERT_NE(NULL, mkdtemp(dir));
	memset(&a, 0, sizeof(a));
	snprintf(a.path, sizeof(a.path), "%s/otp.bin", dir);
	snprintf(path, sizeof(path), "%s", a.path);
	ASSERT_EQ(0, sim_otp_program(&a, 60, 0x12340000));
	ASSERT_EQ(0, sim_otp_program(&a, 60, 0x00005678));
	EXPECT_EQ(0x12345678, a.word[60]);
	ASSERT_EQ(0, sim_otp_lock(&a, 60));
	EXPECT_EQ(-EPERM, sim_otp_program(&a, 60, 1));
	memset(&b, 0, sizeof(b));
	ASSERT_EQ(0, sim_otp_load(&b, path));
	EXPECT_EQ(0x12345678, b.word[60]);
	EXPECT_TRUE(sim_otp_locked(&b, 60));
	EXPECT_FALSE(sim_otp_locked(&b, 59));
	unlink(path);
	rmdir(dir);
}

/* A stage-C burst: nothing reaches otp.bin until sim_otp_flush(), then all of it at once. */
TEST(otp_burst_is_saved_once_by_flush)
{
	char dir[] = "/tmp/ssp-test-otp-XXXXXX", path[PATH_MAX];
	struct sim_otp a, b;

	ASSERT_NE(NULL, mkdtemp(dir));
	memset(&a, 0, sizeof(a));
	snprintf(a.path, sizeof(a.path), "%s/otp.bin", dir);
	snprintf(path, sizeof(path), "%s", a.path);
	ASSERT_EQ(0, sim_otp_program(&a, 57, 0x1));	/* before the burst: saved at once */
	a.defer = true;
	ASSERT_EQ(0, sim_otp_program(&a, 60, 0x12345678));
	ASSERT_EQ(0, sim_otp_lock(&a, 60));
	EXPECT_EQ(-EPERM, sim_otp_program(&a, 60, 1));	/* locks hold inside the burst */
	memset(&b, 0, sizeof(b));
	ASSERT_EQ(0, sim_otp_load(&b, path));
	EXPECT_EQ(0x1, b.word[57]);
	EXPECT_EQ(0, b.word[60]);
	EXPECT_FALSE(sim_otp_locked(&b, 60));
	ASSERT_EQ(0, sim_otp_flush(&a));
	EXPECT_FALSE(a.defer);
	memset(&b, 0, sizeof(b));
	ASSERT_EQ(0, sim_otp_load(&b, path));
	EXPECT_EQ(0x12345678, b.word[60]);
	EXPECT_TRUE(sim_otp_locked(&b, 60));
	ASSERT_EQ(0, sim_otp_program(&a, 61, 0x2));	/* after it: saved at once again */
	memset(&b, 0, sizeof(b));
	ASSERT_EQ(0, sim_otp_load(&b, path));
	EXPECT_EQ(0x2, b.word[61]);
	unlink(path);
	rmdir(dir);
}

TEST(fault_specs_parse_and_reject)
{
	struct sim_fault f;
	char err[256];

	ASSERT_EQ(0, sim_fault_parse("all:stall:cert", &f, err, sizeof(err)));
	EXPECT_EQ(-1, f.chip);
	EXPECT_EQ(SIM_FAULT_STALL, f.kind);
	EXPECT_EQ(SIM_STEP_CERT, f.step);
	EXPECT_EQ(1, f.count);
	ASSERT_EQ(0, sim_fault_parse("2:bad-reply:phase:0", &f, err, sizeof(err)));
	EXPECT_EQ(2, f.chip);
	EXPECT_EQ(0, f.count);
	ASSERT_EQ(0, sim_fault_parse("0:disconnect-after-blocks:3", &f, err, sizeof(err)));
	EXPECT_EQ(3, f.arg);
	ASSERT_EQ(0, sim_fault_parse("1:slow:250", &f, err, sizeof(err)));
	EXPECT_EQ(250, f.arg);
	ASSERT_EQ(0, sim_fault_parse("0:bad-cert", &f, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:stall", &f, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "needs a step"));
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:stall:nowhere", &f, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sim_fault_parse("x:hang:load", &f, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:melt", &f, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:bad-cert:1", &f, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:disconnect-after-blocks:0", &f, err, sizeof(err)));
}

TEST(chip_reloads_with_same_serial_key_and_otp)
{
	char dir[] = "/tmp/ssp-test-store-XXXXXX", err[512], serials[4][SIM_SERIAL_LEN + 1], cmd[64];
	struct sim_store st;
	struct sim_chip a, b;
	enum ssp_series s[4];

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, sim_store_open(&st, dir, err, sizeof(err)));
	ASSERT_EQ(0, sim_chip_create(&a, &st, SSP_SERIES_MP13, 0, err, sizeof(err)));
	ASSERT_EQ(1, sim_store_list(dir, serials, 4, s, NULL));
	EXPECT_STREQ(a.serial, serials[0]);
	EXPECT_EQ(SSP_SERIES_MP13, s[0]);
	ASSERT_EQ(0, sim_chip_load(&b, &st, serials[0], err, sizeof(err)));
	EXPECT_EQ(0, memcmp(a.chip_pub, b.chip_pub, SSP_PUB_LEN));
	EXPECT_EQ(0, memcmp(a.otp.word, b.otp.word, sizeof(a.otp.word)));
	EXPECT_EQ(SSP_MP13_CFG0_OPEN, b.otp.word[0]);
	EXPECT_EQ(0xA0200000, b.otp.word[2]);
	EXPECT_TRUE(sim_otp_locked(&b.otp, 40));
	sim_chip_free(&a);
	sim_chip_free(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT_EQ(0, system(cmd));
}

TEST(bad_descriptor_truncates_dfu_functional_and_garbles_virtual_name)
{
	static const char *faults[] = { "0:bad-descriptor", NULL };
	struct tsim t;
	char s[64];

	ASSERT_EQ(0, tsim_setup(&t, SSP_SERIES_MP13, faults));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_STD, 6, 0x0200, 255, NULL, 0));
	EXPECT_EQ(9 * 3 + 7, t.r.len);
	EXPECT_EQ(7, t.r.data[27]);
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_STD, 6, 0x0307, 255, NULL, 0));
	string_of(&t.r, s, sizeof(s));
	EXPECT_EQ(NULL, strstr(s, "/0xF1"));
	tsim_teardown(&t);
}

TEST_HARNESS_MAIN
