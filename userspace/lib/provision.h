/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * provision: the per-chip SSP stage machine of spec §3.2 and §7.3.
 *
 *   A: load SSP firmware, wait for it, GetPhase "Provisioning", DETACH,
 *      wait for the chip back in ROM (generation + 1)
 *   B: load, wait, GetPhase (certificate ready), read certificate,
 *      HSM license, send license || payload, the chip asks for DETACH,
 *      wait for the reset
 *   C: load, wait for the reset that follows the OTP programming: provisioned
 *
 * ssp_prov_decide() is the whole transition table as a pure function; the
 * runner executes one function per step, each with its own deadline, and
 * asks the table what comes next. A chip found in the SSP firmware (a run
 * left mid-way) is picked up from what its GetPhase says.
 *
 * Chips never wait for each other: the context lock guards only the license
 * budget, and the HSM does its own locking around its (short) license call.
 * Each chip's result is appended to its series' HSM audit log ("provision").
 * Step deadlines of ioctls are enforced with a per-thread timer signal
 * (SIGRTMIN+1, installed without SA_RESTART by ssp_prov_ctx_init()).
 */
#ifndef SSP_PROVISION_H
#define SSP_PROVISION_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

#include "err.h"
#include "hsm.h"
#include "profile.h"

enum ssp_prov_step {
	SSP_STEP_START,		/* open, GET_INFO, reserve a license */
	SSP_STEP_LOAD_FW,
	SSP_STEP_WAIT_FW,	/* the SSP firmware answers (or the chip resets) */
	SSP_STEP_GET_PHASE,
	SSP_STEP_DETACH,
	SSP_STEP_WAIT_RESET,	/* back in ROM, generation + 1 */
	SSP_STEP_READ_CERT,
	SSP_STEP_LICENSE,	/* HSM */
	SSP_STEP_SEND_LICENSE,
	SSP_STEP_END,
	SSP_STEP_COUNT = SSP_STEP_END,
};

enum ssp_prov_result {
	SSP_PROV_PENDING,	/* not started yet */
	SSP_PROV_RUNNING,
	SSP_PROV_PROVISIONED,	/* spec §7.3 */
	SSP_PROV_CLOSED,	/* already provisioned/closed: no license used */
	SSP_PROV_FAILED,
	SSP_PROV_NO_LICENSE,	/* the HSM counter ran out at this chip */
	SSP_PROV_SKIPPED,	/* not started: no license left for its series */
};

/* What a GetPhase reply means to the host. */
enum ssp_phase_kind {
	SSP_PK_PROVISIONING,	/* 0xFF "Provisioning": end of stage A */
	SSP_PK_CERT,		/* stage B: certificate ready (MP15 0x00 / MP13 0xF3) */
	SSP_PK_DETACH_REQ,	/* license taken, the chip asks for DETACH */
	SSP_PK_CLOSED,		/* 0xFF "SSP not supported on closed chip" */
	SSP_PK_ERROR,		/* 0xFF with any other message */
	SSP_PK_UNEXPECTED,	/* anything else */
};

/* Outcome of SSP_STEP_WAIT_FW. */
enum ssp_fw_outcome {
	SSP_FW_ANSWERS,		/* READY in stage FSBL */
	SSP_FW_RESET,		/* back in ROM with a newer generation */
	SSP_FW_NOT_STARTED,	/* still in ROM, same generation */
};

/* Everything ssp_prov_decide() looks at, set by the step that just ran. */
struct ssp_prov_state {
	char stage;			/* 'A', 'B', 'C' */
	enum ssp_prov_step step;	/* the step that just succeeded */
	unsigned int chip_stage;	/* after START: SSP_STAGE_* */
	enum ssp_fw_outcome fw;		/* after WAIT_FW */
	enum ssp_phase_kind phase;	/* after GET_PHASE */
	int detached;			/* after SEND_LICENSE: STM32_SSP_LICENSE_R_DETACHED */
};

struct ssp_prov_next {
	char stage;
	enum ssp_prov_step step;	/* SSP_STEP_END when finished */
	enum ssp_prov_result result;	/* when finished */
	const char *cause;		/* when finished without success */
};

void ssp_prov_decide(const struct ssp_prov_state *s, struct ssp_prov_next *n);

/* Classify a GetPhase reply; msg receives the chip's message, printable. */
enum ssp_phase_kind ssp_prov_classify(enum ssp_series series, const struct stm32_ssp_phase *ph,
				      char *msg, size_t msg_len);

