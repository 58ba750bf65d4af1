// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TPM anchor of a software HSM (format and rules in hsm_tpm.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hsm_tpm.h"
#include "hsm.h"
#include "hsm_priv.h"
#include "crypto.h"
#include "util.h"

/* A hex string of 1..max bytes into out. */
static int get_hex_var(json_object *o, const char *key, uint8_t *out, size_t max, size_t *len)
{
	json_object *x;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_string))
		return -EINVAL;
	s = json_object_get_string(x);
	n = strlen(s);
	if (!n || n % 2 || n / 2 > max || ssp_hex_decode(s, out, n / 2))
		return -EINVAL;
	*len = n / 2;
	return 0;
}

int hsm_tpm_parse(json_object *anchor, struct hsm_tpm *a)
{
	json_object *x;
	uint64_t idx;

	memset(a, 0, sizeof(*a));
	if (!json_object_object_get_ex(anchor, "type", &x) ||
	    !json_object_is_type(x, json_type_string) || strcmp(json_object_get_string(x), "tpm"))
		return -EINVAL;
	if (!json_object_object_get_ex(anchor, "tcti", &x) ||
	    !json_object_is_type(x, json_type_string) ||
	    snprintf(a->tcti, sizeof(a->tcti), "%s", json_object_get_string(x)) >=
	    (int)sizeof(a->tcti) || !a->tcti[0])
		return -EINVAL;
	if (hsm_json_u64(anchor, "nv_index", &idx) || idx < SSP_TPM_NV_FIRST || idx > SSP_TPM_NV_LAST ||
	    hsm_json_u64(anchor, "nv_first", &a->nv_first) || hsm_json_u64(anchor, "budget", &a->budget) ||
	    a->budget > INT64_MAX - a->nv_first ||
	    get_hex_var(anchor, "nv_name", a->nv_name, sizeof(a->nv_name), &a->nv_name_len) ||
	    get_hex_var(anchor, "blob", a->blob, sizeof(a->blob), &a->blob_len))
		return -EINVAL;
	a->nv_index = idx;
	return 0;
}

static void add_hex(json_object *o, const char *key, const uint8_t *in, size_t len)
{
	char hex[2 * SSP_TPM_BLOB_MAX + 1];

	ssp_hex_encode(in, len, hex);
	json_object_object_add(o, key, json_object_new_string(hex));
}

json_object *hsm_tpm_json(const struct hsm_tpm *a)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string("tpm"));
	json_object_object_add(o, "tcti", json_object_new_string(a->tcti));
	json_object_object_add(o, "nv_index", json_object_new_int64(a->nv_index));
	json_object_object_add(o, "nv_first", json_object_new_int64(a->nv_first));
	json_object_object_add(o, "budget", json_object_new_int64(a->budget));
	add_hex(o, "nv_name", a->nv_name, a->nv_name_len);
	add_hex(o, "blob", a->blob, a->blob_len);
	return o;
}

