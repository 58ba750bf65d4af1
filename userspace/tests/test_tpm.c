// SPDX-License-Identifier: GPL-2.0-only
/*
 * TPM anchoring (tpm.c) against a real swtpm of the test's own: sealing,
 * wrong PINs and the dictionary-attack lockout, blobs of another TPM, NV
 * counters that never go back, unreachable TPMs. Prints the time of each
 * operation (the HSM needs an NV increment per license, 500 licenses/s).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* The harness ends each test with _exit, which skips LeakSanitizer: run it here. */
#define LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define LEAK_CHECK() 0
#endif

#include "crypto.h"
#include "swtpm_helpers.h"
#include "tpm.h"

static const uint8_t PIN_AUTH[32] = "0123456789abcdef0123456789abcde";
static const uint8_t BAD_AUTH[32] = "0123456789abcdef0123456789abcdX";
static const uint8_t SECRET[48] = "OEM key 16 bytes+nonce.........................";

FIXTURE(tpm) {
	struct tswtpm s, s2;
	struct ssp_tpm *t, *t2;
	struct ssp_err e;
};

FIXTURE_SETUP(tpm)
{
	int ret;

	memset(self, 0, sizeof(*self));
	ret = tswtpm_start(&self->s);
	if (ret)
		tswtpm_stop(&self->s);
	ASSERT_EQ(0, ret);
	ret = ssp_tpm_open(self->s.tcti, &self->t, &self->e);
	if (ret) {
		fprintf(stderr, "# %s\n", self->e.msg);
		tswtpm_stop(&self->s);
	}
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(tpm)
{
	ssp_tpm_close(self->t);
	ssp_tpm_close(self->t2);
	self->t = self->t2 = NULL;
	tswtpm_stop(&self->s);
	tswtpm_stop(&self->s2);
	EXPECT_EQ(0, LEAK_CHECK());
}

static int seal(struct ssp_tpm *t, const uint8_t *auth, uint8_t *blob, size_t *blob_len,
		struct ssp_err *e)
{
	return ssp_tpm_seal(t, auth, 32, SECRET, sizeof(SECRET), blob, SSP_TPM_BLOB_MAX,
			    blob_len, e);
}

static int unseal(struct ssp_tpm *t, const uint8_t *auth, const uint8_t *blob, size_t blob_len,
		  uint8_t *out, size_t *len, struct ssp_err *e)
{
	return ssp_tpm_unseal(t, auth, 32, blob, blob_len, out, SSP_TPM_SEAL_MAX, len, e);
}

TEST_F(tpm, seal_unseal_round_trip)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;

	ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_GT(blob_len, 100u);
	ASSERT_LE(blob_len, (size_t)SSP_TPM_BLOB_MAX);
	ASSERT_EQ(NULL, memmem(blob, blob_len, SECRET, 16)); /* not in clear in the blob */
	ASSERT_EQ(0, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(sizeof(SECRET), len);
	ASSERT_EQ(0, memcmp(out, SECRET, len));

	/* A second connection (another process would do the same) unseals it too. */
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &self->t2, &self->e));
	ASSERT_EQ(0, unseal(self->t2, PIN_AUTH, blob, blob_len, out, &len, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, memcmp(out, SECRET, len));
}

TEST_F(tpm, bad_arguments)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], big[SSP_TPM_SEAL_MAX + 1] = { 0 };
	size_t blob_len;

	ASSERT_EQ(-EINVAL, ssp_tpm_seal(self->t, PIN_AUTH, 0, SECRET, 16, blob, sizeof(blob),
					&blob_len, &self->e));
	ASSERT_EQ(-EINVAL, ssp_tpm_seal(self->t, PIN_AUTH, 33, SECRET, 16, blob, sizeof(blob),
					&blob_len, &self->e));
	ASSERT_EQ(-EINVAL, ssp_tpm_seal(self->t, PIN_AUTH, 32, big, sizeof(big), blob,
					sizeof(blob), &blob_len, &self->e));
	ASSERT_EQ(-ERANGE, ssp_tpm_seal(self->t, PIN_AUTH, 32, SECRET, 16, blob, 40, &blob_len,
					&self->e));
	/* The full 128 bytes fit. */
	ASSERT_EQ(0, ssp_tpm_seal(self->t, PIN_AUTH, 32, big, SSP_TPM_SEAL_MAX, blob,
				  sizeof(blob), &blob_len, &self->e)) TH_LOG("%s", self->e.msg);
}

