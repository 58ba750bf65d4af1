// SPDX-License-Identifier: GPL-2.0-only
/*
 * Append-only, hash-chained audit log (format and locking in audit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "crypto.h"
#include "util.h"

#define HASH_HEX	(2 * SSP_HASH_LEN)
#define HASH_KEY	",\"hash\":\""
/* The fixed tail of every line: ,"hash":"<64 hex>"}\n */
#define TAIL_LEN	(sizeof(HASH_KEY) - 1 + HASH_HEX + 3)
#define MAC_KEY		",\"mac\":\""
/* What a MAC adds before the closing brace: ,"mac":"<64 hex>" */
#define MAC_LEN		(sizeof(MAC_KEY) - 1 + HASH_HEX + 1)

static const char zero_hash[HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static int log_path(const char *dir, char *out, size_t len, struct ssp_err *e)
{
	if (snprintf(out, len, "%s/%s", dir, SSP_AUDIT_LOG) >= (int)len)
		return ssp_errf(e, -ENAMETOOLONG, "audit log in %s: path too long", dir);
	return 0;
}

/* Which log: DIR/audit.log (through dirfd when >= 0) or a file of its own. */
struct log_ref {
	int dirfd;
	const char *dir;
	const char *file;
};

static int event_ok(const char *ev)
{
	size_t n = strlen(ev);

	if (!n || n > 32)
		return 0;
	for (; *ev; ev++)
		if (!((*ev >= 'a' && *ev <= 'z') || (*ev >= '0' && *ev <= '9') || *ev == '-'))
			return 0;
	return 1;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < HASH_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[HASH_HEX] == '\0';
}

/* Compare without an early exit: the MAC must not leak by timing. */
static int equal_ct(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	while (n--)
		d |= (unsigned char)(*a++ ^ *b++);
	return !d;
}

static void mac_hex(const uint8_t *key, const char *data, size_t len, char out[HASH_HEX + 1])
{
	uint8_t h[SSP_HASH_LEN];

	if (ssp_hmac_sha256(key, SSP_AUDIT_MAC_KEY_LEN, data, len, h))
		memset(h, 0, sizeof(h));	/* the line then fails verify */
	ssp_hex_encode(h, sizeof(h), out);
}

static void hash_hex(const char *data, size_t len, char out[HASH_HEX + 1])
{
	uint8_t h[SSP_HASH_LEN];

	if (ssp_sha256(data, len, h))
		memset(h, 0, sizeof(h));	/* cannot happen short of OOM; the line then fails verify */
	ssp_hex_encode(h, sizeof(h), out);
}

static ssize_t pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

/*
 * Check one line (without its '\n', NUL-terminated, len bytes) and fill rec.
 * *obj_out owns the parsed object. Returns a short cause on failure.
 */
static const char *check_line(char *line, size_t len, struct ssp_audit_rec *rec,
			      const uint8_t *mac_key)
{
	json_object *o, *v;
	const char *tail, *mtail = NULL;
	char calc[HASH_HEX + 1];
	size_t core = len;	/* the line without its MAC member */
	int64_t seq;

	memset(rec, 0, sizeof(*rec));
	if (len >= MAC_LEN + TAIL_LEN + 1 &&
	    !memcmp(line + len - 1 - MAC_LEN, MAC_KEY, sizeof(MAC_KEY) - 1)) {
		mtail = line + len - 1 - MAC_LEN;
		core = len - MAC_LEN;
	}
	if (core < TAIL_LEN - 1 + 2)
		return "too short to be a record";
	tail = line + core - (TAIL_LEN - 1);
	if (memcmp(tail, HASH_KEY, sizeof(HASH_KEY) - 1) || line[core - 2] != '"' ||
	    line[len - 1] != '}' || (mtail && line[len - 2] != '"'))
		return "does not end with its \"hash\" member";
	o = json_tokener_parse(line);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return "is not a JSON object";
	}
	rec->obj = o;
	if (!json_object_object_get_ex(o, "seq", &v) || !json_object_is_type(v, json_type_int))
		return "has no valid \"seq\"";
	seq = json_object_get_int64(v);
	if (seq < 1)
		return "has no valid \"seq\"";
	rec->seq = seq;
	if (!json_object_object_get_ex(o, "time", &v) || !json_object_is_type(v, json_type_string))
		return "has no \"time\"";
	rec->time = json_object_get_string(v);
	if (!json_object_object_get_ex(o, "event", &v) || !json_object_is_type(v, json_type_string) ||
	    !event_ok(json_object_get_string(v)))
		return "has no valid \"event\"";
	rec->event = json_object_get_string(v);
	if (!json_object_object_get_ex(o, "fields", &v) || !json_object_is_type(v, json_type_object))
		return "has no \"fields\" object";
	rec->fields = v;
	if (!json_object_object_get_ex(o, "prev", &v) || !json_object_is_type(v, json_type_string) ||
	    !is_hex64(json_object_get_string(v)))
		return "has no valid \"prev\"";
	rec->prev = json_object_get_string(v);
	if (!json_object_object_get_ex(o, "hash", &v) || !json_object_is_type(v, json_type_string) ||
	    !is_hex64(json_object_get_string(v)))
		return "has no valid \"hash\"";
	rec->hash = json_object_get_string(v);
	/* The member parsed must be the one at the end of the raw line. */
	if (memcmp(tail + sizeof(HASH_KEY) - 1, rec->hash, HASH_HEX))
		return "has two \"hash\" members";
	hash_hex(line, tail - line, calc);
	if (strcmp(calc, rec->hash))
		return "was modified (its hash does not match its content)";
	rec->mac_state = SSP_AUDIT_MAC_NONE;
	if (json_object_object_get_ex(o, "mac", &v)) {
		if (!mtail || !json_object_is_type(v, json_type_string) ||
		    !is_hex64(json_object_get_string(v)) ||
		    memcmp(mtail + sizeof(MAC_KEY) - 1, json_object_get_string(v), HASH_HEX))
			return "has a misplaced or malformed \"mac\" member";
		rec->mac = json_object_get_string(v);
		rec->mac_state = SSP_AUDIT_MAC_UNCHECKED;
		if (mac_key) {
			mac_hex(mac_key, line, mtail - line, calc);
			rec->mac_state = equal_ct(calc, rec->mac, HASH_HEX) ? SSP_AUDIT_MAC_OK :
					 SSP_AUDIT_MAC_BAD;
		}
	} else if (mtail) {
		return "has a \"mac\" member that is not one";
	}
	return NULL;
}

