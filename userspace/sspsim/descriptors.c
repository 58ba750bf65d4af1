// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB descriptors and strings per chip and stage (spec §1.1, §1.2), laid
 * out as TF-A's stm32mp1_usb_dfu.c does; the ROM is inferred identical
 * except for its product string and (MP13) its alternate list. The MP25 ROM
 * and U-Boot stm32prog have their own product strings and alternates.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define USB_DT_DEVICE		1
#define USB_DT_CONFIG		2
#define USB_DT_STRING		3
#define USB_DT_INTERFACE	4
#define USB_DT_QUALIFIER	6
#define USB_DT_DFU		0x21

#define PHASE_FSBL	0x01
#define PHASE_SSBL	0x03
#define PHASE_CMD	0xF1
#define PHASE_SSP	0xF3
#define PHASE_RESET	0xFF
#define SSP_CHIP_ID_MP25	0x505

static const char *const mp15_alts[] = {
	"@Partition0 /0x00/1*256Ke", "@FSBL /0x01/1*1Me", "@Partition2 /0x02/1*1Me",
	"@Partition3 /0x03/1*16Me", "@Partition4 /0x04/1*16Me", "@virtual /0xF1/1*512Ba",
};
static const char *const mp13_rom_alts[] = { "@FSBL /0x01/1*128Ke", "@virtual /0xF1/1*512Ba" };
static const char *const mp13_tfa_alts[] = { "@SSP /0xF3/1*512Ba", "@virtual /0xF1/1*512Ba" };
/* MP25 ROM: alt0 seen in [DH], @virtual per [SNAG] (spec §1.2). */
static const char *const mp25_rom_alts[] = { "@FSBL /0x01/1*256Ke", "@virtual /0xF1/1*512Ba" };
/* U-Boot stm32prog: alternates from a flashlayout ("@<name> /0x<id>/1*<size>"), then CMD [UB]. */
static const char *const uboot_alts[] = {
	"@fsbl1 /0x01/1*256Ke", "@fsbl2 /0x02/1*256Ke", "@fip /0x03/1*4Me", "@virtual /0xF1/1*512Ba",
};
static const uint8_t uboot_phases[] = { 0x01, 0x02, 0x03, 0xF1 };

static const char *const *alt_table(const struct sim_chip *c, unsigned int *n)
{
	if (c->kind == SIM_KIND_MP25) {
		*n = 2;
		return mp25_rom_alts;
	}
	if (c->kind == SIM_KIND_UBOOT) {
		*n = 4;
		return uboot_alts;
	}
	if (c->series == SSP_SERIES_MP15) {
		*n = 6;
		return mp15_alts;
	}
	*n = 2;
	return c->stage == SIM_STAGE_ROM ? mp13_rom_alts : mp13_tfa_alts;
}

/* many-alts: as many alternate settings as USB allows (bAlternateSetting < 128). */
#define MANY_ALTS	128

unsigned int sim_desc_nalts(const struct sim_chip *c)
{
	unsigned int n;

	alt_table(c, &n);
	return sim_fault_has(&c->faults, SIM_FAULT_MANY_ALTS) ? MANY_ALTS : n;
}

const char *sim_desc_alt_name(const struct sim_chip *c, unsigned int alt)
{
	static __thread char spare[40];
	unsigned int n;
	const char *const *t = alt_table(c, &n);

	if (alt >= n && alt < sim_desc_nalts(c)) {
		/* Valid names of a phase already mapped: a host reads them all. */
		snprintf(spare, sizeof(spare), "@Spare%u /0x04/1*1Ke", alt);
		return spare;
	}
	if (alt >= n)
		return NULL;
	/* bad-descriptor: the @virtual name loses the "/0xF1" field the host maps phases with. */
	if (alt == n - 1 && sim_fault_has(&c->faults, SIM_FAULT_BAD_DESCRIPTOR))
		return "@virtual 0xF1 1*512Ba";
	return t[alt];
}