TEST_F(tpm, wrong_auth_is_eacces)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len = 99;
	struct ssp_tpm_da da;

	ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e));
	memset(out, 0xAA, sizeof(out));
	ASSERT_EQ(-EACCES, unseal(self->t, BAD_AUTH, blob, blob_len, out, &len, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, self->s.tcti));
	ASSERT_NE(NULL, strstr(self->e.msg, "TPM2_Unseal"));
	ASSERT_NE(NULL, strstr(self->e.msg, "dictionary-attack"));
	ASSERT_EQ(0u, len);
	/* It counted against the DA lockout. */
	ASSERT_EQ(0, ssp_tpm_da_status(self->t, &da, &self->e));
	ASSERT_EQ(1u, da.failures);
	/* The session recovers: the right PIN still works. */
	ASSERT_EQ(0, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, memcmp(out, SECRET, len));
}

TEST_F(tpm, da_lockout_refuses_even_the_right_pin)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;
	uint32_t idx;
	uint64_t v, first;
	int ret, wrong = 0;

	/* swtpm starts with 3 tries, 1000 s; other numbers show ours are used. */
	ASSERT_EQ(0, tswtpm_set_da(&self->s, 4, 600, 600));
	ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e));
	for (;;) {
		ret = unseal(self->t, BAD_AUTH, blob, blob_len, out, &len, &self->e);
		if (ret != -EACCES)
			break;
		wrong++;
		ASSERT_LE(wrong, 4);
	}
	ASSERT_EQ(4, wrong);
	ASSERT_EQ(-EAGAIN, ret);
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "lockout"));
	ASSERT_NE(NULL, strstr(self->e.msg, "wait 600 s"));
	ASSERT_EQ(-EAGAIN, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e));
	/* The NV counter's auth is DA-protected too: no license during lockout. */
	ASSERT_EQ(-EAGAIN, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e));
	/* Status still reads it without auth. */
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &v, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(first, v);
}

TEST_F(tpm, blob_of_another_tpm_or_altered_is_ebadmsg)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], bad[SSP_TPM_BLOB_MAX + 1], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;

	ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e));
	ASSERT_EQ(0, tswtpm_start(&self->s2));
	ASSERT_EQ(0, ssp_tpm_open(self->s2.tcti, &self->t2, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(-EBADMSG, unseal(self->t2, PIN_AUTH, blob, blob_len, out, &len, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "another TPM"));

	/* One flipped bit in the private part: the TPM's integrity check. */
	memcpy(bad, blob, blob_len);
	bad[blob_len - 5] ^= 1;
	ASSERT_EQ(-EBADMSG, unseal(self->t, PIN_AUTH, bad, blob_len, out, &len, &self->e));
	/* The public part: the name no longer matches the private's binding. */
	memcpy(bad, blob, blob_len);
	bad[8] ^= 0x40;
	ASSERT_EQ(-EBADMSG, unseal(self->t, PIN_AUTH, bad, blob_len, out, &len, &self->e));
	/* Truncated, trailing byte, empty: refused before the TPM sees it. */
	ASSERT_EQ(-EBADMSG, unseal(self->t, PIN_AUTH, blob, blob_len - 1, out, &len, &self->e));
	memcpy(bad, blob, blob_len);
	bad[blob_len] = 0;
	ASSERT_EQ(-EBADMSG, unseal(self->t, PIN_AUTH, bad, blob_len + 1, out, &len, &self->e));
	ASSERT_EQ(-EBADMSG, unseal(self->t, PIN_AUTH, blob, 0, out, &len, &self->e));
	/* None of that counted as a PIN failure, and the original still opens. */
	ASSERT_EQ(0, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e))
		TH_LOG("%s", self->e.msg);
}