/* Find the line that ends at end (exclusive of nothing: end is just after its '\n'). */
static int read_line_before(int fd, off_t end, char *buf, size_t buf_len, off_t *start,
			    size_t *len)
{
	size_t want = end < (off_t)buf_len - 1 ? (size_t)end : buf_len - 1;
	ssize_t n;
	size_t i;

	n = pread_all(fd, buf, want, end - want);
	if (n < 0)
		return n;
	if ((size_t)n != want || want == 0 || buf[want - 1] != '\n')
		return -EBADMSG;
	for (i = want - 1; i > 0 && buf[i - 1] != '\n'; i--)
		;
	if (i == 0 && (off_t)want < end)
		return -EBADMSG;	/* longer than any line we write */
	memmove(buf, buf + i, want - 1 - i);
	*len = want - 1 - i;
	buf[*len] = '\0';
	*start = end - want + i;
	return 0;
}

/*
 * With the log locked: cut off a torn last line (no '\n'), then find the
 * last line's seq and hash. A torn line was never fsync'd and acknowledged:
 * the writer died inside write(), so nobody relies on it.
 */
static int read_tail(int fd, const char *path, uint64_t *seq, char hash[HASH_HEX + 1],
		     struct ssp_err *e)
{
	char *buf;
	struct stat st;
	struct ssp_audit_rec rec;
	const char *bad;
	off_t start;
	size_t len;
	int ret;

