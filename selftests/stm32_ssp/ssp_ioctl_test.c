// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp ioctls on one simulated STM32MP15 chip in its ROM: each
 * ioctl's success path and its rejections (size, flags, reserved fields,
 * pointers, lengths, stage, file mode), poll(), and the file rules.
 */
#include <poll.h>
#include <signal.h>

#include "ssp_test.h"
#include "kselftest_harness.h"

FIXTURE(rom) {
	struct sim sim;
	int fd;
};

FIXTURE_SETUP(rom)
{
	memset(&self->sim, 0, sizeof(self->sim));
	ASSERT_EQ(0, sim_start(&self->sim, "mp15", NULL));
	self->fd = open(self->sim.dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(rom)
{
	if (self->fd >= 0)
		close(self->fd);
	sim_stop(&self->sim);
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

TEST_F(rom, struct_size_rules)
{
	struct {
		struct stm32_ssp_info i;
		uint8_t tail[16];
	} big;
	struct stm32_ssp_info i;

	memset(&i, 0, sizeof(i));
	i.size = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));
	i.size = sizeof(i) - 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));
	i.size = 1 << 20;
	EXPECT_EQ(-E2BIG, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &i));

	/* A newer, larger struct: fine while the extra bytes are zero. */
	memset(&big, 0, sizeof(big));
	big.i.size = sizeof(big);
	EXPECT_EQ(0, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &big));
	EXPECT_EQ(STM32_SSP_CHIP_MP15, big.i.chip_id);
	EXPECT_EQ(sizeof(big), big.i.size);
	big.tail[15] = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, STM32_SSP_IOC_GET_INFO, &big));

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
	EXPECT_EQ(-EBADF, ioc(ro, STM32_SSP_IOC_DETACH, NULL));
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
	char buf[32], old[16];
	struct stm32_ssp_phase p;
	struct stm32_ssp_wait w;
	struct stm32_ssp_info i;
	int fd;

	fd = open("/sys/module/stm32_ssp/parameters/grace_ms", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, old, sizeof(old) - 1));
	ASSERT_EQ(4, pwrite(fd, "1500", 4, 0));
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
	pwrite(fd, old, strlen(old), 0);
	close(fd);
}

SSP_TEST_MAIN()
