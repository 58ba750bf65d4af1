/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit trail of an HSM directory: DIR/audit.log, one JSON object per
 * line, append-only, fsync'd, hash-chained:
 *
 *   {"seq":N,"time":"2026-11-23T22:04:42Z","event":"license","fields":{...},
 *    "prev":"<hash of line N-1>","hash":"<SHA-256 of everything before ,\"hash\">"}
 *
 * seq starts at 1; the first line's prev is 64 zeros. The hash covers the
 * exact bytes of the line up to (not including) ',"hash":', which contain
 * seq, time, event, fields and prev, so editing, removing or reordering any
 * line breaks the chain at that line.
 *
 * Anyone can recompute a hash chain, so a writer holding the OEM key (the
 * HSM opened with its PIN) also MACs every line:
 *
 *   {...,"prev":"P","hash":"H","mac":"M"}
 *
 * M = HMAC-SHA256(K_audit, the exact bytes before ',"mac":'), K_audit from
 * ssp_audit_mac_key() (crypto.h). The OEM, who holds the key, then detects
 * an edited, removed, reordered, re-chained or foreign line at home (only
 * lines cut off the end need the HSM's state anchor as well).
 *
 * Locking: appends hold an exclusive flock on DIR/audit.log itself. The
 * software HSM takes its own DIR/lock first and the log's lock second; the
 * audit code never takes the HSM lock, so there is no lock-order inversion.
 */
#ifndef SSP_AUDIT_H
#define SSP_AUDIT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "err.h"
#include "profile.h"

#define SSP_AUDIT_LOG		"audit.log"
#define SSP_AUDIT_LINE_MAX	4096	/* longest line append writes or verify reads */

/* Events written by sspctl (others are accepted). */
#define SSP_AUDIT_EV_HSM_INIT	"hsm-init"
#define SSP_AUDIT_EV_LICENSE	"license"
#define SSP_AUDIT_EV_LICENSE_REISSUE "license-reissue"	/* not counted: names original_seq */
#define SSP_AUDIT_EV_PROVISION	"provision"
#define SSP_AUDIT_EV_LICENSE_LOST	"license-lost"	/* TPM: counted, never issued */

/* Where a line ended up: its seq, hash, and the log's size just after it. */
struct ssp_audit_pos {
	uint64_t seq;
	char hash[2 * SSP_HASH_LEN + 1];
	off_t end;
};

/*
 * Append one record: event (a short name, [a-z0-9-]) and fields (a JSON
 * object, may be NULL; not consumed: the caller still owns it). The line is
 * written with one write() on an O_APPEND descriptor and fsync'd before this
 * returns. pos (may be NULL) receives where it landed. A torn last line left
 * by a crash during an earlier append is cut off first (it was never
 * acknowledged to anyone).
 */
int ssp_audit_append(const char *dir, const char *event, json_object *fields,
		     struct ssp_err *e);
int ssp_audit_append_pos(const char *dir, const char *event, json_object *fields,
			 struct ssp_audit_pos *pos, struct ssp_err *e);

enum ssp_audit_mac {
	SSP_AUDIT_MAC_NONE,		/* the line has no MAC */
	SSP_AUDIT_MAC_UNCHECKED,	/* it has one, no key to check it */
	SSP_AUDIT_MAC_OK,
	SSP_AUDIT_MAC_BAD,
};

/*
 * Append through an open HSM directory (dirfd >= 0: audit.log is opened
 * with openat and O_NOFOLLOW; dir names it in messages) and, when mac_key
 * (SSP_AUDIT_MAC_KEY_LEN bytes) is given, MAC the line.
 */
int ssp_audit_append_at(int dirfd, const char *dir, const char *event, json_object *fields,
			const uint8_t *mac_key, struct ssp_audit_pos *pos, struct ssp_err *e);

/*
 * Group commit: append n records with one write() and one fsync (each its
 * own line: seq, hash chain and MAC exactly as one append each would give).
 * on_seq (may be NULL) is called for line i with the seq it gets, before
 * that line is built, so that a record can name an earlier line of the same
 * batch (it may add to v[i].fields). pos (may be NULL) gets n positions. A
 * crash inside the write leaves whole lines of the batch and a torn one; the
 * next append cuts the torn one (the whole lines were never acknowledged
 * either: they only count, which is the safe direction for a license).
 */
struct ssp_audit_entry {
	const char *event;
	json_object *fields;		/* not consumed */
};
typedef int (*ssp_audit_seq_fn)(void *arg, size_t i, uint64_t seq);
int ssp_audit_append_batch_at(int dirfd, const char *dir, const struct ssp_audit_entry *v,
			      size_t n, const uint8_t *mac_key, ssp_audit_seq_fn on_seq, void *arg,
			      struct ssp_audit_pos *pos, struct ssp_err *e);

/* One line as read back. */
struct ssp_audit_rec {
	uint64_t seq;
	const char *time;
	const char *event;
	json_object *fields;		/* borrowed from obj */
	const char *prev;
	const char *hash;
	json_object *obj;		/* the whole line */
	off_t start, end;		/* byte offsets of the line in the log */
	const char *mac;		/* NULL: the line has none */
	enum ssp_audit_mac mac_state;	/* checked when the walk had a key */
	const char *line;		/* raw bytes, without '\n' (valid during fn only) */
};

/*
 * Call fn for every line, checking the chain as it goes: from the start when
 * after is NULL (or after->seq is 0), else for the lines that follow the line
 * after names, which must be there with that seq, hash and end. fn returns 0
 * to go on; anything else stops the walk and is returned. -EBADMSG (e names
 * the line) on the first bad line; -ENOENT if there is no log. An incomplete
 * last line (no newline: a crash inside write(), never acknowledged) is not
 * a record and is skipped; ssp_audit_verify() reports it.
 */
typedef int (*ssp_audit_fn)(void *arg, const struct ssp_audit_rec *rec);
int ssp_audit_walk(const char *dir, const struct ssp_audit_pos *after, ssp_audit_fn fn,
		   void *arg, struct ssp_err *e);
int ssp_audit_walk_at(int dirfd, const char *dir, const struct ssp_audit_pos *after,
		      ssp_audit_fn fn, void *arg, struct ssp_err *e);
/*
 * The one line that ends at byte end (just after its '\n'), checked on its
 * own (hash, and MAC when mac_key is given: see rec->mac_state; its link to
 * the line before is not checked), passed to fn. -EBADMSG if there is none.
 */
int ssp_audit_line_at(int dirfd, const char *dir, off_t end, const uint8_t *mac_key,
		      ssp_audit_fn fn, void *arg, struct ssp_err *e);

/*
 * Check the whole log: every line parses, seq counts up from 1, every prev
 * is the previous hash, every hash is right, the file ends with a newline.
 * anchor (may be NULL) is a line that must be present with that seq and hash
 * (the HSM records the last license line in its state, so a log cut short
 * after it is detected). *lines gets the number of good lines. -EBADMSG with
 * the first bad line named in e.
 */
int ssp_audit_verify(const char *dir, const struct ssp_audit_pos *anchor, uint64_t *lines,
		     struct ssp_err *e);

/*
 * The full check behind `sspctl audit verify`: the chain as
 * ssp_audit_verify(), the anchor, and with mac_key every line's MAC. A line
 * whose MAC fails does not stop the walk: each is passed to report (may be
 * NULL) with its seq, as is each line without a MAC when a key was given.
 * Which log: file when not NULL, else DIR/audit.log (through dirfd >= 0).
 * -EBADMSG on a chain break, a missing anchor or any bad MAC; lines without
 * a MAC are only counted (the caller decides: they are unverified).
 */
struct ssp_audit_check {
	const uint8_t *mac_key;			/* NULL: the chain only */
	const struct ssp_audit_pos *anchor;	/* NULL or seq 0: none */
	void (*report)(void *arg, uint64_t seq, const char *problem);
	void *arg;
	uint64_t lines, mac_ok, mac_none, mac_bad;	/* out */
};
int ssp_audit_check(int dirfd, const char *dir, const char *file, struct ssp_audit_check *c,
		    struct ssp_err *e);

#endif /* SSP_AUDIT_H */
