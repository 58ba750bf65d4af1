/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPM 2.0 anchoring of the software HSM (Documentation/tpm.rst): secrets
 * sealed to the gang host's TPM under a PIN-derived authValue, so PIN
 * guessing meets the TPM's dictionary-attack (DA) lockout and a copied
 * directory is useless elsewhere; and an NV counter that only grows, for the
 * license budget. tpm2-tss ESYS over a TCTI chosen by string; no tpm2-tools.
 *
 * Sealing, unsealing and defining a counter (commands that carry a secret or
 * the sealing auth) run in one HMAC session salted with the storage primary
 * key (SRK): the PIN-derived auth never crosses the bus, and sealed data and
 * the new NV authValue travel encrypted (AES-128-CFB parameter encryption).
 * The SRK and the session are made on first use and kept until
 * ssp_tpm_close, so a long-lived process pays for them once.
 *
 * The per-license NV increment uses a password session instead (~1 ms
 * against ~5 ms for an HMAC session with tpm2-tss 3.2 / OpenSSL 3), so the
 * counter's authValue is visible to whoever can watch the TPM bus. Callers
 * MUST therefore derive the counter auth and the sealing auth apart (e.g.
 * HKDF of the PIN key with two labels): the counter auth then only allows
 * incrementing, i.e. burning budget, never unsealing.
 *
 * A struct ssp_tpm is for one thread at a time. ssp_tpm_open sets TSS2_LOG
 * (unless already set) to silence tpm2-tss's own stderr logging: call it
 * before starting threads that read the environment.
 *
 * Errors (negative errno, message naming the TCTI, the TPM command, the
 * decoded response code and what to do):
 *   -EINVAL   bad argument (auth not 1..32 bytes, data too long, ...)
 *   -EACCES   wrong auth (TPM_RC_AUTH_FAIL / TPM_RC_BAD_AUTH); the failure
 *             counted against the DA lockout
 *   -EAGAIN   TPM in DA lockout: nothing with a DA-protected auth works, not
 *             even the right one, until lockoutInterval seconds pass per
 *             failure or the lockout hierarchy clears it
 *   -EBADMSG  sealed blob malformed, altered, or made by another TPM
 *   -ENOENT   no NV index at that handle (undefined, or the TPM was cleared)
 *   -ENOSPC   no free NV index in our range, or TPM NV full
 *   -EIO      TPM unreachable or other TPM failure
 *   -ENOMEM, -ERANGE (output buffer too small)
 */
#ifndef SSP_TPM_H
#define SSP_TPM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Used when ssp_tpm_open gets tcti == NULL: the kernel's resource manager. */
#define SSP_TPM_TCTI_DEFAULT	"device:/dev/tpmrm0"

/*
 * Our NV indices: 0x01805500..0x018055FF, in the TCG registry's owner range
 * (0x01800000..0x01BFFFFF; 0x01C0xxxx..0x01C3xxxx are reserved for TPM and
 * platform vendors' certificates and TCG specifications).
 */
#define SSP_TPM_NV_FIRST	0x01805500u
#define SSP_TPM_NV_LAST		0x018055FFu

#define SSP_TPM_AUTH_MAX	32	/* authValue is at most the SHA-256 digest size */
#define SSP_TPM_SEAL_MAX	128	/* MAX_SYM_DATA of the TPM 2.0 library spec */
#define SSP_TPM_BLOB_MAX	1024	/* TPM2B_PUBLIC || TPM2B_PRIVATE, ample */
#define SSP_TPM_NAME_MAX	68	/* TPM2B_NAME payload: hash alg + digest */

struct ssp_tpm;

/*
 * Connect to the TPM through a tpm2-tss TCTI string as tpm2-tools users know
 * it ("device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", "tabrmd", ...);
 * NULL = SSP_TPM_TCTI_DEFAULT. Sends one harmless command (GetCapability) so
 * an unreachable TPM fails here, with -EIO.
 */
int ssp_tpm_open(const char *tcti, struct ssp_tpm **out, struct ssp_err *e);
/* Flush the session and SRK, close the TCTI; NULL is fine. */
void ssp_tpm_close(struct ssp_tpm *t);

/*
 * Seal data (1..SSP_TPM_SEAL_MAX bytes) in a keyedhash object under the SRK
 * (ECC P-256, the TCG provisioning-guidance template, re-created in the owner
 * hierarchy on demand: deterministic, no persistent handle; the owner
 * hierarchy must have an empty authValue, the usual case). The object's
 * authValue is auth (1..SSP_TPM_AUTH_MAX bytes); it is NOT noDA, so every
 * wrong auth counts against the DA lockout. blob gets the marshalled
 * TPM2B_PUBLIC || TPM2B_PRIVATE: opaque, not secret, loadable only on this
 * TPM (while its owner seed is unchanged, i.e. until TPM2_Clear).
 */