int hsm_tpm_binding(const struct hsm_tpm *a, char *out, size_t len)
{
	char name[2 * SSP_TPM_NAME_MAX + 1];

	ssp_hex_encode(a->nv_name, a->nv_name_len, name);
	/* Not the TCTI: the same TPM may be reached another way (tabrmd, device). */
	if (snprintf(out, len, "|tpm|nv=0x%08" PRIx32 "|first=%" PRIu64 "|budget=%" PRIu64
		     "|name=%s", a->nv_index, a->nv_first, a->budget, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int connect_tpm(struct hsm_tpm *a, const char *dir, struct ssp_err *e)
{
	int ret;

	if (a->tpm)
		return 0;
	ret = ssp_tpm_open(a->tcti, &a->tpm, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: its license counter and key live in the TPM", dir);
	return 0;
}

int hsm_tpm_define(struct hsm_tpm *a, const char *dir, const char *tcti, uint64_t budget,
		   const uint8_t counter_auth[HSM_TPM_COUNTER_AUTH], struct ssp_err *e)
{
	int ret;

	if (snprintf(a->tcti, sizeof(a->tcti), "%s", tcti && tcti[0] ? tcti : SSP_TPM_TCTI_DEFAULT) >=
	    (int)sizeof(a->tcti))
		return ssp_errf(e, -ENAMETOOLONG, "HSM %s: TCTI string too long (at most %d characters)",
				dir, HSM_TPM_TCTI_MAX - 1);
	ret = connect_tpm(a, dir, e);
	if (ret)
		return ret;
	/*
	 * Orderly: the per-license increment stays in TPM RAM (fast, no NV
	 * wear); a power cut makes the counter jump forward, which costs
	 * budget and never adds any (tpm.h).
	 */
	ret = ssp_tpm_counter_define(a->tpm, counter_auth, HSM_TPM_COUNTER_AUTH,
				     SSP_TPM_COUNTER_ORDERLY, &a->nv_index, &a->nv_first, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: defining the license counter in the TPM", dir);
	ret = ssp_tpm_counter_name(a->tpm, a->nv_index, a->nv_name, sizeof(a->nv_name),
				   &a->nv_name_len, e);
	if (ret) {
		hsm_tpm_undefine(a);
		return ssp_err_prefix(e, "HSM %s: reading the new license counter's name", dir);
	}
	a->budget = budget;
	return 0;
}

void hsm_tpm_undefine(struct hsm_tpm *a)
{
	struct ssp_err e = { 0 };

	if (a->tpm && a->nv_index)
		ssp_tpm_counter_undefine(a->tpm, a->nv_index, &e);
}

int hsm_tpm_seal(struct hsm_tpm *a, const char *dir, const uint8_t *auth, size_t auth_len,
		 const uint8_t sealed[HSM_TPM_SEALED_LEN], struct ssp_err *e)
{
	int ret = connect_tpm(a, dir, e);

	if (!ret)
		ret = ssp_tpm_seal(a->tpm, auth, auth_len, sealed, HSM_TPM_SEALED_LEN, a->blob,
				   sizeof(a->blob), &a->blob_len, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: sealing the OEM key in the TPM", dir);
	return 0;
}

int hsm_tpm_unseal(struct hsm_tpm *a, const char *dir, const uint8_t *auth, size_t auth_len,
		   uint8_t sealed[HSM_TPM_SEALED_LEN], struct ssp_err *e)
{
	size_t len = 0;
	uint8_t buf[SSP_TPM_SEAL_MAX];
	int ret = connect_tpm(a, dir, e);

	if (ret)
		return ret;
	ret = ssp_tpm_unseal(a->tpm, auth, auth_len, a->blob, a->blob_len, buf, sizeof(buf), &len,
			     e);
	if (ret == -EACCES)
		return ssp_errf(e, -EACCES, "HSM %s: wrong PIN (the TPM refused it and counted the failure against its dictionary-attack lockout); check --pin-file / %s",
				dir, SSP_HSM_PIN_ENV);
	if (ret == -EBADMSG)
		return ssp_err_prefix(e, "HSM %s: the sealed OEM key does not load in this TPM (a directory copied from another host, a cleared TPM, or an altered hsm.json): it can only be opened on the gang host it was made on",
				      dir);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: unsealing the OEM key", dir);
	if (len != HSM_TPM_SEALED_LEN) {
		ssp_wipe(buf, sizeof(buf));
		return ssp_errf(e, -EBADMSG, "HSM %s: the TPM object holds %zu bytes, not an HSM's %d; hsm.json was altered",
				dir, len, HSM_TPM_SEALED_LEN);
	}
	memcpy(sealed, buf, HSM_TPM_SEALED_LEN);
	ssp_wipe(buf, sizeof(buf));
	return 0;
}

/* The index must still be the counter init defined: same name (type, attributes). */
static int check_name(struct hsm_tpm *a, const char *dir, struct ssp_err *e)
{
	uint8_t name[SSP_TPM_NAME_MAX];
	size_t len = 0;
	int ret;

	ret = ssp_tpm_counter_name(a->tpm, a->nv_index, name, sizeof(name), &len, e);
	if (ret == -ENOENT)
		return ssp_errf(e, -EBADMSG, "HSM %s: the TPM has no license counter at 0x%08" PRIx32 " (deleted, or the TPM was cleared, or this is another host): no license can be counted; the OEM must issue a new HSM",
				dir, a->nv_index);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: reading the license counter", dir);
	if (len != a->nv_name_len || memcmp(name, a->nv_name, len))
		return ssp_errf(e, -EBADMSG, "HSM %s: the TPM's NV index 0x%08" PRIx32 " is not the license counter this HSM defined (it was deleted and re-created); no license is issued",
				dir, a->nv_index);
	return 0;
}

int hsm_tpm_read(struct hsm_tpm *a, const char *dir, uint64_t *value, struct ssp_err *e)
{
	int ret = connect_tpm(a, dir, e);

	if (!ret)
		ret = check_name(a, dir, e);
	if (ret)
		return ret;
	ret = ssp_tpm_counter_read(a->tpm, a->nv_index, value, e);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: reading the license counter", dir);
	return 0;
}

int hsm_tpm_count(struct hsm_tpm *a, const char *dir,
		  const uint8_t counter_auth[HSM_TPM_COUNTER_AUTH], uint64_t *value,
		  struct ssp_err *e)
{
	uint64_t now;
	int ret;

	ret = hsm_tpm_read(a, dir, &now, e);
	if (ret)
		return ret;
	if (now < a->nv_first)
		return ssp_errf(e, -EBADMSG, "HSM %s: the TPM counter (%" PRIu64 ") is below its first value (%" PRIu64 "); hsm.json was altered",
				dir, now, a->nv_first);
	if (now - a->nv_first >= a->budget)
		return ssp_errf(e, -ENOSPC, "HSM %s: the TPM license counter reached the budget (%" PRIu64 " licenses); this HSM cannot provision more chips",
				dir, a->budget);
	*value = 0;
	ret = ssp_tpm_counter_increment(a->tpm, a->nv_index, counter_auth, HSM_TPM_COUNTER_AUTH,
					value, e);
	if (ret && *value == UINT64_MAX)
		return ssp_err_prefix(e, "HSM %s: the TPM counted a license but its new value could not be read (that license is lost, never issued)",
				      dir);
	if (ret)
		return ssp_err_prefix(e, "HSM %s: counting the license in the TPM (none was issued)", dir);
	/*
	 * Another process may have counted between the read and the increment
	 * only if it ignored the HSM lock; the budget check then holds on the
	 * value we got.
	 */
	if (*value - a->nv_first > a->budget)
		return ssp_errf(e, -ENOSPC, "HSM %s: the TPM license counter passed the budget (%" PRIu64 "); this license is not issued",
				dir, a->budget);
	return 0;
}

void hsm_tpm_close(struct hsm_tpm *a)
{
	ssp_tpm_close(a->tpm);
	a->tpm = NULL;
}
