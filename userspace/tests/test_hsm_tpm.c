// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software HSM anchored in a TPM (sspctl hsm init --tpm), against a real
 * TPM 2.0 (a private swtpm per test): the attacks of the threat model that
 * the files alone cannot stop. Copying, restoring, cutting or editing the
 * HSM directory must never yield a license beyond the budget; a crash
 * between the TPM's count and the audit line loses that one license and the
 * next call records it; the sealed key opens only in this TPM and only with
 * the PIN; the binding of hsm.json is checked; a batch of threads (group
 * commit) counts each license in the TPM before its line.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hsm_batch.h"

#include "audit.h"
#include "crypto.h"
#include "formats.h"
#include "hsm.h"
#include "swtpm_helpers.h"
#include "tpm.h"
#include "util.h"

#define PIN	"1234-test-pin"

struct world {
	char dir[64];
	char hsm[128];
	char st_pem[128];
	uint8_t st_priv[SSP_PRIV_LEN];
	uint8_t key[SSP_AES_KEY_LEN];
	uint8_t nonce[SSP_NONCE_LEN];
};

static int make_world(struct world *w, const char *tcti, uint64_t budget)
{
	struct ssp_hsm_init in = { 0 };
	struct ssp_err e = { 0 };
	uint8_t st_pub[SSP_PUB_LEN];
	int ret;

	strcpy(w->dir, "/tmp/ssp-test-hsmtpm-XXXXXX");
	if (!mkdtemp(w->dir))
		return -errno;
	snprintf(w->hsm, sizeof(w->hsm), "%s/hsm", w->dir);
	snprintf(w->st_pem, sizeof(w->st_pem), "%s/st.pub", w->dir);
	if (ssp_ec_keygen(w->st_priv, st_pub) || ssp_pem_write_pub(w->st_pem, st_pub))
		return -EIO;
	if (ssp_random(w->key, sizeof(w->key)) || ssp_random(w->nonce, SSP_GCM_IV_LEN))
		return -EIO;
	memset(w->nonce + SSP_GCM_IV_LEN, 0, SSP_NONCE_LEN - SSP_GCM_IV_LEN);
	in.series = SSP_SERIES_MP15;
	memcpy(in.key, w->key, sizeof(in.key));
	memcpy(in.nonce, w->nonce, sizeof(in.nonce));
	in.counter = budget;
	in.st_pub_pem[0] = w->st_pem;
	in.kdf_iterations = SSP_HSM_KDF_MIN;
	in.tpm = true;
	in.tpm_tcti = tcti;
	ret = ssp_hsm_soft_init(w->hsm, PIN, &in, &e);
	if (ret)
		fprintf(stderr, "# init: %s\n", e.msg);
	return ret;
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A fresh chip: its certificate signed by the world's ST key. */
static int new_cert(const struct world *w, uint8_t cert[SSP_CERT_SIZE], uint8_t chip[SSP_PRIV_LEN])
{
	struct ssp_cert_info ci = { .chip_id = 0x500, .security_counter = 2, .st_key_index = 0 };

	if (ssp_ec_keygen(chip, ci.chip_pub) || ssp_cert_build(&ci, cert))
		return -EIO;
	return ssp_cert_sign(w->st_priv, cert);
}

/* One license for a new chip from the HSM in dir: 0, or the error. */
static int license_new_chip(const struct world *w, const char *dir, struct ssp_err *e)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN];
	struct ssp_hsm *h;
	int ret;

	if (new_cert(w, cert, chip))
		return -EIO;
	ret = ssp_hsm_open(dir, PIN, &h, e);
	if (ret)
		return ret;
	ret = ssp_hsm_license(h, cert, NULL, lic, e);
	ssp_hsm_close(h);
	if (!ret && (ssp_license_open(chip, lic, key, nonce) || memcmp(key, w->key, sizeof(key))))
		return -EBADMSG;	/* a license that does not open is no license */
	return ret;
}

static int status_of(const char *dir, const char *pin, struct ssp_hsm_status *st,
		     struct ssp_err *e)
{
	struct ssp_hsm *h;
	int ret;

	ret = ssp_hsm_open(dir, pin, &h, e);
	if (!ret) {
		ret = ssp_hsm_status(h, st, e);
		ssp_hsm_close(h);
	}
	return ret;
}

FIXTURE(tpm) {
	struct tswtpm s;
	struct world w;
	struct ssp_err e;
};

FIXTURE_SETUP(tpm)
{
	memset(&self->e, 0, sizeof(self->e));
	ASSERT_EQ(0, tswtpm_start(&self->s));
	ASSERT_EQ(0, make_world(&self->w, self->s.tcti, 3));
}

FIXTURE_TEARDOWN(tpm)
{
	tswtpm_stop(&self->s);
	if (self->w.dir[0])
		sh("rm -rf '%s'", self->w.dir);
}