uint8_t sim_alt_phase(const struct sim_chip *c, unsigned int alt)
{
	if (c->kind == SIM_KIND_UBOOT)
		return alt < sizeof(uboot_phases) ? uboot_phases[alt] : PHASE_RESET;
	if (c->kind == SIM_KIND_MP25)
		return alt == 0 ? PHASE_FSBL : alt == 1 ? PHASE_CMD : PHASE_RESET;
	if (c->stage == SIM_STAGE_ROM) {
		/* The ROM loads only the FSBL and answers GetPhase (inferred). */
		if (c->series == SSP_SERIES_MP15)
			return alt == 1 ? PHASE_FSBL : alt == 5 ? PHASE_CMD : PHASE_RESET;
		return alt == 0 ? PHASE_FSBL : alt == 1 ? PHASE_CMD : PHASE_RESET;
	}
	/* usb_dfu_get_phase() of the SSP build of TF-A [T26]. */
	if (c->series == SSP_SERIES_MP15)
		return alt == 0 ? PHASE_SSP : alt == 3 ? PHASE_SSBL : alt == 5 ? PHASE_CMD : PHASE_RESET;
	return alt == 0 ? PHASE_SSP : alt == 1 ? PHASE_CMD : PHASE_RESET;
}

void sim_desc_product(const struct sim_chip *c, char *out, size_t len)
{
	bool mp15 = c->series == SSP_SERIES_MP15;
	unsigned int rev = mp15 ? 0x0000 : 0x1003;

	if (c->kind == SIM_KIND_MP25) {
		snprintf(out, len, "DFU in HS Mode @Device ID /0x%03X, @Revision ID /0x2000", SSP_CHIP_ID_MP25);
		return;
	}
	if (c->kind == SIM_KIND_UBOOT) {
		/* No blank between "gadget" and "@Device": U-Boot's string as is [UB], [DH]. */
		snprintf(out, len, "USB download gadget@Device ID /0x500, @Revision ID /0x2000, @Name /STM32MP157CAA Rev.B,");
		return;
	}
	if (c->stage == SIM_STAGE_ROM)
		snprintf(out, len, "DFU in HS Mode @Device ID /0x%03X, @Revision ID /0x%04X",
			 ssp_chip_id(c->series), rev);
	else if (sim_fault_has(&c->faults, SIM_FAULT_FOREIGN_FSBL))
		/* foreign-fsbl: an image for another part answers; 0x4FF is no STM32MP. */
		snprintf(out, len, "DFU @Device ID /0x4FF, @Revision ID /0x%04X, @Name /foreign,", rev);
	else
		snprintf(out, len, "DFU @Device ID /0x%03X, @Revision ID /0x%04X, @Name /%s,",
			 ssp_chip_id(c->series), rev, mp15 ? "STM32MP157FAA Rev.B" : "STM32MP135FAF Rev.Y");
}

void sim_desc_serial(const struct sim_chip *c, char *out, size_t len)
{
	/* long-serial: 55 characters, past any 31-character copy of it. */
	if (sim_fault_has(&c->faults, SIM_FAULT_LONG_SERIAL))
		snprintf(out, len, "%s-LONG-SERIAL-PAST-31-CHARACTERS", c->serial);
	else
		snprintf(out, len, "%s", c->serial);
}

static int string_desc(const char *s, uint8_t *buf, size_t max)
{
	size_t n = strlen(s), len = 2 + 2 * n;

	if (len > 255 || len > max)
		return -1;
	buf[0] = (uint8_t)len;
	buf[1] = USB_DT_STRING;
	for (size_t i = 0; i < n; i++) {
		buf[2 + 2 * i] = (uint8_t)s[i];
		buf[3 + 2 * i] = 0;
	}
	return (int)len;
}

