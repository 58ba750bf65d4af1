/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * progress: what `sspctl provision` and `sspctl watch` show while chips are
 * provisioned. On a terminal a live table, one line per chip, redrawn on
 * every step and twice a second; otherwise (or with --json) JSON lines, one
 * object per step and per result, then a summary. The daemon under systemd
 * sends one journal record per step and result instead (journal.h).
 */
#ifndef SSPCTL_PROGRESS_H
#define SSPCTL_PROGRESS_H

#include <stdio.h>

#include <json-c/json.h>

#include "provision.h"

enum progress_mode {
	PROGRESS_TTY,	/* live table, text summary */
	PROGRESS_JSON,	/* JSON lines */
	PROGRESS_LOG,	/* one text line per chip result (daemon logs) */
	PROGRESS_JOURNAL,	/* journal records with SSP_* fields; text if journald is away */
};

struct progress;

/* chips: the array the workers update (indexes name the table rows). */
struct progress *progress_new(enum progress_mode mode, FILE *out,
			      const struct ssp_prov_chip *chips, size_t n);
/* ssp_prov_progress_fn: called from a chip's worker thread. */
void progress_update(void *arg, const struct ssp_prov_chip *chip);
/* Final table or summary object; stops the ticker. */
void progress_finish(struct progress *p, double wall_seconds);
void progress_free(struct progress *p);

/* Rendering, pure (unit-tested). */
json_object *progress_chip_json(const struct ssp_prov_chip *c, const char *event, double now);
void progress_chip_line(const struct ssp_prov_chip *c, double now, char *buf, size_t len);
const char *progress_header(void);

/* Counts of each result, and the sspctl exit code they mean. */
struct progress_counts {
	unsigned int provisioned, closed, failed, no_license, skipped, other;
};
void progress_count(const struct ssp_prov_chip *chips, size_t n, struct progress_counts *pc);
int progress_exit_code(const struct progress_counts *pc);

#endif /* SSPCTL_PROGRESS_H */
