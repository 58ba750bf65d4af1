// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software HSM: licenses, refusals that change nothing, PIN handling,
 * tamper detection, many processes and threads at once (group commit:
 * batches of a known shape), and kill -9 at every step of a batch.
 * Certificates are made here with a throwaway ST key.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hsm_batch.h"

#include "audit.h"
#include "crypto.h"
#include "formats.h"
#include "hsm.h"
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

static int make_world(struct world *w, enum ssp_series series, uint64_t counter, int st_index)
{
	struct ssp_hsm_init in = { 0 };
	struct ssp_err e = { 0 };
	uint8_t st_pub[SSP_PUB_LEN];
	int ret;

	strcpy(w->dir, "/tmp/ssp-test-hsm-XXXXXX");
	if (!mkdtemp(w->dir))
		return -errno;
	snprintf(w->hsm, sizeof(w->hsm), "%s/hsm", w->dir);
	snprintf(w->st_pem, sizeof(w->st_pem), "%s/st.pub", w->dir);
	if (ssp_ec_keygen(w->st_priv, st_pub) || ssp_pem_write_pub(w->st_pem, st_pub))
		return -EIO;
	if (ssp_random(w->key, sizeof(w->key)) || ssp_random(w->nonce, SSP_GCM_IV_LEN))
		return -EIO;
	memset(w->nonce + SSP_GCM_IV_LEN, 0, SSP_NONCE_LEN - SSP_GCM_IV_LEN);
	in.series = series;
	memcpy(in.key, w->key, sizeof(in.key));
	memcpy(in.nonce, w->nonce, sizeof(in.nonce));
	in.counter = counter;
	in.st_pub_pem[st_index] = w->st_pem;
	in.fsbl_min_version = 7;
	in.kdf_iterations = SSP_HSM_KDF_MIN;
	ret = ssp_hsm_soft_init(w->hsm, PIN, &in, &e);
	if (ret)
		fprintf(stderr, "# init: %s\n", e.msg);
	return ret;
}

static void drop_world(struct world *w)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", w->dir);
}

/* A chip certificate signed by st_priv; the chip's private key in chip_priv. */
static int make_cert(const uint8_t st_priv[SSP_PRIV_LEN], unsigned int chip_id,
		     unsigned int index, uint8_t cert[SSP_CERT_SIZE],
		     uint8_t chip_priv[SSP_PRIV_LEN])
{
	struct ssp_cert_info ci = { .chip_id = chip_id, .security_counter = 2,
				    .st_key_index = index };

	if (ssp_ec_keygen(chip_priv, ci.chip_pub) || ssp_cert_build(&ci, cert))
		return -EIO;
	return ssp_cert_sign(st_priv, cert);
}

static int status_of(const char *dir, struct ssp_hsm_status *st)
{
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	int ret;

	ret = ssp_hsm_open(dir, NULL, &h, &e);
	if (!ret) {
		ret = ssp_hsm_status(h, st, &e);
		ssp_hsm_close(h);
	}
	if (ret)
		fprintf(stderr, "# status: %s\n", e.msg);
	return ret;
}

static int count_event(void *arg, const struct ssp_audit_rec *rec)
{
	if (!strcmp(rec->event, SSP_AUDIT_EV_LICENSE))
		(*(uint64_t *)arg)++;
	return 0;
}

/* License lines in a log that must verify. */
static int64_t license_lines(const char *dir)
{
	struct ssp_err e = { 0 };
	uint64_t n = 0;

	if (ssp_audit_verify(dir, NULL, NULL, &e) || ssp_audit_walk(dir, NULL, count_event, &n, &e)) {
		fprintf(stderr, "# audit: %s\n", e.msg);
		return -1;
	}
	return n;
}

static int file_eq(const char *dir, const char *name, const char *snapshot, size_t len)
{
	char path[256], buf[8192];
	struct ssp_err e = { 0 };
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !ssp_read_file(path, buf, sizeof(buf), &n, &e) && n == len && !memcmp(buf, snapshot, n);
}

FIXTURE(mp15) {
	struct world w;
	struct ssp_hsm *h;
};

FIXTURE_SETUP(mp15)
{
	struct ssp_err e = { 0 };

	ASSERT_EQ(0, make_world(&self->w, SSP_SERIES_MP15, 3, 10));
	ASSERT_EQ(0, ssp_hsm_open(self->w.hsm, PIN, &self->h, &e)) TH_LOG("%s", e.msg);
}

FIXTURE_TEARDOWN(mp15)
{
	ssp_hsm_close(self->h);
	drop_world(&self->w);
}

TEST_F(mp15, license_opens_on_the_chip_and_costs_exactly_one_with_its_audit_line)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN], hl[SSP_HASH_LEN];
	struct ssp_hsm_ctx ctx = { .serial = "ABC123", .port = "3-1.2", .host_tool = "test" };
	struct ssp_license_info li;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	char hex[65], path[256], buf[8192];
	size_t n;

	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(3u, st.remaining);
	ASSERT_EQ(0u, st.issued);
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license(self->h, cert, &ctx, lic, &e)) TH_LOG("%s", e.msg);
	/* The chip recovers the OEM key and nonce from it. */
	ASSERT_EQ(0, ssp_license_open(chip, lic, key, nonce));
	ASSERT_EQ(0, memcmp(key, self->w.key, sizeof(key)));
	ASSERT_EQ(0, memcmp(nonce, self->w.nonce, sizeof(nonce)));
	ASSERT_EQ(0, ssp_license_parse(lic, sizeof(lic), &li));
	ASSERT_EQ(SSP_LIC_TYPE_NORMAL, li.type);
	ASSERT_EQ(7u, li.fsbl_min_version);

	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(2u, st.remaining);
	ASSERT_EQ(1u, st.issued);
	ASSERT_EQ(1, license_lines(self->w.hsm));
	snprintf(path, sizeof(path), "%s/%s", self->w.hsm, SSP_AUDIT_LOG);
	ASSERT_EQ(0, ssp_read_file(path, buf, sizeof(buf) - 1, &n, &e));
	buf[n] = '\0';
	ASSERT_EQ(0, ssp_sha256(lic, sizeof(lic), hl));
	ssp_hex_encode(hl, sizeof(hl), hex);
	ASSERT_NE(NULL, strstr(buf, hex));
	ASSERT_NE(NULL, strstr(buf, "\"serial\":\"ABC123\",\"port\":\"3-1.2\",\"product_id\":\"5000200A\""));
	ASSERT_NE(NULL, strstr(buf, "\"remaining\":2,\"issued\":1,\"host_tool\":\"test\""));

	/* Two more chips, then none. */
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license(self->h, cert, &ctx, lic, &e));
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license(self->h, cert, &ctx, lic, &e));
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	memset(lic, 0xAA, sizeof(lic));
	ASSERT_EQ(-ENOSPC, ssp_hsm_license(self->h, cert, &ctx, lic, &e));
	ASSERT_NE(NULL, strstr(e.msg, "no licenses left"));
	ASSERT_NE(NULL, strstr(e.msg, self->w.hsm));
	for (n = 0; n < sizeof(lic); n++) {
		ASSERT_EQ(0xAA, lic[n]);	/* nothing handed out */
	}
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(0u, st.remaining);
	ASSERT_EQ(3u, st.issued);
	ASSERT_EQ(3, license_lines(self->w.hsm));
}