	if (fstat(fd, &st) < 0)
		return ssp_errf(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
	*seq = 0;
	memcpy(hash, zero_hash, sizeof(zero_hash));
	if (st.st_size == 0)
		return 0;
	buf = malloc(2 * SSP_AUDIT_LINE_MAX + 1);
	if (!buf)
		return ssp_errf(e, -ENOMEM, "%s: out of memory", path);
	ret = pread_all(fd, buf, 1, st.st_size - 1);
	if (ret == 1 && buf[0] != '\n') {
		size_t want = st.st_size < 2 * SSP_AUDIT_LINE_MAX ? st.st_size : 2 * SSP_AUDIT_LINE_MAX;
		ssize_t n = pread_all(fd, buf, want, st.st_size - want);
		off_t cut = -1;

		for (ssize_t i = n - 1; i >= 0; i--)
			if (buf[i] == '\n') {
				cut = st.st_size - want + i + 1;
				break;
			}
		if (cut < 0 && (off_t)want == st.st_size)
			cut = 0;
		if (cut < 0 || ftruncate(fd, cut) < 0 || fsync(fd) < 0) {
			free(buf);
			return ssp_errf(e, -EBADMSG, "%s: the last line is incomplete and could not be cut off; run `sspctl audit verify` and restore the log from a backup",
					path);
		}
		st.st_size = cut;
		if (cut == 0) {
			free(buf);
			return 0;
		}
	} else if (ret != 1) {
		free(buf);
		return ssp_errf(e, -EIO, "%s: cannot read the last byte", path);
	}
	ret = read_line_before(fd, st.st_size, buf, SSP_AUDIT_LINE_MAX + 2, &start, &len);
	if (ret) {
		free(buf);
		return ssp_errf(e, -EBADMSG, "%s: the last line cannot be read (%s); run `sspctl audit verify`",
				path, ret == -EBADMSG ? "too long or cut" : strerror(-ret));
	}
	bad = check_line(buf, len, &rec, NULL);
	if (!bad) {
		*seq = rec.seq;
		memcpy(hash, rec.hash, HASH_HEX + 1);
	}
	json_object_put(rec.obj);
	free(buf);
	if (bad)
		return ssp_errf(e, -EBADMSG, "%s: the last line %s, so no record can be chained after it; run `sspctl audit verify` and restore the log from a backup",
				path, bad);
	return 0;
}

static void utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned int)(ts.tv_nsec / 1000000) % 1000);
}

/* Serialise the record into line (NUL-terminated, with '\n'); *len excludes the NUL. */
static int build_line(uint64_t seq, const char *event, json_object *fields, const char *prev,
		      const uint8_t *mac_key, char *line, size_t *len, char hash[HASH_HEX + 1])
{
	json_object *o = json_object_new_object();
	char now[32];
	const char *s;
	size_t n;
	int ret = 0;

	if (!o)
		return -ENOMEM;
	utc_now(now);
	json_object_object_add(o, "seq", json_object_new_int64(seq));
	json_object_object_add(o, "time", json_object_new_string(now));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "fields", fields ? json_object_get(fields) : json_object_new_object());
	json_object_object_add(o, "prev", json_object_new_string(prev));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = s ? strlen(s) : 0;
	if (n < 2 || s[n - 1] != '}') {
		ret = -ENOMEM;
		goto out;
	}
	if (n - 1 + TAIL_LEN + MAC_LEN > SSP_AUDIT_LINE_MAX) {
		ret = -E2BIG;
		goto out;
	}
	hash_hex(s, n - 1, hash);
	*len = snprintf(line, SSP_AUDIT_LINE_MAX + 1, "%.*s" HASH_KEY "%s\"", (int)(n - 1), s, hash);
	if (mac_key) {
		char mac[HASH_HEX + 1];

		/* The MAC covers the exact bytes before ,"mac": (hash included). */
		mac_hex(mac_key, line, *len, mac);
		*len += snprintf(line + *len, SSP_AUDIT_LINE_MAX + 1 - *len, MAC_KEY "%s\"", mac);
	}
	*len += snprintf(line + *len, SSP_AUDIT_LINE_MAX + 1 - *len, "}\n");
out:
	json_object_put(o);
	return ret;
}

static int open_log(const struct log_ref *ref, char *path, size_t path_len, int flags,
		    struct ssp_err *e)
{
	int fd, ret;

