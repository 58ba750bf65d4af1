// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp ioctls on one simulated STM32MP15 chip in its ROM: each
 * ioctl's success path and its rejections (size, flags, reserved fields,
 * pointers, lengths, stage, file mode), the struct size rules in both
 * directions (older and newer callers), poll(), and the file rules.
 */
#include <poll.h>
#include <signal.h>

#include "ssp_test.h"
#include "kselftest_harness.h"

/* The teardown restores the module parameters a test changed. */
FIXTURE(rom) {
	struct sim sim;
	int fd;
	struct ssp_params params;
};

FIXTURE_SETUP(rom)
{
	memset(&self->sim, 0, sizeof(self->sim));
	self->fd = -1;
	params_save(&self->params);
	ASSERT_EQ(0, sim_start(&self->sim, "mp15", NULL));
	self->fd = open(self->sim.dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(rom)
{
	if (self->fd >= 0)
		close(self->fd);
	sim_stop(&self->sim);
	params_restore(&self->params);
}

TEST_F(rom, get_info_reports_the_rom)
{
	struct stm32_ssp_info i;
	char buf[64];

	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(sizeof(i), i.size);
	EXPECT_EQ(STM32_SSP_CHIP_MP15, i.chip_id);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, i.stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, i.state);
	EXPECT_EQ(0, i.generation);
	EXPECT_EQ(1024, i.transfer_size);
	EXPECT_LE(2, i.num_alts);
	EXPECT_STREQ(self->sim.serial, i.serial);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "port_path", buf, sizeof(buf)));
	EXPECT_STREQ(buf, i.port_path);
	EXPECT_EQ(0, strncmp(i.product, "DFU in HS Mode @Device ID /0x500", 32));
}

/* VER1: the phase map, as dfu-util -l would list sspsim's MP15 ROM. */
TEST_F(rom, get_info_reports_the_phase_map)
{
	static const struct stm32_ssp_alt want[] = {
		{ 0x00, 0, 0, 256 << 10, "@Partition0 /0x00/1*256Ke" },
		{ 0x01, 1, 0, 1 << 20, "@FSBL /0x01/1*1Me" },
		{ 0x02, 2, 0, 1 << 20, "@Partition2 /0x02/1*1Me" },
		{ 0x03, 3, 0, 16 << 20, "@Partition3 /0x03/1*16Me" },
		{ 0x04, 4, 0, 16 << 20, "@Partition4 /0x04/1*16Me" },
		{ 0xf1, 5, 0, 512, "@virtual /0xF1/1*512Ba" },
	};
	struct stm32_ssp_info i;

	memset(&i, 0xa5, sizeof(i));
	i.size = sizeof(i);
	i.flags = 0;
	i.reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));
	EXPECT_EQ(STM32_SSP_INFO_SIZE_VER1, i.size);
	ASSERT_EQ(sizeof(want) / sizeof(want[0]), i.num_phase_alts);
	EXPECT_EQ(0, i.reserved);
	for (unsigned int k = 0; k < i.num_phase_alts; k++) {
		TH_LOG("alt %u", k);
		EXPECT_EQ(want[k].phase, i.alts[k].phase);
		EXPECT_EQ(want[k].alt, i.alts[k].alt);
		EXPECT_EQ(0, i.alts[k].reserved);
		EXPECT_EQ(want[k].size, i.alts[k].size);
		EXPECT_STREQ(want[k].name, i.alts[k].name);
	}
	/* The unused entries are zero, not what the caller passed in. */
	for (unsigned int k = i.num_phase_alts; k < STM32_SSP_INFO_ALTS; k++)
		for (size_t b = 0; b < sizeof(i.alts[k]); b++)
			EXPECT_EQ(0, ((uint8_t *)&i.alts[k])[b]);
	/* reserved is an input too: it must be zero. */
	i.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));
}

