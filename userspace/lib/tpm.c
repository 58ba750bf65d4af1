// SPDX-License-Identifier: GPL-2.0-only
/*
 * TPM 2.0 anchoring through tpm2-tss (ESYS over a TCTI from tctildr). See
 * tpm.h for the contract and Documentation/tpm.rst for the why.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "crypto.h"
#include "tpm.h"

struct ssp_tpm {
	char tcti[160];
	TSS2_TCTI_CONTEXT *tcti_ctx;
	ESYS_CONTEXT *esys;
	ESYS_TR srk;		/* transient SRK, ESYS_TR_NONE until first needed */
	ESYS_TR session;	/* salted HMAC session, ESYS_TR_NONE until first needed */
	uint32_t nv_index;	/* the NV index whose ESYS_TR is cached in nv */
	ESYS_TR nv;
};

const char *ssp_tpm_tcti(const struct ssp_tpm *t)
{
	return t->tcti;
}

/* Response code without the parameter/handle/session number of format-one codes. */
static TSS2_RC rc_base(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	if (rc & TPM2_RC_FMT1)
		return rc & (TPM2_RC_FMT1 | 0x3F);
	return rc & 0xFFF;
}

static bool rc_is_tpm_fmt1(TSS2_RC rc)
{
	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & TPM2_RC_FMT1);
}

static bool rc_is_transport(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK, base = rc & 0xFFFF;

	if (layer == TSS2_TCTI_RC_LAYER)
		return true;
	return layer != TSS2_TPM_RC_LAYER &&
	       (base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION ||
		base == TSS2_BASE_RC_TRY_AGAIN || base == TSS2_BASE_RC_NOT_PERMITTED);
}

int ssp_tpm_da_status(struct ssp_tpm *t, struct ssp_tpm_da *da, struct ssp_err *e)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	memset(da, 0, sizeof(*da));
	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_TPM_PROPERTIES, TPM2_PT_LOCKOUT_COUNTER, 4, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return ssp_errf(e, -EIO, "TPM %s (TPM2_GetCapability DA properties): %s",
				t->tcti, Tss2_RC_Decode(rc));
	for (UINT32 i = 0; i < cap->data.tpmProperties.count; i++) {
		TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];

		if (p->property == TPM2_PT_LOCKOUT_COUNTER)
			da->failures = p->value;
		else if (p->property == TPM2_PT_MAX_AUTH_FAIL)
			da->max_tries = p->value;
		else if (p->property == TPM2_PT_LOCKOUT_INTERVAL)
			da->interval_s = p->value;
		else if (p->property == TPM2_PT_LOCKOUT_RECOVERY)
			da->lockout_recovery_s = p->value;
	}
	Esys_Free(cap);
	return 0;
}

/*
 * Map a failed ESYS call to an errno and a message: TCTI, step, decoded code,
 * what to do. what_auth names the authorisation ("PIN") for -EACCES.
 */
static int tpm_fail(struct ssp_tpm *t, TSS2_RC rc, const char *step, const char *what_auth,
		    struct ssp_err *e)
{
	TSS2_RC b = rc_base(rc);
	const char *dec = Tss2_RC_Decode(rc);