	if (ref->file) {
		if (snprintf(path, path_len, "%s", ref->file) >= (int)path_len)
			return ssp_errf(e, -ENAMETOOLONG, "audit log %s: path too long", ref->file);
		fd = open(path, flags | O_CLOEXEC, 0600);
	} else {
		ret = log_path(ref->dir, path, path_len, e);
		if (ret)
			return ret;
		/* Never through a symlink: whoever can write DIR must not redirect the log. */
		if (ref->dirfd >= 0)
			fd = openat(ref->dirfd, SSP_AUDIT_LOG, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
		else
			fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot open the audit log: %s; %s", path,
				strerror(errno), errno == ELOOP ?
				"it is a symbolic link, which is refused: remove it" :
				"check the HSM directory and its permissions");
	return fd;
}

int ssp_audit_append_batch_at(int dirfd, const char *dir, const struct ssp_audit_entry *v,
			      size_t n, const uint8_t *mac_key, ssp_audit_seq_fn on_seq, void *arg,
			      struct ssp_audit_pos *pos, struct ssp_err *e)
{
	const struct log_ref ref = { .dirfd = dirfd, .dir = dir };
	char path[PATH_MAX], prev[HASH_HEX + 1], *hash = NULL;
	char *buf;
	size_t i, len, total = 0, *ends = NULL;
	struct stat st;
	uint64_t seq;
	ssize_t w;
	int fd, ret;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		if (!event_ok(v[i].event))
			return ssp_errf(e, -EINVAL, "audit log in %s: event name \"%s\" is not a short [a-z0-9-] word",
					dir, v[i].event);
		if (v[i].fields && !json_object_is_type(v[i].fields, json_type_object))
			return ssp_errf(e, -EINVAL, "audit log in %s: the fields of a \"%s\" record must be a JSON object",
					dir, v[i].event);
	}
	fd = open_log(&ref, path, sizeof(path), O_RDWR | O_APPEND | O_CREAT, e);
	if (fd < 0)
		return fd;
	/* Every line of the batch one after the other, written with one write(). */
	buf = malloc(n * SSP_AUDIT_LINE_MAX + 1);
	ends = calloc(n, sizeof(*ends));
	hash = malloc(n * (HASH_HEX + 1));
	if (!buf || !ends || !hash) {
		ret = ssp_errf(e, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = ssp_errf(e, -errno, "%s: cannot lock the audit log: %s", path, strerror(errno));
			goto out;
		}
	}
	ret = read_tail(fd, path, &seq, prev, e);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		char *h = hash + i * (HASH_HEX + 1);

		if (on_seq) {
			ret = on_seq(arg, i, seq + 1 + i);
			if (ret) {
				ssp_errf(e, ret, "%s: cannot build the \"%s\" record: %s", path,
					 v[i].event, strerror(-ret));
				goto out;
			}
		}
		ret = build_line(seq + 1 + i, v[i].event, v[i].fields,
				 i ? h - (HASH_HEX + 1) : prev, mac_key, buf + total, &len, h);
		if (ret) {
			ssp_errf(e, ret, "%s: cannot build the \"%s\" record: %s", path, v[i].event,
				 ret == -E2BIG ? "its fields are too long" : strerror(-ret));
			goto out;
		}
		total += len;
		ends[i] = total;
	}
	w = write(fd, buf, total);
	if (w != (ssize_t)total) {
		ret = w < 0 ? -errno : -EIO;
		ssp_errf(e, ret, "%s: appending the \"%s\" record%s failed: %s; free space on that file system",
			 path, v[0].event, n > 1 ? " and the ones after it" : "",
			 w < 0 ? strerror(errno) : "short write");
		/* Take back a partial write so that the log stays well-formed. */
		if (w > 0 && fstat(fd, &st) == 0 && ftruncate(fd, st.st_size - w) == 0)
			fsync(fd);
		goto out;
	}
	if (fsync(fd) < 0) {
		ret = ssp_errf(e, -errno, "%s: fsync after appending the \"%s\" record failed: %s",
			       path, v[n - 1].event, strerror(errno));
		goto out;
	}
	if (seq == 0) {
		/* A new log: make its directory entry durable too. */
		if (dirfd >= 0)
			ret = fsync(dirfd) < 0 ? -errno : 0;
		else
			ret = ssp_fsync_dir(dir);
		if (ret) {
			ssp_errf(e, ret, "%s: fsync of directory %s failed: %s", path, dir, strerror(-ret));
			goto out;
		}
	}
	if (pos) {
		if (fstat(fd, &st) < 0) {
			ret = ssp_errf(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++) {
			pos[i].seq = seq + 1 + i;
			memcpy(pos[i].hash, hash + i * (HASH_HEX + 1), HASH_HEX + 1);
			pos[i].end = st.st_size - (off_t)total + (off_t)ends[i];
		}
	}
out:
	free(hash);
	free(ends);
	free(buf);
	close(fd);	/* drops the lock */
	return ret;
}