/* Refusal of cert: -EPERM, message containing why, state and log untouched. */
static void expect_refused(struct __test_metadata *_metadata, FIXTURE_DATA(mp15) *self,
			   const uint8_t cert[SSP_CERT_SIZE], const char *why)
{
	char state[8192], log[8192], path[256];
	struct ssp_err e = { 0 };
	uint8_t lic[SSP_LIC_SIZE];
	size_t ns, nl;

	snprintf(path, sizeof(path), "%s/state", self->w.hsm);
	ASSERT_EQ(0, ssp_read_file(path, state, sizeof(state), &ns, &e));
	snprintf(path, sizeof(path), "%s/%s", self->w.hsm, SSP_AUDIT_LOG);
	ASSERT_EQ(0, ssp_read_file(path, log, sizeof(log), &nl, &e));
	ASSERT_EQ(-EPERM, ssp_hsm_license(self->h, cert, NULL, lic, &e));
	ASSERT_NE(NULL, strstr(e.msg, why)) TH_LOG("%s", e.msg);
	ASSERT_NE(NULL, strstr(e.msg, self->w.hsm));
	ASSERT_TRUE(file_eq(self->w.hsm, "state", state, ns));
	ASSERT_TRUE(file_eq(self->w.hsm, SSP_AUDIT_LOG, log, nl));
}

TEST_F(mp15, certificate_signed_by_another_key_is_refused_and_changes_nothing)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], other[SSP_PRIV_LEN], pub[SSP_PUB_LEN];

	ASSERT_EQ(0, ssp_ec_keygen(other, pub));
	ASSERT_EQ(0, make_cert(other, 0x500, 10, cert, chip));
	expect_refused(_metadata, self, cert, "signature does not verify");
}

TEST_F(mp15, certificate_with_a_flipped_bit_is_refused)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN];

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	cert[SSP_CERT_OFF_SIG + 5] ^= 0x10;
	expect_refused(_metadata, self, cert, "signature does not verify");
}

TEST_F(mp15, certificate_of_an_mp13_chip_is_refused_by_an_mp15_hsm)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN];

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x501, 10, cert, chip));
	expect_refused(_metadata, self, cert, "chip id 501");
}

TEST_F(mp15, certificate_for_a_product_key_index_without_st_key_is_refused)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN];

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 3, cert, chip));
	expect_refused(_metadata, self, cert, "no ST key for product-key index 3");
}

TEST_F(mp15, malformed_certificate_is_refused)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN];

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	memcpy(cert, "ZZZ", 3);
	expect_refused(_metadata, self, cert, "not a chip certificate");
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	memset(cert + SSP_CERT_OFF_PUBK, 0x11, SSP_PUB_LEN);	/* not on the curve */
	expect_refused(_metadata, self, cert, "not a chip certificate");
}

TEST_F(mp15, wrong_pin_is_refused_and_no_pin_allows_status_only)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h = NULL;

	ASSERT_EQ(-EACCES, ssp_hsm_open(self->w.hsm, "1235-test-pin", &h, &e));
	ASSERT_NE(NULL, strstr(e.msg, "wrong PIN"));
	ASSERT_EQ(NULL, h);
	ASSERT_EQ(0, ssp_hsm_open(self->w.hsm, NULL, &h, &e));
	ASSERT_EQ(0, ssp_hsm_status(h, &st, &e));
	ASSERT_EQ(3u, st.remaining);
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(-EACCES, ssp_hsm_license(h, cert, NULL, lic, &e));
	ssp_hsm_close(h);
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(3u, st.remaining);
}

TEST_F(mp15, status_reports_fingerprint_of_key_and_nonce_never_the_key)
{
	struct ssp_hsm_status st;
	char fp[65], key_hex[33];

	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ssp_hsm_fingerprint(self->w.key, self->w.nonce, fp);
	ASSERT_STREQ(fp, st.key_fingerprint);
	ASSERT_STREQ("soft", st.backend);
	ASSERT_EQ((int)SSP_SERIES_MP15, (int)st.series);
	ASSERT_EQ(1u << 10, st.st_key_mask);
	ssp_hex_encode(self->w.key, sizeof(self->w.key), key_hex);
	ASSERT_EQ(NULL, strstr(st.key_fingerprint, key_hex));
}

TEST_F(mp15, edited_counter_state_is_detected_and_no_license_issued)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	char path[256], buf[4096], *p;
	struct ssp_err e = { 0 };
	size_t n;

	snprintf(path, sizeof(path), "%s/state", self->w.hsm);
	ASSERT_EQ(0, ssp_read_file(path, buf, sizeof(buf) - 1, &n, &e));
	buf[n] = '\0';
	p = strstr(buf, "\"remaining\":3");
	ASSERT_NE(NULL, p);
	p[12] = '9';
	ASSERT_EQ(0, ssp_write_file_atomic(path, buf, n, 0600, &e));
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(-EBADMSG, ssp_hsm_license(self->h, cert, NULL, lic, &e));
	ASSERT_NE(NULL, strstr(e.msg, "was modified")) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, license_lines(self->w.hsm));
}