/*
 * MODULE_VERSION: dkms.conf's PACKAGE_VERSION, the version the packages
 * carry, passed by Kbuild (no copy of it in the driver's sources).
 */
TEST(module_version_is_the_package_version)
{
	char conf[4096], want[64] = "", got[64];
	const char *p;
	int n;

	n = read_file(SSP_TOP "/dkms.conf", conf, sizeof(conf) - 1);
	ASSERT_LT(0, n);
	conf[n] = '\0';
	p = strstr(conf, "\nPACKAGE_VERSION=\"");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "\nPACKAGE_VERSION=\"%63[^\"]\"", want));
	ASSERT_EQ(0, read_line("/sys/module/stm32_ssp/version", got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/*
 * Struct sizes (openat2()/clone3() rules). The ioctls that answer in the
 * ROM with a zeroed struct: what a zeroed struct gives there.
 */
static const struct sized_ioctl {
	const char *name;
	unsigned long cmd;
	uint32_t ver0;		/* STM32_SSP_*_SIZE_VER0 */
	uint32_t size;		/* sizeof the struct of this build (= the driver's) */
	int ret;		/* result of a zeroed struct in the ROM */
} sized_ioctls[] = {
	{ "GET_INFO", STM32_SSP_IOC_GET_INFO, STM32_SSP_INFO_SIZE_VER0,
	  sizeof(struct stm32_ssp_info), 0 },
	{ "GET_PHASE", STM32_SSP_IOC_GET_PHASE, STM32_SSP_PHASE_SIZE_VER0,
	  sizeof(struct stm32_ssp_phase), 0 },
	{ "READ_CERT", STM32_SSP_IOC_READ_CERT, STM32_SSP_CERT_SIZE_VER0,
	  sizeof(struct stm32_ssp_cert), -EBADFD },
	{ "WAIT", STM32_SSP_IOC_WAIT, STM32_SSP_WAIT_SIZE_VER0,
	  sizeof(struct stm32_ssp_wait), 0 },
	{ "RECOVER", STM32_SSP_IOC_RECOVER, STM32_SSP_RECOVER_SIZE_VER0,
	  sizeof(struct stm32_ssp_recover), 0 },
};

#define CANARY	0xa5
/* A page and more: room for any struct plus a canary. */
static union {
	uint32_t size;
	uint8_t b[8192];
} ubuf;

/* Zero the first @zeroed bytes, canary after them; size = @size. */
static void ubuf_fill(uint32_t size, size_t zeroed)
{
	memset(ubuf.b, CANARY, sizeof(ubuf.b));
	memset(ubuf.b, 0, zeroed);
	ubuf.size = size;
}

static bool canary_from(size_t off)
{
	for (size_t i = off; i < sizeof(ubuf.b); i++)
		if (ubuf.b[i] != CANARY)
			return false;
	return true;
}

TEST_F(rom, every_struct_has_its_first_published_size)
{
	EXPECT_EQ(sizeof(struct stm32_ssp_info), STM32_SSP_INFO_SIZE_VER1);
	EXPECT_EQ(offsetof(struct stm32_ssp_info, num_phase_alts), STM32_SSP_INFO_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_phase), STM32_SSP_PHASE_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_load_fw), STM32_SSP_LOAD_FW_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_cert), STM32_SSP_CERT_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_license), STM32_SSP_LICENSE_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_wait), STM32_SSP_WAIT_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_detach), STM32_SSP_DETACH_SIZE_VER0);
	EXPECT_EQ(sizeof(struct stm32_ssp_recover), STM32_SSP_RECOVER_SIZE_VER0);
}

/*
 * An older caller (a VER0 struct): accepted, and the driver writes its
 * bytes only, nothing past them; @size comes back as the bytes written.
 * Smaller than VER0: EINVAL.
 */