	if (b == TPM2_RC_AUTH_FAIL || b == TPM2_RC_BAD_AUTH)
		return ssp_errf(e, -EACCES,
				"TPM %s (%s): %s: wrong %s; the failure counts against the TPM's "
				"dictionary-attack lockout, check the %s before trying again",
				t->tcti, step, dec, what_auth, what_auth);
	if (b == TPM2_RC_LOCKOUT) {
		struct ssp_tpm_da da;

		if (ssp_tpm_da_status(t, &da, NULL) == 0) {
			/* Usable again once failures < max_tries; one is forgotten per interval. */
			uint64_t wait = da.failures >= da.max_tries ?
					(uint64_t)(da.failures - da.max_tries + 1) * da.interval_s : 0;

			return ssp_errf(e, -EAGAIN,
					"TPM %s (%s): %s: TPM in dictionary-attack lockout "
					"(%u failed authorisations, limit %u): wait %llu s (one "
					"failure is forgotten every %u s, while the TPM is powered), "
					"or clear it with the lockout auth "
					"(tpm2_dictionarylockout --clear-lockout)",
					t->tcti, step, dec, da.failures, da.max_tries,
					(unsigned long long)wait, da.interval_s);
		}
		return ssp_errf(e, -EAGAIN,
				"TPM %s (%s): %s: TPM in dictionary-attack lockout: wait "
				"(see tpm2_getcap properties-variable, TPM2_PT_LOCKOUT_INTERVAL) "
				"or clear it with the lockout auth (tpm2_dictionarylockout "
				"--clear-lockout)", t->tcti, step, dec);
	}
	if (b == TPM2_RC_HANDLE)
		return ssp_errf(e, -ENOENT, "TPM %s (%s): %s: no such object or NV index; it was "
				"undefined, or the TPM was cleared", t->tcti, step, dec);
	if (b == TPM2_RC_NV_SPACE || b == TPM2_RC_OBJECT_MEMORY || b == TPM2_RC_SESSION_MEMORY)
		return ssp_errf(e, -ENOSPC, "TPM %s (%s): %s: the TPM is out of room; flush "
				"unused objects/sessions or free NV indices (tpm2_getcap "
				"handles-nv-index)", t->tcti, step, dec);
	if (rc_is_transport(rc))
		return ssp_errf(e, -EIO, "TPM %s (%s): %s: the TPM does not answer; check the "
				"TCTI string, that swtpm is running, or that /dev/tpmrm0 exists "
				"and is accessible to this user (group tss)", t->tcti, step, dec);
	return ssp_errf(e, -EIO, "TPM %s (%s): %s", t->tcti, step, dec);
}

static int auth_check(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len, struct ssp_err *e)
{
	if (!auth || auth_len == 0 || auth_len > SSP_TPM_AUTH_MAX)
		return ssp_errf(e, -EINVAL, "TPM %s: auth must be 1..%d bytes, not %zu",
				t->tcti, SSP_TPM_AUTH_MAX, auth_len);
	return 0;
}

/* Give tr the auth; the caller clears it with clear_auth whatever happens. */
static int set_auth(struct ssp_tpm *t, ESYS_TR tr, const uint8_t *auth, size_t auth_len,
		    struct ssp_err *e)
{
	TPM2B_AUTH a = { .size = (UINT16)auth_len };
	TSS2_RC rc;

	memcpy(a.buffer, auth, auth_len);
	rc = Esys_TR_SetAuth(t->esys, tr, &a);
	ssp_wipe(&a, sizeof(a));
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(t, rc, "Esys_TR_SetAuth", "auth", e);
	return 0;
}

/* ESYS copies the auth into its object; overwrite it, then empty it. */
static void clear_auth(struct ssp_tpm *t, ESYS_TR tr)
{
	TPM2B_AUTH zero = { .size = SSP_TPM_AUTH_MAX };

	Esys_TR_SetAuth(t->esys, tr, &zero);
	Esys_TR_SetAuth(t->esys, tr, NULL);
}

int ssp_tpm_open(const char *tcti, struct ssp_tpm **out, struct ssp_err *e)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	struct ssp_tpm *t;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int ret;

	*out = NULL;
	if (!tcti)
		tcti = SSP_TPM_TCTI_DEFAULT;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ssp_errf(e, -ENOMEM, "TPM %s: out of memory", tcti);
	if (strlen(tcti) >= sizeof(t->tcti)) {
		free(t);
		return ssp_errf(e, -EINVAL, "TPM: TCTI string longer than %zu characters",
				sizeof(t->tcti) - 1);
	}
	strcpy(t->tcti, tcti);
	t->srk = ESYS_TR_NONE;
	t->session = ESYS_TR_NONE;
	t->nv = ESYS_TR_NONE;

	/*
	 * tpm2-tss logs every failing command to stderr; our messages say it
	 * all, once. TSS2_LOG set by the user (e.g. all+debug) is kept.
	 */
	setenv("TSS2_LOG", "all+NONE", 0);
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti_ctx);
	if (rc != TSS2_RC_SUCCESS) {
		ret = ssp_errf(e, -EIO, "TPM %s (open TCTI): %s: check the TCTI string "
			       "(device:/dev/tpmrm0, swtpm:host=H,port=P, tabrmd), that swtpm "
			       "is running on that port, or that /dev/tpmrm0 exists and this user "
			       "may open it (group tss)", tcti, Tss2_RC_Decode(rc));
		free(t);
		return ret;
	}
	rc = Esys_Initialize(&t->esys, t->tcti_ctx, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = tpm_fail(t, rc, "Esys_Initialize", "auth", e);
		goto fail;
	}
	/* One round trip now, so that "no TPM there" is reported by open. */
	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 1, &more, &cap);
	Esys_Free(cap);
	if (rc != TSS2_RC_SUCCESS) {
		ret = tpm_fail(t, rc, "TPM2_GetCapability, first contact", "auth", e);
		goto fail;
	}
	*out = t;
	return 0;