TEST_F(mp15, status_is_verified_only_with_the_pin_and_every_line_macd)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license(self->h, cert, NULL, lic, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, ssp_hsm_status(self->h, &st, &e)) TH_LOG("%s", e.msg);
	ASSERT_TRUE(st.verified);
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_FALSE(st.verified);
	ASSERT_STREQ("no PIN", st.unverified);
	/* A line appended without the key (an older sspctl, a forger) makes it unverified. */
	ASSERT_EQ(0, ssp_audit_append(self->w.hsm, "note", NULL, &e));
	ASSERT_EQ(0, ssp_hsm_status(self->h, &st, &e)) TH_LOG("%s", e.msg);
	ASSERT_FALSE(st.verified);
	ASSERT_NE(NULL, strstr(st.unverified, "1 audit lines carry no MAC"));
}

TEST_F(mp15, torn_last_audit_line_from_a_crash_does_not_block_licenses)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	char path[256];
	FILE *f;

	/* What a power cut inside write() leaves: a line without its end. */
	snprintf(path, sizeof(path), "%s/%s", self->w.hsm, SSP_AUDIT_LOG);
	f = fopen(path, "a");
	ASSERT_NE(NULL, f);
	fputs("{\"seq\":2,\"time\":\"2026-", f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(-EBADMSG, ssp_audit_verify(self->w.hsm, NULL, NULL, &e));
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(3u, st.remaining);
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license(self->h, cert, NULL, lic, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(1, license_lines(self->w.hsm));
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(2u, st.remaining);
}

TEST_F(mp15, swapped_st_key_in_hsm_json_makes_the_pin_fail)
{
	char path[256], buf[16384], hex[2 * SSP_PUB_LEN + 1], *p;
	uint8_t priv[SSP_PRIV_LEN], pub[SSP_PUB_LEN];
	struct ssp_err e = { 0 };
	struct ssp_hsm *h = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/hsm.json", self->w.hsm);
	ASSERT_EQ(0, ssp_read_file(path, buf, sizeof(buf) - 1, &n, &e));
	buf[n] = '\0';
	ASSERT_EQ(0, ssp_ec_keygen(priv, pub));
	ssp_hex_encode(pub, sizeof(pub), hex);
	p = strstr(buf, "null,\n");	/* index 0 ... */
	ASSERT_NE(NULL, p);
	p = strstr(buf, "    \"");	/* the one key, index 10 */
	ASSERT_NE(NULL, p);
	memcpy(p + 5, hex, strlen(hex));
	ASSERT_EQ(0, ssp_write_file_atomic(path, buf, n, 0600, &e));
	ASSERT_EQ(-EACCES, ssp_hsm_open(self->w.hsm, PIN, &h, &e));
	ASSERT_EQ(NULL, h);
}

TEST(init_refuses_bad_nonce_existing_hsm_and_missing_pin)
{
	struct ssp_hsm_init in = { 0 };
	struct ssp_err e = { 0 };
	struct ssp_hsm_status st;
	struct world w;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP13, 5, 0));
	in.series = SSP_SERIES_MP13;
	in.counter = 100;
	in.st_pub_pem[0] = w.st_pem;
	in.kdf_iterations = SSP_HSM_KDF_MIN;
	ASSERT_EQ(-EEXIST, ssp_hsm_soft_init(w.hsm, PIN, &in, &e));
	ASSERT_NE(NULL, strstr(e.msg, "already initialised"));
	ASSERT_EQ(0, status_of(w.hsm, &st));
	ASSERT_EQ(5u, st.remaining);
	ASSERT_EQ((int)SSP_SERIES_MP13, (int)st.series);
	in.nonce[15] = 1;
	ASSERT_EQ(-EINVAL, ssp_hsm_soft_init("/tmp/ssp-test-hsm-never", PIN, &in, &e));
	ASSERT_NE(NULL, strstr(e.msg, "last 4 bytes"));
	in.nonce[15] = 0;
	ASSERT_EQ(-ENOKEY, ssp_hsm_soft_init("/tmp/ssp-test-hsm-never", NULL, &in, &e));
	ASSERT_NE(0, access("/tmp/ssp-test-hsm-never", F_OK));
	drop_world(&w);
}

TEST(read_pin_takes_the_first_line_of_the_file_or_the_environment)
{
	char pin[SSP_HSM_PIN_MAX], path[] = "/tmp/ssp-test-pin-XXXXXX";
	struct ssp_err e = { 0 };
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(9, write(fd, "s3cret\nxx", 9));
	close(fd);
	ASSERT_EQ(0, ssp_hsm_read_pin(path, pin, &e));
	ASSERT_STREQ("s3cret", pin);
	unlink(path);
	unsetenv(SSP_HSM_PIN_ENV);
	ASSERT_EQ(-ENOKEY, ssp_hsm_read_pin(NULL, pin, &e));
	ASSERT_NE(NULL, strstr(e.msg, SSP_HSM_PIN_ENV));
	setenv(SSP_HSM_PIN_ENV, "envpin", 1);
	ASSERT_EQ(0, ssp_hsm_read_pin(NULL, pin, &e));
	ASSERT_STREQ("envpin", pin);
	unsetenv(SSP_HSM_PIN_ENV);
}

/* Child: license until refused; one byte to fd per license received. */
/*
 * Child: license until refused, a new chip each time (the HSM re-issues a
 * chip's license for free); h: the parent's open handle, NULL to open one.
 */
static void __attribute__((noreturn)) license_loop(const struct world *w, struct ssp_hsm *h,
						   int fd, int max)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_err e = { 0 };
	int i, ret = 0;

	if (!h && ssp_hsm_open(w->hsm, PIN, &h, &e))
		_exit(2);
	for (i = 0; i < max; i++) {
		if (make_cert(w->st_priv, 0x500, 0, cert, chip))
			_exit(2);
		ret = ssp_hsm_license(h, cert, NULL, lic, &e);
		if (ret)
			break;
		if (write(fd, "L", 1) != 1)
			_exit(3);
	}
	ssp_hsm_close(h);
	_exit(ret == -ENOSPC || ret == 0 ? 0 : 4);
}

static uint64_t drain(int fd)
{
	char buf[256];
	uint64_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	return n;
}

TEST(many_processes_share_one_hsm_and_issue_exactly_the_counter)
{
	const int procs = 6, each = 6, counter = 20;
	struct ssp_hsm_status st;
	struct world w;
	int p[2], i, status;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, counter, 0));
	ASSERT_EQ(0, pipe(p));
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0) {
			close(p[0]);
			license_loop(&w, NULL, p[1], each);
		}
	}
	close(p[1]);
	ASSERT_EQ((uint64_t)counter, drain(p[0]));
	close(p[0]);
	for (i = 0; i < procs; i++) {
		ASSERT_GT(wait(&status), 0);
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ASSERT_EQ(0, status_of(w.hsm, &st));
	ASSERT_EQ(0u, st.remaining);
	ASSERT_EQ((uint64_t)counter, st.issued);
	ASSERT_EQ(counter, license_lines(w.hsm));
	drop_world(&w);
}

