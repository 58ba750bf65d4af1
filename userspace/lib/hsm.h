/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HSM: authenticates chips by their certificate and issues one counted
 * license per chip. A backend interface, so that a PKCS#11 backend can sit
 * beside the software HSM (hsm_soft.c).
 *
 * Crash-safety contract of every backend: ssp_hsm_license() returns a license
 * only after the decremented counter and the audit record of that license are
 * durable; a crash at any instant never yields an uncounted license; many
 * processes and threads may share one HSM. Threads calling at the same time
 * on one handle share one commit (group commit: one fsync'd append of all
 * their audit records, one state write), each still with its own record and
 * its own result.
 *
 * The PIN unlocks the OEM key and nonce. It comes from a file (--pin-file)
 * or from the environment (SSP_HSM_PIN); ssp_hsm_read_pin() does both.
 */
#ifndef SSP_HSM_H
#define SSP_HSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "audit.h"
#include "err.h"
#include "profile.h"

/*
 * Every backend's handle starts with this header (backends embed it as their
 * first member); callers only ever hold a pointer.
 */
struct ssp_hsm_ops;
struct ssp_hsm {
	const struct ssp_hsm_ops *ops;
	char dir[4096];
};

struct ssp_hsm_status {
	enum ssp_series series;
	uint64_t remaining;		/* licenses left */
	uint64_t issued;		/* licenses issued so far */
	char key_fingerprint[65];	/* hex SHA-256 of a key-derived value, never the key */
	char backend[16];		/* "soft" */
	uint32_t fsbl_min_version;	/* written into every license */
	uint16_t st_key_mask;		/* bit i: an ST key for product-key index i */
	/* The last license line of the audit log (the log must contain it). */
	uint64_t audit_seq;		/* 0: no license issued yet */
	char audit_hash[65];
	int64_t audit_end;		/* log size just after that line */
	/*
	 * true only when the counter state's MAC was checked with the
	 * PIN-derived key and every audit line's MAC verified; otherwise
	 * remaining/issued are what the files say, which anyone who can
	 * write the directory can change (unverified says why, e.g. "no PIN").
	 */
	bool verified;
	char unverified[160];
	/* TPM-anchored HSMs: the NV counter, and licenses it counted that never left. */
	bool anchored;
	uint64_t lost;			/* counted by the TPM, never issued (crashes) */
	uint32_t nv_index;
	uint64_t nv_value;
	char tcti[256];
};

/*
 * What a backend guarantees, printed by `hsm init` and `hsm status`: rows of
 * (heading, text), ended by a NULL heading. Headings used: "keeps the OEM
 * key from", "counts against", "does not protect against".
 */
struct ssp_hsm_guarantee {
	const char *heading;
	const char *text;
};

/* Who asked: recorded in the audit trail with the license. */
struct ssp_hsm_ctx {
	const char *serial;		/* chip UID, may be NULL */
	const char *port;		/* USB port path, may be NULL */
	const char *host_tool;		/* e.g. "sspctl provision" */
};

/* Which audit line a license came from (ssp_hsm_license_ex). */
struct ssp_hsm_license_info {
	uint64_t seq;			/* the line written for this call */
	bool reissued;			/* true: the chip's earlier license, not counted */
	uint64_t original_seq;		/* reissued: the license line it repeats */
};

struct ssp_hsm_ops {
	const char *name;
	int (*open)(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e);
	int (*status)(struct ssp_hsm *h, struct ssp_hsm_status *st, struct ssp_err *e);
	/* -EPERM bad certificate (signature, chip id, format), -ENOSPC counter 0. */
	int (*license)(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		       const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		       struct ssp_hsm_license_info *info, struct ssp_err *e);
	void (*close)(struct ssp_hsm *h);
	/* Append to the HSM's audit log, MAC'd when the HSM holds its key. */
	int (*audit_append)(struct ssp_hsm *h, const char *event, json_object *fields,
			    struct ssp_audit_pos *pos, struct ssp_err *e);
	/* ssp_audit_check() with the HSM's MAC key (if opened with PIN) and anchor. */
	int (*audit_check)(struct ssp_hsm *h, struct ssp_audit_check *c, struct ssp_err *e);
	int (*check_payload)(struct ssp_hsm *h, const uint8_t *payload, size_t len,
			     struct ssp_err *e);
	const struct ssp_hsm_guarantee *guarantees;
};

/* Backends; ssp_hsm_open() picks the one named in DIR/hsm.json. */
extern const struct ssp_hsm_ops ssp_hsm_soft_ops;
extern const struct ssp_hsm_ops ssp_hsm_tpm_ops;	/* the software HSM anchored in a TPM */
#define SSP_HSM_META		"hsm.json"

