// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software HSM: a state directory.
 *
 *   hsm.json   written once by init: series, ST public keys by product-key
 *              index, fsbl_min_version, key fingerprint, PBKDF2 salt and
 *              rounds, and the OEM nonce||key sealed with AES-128-GCM under
 *              a PIN-derived key. The AAD binds everything else in the
 *              file, so editing it (say, swapping in another ST key) makes
 *              the PIN "wrong".
 *   state      the counter: remaining, issued, and the last audit line this
 *              HSM wrote (seq, hash, end), authenticated with a GMAC under a
 *              second PIN-derived key. Replaced atomically.
 *   audit.log  the audit trail (audit.c); with the PIN every line is MAC'd
 *              under a key derived from the OEM key.
 *   lock       flock'd exclusively around every license, shared by status.
 *
 * The directory is opened once (O_NOFOLLOW, owned by the caller, not group-
 * or world-writable) and every file through it with O_NOFOLLOW.
 *
 * Issuing licenses: each caller checks the certificate and computes its
 * license outside any lock, then queues it on the handle (group commit,
 * Documentation/performance.rst). The first caller to find no commit under
 * way commits the queue for everyone, under the lock:
 *   1. read and authenticate state; count the license lines the log holds
 *      after the line state names (a run killed between steps 3 and 4);
 *   2. per request, in queue order: a certificate licensed before (a
 *      MAC-verified license line for it, or an earlier request of the same
 *      batch) gets a license again, recorded as license-reissue, not
 *      counted; otherwise a counted license while the budget lasts, and
 *      ENOSPC for the requests past it;
 *   3. append every line of the batch with one write and one fsync: this
 *      is the commit point, the licenses are counted from here on;
 *   4. write state once, with the counter minus the batch's licenses and
 *      naming its last license line (atomic, fsync'd); if that fails, so
 *      does every request of the batch (counted, not issued);
 *   5. unlock and hand each caller its own result.
 * Callers arriving meanwhile form the next batch. A kill before 3 leaves
 * nothing; between 3 and 5 counted licenses that nobody received (the safe
 * direction); the counter is always the initial count minus the license
 * lines in the log. Other processes share the HSM through the lock as
 * before: each commits its own batches.
 *
 * Not defended: someone with write access to the directory copying it, or
 * restoring an older copy of both state and audit.log (a software HSM
 * cannot detect a consistent rollback). Anchored in a TPM (backend "tpm",
 * hsm_tpm.h), the key is sealed in the TPM instead of hsm.json and the
 * count is a TPM NV counter, incremented once per counted license in step 2,
 * before step 3: files restored, copied or cut can then never yield a
 * license (threat-model.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "audit.h"
#include "crypto.h"
#include "formats.h"
#include "hsm.h"
#include "hsm_index.h"
#include "hsm_priv.h"
#include "hsm_tpm.h"
#include "util.h"

#define META_FORMAT	"stm32-ssp-hsm"
#define META_VERSION	1	/* written by init */
#define META_VERSION_MAX 2	/* read: 2 may add an "anchor" object (TPM) */
#define META_MAX	16384
#define STATE_FILE	"state"
#define STATE_MAX	4096
#define LOCK_FILE	"lock"
#define SALT_LEN	16
#define ST_KEYS		16
#define HEX_HASH	(2 * SSP_HASH_LEN + 1)

/* Secrets, kept in one mlock'ed block and wiped on close. */
struct soft_secrets {
	uint8_t key[SSP_AES_KEY_LEN];
	uint8_t nonce[SSP_NONCE_LEN];
	uint8_t kwrap[SSP_AES_KEY_LEN];	/* seals key||nonce in hsm.json */
	uint8_t kstate[SSP_AES_KEY_LEN];	/* authenticates state */
	uint8_t kaudit[SSP_AUDIT_MAC_KEY_LEN];	/* MACs audit lines (from key) */
	uint8_t kcounter[HSM_TPM_COUNTER_AUTH];	/* TPM: the NV counter's auth */
};

/* Where the last state_recover() of this handle stopped (see there). */
struct recover_cache {
	bool valid;
	struct ssp_audit_pos anchor;		/* state's anchor it started from */
	struct ssp_audit_pos to;		/* the last line it walked */
	struct ssp_audit_pos last_license;	/* the last license line up to there */
	uint64_t found;				/* license lines after anchor */
	uint64_t nv, lost;			/* TPM: st's nv and lost up to there */
};

struct soft_hsm {
	struct ssp_hsm base;		/* first: ssp_hsm_* take its address */
	struct hsm_index idx;		/* license lines by certificate (hsm_index.c) */
	struct recover_cache rc;
	pthread_mutex_t rc_lock;	/* status runs under a shared lock */
	/* Group commit of this handle's licenses (soft_license). */
	pthread_mutex_t gc_lock;
	pthread_cond_t gc_cond;
	struct lic_req *gc_head, **gc_tail;	/* waiting for a commit */
	bool gc_busy;			/* a leader is committing */
	enum ssp_series series;
	uint32_t fsbl_min_version;
	uint16_t st_mask;
	uint8_t st_pub[ST_KEYS][SSP_PUB_LEN];
	char fingerprint[HEX_HASH];
	int meta_version;
	int dirfd;			/* the HSM directory, opened once (O_NOFOLLOW) */
	struct soft_secrets *sec;	/* NULL: opened without PIN */
	struct hsm_tpm *tpm;		/* NULL: not anchored in a TPM */
};

struct soft_state {
	uint64_t remaining;
	uint64_t issued;
	struct ssp_audit_pos last;	/* last line this HSM wrote */
	/* TPM-anchored only: */
	uint64_t nv;			/* counter value the record accounts for */
	uint64_t lost;			/* licenses counted by the TPM, never issued */
	uint64_t pending_lost;		/* counter ahead of the record (not yet in the log) */
	uint64_t nv_now;		/* counter value read under the lock */
};

static const char *series_str(enum ssp_series s)
{
	return s == SSP_SERIES_MP13 ? "mp13" : "mp15";
}

/*
 * Lets tests kill the process at each step of issuance (never set in
 * production): SSP_HSM_TEST_CRASH=STEP kills at the first commit that
 * reaches STEP, STEP@N at the Nth (a later batch of a group commit).
 */
static void test_crash_point(const char *step)
{
	static int reached;
	const char *want = getenv("SSP_HSM_TEST_CRASH");
	size_t n = strlen(step);

	if (!want || strncmp(want, step, n) || (want[n] && want[n] != '@'))
		return;
	if (!want[n] || ++reached >= atoi(want + n + 1))
		raise(SIGKILL);
}

/* DIR/name, for messages only: files are opened through s->dirfd. */
static const char *shown(const struct soft_hsm *s, const char *name, char out[PATH_MAX + 32])
{
	snprintf(out, PATH_MAX + 32, "%.*s/%s", PATH_MAX - 1, s->base.dir, name);
	return out;
}

static int derive_keys(const char *pin, const uint8_t salt[SALT_LEN], uint32_t rounds,
		       struct soft_secrets *sec)
{
	uint8_t out[2 * SSP_AES_KEY_LEN];

	if (PKCS5_PBKDF2_HMAC(pin, strlen(pin), salt, SALT_LEN, rounds, EVP_sha256(),
			      sizeof(out), out) != 1)
		return -EIO;
	memcpy(sec->kwrap, out, SSP_AES_KEY_LEN);
	memcpy(sec->kstate, out + SSP_AES_KEY_LEN, SSP_AES_KEY_LEN);
	ssp_wipe(out, sizeof(out));
	return 0;
}

/*
 * Secrets get pages of their own: locked (out of swap, best effort) and
 * left out of core dumps; the process that holds them is made
 * non-dumpable too (no core file, no ptrace by the same uid).
 */
#define SECRETS_MAP	(((sizeof(struct soft_secrets) + 4095) / 4096) * 4096)

static struct soft_secrets *secrets_alloc(void)
{
	void *p;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	p = mmap(NULL, SECRETS_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, SECRETS_MAP, MADV_DONTDUMP);
	mlock(p, SECRETS_MAP);
	return p;
}

static void secrets_free(struct soft_secrets *sec)
{
	if (!sec)
		return;
	ssp_wipe(sec, sizeof(*sec));
	munlock(sec, SECRETS_MAP);
	munmap(sec, SECRETS_MAP);
}

/* AAD of the sealed key: everything in hsm.json that the key must stay bound to. */
static int meta_aad(const struct soft_hsm *s, const uint8_t salt[SALT_LEN], uint32_t rounds,
		    char *out, size_t len)
{
	uint8_t table[ST_KEYS * (1 + SSP_PUB_LEN)], h[SSP_HASH_LEN];
	char th[HEX_HASH], sh[2 * SALT_LEN + 1];
	int i, ret;

	for (i = 0; i < ST_KEYS; i++) {
		table[i * (1 + SSP_PUB_LEN)] = !!(s->st_mask & (1u << i));
		memcpy(table + i * (1 + SSP_PUB_LEN) + 1, s->st_pub[i], SSP_PUB_LEN);
	}
	ret = ssp_sha256(table, sizeof(table), h);
	if (ret)
		return ret;
	ssp_hex_encode(h, sizeof(h), th);
	ssp_hex_encode(salt, SALT_LEN, sh);
	ret = snprintf(out, len, "%s/%d|soft|%s|fsbl=%" PRIu32 "|fp=%s|st=%s|kdf=%" PRIu32 ":%s",
		       META_FORMAT, s->meta_version, series_str(s->series), s->fsbl_min_version,
		       s->fingerprint, th, rounds, sh);
	if (ret >= (int)len)
		return -ENAMETOOLONG;
	if (s->tpm)
		return hsm_tpm_binding(s->tpm, out + ret, len - ret);
	return 0;
}

static void state_aad(const struct soft_hsm *s, const struct soft_state *st, char *out,
		      size_t len)
{
	int n;

	n = snprintf(out, len, "%s-state/%d|fp=%s|remaining=%" PRIu64 "|issued=%" PRIu64
		     "|seq=%" PRIu64 "|hash=%s|end=%lld", META_FORMAT, s->meta_version,
		     s->fingerprint, st->remaining, st->issued, st->last.seq, st->last.hash,
		     (long long)st->last.end);
	if (s->tpm && n > 0 && (size_t)n < len)
		snprintf(out + n, len - n, "|nv=%" PRIu64 "|lost=%" PRIu64, st->nv, st->lost);
}

static int get_hex(json_object *o, const char *key, uint8_t *out, size_t len)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_string))
		return -EINVAL;
	return ssp_hex_decode(json_object_get_string(x), out, len);
}