struct thread_arg {
	struct ssp_hsm *h;
	const uint8_t *st_priv;		/* a new chip per license (no re-issues) */
	int got, other;
};

static void *license_thread(void *p)
{
	struct thread_arg *a = p;
	uint8_t lic[SSP_LIC_SIZE], cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN];
	struct ssp_err e = { 0 };
	int i, ret;

	for (i = 0; i < 5; i++) {
		if (make_cert(a->st_priv, 0x500, 0, cert, chip)) {
			a->other++;
			continue;
		}
		ret = ssp_hsm_license(a->h, cert, NULL, lic, &e);
		if (!ret)
			a->got++;
		else if (ret != -ENOSPC)
			a->other++;
	}
	return NULL;
}

TEST(threads_sharing_one_handle_issue_exactly_the_counter)
{
	struct thread_arg a[4];
	pthread_t t[4];
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	struct world w;
	int i, got = 0;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, 10, 0));
	ASSERT_EQ(0, ssp_hsm_open(w.hsm, PIN, &h, &e));
	for (i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ .h = h, .st_priv = w.st_priv };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, license_thread, &a[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		ASSERT_EQ(0, a[i].other);
		got += a[i].got;
	}
	ssp_hsm_close(h);
	ASSERT_EQ(10, got);
	ASSERT_EQ(0, status_of(w.hsm, &st));
	ASSERT_EQ(0u, st.remaining);
	ASSERT_EQ(10, license_lines(w.hsm));
	drop_world(&w);
}

TEST(kill_at_each_step_of_issuance_never_leaves_a_license_uncounted)
{
	/* Where SSP_HSM_TEST_CRASH stops the issuer, and whether it had counted. */
	static const struct { const char *step; int counted; } steps[] = {
		{ "locked", 0 }, { "audited", 1 }, { "saved", 1 }, { "unlocked", 1 },
	};
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_audit_pos anchor;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	uint64_t before;
	struct world w;
	size_t i;
	int status;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, 10, 0));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		pid_t pid;

		ASSERT_EQ(0, make_cert(w.st_priv, 0x500, 0, cert, chip));	/* a new chip */
		ASSERT_EQ(0, status_of(w.hsm, &st));
		before = st.remaining;
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			setenv("SSP_HSM_TEST_CRASH", steps[i].step, 1);
			if (ssp_hsm_open(w.hsm, PIN, &h, &e))
				_exit(2);
			ssp_hsm_license(h, cert, NULL, lic, &e);
			_exit(0);	/* not reached: the hook kills us */
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("step %s: child was not killed", steps[i].step);
		ASSERT_EQ(0, status_of(w.hsm, &st)) TH_LOG("after kill at %s", steps[i].step);
		ASSERT_EQ(before - steps[i].counted, st.remaining) TH_LOG("step %s", steps[i].step);
		ASSERT_EQ((int64_t)st.issued, license_lines(w.hsm));
		ASSERT_EQ(10u, st.remaining + st.issued);
	}
	/* The HSM carries on: the state catches up with the log. */
	ASSERT_EQ(0, make_cert(w.st_priv, 0x500, 0, cert, chip));
	ASSERT_EQ(0, ssp_hsm_open(w.hsm, PIN, &h, &e));
	ASSERT_EQ(0, ssp_hsm_license(h, cert, NULL, lic, &e)) TH_LOG("%s", e.msg);
	ssp_hsm_close(h);
	ASSERT_EQ(0, status_of(w.hsm, &st));
	ASSERT_EQ(4u, st.issued);
	ASSERT_EQ(6u, st.remaining);
	ASSERT_EQ(4, license_lines(w.hsm));
	anchor.seq = st.audit_seq;
	anchor.end = st.audit_end;
	memcpy(anchor.hash, st.audit_hash, sizeof(anchor.hash));
	ASSERT_EQ(0, ssp_audit_verify(w.hsm, &anchor, NULL, &e)) TH_LOG("%s", e.msg);
	drop_world(&w);
}

/*
 * After the kills: every license a child reported (one byte each on rfd)
 * is counted, every counted one has its line, and none left the budget.
 */
static void kills_kept_the_count(struct __test_metadata *_metadata, const struct world *w,
				 int rfd, int rounds, int killed, int counter)
{
	struct ssp_hsm_status st;
	uint64_t returned = drain(rfd);

	ASSERT_EQ(0, status_of(w->hsm, &st));
	TH_LOG("%d rounds, %d kills, %llu licenses returned, %llu counted", rounds, killed,
	       (unsigned long long)returned, (unsigned long long)st.issued);
	ASSERT_GT(killed, 0);
	ASSERT_LE(returned, st.issued);
	ASSERT_EQ((int64_t)st.issued, license_lines(w->hsm));
	ASSERT_EQ((uint64_t)counter, st.remaining + st.issued);
}

/*
 * How long (us) a child takes from fork to its first license: a few ms
 * natively, ten times that under ASan. The random kills are spread over
 * a few of these, so that they land in issuance, not only before it.
 * Its license is counted like the others (not reported: returned <= counted).
 */
