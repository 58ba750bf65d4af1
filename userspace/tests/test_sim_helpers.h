/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the sspsim unit tests: a chip in a temporary state directory,
 * driven request by request on a virtual clock, like the kernel would over
 * USB/IP but without USB.
 */
#ifndef TEST_SIM_HELPERS_H
#define TEST_SIM_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "sim.h"
#include "stm32_image.h"

#define RT_OUT_CLASS	0x21	/* host-to-device, class, interface */
#define RT_IN_CLASS	0xA1
#define RT_IN_STD	0x80
#define RT_OUT_STD_IF	0x01

struct tsim {
	char dir[64];
	struct sim_store store;
	struct sim_chip chip;
	uint64_t now;
	struct sim_reply r;
	uint8_t oem_priv[SSP_PRIV_LEN], oem_pub[SSP_PUB_LEN];
	uint8_t *fw;
	size_t fw_len;
};

static inline int tsim_ctl(struct tsim *t, uint8_t rt, uint8_t req, uint16_t val, uint16_t len,
			   const void *out, size_t out_len)
{
	struct sim_setup s = { rt, req, val, 0, len };

	t->now += 1000;
	sim_chip_control(&t->chip, t->now, &s, out, out_len, &t->r);
	return t->r.status;
}

/* Fire due events (advancing the clock) until the chip is on the bus and idle, or n rounds. */
static inline void tsim_settle(struct tsim *t, int *detaches, int *attaches)
{
	for (int i = 0; i < 16; i++) {
		uint64_t at = sim_chip_next_event(&t->chip);
		enum sim_action a;

		if (at == UINT64_MAX)
			return;
		if (at > t->now)
			t->now = at;
		a = sim_chip_run_event(&t->chip, t->now);
		if (a == SIM_ACT_DETACH && detaches)
			(*detaches)++;
		if (a == SIM_ACT_ATTACH && attaches)
			(*attaches)++;
	}
}

static inline int tsim_setup(struct tsim *t, enum ssp_series series, const char *faults[])
{
	char err[512];
	uint8_t *payload;
	struct ssp_stm32_params info;
	int ret;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/ssp-test-sim-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	ret = sim_store_open(&t->store, t->dir, err, sizeof(err));
	if (!ret)
		ret = sim_chip_create(&t->chip, &t->store, series, 0, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "# %s\n", err);
		return ret;
	}
	t->chip.timing = sim_timing_get("fast");
	for (int i = 0; faults && faults[i]; i++) {
		ret = sim_fault_parse(faults[i], &t->chip.faults.f[t->chip.faults.n], err, sizeof(err));
		if (ret)
			return ret;
		t->chip.faults.n++;
	}
	sim_chip_power_on(&t->chip, t->now);
	/* Signed test firmware of 3000 bytes. */
	ret = ssp_ec_key_from_seed("test oem", "k", 1, t->oem_priv, t->oem_pub);
	if (ret)
		return ret;
	/* The header each ROM takes: v1.0 on MP15, v2.0 on MP13. */
	memset(&info, 0, sizeof(info));
	info.header_version = series == SSP_SERIES_MP13 ? SSP_STM32_HV_2_0 : SSP_STM32_HV_1_0;
	t->fw_len = ssp_stm32_header_size(info.header_version) + 3000;
	t->fw = calloc(1, t->fw_len);
	payload = malloc(3000);
	if (!t->fw || !payload)
		return -ENOMEM;
	for (int i = 0; i < 3000; i++)
		payload[i] = (uint8_t)i;
	info.load_address = series == SSP_SERIES_MP13 ? SIM_FW_LOAD_MP13 : SIM_FW_LOAD_MP15;
	info.image_version = 5;
	ret = ssp_stm32_image_build(&info, payload, 3000, t->oem_priv, t->fw, t->fw_len);
	free(payload);
	return ret;
}

static inline void tsim_teardown(struct tsim *t)
{
	char cmd[128];

	sim_chip_free(&t->chip);
	free(t->fw);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", t->dir);
}

static inline unsigned int tsim_fsbl_alt(struct tsim *t)
{
	return t->chip.series == SSP_SERIES_MP15 ? 1 : 0;
}

static inline unsigned int tsim_virtual_alt(struct tsim *t)
{
	return t->chip.series == SSP_SERIES_MP15 ? 5 : 1;
}

/* DNLOAD an image in 1024-byte blocks with GETSTATUS polls, then the zero-length DNLOAD. */
static inline int tsim_download(struct tsim *t, unsigned int alt, const uint8_t *img, size_t len)
{
	int ret = tsim_ctl(t, 0x01, 0x0B, alt, 0, NULL, 0);

	for (size_t off = 0; !ret && off < len; off += 1024) {
		size_t n = len - off < 1024 ? len - off : 1024;

		ret = tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, (uint16_t)(off / 1024), (uint16_t)n, img + off, n);
		if (!ret)
			ret = tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);
		if (!ret)
			ret = tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);
	}
	if (!ret)
		ret = tsim_ctl(t, RT_OUT_CLASS, DFU_DNLOAD, 0, 0, NULL, 0);
	return ret;
}

/* Load and start the firmware as the host does on this series; returns the status of the start. */
static inline int tsim_start_fw_n(struct tsim *t, const uint8_t *img, size_t len, int *det, int *att)
{
	int ret = tsim_download(t, tsim_fsbl_alt(t), img, len);

	if (ret)
		return ret;
	ret = tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);
	if (ret)
		return ret;
	if (t->r.data[4] != DFU_MANIFEST)
		return -EINVAL;
	if (t->chip.series == SSP_SERIES_MP13) {
		ret = tsim_ctl(t, RT_IN_CLASS, DFU_GETSTATUS, 0, 6, NULL, 0);
		if (!ret)
			ret = tsim_ctl(t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0);
	}
	tsim_settle(t, det, att);
	return ret;
}

static inline int tsim_start_fw(struct tsim *t, const uint8_t *img, size_t len)
{
	return tsim_start_fw_n(t, img, len, NULL, NULL);
}

static inline int tsim_getphase(struct tsim *t, uint8_t *buf, size_t *len)
{
	int ret = tsim_ctl(t, 0x01, 0x0B, (uint16_t)tsim_virtual_alt(t), 0, NULL, 0);

	if (!ret)
		ret = tsim_ctl(t, RT_IN_CLASS, DFU_UPLOAD, 0, 512, NULL, 0);
	if (!ret) {
		memcpy(buf, t->r.data, t->r.len);
		*len = t->r.len;
	}
	return ret;
}

/* License (for chip_pub) + payload sealed with a fixed OEM key and nonce. */
static inline int tsim_blob(struct tsim *t, const uint8_t chip_pub[SSP_PUB_LEN],
			    const struct ssp_payload_plain *plain, uint32_t fsbl_min, uint8_t *blob)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t nonce[16] = { 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB };
	struct ssp_license_params p = { SSP_LIC_TYPE_NORMAL, 0, fsbl_min };
	int ret = ssp_license_make(chip_pub, key, nonce, &p, NULL, blob);

	if (!ret)
		ret = ssp_payload_seal(plain, key, nonce, blob + SSP_LIC_SIZE, ssp_payload_size(plain->series));
	return ret;
}

#endif /* TEST_SIM_HELPERS_H */