static void add_hex(json_object *o, const char *key, const uint8_t *in, size_t len)
{
	char hex[2 * 64 + 1];

	ssp_hex_encode(in, len, hex);
	json_object_object_add(o, key, json_object_new_string(hex));
}

/* Write state, authenticated under kstate. */
static int state_write(struct soft_hsm *s, const struct soft_state *st, struct ssp_err *e)
{
	char aad[512], path[PATH_MAX + 32];
	uint8_t iv[SSP_GCM_IV_LEN], tag[SSP_TAG_LEN];
	json_object *o, *a;
	const char *txt;
	int ret;

	shown(s, STATE_FILE, path);
	state_aad(s, st, aad, sizeof(aad));
	ret = ssp_random(iv, sizeof(iv));
	if (!ret)
		ret = ssp_gcm_encrypt(s->sec->kstate, iv, aad, strlen(aad), NULL, 0, NULL, tag);
	if (ret)
		return ssp_errf(e, ret, "HSM %s: authenticating the counter state failed", s->base.dir);
	o = json_object_new_object();
	a = json_object_new_object();
	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
	}
	json_object_object_add(o, "remaining", json_object_new_int64(st->remaining));
	json_object_object_add(o, "issued", json_object_new_int64(st->issued));
	json_object_object_add(a, "seq", json_object_new_int64(st->last.seq));
	json_object_object_add(a, "hash", json_object_new_string(st->last.hash));
	json_object_object_add(a, "end", json_object_new_int64(st->last.end));
	json_object_object_add(o, "audit", a);
	if (s->tpm) {
		json_object_object_add(o, "nv", json_object_new_int64(st->nv));
		json_object_object_add(o, "lost", json_object_new_int64(st->lost));
	}
	add_hex(o, "iv", iv, sizeof(iv));
	add_hex(o, "mac", tag, sizeof(tag));
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	ret = ssp_write_file_atomic_at(s->dirfd, STATE_FILE, path, txt, strlen(txt), 0600, e);
	json_object_put(o);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: saving the license counter", s->base.dir);
	return 0;
}

/* Read state; authenticate it when the PIN was given. */
static int state_read(struct soft_hsm *s, struct soft_state *st, struct ssp_err *e)
{
	char buf[STATE_MAX + 1], path[PATH_MAX + 32], aad[512];
	uint8_t iv[SSP_GCM_IV_LEN], tag[SSP_TAG_LEN];
	json_object *o, *a, *x;
	uint64_t end;
	size_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	shown(s, STATE_FILE, path);
	ret = ssp_read_file_at(s->dirfd, STATE_FILE, path, buf, STATE_MAX, &len, e);
	if (ret == -ENOENT)
		return ssp_errf(e, -ENOENT, "HSM %s: no state file: its initialisation did not finish; remove the directory and run `sspctl hsm init` again",
				s->base.dir);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: reading the counter", s->base.dir);
	buf[len] = '\0';
	o = json_tokener_parse(buf);
	ret = -EINVAL;
	if (!o || hsm_json_u64(o, "remaining", &st->remaining) ||
	    hsm_json_u64(o, "issued", &st->issued) ||
	    !json_object_object_get_ex(o, "audit", &a) || hsm_json_u64(a, "seq", &st->last.seq) ||
	    hsm_json_u64(a, "end", &end) || !json_object_object_get_ex(a, "hash", &x) ||
	    !json_object_is_type(x, json_type_string) ||
	    strlen(json_object_get_string(x)) != HEX_HASH - 1 ||
	    get_hex(o, "iv", iv, sizeof(iv)) || get_hex(o, "mac", tag, sizeof(tag)) ||
	    (s->tpm && (hsm_json_u64(o, "nv", &st->nv) || hsm_json_u64(o, "lost", &st->lost))))
		goto bad;
	strcpy(st->last.hash, json_object_get_string(x));
	st->last.end = end;
	ret = 0;
	if (s->sec) {
		state_aad(s, st, aad, sizeof(aad));
		if (ssp_gcm_decrypt(s->sec->kstate, iv, aad, strlen(aad), NULL, 0, NULL, tag)) {
			json_object_put(o);
			return ssp_errf(e, -EBADMSG, "HSM %s: %s was modified or comes from another HSM (its MAC does not verify); no license is issued until it is restored",
					s->base.dir, path);
		}
	}
bad:
	json_object_put(o);
	if (ret)
		return ssp_errf(e, ret, "HSM %s: %s is damaged (not the expected JSON); restore it from a backup",
				s->base.dir, path);
	return 0;
}

/*
 * Licenses counted by the log but not yet by state (a run killed between
 * its audit append and its state write): fold them into st.
 */
struct recover_ctx {
	struct soft_state *st;
	uint64_t found;
	struct ssp_audit_pos to;	/* the last line walked */
};

static int recover_line(void *arg, const struct ssp_audit_rec *rec)
{
	struct recover_ctx *r = arg;
	json_object *x;

	r->to.seq = rec->seq;
	memcpy(r->to.hash, rec->hash, HEX_HASH);
	r->to.end = rec->end;
	if (!strcmp(rec->event, SSP_AUDIT_EV_LICENSE_LOST)) {
		/* Written by record_lost(), which then failed to save state. */
		if (json_object_object_get_ex(rec->fields, "count", &x))
			r->st->lost += json_object_get_int64(x);
		if (json_object_object_get_ex(rec->fields, "nv", &x))
			r->st->nv = json_object_get_int64(x);
		r->st->last.seq = rec->seq;
		memcpy(r->st->last.hash, rec->hash, HEX_HASH);
		r->st->last.end = rec->end;
		return 0;
	}
	if (strcmp(rec->event, SSP_AUDIT_EV_LICENSE))
		return 0;
	if (json_object_object_get_ex(rec->fields, "nv", &x))
		r->st->nv = json_object_get_int64(x);
	r->found++;
	r->st->last.seq = rec->seq;
	memcpy(r->st->last.hash, rec->hash, HEX_HASH);
	r->st->last.end = rec->end;
	return 0;
}

/*
 * The TPM anchor: count_license() is called under the lock right before
 * the audit append of a license (a license leaves only after the TPM
 * counted it), and reconcile() at the end of every state_recover(), with
 * the counter as state and log agree on it. Both are no-ops for the plain
 * software HSM, whose only count is the log itself.
 */
static int count_license(struct soft_hsm *s, struct soft_state *st, struct ssp_err *e)
{
	uint64_t v;
	int ret;

	if (!s->tpm)
		return 0;
	ret = hsm_tpm_count(s->tpm, s->base.dir, s->sec->kcounter, &v, e);
	if (ret)
		return ret;
	st->nv = v;
	st->nv_now = v;
	return 0;
}