TEST_F(tpm, counter_define_increment_read)
{
	uint8_t name[SSP_TPM_NAME_MAX], name2[SSP_TPM_NAME_MAX];
	size_t name_len, name2_len;
	uint32_t idx, idx2;
	uint64_t first, v, r;

	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(SSP_TPM_NV_FIRST, idx);
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &r, &self->e));
	ASSERT_EQ(first, r);
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx, name, sizeof(name), &name_len, &self->e));
	ASSERT_EQ(34u, name_len);	/* SHA-256 alg id + digest */
	for (int i = 1; i <= 5; i++) {
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e))
			TH_LOG("%s", self->e.msg);
		ASSERT_EQ(first + i, v);
	}
	ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, NULL, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &r, &self->e));
	ASSERT_EQ(first + 6, r);
	/* Counting does not change the name (WRITTEN was set by define's increment). */
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx, name2, sizeof(name2), &name2_len,
					  &self->e));
	ASSERT_EQ(name_len, name2_len);
	ASSERT_EQ(0, memcmp(name, name2, name_len));

	/* A second counter takes the next index; its attributes differ, so does its name. */
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, SSP_TPM_COUNTER_ORDERLY, &idx2,
					    &v, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(idx + 1, idx2);
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx2, name2, sizeof(name2), &name2_len,
					  &self->e));
	ASSERT_NE(0, memcmp(name + 2, name2 + 2, 32)); /* index and attributes differ */

	/* Outside our range, or not defined. */
	ASSERT_EQ(-EINVAL, ssp_tpm_counter_read(self->t, 0x01000000, &r, &self->e));
	ASSERT_EQ(-ENOENT, ssp_tpm_counter_read(self->t, SSP_TPM_NV_LAST, &r, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, ssp_tpm_counter_undefine(self->t, idx2, &self->e));
	ASSERT_EQ(-ENOENT, ssp_tpm_counter_read(self->t, idx2, &r, &self->e));

	/* Undefined by someone else while this context has it cached. */
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &r, &self->e));	/* now cached */
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &self->t2, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_undefine(self->t2, idx, &self->e));
	ASSERT_EQ(-ENOENT, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_EQ(-ENOENT, ssp_tpm_counter_read(self->t, idx, &r, &self->e));
}

/* The TPM drops an authValue's trailing zero bytes; a KDF output may end in some. */
TEST_F(tpm, auth_with_trailing_zeros)
{
	uint8_t auth[32], blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;
	uint32_t idx;
	uint64_t first, v;

	memcpy(auth, PIN_AUTH, 32);
	memset(auth + 29, 0, 3);
	ASSERT_EQ(0, ssp_tpm_seal(self->t, auth, 32, SECRET, sizeof(SECRET), blob, sizeof(blob),
				  &blob_len, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, ssp_tpm_unseal(self->t, auth, 32, blob, blob_len, out, sizeof(out), &len,
				    &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, memcmp(out, SECRET, len));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, auth, 32, 0, &idx, &first, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, auth, 32, &v, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(first + 1, v);
	/* A different last byte is a different auth. */
	auth[31] = 1;
	ASSERT_EQ(-EACCES, ssp_tpm_counter_increment(self->t, idx, auth, 32, &v, &self->e));
}

TEST_F(tpm, counter_redefined_never_goes_back)
{
	uint8_t name[SSP_TPM_NAME_MAX], name2[SSP_TPM_NAME_MAX];
	size_t name_len, name2_len;
	uint32_t idx, idx2;
	uint64_t first, v, again;

	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx, name, sizeof(name), &name_len, &self->e));
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e));
	ASSERT_EQ(first + 20, v);
	ASSERT_EQ(0, ssp_tpm_counter_undefine(self->t, idx, &self->e)) TH_LOG("%s", self->e.msg);
	/* An attacker with root redefines it (any auth of theirs): it restarts above v. */
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, BAD_AUTH, 32, 0, &idx2, &again, &self->e));
	ASSERT_EQ(idx, idx2);
	ASSERT_GT(again, v);
	/* Same attributes, same name: redefinition gains nothing but a higher count. */
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx, name2, sizeof(name2), &name2_len,
					  &self->e));
	ASSERT_EQ(0, memcmp(name, name2, name_len));
	/* Redefined with other attributes: the name tells. */
	ASSERT_EQ(0, ssp_tpm_counter_undefine(self->t, idx, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, SSP_TPM_COUNTER_ORDERLY, &idx2,
					    &again, &self->e));
	ASSERT_EQ(idx, idx2);
	ASSERT_GT(again, v);
	ASSERT_EQ(0, ssp_tpm_counter_name(self->t, idx, name2, sizeof(name2), &name2_len,
					  &self->e));
	ASSERT_NE(0, memcmp(name, name2, name_len));
}

/* Kill the TPM without TPM2_Shutdown: no counter comes back lower, orderly or not. */
TEST_F(tpm, counter_survives_power_cut)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;
	uint32_t idx, idx_o;
	uint64_t first, v, v_o, r;

	ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, SSP_TPM_COUNTER_ORDERLY,
					    &idx_o, &first, &self->e));
	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e));
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx_o, PIN_AUTH, 32, &v_o,
						       &self->e));
	}
	ssp_tpm_close(self->t);
	self->t = NULL;
	ASSERT_EQ(0, tswtpm_power_cut(&self->s));
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &self->t, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &r, &self->e)) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(v, r);	/* every increment was an NV write */
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx_o, &r, &self->e));
	TH_LOG("orderly counter: %llu before the power cut, %llu after",
	       (unsigned long long)v_o, (unsigned long long)r);
	ASSERT_GE(r, v_o);
	/* The sealed blob and the PIN still work after the reset. */
	ASSERT_EQ(0, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx_o, PIN_AUTH, 32, &v, &self->e));
	ASSERT_GT(v, r);
}