TEST_F(rom, older_struct_gets_only_its_bytes)
{
	for (size_t k = 0; k < sizeof(sized_ioctls) / sizeof(sized_ioctls[0]); k++) {
		const struct sized_ioctl *t = &sized_ioctls[k];

		TH_LOG("%s", t->name);
		ubuf_fill(t->ver0, t->ver0);
		EXPECT_EQ(t->ret, ioc(self->fd, t->cmd, &ubuf));
		EXPECT_TRUE(canary_from(t->ver0));
		if (!t->ret)
			EXPECT_EQ(t->ver0 < t->size ? t->ver0 : t->size, ubuf.size);
		for (uint32_t sz = 0; sz < t->ver0; sz += sz < 8 ? 4 : t->ver0 - 8) {
			ubuf_fill(sz, t->ver0);
			EXPECT_EQ(-EINVAL, ioc(self->fd, t->cmd, &ubuf));
		}
		ubuf_fill(t->ver0 - 1, t->ver0);
		EXPECT_EQ(-EINVAL, ioc(self->fd, t->cmd, &ubuf));
		EXPECT_TRUE(canary_from(t->ver0));
	}
}

/*
 * GET_INFO grew (VER1): a caller built against VER0, with the command
 * number of VER0 (its encoded size is 232), gets VER0's bytes and @size
 * VER0, and not one byte of the phase map past its struct. This fails if
 * the driver wrote min(@size, ...) wrong or dispatched on the whole
 * command.
 */
TEST_F(rom, ver0_info_caller_gets_exactly_ver0)
{
	const unsigned long ver0_cmd = _IOC(_IOC_READ | _IOC_WRITE, STM32_SSP_IOC_MAGIC, 0x00,
					    STM32_SSP_INFO_SIZE_VER0);
	struct stm32_ssp_info *i = (struct stm32_ssp_info *)ubuf.b;

	ASSERT_LT(STM32_SSP_INFO_SIZE_VER0, sizeof(struct stm32_ssp_info));
	ASSERT_NE(ver0_cmd, STM32_SSP_IOC_GET_INFO);
	ubuf_fill(STM32_SSP_INFO_SIZE_VER0, STM32_SSP_INFO_SIZE_VER0);
	ASSERT_EQ(0, ioc(self->fd, ver0_cmd, &ubuf));
	EXPECT_EQ(STM32_SSP_INFO_SIZE_VER0, i->size);
	EXPECT_EQ(STM32_SSP_CHIP_MP15, i->chip_id);
	EXPECT_STREQ(self->sim.serial, i->serial);
	EXPECT_EQ(0, strncmp(i->product, "DFU in HS Mode @Device ID /0x500", 32));
	EXPECT_TRUE(canary_from(STM32_SSP_INFO_SIZE_VER0));
	/* The same with the command of this build. */
	ubuf_fill(STM32_SSP_INFO_SIZE_VER0, STM32_SSP_INFO_SIZE_VER0);
	ASSERT_EQ(0, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &ubuf));
	EXPECT_EQ(STM32_SSP_INFO_SIZE_VER0, i->size);
	EXPECT_TRUE(canary_from(STM32_SSP_INFO_SIZE_VER0));
	/* Between VER0 and VER1: cut inside the phase map, never past. */
	ubuf_fill(STM32_SSP_INFO_SIZE_VER0 + 12, STM32_SSP_INFO_SIZE_VER0 + 12);
	ASSERT_EQ(0, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &ubuf));
	EXPECT_EQ(STM32_SSP_INFO_SIZE_VER0 + 12, i->size);
	EXPECT_EQ(6, i->num_phase_alts);
	EXPECT_TRUE(canary_from(STM32_SSP_INFO_SIZE_VER0 + 12));
}

/*
 * A newer caller (a larger struct): accepted while its extra bytes are
 * zero, and told the driver's size; a non-zero byte there (first or last)
 * is E2BIG, and so is anything larger than a page. Nothing is written past
 * the driver's struct.
 */