int ssp_tpm_seal(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
		 const uint8_t *data, size_t len, uint8_t *blob, size_t blob_max,
		 size_t *blob_len, struct ssp_err *e);

/*
 * Unseal a blob of ssp_tpm_seal into data (data_max >= SSP_TPM_SEAL_MAX is
 * always enough). -EACCES wrong auth, -EAGAIN DA lockout, -EBADMSG blob not
 * ours or not from this TPM. data is wiped on failure.
 */
int ssp_tpm_unseal(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
		   const uint8_t *blob, size_t blob_len, uint8_t *data, size_t data_max,
		   size_t *len, struct ssp_err *e);

/* ssp_tpm_counter_define flags. */
enum {
	/*
	 * TPMA_NV_ORDERLY: the TPM keeps the count in RAM and writes NV only
	 * now and then (orderly shutdown, or when the low bits wrap), sparing
	 * NV wear and time. After a power loss without TPM2_Shutdown the
	 * counter jumps FORWARD past any value it may have had (the TPM spec
	 * guarantees it never goes back), so a crash costs licenses, never
	 * makes any. Without it every increment is an NV write.
	 */
	SSP_TPM_COUNTER_ORDERLY = 1 << 0,
};

/*
 * Define a monotonic NV counter (TPM2_NT_COUNTER) at the first free index of
 * SSP_TPM_NV_FIRST..SSP_TPM_NV_LAST, increment it once (a counter cannot be
 * read before its first increment) and return the index and that first
 * value. Attributes: AUTHWRITE with authValue = auth (only the PIN holder
 * counts; wrong auth counts against the DA lockout), OWNERREAD so that
 * status reads it without the PIN (owner auth empty), AUTHREAD so a PIN
 * holder reads it even when the owner hierarchy has a password.
 *
 * A new counter starts at the highest value any deleted counter of this TPM
 * ever had, so undefining and redefining the index can never roll the count
 * back. The index's name (ssp_tpm_counter_name) covers its attributes, so a
 * caller that binds the name notices an index re-created as something else
 * (e.g. an ordinary index whose value anyone can write).
 */
int ssp_tpm_counter_define(struct ssp_tpm *t, const uint8_t *auth, size_t auth_len,
			   unsigned int flags, uint32_t *index, uint64_t *first,
			   struct ssp_err *e);

/*
 * Read a counter with the owner hierarchy's (empty) auth: no PIN needed.
 * Like every reply outside an HMAC session, not authenticated against an
 * interposer on the TPM bus (out of scope, Documentation/tpm.rst).
 */
int ssp_tpm_counter_read(struct ssp_tpm *t, uint32_t index, uint64_t *value,
			 struct ssp_err *e);

/*
 * Increment by one under auth (password session, see above), then read the
 * new value back with the same auth (AUTHREAD). value_after may be NULL to
 * skip the read. -EACCES wrong auth (value unchanged), -EAGAIN DA lockout. If the
 * increment succeeded but the read-back failed, *value_after is UINT64_MAX
 * and the error is returned: the count has moved.
 */
int ssp_tpm_counter_increment(struct ssp_tpm *t, uint32_t index, const uint8_t *auth,
			      size_t auth_len, uint64_t *value_after, struct ssp_err *e);

/*
 * The index's name as the TPM reports it: nameAlg (2 bytes, big-endian) ||
 * SHA-256 of its public area (index, attributes incl. type and WRITTEN,
 * policy, size). Not the authValue.
 */
int ssp_tpm_counter_name(struct ssp_tpm *t, uint32_t index, uint8_t *name, size_t max,
			 size_t *len, struct ssp_err *e);

/* Delete the index with the owner's (empty) auth (tests, `hsm destroy`). */
int ssp_tpm_counter_undefine(struct ssp_tpm *t, uint32_t index, struct ssp_err *e);

/* The DA state, for messages and `hsm status`. */
struct ssp_tpm_da {
	uint32_t failures;		/* TPM2_PT_LOCKOUT_COUNTER */
	uint32_t max_tries;		/* TPM2_PT_MAX_AUTH_FAIL: locked out when failures >= this */
	uint32_t interval_s;		/* one failure forgotten every interval_s seconds */
	uint32_t lockout_recovery_s;	/* after a failed lockout-auth attempt */
};
int ssp_tpm_da_status(struct ssp_tpm *t, struct ssp_tpm_da *da, struct ssp_err *e);

/* The TCTI string in use (for the caller's messages). */
const char *ssp_tpm_tcti(const struct ssp_tpm *t);

#endif /* SSP_TPM_H */