static int first_license_us(const struct world *w, struct ssp_hsm *h, int counter)
{
	struct timespec t0, t1;
	int p[2], status;
	pid_t c;
	char b;

	if (pipe(p))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = fork();
	if (c == 0) {
		close(p[0]);
		license_loop(w, h, p[1], counter);
	}
	close(p[1]);
	if (c < 0 || read(p[0], &b, 1) != 1) {
		close(p[0]);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	close(p[0]);
	return (int)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
}

TEST(kill_at_random_times_keeps_returned_le_counted_eq_audited)
{
	const int counter = 150, rounds = 60;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	struct world w;
	int p[2], r, status, killed = 0, first_us;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, counter, 0));
	/* Opened once here (the PIN's KDF is slow): the kills then land in issuance. */
	ASSERT_EQ(0, ssp_hsm_open(w.hsm, PIN, &h, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, pipe(p));
	srand(time(NULL) ^ getpid());
	first_us = first_license_us(&w, h, counter);
	ASSERT_GT(first_us, 0);
	for (r = 0; r < rounds; r++) {
		pid_t a, b;

		a = fork();
		ASSERT_GE(a, 0);
		if (a == 0) {
			close(p[0]);
			license_loop(&w, h, p[1], counter);
		}
		b = fork();
		ASSERT_GE(b, 0);
		if (b == 0) {
			close(p[0]);
			license_loop(&w, h, p[1], counter);
		}
		/* Kills land before, in and after the first licenses of the round. */
		usleep(300 + rand() % (2 * first_us));
		kill(a, SIGKILL);
		usleep(rand() % 1000);
		kill(b, SIGKILL);
		ASSERT_EQ(a, waitpid(a, &status, 0));
		killed += WIFSIGNALED(status);
		ASSERT_EQ(b, waitpid(b, &status, 0));
		killed += WIFSIGNALED(status);
		ASSERT_EQ(0, status_of(w.hsm, &st));
		if (!st.remaining)
			break;
	}
	close(p[1]);
	kills_kept_the_count(_metadata, &w, p[0], r, killed, counter);
	close(p[0]);
	ssp_hsm_close(h);
	drop_world(&w);
}

struct cert_line {
	char hex[2 * SSP_HASH_LEN + 1];
	uint64_t seq;
	const char *event;
};

static int find_cert_line(void *arg, const struct ssp_audit_rec *rec)
{
	struct cert_line *l = arg;
	json_object *v;

	if (!strcmp(rec->event, l->event) && json_object_object_get_ex(rec->fields, "cert_sha256", &v) &&
	    !strcmp(json_object_get_string(v), l->hex))
		l->seq = rec->seq;
	return 0;
}

/* The seq of the last line of event for this certificate, 0 if none. */
static uint64_t line_of(const char *hsm, const uint8_t cert[SSP_CERT_SIZE], const char *event)
{
	struct cert_line l = { .event = event };
	struct ssp_err e = { 0 };
	uint8_t h[SSP_HASH_LEN];

	if (ssp_sha256(cert, SSP_CERT_SIZE, h))
		return 0;
	ssp_hex_encode(h, sizeof(h), l.hex);
	if (ssp_audit_walk(hsm, NULL, find_cert_line, &l, &e))
		return 0;
	return l.seq;
}

TEST(a_batch_gives_each_caller_its_own_line_one_count_per_chip_and_enospc_past_the_budget)
{
	uint8_t certs[6][SSP_CERT_SIZE], chip[SSP_PRIV_LEN];
	struct batch_caller c[7];
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	struct world w;
	int i, lockfd, ok = 0, nospc = 0, reissued = 0, twin_a = -1, twin_b = -1;

	/* Budget 4: the blocker, then a batch of 6 asking for 5 new chips (one twice). */
	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, 4, 0));
	ASSERT_EQ(0, ssp_hsm_open(w.hsm, PIN, &h, &e)) TH_LOG("%s", e.msg);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, make_cert(w.st_priv, 0x500, 0, certs[i], chip));
	c[0] = (struct batch_caller){ .h = h, .cert = certs[0], .fd = -1 };
	c[1] = (struct batch_caller){ .h = h, .cert = certs[1], .fd = -1, .index = 1 };
	c[2] = (struct batch_caller){ .h = h, .cert = certs[1], .fd = -1, .index = 1 };
	for (i = 3; i < 7; i++)
		c[i] = (struct batch_caller){ .h = h, .cert = certs[i - 1], .fd = -1, .index = i - 1 };
	lockfd = hold_hsm_lock(w.hsm);
	ASSERT_GE(lockfd, 0);
	ASSERT_EQ(0, run_batches(c, 7, lockfd));

	ASSERT_EQ(0, c[0].ret) TH_LOG("%s", c[0].msg);
	for (i = 1; i < 7; i++) {
		if (!c[i].ret && c[i].info.reissued)
			reissued++;
		if (!c[i].ret)
			ok++;
		else if (c[i].ret == -ENOSPC)
			nospc++;
		else
			TH_LOG("caller %d: %s", i, c[i].msg);
	}
	/*
	 * certs[1] twice, queued first: one counted license and one re-issue
	 * naming its line. Should both twins queue after the budget ran out,
	 * both are refused (no license of that chip to repeat).
	 */
	if (c[1].ret == -ENOSPC || c[2].ret == -ENOSPC) {
		TH_LOG("the twins queued after the budget ran out");
		ASSERT_EQ(-ENOSPC, c[1].ret);
		ASSERT_EQ(-ENOSPC, c[2].ret);
		ASSERT_EQ(0u, line_of(w.hsm, certs[1], SSP_AUDIT_EV_LICENSE));
		ASSERT_EQ(0, reissued);
		ASSERT_EQ(3, ok);
		ASSERT_EQ(3, nospc);
	} else {
		ASSERT_EQ(0, c[1].ret) TH_LOG("%s", c[1].msg);
		ASSERT_EQ(0, c[2].ret) TH_LOG("%s", c[2].msg);
		ASSERT_EQ(1, reissued);
		twin_a = c[1].info.reissued ? 2 : 1;
		twin_b = c[1].info.reissued ? 1 : 2;
		ASSERT_EQ(c[twin_a].info.seq, c[twin_b].info.original_seq);
		ASSERT_EQ(line_of(w.hsm, certs[1], SSP_AUDIT_EV_LICENSE), c[twin_a].info.seq);
		ASSERT_EQ(line_of(w.hsm, certs[1], SSP_AUDIT_EV_LICENSE_REISSUE), c[twin_b].info.seq);
		/* 3 of the budget left for the batch: certs[1] and two of the four others. */
		ASSERT_EQ(4, ok);
		ASSERT_EQ(2, nospc);
	}
	for (i = 3; i < 7; i++) {
		if (c[i].ret == -ENOSPC) {
			ASSERT_NE(NULL, strstr(c[i].msg, "no licenses left"));
			ASSERT_EQ(0u, line_of(w.hsm, c[i].cert, SSP_AUDIT_EV_LICENSE));
		} else {
			ASSERT_EQ(line_of(w.hsm, c[i].cert, SSP_AUDIT_EV_LICENSE), c[i].info.seq);
		}
	}
	/* Each line its own seq, in a chain with its own MAC; state names the last. */
	ASSERT_EQ(0, ssp_hsm_status(h, &st, &e)) TH_LOG("%s", e.msg);
	ASSERT_TRUE(st.verified) TH_LOG("%s", st.unverified);
	ASSERT_EQ(0u, st.remaining);
	ASSERT_EQ(4u, st.issued);
	ASSERT_EQ(4, license_lines(w.hsm));
	ssp_hsm_close(h);
	drop_world(&w);
}

