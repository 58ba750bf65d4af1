// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whole SSP runs on simulated STM32MP15 and STM32MP13 chips driven by the
 * stm32_ssp ioctls alone, with one open file across the three resets; and
 * the chip failing under a step: unplugged (ENODEV at once), hung
 * (ETIMEDOUT), stalled (EPROTO, then RECOVER), malformed replies and names.
 */
#include "ssp_test.h"
#include "kselftest_harness.h"

#define RMA_WORD	SSP_RMA_WORD(0x1234, 0x4321)
#define PROMPT_MS	3000	/* "at once": well below io_timeout_ms (5000) */

static uint8_t secrets[SSP_USER_SECRETS_MAX];

/* Load the firmware in the ROM and wait until it answers in the FSBL. */
static int start_fsbl(int fd, unsigned int *gen, bool mp13)
{
	struct ssp_wait w;
	int ret;

	ret = ssp_load(fd, W_FW(mp13), W_FW_LEN(mp13), SSP_PHASE_FSBL);
	if (ret)
		return ret;
	/* MP15 boots on the same device; MP13 re-enumerates after DETACH. */
	if (mp13)
		(*gen)++;
	ret = ssp_wait(fd, 30000, *gen, STAGE(SSP_STAGE_FSBL), &w);
	if (!ret && w.generation != *gen)
		ret = -EBADE;
	return ret;
}

/* The chip resets: the same slot comes back in the ROM, one generation on. */
static int next_rom(int fd, unsigned int *gen)
{
	struct ssp_wait w;
	int ret;

	(*gen)++;
	ret = ssp_wait(fd, 60000, *gen, STAGE(SSP_STAGE_ROM), &w);
	if (!ret && w.generation != *gen)
		ret = -EBADE;
	return ret;
}

/* Where a run stopped: the step, for the failure message. */
enum run_step { R_OPEN = 1, R_A_LOAD, R_A_PHASE, R_A_DETACH, R_A_RESET, R_B_LOAD,
		R_B_PHASE, R_B_CERT, R_B_BLOB, R_B_LICENSE, R_B_RESET, R_C_LOAD,
		R_C_RESET, R_INFO };

/*
 * The whole SSP exchange of one chip through @dev, one open file for all
 * of it, checking each reply. Returns 0, or the failed step (errno in
 * *err); *gen is the final generation.
 */
static int ssp_run(const char *dev, enum ssp_series series, unsigned int *gen,
		   int *err)
{
	bool mp13 = series == SSP_SERIES_MP13;
	uint8_t blob[SSP_BLOB_MAX];
	struct ssp_license lic;
	struct ssp_phase ph;
	struct ssp_cert cert;
	struct ssp_info i;
	int fd, len, step;

	*gen = 0;
	*err = 0;
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		*err = -errno;
		return R_OPEN;
	}
#define STEP(s, call) do { step = (s); *err = (call); if (*err) goto out; } while (0)
#define CHECK(s, cond) do { step = (s); if (!(cond)) { *err = -EBADE; goto out; } } while (0)
	/* Stage A: TF-A SSP burns SSP_REQ and asks for a reset. */
	STEP(R_A_LOAD, start_fsbl(fd, gen, mp13));
	STEP(R_A_PHASE, ssp_phase(fd, &ph));
	CHECK(R_A_PHASE, ph.phase == SSP_PHASE_RESET && ph.result == SSP_PHASE_R_ERROR &&
	      !memcmp(ph.reply + 9, "Provisioning", 12));
	STEP(R_A_DETACH, ioc(fd, SSP_IOC_DETACH, NULL));
	STEP(R_A_RESET, next_rom(fd, gen));

	/* Stage B: certificate out, license + payload in. */
	STEP(R_B_LOAD, start_fsbl(fd, gen, mp13));
	STEP(R_B_PHASE, ssp_phase(fd, &ph));
	CHECK(R_B_PHASE, ph.phase == (mp13 ? SSP_PHASE_SSP : SSP_PHASE_FLASHLAYOUT) &&
	      !ph.result);
	STEP(R_B_CERT, ssp_cert(fd, &cert));
	CHECK(R_B_CERT, cert.cert_len == SSP_CERT_LEN &&
	      !memcmp(cert.cert, mp13 ? "501" : "500", 3));
	len = make_blob(series, &cert, secrets, sizeof(secrets), RMA_WORD, blob,
			sizeof(blob));
	CHECK(R_B_BLOB, len > 0);
	STEP(R_B_LICENSE, ssp_license(fd, blob, len, 0, &lic));
	CHECK(R_B_LICENSE, lic.result == SSP_LICENSE_R_DETACHED && lic.phase == 0 &&
	      lic.address == 0xffffffff);
	STEP(R_B_RESET, next_rom(fd, gen));

	/* Stage C: the ROM opens the license, TF-A programs OTP and resets. */
	STEP(R_C_LOAD, ssp_load(fd, W_FW(mp13), W_FW_LEN(mp13), SSP_PHASE_FSBL));
	STEP(R_C_RESET, next_rom(fd, gen));

	/* The same file still describes the chip, generation by generation. */
	STEP(R_INFO, ssp_info(fd, &i));
	CHECK(R_INFO, i.generation == *gen && i.generation >= 3 &&
	      i.state == SSP_STATE_READY && i.stage == SSP_STAGE_ROM);
	step = 0;