fail:
	ssp_tpm_close(t);
	return ret;
}

void ssp_tpm_close(struct ssp_tpm *t)
{
	if (!t)
		return;
	if (t->esys) {
		if (t->nv != ESYS_TR_NONE)
			Esys_TR_Close(t->esys, &t->nv);
		if (t->session != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->session);
		if (t->srk != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->srk);
		Esys_Finalize(&t->esys);
	}
	if (t->tcti_ctx)
		Tss2_TctiLdr_Finalize(&t->tcti_ctx);
	ssp_wipe(t, sizeof(*t));
	free(t);
}

/*
 * The SRK: TCG "TPM v2.0 Provisioning Guidance" ECC P-256 storage key
 * template (restricted decrypt, AES-128-CFB, empty unique), so the same key
 * comes back every time from the owner seed.
 */
static int srk_get(struct ssp_tpm *t, struct ssp_err *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					    TPMA_OBJECT_SENSITIVEDATAORIGIN |
					    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
					    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
			.parameters.eccDetail = {
				.symmetric = {
					.algorithm = TPM2_ALG_AES,
					.keyBits.aes = 128,
					.mode.aes = TPM2_ALG_CFB,
				},
				.scheme.scheme = TPM2_ALG_NULL,
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TSS2_RC rc;

	if (t->srk != ESYS_TR_NONE)
		return 0;
	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &t->srk,
				NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		t->srk = ESYS_TR_NONE;
		if (rc_base(rc) == TPM2_RC_BAD_AUTH || rc_base(rc) == TPM2_RC_AUTH_FAIL)
			return ssp_errf(e, -EACCES, "TPM %s (TPM2_CreatePrimary, owner SRK): %s: "
					"the owner hierarchy has a password; this HSM needs an "
					"empty owner auth (tpm2_changeauth -c owner)",
					t->tcti, Tss2_RC_Decode(rc));
		return tpm_fail(t, rc, "TPM2_CreatePrimary, owner SRK", "owner auth", e);
	}
	return 0;
}

/* The salted HMAC session (tpmKey = SRK), made once. */
static int session_get(struct ssp_tpm *t, struct ssp_err *e)
{
	TPMT_SYM_DEF sym = {
		.algorithm = TPM2_ALG_AES,
		.keyBits.aes = 128,
		.mode.aes = TPM2_ALG_CFB,
	};
	TSS2_RC rc;
	int ret;

	if (t->session != ESYS_TR_NONE)
		return 0;
	ret = srk_get(t, e);
	if (ret)
		return ret;
	rc = Esys_StartAuthSession(t->esys, t->srk, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256,
				   &t->session);
	if (rc != TSS2_RC_SUCCESS) {
		t->session = ESYS_TR_NONE;
		return tpm_fail(t, rc, "TPM2_StartAuthSession, salted with the SRK", "auth", e);
	}
	return 0;
}

/*
 * Set the session's attributes for the next command: continueSession always;
 * decrypt/encrypt only where the command's first parameter is a sized
 * buffer (the TPM refuses them otherwise).
 */
