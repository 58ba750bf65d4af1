// SPDX-License-Identifier: GPL-2.0-only
/* The hash-chained audit log: append, walk, verify, and every kind of damage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "audit.h"
#include "crypto.h"
#include "util.h"

FIXTURE(log) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(log)
{
	strcpy(self->dir, "/tmp/ssp-test-audit-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/%s", self->dir, SSP_AUDIT_LOG);
}

FIXTURE_TEARDOWN(log)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

/* Append n records "test" with fields {"i": k}. */
static int append_n(const char *dir, int first, int n)
{
	struct ssp_err e = { 0 };
	int i, ret = 0;

	for (i = first; i < first + n && !ret; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "i", json_object_new_int(i));
		ret = ssp_audit_append(dir, "test", f, &e);
		json_object_put(f);
	}
	return ret;
}

static char *slurp(const char *path, size_t *len)
{
	static char buf[1 << 16];
	struct ssp_err e = { 0 };

	if (ssp_read_file(path, buf, sizeof(buf) - 1, len, &e))
		return NULL;
	buf[*len] = '\0';
	return buf;
}

static int spill(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Start of line n (1-based) in buf. */
static char *line_at(char *buf, int n)
{
	while (--n > 0 && buf)
		buf = strchr(buf, '\n') ? strchr(buf, '\n') + 1 : NULL;
	return buf;
}

TEST_F(log, appends_chain_from_zero_and_verify_counts_lines)
{
	struct ssp_audit_pos pos;
	struct ssp_err e = { 0 };
	uint64_t lines = 0;
	struct stat st;
	size_t len;
	char *buf;

	ASSERT_EQ(0, append_n(self->dir, 0, 2));
	ASSERT_EQ(0, ssp_audit_append_pos(self->dir, "license", NULL, &pos, &e));
	ASSERT_EQ(3u, pos.seq);
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(st.st_size, pos.end);
	ASSERT_EQ(0, ssp_audit_verify(self->dir, &pos, &lines, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(3u, lines);
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, strstr(buf, "\"seq\":1,"));
	ASSERT_NE(NULL, strstr(buf, "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
	ASSERT_NE(NULL, strstr(line_at(buf, 3), "\"event\":\"license\",\"fields\":{}"));
	ASSERT_EQ(0600u, st.st_mode & 07777);
}

TEST_F(log, hash_is_sha256_of_the_line_before_its_hash_member)
{
	char hex[65], *buf, *h, *nl;
	uint8_t d[SSP_HASH_LEN];
	size_t len;

	ASSERT_EQ(0, append_n(self->dir, 0, 1));
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, buf);
	h = strstr(buf, ",\"hash\":\"");
	nl = strchr(buf, '\n');
	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, ssp_sha256(buf, h - buf, d));
	ssp_hex_encode(d, sizeof(d), hex);
	ASSERT_EQ(0, strncmp(h + 9, hex, 64));
	ASSERT_EQ(nl, h + 9 + 64 + 2);
}

TEST_F(log, verify_names_an_edited_line)
{
	struct ssp_err e = { 0 };
	size_t len;
	char *buf, *p;

	ASSERT_EQ(0, append_n(self->dir, 0, 4));
	buf = slurp(self->path, &len);
	p = strstr(line_at(buf, 3), "\"i\":2");
	ASSERT_NE(NULL, p);
	p[4] = '7';
	ASSERT_EQ(0, spill(self->path, buf, len));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 3 ")) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, "was modified"));
}

TEST_F(log, verify_catches_an_edit_whose_hash_was_recomputed_at_the_next_line)
{
	struct ssp_err e = { 0 };
	uint8_t d[SSP_HASH_LEN];
	char hex[65], *buf, *l2, *h;
	size_t len;

	ASSERT_EQ(0, append_n(self->dir, 0, 3));
	buf = slurp(self->path, &len);
	l2 = line_at(buf, 2);
	h = strstr(l2, ",\"hash\":\"");
	strstr(l2, "\"i\":1")[4] = '9';	/* same length, new content */
	ASSERT_EQ(0, ssp_sha256(l2, h - l2, d));
	ssp_hex_encode(d, sizeof(d), hex);
	memcpy(h + 9, hex, 64);
	ASSERT_EQ(0, spill(self->path, buf, len));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 3 ")) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, "does not chain"));
}

TEST_F(log, verify_names_the_line_after_a_removed_one)
{
	struct ssp_err e = { 0 };
	char *buf, *l2, *l3;
	size_t len;

	ASSERT_EQ(0, append_n(self->dir, 0, 4));
	buf = slurp(self->path, &len);
	l2 = line_at(buf, 2);
	l3 = line_at(buf, 3);
	memmove(l2, l3, buf + len - l3);
	len -= l3 - l2;
	ASSERT_EQ(0, spill(self->path, buf, len));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 2 ")) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, "lines before it were removed"));
}

TEST_F(log, verify_names_the_first_of_two_swapped_lines)
{
	struct ssp_err e = { 0 };
	char *buf, *l2, *l3, *l4, tmp[SSP_AUDIT_LINE_MAX];
	size_t len, n2, n3;

	ASSERT_EQ(0, append_n(self->dir, 0, 4));
	buf = slurp(self->path, &len);
	l2 = line_at(buf, 2);
	l3 = line_at(buf, 3);
	l4 = line_at(buf, 4);
	n2 = l3 - l2;
	n3 = l4 - l3;
	memcpy(tmp, l2, n2);
	memmove(l2, l3, n3);
	memcpy(l2 + n3, tmp, n2);
	ASSERT_EQ(0, spill(self->path, buf, len));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 2 ")) TH_LOG("%s", e.msg);
}

TEST_F(log, verify_reports_a_cut_last_line_and_append_cuts_it_off)
{
	struct ssp_err e = { 0 };
	uint64_t lines;
	size_t len;
	char *buf;

	ASSERT_EQ(0, append_n(self->dir, 0, 3));
	buf = slurp(self->path, &len);
	ASSERT_EQ(0, truncate(self->path, len - 20));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, &lines, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 3 ")) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, "incomplete"));
	ASSERT_EQ(2u, lines);
	/* A torn tail (a writer killed mid-write) is dropped by the next append. */
	ASSERT_EQ(0, append_n(self->dir, 10, 1)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, ssp_audit_verify(self->dir, NULL, &lines, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(3u, lines);
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, strstr(line_at(buf, 3), "\"i\":10"));
}

TEST_F(log, verify_with_anchor_detects_lines_removed_from_the_end)
{
	struct ssp_audit_pos pos;
	struct ssp_err e = { 0 };
	struct stat st;
	char *buf;
	size_t len;

	ASSERT_EQ(0, append_n(self->dir, 0, 2));
	ASSERT_EQ(0, ssp_audit_append_pos(self->dir, "license", NULL, &pos, &e));
	buf = slurp(self->path, &len);
	ASSERT_EQ(0, truncate(self->path, line_at(buf, 3) - buf));
	ASSERT_EQ(0, stat(self->path, &st));
	/* Without the anchor the shorter log looks fine; with it, it does not. */
	ASSERT_EQ(0, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, &pos, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "removed from the end")) TH_LOG("%s", e.msg);
	ASSERT_EQ(-EBADMSG, ssp_audit_walk(self->dir, &pos, NULL, NULL, &e));
}

static int count_fn(void *arg, const struct ssp_audit_rec *rec)
{
	int *n = arg;

	(*n)++;
	return strcmp(rec->event, "test") ? -1 : 0;
}

TEST_F(log, walk_after_an_anchor_visits_only_the_later_lines)
{
	struct ssp_audit_pos pos;
	struct ssp_err e = { 0 };
	int n = 0;

	ASSERT_EQ(0, ssp_audit_append_pos(self->dir, "license", NULL, &pos, &e));
	ASSERT_EQ(0, append_n(self->dir, 0, 3));
	ASSERT_EQ(0, ssp_audit_walk(self->dir, &pos, count_fn, &n, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(3, n);
	/* A wrong anchor hash is an edited log. */
	pos.hash[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ssp_audit_walk(self->dir, &pos, count_fn, &n, &e));
}

TEST_F(log, append_refuses_bad_event_names_and_oversized_records_and_writes_nothing)
{
	struct ssp_err e = { 0 };
	json_object *f = json_object_new_object();
	char big[SSP_AUDIT_LINE_MAX];
	struct stat st;

	ASSERT_EQ(0, append_n(self->dir, 0, 1));
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(-EINVAL, ssp_audit_append(self->dir, "Bad Event", NULL, &e));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_object_object_add(f, "big", json_object_new_string(big));
	ASSERT_EQ(-E2BIG, ssp_audit_append(self->dir, "test", f, &e));
	ASSERT_NE(NULL, strstr(e.msg, "too long"));
	json_object_put(f);
	f = json_object_new_array();
	ASSERT_EQ(-EINVAL, ssp_audit_append(self->dir, "test", f, &e));
	json_object_put(f);
	{
		struct stat st2;

		ASSERT_EQ(0, stat(self->path, &st2));
		ASSERT_EQ(st.st_size, st2.st_size);
	}
}

TEST_F(log, concurrent_appenders_from_many_processes_keep_one_chain)
{
	struct ssp_err e = { 0 };
	uint64_t lines = 0;
	int i, status;

	for (i = 0; i < 4; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(append_n(self->dir, i * 100, 40) ? 1 : 0);
	}
	for (i = 0; i < 4; i++) {
		ASSERT_GT(wait(&status), 0);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(0, ssp_audit_verify(self->dir, NULL, &lines, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(160u, lines);
}

TEST_F(log, verify_refuses_an_overlong_line_without_reading_it_whole)
{
	struct ssp_err e = { 0 };
	FILE *f;
	int i;

	ASSERT_EQ(0, append_n(self->dir, 0, 1));
	f = fopen(self->path, "a");
	ASSERT_NE(NULL, f);
	for (i = 0; i < 100000; i++)
		fputs("{\"junk\":1}", f);
	fputc('\n', f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, "line 2 ")) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, "longer than any record"));
}

TEST_F(log, missing_log_is_enoent_naming_the_file)
{
	struct ssp_err e = { 0 };

	ASSERT_EQ(-ENOENT, ssp_audit_verify(self->dir, NULL, NULL, &e));
	ASSERT_NE(NULL, strstr(e.msg, self->path));
}

/* A vector of kat/audit-mac.txt (tests/kat/gen-audit-mac.py, python3-cryptography). */
static int mac_kat(const char *name, uint8_t *out, size_t len)
{
	char path[4096], line[2048];
	size_t n = strlen(name);
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit-mac.txt", SSP_KAT_DIR);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || line[n] != ' ')
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = ssp_hex_decode(line + n + 1, out, len);
		break;
	}
	fclose(f);
	return ret;
}

TEST(mac_key_and_line_mac_match_python_cryptography)
{
	uint8_t oem[16], want_key[32], key[32], line[220], want[32], mac[32];

	ASSERT_EQ(0, mac_kat("audit.oem_key", oem, sizeof(oem)));
	ASSERT_EQ(0, mac_kat("audit.mac_key", want_key, sizeof(want_key)));
	ASSERT_EQ(0, mac_kat("audit.line", line, sizeof(line)));
	ASSERT_EQ(0, mac_kat("audit.mac", want, sizeof(want)));
	ASSERT_EQ(0, ssp_audit_mac_key(oem, key));
	ASSERT_EQ(0, memcmp(key, want_key, sizeof(key)));
	ASSERT_EQ(0, ssp_hmac_sha256(key, sizeof(key), line, sizeof(line), mac));
	ASSERT_EQ(0, memcmp(mac, want, sizeof(mac)));
}

/* Append n MAC'd records through the dirfd-less path. */
static int append_mac(const char *dir, const uint8_t *key, int n)
{
	struct ssp_err e = { 0 };
	int i, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "i", json_object_new_int(i));
		ret = ssp_audit_append_at(-1, dir, "test", f, key, NULL, &e);
		json_object_put(f);
	}
	return ret;
}

TEST_F(log, mac_is_hmac_of_the_bytes_before_it_and_check_counts_macs)
{
	uint8_t key[32], other[32], h[32];
	char *buf, *m, hex[65];
	struct ssp_audit_check c = { 0 };
	struct ssp_err e = { 0 };
	size_t len;

	memset(key, 0x11, sizeof(key));
	memset(other, 0x22, sizeof(other));
	ASSERT_EQ(0, append_mac(self->dir, key, 3));
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, buf);
	m = strstr(buf, ",\"mac\":\"");
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, ssp_hmac_sha256(key, sizeof(key), buf, m - buf, h));
	ssp_hex_encode(h, sizeof(h), hex);
	ASSERT_EQ(0, strncmp(m + 8, hex, 64));
	ASSERT_EQ(0, strncmp(m + 8 + 64, "\"}\n", 3));

	c.mac_key = key;
	ASSERT_EQ(0, ssp_audit_check(-1, self->dir, NULL, &c, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(3u, c.lines);
	ASSERT_EQ(3u, c.mac_ok);
	c.mac_key = other;
	ASSERT_EQ(-EBADMSG, ssp_audit_check(-1, self->dir, NULL, &c, &e));
	ASSERT_EQ(3u, c.mac_bad);
	ASSERT_NE(NULL, strstr(e.msg, "first at line 1"));
	/* A line without MAC (old writer) is counted, not a failure. */
	ASSERT_EQ(0, append_n(self->dir, 0, 1));
	c.mac_key = key;
	ASSERT_EQ(0, ssp_audit_check(-1, self->dir, NULL, &c, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(1u, c.mac_none);
	ASSERT_EQ(3u, c.mac_ok);
	/* Without a key the walk still accepts MAC'd lines. */
	ASSERT_EQ(0, ssp_audit_verify(self->dir, NULL, NULL, &e)) TH_LOG("%s", e.msg);
}

/* on_seq of the batch test: line 2 names the seq of line 0 (as a re-issue names its license). */
static int name_first_line(void *arg, size_t i, uint64_t seq)
{
	struct ssp_audit_entry *v = arg;
	static uint64_t first;

	if (i == 0)
		first = seq;
	if (i == 2)
		json_object_object_add(v[2].fields, "original_seq", json_object_new_int64(first));
	return 0;
}

TEST_F(log, a_batch_is_one_write_of_lines_each_chained_and_macd_as_single_appends_are)
{
	struct ssp_audit_entry v[3];
	struct ssp_audit_pos pos[3];
	struct ssp_audit_check c = { 0 };
	struct ssp_err e = { 0 };
	uint8_t key[32];
	struct stat st;
	uint64_t lines;
	size_t len, i;
	char *buf;

	memset(key, 0x11, sizeof(key));
	ASSERT_EQ(0, append_mac(self->dir, key, 1));
	for (i = 0; i < 3; i++) {
		v[i].event = "license";
		v[i].fields = json_object_new_object();
		json_object_object_add(v[i].fields, "i", json_object_new_int(i));
	}
	ASSERT_EQ(0, ssp_audit_append_batch_at(-1, self->dir, v, 3, key, name_first_line, v, pos, &e))
		TH_LOG("%s", e.msg);
	for (i = 0; i < 3; i++)
		json_object_put(v[i].fields);
	ASSERT_EQ(2u, pos[0].seq);
	ASSERT_EQ(4u, pos[2].seq);
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(st.st_size, pos[2].end);
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(line_at(buf, 3) - buf, pos[0].end);
	ASSERT_EQ(line_at(buf, 4) - buf, pos[1].end);
	ASSERT_NE(NULL, strstr(line_at(buf, 4), "\"i\":2,\"original_seq\":2}"));
	c.mac_key = key;
	c.anchor = &pos[2];
	ASSERT_EQ(0, ssp_audit_check(-1, self->dir, NULL, &c, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(4u, c.lines);
	ASSERT_EQ(4u, c.mac_ok);

	/*
	 * A writer killed inside the batch's write: whole lines of it and a
	 * torn one. The next append cuts the torn one and chains after the
	 * whole ones (never acknowledged, but well-formed: for the HSM they
	 * count licenses nobody received, the safe direction).
	 */
	ASSERT_EQ(0, truncate(self->path, pos[1].end + 30));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->dir, NULL, &lines, &e));
	ASSERT_EQ(3u, lines);
	ASSERT_EQ(0, append_mac(self->dir, key, 1));
	c.anchor = NULL;
	ASSERT_EQ(0, ssp_audit_check(-1, self->dir, NULL, &c, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(4u, c.lines);
	ASSERT_EQ(4u, c.mac_ok);
	buf = slurp(self->path, &len);
	ASSERT_NE(NULL, strstr(line_at(buf, 4), "\"seq\":4,"));
}

TEST_HARNESS_MAIN
