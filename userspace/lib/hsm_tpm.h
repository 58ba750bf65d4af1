/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TPM anchor of a software HSM (`sspctl hsm init --tpm`), used only by
 * hsm_soft.c. The anchor is the "anchor" object of hsm.json (version 2):
 *
 *   {"type":"tpm","tcti":"device:/dev/tpmrm0","nv_index":25187584,
 *    "nv_first":1,"budget":1000,"nv_name":"000b…","blob":"…"}
 *
 * blob is a TPM sealed object holding HSM_TPM_SEALED_LEN bytes:
 *   OEM nonce (16) | OEM key (16) | state key (16) | counter auth (32) |
 *   SHA-256 of the HSM's binding string (32)
 * under an authValue derived from the PIN (the object is DA-protected, so
 * PIN guessing meets the TPM's lockout). The binding string covers hsm.json
 * (series, ST keys, KDF) and this anchor (NV index, first value, budget, NV
 * name), so editing any of them is refused once the PIN is given.
 *
 * The counter auth is random, not derived from the PIN: the per-license
 * increment sends it in a password session (visible on the TPM bus), and a
 * value derived from the PIN would let a bus sniffer search the PIN offline.
 *
 * The NV counter is the truth about how many licenses left the HSM:
 *   used      = counter - nv_first
 *   remaining = nv_first + budget - counter (0 when negative)
 * A license is issued only after the increment; an increment without its
 * audit line (a crash, a failed append) is a lost license, recorded as a
 * `license-lost` line by the next license call (hsm_soft.c: record_lost).
 */
#ifndef SSP_HSM_TPM_H
#define SSP_HSM_TPM_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "profile.h"
#include "tpm.h"

#define HSM_TPM_COUNTER_AUTH	32
#define HSM_TPM_SEALED_LEN	(SSP_NONCE_LEN + SSP_AES_KEY_LEN + SSP_AES_KEY_LEN + \
				 HSM_TPM_COUNTER_AUTH + SSP_HASH_LEN)
#define HSM_TPM_TCTI_MAX	256

struct hsm_tpm {
	char tcti[HSM_TPM_TCTI_MAX];
	uint32_t nv_index;
	uint64_t nv_first;
	uint64_t budget;
	uint8_t nv_name[SSP_TPM_NAME_MAX];
	size_t nv_name_len;
	uint8_t blob[SSP_TPM_BLOB_MAX];
	size_t blob_len;
	struct ssp_tpm *tpm;		/* connected on first use */
};

/* hsm.json's "anchor" object <-> a; parse returns -EINVAL on anything off. */
int hsm_tpm_parse(json_object *anchor, struct hsm_tpm *a);
json_object *hsm_tpm_json(const struct hsm_tpm *a);

/* What the sealed data binds of the anchor, appended to the HSM's binding string. */
int hsm_tpm_binding(const struct hsm_tpm *a, char *out, size_t len);

/*
 * At init: connect to tcti (NULL or "" = the default), define the license
 * counter with counter_auth and fill nv_index, nv_first, nv_name, budget.
 */
int hsm_tpm_define(struct hsm_tpm *a, const char *dir, const char *tcti, uint64_t budget,
		   const uint8_t counter_auth[HSM_TPM_COUNTER_AUTH], struct ssp_err *e);
/* Undo hsm_tpm_define after a failed init (best effort). */
void hsm_tpm_undefine(struct hsm_tpm *a);

int hsm_tpm_seal(struct hsm_tpm *a, const char *dir, const uint8_t *auth, size_t auth_len,
		 const uint8_t sealed[HSM_TPM_SEALED_LEN], struct ssp_err *e);
/* -EACCES wrong PIN, -EAGAIN lockout, -EBADMSG another TPM's blob (message says which). */
int hsm_tpm_unseal(struct hsm_tpm *a, const char *dir, const uint8_t *auth, size_t auth_len,
		   uint8_t sealed[HSM_TPM_SEALED_LEN], struct ssp_err *e);

/* The counter's value; -EBADMSG when the NV index is not the one init defined. */
int hsm_tpm_read(struct hsm_tpm *a, const char *dir, uint64_t *value, struct ssp_err *e);
/* Count one license: -ENOSPC at the budget (nothing counted), else the new value. */
int hsm_tpm_count(struct hsm_tpm *a, const char *dir,
		  const uint8_t counter_auth[HSM_TPM_COUNTER_AUTH], uint64_t *value,
		  struct ssp_err *e);

void hsm_tpm_close(struct hsm_tpm *a);

#endif /* SSP_HSM_TPM_H */