static int session_for(struct ssp_tpm *t, TPMA_SESSION crypt, struct ssp_err *e)
{
	TSS2_RC rc;
	int ret = session_get(t, e);

	if (ret)
		return ret;
	rc = Esys_TRSess_SetAttributes(t->esys, t->session,
				       TPMA_SESSION_CONTINUESESSION | crypt, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(t, rc, "Esys_TRSess_SetAttributes", "auth", e);
	return 0;
}

/*
 * After a failed authorised command the session's nonces may be out of step
 * with the TPM's; start a fresh one next time rather than guess.
 */
static void session_drop(struct ssp_tpm *t)
{
	if (t->session == ESYS_TR_NONE)
		return;
	if (Esys_FlushContext(t->esys, t->session) != TSS2_RC_SUCCESS)
		Esys_TR_Close(t->esys, &t->session);
	t->session = ESYS_TR_NONE;
}

int ssp_tpm_seal(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
		 const uint8_t *data, size_t len, uint8_t *blob, size_t blob_max,
		 size_t *blob_len, struct ssp_err *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			/* Deliberately no NODA: wrong auth must count towards lockout. */
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					    TPMA_OBJECT_USERWITHAUTH,
			.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	size_t off = 0;
	TSS2_RC rc;
	int ret;

	*blob_len = 0;
	ret = auth_check(t, auth, auth_len, e);
	if (ret)
		return ret;
	if (!data || len == 0 || len > SSP_TPM_SEAL_MAX)
		return ssp_errf(e, -EINVAL, "TPM %s (seal): data must be 1..%d bytes, not %zu",
				t->tcti, SSP_TPM_SEAL_MAX, len);
	ret = session_for(t, TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT, e);
	if (ret)
		return ret;
	sens.sensitive.userAuth.size = (UINT16)auth_len;
	memcpy(sens.sensitive.userAuth.buffer, auth, auth_len);
	sens.sensitive.data.size = (UINT16)len;
	memcpy(sens.sensitive.data.buffer, data, len);
	/* Parameter encryption (decrypt) hides inSensitive on the bus. */
	rc = Esys_Create(t->esys, t->srk, t->session, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
			 &outside, &pcrs, &priv, &pub, NULL, NULL, NULL);
	ssp_wipe(&sens, sizeof(sens));
	if (rc != TSS2_RC_SUCCESS) {
		session_drop(t);
		return tpm_fail(t, rc, "TPM2_Create, sealing under the SRK", "auth", e);
	}
	rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, blob, blob_max, &off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, blob, blob_max, &off);
	Esys_Free(pub);
	Esys_Free(priv);
	if (rc != TSS2_RC_SUCCESS)
		return ssp_errf(e, -ERANGE, "TPM %s (seal): the sealed blob does not fit in %zu "
				"bytes: %s", t->tcti, blob_max, Tss2_RC_Decode(rc));
	*blob_len = off;
	return 0;
}

/* Split blob into its two marshalled halves; nothing may follow them. */
static int blob_parse(struct ssp_tpm *t, const uint8_t *blob, size_t blob_len,
		      TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, struct ssp_err *e)
{
	TPMA_OBJECT want = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			   TPMA_OBJECT_USERWITHAUTH;
	size_t off = 0;
	TSS2_RC rc;

	rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob, blob_len, &off, pub);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob, blob_len, &off, priv);
	if (rc != TSS2_RC_SUCCESS || off != blob_len)
		return ssp_errf(e, -EBADMSG, "TPM %s (unseal): the sealed blob (%zu bytes) is "
				"not a TPM2B_PUBLIC || TPM2B_PRIVATE pair: %s; it was altered or "
				"is not from ssp_tpm_seal", t->tcti, blob_len,
				rc ? Tss2_RC_Decode(rc) : "trailing bytes");
	/* Ours: a plain sealed object, DA-protected; nothing else is accepted. */
	if (pub->publicArea.type != TPM2_ALG_KEYEDHASH ||
	    pub->publicArea.nameAlg != TPM2_ALG_SHA256 ||
	    pub->publicArea.objectAttributes != want ||
	    pub->publicArea.authPolicy.size != 0)
		return ssp_errf(e, -EBADMSG, "TPM %s (unseal): the sealed blob's object is not "
				"a DA-protected sealed data object as ssp_tpm_seal makes "
				"(type 0x%x, attributes 0x%x); it was altered", t->tcti,
				pub->publicArea.type, pub->publicArea.objectAttributes);
	return 0;
}

