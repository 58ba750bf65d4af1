// SPDX-License-Identifier: GPL-2.0-only
/*
 * HSM front end: picks the backend recorded in DIR/hsm.json and forwards to
 * it; reads the PIN; computes the public key fingerprint.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "crypto.h"
#include "hsm.h"
#include "hsm_priv.h"
#include "util.h"

static const struct ssp_hsm_ops *const backends[] = {
	&ssp_hsm_soft_ops,
	&ssp_hsm_tpm_ops,
};

#define META_MAX	16384
#define N_BACKENDS	(sizeof(backends) / sizeof(backends[0]))

int ssp_hsm_open(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e)
{
	char path[PATH_MAX], *buf;
	json_object *o, *v;
	const char *name = NULL;
	size_t len, i;
	int dirfd, ret;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, SSP_HSM_META) >= (int)sizeof(path))
		return ssp_errf(e, -ENAMETOOLONG, "HSM %s: path too long", dir);
	/* Refuses a directory others could write to, and symlinks (util.h). */
	dirfd = ssp_open_private_dir(dir, e);
	if (dirfd < 0) {
		if (dirfd == -ENOENT)
			return ssp_errf(e, dirfd, "HSM %s: no such directory; create the HSM with `sspctl hsm init --dir %s ...` or give the right --dir",
					dir, dir);
		return ssp_err_prefix(e, "HSM %s", dir);
	}
	buf = calloc(1, META_MAX + 1);
	if (!buf) {
		close(dirfd);
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", dir);
	}
	ret = ssp_read_file_at(dirfd, SSP_HSM_META, path, buf, META_MAX, &len, e);
	close(dirfd);
	if (ret) {
		free(buf);
		if (ret == -ENOENT)
			return ssp_errf(e, ret, "HSM %s: no %s there; create the HSM with `sspctl hsm init --dir %s ...` or give the right --dir",
					dir, SSP_HSM_META, dir);
		return ssp_err_prefix(e, "HSM %s", dir);
	}
	o = json_tokener_parse(buf);
	free(buf);
	if (o && json_object_object_get_ex(o, "backend", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	for (i = 0; name && i < N_BACKENDS; i++)
		if (!strcmp(name, backends[i]->name))
			break;
	if (!name || i == N_BACKENDS) {
		ret = ssp_errf(e, -EINVAL, "HSM %s: %s %s; it is damaged or from a newer sspctl",
			       dir, path, name ? "names a backend this sspctl does not have" :
			       "has no \"backend\"");
		json_object_put(o);
		return ret;
	}
	json_object_put(o);
	return backends[i]->open(dir, pin, out, e);
}

int ssp_hsm_status(struct ssp_hsm *h, struct ssp_hsm_status *st, struct ssp_err *e)
{
	return h->ops->status(h, st, e);
}

int ssp_hsm_license(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		    const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		    struct ssp_err *e)
{
	return h->ops->license(h, cert, ctx, license, NULL, e);
}

int ssp_hsm_license_ex(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		       const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		       struct ssp_hsm_license_info *info, struct ssp_err *e)
{
	return h->ops->license(h, cert, ctx, license, info, e);
}

int ssp_hsm_check_payload(struct ssp_hsm *h, const uint8_t *payload, size_t len,
			  struct ssp_err *e)
{
	return h->ops->check_payload(h, payload, len, e);
}

void ssp_hsm_close(struct ssp_hsm *h)
{
	if (h)
		h->ops->close(h);
}

const char *ssp_hsm_dir(struct ssp_hsm *h)
{
	return h->dir;
}

int ssp_hsm_audit_append(struct ssp_hsm *h, const char *event, json_object *fields,
			 struct ssp_audit_pos *pos, struct ssp_err *e)
{
	return h->ops->audit_append(h, event, fields, pos, e);
}

int ssp_hsm_audit_check(struct ssp_hsm *h, struct ssp_audit_check *c, struct ssp_err *e)
{
	return h->ops->audit_check(h, c, e);
}

const struct ssp_hsm_guarantee *ssp_hsm_guarantees(const struct ssp_hsm *h)
{
	return h->ops->guarantees;
}

void ssp_hsm_print_guarantees(FILE *f, const struct ssp_hsm_guarantee *g)
{
	for (; g && g->heading; g++)
		fprintf(f, "  %s: %s\n", g->heading, g->text);
}

int ssp_hsm_read_pin(const char *pin_file, char pin[SSP_HSM_PIN_MAX], struct ssp_err *e)
{
	const char *env;
	size_t len = 0;
	int ret;

	if (pin_file) {
		/* Owned by us, 0600 or 0400: a PIN others can read is no PIN. */
		ret = ssp_read_secret_file(pin_file, pin, SSP_HSM_PIN_MAX - 1, &len, e);
		if (ret) {
			ssp_wipe(pin, SSP_HSM_PIN_MAX);
			return ssp_err_prefix(e, "PIN file");
		}
		pin[len] = '\0';
		/* The first line only: files usually end with a newline. */
		pin[strcspn(pin, "\r\n")] = '\0';
		if (!pin[0]) {
			ssp_wipe(pin, SSP_HSM_PIN_MAX);
			return ssp_errf(e, -ENOKEY, "PIN file %s: the first line is empty; write the HSM PIN on it",
					pin_file);
		}
		return 0;
	}
	env = getenv(SSP_HSM_PIN_ENV);
	if (!env || !env[0])
		return ssp_errf(e, -ENOKEY, "no HSM PIN: give --pin-file FILE or set %s",
				SSP_HSM_PIN_ENV);
	if (strlen(env) >= SSP_HSM_PIN_MAX)
		return ssp_errf(e, -EINVAL, "%s is longer than %d characters", SSP_HSM_PIN_ENV,
				SSP_HSM_PIN_MAX - 1);
	strcpy(pin, env);
	/* Read once: child processes and /proc/PID/environ readers do not get it. */
	ssp_wipe((char *)env, strlen(env));
	unsetenv(SSP_HSM_PIN_ENV);
	return 0;
}

void ssp_hsm_fingerprint(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t nonce[SSP_NONCE_LEN],
			 char out[65])
{
	static const char label[] = "stm32-ssp key fingerprint v1";
	uint8_t buf[sizeof(label) + SSP_AES_KEY_LEN + SSP_NONCE_LEN], h[SSP_HASH_LEN];

	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), key, SSP_AES_KEY_LEN);
	memcpy(buf + sizeof(label) + SSP_AES_KEY_LEN, nonce, SSP_NONCE_LEN);
	if (ssp_sha256(buf, sizeof(buf), h))
		memset(h, 0, sizeof(h));
	ssp_wipe(buf, sizeof(buf));
	ssp_hex_encode(h, sizeof(h), out);
}

int hsm_json_u64(json_object *o, const char *key, uint64_t *v)
{
	json_object *x;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return -EINVAL;
	n = json_object_get_int64(x);
	if (n < 0)
		return -EINVAL;
	*v = n;
	return 0;
}