struct ssp_hsm_init {
	enum ssp_series series;
	uint8_t key[SSP_AES_KEY_LEN];
	uint8_t nonce[SSP_NONCE_LEN];
	uint64_t counter;
	const char *st_pub_pem[16];	/* ST keys, index = product-key index; NULL = none */
	uint32_t fsbl_min_version;
	uint32_t kdf_iterations;	/* PBKDF2 rounds for the PIN; 0 = default */
	/*
	 * Anchor the HSM in this host's TPM 2.0 (hsm_tpm.h): the key sealed in
	 * the TPM under the PIN, the budget (counter) enforced by a TPM NV
	 * counter. tpm_tcti: a tpm2-tss TCTI string, NULL or "" = the default.
	 */
	bool tpm;
	const char *tpm_tcti;
};

#define SSP_HSM_PIN_ENV		"SSP_HSM_PIN"
#define SSP_HSM_PIN_MAX		256
#define SSP_HSM_KDF_DEFAULT	600000	/* PBKDF2-HMAC-SHA256 rounds */
#define SSP_HSM_KDF_MIN		100000	/* init refuses fewer (existing HSMs still open) */
#define SSP_HSM_PIN_MIN		8	/* init refuses a shorter PIN */

/*
 * Creates dir (mode 0700) if needed and initialises a software HSM in it;
 * -EEXIST if dir already holds an HSM (never overwritten). Refuses a nonce
 * whose last 4 bytes are not zero.
 */
int ssp_hsm_soft_init(const char *dir, const char *pin, const struct ssp_hsm_init *init,
		      struct ssp_err *e);

/*
 * The PIN from pin_file (first line, without its newline) or, when pin_file
 * is NULL, from $SSP_HSM_PIN. -ENOKEY when neither gives one. Wipe pin after use.
 */
int ssp_hsm_read_pin(const char *pin_file, char pin[SSP_HSM_PIN_MAX], struct ssp_err *e);

/*
 * Open the HSM in dir with the backend recorded there. pin NULL opens it
 * for status only (license then fails with -EACCES). A wrong PIN is -EACCES.
 */
int ssp_hsm_open(const char *dir, const char *pin, struct ssp_hsm **out, struct ssp_err *e);
int ssp_hsm_status(struct ssp_hsm *h, struct ssp_hsm_status *st, struct ssp_err *e);
int ssp_hsm_license(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		    const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		    struct ssp_err *e);
/*
 * ssp_hsm_license() telling which audit line the license came from. A chip
 * whose certificate this HSM already licensed (a retry, a re-run) gets its
 * license again at no cost: a "license-reissue" line naming the original
 * is written instead of a counted "license" line (info->reissued).
 */
int ssp_hsm_license_ex(struct ssp_hsm *h, const uint8_t cert[SSP_CERT_SIZE],
		       const struct ssp_hsm_ctx *ctx, uint8_t license[SSP_LIC_SIZE],
		       struct ssp_hsm_license_info *info, struct ssp_err *e);
/*
 * Before the first chip: the .ssp payload must decrypt under this HSM's key
 * and nonce and be of its series (needs the PIN). -EKEYREJECTED otherwise,
 * -EINVAL for a payload of another series.
 */
int ssp_hsm_check_payload(struct ssp_hsm *h, const uint8_t *payload, size_t len,
			  struct ssp_err *e);
void ssp_hsm_close(struct ssp_hsm *h);
/* The directory's audit log (audit.h), for provisioning results. */
const char *ssp_hsm_dir(struct ssp_hsm *h);
/*
 * Append a record (provisioning results, ...) to the HSM's audit log: MAC'd
 * with the key derived from the OEM key when the HSM was opened with its
 * PIN, so that the OEM can verify it (audit.h).
 */
int ssp_hsm_audit_append(struct ssp_hsm *h, const char *event, json_object *fields,
			 struct ssp_audit_pos *pos, struct ssp_err *e);
/* Check the whole log with the HSM's MAC key (when it has one) and state anchor. */
int ssp_hsm_audit_check(struct ssp_hsm *h, struct ssp_audit_check *c, struct ssp_err *e);
const struct ssp_hsm_guarantee *ssp_hsm_guarantees(const struct ssp_hsm *h);
void ssp_hsm_print_guarantees(FILE *f, const struct ssp_hsm_guarantee *g);

/*
 * Public fingerprint of an OEM key and nonce: hex SHA-256 over a label, key
 * and nonce. It identifies the pair (HSM status, `sspctl secrets build`
 * print it, so operators can match an HSM and a .ssp file) and, the key being
 * 128 random bits, does not reveal it.
 */
void ssp_hsm_fingerprint(const uint8_t key[SSP_AES_KEY_LEN], const uint8_t nonce[SSP_NONCE_LEN],
			 char out[65]);

#endif /* SSP_HSM_H */