#undef STEP
#undef CHECK
out:
	close(fd);
	return step;
}

/* The OTP of a provisioned chip holds what the payload carried. */
static void check_otp(struct __test_metadata *_metadata, const char *dir,
		      const char *serial, enum ssp_series series)
{
	long long w = sim_otp_word(dir, serial, ssp_otp_map(series)->ssp_word);

	EXPECT_NE(0, w & ssp_otp_map(series)->ssp_success);
	EXPECT_EQ(RMA_WORD & ssp_otp_map(series)->rma_mask,
		  sim_otp_word(dir, serial, SSP_OTP_RMA));
	EXPECT_EQ((long long)(secrets[0] | secrets[1] << 8 | secrets[2] << 16 |
			      (uint32_t)secrets[3] << 24),
		  sim_otp_word(dir, serial, SSP_OTP_SECRETS));
}

static void full_run(struct __test_metadata *_metadata, const char *name,
		     enum ssp_series series)
{
	struct sim sim = { 0 };
	unsigned int gen;
	char buf[64];
	int err;

	ASSERT_EQ(0, sim_start(&sim, name, NULL));
	ASSERT_EQ(0, slot_attr(sim.minor, "generation", buf, sizeof(buf)));
	ASSERT_STREQ("0", buf);
	EXPECT_EQ(0, ssp_run(sim.dev, series, &gen, &err));
	EXPECT_EQ(0, err);
	/* Same node and slot, the generation counted every reset. */
	EXPECT_EQ(sim.minor, slot_by_serial(sim.serial));
	ASSERT_EQ(0, slot_attr(sim.minor, "generation", buf, sizeof(buf)));
	EXPECT_EQ(gen, strtoul(buf, NULL, 10));
	EXPECT_LE(3, gen);
	check_otp(_metadata, sim.dir, sim.serial, series);
	sim_stop(&sim);
}

TEST(mp15_full_ssp_by_ioctls)
{
	full_run(_metadata, "mp15", SSP_SERIES_MP15);
}

TEST(mp13_full_ssp_by_ioctls)
{
	full_run(_metadata, "mp13", SSP_SERIES_MP13);
}

/* A gang: four chips of one simulator provisioned at once, a process each. */
static void gang_run(struct __test_metadata *_metadata, const char *name,
		     enum ssp_series series)
{
	struct sim chips[4] = { 0 };
	pid_t pid[4];

