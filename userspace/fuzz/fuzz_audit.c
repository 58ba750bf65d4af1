// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit log reader: ssp_audit_verify(), ssp_audit_walk() and the tail
 * reader behind ssp_audit_append_pos(). First byte even: the rest is the
 * log file as is. First byte odd: the rest is records to append, one per
 * line, "EVENT JSON-FIELDS", so that the chain checks run on valid logs too.
 *
 * Properties: a log that verifies is walked line for line; walking on from
 * its last line finds nothing and the last line is a valid anchor; a record
 * appended to it verifies. A log that only fails verify for a torn last
 * line is repaired by the next append. A log built by appends verifies, and
 * any single changed byte in it is detected. Bit 1 of the first byte: the
 * records are MAC'd (as an HSM with its key writes them); every MAC then
 * verifies with that key, and a changed byte is detected with the key (a
 * byte of the MAC itself is not covered by the hash chain).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "crypto.h"
#include "fuzz.h"
#include "fuzz_file.h"

#define MAX_RECORDS	32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk_acc {
	uint64_t n;
	struct ssp_audit_pos last;
	struct ssp_audit_pos pos[MAX_RECORDS];
};

static int count_cb(void *arg, const struct ssp_audit_rec *rec)
{
	struct walk_acc *a = arg;

	/* Lines come in order, each after the one before (last starts at the anchor). */
	a->n++;
	FUZZ_CHECK(rec->seq == a->last.seq + 1);
	FUZZ_CHECK(rec->start < rec->end && rec->time && rec->event && rec->fields);
	FUZZ_CHECK(strlen(rec->hash) == 2 * SSP_HASH_LEN && strlen(rec->prev) == 2 * SSP_HASH_LEN);
	a->last.seq = rec->seq;
	memcpy(a->last.hash, rec->hash, sizeof(a->last.hash));
	a->last.end = rec->end;
	if (a->n <= MAX_RECORDS)
		a->pos[a->n - 1] = a->last;
	return 0;
}

/* A failure must say why. */
static void check_err(int ret, const struct ssp_err *e)
{
	FUZZ_CHECK(ret < 0 && e->code == ret && e->msg[0]);
}

static void append_one_and_verify(const char *dir, uint64_t lines)
{
	struct ssp_audit_pos pos;
	struct ssp_err e = { 0 };
	uint64_t again = 0;
	int ret;

	ret = ssp_audit_append_pos(dir, "fuzz", NULL, &pos, &e);
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(pos.seq == lines + 1);
	ret = ssp_audit_verify(dir, &pos, &again, &e);
	FUZZ_CHECK(ret == 0 && again == lines + 1);
}

/* The log file as given. */
static void raw_log(const char *dir, const char *path, const uint8_t *data, size_t size)
{
	struct ssp_err e = { 0 }, we = { 0 };
	struct walk_acc acc = { 0 }, after = { 0 };
	uint64_t lines = 0;
	int ret, wret;

	fuzz_write(path, data, size);
	ret = ssp_audit_verify(dir, NULL, &lines, &e);
	wret = ssp_audit_walk(dir, NULL, count_cb, &acc, &we);
	if (ret) {
		check_err(ret, &e);
		if (wret) {
			check_err(wret, &we);
			return;
		}
		/* Only a torn last line fails verify but not walk; an append cuts it off. */
		FUZZ_CHECK(size && data[size - 1] != '\n');
		append_one_and_verify(dir, acc.n);
		return;
	}
	FUZZ_CHECK(wret == 0 && acc.n == lines);
	if (lines) {
		after.last = acc.last;
		FUZZ_CHECK(ssp_audit_walk(dir, &acc.last, count_cb, &after, &we) == 0);
		FUZZ_CHECK(after.n == 0);
		FUZZ_CHECK(ssp_audit_verify(dir, &acc.last, NULL, &e) == 0);
	}
	append_one_and_verify(dir, lines);
}

/* Records appended through the library, then checked and damaged. */
static const uint8_t mac_key[SSP_AUDIT_MAC_KEY_LEN] = { 0x42, 0x13, 0x37 };

static void built_log(const char *dir, const char *path, const uint8_t *data, size_t size,
		      const uint8_t *key)
{
	struct ssp_audit_check c = { .mac_key = key ? key : mac_key };
	struct walk_acc acc = { 0 }, from = { 0 };
	struct ssp_audit_pos pos[MAX_RECORDS];
	struct ssp_err e = { 0 };
	uint64_t lines = 0, n = 0;
	char line[1024];
	size_t off = 0, k, len;
	uint8_t buf[64 * 1024];
	unsigned int h = 0;
	FILE *f;
	int ret;

	unlink(path);
	while (off < size && n < MAX_RECORDS) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t ll = (nl ? (size_t)(nl - data) : size) - off;
		json_object *fields = NULL;
		char *sp;

		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, data + off, ll);
		line[ll] = '\0';
		off += ll + 1;
		sp = strchr(line, ' ');
		if (sp) {
			*sp = '\0';
			fields = json_tokener_parse(sp + 1);
		}
		ret = ssp_audit_append_at(-1, dir, line, fields, key, &pos[n], &e);
		if (ret) {
			/* Refused before touching the log: bad name, not an object, too long. */
			check_err(ret, &e);
			FUZZ_CHECK(ret == -EINVAL || ret == -E2BIG);
		} else {
			FUZZ_CHECK(pos[n].seq == n + 1);
			n++;
		}
		json_object_put(fields);
	}
	if (!n)
		return;
	ret = ssp_audit_verify(dir, &pos[n - 1], &lines, &e);
	FUZZ_CHECK(ret == 0 && lines == n);
	c.anchor = &pos[n - 1];
	ret = ssp_audit_check(-1, dir, NULL, &c, &e);
	FUZZ_CHECK(ret == 0 && c.lines == n && (key ? c.mac_ok : c.mac_none) == n);
	c.anchor = NULL;
	FUZZ_CHECK(ssp_audit_walk(dir, NULL, count_cb, &acc, &e) == 0 && acc.n == n);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(acc.pos[k].seq == pos[k].seq && acc.pos[k].end == pos[k].end &&
			   !strcmp(acc.pos[k].hash, pos[k].hash));
	/* Walking on from any line finds exactly the lines after it. */
	for (k = 0; k < size; k++)
		h = h * 31 + data[k];
	k = h % n;
	from.last = pos[k];
	FUZZ_CHECK(ssp_audit_walk(dir, &pos[k], count_cb, &from, &e) == 0 && from.n == n - 1 - k);

	/* One changed byte anywhere is detected. */
	f = fopen(path, "re");
	FUZZ_CHECK(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	FUZZ_CHECK(len == (size_t)pos[n - 1].end);
	k = (h / 7) % len;
	buf[k] ^= (uint8_t)(1 + (h >> 8) % 255);
	fuzz_write(path, buf, len);
	memset(&e, 0, sizeof(e));
	ret = key ? ssp_audit_check(-1, dir, NULL, &c, &e) : ssp_audit_verify(dir, NULL, &lines, &e);
	if (ret == 0) {
		fprintf(stderr, "fuzz_audit: byte %zu of %zu changed to 0x%02x and the log still verifies\n",
			k, len, buf[k]);
		abort();
	}
	check_err(ret, &e);
	FUZZ_CHECK(ret == -EBADMSG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	char path[128];

	if (!size)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, SSP_AUDIT_LOG);
	if (data[0] & 1)
		built_log(dir, path, data + 1, size - 1, data[0] & 2 ? mac_key : NULL);
	else
		raw_log(dir, path, data + 1, size - 1);
	return 0;
}