int ssp_tpm_unseal(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
		   const uint8_t *blob, size_t blob_len, uint8_t *data, size_t data_max,
		   size_t *len, struct ssp_err *e)
{
	TPM2B_PUBLIC pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
	TPM2B_SENSITIVE_DATA *out = NULL;
	ESYS_TR obj = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	*len = 0;
	ret = auth_check(t, auth, auth_len, e);
	if (ret)
		return ret;
	ret = blob_parse(t, blob, blob_len, &pub, &priv, e);
	if (ret)
		return ret;
	ret = session_for(t, 0, e);
	if (ret)
		return ret;
	rc = Esys_Load(t->esys, t->srk, t->session, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub,
		       &obj);
	if (rc != TSS2_RC_SUCCESS) {
		session_drop(t);
		/* Format-one codes here are about the blob: integrity, size, key, ... */
		if (rc_is_tpm_fmt1(rc))
			return ssp_errf(e, -EBADMSG, "TPM %s (TPM2_Load of the sealed blob): %s: "
					"the blob was sealed by another TPM (or before a "
					"TPM2_Clear of this one) or was altered; restore it from "
					"the machine that made it", t->tcti, Tss2_RC_Decode(rc));
		return tpm_fail(t, rc, "TPM2_Load of the sealed blob", "auth", e);
	}
	ret = set_auth(t, obj, auth, auth_len, e);
	if (ret)
		goto out;
	ret = session_for(t, TPMA_SESSION_ENCRYPT, e);
	if (ret)
		goto out;
	/* Response encryption hides the secret on the bus. */
	rc = Esys_Unseal(t->esys, obj, t->session, ESYS_TR_NONE, ESYS_TR_NONE, &out);
	if (rc != TSS2_RC_SUCCESS) {
		session_drop(t);
		ret = tpm_fail(t, rc, "TPM2_Unseal", "PIN (object auth)", e);
		goto out;
	}
	if (out->size > data_max) {
		ret = ssp_errf(e, -ERANGE, "TPM %s (unseal): %u bytes sealed, room for %zu",
			       t->tcti, out->size, data_max);
		goto out;
	}
	memcpy(data, out->buffer, out->size);
	*len = out->size;
	ret = 0;
out:
	if (out) {
		ssp_wipe(out, sizeof(*out));
		Esys_Free(out);
	}
	if (obj != ESYS_TR_NONE) {
		clear_auth(t, obj);
		Esys_FlushContext(t->esys, obj);
	}
	ssp_wipe(&priv, sizeof(priv));
	if (ret && data)
		ssp_wipe(data, data_max);
	return ret;
}

/* ESYS_TR for an NV index (public read from the TPM), cached for the last index used. */
static int nv_get(struct ssp_tpm *t, uint32_t index, ESYS_TR *tr, struct ssp_err *e)
{
	TSS2_RC rc;

	if (index < SSP_TPM_NV_FIRST || index > SSP_TPM_NV_LAST)
		return ssp_errf(e, -EINVAL, "TPM %s: NV index 0x%08x is outside ours "
				"(0x%08x..0x%08x)", t->tcti, index, SSP_TPM_NV_FIRST,
				SSP_TPM_NV_LAST);
	if (t->nv != ESYS_TR_NONE && t->nv_index == index) {
		*tr = t->nv;
		return 0;
	}
	if (t->nv != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &t->nv);
	t->nv = ESYS_TR_NONE;
	rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   &t->nv);
	if (rc != TSS2_RC_SUCCESS) {
		t->nv = ESYS_TR_NONE;
		if (rc_base(rc) == TPM2_RC_HANDLE)
			return ssp_errf(e, -ENOENT, "TPM %s (TPM2_NV_ReadPublic 0x%08x): %s: no "
					"such NV index; it was undefined (or the TPM cleared): "
					"the counter is gone", t->tcti, index, Tss2_RC_Decode(rc));
		return tpm_fail(t, rc, "TPM2_NV_ReadPublic", "auth", e);
	}
	t->nv_index = index;
	*tr = t->nv;
	return 0;
}