int ssp_audit_append_at(int dirfd, const char *dir, const char *event, json_object *fields,
			const uint8_t *mac_key, struct ssp_audit_pos *pos, struct ssp_err *e)
{
	const struct ssp_audit_entry one = { .event = event, .fields = fields };

	return ssp_audit_append_batch_at(dirfd, dir, &one, 1, mac_key, NULL, NULL, pos, e);
}

int ssp_audit_append_pos(const char *dir, const char *event, json_object *fields,
			 struct ssp_audit_pos *pos, struct ssp_err *e)
{
	return ssp_audit_append_at(-1, dir, event, fields, NULL, pos, e);
}

int ssp_audit_append(const char *dir, const char *event, json_object *fields,
		     struct ssp_err *e)
{
	return ssp_audit_append_pos(dir, event, fields, NULL, e);
}

/* How to walk: which log, from where, how strictly, with which MAC key. */
struct walk_opts {
	struct log_ref ref;
	const struct ssp_audit_pos *after;
	ssp_audit_fn fn;
	void *arg;
	int strict;			/* a torn last line is an error */
	const uint8_t *mac_key;		/* check each line's MAC */
};

/*
 * The walk behind ssp_audit_walk() and ssp_audit_check(): from the start,
 * or from the anchor line after (which must be there), checking the chain.
 */
