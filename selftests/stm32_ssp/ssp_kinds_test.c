// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp and the ST DFU devices around an SSP chip: U-Boot's stm32prog
 * gadget is left alone (no slot, no driver, dfu-util lists it) while an
 * MP15 ROM next to it is bound; an MP25 ROM is bound and identified; and
 * RECOVER brings a ROM out of dfuERROR with CLRSTATUS.
 */
#include "ssp_test.h"
#include "kselftest_harness.h"

/* The sysfs directory of the USB device with this serial, or -1. */
static int usb_dev_by_serial(const char *serial, char *out, size_t len)
{
	struct dirent *de;
	char path[300], s[64];
	int ret = -1;
	DIR *d;

	d = opendir("/sys/bus/usb/devices");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/serial", de->d_name);
		if (read_file(path, s, sizeof(s) - 1) <= 0)
			continue;
		s[strcspn(s, "\n")] = 0;
		if (!strcmp(s, serial)) {
			snprintf(out, len, "/sys/bus/usb/devices/%s", de->d_name);
			ret = 0;
		}
	}
	closedir(d);
	return ret;
}

/* Driver bound to interface 0 of the device: its name, "" if none, -1 if no interface. */
static int intf_driver(const char *devdir, char *drv, size_t len)
{
	char path[400], link[300], *base;
	struct stat sb;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s:1.0", devdir, strrchr(devdir, '/') + 1);
	if (stat(path, &sb))
		return -1;
	strncat(path, "/driver", sizeof(path) - strlen(path) - 1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		drv[0] = 0;
		return 0;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		return -1;
	memcpy(drv, base, strlen(base) + 1);
	return 0;
}

/* Start a U-Boot gadget (no slot to wait for): its serial in @s. */
static int uboot_start(struct sim *s)
{
	char cmd[512], line[128];
	int idx, got = 0;
	FILE *p;

	snprintf(s->dir, sizeof(s->dir), "%s/uboot%d.%u", w_dir, (int)getpid(), w_sims++);
	snprintf(cmd, sizeof(cmd), "%s start --state %s --series uboot --chips 1 --timing fast",
		 sspsim_path(), s->dir);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		if (!got && sscanf(line, "%d %32s", &idx, s->serial) == 2)
			got = 1;
	if (pclose(p) || !got)
		return -ECHILD;
	s->minor = -1;
	return 0;
}

static bool dfu_util_lists(const char *serial)
{
	char line[512], want[64];
	bool found = false;
	FILE *p;

	snprintf(want, sizeof(want), "serial=\"%s\"", serial);
	p = popen("dfu-util -l 2>&1", "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, want) && strstr(line, "name=\"@virtual /0xF1/1*512Ba\""))
			found = true;
	pclose(p);
	return found;
}

TEST(uboot_gadget_is_not_bound_while_an_mp15_rom_is)
{
	struct sim rom = { 0 }, ub = { 0 };
	char dir[300], drv[64];
	uint64_t end;

	ASSERT_EQ(0, sim_start(&rom, "mp15", NULL));
	ASSERT_EQ(0, uboot_start(&ub));
	ASSERT_EQ(0, usb_dev_by_serial(ub.serial, dir, sizeof(dir)));
	/* Give a probe time to happen before judging that none did. */
	end = now_ms() + 5000;
	while (intf_driver(dir, drv, sizeof(drv)) < 0 && now_ms() < end)
		usleep(50000);
	usleep(500000);
	ASSERT_EQ(0, intf_driver(dir, drv, sizeof(drv)));
	EXPECT_NE(0, strcmp(drv, "stm32_ssp"));
	if (drv[0])
		EXPECT_STREQ("usbfs", drv);
	EXPECT_EQ(-1, slot_by_serial(ub.serial));
	EXPECT_TRUE(dfu_util_lists(ub.serial));

	/* The MP15 ROM beside it is ours. */
	ASSERT_EQ(0, usb_dev_by_serial(rom.serial, dir, sizeof(dir)));
	ASSERT_EQ(0, intf_driver(dir, drv, sizeof(drv)));
	EXPECT_STREQ("stm32_ssp", drv);
	EXPECT_EQ(0, access(rom.dev, F_OK));
	EXPECT_LE(0, slot_by_serial(rom.serial));
	sim_stop(&ub);
	sim_stop(&rom);
}

TEST(mp25_rom_is_bound_and_identified)
{
	struct sim sim = { 0 };
	struct stm32_ssp_phase ph;
	struct stm32_ssp_info i;
	char buf[64];
	int fd;

	ASSERT_EQ(0, sim_start(&sim, "mp25", NULL));
	fd = open(sim.dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ssp_info(fd, &i));
	EXPECT_EQ(STM32_SSP_CHIP_MP25, i.chip_id);
	EXPECT_EQ(0x2000, i.revision);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, i.stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, i.state);
	EXPECT_EQ(2, i.num_alts);
	EXPECT_STREQ(sim.serial, i.serial);
	ASSERT_EQ(0, slot_attr(sim.minor, "chip_id", buf, sizeof(buf)));
	EXPECT_STREQ("0x505", buf);
	ASSERT_EQ(0, slot_attr(sim.minor, "stage", buf, sizeof(buf)));
	EXPECT_STREQ("rom", buf);
	ASSERT_EQ(0, ssp_phase(fd, &ph));
	EXPECT_EQ(STM32_SSP_PHASE_FSBL, ph.phase);
	EXPECT_EQ(0x0E012000, ph.address);
	EXPECT_EQ(9, ph.reply_len);
	close(fd);
	sim_stop(&sim);
}

TEST(recover_from_dfu_error_sends_clrstatus)
{
	struct sim sim = { 0 };
	struct stm32_ssp_recover r;
	struct stm32_ssp_phase ph;
	int fd;

	ASSERT_EQ(0, sim_start(&sim, "mp15", "0:dfu-error:phase"));
	fd = open(sim.dev, O_RDWR);
	ASSERT_LE(0, fd);
	/* The GetPhase upload stalls and leaves dfuERROR/errSTALLEDPKT. */
	EXPECT_GT(0, ssp_phase(fd, &ph));
	ASSERT_EQ(0, ssp_recover(fd, &r));
	EXPECT_EQ(10, r.state_before);
	EXPECT_EQ(0x0F, r.status_before);
	EXPECT_EQ(2, r.state_after);
	/* Back in dfuIDLE: GetPhase works and a second RECOVER has nothing to do. */
	ASSERT_EQ(0, ssp_phase(fd, &ph));
	EXPECT_EQ(STM32_SSP_PHASE_FSBL, ph.phase);
	ASSERT_EQ(0, ssp_recover(fd, &r));
	EXPECT_EQ(2, r.state_before);
	EXPECT_EQ(0, r.status_before);
	close(fd);
	sim_stop(&sim);
}

SSP_TEST_MAIN()
