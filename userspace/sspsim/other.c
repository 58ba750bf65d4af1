// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two DFU devices that are not an STM32MP15/MP13 SSP chip:
 *
 * - The MP25 ROM (chip 0x505): identified by hosts, answers GetPhase like
 *   the other ROMs and takes an FSBL image, but the MP25 SSP exchange is not
 *   public (spec §7.4), so nothing runs after the image: no firmware is
 *   started, DETACH is only logged. The image is not verified either (MP25
 *   uses header v2.2, not modelled).
 * - U-Boot's stm32prog gadget [UB]: generic DFU on its flashlayout
 *   alternates (data is counted and dropped) and GetPhase on @virtual. It
 *   exists so hosts can be tested to leave such a device alone.
 */
#include <errno.h>
#include <string.h>

#include "formats.h"
#include "sim.h"

#define PHASE_FSBL		0x01
#define PHASE_CMD		0xF1
#define GET_PHASE_LEN		9
#define MP25_ROM_MAX_IMAGE	(256 * 1024)
/* Plausible MP25 SYSRAM load address (inferred; only reported). */
#define MP25_LOAD_ADDR		0x0E012000u
/* U-Boot: the fixed DDR destination its GetPhase reports (inferred). */
#define UBOOT_LOAD_ADDR		0xC0000000u

static void get_phase(uint8_t *buf, size_t *len, uint8_t phase, uint32_t addr)
{
	buf[0] = phase;
	ssp_put_le32(buf + 1, addr);
	ssp_put_le32(buf + 5, 0);
	*len = GET_PHASE_LEN;
}

/* ---- MP25 ROM ---- */

static int mp25_download(struct sim_chip *c, uint8_t alt, const uint8_t *data, size_t len)
{
	(void)data;
	if (sim_alt_phase(c, alt) != PHASE_FSBL) {
		sim_chip_log(c, "MP25 ROM: DNLOAD on alternate %u refused (not FSBL)", alt);
		return -EIO;
	}
	if (c->dfu.state == DFU_IDLE) {
		c->img_len = 0;
		c->img_ready = false;
	}
	if (len > MP25_ROM_MAX_IMAGE - c->img_len) {
		sim_chip_log(c, "MP25 ROM: image larger than %u bytes refused", MP25_ROM_MAX_IMAGE);
		return -EIO;
	}
	c->img_len += len;
	return 0;
}

static int mp25_manifest(struct sim_chip *c, uint8_t alt)
{
	if (sim_alt_phase(c, alt) != PHASE_FSBL)
		return -EIO;
	c->img_ready = true;
	sim_chip_log(c, "MP25 ROM: image of %zu bytes received, not verified; MP25 SSP is not modelled (spec §7.4)",
		     c->img_len);
	return 0;
}

static int mp25_upload(struct sim_chip *c, uint8_t alt, uint8_t *buf, size_t *len)
{
	if (sim_alt_phase(c, alt) != PHASE_CMD)
		return -EIO;
	get_phase(buf, len, PHASE_FSBL, MP25_LOAD_ADDR);
	return 0;
}

static void mp25_detach(struct sim_chip *c)
{
	sim_chip_log(c, "MP25 ROM: DETACH %s; no FSBL is modelled, the chip stays in the ROM",
		     c->img_ready ? "after an image" : "without an image");
}

const struct sim_dfu_ops sim_mp25_rom_ops = {
	.download = mp25_download,
	.manifest = mp25_manifest,
	.upload = mp25_upload,
	.detach = mp25_detach,
	.manifested = NULL,
};

/* ---- U-Boot stm32prog ---- */

static int uboot_download(struct sim_chip *c, uint8_t alt, const uint8_t *data, size_t len)
{
	(void)data;
	if (alt >= sim_desc_nalts(c))
		return -EIO;
	if (c->dfu.state == DFU_IDLE)
		c->img_len = 0;
	c->img_len += len;
	return 0;
}

static int uboot_manifest(struct sim_chip *c, uint8_t alt)
{
	if (alt >= sim_desc_nalts(c))
		return -EIO;
	sim_chip_log(c, "U-Boot: %zu bytes written to alternate %u", c->img_len, alt);
	return 0;
}

static int uboot_upload(struct sim_chip *c, uint8_t alt, uint8_t *buf, size_t *len)
{
	if (sim_alt_phase(c, alt) != PHASE_CMD)
		return -EIO;
	/* Byte 9 = 0: no flashlayout loaded (spec §2.2). */
	get_phase(buf, len, 0x00, UBOOT_LOAD_ADDR);
	buf[GET_PHASE_LEN] = 0;
	*len = GET_PHASE_LEN + 1;
	return 0;
}

static void uboot_detach(struct sim_chip *c)
{
	sim_chip_log(c, "U-Boot: DETACH logged (a real board would reset)");
}

const struct sim_dfu_ops sim_uboot_ops = {
	.download = uboot_download,
	.manifest = uboot_manifest,
	.upload = uboot_upload,
	.detach = uboot_detach,
	.manifested = NULL,
};
