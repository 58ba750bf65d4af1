// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB resets and power management of stm32_ssp slots on simulated chips.
 * A usb_reset_device() (here USBDEVFS_RESET on the chip's node in
 * /dev/bus/usb, as dfu-util -R or any libusb program does it) is not a chip
 * reset: /dev/sspN, its generation, its state and stage stay, and the run
 * goes on. A reset issued during a step waits for the step to end. The
 * driver does not take part in runtime (auto)suspend. The VM runner fails
 * the run on any WARN, BUG, lockdep report or hung task in the kernel log.
 */
#include <sys/wait.h>
#include <linux/usbdevice_fs.h>

#include "ssp_test.h"
#include "kselftest_harness.h"

/* /sys/bus/usb/devices/PORT/ATTR, without the newline. */
static int usb_attr(const char *port, const char *attr, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", port, attr);
	return read_line(path, buf, len);
}

static int usb_attr_set(const char *port, const char *attr, const char *val)
{
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", port, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* The chip's node /dev/bus/usb/BBB/DDD, from its port. */
static int usb_node(const char *port, char *node, size_t len)
{
	char bus[16], dev[16];

	if (usb_attr(port, "busnum", bus, sizeof(bus)) ||
	    usb_attr(port, "devnum", dev, sizeof(dev)))
		return -ENOENT;
	snprintf(node, len, "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
	return 0;
}

/* USBDEVFS_RESET on the chip's USB device: 0 or -errno. */
static int usb_reset(const char *port)
{
	char node[64];
	int fd, ret;

	ret = usb_node(port, node, sizeof(node));
	if (ret)
		return ret;
	fd = open(node, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, USBDEVFS_RESET, 0) ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE(reset) {
	struct sim sim;
	char port[64];
	int fd;
};

FIXTURE_SETUP(reset)
{
	memset(&self->sim, 0, sizeof(self->sim));
	self->port[0] = '\0';
	self->fd = -1;
}

FIXTURE_TEARDOWN(reset)
{
	if (self->port[0])
		usb_attr_set(self->port, "power/control", "on");
	if (self->fd >= 0)
		close(self->fd);
	sim_stop(&self->sim);
}

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(reset) *self,
		  const char *series, const char *fault)
{
	ASSERT_EQ(0, sim_start(&self->sim, series, fault));
	ASSERT_EQ(0, slot_attr(self->sim.minor, "port_path", self->port, sizeof(self->port)));
	self->fd = open(self->sim.dev, O_RDWR);
	ASSERT_LE(0, self->fd);
}

/*
 * The slot after a reset is the one before it: same node, generation,
 * state, stage and change counter (no REATTACH, no waiter woken for
 * nothing), and the USB device is the same one (same devnum).
 */
static void expect_same_slot(struct __test_metadata *_metadata, FIXTURE_DATA(reset) *self,
			     const struct stm32_ssp_info *before, const char *devnum)
{
	struct stm32_ssp_info after;
	char dn[16];

	ASSERT_EQ(0, ssp_info(self->fd, &after));
	EXPECT_EQ(before->generation, after.generation);
	EXPECT_EQ(before->seq, after.seq);
	EXPECT_EQ(STM32_SSP_STATE_READY, after.state);
	EXPECT_EQ(before->stage, after.stage);
	EXPECT_EQ(self->sim.minor, slot_by_serial(self->sim.serial));
	ASSERT_EQ(0, usb_attr(self->port, "devnum", dn, sizeof(dn)));
	EXPECT_STREQ(devnum, dn);
}

/*
 * MP15 stage A with a USB reset before and after each step: in the ROM,
 * in the started TF-A SSP, and the run still ends with the chip's own
 * reset (generation 1) back in the ROM.
 */
TEST_F(reset, between_steps_is_not_a_chip_reset)
{
	struct stm32_ssp_phase ph;
	struct stm32_ssp_info i;
	struct stm32_ssp_wait w;
	char devnum[16];

	start(_metadata, self, "mp15", NULL);
	ASSERT_EQ(0, usb_attr(self->port, "devnum", devnum, sizeof(devnum)));

	/* ROM */
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	ASSERT_EQ(0, i.generation);
	ASSERT_EQ(STM32_SSP_STAGE_ROM, i.stage);
	ASSERT_EQ(0, usb_reset(self->port));
	expect_same_slot(_metadata, self, &i, devnum);
	EXPECT_EQ(0, ssp_phase(self->fd, &ph));
	ASSERT_EQ(0, usb_reset(self->port));
	expect_same_slot(_metadata, self, &i, devnum);

	/* ROM -> TF-A SSP on the same USB device (MP15). */
	ASSERT_EQ(0, ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	ASSERT_EQ(0, ssp_wait(self->fd, 30000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	ASSERT_EQ(0, w.generation);
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	ASSERT_EQ(0, usb_reset(self->port));
	expect_same_slot(_metadata, self, &i, devnum);
	ASSERT_EQ(0, ssp_phase(self->fd, &ph));
	EXPECT_EQ(STM32_SSP_PHASE_RESET, ph.phase);
	EXPECT_EQ(0, memcmp(ph.reply + 9, "Provisioning", 12));
	ASSERT_EQ(0, usb_reset(self->port));
	expect_same_slot(_metadata, self, &i, devnum);

	/* The chip's own reset still counts. */
	EXPECT_EQ(0, ssp_detach(self->fd));
	EXPECT_EQ(0, ssp_wait(self->fd, 60000, 1, STAGE(STM32_SSP_STAGE_ROM), &w));
	EXPECT_EQ(1, w.generation);
	EXPECT_EQ(self->sim.minor, slot_by_serial(self->sim.serial));
}

/* MP13: the ROM's DFU answers after a reset; DETACH still re-enumerates. */
TEST_F(reset, mp13_rom_keeps_its_slot)
{
	struct stm32_ssp_phase ph;
	struct stm32_ssp_info i;
	struct stm32_ssp_wait w;
	char devnum[16];

	start(_metadata, self, "mp13", NULL);
	ASSERT_EQ(0, usb_attr(self->port, "devnum", devnum, sizeof(devnum)));
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	ASSERT_EQ(0, usb_reset(self->port));
	expect_same_slot(_metadata, self, &i, devnum);
	EXPECT_EQ(0, ssp_phase(self->fd, &ph));
	ASSERT_EQ(0, ssp_load(self->fd, w_fw13, w_fw13_len, STM32_SSP_PHASE_FSBL));
	EXPECT_EQ(0, ssp_wait(self->fd, 60000, 1, STAGE(STM32_SSP_STAGE_FSBL), &w));
	EXPECT_EQ(1, w.generation);
}

/*
 * A reset issued while LOAD_FW runs waits for it (pre_reset takes the I/O
 * lock the step holds): the step is not cut, LOAD_FW succeeds, the reset
 * returns after it, and the started image comes up on the same slot. Every
 * request of the chip takes 10 ms more (sspsim slow:10), so the download
 * lasts well past the moment the reset is issued.
 */
TEST_F(reset, during_load_fw_waits_for_the_step)
{
	uint64_t t0, t_load, t_reset[2];
	struct stm32_ssp_info i;
	struct stm32_ssp_wait w;
	int pfd[2], st, ret;
	char devnum[16];
	pid_t pid;

	start(_metadata, self, "mp15", "0:slow:10");
	ASSERT_EQ(0, usb_attr(self->port, "devnum", devnum, sizeof(devnum)));
	ASSERT_EQ(0, ssp_info(self->fd, &i));
	ASSERT_EQ(0, pipe(pfd));
	t0 = now_ms();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t t[2];

		usleep(300000);
		t[0] = now_ms();
		ret = usb_reset(self->port);
		t[1] = now_ms();
		if (write(pfd[1], t, sizeof(t)) != sizeof(t))
			_exit(2);
		_exit(ret ? 1 : 0);
	}
	close(pfd[1]);
	ret = ssp_load(self->fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL);
	t_load = now_ms();
	ASSERT_EQ(sizeof(t_reset), read(pfd[0], t_reset, sizeof(t_reset)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, ret);
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	/* The reset was issued during the download and returned after it. */
	ASSERT_LT(t_reset[0], t_load)
		TH_LOG("the download (%llu ms) ended before the reset was issued",
		       (unsigned long long)(t_load - t0));
	EXPECT_GE(t_reset[1], t_load);
	TH_LOG("LOAD_FW %llu ms, reset issued at %llu ms, returned at %llu ms",
	       (unsigned long long)(t_load - t0), (unsigned long long)(t_reset[0] - t0),
	       (unsigned long long)(t_reset[1] - t0));

	ASSERT_EQ(0, ssp_wait(self->fd, 60000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	EXPECT_EQ(0, w.generation);
	EXPECT_EQ(self->sim.minor, slot_by_serial(self->sim.serial));
}

/*
 * Runtime suspend stays off (supports_autosuspend is 0): with the device's
 * power/control on "auto" and no delay, a bound chip stays active and
 * answers.
 */
TEST_F(reset, no_autosuspend)
{
	struct stm32_ssp_phase ph;
	char st[32];

	start(_metadata, self, "mp15", NULL);
	ASSERT_EQ(0, usb_attr_set(self->port, "power/autosuspend_delay_ms", "0"));
	ASSERT_EQ(0, usb_attr_set(self->port, "power/control", "auto"));
	usleep(500000);
	ASSERT_EQ(0, usb_attr(self->port, "power/runtime_status", st, sizeof(st)));
	EXPECT_STREQ("active", st);
	EXPECT_EQ(0, ssp_phase(self->fd, &ph));
}

SSP_TEST_MAIN()
