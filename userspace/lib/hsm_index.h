/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software HSM's re-issue index (hsm_index.c): the audit log's license
 * lines by certificate hash, built by reading the log once, then only the
 * bytes appended since (by anyone), so a license costs no scan of the whole
 * log. Used under the HSM's exclusive lock only (one commit at a time).
 */
#ifndef SSP_HSM_INDEX_H
#define SSP_HSM_INDEX_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "profile.h"

struct hsm_index_entry {
	uint8_t cert[SSP_HASH_LEN];
	off_t end;			/* the line ends there */
};

struct hsm_index {
	struct hsm_index_entry *v;
	size_t n, cap;
	uint32_t *slot;			/* open addressing: entry index + 1, 0 empty */
	size_t nslot;			/* power of two, > 2 n */
	off_t scanned;			/* log bytes indexed */
	ino_t ino;			/* of the log indexed */
};

void hsm_index_reset(struct hsm_index *x);
/* Bring the index up to the end of DIR/audit.log (dirfd): only new bytes are read. */
int hsm_index_update(struct hsm_index *x, int dirfd, const char *dir, struct ssp_err *e);
/*
 * The seq of a license line for this certificate that this HSM wrote, or 0.
 * Only a line whose MAC verifies under mac_key counts: the hash chain
 * alone can be forged by whoever writes the directory, and a forged line
 * naming a new chip's certificate would mint that chip a free license.
 */
uint64_t hsm_index_licensed_before(struct hsm_index *x, int dirfd, const char *dir,
				   const uint8_t *mac_key, const uint8_t hc[SSP_HASH_LEN],
				   const char *hc_hex);

#endif /* SSP_HSM_INDEX_H */