TEST_F(rom, newer_struct_needs_a_zero_tail)
{
	for (size_t k = 0; k < sizeof(sized_ioctls) / sizeof(sized_ioctls[0]); k++) {
		const struct sized_ioctl *t = &sized_ioctls[k];
		uint32_t big = t->size + 16;

		TH_LOG("%s", t->name);
		ubuf_fill(big, big);
		EXPECT_EQ(t->ret, ioc(self->fd, t->cmd, &ubuf));
		if (!t->ret)
			EXPECT_EQ(t->size, ubuf.size);
		for (uint32_t i = t->size; i < big; i++)
			EXPECT_EQ(0, ubuf.b[i]);
		EXPECT_TRUE(canary_from(big));

		ubuf_fill(big, big);
		ubuf.b[t->size] = 1;
		EXPECT_EQ(-E2BIG, ioc(self->fd, t->cmd, &ubuf));
		ubuf_fill(big, big);
		ubuf.b[big - 1] = 0x80;
		EXPECT_EQ(-E2BIG, ioc(self->fd, t->cmd, &ubuf));

		/* A page is the limit. */
		ubuf_fill(4096, 4096);
		EXPECT_EQ(t->ret, ioc(self->fd, t->cmd, &ubuf));
		ubuf_fill(4097, 4097);
		EXPECT_EQ(-E2BIG, ioc(self->fd, t->cmd, &ubuf));
	}
}

/* The input-only structs: LOAD_FW and DETACH, rejected before the chip sees them. */
TEST_F(rom, input_structs_follow_the_same_rules)
{
	struct stm32_ssp_load_fw *lf = (void *)ubuf.b;
	struct stm32_ssp_detach *det = (void *)ubuf.b;
	struct stm32_ssp_info i;

	ubuf_fill(STM32_SSP_LOAD_FW_SIZE_VER0 - 4, STM32_SSP_LOAD_FW_SIZE_VER0);
	lf->data = (uintptr_t)w_fw;
	lf->len = w_fw_len;
	lf->phase = STM32_SSP_PHASE_FSBL;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_LOAD_FW, lf));
	lf->size = STM32_SSP_LOAD_FW_SIZE_VER0 + 8;
	memset(ubuf.b + STM32_SSP_LOAD_FW_SIZE_VER0, 0, 8);
	ubuf.b[STM32_SSP_LOAD_FW_SIZE_VER0 + 3] = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, STM32_SSP_IOC_LOAD_FW, lf));
	/* A zero tail is accepted: the length check is reached. */
	ubuf.b[STM32_SSP_LOAD_FW_SIZE_VER0 + 3] = 0;
	lf->len = STM32_SSP_IMAGE_MAX + 1;
	EXPECT_EQ(-EFBIG, ioc(self->fd, STM32_SSP_IOC_LOAD_FW, lf));

	EXPECT_EQ(-EFAULT, ioc(self->fd, STM32_SSP_IOC_DETACH, NULL));
	ubuf_fill(0, STM32_SSP_DETACH_SIZE_VER0 + 8);
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_DETACH, det));
	det->size = 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_DETACH, det));
	det->size = STM32_SSP_DETACH_SIZE_VER0;
	det->flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_DETACH, det));
	det->flags = 0;
	det->reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_DETACH, det));
	det->reserved[1] = 0;
	det->size = STM32_SSP_DETACH_SIZE_VER0 + 8;
	ubuf.b[STM32_SSP_DETACH_SIZE_VER0 + 7] = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, STM32_SSP_IOC_DETACH, det));

	/* Nothing reached the chip: still in its ROM, same generation. */
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(STM32_SSP_STAGE_ROM, i.stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, i.state);
	EXPECT_EQ(0, i.generation);
}

TEST_F(rom, flags_and_pointers)
{
	struct stm32_ssp_info i;

	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	i.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));
	EXPECT_EQ(-EFAULT, ioc(self->fd, STM32_SSP_IOC_GET_INFO, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, STM32_SSP_IOC_GET_INFO, (void *)8));
}