/*
 * Rules (Documentation/threat-model.rst): the counter is the truth about
 * how many licenses left; remaining = first + budget - counter. A counter
 * ahead of the record is licenses counted and never issued (a crash, or a
 * failed append, after the increment): pending_lost, recorded by the next
 * license call. A counter behind the record cannot happen with this TPM.
 */
static int reconcile(struct soft_hsm *s, struct soft_state *st, struct ssp_err *e)
{
	struct hsm_tpm *a = s->tpm;
	uint64_t c;
	int ret;

	if (!a)
		return 0;
	ret = hsm_tpm_read(a, s->base.dir, &c, e);
	if (ret)
		return ret;
	if (c < st->nv || c < a->nv_first)
		return ssp_errf(e, -EBADMSG, "HSM %s: the TPM license counter (%" PRIu64 ") is behind the record (%" PRIu64 "): state or audit.log do not belong to this TPM's counter, or were forged",
				s->base.dir, c, st->nv);
	st->nv_now = c;
	st->pending_lost = c - st->nv;
	st->remaining = c - a->nv_first >= a->budget ? 0 : a->nv_first + a->budget - c;
	return 0;
}

static bool pos_eq(const struct ssp_audit_pos *a, const struct ssp_audit_pos *b)
{
	return a->seq == b->seq && a->end == b->end && !strcmp(a->hash, b->hash);
}

/* Write down the licenses the TPM counted that never left (exclusive lock held). */
static int record_lost(struct soft_hsm *s, struct soft_state *st, struct ssp_err *e)
{
	struct ssp_audit_pos pos;
	json_object *f;
	int ret;

	if (!st->pending_lost)
		return 0;
	f = json_object_new_object();
	if (!f)
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
	json_object_object_add(f, "count", json_object_new_int64(st->pending_lost));
	json_object_object_add(f, "nv_from", json_object_new_int64(st->nv));
	json_object_object_add(f, "nv", json_object_new_int64(st->nv_now));
	json_object_object_add(f, "reason", json_object_new_string(
		"counted by the TPM, never issued (a crash or failed write after the count)"));
	ret = ssp_audit_append_at(s->dirfd, s->base.dir, SSP_AUDIT_EV_LICENSE_LOST, f,
				  s->sec->kaudit, &pos, e);
	json_object_put(f);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: recording lost licenses", s->base.dir);
	st->lost += st->pending_lost;
	st->pending_lost = 0;
	st->nv = st->nv_now;
	st->last = pos;
	return state_write(s, st, e);
}

static int state_recover(struct soft_hsm *s, struct soft_state *st, uint64_t *found,
			 struct ssp_err *e)
{
	struct recover_ctx r = { .st = st };
	struct ssp_audit_pos anchor = st->last, after = st->last;
	int ret;

	/*
	 * Lines after the anchor that this handle walked already (re-issues,
	 * provisioning records) are not walked again: each call then reads
	 * only what was appended since, however many such lines pile up.
	 */
	pthread_mutex_lock(&s->rc_lock);
	if (s->rc.valid && pos_eq(&s->rc.anchor, &anchor)) {
		after = s->rc.to;
		r.found = s->rc.found;
		st->last = s->rc.last_license;
		st->nv = s->rc.nv;
		st->lost = s->rc.lost;
	}
	pthread_mutex_unlock(&s->rc_lock);
	r.to = after;
	ret = ssp_audit_walk_at(s->dirfd, s->base.dir, &after, recover_line, &r, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: checking the audit log against the counter", s->base.dir);
	pthread_mutex_lock(&s->rc_lock);
	s->rc.valid = true;
	s->rc.anchor = anchor;
	s->rc.to = r.to;
	s->rc.found = r.found;
	s->rc.last_license = st->last;
	s->rc.nv = st->nv;
	s->rc.lost = st->lost;
	pthread_mutex_unlock(&s->rc_lock);
	if (r.found > st->remaining)
		return ssp_errf(e, -EBADMSG, "HSM %s: the audit log holds %" PRIu64 " license records the counter does not know of, more than it had left; the log or the state was tampered with",
				s->base.dir, r.found);
	st->remaining -= r.found;
	st->issued += r.found;
	*found = r.found;
	return reconcile(s, st, e);
}

static int lock_dir(struct soft_hsm *s, int how, struct ssp_err *e)
{
	char path[PATH_MAX + 32];
	struct stat st;
	int fd;

	shown(s, LOCK_FILE, path);
	/*
	 * A fresh open per call: flock then also excludes other threads of
	 * this process. O_NOFOLLOW: a planted symlink must not make us create
	 * or open a file elsewhere.
	 */
	fd = openat(s->dirfd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = openat(s->dirfd, LOCK_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);	/* status on a read-only HSM */
	if (fd < 0 && errno == ELOOP)
		return ssp_errf(e, -ELOOP, "HSM %s: %s is a symbolic link, which is refused (it could redirect the HSM's files); remove it",
				s->base.dir, path);
	if (fd < 0)
		return ssp_errf(e, -errno, "HSM %s: cannot open %s: %s; check the directory's permissions",
				s->base.dir, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ssp_errf(e, -EINVAL, "HSM %s: %s is not a regular file; remove it", s->base.dir,
				path);
	}
	while (flock(fd, how) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(fd);
			return ssp_errf(e, -err, "HSM %s: cannot lock %s: %s", s->base.dir, path,
					strerror(err));
		}
	}
	return fd;
}

static int soft_status(struct ssp_hsm *h, struct ssp_hsm_status *out, struct ssp_err *e)
{
	struct soft_hsm *s = (struct soft_hsm *)h;
	struct soft_state st;
	uint64_t found;
	struct ssp_audit_check c = { 0 };
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = lock_dir(s, LOCK_SH, e);
	if (fd < 0)
		return fd;
	ret = state_read(s, &st, e);
	if (!ret)
		ret = state_recover(s, &st, &found, e);
	if (!ret && s->sec) {
		/* With the key, every line of the log is checked, not just the counter. */
		c.mac_key = s->sec->kaudit;
		c.anchor = &st.last;
		ret = ssp_audit_check(s->dirfd, h->dir, NULL, &c, e);
		if (ret)
			ssp_err_prefix(e, "HSM %s", h->dir);
	}
	close(fd);
	if (ret)
		return ret;
	out->verified = s->sec && !c.mac_none;
	if (!s->sec)
		snprintf(out->unverified, sizeof(out->unverified), "no PIN");
	else if (c.mac_none)
		snprintf(out->unverified, sizeof(out->unverified),
			 "%" PRIu64 " audit lines carry no MAC (written by an older sspctl)", c.mac_none);
	if (s->tpm) {
		out->anchored = true;
		out->lost = st.lost + st.pending_lost;
		out->nv_index = s->tpm->nv_index;
		out->nv_value = st.nv_now;
		snprintf(out->tcti, sizeof(out->tcti), "%s", s->tpm->tcti);
	}
	out->series = s->series;
	out->remaining = st.remaining;
	out->issued = st.issued;
	memcpy(out->key_fingerprint, s->fingerprint, HEX_HASH);
	snprintf(out->backend, sizeof(out->backend), "%s", h->ops->name);
	out->fsbl_min_version = s->fsbl_min_version;
	out->st_key_mask = s->st_mask;
	out->audit_seq = st.last.seq;
	memcpy(out->audit_hash, st.last.hash, HEX_HASH);
	out->audit_end = st.last.end;
	return 0;
}

/* Everything about the certificate, checked before any state is touched. */
static int check_cert(struct soft_hsm *s, const uint8_t cert[SSP_CERT_SIZE],
		      struct ssp_cert_info *ci, struct ssp_err *e)
{
	int ret;

