/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dev: /dev/sspN access, one wrapper per ioctl of uapi/linux/stm32_ssp.h.
 * Each wrapper fills the struct's size, checks what it can of the reply and
 * turns an errno into one sentence naming the device, the request and what
 * the errno means for a chip (left the bus, replaced, busy, stalled...).
 */
#ifndef SSP_DEV_H
#define SSP_DEV_H

#include <stddef.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

#include "err.h"
#include "profile.h"

#define SSP_DEV_CLASS_DIR	"/sys/class/stm32_ssp"

struct ssp_dev {
	int fd;
	char path[256];		/* "/dev/ssp3", or the link given */
	char name[64];		/* "ssp3" */
};

/*
 * Accepts "sspN", "/dev/sspN" or a chip serial (looked up in
 * /sys/class/stm32_ssp/ * /serial); writes "/dev/sspN" to path.
 */
int ssp_dev_resolve(const char *arg, char *path, size_t len, struct ssp_err *e);
/* Resolve and open (read-write when rw, else read-only). */
int ssp_dev_open(const char *arg, int rw, struct ssp_dev *d, struct ssp_err *e);
void ssp_dev_close(struct ssp_dev *d);

/*
 * GET_INFO with the whole struct of this build. info->size tells what the
 * driver filled: below STM32_SSP_INFO_SIZE_VER1 (a driver older than the
 * phase map) num_phase_alts is 0.
 */
int ssp_dev_info(struct ssp_dev *d, struct stm32_ssp_info *info, struct ssp_err *e);
int ssp_dev_get_phase(struct ssp_dev *d, struct stm32_ssp_phase *ph, struct ssp_err *e);
int ssp_dev_load_fw(struct ssp_dev *d, const void *fw, size_t len, unsigned int phase,
		    struct ssp_err *e);
int ssp_dev_read_cert(struct ssp_dev *d, struct stm32_ssp_cert *cert, struct ssp_err *e);
/* blob = license || payload; lic->result/phase/address filled on success. */
int ssp_dev_send_license(struct ssp_dev *d, const void *blob, size_t len, uint32_t flags,
			 struct stm32_ssp_license *lic, struct ssp_err *e);
/* -ETIMEDOUT when the conditions did not hold in time; w is filled either way. */
int ssp_dev_wait(struct ssp_dev *d, unsigned int timeout_ms, unsigned int min_generation,
		 unsigned int stage_mask, struct stm32_ssp_wait *w, struct ssp_err *e);
int ssp_dev_detach(struct ssp_dev *d, struct ssp_err *e);
int ssp_dev_recover(struct ssp_dev *d, struct stm32_ssp_recover *r, struct ssp_err *e);

/* One line of a sysfs attribute (DIR/NAME) without its newline; 0 or -errno. */
int ssp_sysfs_attr(const char *dir, const char *name, char *buf, size_t len);

/* What an errno from /dev/sspN means for the chip, for messages. */
const char *ssp_dev_errno_hint(int err);

const char *ssp_stage_name(unsigned int stage);	/* "rom", "fsbl", "unknown" */
const char *ssp_state_name(unsigned int state);	/* "ready", "booting", ... */
const char *ssp_chip_name(unsigned int chip_id);	/* "STM32MP15", ... */
/* Series of a chip id: 0, or -ENOTSUP for a chip SSP does not run on. */
int ssp_series_of_chip(unsigned int chip_id, enum ssp_series *series);
const char *ssp_series_name(enum ssp_series series);	/* "mp15", "mp13" */
int ssp_series_parse(const char *s, enum ssp_series *series);

#endif /* SSP_DEV_H */
