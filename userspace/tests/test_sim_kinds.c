// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim unit tests of the devices that are not an MP15/MP13 SSP chip (the
 * MP25 ROM, U-Boot's stm32prog gadget) and of the dfu-error fault.
 */
#include "kselftest_harness.h"

#include "test_sim_helpers.h"

static int kind_setup(struct tsim *t, enum sim_kind kind, const char *fault)
{
	char err[512];
	int ret;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/ssp-test-kind-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	ret = sim_store_open(&t->store, t->dir, err, sizeof(err));
	if (!ret)
		ret = sim_chip_create_kind(&t->chip, &t->store, kind, SSP_SERIES_MP15, 0, err, sizeof(err));
	if (!ret && fault) {
		ret = sim_fault_parse(fault, &t->chip.faults.f[0], err, sizeof(err));
		t->chip.faults.n = 1;
	}
	if (ret) {
		fprintf(stderr, "# %s\n", err);
		return ret;
	}
	t->chip.timing = sim_timing_get("fast");
	sim_chip_power_on(&t->chip, t->now);
	return 0;
}

/* String descriptor @index as ASCII. */
static int get_string(struct tsim *t, uint8_t index, char *out, size_t len)
{
	int ret = tsim_ctl(t, RT_IN_STD, 0x06, 0x0300 | index, 255, NULL, 0);
	size_t n, i;

	if (ret)
		return ret;
	n = (t->r.len - 2) / 2;
	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = (char)t->r.data[2 + 2 * i];
	out[i] = 0;
	return 0;
}

static int getstatus(struct tsim *t, uint8_t *status, uint8_t *state)
{
	int ret = tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);

	if (!ret) {
		*status = t->r.data[0];
		*state = t->r.data[4];
	}
	return ret;
}

static int upload_alt(struct tsim *t, unsigned int alt)
{
	int ret = tsim_ctl(t, RT_OUT_STD_IF, 0x0B, (uint16_t)alt, 0, NULL, 0);

	return ret ? ret : tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0);
}

TEST(mp25_rom_identifies_answers_getphase_and_stays_in_the_rom)
{
	static uint8_t img[5000];
	uint8_t status, state;
	struct tsim t;
	char s[128];

	ASSERT_EQ(0, kind_setup(&t, SIM_KIND_MP25, NULL));
	ASSERT_EQ(0, get_string(&t, 2, s, sizeof(s)));
	EXPECT_STREQ("DFU in HS Mode @Device ID /0x505, @Revision ID /0x2000", s);
	ASSERT_EQ(2u, sim_desc_nalts(&t.chip));
	EXPECT_STREQ("@FSBL /0x01/1*256Ke", sim_desc_alt_name(&t.chip, 0));
	EXPECT_STREQ("@virtual /0xF1/1*512Ba", sim_desc_alt_name(&t.chip, 1));
	ASSERT_EQ(0, get_string(&t, 7, s, sizeof(s)));
	EXPECT_STREQ("@virtual /0xF1/1*512Ba", s);
	/* Configuration: 9 x (2 + 2) bytes. */
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_STD, 0x06, 0x0200, 255, NULL, 0));
	EXPECT_EQ(36u, t.r.len);

	ASSERT_EQ(0, upload_alt(&t, 1));
	ASSERT_EQ(9u, t.r.len);
	EXPECT_EQ(0x01, t.r.data[0]);

	/* An image is taken and manifested, unverified; DETACH starts nothing. */
	ASSERT_EQ(0, tsim_download(&t, 0, img, sizeof(img)));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_MANIFEST, state);
	EXPECT_EQ(DFU_OK, status);
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_IDLE, state);
	EXPECT_EQ(5000u, t.chip.img_len);
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0));
	EXPECT_EQ(UINT64_MAX, sim_chip_next_event(&t.chip));
	EXPECT_TRUE(t.chip.on_bus);
	EXPECT_EQ(SIM_STAGE_ROM, t.chip.stage);
	/* Downloads elsewhere than the FSBL alternate stall. */
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_STD_IF, 0x0B, 1, 0, NULL, 0));
	EXPECT_EQ(-EPIPE, tsim_ctl(&t, RT_OUT_CLASS, DFU_DNLOAD, 0, 16, img, 16));
	tsim_teardown(&t);
}