static void nv_forget(struct ssp_tpm *t)
{
	if (t->nv != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &t->nv);
	t->nv = ESYS_TR_NONE;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int nv_read_value(struct ssp_tpm *t, uint32_t index, ESYS_TR auth_handle,
			 ESYS_TR session, ESYS_TR nv, uint64_t *value, struct ssp_err *e)
{
	TPM2B_MAX_NV_BUFFER *buf = NULL;
	char step[64];
	TSS2_RC rc;

	snprintf(step, sizeof(step), "TPM2_NV_Read 0x%08x", index);
	rc = Esys_NV_Read(t->esys, auth_handle, nv, session, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0,
			  &buf);
	if (rc != TSS2_RC_SUCCESS) {
		if (rc_base(rc) == TPM2_RC_NV_UNINITIALIZED)
			return ssp_errf(e, -ENODATA, "TPM %s (%s): %s: the counter was never "
					"incremented", t->tcti, step, Tss2_RC_Decode(rc));
		return tpm_fail(t, rc, step, "PIN (NV index auth)", e);
	}
	if (buf->size != 8) {
		Esys_Free(buf);
		return ssp_errf(e, -EIO, "TPM %s (%s): %u bytes, a counter has 8", t->tcti,
				step, buf->size);
	}
	*value = be64(buf->buffer);
	Esys_Free(buf);
	return 0;
}

int ssp_tpm_counter_read(struct ssp_tpm *t, uint32_t index, uint64_t *value, struct ssp_err *e)
{
	ESYS_TR nv;
	int ret;

	ret = nv_get(t, index, &nv, e);
	if (ret)
		return ret;
	ret = nv_read_value(t, index, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, nv, value, e);
	if (ret)
		nv_forget(t);
	return ret;
}

/*
 * A password session, not the salted HMAC one: with tpm2-tss 3.2 on OpenSSL
 * 3 an HMAC-session command costs ~4 ms of client CPU, a password one
 * ~0.2 ms plus the TPM's own time, and the HSM spends one increment per
 * license (500/s). What crosses the bus is the NV index's authValue, which
 * the caller derives apart from the sealing auth (tpm.h): knowing it lets one
 * only increment, i.e. burn budget, which the owner can do anyway by
 * undefining the index. The DA lockout counts wrong values all the same.
 */
int ssp_tpm_counter_increment(struct ssp_tpm *t, uint32_t index, const uint8_t *auth,
			      size_t auth_len, uint64_t *value_after, struct ssp_err *e)
{
	char step[64];
	ESYS_TR nv;
	TSS2_RC rc;
	int ret;

	if (value_after)
		*value_after = UINT64_MAX;
	ret = auth_check(t, auth, auth_len, e);
	if (ret)
		return ret;
	ret = nv_get(t, index, &nv, e);
	if (ret)
		return ret;
	ret = set_auth(t, nv, auth, auth_len, e);
	if (ret)
		goto out;
	snprintf(step, sizeof(step), "TPM2_NV_Increment 0x%08x", index);
	rc = Esys_NV_Increment(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		ret = tpm_fail(t, rc, step, "PIN (NV index auth)", e);
		goto out;
	}
	if (value_after) {
		/* AUTHREAD with the same auth: works whatever the owner auth is. */
		ret = nv_read_value(t, index, nv, ESYS_TR_PASSWORD, nv, value_after, e);
		if (ret)
			ssp_err_prefix(e, "TPM %s: counter 0x%08x incremented, but reading it back "
				       "failed", t->tcti, index);
	}
out:
	clear_auth(t, nv);
	if (ret)
		nv_forget(t);
	return ret;
}

/* The first free index of our range, from the TPM's list of defined NV handles. */
static int nv_free_index(struct ssp_tpm *t, uint32_t from, uint32_t *index, struct ssp_err *e)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	uint32_t i;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_HANDLES, from, SSP_TPM_NV_LAST - from + 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(t, rc, "TPM2_GetCapability NV handles", "auth", e);
	/* The list is sorted; take the first gap at or after from. */
	i = from;
	for (UINT32 k = 0; k < cap->data.handles.count; k++) {
		TPM2_HANDLE h = cap->data.handles.handle[k];

		if (h < i)
			continue;
		if (h != i)
			break;
		i++;
	}
	Esys_Free(cap);
	if (i > SSP_TPM_NV_LAST)
		return ssp_errf(e, -ENOSPC, "TPM %s (NV counter define): every index of "
				"0x%08x..0x%08x is taken; list them with tpm2_getcap "
				"handles-nv-index and undefine stale ones", t->tcti,
				SSP_TPM_NV_FIRST, SSP_TPM_NV_LAST);
	*index = i;
	return 0;
}