	ASSERT_EQ(0, sim_start_n(chips, 4, name, NULL));
	for (int k = 0; k < 4; k++) {
		pid[k] = fork();
		ASSERT_LE(0, pid[k]);
		if (!pid[k]) {
			unsigned int gen;
			int err, step;

			step = ssp_run(chips[k].dev, series, &gen, &err);
			if (step)
				fprintf(stderr, "# %s: step %d failed: %s\n",
					chips[k].dev, step, strerror(-err));
			_exit(step ? 1 : 0);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;

		ASSERT_EQ(pid[k], waitpid(pid[k], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (int k = 0; k < 4; k++)
		check_otp(_metadata, chips[0].dir, chips[k].serial, series);
	sim_stop(&chips[0]);
}

/*
 * Four chips of one simulator re-enumerate at once: before cf33f47 this
 * deadlocked sspsim (its serving thread read sysfs while hub_wq held the
 * device lock waiting for it), so it runs on every kernel.
 */
TEST(mp15_gang_of_four_in_parallel)
{
	gang_run(_metadata, "mp15", SSP_SERIES_MP15);
}

/* SSP_LICENSE_F_NO_DETACH leaves the detach request to the caller. */
TEST(license_without_detach_then_detach)
{
	uint8_t blob[SSP_BLOB_MAX];
	struct ssp_license lic;
	struct ssp_phase ph;
	struct ssp_cert cert;
	struct sim sim = { 0 };
	struct ssp_info i;
	unsigned int gen = 0;
	int fd, len;

	ASSERT_EQ(0, sim_start(&sim, "mp13", NULL));
	fd = open(sim.dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, start_fsbl(fd, &gen, true));
	ASSERT_EQ(0, ioc(fd, SSP_IOC_DETACH, NULL));
	ASSERT_EQ(0, next_rom(fd, &gen));
	ASSERT_EQ(0, start_fsbl(fd, &gen, true));
	ASSERT_EQ(0, ssp_cert(fd, &cert));
	len = make_blob(SSP_SERIES_MP13, &cert, secrets, sizeof(secrets), RMA_WORD,
			blob, sizeof(blob));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, ssp_license(fd, blob, len, SSP_LICENSE_F_NO_DETACH, &lic));
	EXPECT_EQ(0, lic.result);
	EXPECT_EQ(0, lic.phase);
	EXPECT_EQ(0xffffffff, lic.address);
	/* The chip still waits in its FSBL, asking for DFU_DETACH. */
	ASSERT_EQ(0, ssp_info(fd, &i));
	EXPECT_EQ(gen, i.generation);
	EXPECT_EQ(SSP_STAGE_FSBL, i.stage);
	ASSERT_EQ(0, ssp_phase(fd, &ph));
	EXPECT_EQ(SSP_PHASE_R_DETACH_REQ, ph.result);
	EXPECT_EQ(10, ph.reply_len);
	ASSERT_EQ(0, ioc(fd, SSP_IOC_DETACH, NULL));
	EXPECT_EQ(0, next_rom(fd, &gen));
	close(fd);
	sim_stop(&sim);
}

/* A chip with a fault; the file is open for writing. */
FIXTURE(faulty) {
	struct sim sim;
	int fd;
	unsigned int gen;
};

FIXTURE_VARIANT(faulty) {
	const char *series;
	const char *fault;
};

FIXTURE_SETUP(faulty)
{
	memset(&self->sim, 0, sizeof(self->sim));
	self->gen = 0;
	ASSERT_EQ(0, sim_start(&self->sim, variant->series, variant->fault));
	self->fd = open(self->sim.dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(faulty)
{
	close(self->fd);
	sim_stop(&self->sim);
}

FIXTURE_VARIANT_ADD(faulty, unplug_in_load) {
	.series = "mp15", .fault = "0:disconnect:load",
};

FIXTURE_VARIANT_ADD(faulty, unplug_after_blocks) {
	.series = "mp15", .fault = "0:disconnect-after-blocks:3",
};

FIXTURE_VARIANT_ADD(faulty, unplug_in_phase) {
	.series = "mp13", .fault = "0:disconnect:phase",
};

FIXTURE_VARIANT_ADD(faulty, unplug_in_cert) {
	.series = "mp15", .fault = "0:disconnect:cert",
};

FIXTURE_VARIANT_ADD(faulty, unplug_in_license) {
	.series = "mp13", .fault = "0:disconnect:license",
};

FIXTURE_VARIANT_ADD(faulty, unplug_while_booting) {
	.series = "mp15", .fault = "0:disconnect:stage-a",
};

FIXTURE_VARIANT_ADD(faulty, hang_in_phase) {
	.series = "mp15", .fault = "0:hang:phase",
};

FIXTURE_VARIANT_ADD(faulty, stall_in_phase) {
	.series = "mp15", .fault = "0:stall:phase",
};

FIXTURE_VARIANT_ADD(faulty, bad_reply_in_phase) {
	.series = "mp13", .fault = "0:bad-reply:phase",
};

FIXTURE_VARIANT_ADD(faulty, bad_alternate_name) {
	.series = "mp15", .fault = "0:bad-descriptor",
};

/* Stage B with a certificate in hand (stage A done). */
static void to_stage_b(struct __test_metadata *_metadata, FIXTURE_DATA(faulty) *self,
		       bool mp13, struct ssp_cert *cert)
{
	struct ssp_phase ph;

	ASSERT_EQ(0, start_fsbl(self->fd, &self->gen, mp13));
	ASSERT_EQ(0, ssp_phase(self->fd, &ph));
	ASSERT_EQ(0, ioc(self->fd, SSP_IOC_DETACH, NULL));
	ASSERT_EQ(0, next_rom(self->fd, &self->gen));
	ASSERT_EQ(0, start_fsbl(self->fd, &self->gen, mp13));
	if (cert)
		ASSERT_EQ(0, ssp_cert(self->fd, cert));
}

/* After an unplug the chip powers up again on the same port and slot. */
static void expect_comes_back(struct __test_metadata *_metadata,
			      FIXTURE_DATA(faulty) *self)
{
	struct ssp_wait w;

	EXPECT_EQ(0, ssp_wait(self->fd, 60000, self->gen + 1, STAGE(SSP_STAGE_ROM), &w));
	EXPECT_EQ(self->gen + 1, w.generation);
}

TEST_F(faulty, step_fails_as_documented)
{
	bool mp13 = !strcmp(variant->series, "mp13");
	const char *f = variant->fault;
	struct ssp_recover rec;
	struct ssp_license lic;
	struct ssp_phase ph;
	struct ssp_cert cert;
	uint8_t blob[SSP_BLOB_MAX];
	uint64_t t0;
	int len, fd;

	if (strstr(f, "disconnect:load") || strstr(f, "after-blocks")) {
		t0 = now_ms();
		EXPECT_EQ(-ENODEV, ssp_load(self->fd, W_FW(mp13), W_FW_LEN(mp13), SSP_PHASE_FSBL));
		EXPECT_GE(PROMPT_MS, now_ms() - t0);
		expect_comes_back(_metadata, self);
	} else if (strstr(f, "disconnect:stage-a")) {
		/* The chip leaves while the driver polls the booting TF-A. */
		struct ssp_wait w;

		EXPECT_EQ(0, ssp_load(self->fd, W_FW(mp13), W_FW_LEN(mp13), SSP_PHASE_FSBL));
		EXPECT_EQ(0, ssp_wait(self->fd, 60000, 1, 0, &w));
		EXPECT_EQ(1, w.generation);
		EXPECT_EQ(SSP_STAGE_ROM, w.stage);
	} else if (strstr(f, "disconnect:phase")) {
		t0 = now_ms();
		EXPECT_EQ(-ENODEV, ssp_phase(self->fd, &ph));
		EXPECT_GE(PROMPT_MS, now_ms() - t0);
		expect_comes_back(_metadata, self);
	} else if (strstr(f, "disconnect:cert")) {
		to_stage_b(_metadata, self, mp13, NULL);
		t0 = now_ms();
		EXPECT_EQ(-ENODEV, ssp_cert(self->fd, &cert));
		EXPECT_GE(PROMPT_MS, now_ms() - t0);
		expect_comes_back(_metadata, self);
	} else if (strstr(f, "disconnect:license")) {
		to_stage_b(_metadata, self, mp13, &cert);
		len = make_blob(mp13 ? SSP_SERIES_MP13 : SSP_SERIES_MP15, &cert,
				secrets, sizeof(secrets), RMA_WORD, blob, sizeof(blob));
		ASSERT_LT(0, len);
		t0 = now_ms();
		EXPECT_EQ(-ENODEV, ssp_license(self->fd, blob, len, 0, &lic));
		EXPECT_GE(PROMPT_MS, now_ms() - t0);
		expect_comes_back(_metadata, self);
	} else if (strstr(f, "hang")) {
		fd = open("/sys/module/stm32_ssp/parameters/io_timeout_ms", O_WRONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(3, write(fd, "800", 3));
		t0 = now_ms();
		EXPECT_EQ(-ETIMEDOUT, ssp_phase(self->fd, &ph));
		EXPECT_LE(700, now_ms() - t0);
		EXPECT_GE(PROMPT_MS, now_ms() - t0);
		/* Still hung: every step times out, none blocks for good. */
		EXPECT_EQ(-ETIMEDOUT, ssp_recover(self->fd, &rec));
		pwrite(fd, "5000", 4, 0);
		close(fd);
	} else if (strstr(f, "stall")) {
		EXPECT_EQ(-EPROTO, ssp_phase(self->fd, &ph));
		ASSERT_EQ(0, ssp_recover(self->fd, &rec));
		EXPECT_EQ(2, rec.state_after);
		EXPECT_EQ(0, ssp_phase(self->fd, &ph));
	} else if (strstr(f, "bad-reply")) {
		/* A short GETSTATUS or a half GetPhase reply. */
		EXPECT_EQ(-EPROTO, ssp_phase(self->fd, &ph));
		ASSERT_EQ(0, ssp_recover(self->fd, &rec));
		EXPECT_EQ(2, rec.state_after);
		EXPECT_EQ(0, ssp_phase(self->fd, &ph));
	} else if (strstr(f, "bad-descriptor")) {
		/* "@virtual 0xF1 ..." maps no phase: GetPhase has no alternate. */
		EXPECT_EQ(-ENOENT, ssp_phase(self->fd, &ph));
		EXPECT_EQ(0, ssp_recover(self->fd, &rec));
	} else {
		ASSERT_TRUE(false);
	}
}

int main(int argc, char **argv)
{
	int ret;

	if (access("/sys/class/ssp", F_OK)) {
		printf("1..0 # SKIP stm32_ssp is not loaded\n");
		return KSFT_SKIP;
	}
	ret = world_init();
	if (!ret)
		ret = ssp_random(secrets, sizeof(secrets));
	if (ret) {
		printf("Bail out! cannot make the test world: %s\n", strerror(-ret));
		return 1;
	}
	/* TF-A skips zero words: make every secret word non-zero. */
	for (size_t k = 0; k < sizeof(secrets); k++)
		secrets[k] |= 1;
	ret = test_harness_run(argc, argv);
	world_fini();
	return ret;
}
