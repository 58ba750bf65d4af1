/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Structured records for the systemd journal: a priority, MESSAGE= and
 * fields of our own (SSP_SERIAL=, SSP_RESULT=, ...), so that
 * `journalctl -p err` lists the chips that failed and
 * `journalctl SSP_SERIAL=...` the whole story of one chip. Records are
 * built by pure functions (unit-tested) and sent with sd_journal_sendv();
 * a process whose stderr is not the journal prints text instead (its
 * caller decides, with ssp_journal_connected()).
 */
#ifndef SSP_JOURNAL_H
#define SSP_JOURNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include "provision.h"

#define SSP_JOURNAL_MAX_FIELDS	20
#define SSP_JOURNAL_FIELD_MAX	1024	/* "NAME=value", longer values are cut */

/* MESSAGE_ID of a chip's result, and of the daemon's own notices. */
#define SSP_JOURNAL_ID_CHIP_RESULT	"daa6e67be48a44cd9ab205c5b2725454"
#define SSP_JOURNAL_ID_DAEMON		"2f2260778599492180d379db57a09dd4"

struct ssp_journal_rec {
	int priority;		/* LOG_ERR ... LOG_DEBUG */
	size_t n;
	char field[SSP_JOURNAL_MAX_FIELDS][SSP_JOURNAL_FIELD_MAX];
};

/* An empty record with PRIORITY=priority and SYSLOG_IDENTIFIER=sspctl. */
void ssp_journal_init(struct ssp_journal_rec *r, int priority);
/*
 * Add NAME=value. Empty values are left out (journalctl shows absent fields
 * as absent, not as ""). -EINVAL for a name the journal refuses (only A-Z,
 * 0-9 and '_', not first; at most 64), -ENOSPC when the record is full.
 */
int ssp_journal_add(struct ssp_journal_rec *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value of NAME in r, or NULL. */
const char *ssp_journal_get(const struct ssp_journal_rec *r, const char *name);

/*
 * The record of a chip's progress or result: priority err for a chip left
 * unprovisioned (failed, no license, not started), notice for one
 * provisioned (or found already provisioned), info for a step; MESSAGE
 * names the device, chip and cause; the fields are SSP_DEVICE, SSP_SERIAL,
 * SSP_PORT, SSP_CHIP (chip id, 0x500), SSP_SERIES, SSP_STAGE, SSP_STEP,
 * SSP_RESULT, SSP_ELAPSED, and once finished SSP_LICENSE_USED, SSP_RETRIES,
 * SSP_CHIP_MESSAGE, SSP_CAUSE, SSP_AUDIT_ERROR. now: ssp_prov_now().
 */
void ssp_journal_chip(struct ssp_journal_rec *r, const struct ssp_prov_chip *c, double now);
/* The priority of a chip in that state. */
int ssp_journal_chip_priority(const struct ssp_prov_chip *c);

/* Send r to the journal; negative errno when journald cannot be reached. */
int ssp_journal_send(const struct ssp_journal_rec *r);

/*
 * 1 when fd is the stream systemd connected to the journal
 * ($JOURNAL_STREAM names its device and inode), else 0.
 */
int ssp_journal_connected(int fd);

#endif /* SSP_JOURNAL_H */