/* What one killed child got: the cert indexes of the licenses it received. */
static int kill_batch_child(const struct world *w, uint8_t (*certs)[SSP_CERT_SIZE], int n,
			    const char *step, int lockfd, int fd)
{
	struct batch_caller c[8];
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	int i;

	setenv("SSP_HSM_TEST_CRASH", step, 1);
	if (ssp_hsm_open(w->hsm, PIN, &h, &e))
		return 2;
	for (i = 0; i < n; i++)
		c[i] = (struct batch_caller){ .h = h, .cert = certs[i], .fd = fd, .index = i };
	c[2].cert = certs[1];	/* a chip twice in the batch */
	run_batches(c, n, lockfd);
	return 0;
}

/* Five HSMs, one per crash point: 8 s under ASan at load 2, past the harness's default 30 s when loaded. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, kill_at_each_step_of_a_batch_of_threads_never_leaves_a_license_uncounted, 120)
{
	/* Killed in the second batch (5 callers, 4 chips: one asks twice). */
	static const struct { const char *step; int counted; } steps[] = {
		{ "locked@2", 0 }, { "counted@2", 0 }, { "audited@2", 4 }, { "saved@2", 4 },
		{ "unlocked@2", 4 },
	};
	const int n = 6, budget = 40;
	uint8_t certs[6][SSP_CERT_SIZE], chip[SSP_PRIV_LEN];
	struct ssp_audit_pos anchor;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	uint64_t before;
	struct world w;
	size_t i;
	int j, status, p[2], lockfd;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, budget, 0));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char got[16];
		ssize_t k, ngot;
		pid_t pid;

		for (j = 0; j < n; j++)
			ASSERT_EQ(0, make_cert(w.st_priv, 0x500, 0, certs[j], chip));
		ASSERT_EQ(0, status_of(w.hsm, &st));
		before = st.remaining;
		ASSERT_EQ(0, pipe(p));
		lockfd = hold_hsm_lock(w.hsm);
		ASSERT_GE(lockfd, 0);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			close(p[0]);
			/* The child releases the parent's lock: the same open file. */
			_exit(kill_batch_child(&w, certs, n, steps[i].step, lockfd, p[1]));
		}
		close(lockfd);	/* the child's copy holds it */
		close(p[1]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("step %s: child was not killed", steps[i].step);
		ngot = read(p[0], got, sizeof(got));
		close(p[0]);
		/*
		 * Only the first batch (c[0], alone) got its license out, if its
		 * thread ran before the second batch's leader was killed.
		 */
		ASSERT_GE(1, ngot) TH_LOG("step %s", steps[i].step);
		ASSERT_EQ(0, status_of(w.hsm, &st)) TH_LOG("after kill at %s", steps[i].step);
		ASSERT_EQ(before - 1 - steps[i].counted, st.remaining) TH_LOG("step %s", steps[i].step);
		ASSERT_EQ((uint64_t)budget, st.remaining + st.issued);
		ASSERT_EQ((int64_t)st.issued, license_lines(w.hsm));
		for (k = 0; k < ngot; k++)
			ASSERT_NE(0u, line_of(w.hsm, certs[(int)got[k]], SSP_AUDIT_EV_LICENSE));
	}
	ASSERT_EQ(0, status_of(w.hsm, &st));
	anchor.seq = st.audit_seq;
	anchor.end = st.audit_end;
	memcpy(anchor.hash, st.audit_hash, sizeof(anchor.hash));
	ASSERT_EQ(0, ssp_audit_verify(w.hsm, &anchor, NULL, &e)) TH_LOG("%s", e.msg);
	drop_world(&w);
}

struct loop_arg {
	const struct world *w;
	struct ssp_hsm *h;
	int fd;
};

/* A thread of license_loop: a new chip each time, one byte to fd per license, until refused. */
static void *license_loop_thread(void *p)
{
	const struct loop_arg *a = p;
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_err e = { 0 };

	for (;;) {
		if (make_cert(a->w->st_priv, 0x500, 0, cert, chip) ||
		    ssp_hsm_license(a->h, cert, NULL, lic, &e) || write(a->fd, "L", 1) != 1)
			return NULL;
	}
}

TEST(killed_threads_of_many_batches_keep_returned_le_counted_eq_audited)
{
	const int counter = 120, rounds = 25, threads = 8;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	struct world w;
	int p[2], r, i, status, killed = 0;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, counter, 0));
	ASSERT_EQ(0, ssp_hsm_open(w.hsm, PIN, &h, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, pipe(p));
	srand(time(NULL) ^ getpid());
	for (r = 0; r < rounds; r++) {
		pid_t a = fork();

		ASSERT_GE(a, 0);
		if (a == 0) {
			struct loop_arg la = { &w, h, p[1] };
			pthread_t t[8];

			close(p[0]);
			for (i = 0; i < threads; i++)
				if (pthread_create(&t[i], NULL, license_loop_thread, &la))
					_exit(2);
			for (i = 0; i < threads; i++)
				pthread_join(t[i], NULL);
			_exit(0);
		}
		usleep(5000 + rand() % 40000);
		kill(a, SIGKILL);
		ASSERT_EQ(a, waitpid(a, &status, 0));
		killed += WIFSIGNALED(status);
		ASSERT_EQ(0, status_of(w.hsm, &st));
		ASSERT_EQ((uint64_t)counter, st.remaining + st.issued);
		if (!st.remaining)
			break;
	}
	close(p[1]);
	kills_kept_the_count(_metadata, &w, p[0], r, killed, counter);
	close(p[0]);
	ssp_hsm_close(h);
	drop_world(&w);
}

