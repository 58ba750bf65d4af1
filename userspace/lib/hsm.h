/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HSM: authenticates chips by their certificate and issues one counted
 * license per chip. A backend interface, so that a PKCS#11 backend can sit
 * beside the software HSM (hsm_soft.c).
 *
 * Crash-safety contract of every backend: ssp_hsm_license() returns a license
 * only after the decremented counter and the audit record of that license are
 * durable; a crash at any instant never yields an uncounted license; many
 * processes may share one HSM at once.
 */
#ifndef SSP_HSM_H
#define SSP_HSM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"

struct ssp_hsm;

struct ssp_hsm_status {
	enum ssp_series series;
	uint64_t remaining;		/* licenses left */
	uint64_t issued;		/* licenses issued so far */
	char key_fingerprint[65];	/* hex SHA-256 of a key-derived value, never the key */
	char backend[16];		/* "soft" */
};

/* Who asked: recorded in the audit trail with the license. */
struct ssp_hsm_ctx {
	const char *serial;		/* chip UID, may be NULL */
	const char *port;		/* USB port path, may be NULL */
	const char *host_tool;		/* e.g. "sspctl provision" */
};

struct ssp_hsm_ops {
	const char *name;
	int (*open)(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e);
	int (*status)(struct ssp_hsm *h, struct ssp_hsm_status *st, struct ssp_err *e);
	/* -EPERM bad certificate (signature, chip id, format), -ENOSPC counter 0. */
	int (*license)(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		       const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		       struct ssp_err *e);
	void (*close)(struct ssp_hsm *h);
};

struct ssp_hsm_init {
	enum ssp_series series;
	uint8_t key[SSP_AES_KEY_LEN];
	uint8_t nonce[SSP_NONCE_LEN];
	uint64_t counter;
	const char *st_pub_pem[16];	/* ST keys, index = product-key index; NULL = none */
	uint32_t fsbl_min_version;
};

int ssp_hsm_soft_init(const char *dir, const char *pin, const struct ssp_hsm_init *init,
		      struct ssp_err *e);

/* Open the HSM in dir with the backend recorded there. */
int ssp_hsm_open(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e);
int ssp_hsm_status(struct ssp_hsm *h, struct ssp_hsm_status *st, struct ssp_err *e);
int ssp_hsm_license(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		    const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		    struct ssp_err *e);
void ssp_hsm_close(struct ssp_hsm *h);
/* The directory's audit log (audit.h), for provisioning results. */
const char *ssp_hsm_dir(struct ssp_hsm *h);

#endif /* SSP_HSM_H */