int ssp_tpm_counter_define(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
			   unsigned int flags, uint32_t *index, uint64_t *first,
			   struct ssp_err *e)
{
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nameAlg = TPM2_ALG_SHA256,
			/* Not TPMA_NV_NO_DA: wrong auth counts towards lockout. */
			.attributes = (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) |
				      TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD,
			.dataSize = 8,
		},
	};
	TPM2B_AUTH a = { .size = (UINT16)auth_len };
	uint32_t idx = SSP_TPM_NV_FIRST;
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	ret = auth_check(t, auth, auth_len, e);
	if (ret)
		return ret;
	if (flags & ~(unsigned int)SSP_TPM_COUNTER_ORDERLY)
		return ssp_errf(e, -EINVAL, "TPM %s (NV counter define): unknown flags 0x%x",
				t->tcti, flags);
	if (flags & SSP_TPM_COUNTER_ORDERLY)
		pub.nvPublic.attributes |= TPMA_NV_ORDERLY;
	memcpy(a.buffer, auth, auth_len);
	for (;;) {
		ret = nv_free_index(t, idx, &idx, e);
		if (ret)
			goto out;
		pub.nvPublic.nvIndex = idx;
		/* Owner auth (empty) in the salted session: decrypt hides the new auth. */
		ret = session_for(t, TPMA_SESSION_DECRYPT, e);
		if (ret)
			goto out;
		rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, t->session, ESYS_TR_NONE,
					 ESYS_TR_NONE, &a, &pub, &tr);
		if (rc == TSS2_RC_SUCCESS)
			break;
		session_drop(t);
		/* Someone took it between our look and our define: next one. */
		if (rc_base(rc) == TPM2_RC_NV_DEFINED && idx < SSP_TPM_NV_LAST) {
			idx++;
			continue;
		}
		ret = tpm_fail(t, rc, "TPM2_NV_DefineSpace", "owner auth", e);
		goto out;
	}
	Esys_TR_Close(t->esys, &tr);
	nv_forget(t);	/* a cached object for an index of that number is stale now */
	ret = ssp_tpm_counter_increment(t, idx, auth, auth_len, first, e);
	if (ret) {
		ssp_err_prefix(e, "TPM %s: NV counter 0x%08x defined but its first increment "
			       "failed (undefine it with tpm2_nvundefine 0x%08x)", t->tcti, idx, idx);
		goto out;
	}
	*index = idx;
out:
	ssp_wipe(&a, sizeof(a));
	return ret;
}

int ssp_tpm_counter_name(struct ssp_tpm *t, uint32_t index, uint8_t *name, size_t max,
			 size_t *len, struct ssp_err *e)
{
	TPM2B_NAME *n = NULL;
	ESYS_TR nv;
	TSS2_RC rc;
	int ret;

	*len = 0;
	/* Fresh from the TPM, not from the cache: the point is to notice changes. */
	nv_forget(t);
	ret = nv_get(t, index, &nv, e);
	if (ret)
		return ret;
	rc = Esys_TR_GetName(t->esys, nv, &n);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(t, rc, "Esys_TR_GetName", "auth", e);
	if (n->size > max) {
		ret = ssp_errf(e, -ERANGE, "TPM %s: NV 0x%08x name is %u bytes, room for %zu",
			       t->tcti, index, n->size, max);
	} else {
		memcpy(name, n->name, n->size);
		*len = n->size;
	}
	Esys_Free(n);
	return ret;
}

int ssp_tpm_counter_undefine(struct ssp_tpm *t, uint32_t index, struct ssp_err *e)
{
	char step[64];
	ESYS_TR nv;
	TSS2_RC rc;
	int ret;

	ret = nv_get(t, index, &nv, e);
	if (ret)
		return ret;
	snprintf(step, sizeof(step), "TPM2_NV_UndefineSpace 0x%08x", index);
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		nv_forget(t);
		return tpm_fail(t, rc, step, "owner auth", e);
	}
	/* ESYS dropped the object with the index. */
	t->nv = ESYS_TR_NONE;
	return 0;
}