TEST_F(rom, dispatch_ignores_the_encoded_size)
{
	struct stm32_ssp_info i;

	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	EXPECT_EQ(0, ioc(self->fd, _IOWR(STM32_SSP_IOC_MAGIC, 0x00, uint32_t), &i));
	EXPECT_EQ(STM32_SSP_CHIP_MP15, i.chip_id);
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(STM32_SSP_IOC_MAGIC, 0x40, struct stm32_ssp_info), &i));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR('X', 0x00, struct stm32_ssp_info), &i));
}

TEST_F(rom, get_phase_in_the_rom)
{
	struct stm32_ssp_phase p;

	ASSERT_EQ(0, ssp_phase(self->fd, &p));
	EXPECT_LE(9, p.reply_len);
	EXPECT_GE(STM32_SSP_PHASE_REPLY_MAX, p.reply_len);
	EXPECT_EQ(p.reply[0], p.phase);
	EXPECT_EQ(0, p.result & STM32_SSP_PHASE_R_DETACH_REQ);
	/* Twice: the first left the DFU state machine idle. */
	ASSERT_EQ(0, ssp_phase(self->fd, &p));

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_PHASE, &p));
	p.reserved = 0;
	p.flags = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_PHASE, &p));
	p.flags = 0;
	p.size = 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_PHASE, &p));
	EXPECT_EQ(-EFAULT, ioc(self->fd, STM32_SSP_IOC_GET_PHASE, (void *)16));
}

TEST_F(rom, recover_from_idle)
{
	struct stm32_ssp_recover r;

	ASSERT_EQ(0, ssp_recover(self->fd, &r));
	EXPECT_EQ(2, r.state_before);
	EXPECT_EQ(0, r.status_before);
	EXPECT_EQ(2, r.state_after);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.reserved = 7;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_RECOVER, &r));
	r.reserved = 0;
	r.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_RECOVER, &r));
}

TEST_F(rom, steps_of_the_fsbl_refused_in_the_rom)
{
	uint8_t blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15] = { 0 };
	struct stm32_ssp_license l;
	struct stm32_ssp_cert c;

	EXPECT_EQ(-EBADFD, ssp_cert(self->fd, &c));
	EXPECT_EQ(-EBADFD, ssp_license(self->fd, blob, sizeof(blob), 0, &l));
}

TEST_F(rom, load_fw_rejections)
{
	static uint8_t huge[(1 << 20) + 1];
	struct stm32_ssp_load_fw lf;
	struct stm32_ssp_info i;

	EXPECT_EQ(-EINVAL, ssp_load(self->fd, w_fw, 0, STM32_SSP_PHASE_FSBL));
	EXPECT_EQ(-EFBIG, ssp_load(self->fd, huge, sizeof(huge), STM32_SSP_PHASE_FSBL));
	EXPECT_EQ(-ENOENT, ssp_load(self->fd, w_fw, w_fw_len, 0x42));
	EXPECT_EQ(-EINVAL, ssp_load(self->fd, w_fw, w_fw_len, 0x101));
	EXPECT_EQ(-EFAULT, ssp_load(self->fd, (void *)8, w_fw_len, STM32_SSP_PHASE_FSBL));
	memset(&lf, 0, sizeof(lf));
	lf.size = sizeof(lf);
	lf.flags = 1;
	lf.data = (uintptr_t)w_fw;
	lf.len = w_fw_len;
	lf.phase = STM32_SSP_PHASE_FSBL;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_LOAD_FW, &lf));
	/* Nothing was sent: the chip is still in its ROM. */
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(STM32_SSP_STAGE_ROM, i.stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, i.state);
}