/* Generation and stage mask to wait for after LOAD_FW in a stage. */
void ssp_prov_fw_wait(enum ssp_series series, char stage, unsigned int gen,
		      unsigned int *min_generation, unsigned int *stage_mask);
/* WAIT_FW outcome from the generation before the load and the wait's reply. */
enum ssp_fw_outcome ssp_prov_fw_outcome(unsigned int gen_before, const struct stm32_ssp_wait *w);

/* Transient errors worth a recovery and one more try of the same step. */
int ssp_prov_retryable(int err);

const char *ssp_prov_step_name(enum ssp_prov_step step);	/* "read-cert" */
int ssp_prov_step_parse(const char *name, enum ssp_prov_step *step);
const char *ssp_prov_result_name(enum ssp_prov_result r);	/* "provisioned" */
/* Default deadline of each step, in ms (stage C's wait is stage_c_ms). */
unsigned int ssp_prov_default_timeout(enum ssp_prov_step step);
#define SSP_PROV_STAGE_C_MS	60000

/* One series: its firmware, HSM and .ssp payload, and its license budget. */
struct ssp_prov_series {
	int configured;
	const uint8_t *fw;		/* the caller's buffer, kept until fini */
	size_t fw_len;
	struct ssp_hsm *hsm;		/* thread-safe (hsm.h) */
	char hsm_dir[PATH_MAX];
	uint8_t payload[SSP_PAYLOAD_SIZE_MP15];
	size_t payload_len;
	/* Under ctx->lock: */
	uint64_t remaining;		/* licenses the HSM reported, minus issued */
	unsigned int reserved;		/* chips of this series running */
	int exhausted;			/* the HSM said -ENOSPC */
};

struct ssp_prov_chip;
typedef void (*ssp_prov_progress_fn)(void *arg, const struct ssp_prov_chip *chip);

struct ssp_prov_ctx {
	struct ssp_prov_series series[2];	/* by enum ssp_series */
	unsigned int timeout_ms[SSP_STEP_COUNT];
	unsigned int stage_c_ms;
	unsigned int retries;			/* per step, transient errors */
	const char *host_tool;			/* for the HSM's audit */
	int audit;				/* record results in the HSM dir */
	ssp_prov_progress_fn progress;
	void *progress_arg;
	pthread_mutex_t lock;			/* license budgets */
	pthread_cond_t budget_changed;
};

/* One chip of a run: its identity, where it is, and how it ended. */
struct ssp_prov_chip {
	char arg[256];			/* the device as given */
	char dev[64];			/* "ssp3" */
	char serial[32];
	char port[32];
	unsigned int chip_id;
	int series_known;
	enum ssp_series series;
	unsigned int generation;
	char stage;			/* 'A'.. 'C', '-' before */
	enum ssp_prov_step step;
	enum ssp_prov_result result;
	int license_used;
	uint64_t license_seq;		/* its audit line (license or license-reissue) */
	int license_reissued;		/* licensed before: issued again, not counted */
	int silent;			/* no answer after the SSP firmware started (spec §7.3) */
	unsigned int retries;		/* transient errors recovered */
	char chip_msg[128];		/* the chip's last GetPhase message */
	struct ssp_err err;		/* cause, when not provisioned */
	char audit_err[512];		/* why the audit record is missing, if it is */
	double t_start, t_end;		/* CLOCK_MONOTONIC seconds */
};

/* ctx with defaults; series are added with ssp_prov_add_series(). */
void ssp_prov_ctx_init(struct ssp_prov_ctx *ctx);
/*
 * Takes ownership of hsm (closed on error too); reads its status for the
 * budget; checks that the payload is of the HSM's series. fw is not copied.
 */
int ssp_prov_add_series(struct ssp_prov_ctx *ctx, struct ssp_hsm *hsm, const uint8_t *fw,
			size_t fw_len, const uint8_t *payload, size_t payload_len,
			struct ssp_err *e);
void ssp_prov_ctx_fini(struct ssp_prov_ctx *ctx);

void ssp_prov_chip_init(struct ssp_prov_chip *chip, const char *arg);
/* Runs the whole machine on one chip; the result is in chip. Thread-safe. */
void ssp_provision_chip(struct ssp_prov_ctx *ctx, struct ssp_prov_chip *chip);

/* Monotonic clock in seconds. */
double ssp_prov_now(void);

#endif /* SSP_PROVISION_H */