static int walk(const struct walk_opts *w, uint64_t *lines, struct ssp_err *e)
{
	const struct ssp_audit_pos *after = w->after;
	char path[PATH_MAX], prev[HASH_HEX + 1];
	struct ssp_audit_rec rec;
	uint64_t expect = 1;
	struct stat st;
	char *buf;
	ssize_t n;
	off_t off = 0;
	FILE *f = NULL;
	int fd, ret = 0;

	memcpy(prev, zero_hash, sizeof(prev));
	buf = malloc(SSP_AUDIT_LINE_MAX + 2);
	if (!buf)
		return ssp_errf(e, -ENOMEM, "audit log: out of memory");
	fd = open_log(&w->ref, path, sizeof(path), O_RDONLY, e);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	if (flock(fd, LOCK_SH) < 0 || fstat(fd, &st) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot lock or stat the audit log: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = ssp_errf(e, -EINVAL, "%s: not a regular file; give the audit log", path);
		goto out;
	}
	if (after && after->seq) {
		char line[SSP_AUDIT_LINE_MAX + 2];
		const char *bad;
		size_t len;

		if (after->end > st.st_size) {
			ret = ssp_errf(e, -EBADMSG, "%s: the log is %lld bytes but the HSM recorded license line %llu ending at byte %lld: lines were removed from the end; restore the log from a backup",
				       path, (long long)st.st_size, (unsigned long long)after->seq,
				       (long long)after->end);
			goto out;
		}
		if (read_line_before(fd, after->end, line, sizeof(line), &off, &len)) {
			ret = ssp_errf(e, -EBADMSG, "%s: no line ends at byte %lld where the HSM recorded license line %llu: the log was edited",
				       path, (long long)after->end, (unsigned long long)after->seq);
			goto out;
		}
		bad = check_line(line, len, &rec, NULL);
		if (bad || rec.seq != after->seq || strcmp(rec.hash, after->hash)) {
			ret = ssp_errf(e, -EBADMSG, "%s: line %llu %s: the log was edited; run `sspctl audit verify`",
				       path, (unsigned long long)after->seq,
				       bad ? bad : "is not the one the HSM recorded");
			json_object_put(rec.obj);
			goto out;
		}
		json_object_put(rec.obj);
		expect = after->seq + 1;
		memcpy(prev, after->hash, sizeof(prev));
		off = after->end;
	}
	f = fdopen(fd, "r");
	if (!f) {
		ret = ssp_errf(e, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (fseeko(f, off, SEEK_SET) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot seek: %s", path, strerror(errno));
		goto out;
	}
	/* fgets into a bounded buffer: a huge line costs no memory; ftello gives its length. */
	while (fgets(buf, SSP_AUDIT_LINE_MAX + 2, f)) {
		const char *bad = NULL;
		off_t start = off;

		memset(&rec, 0, sizeof(rec));
		n = ftello(f) - start;
		off += n;
		if (n > SSP_AUDIT_LINE_MAX) {
			ret = ssp_errf(e, -EBADMSG, "%s: line %llu (byte %lld) is longer than any record sspctl writes; the log cannot be trusted from there on: restore it from a backup",
				       path, (unsigned long long)expect, (long long)start);
			goto out;
		}
		/* Only a crash inside write() leaves this; the next append removes it. */
		if (buf[n - 1] != '\n' && !w->strict)
			break;
		if (buf[n - 1] != '\n')
			bad = "is incomplete (no newline: the log was cut short)";
		if (!bad) {
			buf[n - 1] = '\0';
			if (memchr(buf, '\0', n - 1))
				bad = "contains a NUL byte";
			else
				bad = check_line(buf, n - 1, &rec, w->mac_key);
		}
		if (!bad && rec.seq != expect)
			bad = rec.seq < expect ? "is out of order or repeated (its seq is too small)"
					       : "follows a gap: lines before it were removed";
		if (!bad && strcmp(rec.prev, prev))
			bad = "does not chain to the line before it (a line was removed, reordered or rewritten)";
		if (bad) {
			ret = ssp_errf(e, -EBADMSG, "%s: line %llu (byte %lld) %s; the log cannot be trusted from there on: restore it from a backup",
				       path, (unsigned long long)expect, (long long)start, bad);
			json_object_put(rec.obj);
			goto out;
		}
		rec.start = start;
		rec.end = off;
		rec.line = buf;
		memcpy(prev, rec.hash, sizeof(prev));
		expect++;
		ret = w->fn ? w->fn(w->arg, &rec) : 0;
		json_object_put(rec.obj);
		if (ret)
			goto out;
	}
	if (ferror(f))
		ret = ssp_errf(e, -EIO, "%s: read error", path);
out:
	if (lines)
		*lines = expect - 1;
	free(buf);
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	return ret;
}

int ssp_audit_line_at(int dirfd, const char *dir, off_t end, const uint8_t *mac_key,
		      ssp_audit_fn fn, void *arg, struct ssp_err *e)
{
	const struct log_ref ref = { .dirfd = dirfd, .dir = dir };
	char path[PATH_MAX], *line;
	struct ssp_audit_rec rec;
	const char *bad;
	off_t start;
	size_t len;
	int fd, ret;

	fd = open_log(&ref, path, sizeof(path), O_RDONLY, e);
	if (fd < 0)
		return fd;
	line = malloc(SSP_AUDIT_LINE_MAX + 2);
	if (!line) {
		close(fd);
		return ssp_errf(e, -ENOMEM, "%s: out of memory", path);
	}
	ret = read_line_before(fd, end, line, SSP_AUDIT_LINE_MAX + 2, &start, &len);
	close(fd);
	if (ret) {
		free(line);
		return ssp_errf(e, -EBADMSG, "%s: no line ends at byte %lld", path, (long long)end);
	}
	bad = check_line(line, len, &rec, mac_key);
	if (bad) {
		ret = ssp_errf(e, -EBADMSG, "%s: the line ending at byte %lld %s", path, (long long)end,
			       bad);
	} else {
		rec.start = start;
		rec.end = end;
		rec.line = line;
		ret = fn(arg, &rec);
	}
	json_object_put(rec.obj);
	free(line);
	return ret;
}

int ssp_audit_walk_at(int dirfd, const char *dir, const struct ssp_audit_pos *after,
		      ssp_audit_fn fn, void *arg, struct ssp_err *e)
{
	struct walk_opts w = {
		.ref = { .dirfd = dirfd, .dir = dir }, .after = after, .fn = fn, .arg = arg,
	};

	return walk(&w, NULL, e);
}

int ssp_audit_walk(const char *dir, const struct ssp_audit_pos *after, ssp_audit_fn fn,
		   void *arg, struct ssp_err *e)
{
	return ssp_audit_walk_at(-1, dir, after, fn, arg, e);
}

struct check_state {
	struct ssp_audit_check *c;
	const char *path;
	int seen;
	uint64_t first_bad;
	struct ssp_err *e;
};

static void report(struct check_state *v, uint64_t seq, const char *problem)
{
	if (v->c->report)
		v->c->report(v->c->arg, seq, problem);
}

static int check_rec(void *arg, const struct ssp_audit_rec *rec)
{
	struct check_state *v = arg;
	struct ssp_audit_check *c = v->c;

	switch (rec->mac_state) {
	case SSP_AUDIT_MAC_OK:
		c->mac_ok++;
		break;
	case SSP_AUDIT_MAC_BAD:
		/*
		 * The chain holds, so the line was rewritten by someone who
		 * recomputed the hashes but lacks the key: edited, moved,
		 * renumbered or taken from another HSM's log.
		 */
		c->mac_bad++;
		if (!v->first_bad)
			v->first_bad = rec->seq;
		report(v, rec->seq, "its MAC does not verify under this key: the line was edited, moved, re-chained or comes from another HSM");
		break;
	default:
		c->mac_none++;
		if (c->mac_key)
			report(v, rec->seq, "has no MAC (written by an older sspctl or by someone without the key): unverified");
		break;
	}
	if (!c->anchor || !c->anchor->seq || rec->seq != c->anchor->seq)
		return 0;
	v->seen = 1;
	if (strcmp(rec->hash, c->anchor->hash) || rec->end != c->anchor->end)
		return ssp_errf(v->e, -EBADMSG, "%s: line %llu is not the license record the HSM state holds (hash or position differs): the log was rewritten; restore it from a backup",
				v->path, (unsigned long long)rec->seq);
	return 0;
}

int ssp_audit_check(int dirfd, const char *dir, const char *file, struct ssp_audit_check *c,
		    struct ssp_err *e)
{
	struct check_state v = { .c = c, .e = e };
	struct walk_opts w = {
		.ref = { .dirfd = dirfd, .dir = dir, .file = file }, .fn = check_rec, .arg = &v,
		.strict = 1, .mac_key = c->mac_key,
	};
	char path[PATH_MAX];
	int ret;

	c->lines = c->mac_ok = c->mac_none = c->mac_bad = 0;
	if (file)
		snprintf(path, sizeof(path), "%s", file);
	else if (log_path(dir, path, sizeof(path), e))
		return -ENAMETOOLONG;
	v.path = path;
	ret = walk(&w, &c->lines, e);
	if (ret)
		return ret;
	if (c->anchor && c->anchor->seq && !v.seen)
		return ssp_errf(e, -EBADMSG, "%s: the log ends at line %llu but the HSM state records license line %llu: lines were removed from the end; restore the log from a backup",
				path, (unsigned long long)c->lines, (unsigned long long)c->anchor->seq);
	if (c->mac_bad)
		return ssp_errf(e, -EBADMSG, "%s: %llu of %llu lines fail their MAC, the first at line %llu: they were forged or altered by someone without the OEM key (the hash chain alone can be recomputed by anyone)",
				path, (unsigned long long)c->mac_bad, (unsigned long long)c->lines,
				(unsigned long long)v.first_bad);
	return 0;
}

int ssp_audit_verify(const char *dir, const struct ssp_audit_pos *anchor, uint64_t *lines,
		     struct ssp_err *e)
{
	struct ssp_audit_check c = { .anchor = anchor };
	int ret;

	ret = ssp_audit_check(-1, dir, NULL, &c, e);
	if (lines)
		*lines = c.lines;
	return ret;
}