TEST_F(rom, send_license_length_rules)
{
	static uint8_t blob[STM32_SSP_BLOB_MAX + 1];
	struct stm32_ssp_license l;

	EXPECT_EQ(-EINVAL, ssp_license(self->fd, blob, STM32_SSP_LICENSE_LEN, 0, &l));
	EXPECT_EQ(-EINVAL, ssp_license(self->fd, blob, 0, 0, &l));
	EXPECT_EQ(-E2BIG, ssp_license(self->fd, blob, STM32_SSP_BLOB_MAX + 1, 0, &l));
	EXPECT_EQ(-EINVAL, ssp_license(self->fd, blob, 380, 1U << 5, &l));
	EXPECT_EQ(-EFAULT, ssp_license(self->fd, (void *)8, 380, 0, &l));
}

TEST_F(rom, wait_rules)
{
	struct stm32_ssp_wait w;
	uint64_t t0;

	/* Already true: returns at once with the current values. */
	EXPECT_EQ(0, ssp_wait(self->fd, 0, 0, STAGE(STM32_SSP_STAGE_ROM), &w));
	EXPECT_EQ(STM32_SSP_STAGE_ROM, w.stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, w.state);
	EXPECT_EQ(0, w.generation);
	/* Not true: 0 checks once, otherwise the timeout. */
	EXPECT_EQ(-ETIMEDOUT, ssp_wait(self->fd, 0, 1, 0, &w));
	EXPECT_EQ(0, w.generation);
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, ssp_wait(self->fd, 300, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	EXPECT_LE(250, now_ms() - t0);
	EXPECT_GE(3000, now_ms() - t0);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, w.stage);
	EXPECT_EQ(-EINVAL, ssp_wait(self->fd, 0, 0, 1U << 3, &w));
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_WAIT, &w));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(rom, wait_interrupted_by_a_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct stm32_ssp_wait w;
	uint64_t t0;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	t0 = now_ms();
	EXPECT_EQ(-EINTR, ssp_wait(self->fd, 20000, 5, 0, &w));
	EXPECT_GE(5000, now_ms() - t0);
	EXPECT_EQ(STM32_SSP_STATE_READY, w.state);
}