TEST_F(tpm, licenses_are_counted_by_the_tpm_and_stop_at_the_budget)
{
	struct ssp_hsm_status st;
	char buf[16384];
	size_t n;

	ASSERT_EQ(0, status_of(self->w.hsm, PIN, &st, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_TRUE(st.anchored);
	ASSERT_STREQ("tpm", st.backend);
	ASSERT_EQ(3u, st.remaining);
	ASSERT_TRUE(st.verified);
	for (n = 0; n < 3; n++)
		ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(-ENOSPC, license_new_chip(&self->w, self->w.hsm, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "no licenses left")) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, status_of(self->w.hsm, NULL, &st, &self->e));
	ASSERT_EQ(0u, st.remaining);
	ASSERT_EQ(3u, st.issued);
	ASSERT_EQ(0u, st.lost);
	ASSERT_FALSE(st.verified);	/* no PIN: said, not asserted as fact */
	/* The key is not in hsm.json: no "sealed" part, an "anchor" instead. */
	snprintf(buf, sizeof(buf), "%s/hsm.json", self->w.hsm);
	ASSERT_EQ(0, ssp_read_file(buf, buf, sizeof(buf) - 1, &n, &self->e));
	buf[n] = 0;
	ASSERT_EQ(NULL, strstr(buf, "\"sealed\""));
	ASSERT_NE(NULL, strstr(buf, "\"anchor\""));
	ASSERT_NE(NULL, strstr(buf, "\"backend\":\"tpm\""));
}

TEST_F(tpm, a_copy_of_the_directory_shares_the_budget)
{
	char copy[160];
	int ok = 0, i;

	snprintf(copy, sizeof(copy), "%s/copy", self->w.dir);
	ASSERT_EQ(0, sh("cp -a '%s' '%s'", self->w.hsm, copy));
	/* Alternate between original and copy: three licenses in all, never six. */
	for (i = 0; i < 6; i++)
		if (!license_new_chip(&self->w, i % 2 ? copy : self->w.hsm, &self->e))
			ok++;
	ASSERT_EQ(3, ok);
}

TEST_F(tpm, restoring_an_older_copy_or_cutting_the_log_never_mints)
{
	char snap[160];
	struct ssp_hsm_status st;

	snprintf(snap, sizeof(snap), "%s/snap", self->w.dir);
	ASSERT_EQ(0, sh("cp -a '%s' '%s'", self->w.hsm, snap));
	ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e));
	ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e));
	/* Put the directory back as it was before those two licenses. */
	ASSERT_EQ(0, sh("rm -rf '%s' && cp -a '%s' '%s'", self->w.hsm, snap, self->w.hsm));
	ASSERT_EQ(0, status_of(self->w.hsm, PIN, &st, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(1u, st.remaining);	/* the TPM remembers */
	ASSERT_EQ(2u, st.lost);		/* licenses the restored record does not know */
	ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(-ENOSPC, license_new_chip(&self->w, self->w.hsm, &self->e));
	/* The two it did not know of are now in the log, MAC'd. */
	ASSERT_EQ(0, sh("grep -q '\"event\":\"license-lost\".*\"count\":2' '%s/audit.log'",
			self->w.hsm));
}

TEST_F(tpm, editing_state_or_the_budget_in_hsm_json_is_refused_with_the_pin)
{
	struct ssp_hsm_status st;
	struct ssp_hsm *h;

	/* remaining 777 by hand: the counter's MAC no longer verifies. */
	ASSERT_EQ(0, sh("sed -i 's/\"remaining\": *3/\"remaining\": 777/' '%s/state'", self->w.hsm));
	ASSERT_EQ(-EBADMSG, status_of(self->w.hsm, PIN, &st, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "state")) TH_LOG("%s", self->e.msg);
	/* Without the PIN, the TPM still gives the true remaining count. */
	ASSERT_EQ(0, status_of(self->w.hsm, NULL, &st, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(3u, st.remaining);
	ASSERT_FALSE(st.verified);

	/* A larger budget in hsm.json: the sealed binding refuses it. */
	ASSERT_EQ(0, sh("sed -i 's/\"budget\": *3/\"budget\": 1000/' '%s/hsm.json'", self->w.hsm));
	ASSERT_EQ(-EBADMSG, ssp_hsm_open(self->w.hsm, PIN, &h, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "hsm.json")) TH_LOG("%s", self->e.msg);
}

TEST_F(tpm, crash_between_the_count_and_the_audit_line_loses_one_license_recorded_next)
{
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	pid_t pid;
	int wst;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		setenv("SSP_HSM_TEST_CRASH", "counted", 1);
		license_new_chip(&self->w, self->w.hsm, &e);
		_exit(0);	/* not reached: killed at "counted" */
	}
	ASSERT_EQ(pid, waitpid(pid, &wst, 0));
	ASSERT_TRUE(WIFSIGNALED(wst));
	ASSERT_EQ(SIGKILL, WTERMSIG(wst));
	ASSERT_EQ(0, tswtpm_flush_transients(&self->s));	/* as /dev/tpmrm0 would */
	ASSERT_EQ(0, status_of(self->w.hsm, NULL, &st, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(2u, st.remaining);
	ASSERT_EQ(0u, st.issued);
	ASSERT_EQ(1u, st.lost);
	ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, license_new_chip(&self->w, self->w.hsm, &self->e));
	ASSERT_EQ(-ENOSPC, license_new_chip(&self->w, self->w.hsm, &self->e));
	ASSERT_EQ(0, status_of(self->w.hsm, PIN, &st, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_TRUE(st.verified);
	ASSERT_EQ(2u, st.issued);
	ASSERT_EQ(1u, st.lost);
	ASSERT_EQ(0, sh("grep -q '\"event\":\"license-lost\".*\"count\":1' '%s/audit.log'",
			self->w.hsm));
}

TEST_F(tpm, the_sealed_key_opens_only_in_its_tpm_and_only_with_the_pin)
{
	struct tswtpm other;
	struct ssp_hsm *h;
	char cmd[512];

	ASSERT_EQ(-EACCES, ssp_hsm_open(self->w.hsm, "wrong-pin-123", &h, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "lockout")) TH_LOG("%s", self->e.msg);
	/* The directory carried to another host (another TPM). */
	ASSERT_EQ(0, tswtpm_start(&other));
	snprintf(cmd, sizeof(cmd), "sed -i 's|%s|%s|' '%s/hsm.json'", self->s.tcti, other.tcti,
		 self->w.hsm);
	ASSERT_EQ(0, system(cmd));
	ASSERT_GT(0, ssp_hsm_open(self->w.hsm, PIN, &h, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "this TPM")) TH_LOG("%s", self->e.msg);
	tswtpm_stop(&other);
}

TEST_F(tpm, a_deleted_counter_stops_the_hsm)
{
	struct ssp_tpm *t;
	struct ssp_hsm_status st;
	uint32_t idx;

	ASSERT_EQ(0, status_of(self->w.hsm, NULL, &st, &self->e));
	idx = st.nv_index;
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &t, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_undefine(t, idx, &self->e));
	ssp_tpm_close(t);
	ASSERT_EQ(-EBADMSG, license_new_chip(&self->w, self->w.hsm, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "no license")) TH_LOG("%s", self->e.msg);
}

TEST_F_TIMEOUT(tpm, kill_at_each_step_of_issuance_never_leaves_a_license_uncounted_by_the_tpm, 120)
{
	static const struct { const char *step; uint64_t issued, lost; } steps[] = {
		{ "locked", 0, 0 },	/* before the count: nothing happened */
		{ "counted", 0, 1 },	/* counted, no audit line: lost, recorded next */
		{ "audited", 1, 0 },	/* the line is there: issued (never received) */
		{ "saved", 1, 0 },
		{ "unlocked", 1, 0 },
	};
	struct ssp_hsm_status st;
	struct world w;
	char key[128];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ssp_err e = { 0 };
		pid_t pid;
		int wst;

		ASSERT_EQ(0, make_world(&w, self->s.tcti, 2));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			setenv("SSP_HSM_TEST_CRASH", steps[i].step, 1);
			license_new_chip(&w, w.hsm, &e);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &wst, 0));
		ASSERT_TRUE(WIFSIGNALED(wst)) TH_LOG("step %s", steps[i].step);
		ASSERT_EQ(0, tswtpm_flush_transients(&self->s));	/* as /dev/tpmrm0 would */
		ASSERT_EQ(0, status_of(w.hsm, PIN, &st, &self->e)) TH_LOG("%s: %s", steps[i].step, self->e.msg);
		EXPECT_EQ(steps[i].issued, st.issued) TH_LOG("step %s", steps[i].step);
		EXPECT_EQ(steps[i].lost, st.lost) TH_LOG("step %s", steps[i].step);
		/* The TPM's count is issued + lost, and remaining is what it leaves. */
		EXPECT_EQ(2u - steps[i].issued - steps[i].lost, st.remaining) TH_LOG("step %s", steps[i].step);
		/* What is left can still be issued, then nothing. */
		while (st.remaining--)
			ASSERT_EQ(0, license_new_chip(&w, w.hsm, &self->e)) TH_LOG("%s: %s", steps[i].step, self->e.msg);
		ASSERT_EQ(-ENOSPC, license_new_chip(&w, w.hsm, &self->e)) TH_LOG("step %s", steps[i].step);
		/* Every line, lost-license line included, verifies with the OEM key. */
		snprintf(key, sizeof(key), "%s/oem.key", w.dir);
		ASSERT_EQ(0, ssp_write_file_atomic(key, w.key, sizeof(w.key), 0600, &self->e));
		EXPECT_EQ(0, sh("'%s/build/sspctl' audit verify --dir '%s' --key '%s' >/dev/null",
				SSP_TOP, w.hsm, key)) TH_LOG("step %s", steps[i].step);
		sh("rm -rf '%s'", w.dir);
	}
}

struct nv_walk {
	uint64_t lines, last_nv;
	bool ordered;
};

static int nv_line(void *arg, const struct ssp_audit_rec *rec)
{
	struct nv_walk *n = arg;
	json_object *v;
	uint64_t nv;

	if (strcmp(rec->event, SSP_AUDIT_EV_LICENSE) ||
	    !json_object_object_get_ex(rec->fields, "nv", &v))
		return 0;
	nv = json_object_get_int64(v);
	if (n->lines && nv != n->last_nv + 1)
		n->ordered = false;
	n->last_nv = nv;
	n->lines++;
	return 0;
}

/*
 * Group commit, anchored: a batch of threads counts each license in the TPM
 * before its line, one after the other ("nv" of each line the count it
 * took); killed in the second batch before its lines, every count of that
 * batch is a lost license, recorded next; after them, all are issued.
 */
TEST_F(tpm, a_batch_of_threads_counts_each_license_in_the_tpm_before_its_line)
{
	static const struct { const char *step; uint64_t issued, lost; } steps[] = {
		{ NULL, 5, 0 },			/* no kill: 1 + 4 licenses, 1 re-issue */
		{ "counted@2", 1, 4 },
		{ "audited@2", 5, 0 },
	};
	uint8_t certs[6][SSP_CERT_SIZE], chip[SSP_PRIV_LEN];
	struct ssp_hsm_status st;
	struct world w;
	size_t i;
	int j;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct batch_caller c[6];
		struct ssp_err e = { 0 };
		struct nv_walk nw = { .ordered = true };
		struct ssp_hsm *h;
		int lockfd, wst;
		pid_t pid;

		ASSERT_EQ(0, make_world(&w, self->s.tcti, 8));
		for (j = 0; j < 6; j++)
			ASSERT_EQ(0, new_cert(&w, certs[j], chip));
		lockfd = hold_hsm_lock(w.hsm);
		ASSERT_LE(0, lockfd);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (steps[i].step)
				setenv("SSP_HSM_TEST_CRASH", steps[i].step, 1);
			if (ssp_hsm_open(w.hsm, PIN, &h, &e))
				_exit(2);
			for (j = 0; j < 6; j++)
				c[j] = (struct batch_caller){ .h = h, .cert = certs[j], .fd = -1 };
			c[2].cert = certs[1];	/* a chip twice in the batch */
			run_batches(c, 6, lockfd);
			/* Not killed: every caller licensed, the chip asked for twice re-issued once. */
			for (j = 0, wst = 0; j < 6; j++)
				wst += c[j].ret ? 100 : c[j].info.reissued;
			_exit(wst == 1 && c[1].info.reissued != c[2].info.reissued ? 0 : 3);
		}
		close(lockfd);
		ASSERT_EQ(pid, waitpid(pid, &wst, 0));
		if (steps[i].step) {
			ASSERT_TRUE(WIFSIGNALED(wst)) TH_LOG("step %s", steps[i].step);
		} else {
			ASSERT_TRUE(WIFEXITED(wst) && WEXITSTATUS(wst) == 0) TH_LOG("status %d", wst);
		}
		ASSERT_EQ(0, tswtpm_flush_transients(&self->s));	/* as /dev/tpmrm0 would */
		ASSERT_EQ(0, status_of(w.hsm, PIN, &st, &self->e)) TH_LOG("%s", self->e.msg);
		EXPECT_TRUE(st.verified);
		EXPECT_EQ(steps[i].issued, st.issued) TH_LOG("step %s", steps[i].step);
		EXPECT_EQ(steps[i].lost, st.lost) TH_LOG("step %s", steps[i].step);
		EXPECT_EQ(8u, st.remaining + st.issued + st.lost) TH_LOG("step %s", steps[i].step);
		ASSERT_EQ(0, ssp_audit_walk(w.hsm, NULL, nv_line, &nw, &e)) TH_LOG("%s", e.msg);
		EXPECT_EQ(steps[i].issued, nw.lines);
		/* Lines count in TPM order; a lost batch is a gap the license-lost line explains. */
		if (!steps[i].lost)
			EXPECT_TRUE(nw.ordered) TH_LOG("step %s", steps[i].step);
		sh("rm -rf '%s'", w.dir);
	}
}

TEST_HARNESS_MAIN