	if (ssp_cert_parse(cert, SSP_CERT_SIZE, ci))
		return ssp_errf(e, -EPERM, "certificate refused: not a chip certificate (bad chip id, counter or key index field, or a public key not on P-256)");
	if (ci->chip_id != ssp_chip_id(s->series))
		return ssp_errf(e, -EPERM, "certificate refused: chip id %03X is not the %s (%03X) this HSM serves; use the HSM of that chip's series",
				ci->chip_id, series_str(s->series), ssp_chip_id(s->series));
	if (!(s->st_mask & (1u << ci->st_key_index)))
		return ssp_errf(e, -EPERM, "certificate refused: this HSM has no ST key for product-key index %u; initialise an HSM with --st-key %u=PEM for such chips",
				ci->st_key_index, ci->st_key_index);
	ret = ssp_cert_verify(s->st_pub[ci->st_key_index], cert);
	if (ret == -EBADMSG)
		return ssp_errf(e, -EPERM, "certificate refused: the ST signature does not verify with the ST key of product-key index %u; the chip is not genuine or the HSM holds the wrong ST key",
				ci->st_key_index);
	if (ret)
		return ssp_errf(e, ret, "certificate check failed: %s", strerror(-ret));
	return 0;
}

static json_object *license_fields(struct soft_hsm *s, const struct ssp_hsm_ctx *ctx,
				   const char *product, const char *hc_hex,
				   const uint8_t hl[SSP_HASH_LEN])
{
	json_object *f = json_object_new_object();
	char hex[HEX_HASH];

	if (!f)
		return NULL;
	json_object_object_add(f, "serial", ctx && ctx->serial ? json_object_new_string(ctx->serial) : NULL);
	json_object_object_add(f, "port", ctx && ctx->port ? json_object_new_string(ctx->port) : NULL);
	json_object_object_add(f, "product_id", json_object_new_string(product));
	json_object_object_add(f, "series", json_object_new_string(series_str(s->series)));
	json_object_object_add(f, "cert_sha256", json_object_new_string(hc_hex));
	ssp_hex_encode(hl, SSP_HASH_LEN, hex);
	json_object_object_add(f, "license_sha256", json_object_new_string(hex));
	return f;
}

static void license_tail(json_object *f, const struct ssp_hsm_ctx *ctx)
{
	json_object_object_add(f, "host_tool", json_object_new_string(ctx && ctx->host_tool ?
								     ctx->host_tool : "libssp"));
	json_object_object_add(f, "pid", json_object_new_int64(getpid()));
}

/*
 * Group commit (Documentation/performance.rst): the licenses that the
 * threads of one handle ask for while a commit is under way wait in a
 * queue; the next caller to find no commit under way takes the queue (up
 * to BATCH_MAX) and commits it for all: one lock, one state read, every
 * line appended with one fsync, one state write, then every caller gets
 * its own result. Each license keeps its own line, and none leaves before
 * its line and the state naming it are durable.
 */
#define BATCH_MAX	64

enum req_kind {
	REQ_COUNT,			/* a new chip: a counted license */
	REQ_REISSUE,			/* licensed before: its license again, not counted */
	REQ_FAILED,			/* err says why */
};

/* One caller's license, queued on its handle until a leader commits it. */
struct lic_req {
	struct lic_req *next;
	const struct ssp_hsm_ctx *ctx;
	uint8_t hc[SSP_HASH_LEN], hl[SSP_HASH_LEN];
	char hc_hex[HEX_HASH], product[9];
	/* the leader's, while it commits */
	enum req_kind kind;
	uint64_t orig;			/* REQ_REISSUE: the license line it repeats */
	const struct lic_req *twin;	/* REQ_REISSUE of a license counted in this batch */
	uint64_t nv;			/* TPM: the counter value of this license */
	uint64_t seq;			/* of its line */
	/* the result, valid once done */
	bool done;
	int ret;
	struct ssp_err err;
	struct ssp_hsm_license_info info;
};

struct batch {
	struct soft_hsm *s;
	struct lic_req **line;		/* the request of each line */
	struct ssp_audit_entry *ent;
};

static void req_fail(struct lic_req *r, int ret, const struct ssp_err *e)
{
	r->kind = REQ_FAILED;
	r->ret = ret;
	r->err = *e;
	r->err.code = ret;
}

static json_object *reissue_fields(struct soft_hsm *s, const struct lic_req *r)
{
	json_object *f = license_fields(s, r->ctx, r->product, r->hc_hex, r->hl);

	if (!f)
		return NULL;
	json_object_object_add(f, "original_seq", json_object_new_int64(r->orig));
	license_tail(f, r->ctx);
	return f;
}

/*
 * The audit code calls this with each line's seq before building it: a
 * re-issue of a license counted earlier in the same batch names that line.
 */
static int batch_line_seq(void *arg, size_t i, uint64_t seq)
{
	struct batch *b = arg;
	struct lic_req *r = b->line[i];

	r->seq = seq;
	if (r->kind != REQ_REISSUE || !r->twin)
		return 0;
	r->orig = r->twin->seq;
	b->ent[i].fields = reissue_fields(b->s, r);
	return b->ent[i].fields ? 0 : -ENOMEM;
}

/* How far a failed commit got: what its requests' messages say. */
enum batch_step {
	BEFORE_LINES,			/* e says it all */
	RECORDING,			/* no line written */
	SAVING,				/* lines written, state not */
};

/* Every request of the batch that had not failed yet fails with e, prefixed by step. */
static void batch_fail(struct soft_hsm *s, struct lic_req **v, size_t n, int ret,
		       const struct ssp_err *e, enum batch_step step)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct lic_req *r = v[i];
		enum req_kind was = r->kind;

		if (was == REQ_FAILED)
			continue;
		req_fail(r, ret, e);
		if (step == BEFORE_LINES)
			continue;
		if (step == RECORDING && was == REQ_COUNT)
			ssp_err_prefix(&r->err, "HSM %s: recording the license (none was issued)",
				       s->base.dir);
		else if (step == RECORDING && r->orig)
			ssp_err_prefix(&r->err, "HSM %s: recording the re-issue of license line %" PRIu64 " (none was issued)",
				       s->base.dir, r->orig);
		else if (step == RECORDING)
			ssp_err_prefix(&r->err, "HSM %s: recording the re-issue of a license (none was issued)",
				       s->base.dir);
		else if (was == REQ_COUNT)
			ssp_err_prefix(&r->err, "HSM %s: the license was counted (audit line %" PRIu64 ") but not issued",
				       s->base.dir, r->seq);
		else
			ssp_err_prefix(&r->err, "HSM %s: the re-issue was recorded (audit line %" PRIu64 ") but not handed out",
				       s->base.dir, r->seq);
	}
}

/* Decide each request: re-issue, counted license (TPM: counted here), or no budget left. */
static size_t batch_decide(struct soft_hsm *s, struct soft_state *st, struct lic_req **v,
			   size_t n)
{
	struct ssp_err e = { 0 };
	size_t i, j, counted = 0;
	int ret;

	for (i = 0; i < n; i++) {
		struct lic_req *r = v[i];

		r->orig = hsm_index_licensed_before(&s->idx, s->dirfd, s->base.dir, s->sec->kaudit,
						    r->hc, r->hc_hex);
		for (j = 0; !r->orig && j < i && !r->twin; j++)
			if (v[j]->kind == REQ_COUNT && !memcmp(v[j]->hc, r->hc, SSP_HASH_LEN))
				r->twin = v[j];
		if (r->orig || r->twin) {
			r->kind = REQ_REISSUE;
			continue;
		}
		if (st->remaining == counted) {
			ssp_errf(&e, -ENOSPC, "HSM %s: no licenses left (%" PRIu64 " issued); this HSM cannot provision more chips",
				 s->base.dir, st->issued + counted);
			req_fail(r, -ENOSPC, &e);
			continue;
		}
		ret = count_license(s, st, &e);
		if (ret) {
			req_fail(r, ret, &e);
			continue;
		}
		r->kind = REQ_COUNT;
		r->nv = st->nv;
		counted++;
	}
	return counted;
}

/* The audit record of each request that is to get a license; -ENOMEM. */
static int batch_lines(struct soft_hsm *s, const struct soft_state *st, struct lic_req **v,
		       size_t n, struct batch *b, size_t *nl)
{
	size_t i, k = 0;

	*nl = 0;
	for (i = 0; i < n; i++) {
		struct lic_req *r = v[i];
		json_object *f = NULL;

		if (r->kind == REQ_FAILED)
			continue;
		if (r->kind == REQ_COUNT) {
			f = license_fields(s, r->ctx, r->product, r->hc_hex, r->hl);
			if (!f)
				return -ENOMEM;
			k++;
			json_object_object_add(f, "remaining", json_object_new_int64(st->remaining - k));
			json_object_object_add(f, "issued", json_object_new_int64(st->issued + k));
			license_tail(f, r->ctx);
			if (s->tpm)
				json_object_object_add(f, "nv", json_object_new_int64(r->nv));
		} else if (!r->twin) {
			f = reissue_fields(s, r);
			if (!f)
				return -ENOMEM;
		}
		b->ent[*nl].event = r->kind == REQ_COUNT ? SSP_AUDIT_EV_LICENSE :
				    SSP_AUDIT_EV_LICENSE_REISSUE;
		b->ent[*nl].fields = f;
		b->line[(*nl)++] = r;
	}
	return 0;
}