TEST_F(tpm, counter_wrong_auth_refused_value_unchanged)
{
	uint32_t idx;
	uint64_t first, v;
	struct ssp_tpm_da da;

	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e));
	ASSERT_EQ(-EACCES, ssp_tpm_counter_increment(self->t, idx, BAD_AUTH, 32, &v, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "TPM2_NV_Increment"));
	ASSERT_EQ(UINT64_MAX, v);
	ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &v, &self->e));
	ASSERT_EQ(first, v);
	ASSERT_EQ(0, ssp_tpm_da_status(self->t, &da, &self->e));
	ASSERT_EQ(1u, da.failures);
	ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e))
		TH_LOG("%s", self->e.msg);
	ASSERT_EQ(first + 1, v);
}

TEST_F(tpm, unreachable_tpm_has_a_clear_message)
{
	char tcti[96];
	struct ssp_tpm *t = NULL;
	int port = tswtpm_free_port_pair();
	uint64_t r;

	ASSERT_LT(0, port);
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", port);
	ASSERT_EQ(-EIO, ssp_tpm_open(tcti, &t, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_EQ(NULL, t);
	ASSERT_NE(NULL, strstr(self->e.msg, tcti));
	ASSERT_NE(NULL, strstr(self->e.msg, "swtpm is running"));
	ASSERT_EQ(-EIO, ssp_tpm_open("nosuchtcti:foo", &t, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "nosuchtcti:foo"));
	ASSERT_EQ(-EIO, ssp_tpm_open("device:/nonexistent/tpmrm0", &t, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "/dev/tpmrm0"));

	/* The TPM goes away under an open context. */
	tswtpm_stop(&self->s);
	ASSERT_EQ(-EIO, ssp_tpm_counter_read(self->t, SSP_TPM_NV_FIRST, &r, &self->e));
	TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, self->s.tcti));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Not a pass/fail on speed (a loaded CI box varies): numbers for the docs. */
TEST_F(tpm, timing)
{
	uint8_t blob[SSP_TPM_BLOB_MAX], out[SSP_TPM_SEAL_MAX];
	size_t blob_len, len;
	struct ssp_tpm *t;
	uint32_t idx, idx_o;
	uint64_t first, v;
	double t0, t1;
	/* Kept small: the ASan build on a busy box stays far from the harness timeout. */
	const int n = 100;

	t0 = now_ms();
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &t, &self->e));
	ASSERT_EQ(0, seal(t, PIN_AUTH, blob, &blob_len, &self->e));
	t1 = now_ms();
	ssp_tpm_close(t);
	fprintf(stderr, "# open + SRK + session + seal (cold, once per process): %.2f ms\n",
		t1 - t0);
	t0 = now_ms();
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, seal(self->t, PIN_AUTH, blob, &blob_len, &self->e));
	fprintf(stderr, "# seal: %.3f ms\n", (now_ms() - t0) / 10);
	t0 = now_ms();
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, unseal(self->t, PIN_AUTH, blob, blob_len, out, &len, &self->e));
	fprintf(stderr, "# unseal: %.3f ms\n", (now_ms() - t0) / 20);
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, 0, &idx, &first, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_define(self->t, PIN_AUTH, 32, SSP_TPM_COUNTER_ORDERLY,
					    &idx_o, &first, &self->e));
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, &v, &self->e));
	fprintf(stderr, "# counter increment + read-back: %.3f ms\n",
		(now_ms() - t0) / n);
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx, PIN_AUTH, 32, NULL, &self->e));
	fprintf(stderr, "# counter increment alone: %.3f ms\n", (now_ms() - t0) / n);
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, ssp_tpm_counter_increment(self->t, idx_o, PIN_AUTH, 32, &v,
						       &self->e));
	fprintf(stderr, "# orderly counter increment + read-back: %.3f ms\n",
		(now_ms() - t0) / n);
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, ssp_tpm_counter_read(self->t, idx, &v, &self->e));
	fprintf(stderr, "# counter read (owner, no PIN): %.3f ms\n", (now_ms() - t0) / n);
	t0 = now_ms();
	ASSERT_EQ(0, ssp_tpm_open(self->s.tcti, &t, &self->e));
	ASSERT_EQ(0, ssp_tpm_counter_increment(t, idx, PIN_AUTH, 32, &v, &self->e));
	t1 = now_ms();
	ssp_tpm_close(t);
	fprintf(stderr, "# open + counter increment (cold, once per process): %.2f ms\n",
		t1 - t0);
}

TEST_HARNESS_MAIN