static int dfu_functional(const struct sim_chip *c, uint8_t *p)
{
	/* bad-descriptor: truncated to 7 bytes, bcdDFU missing. */
	int len = sim_fault_has(&c->faults, SIM_FAULT_BAD_DESCRIPTOR) ? 7 : 9;

	p[0] = (uint8_t)len;
	p[1] = USB_DT_DFU;
	p[2] = 0x0F;			/* CanDnload CanUpload ManifestationTolerant WillDetach */
	p[3] = 255; p[4] = 0;		/* wDetachTimeOut */
	p[5] = SIM_XFER_SIZE & 0xFF; p[6] = SIM_XFER_SIZE >> 8;
	if (len == 9) {
		p[7] = 0x10; p[8] = 0x01;	/* bcdDFU 1.1 */
	}
	return len;
}

static int config_desc(const struct sim_chip *c, uint8_t *buf, size_t max)
{
	unsigned int n = sim_desc_nalts(c), total;
	/* two-interfaces: interface 1 repeats interface 0 (same strings). */
	unsigned int nifs = sim_fault_has(&c->faults, SIM_FAULT_TWO_INTERFACES) ? 2 : 1;
	uint8_t *p = buf;

	if (max < 9 * (nifs * (n + 1) + 1))
		return -1;
	p[0] = 9; p[1] = USB_DT_CONFIG;
	p[4] = (uint8_t)nifs;	/* bNumInterfaces */
	p[5] = 1;		/* bConfigurationValue */
	p[6] = 2;		/* iConfiguration = the product string index (TF-A quirk) */
	p[7] = 0xC0;
	p[8] = 0x32;
	p += 9;
	for (unsigned int intf = 0; intf < nifs; intf++) {
		for (unsigned int alt = 0; alt < n; alt++, p += 9) {
			p[0] = 9; p[1] = USB_DT_INTERFACE;
			p[2] = (uint8_t)intf;		/* bInterfaceNumber */
			p[3] = (uint8_t)alt;
			p[4] = 0;			/* bNumEndpoints */
			p[5] = 0xFE; p[6] = 0x01; p[7] = 0x02;
			p[8] = (uint8_t)(6 + alt);
		}
		p += dfu_functional(c, p);
	}
	total = (unsigned int)(p - buf);
	buf[2] = total & 0xFF;
	buf[3] = total >> 8;
	return (int)total;
}

int sim_desc_get(const struct sim_chip *c, uint8_t type, uint8_t index, uint8_t *buf, size_t max)
{
	char s[128];

	switch (type) {
	case USB_DT_DEVICE: {
		static const uint8_t dev[18] = {
			18, USB_DT_DEVICE, 0x00, 0x02, 0, 0, 0, 64,
			0x83, 0x04, 0x11, 0xDF, 0x00, 0x02, 1, 2, 3, 1,
		};

		if (index || max < sizeof(dev))
			return -1;
		memcpy(buf, dev, sizeof(dev));
		return sizeof(dev);
	}
	case USB_DT_QUALIFIER: {
		static const uint8_t q[10] = { 10, USB_DT_QUALIFIER, 0x00, 0x02, 0, 0, 0, 64, 1, 0 };

		if (max < sizeof(q))
			return -1;
		memcpy(buf, q, sizeof(q));
		return sizeof(q);
	}
	case USB_DT_CONFIG:
		if (index)
			return -1;
		return config_desc(c, buf, max);
	case USB_DT_DFU:
		if (max < 9)
			return -1;
		return dfu_functional(c, buf);
	case USB_DT_STRING:
		switch (index) {
		case 0:
			if (max < 4)
				return -1;
			buf[0] = 4; buf[1] = USB_DT_STRING; buf[2] = 0x09; buf[3] = 0x04;
			return 4;
		case 1:
			return string_desc("STMicroelectronics", buf, max);
		case 2:
			sim_desc_product(c, s, sizeof(s));
			return string_desc(s, buf, max);
		case 3:
			sim_desc_serial(c, s, sizeof(s));
			return string_desc(s, buf, max);
		case 4:
			return string_desc("DFU Config", buf, max);
		case 5:
			return string_desc("DFU Interface", buf, max);
		default: {
			const char *name = sim_desc_alt_name(c, index - 6u);

			return name ? string_desc(name, buf, max) : -1;
		}
		}
	default:
		/* Other speed configuration: "only HS is supported, as ROM code". */
		return -1;
	}
}