/* Commit the batch v[0..n) (the leader, with no other commit of this handle under way). */
static void batch_commit(struct soft_hsm *s, struct lic_req **v, size_t n)
{
	struct batch b = { .s = s };
	struct ssp_audit_pos *pos = NULL, last = { 0 };
	struct ssp_err e = { 0 };
	struct soft_state st;
	size_t i, nl = 0, counted, given = 0;
	uint64_t found;
	int fd = -1, ret;

	b.line = calloc(n, sizeof(*b.line));
	b.ent = calloc(n, sizeof(*b.ent));
	pos = calloc(n, sizeof(*pos));
	if (!b.line || !b.ent || !pos) {
		ret = ssp_errf(&e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
		batch_fail(s, v, n, ret, &e, BEFORE_LINES);
		goto out;
	}
	fd = lock_dir(s, LOCK_EX, &e);
	if (fd < 0) {
		batch_fail(s, v, n, fd, &e, BEFORE_LINES);
		goto out;
	}
	test_crash_point("locked");
	ret = state_read(s, &st, &e);
	if (!ret)
		ret = state_recover(s, &st, &found, &e);
	if (!ret)
		ret = hsm_index_update(&s->idx, s->dirfd, s->base.dir, &e);
	if (!ret)
		ret = record_lost(s, &st, &e);
	if (ret) {
		batch_fail(s, v, n, ret, &e, BEFORE_LINES);
		goto out;
	}
	counted = batch_decide(s, &st, v, n);
	if (counted)
		test_crash_point("counted");
	ret = batch_lines(s, &st, v, n, &b, &nl);
	if (ret) {
		ret = ssp_errf(&e, ret, "HSM %s: out of memory", s->base.dir);
		batch_fail(s, v, n, ret, &e, RECORDING);
		goto out;
	}
	if (!nl)
		goto out;
	/* Commit point: once these lines are durable their licenses are counted. */
	ret = ssp_audit_append_batch_at(s->dirfd, s->base.dir, b.ent, nl, s->sec->kaudit,
					batch_line_seq, &b, pos, &e);
	if (ret) {
		batch_fail(s, v, n, ret, &e, RECORDING);
		goto out;
	}
	test_crash_point("audited");
	for (i = 0; i < nl; i++) {
		b.line[i]->seq = pos[i].seq;
		if (b.line[i]->kind == REQ_COUNT)
			last = pos[i];
	}
	if (counted) {
		st.remaining -= counted;
		st.issued += counted;
		st.last = last;
		/*
		 * Licenses leave only once their count is durable in state too:
		 * their audit lines already count them (the next call folds them
		 * in), so a failure here costs these licenses, never mints an
		 * uncounted one (say in a directory made read-only).
		 */
		ret = state_write(s, &st, &e);
		if (ret) {
			batch_fail(s, v, n, ret, &e, SAVING);
			goto out;
		}
		test_crash_point("saved");
	}
	for (i = 0; i < nl; i++) {
		struct lic_req *r = b.line[i];

		r->ret = 0;
		r->info.seq = r->seq;
		r->info.reissued = r->kind == REQ_REISSUE;
		r->info.original_seq = r->kind == REQ_REISSUE ? r->orig : 0;
		given++;
	}
out:
	if (fd >= 0)
		close(fd);
	for (i = 0; b.ent && i < nl; i++)
		json_object_put(b.ent[i].fields);
	free(pos);
	free(b.ent);
	free(b.line);
	if (given)
		test_crash_point("unlocked");
}

/* Queue r on s and wait until it is committed, committing the queue when nobody else is. */
static void group_commit(struct soft_hsm *s, struct lic_req *r)
{
	struct lic_req *v[BATCH_MAX];
	size_t i, n;

	pthread_mutex_lock(&s->gc_lock);
	*s->gc_tail = r;
	s->gc_tail = &r->next;
	while (!r->done) {
		if (s->gc_busy) {
			pthread_cond_wait(&s->gc_cond, &s->gc_lock);
			continue;
		}
		for (n = 0; s->gc_head && n < BATCH_MAX; n++) {
			v[n] = s->gc_head;
			s->gc_head = v[n]->next;
		}
		if (!s->gc_head)
			s->gc_tail = &s->gc_head;
		s->gc_busy = true;
		pthread_mutex_unlock(&s->gc_lock);
		batch_commit(s, v, n);
		pthread_mutex_lock(&s->gc_lock);
		/* Once done, a request's caller may return: v[i] is not touched again. */
		for (i = 0; i < n; i++)
			v[i]->done = true;
		s->gc_busy = false;
		pthread_cond_broadcast(&s->gc_cond);
	}
	pthread_mutex_unlock(&s->gc_lock);
}

static int soft_license(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
			const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
			struct ssp_hsm_license_info *info, struct ssp_err *e)
{
	struct soft_hsm *s = (struct soft_hsm *)h;
	struct ssp_license_params params = {
		.type = SSP_LIC_TYPE_NORMAL,
		.fsbl_min_version = s->fsbl_min_version,
	};
	struct lic_req req = { .ctx = ctx, .ret = -EIO };
	uint8_t lic[SSP_LIC_SIZE];
	struct ssp_cert_info ci;
	int ret;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!s->sec)
		return ssp_errf(e, -EACCES, "HSM %s: opened without a PIN, which only allows status; give --pin-file or %s",
				h->dir, SSP_HSM_PIN_ENV);
	/* The CPU work outside any lock: concurrent callers share only the commit. */
	ret = check_cert(s, cert, &ci, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s", h->dir);
	ret = ssp_license_make(ci.chip_pub, s->sec->key, s->sec->nonce, &params, NULL, lic);
	if (!ret)
		ret = ssp_sha256(cert, SSP_CERT_SIZE, req.hc);
	if (!ret)
		ret = ssp_sha256(lic, sizeof(lic), req.hl);
	if (ret) {
		ssp_wipe(lic, sizeof(lic));
		return ssp_errf(e, ret, "HSM %s: computing the license failed: %s", h->dir,
				strerror(-ret));
	}
	ssp_cert_product_id(&ci, req.product);
	ssp_hex_encode(req.hc, sizeof(req.hc), req.hc_hex);

	group_commit(s, &req);
	if (!req.ret) {
		memcpy(license, lic, SSP_LIC_SIZE);
		if (info)
			*info = req.info;
	} else if (e) {
		*e = req.err;
	}
	ssp_wipe(lic, sizeof(lic));
	return req.ret;
}

static void soft_close(struct ssp_hsm *h)
{
	struct soft_hsm *s = (struct soft_hsm *)h;

	secrets_free(s->sec);
	hsm_index_reset(&s->idx);
	if (s->tpm) {
		hsm_tpm_close(s->tpm);
		ssp_wipe(s->tpm, sizeof(*s->tpm));
		free(s->tpm);
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	pthread_mutex_destroy(&s->rc_lock);
	pthread_mutex_destroy(&s->gc_lock);
	pthread_cond_destroy(&s->gc_cond);
	ssp_wipe(s, sizeof(*s));
	free(s);
}

/* Parse hsm.json into s; the sealed part into salt/rounds/iv/ct/tag. */
struct sealed {
	uint8_t salt[SALT_LEN];
	uint32_t rounds;
	uint8_t iv[SSP_GCM_IV_LEN];
	uint8_t ct[SSP_NONCE_LEN + SSP_AES_KEY_LEN];
	uint8_t tag[SSP_TAG_LEN];
};

static int meta_parse(struct soft_hsm *s, const char *txt, struct sealed *sd)
{
	json_object *o, *v, *k, *w;
	uint64_t n;
	size_t i;
	int ret = -EINVAL;

	o = json_tokener_parse(txt);
	if (!o || !json_object_object_get_ex(o, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), META_FORMAT) || hsm_json_u64(o, "version", &n) ||
	    n < 1 || n > META_VERSION_MAX)
		goto out;
	s->meta_version = n;
	if (!json_object_object_get_ex(o, "series", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto out;
	if (!strcmp(json_object_get_string(v), "mp15"))
		s->series = SSP_SERIES_MP15;
	else if (!strcmp(json_object_get_string(v), "mp13"))
		s->series = SSP_SERIES_MP13;
	else
		goto out;
	if (hsm_json_u64(o, "fsbl_min_version", &n) || n > UINT32_MAX)
		goto out;
	s->fsbl_min_version = n;
	if (!json_object_object_get_ex(o, "fingerprint", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != HEX_HASH - 1)
		goto out;
	strcpy(s->fingerprint, json_object_get_string(v));
	if (!json_object_object_get_ex(o, "st_keys", &k) ||
	    !json_object_is_type(k, json_type_array) || json_object_array_length(k) != ST_KEYS)
		goto out;
	for (i = 0; i < ST_KEYS; i++) {
		v = json_object_array_get_idx(k, i);
		if (!v)
			continue;
		if (!json_object_is_type(v, json_type_string) ||
		    ssp_hex_decode(json_object_get_string(v), s->st_pub[i], SSP_PUB_LEN) ||
		    ssp_ec_pub_check(s->st_pub[i]))
			goto out;
		s->st_mask |= 1u << i;
	}
	if (!s->st_mask)
		goto out;
	if (!json_object_object_get_ex(o, "kdf", &k) || hsm_json_u64(k, "iterations", &n) ||
	    n < SSP_HSM_KDF_MIN || n > UINT32_MAX || get_hex(k, "salt", sd->salt, SALT_LEN))
		goto out;
	sd->rounds = n;
	if (json_object_object_get_ex(o, "anchor", &w)) {
		/* Version 2: the key is sealed in the TPM the anchor names. */
		if (s->meta_version < 2)
			goto out;
		s->tpm = calloc(1, sizeof(*s->tpm));
		if (!s->tpm) {
			ret = -ENOMEM;
			goto out;
		}
		if (hsm_tpm_parse(w, s->tpm))
			goto out;
		s->base.ops = &ssp_hsm_tpm_ops;
	} else if (!json_object_object_get_ex(o, "sealed", &w) ||
		   get_hex(w, "iv", sd->iv, sizeof(sd->iv)) ||
		   get_hex(w, "ct", sd->ct, sizeof(sd->ct)) ||
		   get_hex(w, "tag", sd->tag, sizeof(sd->tag))) {
		goto out;
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/*
 * TPM: the PIN-derived kwrap||kstate (32 bytes) is the sealed object's
 * authValue; the object holds nonce, key, the real state key, the counter
 * auth and the hash of the binding string (hsm_tpm.h).
 */
#define TPM_AUTH_LEN	(2 * SSP_AES_KEY_LEN)

static void tpm_pack(const struct soft_secrets *sec, const char *aad,
		     uint8_t out[HSM_TPM_SEALED_LEN])
{
	uint8_t *p = out;

	memcpy(p, sec->nonce, SSP_NONCE_LEN);
	p += SSP_NONCE_LEN;
	memcpy(p, sec->key, SSP_AES_KEY_LEN);
	p += SSP_AES_KEY_LEN;
	memcpy(p, sec->kstate, SSP_AES_KEY_LEN);
	p += SSP_AES_KEY_LEN;
	memcpy(p, sec->kcounter, HSM_TPM_COUNTER_AUTH);
	p += HSM_TPM_COUNTER_AUTH;
	ssp_sha256(aad, strlen(aad), p);
}

static int tpm_unseal(struct soft_hsm *s, const char *aad, const char *meta_path,
		      struct ssp_err *e)
{
	uint8_t auth[TPM_AUTH_LEN], data[HSM_TPM_SEALED_LEN], bind[SSP_HASH_LEN];
	const uint8_t *p = data;
	int ret;

	memcpy(auth, s->sec->kwrap, SSP_AES_KEY_LEN);
	memcpy(auth + SSP_AES_KEY_LEN, s->sec->kstate, SSP_AES_KEY_LEN);
	ret = hsm_tpm_unseal(s->tpm, s->base.dir, auth, sizeof(auth), data, e);
	ssp_wipe(auth, sizeof(auth));
	if (ret)
		return ret;
	memcpy(s->sec->nonce, p, SSP_NONCE_LEN);
	p += SSP_NONCE_LEN;
	memcpy(s->sec->key, p, SSP_AES_KEY_LEN);
	p += SSP_AES_KEY_LEN;
	memcpy(s->sec->kstate, p, SSP_AES_KEY_LEN);
	p += SSP_AES_KEY_LEN;
	memcpy(s->sec->kcounter, p, HSM_TPM_COUNTER_AUTH);
	p += HSM_TPM_COUNTER_AUTH;
	ssp_sha256(aad, strlen(aad), bind);
	ret = memcmp(bind, p, SSP_HASH_LEN) ? -EBADMSG : 0;
	ssp_wipe(data, sizeof(data));
	if (ret)
		return ssp_errf(e, ret, "HSM %s: %s does not match what was sealed in the TPM (series, ST keys, counter index or budget edited); restore it from a backup",
				s->base.dir, meta_path);
	return 0;
}

/*
 * PIN + the sealed part of hsm.json -> the secrets (key, nonce and the keys
 * derived from them). The one place that turns a PIN into the OEM key: an
 * anchored backend (TPM) replaces the GCM unwrap here.
 */
static int secrets_unseal(struct soft_hsm *s, const char *pin, const struct sealed *sd,
			  const char *meta_path, struct ssp_err *e)
{
	const char *dir = s->base.dir;
	uint8_t pt[SSP_NONCE_LEN + SSP_AES_KEY_LEN];
	char aad[1024], fp[HEX_HASH];
	int ret;

	s->sec = secrets_alloc();
	if (!s->sec)
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", dir);
	ret = derive_keys(pin, sd->salt, sd->rounds, s->sec);
	if (!ret)
		ret = meta_aad(s, sd->salt, sd->rounds, aad, sizeof(aad));
	if (ret)
		return ssp_errf(e, ret, "HSM %s: deriving the key from the PIN failed", dir);
	if (s->tpm) {
		ret = tpm_unseal(s, aad, meta_path, e);
		if (ret)
			return ret;
	} else {
		ret = ssp_gcm_decrypt(s->sec->kwrap, sd->iv, aad, strlen(aad), sd->ct,
				      sizeof(sd->ct), pt, sd->tag);
		if (ret)
			return ssp_errf(e, -EACCES, "HSM %s: wrong PIN (or %s was altered); check --pin-file / %s",
					dir, meta_path, SSP_HSM_PIN_ENV);
		memcpy(s->sec->nonce, pt, SSP_NONCE_LEN);
		memcpy(s->sec->key, pt + SSP_NONCE_LEN, SSP_AES_KEY_LEN);
		ssp_wipe(pt, sizeof(pt));
	}
	if (ssp_audit_mac_key(s->sec->key, s->sec->kaudit))
		return ssp_errf(e, -EIO, "HSM %s: deriving the audit MAC key failed", dir);
	ssp_hsm_fingerprint(s->sec->key, s->sec->nonce, fp);
	if (strcmp(fp, s->fingerprint))
		return ssp_errf(e, -EBADMSG, "HSM %s: the key does not match the fingerprint in %s; the file was altered",
				dir, meta_path);
	return 0;
}

/*
 * At init, anchored: define the license counter (its auth random, never
 * derived from the PIN: it crosses the TPM bus in clear), pick a random
 * state key, and seal them with the key and nonce under the PIN-derived
 * auth, bound to hsm.json by the hash of its binding string.
 */
static int tpm_seal(struct soft_hsm *s, const struct ssp_hsm_init *init, const struct sealed *sd,
		    struct ssp_err *e)
{
	uint8_t auth[TPM_AUTH_LEN], data[HSM_TPM_SEALED_LEN];
	char aad[1024];
	int ret;

	s->tpm = calloc(1, sizeof(*s->tpm));
	if (!s->tpm)
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
	s->base.ops = &ssp_hsm_tpm_ops;
	s->meta_version = 2;
	memcpy(auth, s->sec->kwrap, SSP_AES_KEY_LEN);
	memcpy(auth + SSP_AES_KEY_LEN, s->sec->kstate, SSP_AES_KEY_LEN);
	ret = ssp_random(s->sec->kcounter, sizeof(s->sec->kcounter));
	if (!ret)
		ret = ssp_random(s->sec->kstate, sizeof(s->sec->kstate));
	if (ret) {
		ssp_wipe(auth, sizeof(auth));
		return ssp_errf(e, ret, "HSM %s: no random numbers", s->base.dir);
	}
	ret = hsm_tpm_define(s->tpm, s->base.dir, init->tpm_tcti, init->counter, s->sec->kcounter,
			     e);
	if (!ret) {
		ret = meta_aad(s, sd->salt, sd->rounds, aad, sizeof(aad));
		if (ret)
			ssp_errf(e, ret, "HSM %s: describing the HSM failed", s->base.dir);
	}
	if (!ret) {
		tpm_pack(s->sec, aad, data);
		ret = hsm_tpm_seal(s->tpm, s->base.dir, auth, sizeof(auth), data, e);
		ssp_wipe(data, sizeof(data));
	}
	ssp_wipe(auth, sizeof(auth));
	return ret;
}

/* The reverse, at init: key and nonce of init sealed under the PIN into sd. */
static int secrets_seal(struct soft_hsm *s, const char *pin, const struct ssp_hsm_init *init,
			struct sealed *sd, struct ssp_err *e)
{
	uint8_t pt[SSP_NONCE_LEN + SSP_AES_KEY_LEN];
	char aad[512];
	int ret;

	s->sec = secrets_alloc();
	if (!s->sec)
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
	memcpy(s->sec->key, init->key, SSP_AES_KEY_LEN);
	memcpy(s->sec->nonce, init->nonce, SSP_NONCE_LEN);
	ret = ssp_random(sd->salt, sizeof(sd->salt));
	if (!ret)
		ret = ssp_random(sd->iv, sizeof(sd->iv));
	if (!ret)
		ret = derive_keys(pin, sd->salt, sd->rounds, s->sec);
	if (!ret)
		ret = ssp_audit_mac_key(init->key, s->sec->kaudit);
	if (!ret && init->tpm)
		return tpm_seal(s, init, sd, e);
	if (!ret)
		ret = meta_aad(s, sd->salt, sd->rounds, aad, sizeof(aad));
	if (!ret) {
		memcpy(pt, init->nonce, SSP_NONCE_LEN);
		memcpy(pt + SSP_NONCE_LEN, init->key, SSP_AES_KEY_LEN);
		ret = ssp_gcm_encrypt(s->sec->kwrap, sd->iv, aad, strlen(aad), pt, sizeof(pt), sd->ct,
				      sd->tag);
		ssp_wipe(pt, sizeof(pt));
	}
	if (ret)
		return ssp_errf(e, ret, "HSM %s: sealing the OEM key failed", s->base.dir);
	return 0;
}

static struct soft_hsm *soft_new(const char *dir, struct ssp_err *e)
{
	struct soft_hsm *s = calloc(1, sizeof(*s));

	if (!s) {
		ssp_errf(e, -ENOMEM, "HSM %s: out of memory", dir);
		return NULL;
	}
	s->base.ops = &ssp_hsm_soft_ops;
	s->dirfd = -1;
	pthread_mutex_init(&s->rc_lock, NULL);
	pthread_mutex_init(&s->gc_lock, NULL);
	pthread_cond_init(&s->gc_cond, NULL);
	s->gc_tail = &s->gc_head;
	s->meta_version = META_VERSION;
	if (snprintf(s->base.dir, sizeof(s->base.dir), "%s", dir) >= (int)sizeof(s->base.dir)) {
		ssp_errf(e, -ENAMETOOLONG, "HSM %s: path too long", dir);
		free(s);
		return NULL;
	}
	return s;
}

static int soft_open(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e)
{
	char path[PATH_MAX + 32];
	struct soft_hsm *s;
	struct sealed sd;
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	s = soft_new(dir, e);
	if (!s)
		return e ? e->code : -ENOMEM;
	buf = calloc(1, META_MAX + 1);
	if (!buf) {
		ret = ssp_errf(e, -ENOMEM, "HSM %s: out of memory", dir);
		goto fail;
	}
	s->dirfd = ssp_open_private_dir(dir, e);
	if (s->dirfd < 0) {
		ret = ssp_err_prefix(e, "HSM %s", dir);
		goto fail;
	}
	shown(s, SSP_HSM_META, path);
	ret = ssp_read_file_at(s->dirfd, SSP_HSM_META, path, buf, META_MAX, &len, e);
	if (ret) {
		ssp_err_prefix(e, "HSM %s", dir);
		goto fail;
	}
	buf[len] = '\0';
	ret = meta_parse(s, buf, &sd);
	if (ret) {
		ssp_errf(e, ret, "HSM %s: %s is damaged or not a software HSM of this version; restore it from a backup",
			 dir, path);
		goto fail;
	}
	if (pin) {
		ret = secrets_unseal(s, pin, &sd, path, e);
		if (ret)
			goto fail;
	}
	free(buf);
	*out = &s->base;
	return 0;
fail:
	free(buf);
	soft_close(&s->base);
	return ret;
}

static int soft_audit_append(struct ssp_hsm *h, const char *event, json_object *fields,
			     struct ssp_audit_pos *pos, struct ssp_err *e)
{
	struct soft_hsm *s = (struct soft_hsm *)h;

	return ssp_audit_append_at(s->dirfd, h->dir, event, fields, s->sec ? s->sec->kaudit : NULL,
				   pos, e);
}

static int soft_check_payload(struct ssp_hsm *h, const uint8_t *payload, size_t len,
			      struct ssp_err *e)
{
	struct soft_hsm *s = (struct soft_hsm *)h;
	struct ssp_payload_plain *pl;
	enum ssp_series ps;
	int ret;

	if (!s->sec)
		return ssp_errf(e, -EACCES, "HSM %s: opened without a PIN: the secrets file cannot be checked against its key",
				h->dir);
	if (ssp_payload_series(len, &ps))
		return ssp_errf(e, -EINVAL, "HSM %s: the secrets file is %zu bytes, neither an MP15 nor an MP13 .ssp",
				h->dir, len);
	if (ps != s->series)
		return ssp_errf(e, -EINVAL, "HSM %s is for %s but the secrets file is for %s; give the %s secrets file (no license was taken)",
				h->dir, series_str(s->series), series_str(ps), series_str(s->series));
	pl = malloc(sizeof(*pl));
	if (!pl)
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", h->dir);
	ret = ssp_payload_open(payload, len, ps, s->sec->key, s->sec->nonce, pl);
	ssp_wipe(pl, sizeof(*pl));
	free(pl);
	if (ret == -EBADMSG)
		return ssp_errf(e, -EKEYREJECTED, "HSM %s: the secrets file does not decrypt under this HSM's key and nonce (fingerprint %.16s): it was built for another HSM; build it with `sspctl secrets build` and this HSM's key, or give the HSM it was built for (no license was taken)",
				h->dir, s->fingerprint);
	if (ret)
		return ssp_errf(e, ret, "HSM %s: the secrets file is malformed (%s); rebuild it with `sspctl secrets build`",
				h->dir, strerror(-ret));
	return 0;
}

static int soft_audit_check(struct ssp_hsm *h, struct ssp_audit_check *c, struct ssp_err *e)
{
	struct soft_hsm *s = (struct soft_hsm *)h;
	struct soft_state st;
	uint64_t found;
	int fd, ret;

	fd = lock_dir(s, LOCK_SH, e);
	if (fd < 0)
		return fd;
	/* With the PIN, state_read refuses a state whose MAC does not verify. */
	ret = state_read(s, &st, e);
	if (!ret)
		ret = state_recover(s, &st, &found, e);
	if (!ret) {
		c->mac_key = s->sec ? s->sec->kaudit : c->mac_key;
		c->anchor = &st.last;
		ret = ssp_audit_check(s->dirfd, h->dir, NULL, c, e);
		c->anchor = NULL;
	}
	close(fd);
	return ret;
}

/* What the plain software HSM can and cannot promise (threat model). */
static const struct ssp_hsm_guarantee soft_guarantees[] = {
	{ "keeps the OEM key from",
	  "whoever lacks the PIN (sealed in hsm.json under a PBKDF2 key of the PIN)" },
	{ "counts against",
	  "line operators without write access to the HSM directory; with the PIN or the OEM key, edited state or audit lines are detected" },
	{ "does not protect against",
	  "root or the PIN holder on this host (they can read the OEM key), nor a copy or restore of the whole directory (more licenses): use a TPM-anchored or hardware HSM where the factory is not trusted" },
	{ NULL, NULL },
};

const struct ssp_hsm_ops ssp_hsm_soft_ops = {
	.name = "soft",
	.open = soft_open,
	.status = soft_status,
	.license = soft_license,
	.close = soft_close,
	.audit_append = soft_audit_append,
	.audit_check = soft_audit_check,
	.check_payload = soft_check_payload,
	.guarantees = soft_guarantees,
};

/* Anchored in the host's TPM (threat model: "Software HSM anchored in ..."). */
static const struct ssp_hsm_guarantee tpm_guarantees[] = {
	{ "keeps the OEM key from",
	  "whoever lacks the PIN or this host's TPM: sealed in the TPM, PIN guesses meet its dictionary-attack lockout; a copied directory or disk is useless elsewhere" },
	{ "counts against",
	  "everyone using sspctl, root included: a TPM NV counter only grows and caps the budget, so copying, restoring, cutting or editing the files never yields a license" },
	{ "does not protect against",
	  "root or the PIN holder on this host, who can unseal the OEM key through the TPM and compute licenses outside sspctl: only an HSM that computes licenses inside itself (STM32HSM, PKCS#11 token) keeps the key from them" },
	{ NULL, NULL },
};

const struct ssp_hsm_ops ssp_hsm_tpm_ops = {
	.name = "tpm",
	.open = soft_open,
	.status = soft_status,
	.license = soft_license,
	.close = soft_close,
	.audit_append = soft_audit_append,
	.audit_check = soft_audit_check,
	.guarantees = tpm_guarantees,
};

static int meta_write(struct soft_hsm *s, const struct sealed *sd, struct ssp_err *e)
{
	char path[PATH_MAX + 32];
	json_object *o, *k, *w, *keys;
	const char *txt;
	int i, ret;

	shown(s, SSP_HSM_META, path);
	o = json_object_new_object();
	k = json_object_new_object();
	w = json_object_new_object();
	keys = json_object_new_array();
	if (!o || !k || !w || !keys) {
		json_object_put(o);
		json_object_put(k);
		json_object_put(w);
		json_object_put(keys);
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
	}
	json_object_object_add(o, "format", json_object_new_string(META_FORMAT));
	json_object_object_add(o, "version", json_object_new_int(s->meta_version));
	json_object_object_add(o, "backend", json_object_new_string(s->base.ops->name));
	json_object_object_add(o, "series", json_object_new_string(series_str(s->series)));
	json_object_object_add(o, "fsbl_min_version", json_object_new_int64(s->fsbl_min_version));
	json_object_object_add(o, "fingerprint", json_object_new_string(s->fingerprint));
	for (i = 0; i < ST_KEYS; i++) {
		char hex[2 * SSP_PUB_LEN + 1];

		if (!(s->st_mask & (1u << i))) {
			json_object_array_add(keys, NULL);
			continue;
		}
		ssp_hex_encode(s->st_pub[i], SSP_PUB_LEN, hex);
		json_object_array_add(keys, json_object_new_string(hex));
	}
	json_object_object_add(o, "st_keys", keys);
	json_object_object_add(k, "alg", json_object_new_string("pbkdf2-hmac-sha256"));
	json_object_object_add(k, "iterations", json_object_new_int64(sd->rounds));
	add_hex(k, "salt", sd->salt, SALT_LEN);
	json_object_object_add(o, "kdf", k);
	if (s->tpm) {
		json_object_put(w);
		w = hsm_tpm_json(s->tpm);
		if (!w) {
			json_object_put(o);
			return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", s->base.dir);
		}
		json_object_object_add(o, "anchor", w);
	} else {
		json_object_object_add(w, "alg", json_object_new_string("aes-128-gcm"));
		json_object_object_add(w, "content", json_object_new_string("nonce||key"));
		add_hex(w, "iv", sd->iv, sizeof(sd->iv));
		add_hex(w, "ct", sd->ct, sizeof(sd->ct));
		add_hex(w, "tag", sd->tag, sizeof(sd->tag));
		json_object_object_add(o, "sealed", w);
	}
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	ret = ssp_write_file_atomic_at(s->dirfd, SSP_HSM_META, path, txt, strlen(txt), 0600, e);
	json_object_put(o);
	return ret;
}

static int exists_in(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int ssp_hsm_soft_init(const char *dir, const char *pin, const struct ssp_hsm_init *init,
		      struct ssp_err *e)
{
	struct soft_state st = { 0 };
	struct soft_hsm *s;
	struct sealed sd;
	json_object *f, *idx;
	int i, fd = -1, ret;

	if (!pin || !pin[0])
		return ssp_errf(e, -ENOKEY, "HSM %s: no PIN; give --pin-file or set %s", dir,
				SSP_HSM_PIN_ENV);
	if (strlen(pin) < SSP_HSM_PIN_MIN)
		return ssp_errf(e, -EINVAL, "HSM %s: the PIN is %zu characters; use at least %d (it is all that stands between the disk and the OEM key)",
				dir, strlen(pin), SSP_HSM_PIN_MIN);
	if (ssp_nonce_check(init->nonce))
		return ssp_errf(e, -EINVAL, "HSM %s: the OEM nonce's last 4 bytes are not zero; ssp-v1 uses a 96-bit IV followed by 4 zero bytes: fix the nonce file",
				dir);
	if (init->series != SSP_SERIES_MP15 && init->series != SSP_SERIES_MP13)
		return ssp_errf(e, -EINVAL, "HSM %s: unknown series", dir);
	if (init->counter > INT64_MAX)
		return ssp_errf(e, -ERANGE, "HSM %s: counter %" PRIu64 " is too large", dir, init->counter);
	sd.rounds = init->kdf_iterations ? init->kdf_iterations : SSP_HSM_KDF_DEFAULT;
	if (sd.rounds < SSP_HSM_KDF_MIN)
		return ssp_errf(e, -EINVAL, "HSM %s: %u PBKDF2 rounds is too few; use at least %d",
				dir, sd.rounds, SSP_HSM_KDF_MIN);

	s = soft_new(dir, e);
	if (!s)
		return e ? e->code : -ENOMEM;
	s->series = init->series;
	s->fsbl_min_version = init->fsbl_min_version;
	for (i = 0; i < ST_KEYS; i++) {
		if (!init->st_pub_pem[i])
			continue;
		ret = ssp_pem_read_pub(init->st_pub_pem[i], s->st_pub[i]);
		if (ret) {
			ssp_errf(e, ret, "ST key %s (product-key index %d): not a readable P-256 public key PEM (%s); give ST's public key for chip certificates",
				 init->st_pub_pem[i], i, strerror(-ret));
			goto out;
		}
		s->st_mask |= 1u << i;
	}
	if (!s->st_mask) {
		ret = ssp_errf(e, -EINVAL, "HSM %s: no ST public key; give --st-key PEM (or IDX=PEM)", dir);
		goto out;
	}
	ssp_hsm_fingerprint(init->key, init->nonce, s->fingerprint);

	ret = ssp_mkdir_p(dir, 0700);
	if (ret) {
		ssp_errf(e, ret, "HSM %s: cannot create the directory: %s", dir, strerror(-ret));
		goto out;
	}
	s->dirfd = ssp_open_private_dir(dir, e);
	if (s->dirfd < 0) {
		ret = ssp_err_prefix(e, "HSM %s", dir);
		goto out;
	}
	fd = lock_dir(s, LOCK_EX, e);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if (exists_in(s->dirfd, SSP_HSM_META) || exists_in(s->dirfd, STATE_FILE) ||
	    exists_in(s->dirfd, SSP_AUDIT_LOG)) {
		ret = ssp_errf(e, -EEXIST, "HSM %s: already initialised (or left from an earlier one); an HSM is never overwritten: use another --dir",
			       dir);
		goto out;
	}

	ret = secrets_seal(s, pin, init, &sd, e);
	if (ret)
		goto out;
	ret = meta_write(s, &sd, e);
	if (ret) {
		ssp_err_prefix(e, "HSM %s", dir);
		goto out;
	}

	f = json_object_new_object();
	idx = json_object_new_array();
	for (i = 0; i < ST_KEYS; i++)
		if (s->st_mask & (1u << i))
			json_object_array_add(idx, json_object_new_int(i));
	json_object_object_add(f, "backend", json_object_new_string(s->base.ops->name));
	if (s->tpm) {
		json_object_object_add(f, "tpm_nv_index", json_object_new_int64(s->tpm->nv_index));
		json_object_object_add(f, "tpm_nv_first", json_object_new_int64(s->tpm->nv_first));
	}
	json_object_object_add(f, "series", json_object_new_string(series_str(s->series)));
	json_object_object_add(f, "fingerprint", json_object_new_string(s->fingerprint));
	json_object_object_add(f, "counter", json_object_new_int64(init->counter));
	json_object_object_add(f, "fsbl_min_version", json_object_new_int64(s->fsbl_min_version));
	json_object_object_add(f, "st_key_indexes", idx);
	ret = ssp_audit_append_at(s->dirfd, dir, SSP_AUDIT_EV_HSM_INIT, f, s->sec->kaudit, &st.last, e);
	json_object_put(f);
	if (ret) {
		ssp_err_prefix(e, "HSM %s", dir);
		goto out;
	}
	/* state last: its presence says the initialisation finished. */
	st.remaining = init->counter;
	if (s->tpm)
		st.nv = s->tpm->nv_first;
	ret = state_write(s, &st, e);
out:
	if (ret && s->tpm)
		hsm_tpm_undefine(s->tpm);	/* no HSM uses it: give the index back */
	if (fd >= 0)
		close(fd);
	soft_close(&s->base);
	return ret;
}