/* Hardening (issue §4): files through a dirfd, no symlinks, private dirs and PIN files. */
TEST_F(mp15, lock_planted_as_a_symlink_is_refused_not_followed)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	char lock[256], target[256];
	struct ssp_err e = { 0 };
	struct stat st;

	snprintf(lock, sizeof(lock), "%s/lock", self->w.hsm);
	snprintf(target, sizeof(target), "%s/elsewhere", self->w.dir);
	ASSERT_EQ(0, unlink(lock));
	ASSERT_EQ(0, symlink(target, lock));
	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(-ELOOP, ssp_hsm_license(self->h, cert, NULL, lic, &e));
	ASSERT_NE(NULL, strstr(e.msg, "symbolic link")) TH_LOG("%s", e.msg);
	ASSERT_NE(0, lstat(target, &st));
	ASSERT_EQ(0, license_lines(self->w.hsm));
}

TEST_F(mp15, group_writable_or_symlinked_hsm_dir_is_refused_saying_what_to_do)
{
	char link[256];
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;

	ASSERT_EQ(0, chmod(self->w.hsm, 0770));
	ASSERT_EQ(-EPERM, ssp_hsm_open(self->w.hsm, NULL, &h, &e));
	ASSERT_NE(NULL, strstr(e.msg, "chmod 0700")) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, chmod(self->w.hsm, 0702));
	ASSERT_EQ(-EPERM, ssp_hsm_open(self->w.hsm, PIN, &h, &e));
	ASSERT_EQ(0, chmod(self->w.hsm, 0700));
	snprintf(link, sizeof(link), "%s/link", self->w.dir);
	ASSERT_EQ(0, symlink(self->w.hsm, link));
	ASSERT_NE(0, ssp_hsm_open(link, NULL, &h, &e));
	ASSERT_NE(NULL, strstr(e.msg, "symbolic link")) TH_LOG("%s", e.msg);
	if (geteuid() == 0) {
		ASSERT_EQ(0, chown(self->w.hsm, 65534, 65534));
		ASSERT_EQ(-EPERM, ssp_hsm_open(self->w.hsm, NULL, &h, &e));
		ASSERT_NE(NULL, strstr(e.msg, "chown")) TH_LOG("%s", e.msg);
		ASSERT_EQ(0, chown(self->w.hsm, 0, 0));
	}
	ASSERT_EQ(0, ssp_hsm_open(self->w.hsm, NULL, &h, &e)) TH_LOG("%s", e.msg);
	ssp_hsm_close(h);
}

TEST(pin_file_must_be_private_and_the_environment_pin_is_removed_once_read)
{
	char path[] = "/tmp/ssp-test-pin-XXXXXX", pin[SSP_HSM_PIN_MAX];
	struct ssp_err e = { 0 };
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(9, write(fd, "s3cret-pin", 9));
	close(fd);
	ASSERT_EQ(0, chmod(path, 0644));
	ASSERT_EQ(-EPERM, ssp_hsm_read_pin(path, pin, &e));
	ASSERT_NE(NULL, strstr(e.msg, "chmod 600")) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, chmod(path, 0640));
	ASSERT_EQ(-EPERM, ssp_hsm_read_pin(path, pin, &e));
	ASSERT_EQ(0, chmod(path, 0400));
	ASSERT_EQ(0, ssp_hsm_read_pin(path, pin, &e)) TH_LOG("%s", e.msg);
	if (geteuid() == 0) {
		ASSERT_EQ(0, chown(path, 65534, 65534));
		ASSERT_EQ(-EPERM, ssp_hsm_read_pin(path, pin, &e));
		ASSERT_NE(NULL, strstr(e.msg, "owned by uid 65534")) TH_LOG("%s", e.msg);
	}
	unlink(path);
	setenv(SSP_HSM_PIN_ENV, "env-pin-123", 1);
	ASSERT_EQ(0, ssp_hsm_read_pin(NULL, pin, &e));
	ASSERT_STREQ("env-pin-123", pin);
	ASSERT_EQ(NULL, getenv(SSP_HSM_PIN_ENV));
}

TEST(init_refuses_a_short_pin_and_too_few_kdf_rounds)
{
	struct ssp_hsm_init in = { 0 };
	struct ssp_err e = { 0 };
	struct world w;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, 1, 0));
	in.series = SSP_SERIES_MP15;
	in.counter = 1;
	in.st_pub_pem[0] = w.st_pem;
	in.kdf_iterations = SSP_HSM_KDF_MIN;
	snprintf(w.hsm, sizeof(w.hsm), "%s/short", w.dir);
	ASSERT_EQ(-EINVAL, ssp_hsm_soft_init(w.hsm, "1234567", &in, &e));
	ASSERT_NE(NULL, strstr(e.msg, "at least 8")) TH_LOG("%s", e.msg);
	in.kdf_iterations = 99999;
	ASSERT_EQ(-EINVAL, ssp_hsm_soft_init(w.hsm, PIN, &in, &e));
	ASSERT_NE(NULL, strstr(e.msg, "at least 100000")) TH_LOG("%s", e.msg);
	ASSERT_EQ(-1, access(w.hsm, F_OK));
	drop_world(&w);
}

/*
 * The attack of issue 7: make the directory read-only so that the counter
 * cannot go down. The license is then refused (its audit line counts it:
 * the safe direction), never returned. Root ignores modes, so as root the
 * attacked process runs as nobody.
 */
