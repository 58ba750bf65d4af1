// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software HSM's files as ssp_hsm_open() and ssp_hsm_status() read them
 * without a PIN (what `sspctl hsm status` does): hsm.json, the counter
 * state, and the audit log it is reconciled with. Input: the three files,
 * separated by NUL bytes (none of them may contain one).
 *
 * Properties: a refusal says why; an HSM whose status reads has a series,
 * at least one ST key, a 64-character fingerprint and audit hash.
 *
 * Found here: a "format" that was not a string reached strcmp() as NULL
 * (corpus/fuzz_hsm/regress-format-null keeps it in the regression run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fuzz.h"
#include "fuzz_file.h"
#include "hsm.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *part(const uint8_t *p, const uint8_t *end, size_t *len)
{
	const uint8_t *nul = memchr(p, '\0', end - p);

	*len = (nul ? nul : end) - p;
	return nul ? nul + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	const uint8_t *end = data + size, *p = data, *next;
	static const char *const names[] = { SSP_HSM_META, "state", SSP_AUDIT_LOG };
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	struct ssp_hsm *h = NULL;
	char path[128];
	size_t len;
	int ret;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		next = part(p, end, &len);
		fuzz_write(path, p, len);
		p = next;
	}
	ret = ssp_hsm_open(dir, NULL, &h, &e);
	if (ret) {
		FUZZ_CHECK(ret < 0 && e.code == ret && e.msg[0] && !h);
		return 0;
	}
	FUZZ_CHECK(h);
	memset(&e, 0, sizeof(e));
	ret = ssp_hsm_status(h, &st, &e);
	if (ret) {
		FUZZ_CHECK(ret < 0 && e.code == ret && e.msg[0]);
	} else {
		FUZZ_CHECK(st.series == SSP_SERIES_MP15 || st.series == SSP_SERIES_MP13);
		FUZZ_CHECK(st.st_key_mask != 0);
		/* Without the PIN nothing checks that it is hex, only its length. */
		FUZZ_CHECK(strnlen(st.key_fingerprint, sizeof(st.key_fingerprint)) == 2 * SSP_HASH_LEN);
		FUZZ_CHECK(strnlen(st.audit_hash, sizeof(st.audit_hash)) == 2 * SSP_HASH_LEN);
	}
	ssp_hsm_close(h);
	return 0;
}