TEST(uboot_gadget_is_generic_dfu_with_flashlayout_alternates)
{
	static uint8_t data[3000];
	uint8_t status, state;
	struct tsim t;
	char s[128];

	ASSERT_EQ(0, kind_setup(&t, SIM_KIND_UBOOT, NULL));
	ASSERT_EQ(0, get_string(&t, 2, s, sizeof(s)));
	EXPECT_STREQ("USB download gadget@Device ID /0x500, @Revision ID /0x2000, @Name /STM32MP157CAA Rev.B,", s);
	ASSERT_EQ(4u, sim_desc_nalts(&t.chip));
	EXPECT_STREQ("@fsbl1 /0x01/1*256Ke", sim_desc_alt_name(&t.chip, 0));
	EXPECT_STREQ("@virtual /0xF1/1*512Ba", sim_desc_alt_name(&t.chip, 3));
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_STD, 0x06, 0x0200, 255, NULL, 0));
	EXPECT_EQ(54u, t.r.len);

	/* GetPhase: 10 bytes, byte 9 = 0 (no flashlayout). */
	ASSERT_EQ(0, upload_alt(&t, 3));
	ASSERT_EQ(10u, t.r.len);
	EXPECT_EQ(0, t.r.data[9]);

	ASSERT_EQ(0, tsim_download(&t, 2, data, sizeof(data)));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_MANIFEST, state);
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_IDLE, state);
	EXPECT_EQ(DFU_OK, status);
	/* Uploads of a flashlayout partition are not modelled: stall, dfuERROR. */
	EXPECT_EQ(-EPIPE, upload_alt(&t, 0));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_ERROR, state);
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_IDLE, state);
	tsim_teardown(&t);
}

TEST(dfu_error_fault_stalls_and_leaves_dfu_error_until_clrstatus)
{
	uint8_t status, state;
	struct tsim t;

	ASSERT_EQ(0, kind_setup(&t, SIM_KIND_STM32MP, "0:dfu-error:phase"));
	EXPECT_EQ(-EPIPE, upload_alt(&t, 5));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_ERROR, state);
	EXPECT_EQ(DFU_ERR_STALLEDPKT, status);
	/* Nothing but CLRSTATUS leaves dfuERROR. */
	EXPECT_EQ(-EPIPE, tsim_ctl(&t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0));
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_ABORT, 0, 0, NULL, 0));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_ERROR, state);
	ASSERT_EQ(0, tsim_ctl(&t, RT_OUT_CLASS, DFU_CLRSTATUS, 0, 0, NULL, 0));
	ASSERT_EQ(0, getstatus(&t, &status, &state));
	EXPECT_EQ(DFU_IDLE, state);
	EXPECT_EQ(DFU_OK, status);
	/* Spent after one shot: GetPhase answers again. */
	ASSERT_EQ(0, tsim_ctl(&t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0));
	EXPECT_EQ(9u, t.r.len);
	tsim_teardown(&t);
}

TEST(dfu_error_fault_needs_a_step)
{
	struct sim_fault f;
	char err[256];

	EXPECT_EQ(0, sim_fault_parse("1:dfu-error:load:2", &f, err, sizeof(err)));
	EXPECT_EQ(SIM_FAULT_DFU_ERROR, f.kind);
	EXPECT_EQ(SIM_STEP_LOAD, f.step);
	EXPECT_EQ(2u, f.count);
	EXPECT_EQ(-EINVAL, sim_fault_parse("0:dfu-error", &f, err, sizeof(err)));
}

TEST(kinds_persist_in_the_store)
{
	char serials[4][SIM_SERIAL_LEN + 1], err[512];
	enum sim_kind kinds[4];
	enum ssp_series series[4];
	struct tsim t;
	struct sim_chip b, u;

	ASSERT_EQ(0, kind_setup(&t, SIM_KIND_MP25, NULL));
	ASSERT_EQ(0, sim_chip_create_kind(&u, &t.store, SIM_KIND_UBOOT, SSP_SERIES_MP13, 1, err,
					  sizeof(err)));
	ASSERT_EQ(2, sim_store_list(t.dir, serials, 4, series, kinds));
	EXPECT_STREQ(t.chip.serial, serials[0]);
	EXPECT_EQ(SIM_KIND_MP25, kinds[0]);
	EXPECT_EQ(SIM_KIND_UBOOT, kinds[1]);
	EXPECT_STREQ("mp25", sim_model_name(kinds[0], series[0]));
	EXPECT_STREQ("uboot", sim_model_name(kinds[1], series[1]));
	ASSERT_EQ(0, sim_chip_load(&b, &t.store, serials[0], err, sizeof(err)));
	EXPECT_EQ(SIM_KIND_MP25, b.kind);
	sim_chip_free(&b);
	sim_chip_free(&u);
	tsim_teardown(&t);
}

TEST_HARNESS_MAIN