TEST(read_only_directory_refuses_the_license_it_could_not_count)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE];
	struct ssp_hsm_status st;
	struct world w;
	char cmd[256];
	int status;
	pid_t pid;

	ASSERT_EQ(0, make_world(&w, SSP_SERIES_MP15, 5, 0));
	ASSERT_EQ(0, make_cert(w.st_priv, 0x500, 0, cert, chip));
	if (geteuid() == 0) {
		snprintf(cmd, sizeof(cmd), "chown -R 65534:65534 '%s' && chmod 755 '%s'", w.dir, w.dir);
		ASSERT_EQ(0, system(cmd));
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct ssp_err e = { 0 };
		struct ssp_hsm *h;
		int ret;

		if (geteuid() == 0 && (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
			_exit(10);
		if (chmod(w.hsm, 0500) || ssp_hsm_open(w.hsm, PIN, &h, &e))
			_exit(11);
		memset(lic, 0, sizeof(lic));
		ret = ssp_hsm_license(h, cert, NULL, lic, &e);
		if (ret && !strstr(e.msg, "counted (audit line 2) but not issued"))
			fprintf(stderr, "# %s\n", e.msg);
		_exit(ret == 0 ? 12 : lic[0] ? 13 : !strstr(e.msg, "but not issued") ? 14 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	if (geteuid() == 0) {
		snprintf(cmd, sizeof(cmd), "chown -R 0:0 '%s'", w.dir);
		ASSERT_EQ(0, system(cmd));
	}
	ASSERT_EQ(0, chmod(w.hsm, 0700));
	/* The refused license is counted (by its line), so nothing was minted. */
	ASSERT_EQ(0, status_of(w.hsm, &st));
	ASSERT_EQ(4u, st.remaining);
	ASSERT_EQ(1, license_lines(w.hsm));
	drop_world(&w);
}

TEST_F(mp15, secrets_pages_are_left_out_of_core_dumps_and_the_process_is_not_dumpable)
{
	char line[256];
	int dd = 0;
	FILE *f;

	ASSERT_EQ(0, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	f = fopen("/proc/self/smaps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmFlags:", 8) && strstr(line, " dd"))
			dd++;
	fclose(f);
	ASSERT_GE(dd, 1);
}

/* Issue §5: a retry or re-run of a chip takes no second license. */
struct ev_count {
	const char *ev;
	uint64_t n;
};

/* Through the struct: n is not at want + 1 where a pointer is 4 bytes (armhf). */
static int count_ev(void *arg, const struct ssp_audit_rec *rec)
{
	struct ev_count *c = arg;

	if (!strcmp(rec->event, c->ev))
		c->n++;
	return 0;
}

static uint64_t events(const char *dir, const char *ev)
{
	struct ev_count c = { ev, 0 };
	struct ssp_err e = { 0 };

	ssp_audit_walk(dir, NULL, count_ev, &c, &e);
	return c.n;
}

TEST_F(mp15, a_chip_licensed_before_gets_its_license_again_at_no_cost)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE], lic2[SSP_LIC_SIZE];
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN];
	struct ssp_hsm_license_info li;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h;
	int i;

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_hsm_license_ex(self->h, cert, NULL, lic, &li, &e)) TH_LOG("%s", e.msg);
	ASSERT_FALSE(li.reissued);
	ASSERT_EQ(2u, li.seq);
	/* Again, from another handle (another process would do the same). */
	ASSERT_EQ(0, ssp_hsm_open(self->w.hsm, PIN, &h, &e));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ssp_hsm_license_ex(h, cert, NULL, lic2, &li, &e)) TH_LOG("%s", e.msg);
		ASSERT_TRUE(li.reissued);
		ASSERT_EQ(2u, li.original_seq);
		ASSERT_EQ(3u + i, li.seq);
	}
	ssp_hsm_close(h);
	ASSERT_EQ(0, ssp_license_open(chip, lic2, key, nonce));
	ASSERT_EQ(0, memcmp(key, self->w.key, sizeof(key)));
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	ASSERT_EQ(2u, st.remaining);
	ASSERT_EQ(1u, st.issued);
	ASSERT_EQ(1u, events(self->w.hsm, SSP_AUDIT_EV_LICENSE));
	ASSERT_EQ(3u, events(self->w.hsm, SSP_AUDIT_EV_LICENSE_REISSUE));
	/* Even with nothing left, the licensed chip still gets its license. */
	for (i = 0; i < 2; i++) {
		uint8_t c2[SSP_CERT_SIZE], k2[SSP_PRIV_LEN];

		ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, c2, k2));
		ASSERT_EQ(0, ssp_hsm_license(self->h, c2, NULL, lic2, &e)) TH_LOG("%s", e.msg);
	}
	ASSERT_EQ(0, ssp_hsm_license_ex(self->h, cert, NULL, lic2, &li, &e)) TH_LOG("%s", e.msg);
	ASSERT_TRUE(li.reissued);
}

/*
 * The MAC is what makes a re-issue safe: a license line forged for a new
 * chip (hash chain recomputed, no key) must not give that chip a free license.
 */
TEST_F(mp15, a_forged_license_line_without_the_mac_mints_nothing)
{
	uint8_t cert[SSP_CERT_SIZE], chip[SSP_PRIV_LEN], lic[SSP_LIC_SIZE], hc[SSP_HASH_LEN];
	struct ssp_hsm_license_info li;
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	char hex[65];
	json_object *f;

	ASSERT_EQ(0, make_cert(self->w.st_priv, 0x500, 10, cert, chip));
	ASSERT_EQ(0, ssp_sha256(cert, sizeof(cert), hc));
	ssp_hex_encode(hc, sizeof(hc), hex);
	f = json_object_new_object();
	json_object_object_add(f, "cert_sha256", json_object_new_string(hex));
	ASSERT_EQ(0, ssp_audit_append(self->w.hsm, SSP_AUDIT_EV_LICENSE, f, &e));	/* no MAC */
	json_object_put(f);
	ASSERT_EQ(0, ssp_hsm_license_ex(self->h, cert, NULL, lic, &li, &e)) TH_LOG("%s", e.msg);
	ASSERT_FALSE(li.reissued);
	ASSERT_EQ(0, status_of(self->w.hsm, &st));
	/* The forged line counts as a license too (the safe direction), the real one as well. */
	ASSERT_EQ(1u, st.remaining);
}

TEST_F(mp15, payload_of_another_key_or_series_is_refused_before_any_license)
{
	struct ssp_payload_plain pl = { .series = SSP_SERIES_MP15, .secrets_len = 4 };
	uint8_t good[SSP_PAYLOAD_SIZE_MP15], other[SSP_AES_KEY_LEN];
	struct ssp_err e = { 0 };

	ASSERT_EQ(0, ssp_payload_seal(&pl, self->w.key, self->w.nonce, good, sizeof(good)));
	ASSERT_EQ(0, ssp_hsm_check_payload(self->h, good, sizeof(good), &e)) TH_LOG("%s", e.msg);
	memset(other, 0x5A, sizeof(other));
	ASSERT_EQ(0, ssp_payload_seal(&pl, other, self->w.nonce, good, sizeof(good)));
	ASSERT_EQ(-EKEYREJECTED, ssp_hsm_check_payload(self->h, good, sizeof(good), &e));
	ASSERT_NE(NULL, strstr(e.msg, "does not decrypt under this HSM's key")) TH_LOG("%s", e.msg);
	ASSERT_EQ(-EINVAL, ssp_hsm_check_payload(self->h, good, SSP_PAYLOAD_SIZE_MP13, &e));
	ASSERT_NE(NULL, strstr(e.msg, "for mp15 but the secrets file is for mp13")) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, license_lines(self->w.hsm));
}

TEST_HARNESS_MAIN