TEST_F(rom, one_writer_at_a_time)
{
	struct stm32_ssp_phase p;
	struct stm32_ssp_wait w;
	struct stm32_ssp_info i;
	int ro, fd2;

	EXPECT_EQ(-1, open(self->sim.dev, O_RDWR));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, open(self->sim.dev, O_WRONLY));
	EXPECT_EQ(EBUSY, errno);

	/* Readers are welcome, for GET_INFO and WAIT only. */
	ro = open(self->sim.dev, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(0, ssp_info(ro, &i));
	EXPECT_EQ(0, ssp_wait(ro, 0, 0, 0, &w));
	EXPECT_EQ(-EBADF, ssp_phase(ro, &p));
	EXPECT_EQ(-EBADF, ssp_detach(ro));
	EXPECT_EQ(-EBADF, ssp_load(ro, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	close(ro);

	close(self->fd);
	self->fd = -1;
	fd2 = open(self->sim.dev, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, ssp_phase(fd2, &p));
	self->fd = fd2;
}

TEST_F(rom, poll_reports_changes_once_seen)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct stm32_ssp_wait w;
	struct stm32_ssp_info i;

	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* MP15: starting the image moves the slot to BOOTING, then FSBL. */
	ASSERT_EQ(0, ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	EXPECT_EQ(POLLIN, pfd.revents & (POLLIN | POLLHUP));
	ASSERT_EQ(0, ssp_wait(self->fd, 20000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	EXPECT_EQ(STM32_SSP_STAGE_FSBL, w.stage);
	EXPECT_EQ(0, w.generation);
	/* WAIT marked the change seen. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(STM32_SSP_STAGE_FSBL, i.stage);
	EXPECT_EQ(0, strncmp(i.product, "DFU @Device ID /0x500", 21));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

TEST_F(rom, load_fw_refused_once_in_the_fsbl)
{
	struct stm32_ssp_wait w;
	struct stm32_ssp_phase p;

	ASSERT_EQ(0, ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	ASSERT_EQ(0, ssp_wait(self->fd, 20000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	EXPECT_EQ(-EBADFD, ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	/* Stage A of TF-A SSP: "Provisioning", an error-phase reply. */
	ASSERT_EQ(0, ssp_phase(self->fd, &p));
	EXPECT_EQ(STM32_SSP_PHASE_RESET, p.phase);
	EXPECT_EQ(STM32_SSP_PHASE_R_ERROR, p.result);
	EXPECT_EQ(0xffffffff, p.address);
	ASSERT_EQ(21, p.reply_len);
	EXPECT_EQ(0, memcmp(p.reply + 9, "Provisioning", 12));
}

TEST_F(rom, certificate_steps_fail_outside_their_phase)
{
	uint8_t blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15] = { 0 };
	struct stm32_ssp_license l;
	struct stm32_ssp_recover r;
	struct stm32_ssp_cert c;
	struct stm32_ssp_wait w;

	ASSERT_EQ(0, ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	ASSERT_EQ(0, ssp_wait(self->fd, 20000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	/* Stage A has no certificate and takes no license. */
	EXPECT_EQ(-EPROTO, ssp_cert(self->fd, &c));
	EXPECT_EQ(0, ssp_recover(self->fd, &r));
	EXPECT_EQ(2, r.state_after);
	EXPECT_EQ(-EPROTO, ssp_license(self->fd, blob, sizeof(blob), 0, &l));
	EXPECT_EQ(0, ssp_recover(self->fd, &r));
	EXPECT_EQ(2, r.state_after);
}

TEST_F(rom, sysfs_attributes)
{
	char buf[128];
	struct stm32_ssp_info i;

	ASSERT_EQ(0, ssp_info(self->fd, &i));
	ASSERT_EQ(0, slot_attr(self->sim.minor, "chip_id", buf, sizeof(buf)));
	EXPECT_STREQ("0x500", buf);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "serial", buf, sizeof(buf)));
	EXPECT_STREQ(self->sim.serial, buf);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "stage", buf, sizeof(buf)));
	EXPECT_STREQ("rom", buf);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "state", buf, sizeof(buf)));
	EXPECT_STREQ("ready", buf);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "generation", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "revision", buf, sizeof(buf)));
	EXPECT_EQ(i.revision, strtoul(buf, NULL, 16));
	ASSERT_EQ(0, slot_attr(self->sim.minor, "port_path", buf, sizeof(buf)));
	EXPECT_STREQ(i.port_path, buf);
}

TEST_F(rom, slot_survives_unplug_and_ends_after_grace)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct stm32_ssp_phase p;
	struct stm32_ssp_wait w;
	struct stm32_ssp_info i;
	char buf[32];

	/* The teardown restores it. */
	ASSERT_EQ(0, param_write("grace_ms", "1500"));
	sim_stop(&self->sim);
	ASSERT_EQ(0, slot_attr(self->sim.minor, "state", buf, sizeof(buf)));
	EXPECT_STREQ("absent", buf);
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(STM32_SSP_STATE_ABSENT, i.state);
	EXPECT_EQ(STM32_SSP_STAGE_UNKNOWN, i.stage);
	EXPECT_EQ(-ENODEV, ssp_phase(self->fd, &p));
	/* The grace period ends the slot: waiters get ENODEV, poll HUP. */
	EXPECT_EQ(-ENODEV, ssp_wait(self->fd, 10000, 1, 0, &w));
	EXPECT_EQ(STM32_SSP_STATE_GONE, w.state);
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents & (POLLHUP | POLLERR));
	EXPECT_EQ(-ENODEV, ssp_phase(self->fd, &p));
	EXPECT_EQ(-1, open(self->sim.dev, O_RDONLY));
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	EXPECT_EQ(STM32_SSP_STATE_GONE, i.state);
}

SSP_TEST_MAIN()
