// SPDX-License-Identifier: GPL-2.0-only
/* The per-chip SSP stage machine (provision.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "crypto.h"
#include "dev.h"
#include "formats.h"
#include "provision.h"
#include "stm32_image.h"

#define STAGE_BIT(s)	(1u << (s))
#define ADDR_NONE	0xFFFFFFFFu
#define PHASE_CERT_MP15	0x00
#define PHASE_CERT_MP13	STM32_SSP_PHASE_SSP

static const char *const step_names[] = {
	[SSP_STEP_START] = "start",
	[SSP_STEP_LOAD_FW] = "load-fw",
	[SSP_STEP_WAIT_FW] = "wait-fw",
	[SSP_STEP_GET_PHASE] = "get-phase",
	[SSP_STEP_DETACH] = "detach",
	[SSP_STEP_WAIT_RESET] = "wait-reset",
	[SSP_STEP_READ_CERT] = "read-cert",
	[SSP_STEP_LICENSE] = "license",
	[SSP_STEP_SEND_LICENSE] = "send-license",
	[SSP_STEP_END] = "end",
};

/* ms; ioctl steps are also bounded by the driver's own USB timeouts. */
static const unsigned int default_timeout[SSP_STEP_COUNT] = {
	[SSP_STEP_START] = 10000,
	[SSP_STEP_LOAD_FW] = 60000,
	[SSP_STEP_WAIT_FW] = 30000,
	[SSP_STEP_GET_PHASE] = 10000,
	[SSP_STEP_DETACH] = 10000,
	[SSP_STEP_WAIT_RESET] = 30000,
	[SSP_STEP_READ_CERT] = 10000,
	[SSP_STEP_LICENSE] = 30000,
	[SSP_STEP_SEND_LICENSE] = 20000,
};

const char *ssp_prov_step_name(enum ssp_prov_step step)
{
	return step <= SSP_STEP_END ? step_names[step] : "?";
}

int ssp_prov_step_parse(const char *name, enum ssp_prov_step *step)
{
	for (int i = 0; i < SSP_STEP_COUNT; i++) {
		if (strcmp(name, step_names[i]) == 0) {
			*step = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ssp_prov_result_name(enum ssp_prov_result r)
{
	switch (r) {
	case SSP_PROV_PENDING:
		return "pending";
	case SSP_PROV_RUNNING:
		return "running";
	case SSP_PROV_PROVISIONED:
		return "provisioned";
	case SSP_PROV_CLOSED:
		return "already-provisioned";
	case SSP_PROV_FAILED:
		return "failed";
	case SSP_PROV_NO_LICENSE:
		return "no-license";
	case SSP_PROV_SKIPPED:
		return "not-started";
	}
	return "?";
}

unsigned int ssp_prov_default_timeout(enum ssp_prov_step step)
{
	return step < SSP_STEP_COUNT ? default_timeout[step] : 0;
}

double ssp_prov_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- The decisions: pure functions, unit-tested on the host. ---- */

enum ssp_phase_kind ssp_prov_classify(enum ssp_series series, const struct stm32_ssp_phase *ph,
				      char *msg, size_t msg_len)
{
	unsigned int cert_phase = series == SSP_SERIES_MP13 ? PHASE_CERT_MP13 : PHASE_CERT_MP15;
	size_t n = 0, len = ph->reply_len;

	msg[0] = '\0';
	if (ph->phase == STM32_SSP_PHASE_RESET) {
		if (len > STM32_SSP_PHASE_REPLY_MAX)
			len = STM32_SSP_PHASE_REPLY_MAX;
		/* The message is reply[9..len); keep it printable for logs and JSON. */
		for (size_t i = 9; i < len && n + 1 < msg_len; i++) {
			unsigned char c = ph->reply[i];

			if (c == '\n' || c == '\r' || c == '\0')
				continue;
			msg[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		}
		msg[n] = '\0';
		if (strcmp(msg, "Provisioning") == 0)
			return SSP_PK_PROVISIONING;
		if (strstr(msg, "closed chip"))
			return SSP_PK_CLOSED;
		return SSP_PK_ERROR;
	}
	if (ph->phase == 0x00 && ph->address == ADDR_NONE &&
	    (ph->result & STM32_SSP_PHASE_R_DETACH_REQ))
		return SSP_PK_DETACH_REQ;
	if (ph->phase == cert_phase && ph->address != ADDR_NONE)
		return SSP_PK_CERT;
	snprintf(msg, msg_len, "phase 0x%02X, address 0x%08X", ph->phase, ph->address);
	return SSP_PK_UNEXPECTED;
}

void ssp_prov_fw_wait(enum ssp_series series, char stage, unsigned int gen,
		      unsigned int *min_generation, unsigned int *stage_mask)
{
	if (stage == 'C') {
		/* No USB in stage C: only the reset after OTP programming shows. */
		*min_generation = gen + 1;
		*stage_mask = STAGE_BIT(STM32_SSP_STAGE_ROM);
		return;
	}
	/* MP15 starts the image on the same device, MP13 re-enumerates. */
	*min_generation = series == SSP_SERIES_MP13 ? gen + 1 : gen;
	*stage_mask = STAGE_BIT(STM32_SSP_STAGE_FSBL) | STAGE_BIT(STM32_SSP_STAGE_ROM);
}

enum ssp_fw_outcome ssp_prov_fw_outcome(unsigned int gen_before, const struct stm32_ssp_wait *w)
{
	if (w->stage == STM32_SSP_STAGE_FSBL)
		return SSP_FW_ANSWERS;
	return w->generation > gen_before ? SSP_FW_RESET : SSP_FW_NOT_STARTED;
}

int ssp_prov_retryable(int err)
{
	switch (-err) {
	case EIO:
	case EPIPE:
	case EPROTO:
	case ETIMEDOUT:
		return 1;
	default:
		return 0;
	}
}

static void go(struct ssp_prov_next *n, char stage, enum ssp_prov_step step)
{
	n->stage = stage;
	n->step = step;
	n->result = SSP_PROV_RUNNING;
	n->cause = NULL;
}

static void finish(struct ssp_prov_next *n, enum ssp_prov_result result, const char *cause)
{
	n->step = SSP_STEP_END;
	n->result = result;
	n->cause = cause;
}

static void decide_phase(const struct ssp_prov_state *s, struct ssp_prov_next *n)
{
	switch (s->phase) {
	case SSP_PK_CLOSED:
		finish(n, SSP_PROV_CLOSED, NULL);
		return;
	case SSP_PK_PROVISIONING:
		if (s->stage == 'A')
			go(n, 'A', SSP_STEP_DETACH);
		else
			finish(n, SSP_PROV_FAILED,
			       "the SSP firmware started stage A again: SSP_REQ did not stick");
		return;
	case SSP_PK_CERT:
		/* From stage A too: a chip left after stage A by an earlier run. */
		go(n, 'B', SSP_STEP_READ_CERT);
		return;
	case SSP_PK_DETACH_REQ:
		/* Only when picking up a chip whose license an earlier run sent. */
		if (s->stage == 'A')
			go(n, 'B', SSP_STEP_DETACH);
		else
			finish(n, SSP_PROV_FAILED,
			       "the SSP firmware asks for DETACH before it got a license");
		return;
	case SSP_PK_ERROR:
		finish(n, SSP_PROV_FAILED, "the SSP firmware reported an error");
		return;
	case SSP_PK_UNEXPECTED:
		break;
	}
	finish(n, SSP_PROV_FAILED, "unexpected GetPhase reply");
}

void ssp_prov_decide(const struct ssp_prov_state *s, struct ssp_prov_next *n)
{
	go(n, s->stage, SSP_STEP_END);
	switch (s->step) {
	case SSP_STEP_START:
		if (s->chip_stage == STM32_SSP_STAGE_ROM)
			go(n, 'A', SSP_STEP_LOAD_FW);
		else if (s->chip_stage == STM32_SSP_STAGE_FSBL)
			go(n, 'A', SSP_STEP_GET_PHASE);	/* left mid-run: ask it */
		else
			finish(n, SSP_PROV_FAILED, "the chip is neither in ROM nor in a boot loader");
		return;
	case SSP_STEP_LOAD_FW:
		go(n, s->stage, SSP_STEP_WAIT_FW);
		return;
	case SSP_STEP_WAIT_FW:
		if (s->stage == 'C') {
			if (s->fw == SSP_FW_RESET)
				finish(n, SSP_PROV_PROVISIONED, NULL);
			else
				finish(n, SSP_PROV_FAILED,
				       "the chip did not reset after stage C's firmware load");
		} else if (s->fw == SSP_FW_ANSWERS) {
			go(n, s->stage, SSP_STEP_GET_PHASE);
		} else if (s->fw == SSP_FW_RESET) {
			finish(n, SSP_PROV_FAILED,
			       "the chip came back in ROM without the SSP firmware answering: the ROM rejected the image, or the chip ran a stage C left by an earlier run (run again to see which)");
		} else {
			finish(n, SSP_PROV_FAILED,
			       "the ROM did not start the SSP firmware (is it a signed TF-A SSP image for this chip?)");
		}
		return;
	case SSP_STEP_GET_PHASE:
		decide_phase(s, n);
		return;
	case SSP_STEP_DETACH:
		go(n, s->stage, SSP_STEP_WAIT_RESET);
		return;
	case SSP_STEP_WAIT_RESET:
		if (s->stage == 'A')
			go(n, 'B', SSP_STEP_LOAD_FW);
		else if (s->stage == 'B')
			go(n, 'C', SSP_STEP_LOAD_FW);
		else
			finish(n, SSP_PROV_FAILED, "internal: reset wait outside stages A and B");
		return;
	case SSP_STEP_READ_CERT:
		go(n, 'B', SSP_STEP_LICENSE);
		return;
	case SSP_STEP_LICENSE:
		go(n, 'B', SSP_STEP_SEND_LICENSE);
		return;
	case SSP_STEP_SEND_LICENSE:
		if (s->detached)
			go(n, 'B', SSP_STEP_WAIT_RESET);
		else
			finish(n, SSP_PROV_FAILED,
			       "the chip took the license but did not ask for DETACH: it rejected the license or the secrets");
		return;
	case SSP_STEP_END:
		break;
	}
	finish(n, SSP_PROV_FAILED, "internal: no step after the end");
}

/* ---- Context and license budget ---- */

#define DEADLINE_SIG	(SIGRTMIN + 1)

static void on_deadline(int sig)
{
	(void)sig;	/* only there to interrupt a blocking ioctl */
}

static pthread_once_t deadline_once = PTHREAD_ONCE_INIT;

static void install_deadline_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_deadline;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the ioctl must return EINTR */
	sigaction(DEADLINE_SIG, &sa, NULL);
}

void ssp_prov_ctx_init(struct ssp_prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	for (int i = 0; i < SSP_STEP_COUNT; i++)
		ctx->timeout_ms[i] = default_timeout[i];
	ctx->stage_c_ms = SSP_PROV_STAGE_C_MS;
	ctx->retries = 2;
	ctx->host_tool = "sspctl provision";
	ctx->audit = 1;
	pthread_mutex_init(&ctx->lock, NULL);
	pthread_cond_init(&ctx->budget_changed, NULL);
	pthread_once(&deadline_once, install_deadline_handler);
}

int ssp_prov_add_series(struct ssp_prov_ctx *ctx, struct ssp_hsm *hsm, const uint8_t *fw,
			size_t fw_len, const uint8_t *payload, size_t payload_len,
			struct ssp_err *e)
{
	struct ssp_hsm_status st;
	enum ssp_series ps;
	struct ssp_prov_series *s;
	char hsm_dir[PATH_MAX];	/* a copy: messages name it after the handle is closed */
	int ret;

	snprintf(hsm_dir, sizeof(hsm_dir), "%s", ssp_hsm_dir(hsm));
	ret = ssp_hsm_status(hsm, &st, e);
	if (ret) {
		ssp_hsm_close(hsm);
		return ret;
	}
	if (ssp_payload_series(payload_len, &ps) || ps != st.series) {
		ssp_hsm_close(hsm);
		return ssp_errf(e, -EINVAL,
				"HSM %s is for %s but no secrets file of %zu bytes is for that series: give one --secrets per --hsm, of the same series",
				hsm_dir, ssp_series_name(st.series), payload_len);
	}
	/* Before the first chip: a payload of another key would waste every license. */
	ret = ssp_hsm_check_payload(hsm, payload, payload_len, e);
	if (ret) {
		ssp_hsm_close(hsm);
		return ret;
	}
	s = &ctx->series[st.series];
	if (s->configured) {
		ssp_hsm_close(hsm);
		return ssp_errf(e, -EEXIST, "two HSMs for %s (%s and %s): give one per series",
				ssp_series_name(st.series), s->hsm_dir, hsm_dir);
	}
	if (!fw || !fw_len) {
		ssp_hsm_close(hsm);
		return ssp_errf(e, -EINVAL, "no SSP firmware for %s chips", ssp_series_name(st.series));
	}
	s->configured = 1;
	s->fw = fw;
	s->fw_len = fw_len;
	s->hsm = hsm;
	snprintf(s->hsm_dir, sizeof(s->hsm_dir), "%s", hsm_dir);
	memcpy(s->payload, payload, payload_len);
	s->payload_len = payload_len;
	s->remaining = st.remaining;
	return 0;
}

void ssp_prov_ctx_fini(struct ssp_prov_ctx *ctx)
{
	for (int i = 0; i < 2; i++) {
		struct ssp_prov_series *s = &ctx->series[i];

		if (s->configured)
			ssp_hsm_close(s->hsm);
		ssp_wipe(s->payload, sizeof(s->payload));
	}
	pthread_cond_destroy(&ctx->budget_changed);
	pthread_mutex_destroy(&ctx->lock);
}

/*
 * A chip starts only when its series has a license for it beyond those the
 * running chips may take; otherwise it waits for one of them to finish, or,
 * when none runs, is left untouched.
 */
static int budget_reserve(struct ssp_prov_ctx *ctx, struct ssp_prov_series *s)
{
	int ret = 0;

	pthread_mutex_lock(&ctx->lock);
	while (!s->exhausted && s->remaining <= s->reserved && s->reserved > 0)
		pthread_cond_wait(&ctx->budget_changed, &ctx->lock);
	if (s->exhausted || s->remaining <= s->reserved)
		ret = -ENOSPC;
	else
		s->reserved++;
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

static void budget_release(struct ssp_prov_ctx *ctx, struct ssp_prov_series *s)
{
	pthread_mutex_lock(&ctx->lock);
	s->reserved--;
	pthread_cond_broadcast(&ctx->budget_changed);
	pthread_mutex_unlock(&ctx->lock);
}

static void budget_used(struct ssp_prov_ctx *ctx, struct ssp_prov_series *s, int exhausted)
{
	pthread_mutex_lock(&ctx->lock);
	if (exhausted) {
		s->exhausted = 1;
		s->remaining = 0;
	} else if (s->remaining > 0) {
		s->remaining--;
	}
	pthread_cond_broadcast(&ctx->budget_changed);
	pthread_mutex_unlock(&ctx->lock);
}

/* ---- One chip ---- */

struct run {
	struct ssp_prov_ctx *ctx;
	struct ssp_prov_chip *chip;
	struct ssp_prov_series *ser;
	struct ssp_dev dev;
	struct ssp_prov_state st;
	unsigned int gen;		/* generation of the last READY seen */
	int reserved;
	struct stm32_ssp_cert cert;
	uint8_t blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15];
	size_t blob_len;
	timer_t timer;
	int have_timer;
	unsigned int dfu_status_before;	/* bStatus the last DFU recovery found */
};

static void report(struct run *r)
{
	if (r->ctx->progress)
		r->ctx->progress(r->ctx->progress_arg, r->chip);
}

static int step_start(struct run *r)
{
	struct ssp_prov_chip *c = r->chip;
	struct stm32_ssp_info info;
	struct stm32_ssp_wait w;
	int ret;

	ret = ssp_dev_open(c->arg, 1, &r->dev, &c->err);
	if (ret)
		return ret;
	snprintf(c->dev, sizeof(c->dev), "%s", r->dev.name);
	ret = ssp_dev_info(&r->dev, &info, &c->err);
	if (ret)
		return ret;
	snprintf(c->serial, sizeof(c->serial), "%s", info.serial);
	snprintf(c->port, sizeof(c->port), "%s", info.port_path);
	c->chip_id = info.chip_id;
	c->generation = info.generation;
	r->gen = info.generation;
	report(r);
	/* Spec §7.4: identified, never provisioned; refused before any license is reserved. */
	if (info.chip_id == STM32_SSP_CHIP_MP25)
		return ssp_errf(&c->err, -EOPNOTSUPP,
				"%s chip (id 0x%03X): MP25 SSP exchange is not public; this chip is identified but not provisioned (chip untouched, no license used)",
				ssp_chip_name(info.chip_id), info.chip_id);
	if (ssp_series_of_chip(info.chip_id, &c->series))
		return ssp_errf(&c->err, -EOPNOTSUPP, "%s chip (id 0x%03X): SSP runs only on STM32MP15 and STM32MP13",
				ssp_chip_name(info.chip_id), info.chip_id);
	c->series_known = 1;
	r->ser = &r->ctx->series[c->series];
	if (!r->ser->configured)
		return ssp_errf(&c->err, -ENOKEY, "no --hsm/--secrets given for %s chips",
				ssp_series_name(c->series));
	if (info.state != STM32_SSP_STATE_READY) {
		/* Booting or between two enumerations: let it settle first. */
		ret = ssp_dev_wait(&r->dev, r->ctx->timeout_ms[SSP_STEP_START], info.generation,
				   0, &w, &c->err);
		if (ret)
			return ret;
		info.stage = w.stage;
		r->gen = c->generation = w.generation;
	}
	r->st.chip_stage = info.stage;
	ret = budget_reserve(r->ctx, r->ser);
	if (ret)
		return ssp_errf(&c->err, -ENOSPC, "not started, chip untouched: no license left in HSM %s for %s",
				r->ser->hsm_dir, ssp_series_name(c->series));
	r->reserved = 1;
	return 0;
}

static int step_load_fw(struct run *r)
{
	return ssp_dev_load_fw(&r->dev, r->ser->fw, r->ser->fw_len, STM32_SSP_PHASE_FSBL,
			       &r->chip->err);
}

static int wait_for(struct run *r, unsigned int timeout, unsigned int min_gen,
		    unsigned int mask, struct stm32_ssp_wait *w)
{
	int ret = ssp_dev_wait(&r->dev, timeout, min_gen, mask, w, &r->chip->err);

	if (!ret)
		r->gen = r->chip->generation = w->generation;
	return ret;
}

static int step_wait_fw(struct run *r)
{
	unsigned int min_gen, mask, before = r->gen;
	unsigned int timeout = r->st.stage == 'C' ? r->ctx->stage_c_ms :
			       r->ctx->timeout_ms[SSP_STEP_WAIT_FW];
	struct stm32_ssp_wait w;
	int ret;

	ssp_prov_fw_wait(r->chip->series, r->st.stage, r->gen, &min_gen, &mask);
	ret = wait_for(r, timeout, min_gen, mask, &w);
	if (ret)
		return ret;
	r->st.fw = ssp_prov_fw_outcome(before, &w);
	return 0;
}

static int step_get_phase(struct run *r)
{
	struct stm32_ssp_phase ph;
	int ret;

	ret = ssp_dev_get_phase(&r->dev, &ph, &r->chip->err);
	if (ret)
		return ret;
	r->st.phase = ssp_prov_classify(r->chip->series, &ph, r->chip->chip_msg,
					sizeof(r->chip->chip_msg));
	return 0;
}

static int step_detach(struct run *r)
{
	return ssp_dev_detach(&r->dev, &r->chip->err);
}

static int step_wait_reset(struct run *r)
{
	struct stm32_ssp_wait w;

	return wait_for(r, r->ctx->timeout_ms[SSP_STEP_WAIT_RESET], r->gen + 1,
			STAGE_BIT(STM32_SSP_STAGE_ROM), &w);
}

static int step_read_cert(struct run *r)
{
	return ssp_dev_read_cert(&r->dev, &r->cert, &r->chip->err);
}

static int step_license(struct run *r)
{
	struct ssp_prov_chip *c = r->chip;
	struct ssp_hsm_ctx hctx = {
		.serial = c->serial, .port = c->port, .host_tool = r->ctx->host_tool,
	};
	struct ssp_hsm_license_info li;
	int ret;

	ret = ssp_hsm_license_ex(r->ser->hsm, r->cert.cert, &hctx, r->blob, &li, &c->err);
	if (ret == -ENOSPC) {
		budget_used(r->ctx, r->ser, 1);
		return ssp_errf(&c->err, -ENOSPC, "no license left in HSM %s (%s)",
				r->ser->hsm_dir, ssp_series_name(c->series));
	}
	if (ret)
		return ret;	/* the HSM's message names itself and the cause */
	c->license_used = 1;
	c->license_seq = li.seq;
	c->license_reissued = li.reissued;
	/* A re-issue (a retry of this very chip) costs nothing from the budget. */
	if (!li.reissued)
		budget_used(r->ctx, r->ser, 0);
	memcpy(r->blob + SSP_LIC_SIZE, r->ser->payload, r->ser->payload_len);
	r->blob_len = SSP_LIC_SIZE + r->ser->payload_len;
	return 0;
}

static int step_send_license(struct run *r)
{
	struct stm32_ssp_license lic;
	int ret;

	ret = ssp_dev_send_license(&r->dev, r->blob, r->blob_len, 0, &lic, &r->chip->err);
	if (ret)
		return ret;
	r->st.detached = !!(lic.result & STM32_SSP_LICENSE_R_DETACHED);
	if (!r->st.detached)
		snprintf(r->chip->chip_msg, sizeof(r->chip->chip_msg),
			 "phase 0x%02X, address 0x%08X after the license", lic.phase, lic.address);
	return 0;
}

typedef int (*step_fn)(struct run *r);

static const step_fn steps[SSP_STEP_COUNT] = {
	[SSP_STEP_START] = step_start,
	[SSP_STEP_LOAD_FW] = step_load_fw,
	[SSP_STEP_WAIT_FW] = step_wait_fw,
	[SSP_STEP_GET_PHASE] = step_get_phase,
	[SSP_STEP_DETACH] = step_detach,
	[SSP_STEP_WAIT_RESET] = step_wait_reset,
	[SSP_STEP_READ_CERT] = step_read_cert,
	[SSP_STEP_LICENSE] = step_license,
	[SSP_STEP_SEND_LICENSE] = step_send_license,
};

/* Steps that can be repeated after a DFU recovery without harm. */
static int step_repeatable(enum ssp_prov_step step)
{
	return step == SSP_STEP_LOAD_FW || step == SSP_STEP_GET_PHASE ||
	       step == SSP_STEP_READ_CERT || step == SSP_STEP_SEND_LICENSE;
}

static unsigned int step_deadline(struct run *r, enum ssp_prov_step step)
{
	/* Waits carry their own timeout to the driver; the deadline is a backstop. */
	if (step == SSP_STEP_WAIT_FW && r->st.stage == 'C')
		return r->ctx->stage_c_ms + 5000;
	if (step == SSP_STEP_WAIT_FW || step == SSP_STEP_WAIT_RESET ||
	    step == SSP_STEP_START)
		return r->ctx->timeout_ms[step] + 5000;
	return r->ctx->timeout_ms[step];
}

static void deadline_arm(struct run *r, unsigned int ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
		/* Again every 500 ms, in case the first signal came before the ioctl slept. */
		.it_interval = { .tv_sec = 0, .tv_nsec = 500000000L },
	};

	if (r->have_timer && ms)
		timer_settime(r->timer, 0, &its, NULL);
}

static void deadline_disarm(struct run *r)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (r->have_timer)
		timer_settime(r->timer, 0, &off, NULL);
}

/* Before repeating a step: same chip, same enumeration, DFU back to idle. */
static int recover_for_retry(struct run *r)
{
	struct stm32_ssp_recover rec;
	struct stm32_ssp_info info;
	struct ssp_err e2;

	if (ssp_dev_info(&r->dev, &info, &e2) || info.state != STM32_SSP_STATE_READY ||
	    info.generation != r->gen)
		return -1;
	if (ssp_dev_recover(&r->dev, &rec, &e2))
		return -1;
	r->dfu_status_before = rec.status_before;
	return 0;
}

/*
 * How the ROM refuses an image whose authentication fails (a closed chip,
 * spec §7.2): dfuERROR with errVERIFY after the zero-length DNLOAD. INFERRED,
 * like sspsim's ROM_AUTH_REFUSED: change both together.
 */
#define ROM_AUTH_REFUSED	0x07	/* errVERIFY */

static void hex32(const uint8_t h[SSP_HASH_LEN], char out[2 * SSP_HASH_LEN + 1])
{
	for (size_t i = 0; i < SSP_HASH_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The ROM refused the SSP firmware: name the header's key and the likely cause. */
static int rom_refused(struct run *r)
{
	const struct ssp_prov_series *s = r->ser;
	struct ssp_stm32_info info;
	uint8_t h[SSP_HASH_LEN];
	char key[128], hex[2 * SSP_HASH_LEN + 1];
	const char *cause, *who;
	int stage_c = r->st.stage == 'C';

	if (ssp_stm32_image_parse(s->fw, s->fw_len, &info)) {
		snprintf(key, sizeof(key), "an unreadable header");
	} else if (info.header_version == SSP_STM32_HV_1_0) {
		ssp_sha256(info.pub, SSP_PUB_LEN, h);
		hex32(h, hex);
		snprintf(key, sizeof(key), "header key PKH %s", hex);
	} else if (!info.has_auth) {
		snprintf(key, sizeof(key), "no key (unsigned v2 image)");
	} else if (ssp_stm32_image_pkhth(&info, h)) {
		snprintf(key, sizeof(key), "signing key %u of %u, not the table's entry there",
			 info.auth.pk_idx, info.auth.nb_pk);
	} else {
		hex32(h, hex);
		snprintf(key, sizeof(key), "signing key %u of %u, table PKHTH %s",
			 info.auth.pk_idx, info.auth.nb_pk, hex);
	}
	if (ssp_stm32_image_verify(s->fw, &info))
		cause = "bad signature (it does not verify): sign the image again";
	else if (stage_c)
		cause = "the image's key is not the OEM key of the secrets file: build both for the same key";
	else
		cause = "the chip is most likely closed with another key (its OTP key hash is not the image's): use the firmware signed with its key (see sspctl fw info)";
	/* Stage C's check of the image against the payload's OEM key is INFERRED (spec §3.2 C1). */
	who = stage_c ? "stage C checks it against the secrets' OEM key" :
			"which only a closed chip enforces";
	return ssp_errf(&r->chip->err, -EKEYREJECTED,
			"the ROM refused the %s SSP firmware (errVERIFY: authentication failed, %s), image %s: %s; %s",
			ssp_series_name(r->chip->series), who, key, cause,
			r->chip->license_used ? "its license is spent" : "no license used");
}

static int run_step(struct run *r, enum ssp_prov_step step)
{
	unsigned int deadline = step_deadline(r, step);
	double t0;
	int ret, rec;

	for (unsigned int attempt = 0;; attempt++) {
		t0 = ssp_prov_now();
		deadline_arm(r, deadline);
		ret = steps[step](r);
		deadline_disarm(r);
		if (ret == -EINTR && (ssp_prov_now() - t0) * 1000 >= deadline)
			ret = ssp_errf(&r->chip->err, -ETIMEDOUT,
				       "%s: no answer within the step's deadline of %u ms",
				       r->dev.name, deadline);
		if (!ret || !step_repeatable(step) || !ssp_prov_retryable(ret))
			return ret;
		/*
		 * Out of retries, a load-fw failure is still recovered once: the
		 * status it reads tells a ROM refusal from any other failure,
		 * whatever --retries says (the chip is left in dfuIDLE).
		 */
		if (attempt >= r->ctx->retries && step != SSP_STEP_LOAD_FW)
			return ret;
		/* The recovery talks to the chip too: same deadline. */
		deadline_arm(r, deadline);
		rec = recover_for_retry(r);
		deadline_disarm(r);
		if (rec)
			return ret;
		/* A refusal by the ROM's authentication does not change on a retry. */
		if (step == SSP_STEP_LOAD_FW && r->dfu_status_before == ROM_AUTH_REFUSED)
			return rom_refused(r);
		if (attempt >= r->ctx->retries)
			return ret;
		r->chip->retries++;
	}
}

void ssp_prov_chip_init(struct ssp_prov_chip *chip, const char *arg)
{
	memset(chip, 0, sizeof(*chip));
	snprintf(chip->arg, sizeof(chip->arg), "%s", arg);
	chip->stage = '-';
	chip->step = SSP_STEP_START;
	chip->result = SSP_PROV_PENDING;
}

/* "ssp3: GetPhase failed" -> "GetPhase failed": the prefix names the device. */
static void drop_dev_prefix(struct ssp_prov_chip *c)
{
	size_t n = strlen(c->dev);

	if (n && strncmp(c->err.msg, c->dev, n) == 0 && c->err.msg[n] == ':' &&
	    c->err.msg[n + 1] == ' ')
		memmove(c->err.msg, c->err.msg + n + 2, strlen(c->err.msg + n + 2) + 1);
}

static void name_failure(struct ssp_prov_chip *c)
{
	drop_dev_prefix(c);
	ssp_err_prefix(&c->err, "%s (serial %s, port %s) stage %c, %s",
		       c->dev[0] ? c->dev : c->arg, c->serial[0] ? c->serial : "?",
		       c->port[0] ? c->port : "?", c->stage, ssp_prov_step_name(c->step));
}

/*
 * Spec §7.3: TF-A SSP on a closed chip panics before it starts USB, so after
 * the ROM took the image the host sees nothing: MP15 never answers on the
 * same device (the driver gives up on it: stage unknown), MP13 never
 * re-enumerates after the DETACH. Nothing tells that from a hung chip. It
 * happens in stage A, before any license, and a retry would only repeat it.
 */
static int went_silent(const struct run *r, enum ssp_prov_step step, int ret)
{
	const struct ssp_prov_chip *c = r->chip;

	if (c->license_used || r->st.stage != 'A')
		return 0;
	if (step == SSP_STEP_START)	/* a chip left silent by an earlier run */
		return !ret && r->st.chip_stage == STM32_SSP_STAGE_UNKNOWN;
	return step == SSP_STEP_WAIT_FW &&
	       (ret == -ETIMEDOUT || (ret == -ENODEV && c->series == SSP_SERIES_MP13));
}

static void report_silent(struct ssp_prov_chip *c)
{
	c->silent = 1;
	c->result = SSP_PROV_FAILED;
	ssp_errf(&c->err, -ETIMEDOUT,
		 "no answer after the SSP firmware started: already closed (TF-A SSP stops silently on a closed chip) or hung; no license used, not retried (a closed chip prints \"SSP not supported on closed chip\" on its UART console: check it, or power-cycle the board to try again)");
	name_failure(c);
}

static void create_timer(struct run *r)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = DEADLINE_SIG;
	sev._sigev_un._tid = gettid();
	r->have_timer = timer_create(CLOCK_MONOTONIC, &sev, &r->timer) == 0;
}

static void add_str(json_object *o, const char *key, const char *val)
{
	if (val && *val)
		json_object_object_add(o, key, json_object_new_string(val));
}

/* The chip's result in its series' HSM audit log. */
static void record_result(struct run *r)
{
	struct ssp_prov_chip *c = r->chip;
	struct ssp_err e2 = { 0 };
	char stage[2] = { c->stage, 0 };
	json_object *f;

	if (!r->ctx->audit || !r->ser)
		return;
	f = json_object_new_object();
	if (!f) {
		snprintf(c->audit_err, sizeof(c->audit_err), "out of memory");
		return;
	}
	add_str(f, "serial", c->serial);
	add_str(f, "port", c->port);
	add_str(f, "dev", c->dev);
	add_str(f, "series", ssp_series_name(c->series));
	add_str(f, "result", ssp_prov_result_name(c->result));
	add_str(f, "stage", stage);
	add_str(f, "step", ssp_prov_step_name(c->step));
	if (c->result != SSP_PROV_PROVISIONED && c->result != SSP_PROV_CLOSED)
		add_str(f, "cause", c->err.msg);
	add_str(f, "chip_message", c->chip_msg);
	json_object_object_add(f, "license_used", json_object_new_boolean(c->license_used));
	/* Which audit line the chip's license is: the OEM can tie both records. */
	if (c->license_seq) {
		json_object_object_add(f, "license_seq", json_object_new_int64(c->license_seq));
		json_object_object_add(f, "license_reissued", json_object_new_boolean(c->license_reissued));
	}
	json_object_object_add(f, "retries", json_object_new_int(c->retries));
	json_object_object_add(f, "duration_ms",
			       json_object_new_int64((int64_t)((c->t_end - c->t_start) * 1000)));
	add_str(f, "host_tool", r->ctx->host_tool);
	/* Through the HSM: MAC'd with its key, so the OEM can verify the record. */
	if (ssp_hsm_audit_append(r->ser->hsm, SSP_AUDIT_EV_PROVISION, f, NULL, &e2))
		snprintf(c->audit_err, sizeof(c->audit_err), "%s", e2.msg);
	json_object_put(f);
}

void ssp_provision_chip(struct ssp_prov_ctx *ctx, struct ssp_prov_chip *chip)
{
	struct run r = { .ctx = ctx, .chip = chip, .dev = { .fd = -1 } };
	struct ssp_prov_next next = { .stage = 'A', .step = SSP_STEP_START };
	int ret;

	chip->t_start = ssp_prov_now();
	chip->result = SSP_PROV_RUNNING;
	create_timer(&r);
	r.st.stage = 'A';
	for (;;) {
		chip->stage = next.stage;
		chip->step = next.step;
		r.st.stage = next.stage;
		report(&r);
		ret = run_step(&r, next.step);
		if (ret && went_silent(&r, next.step, ret)) {
			report_silent(chip);
			break;
		}
		if (ret) {
			if (ret == -ENOSPC)
				chip->result = next.step == SSP_STEP_START ? SSP_PROV_SKIPPED :
					       SSP_PROV_NO_LICENSE;
			else
				chip->result = SSP_PROV_FAILED;
			name_failure(chip);
			break;
		}
		r.st.step = next.step;
		if (went_silent(&r, next.step, 0)) {
			report_silent(chip);
			break;
		}
		ssp_prov_decide(&r.st, &next);
		if (next.step == SSP_STEP_END) {
			chip->result = next.result;
			if (next.cause) {
				if (chip->chip_msg[0])
					ssp_errf(&chip->err, -EPROTO, "%s: \"%s\"", next.cause,
						 chip->chip_msg);
				else
					ssp_errf(&chip->err, -EPROTO, "%s", next.cause);
				name_failure(chip);
			}
			break;
		}
	}
	if (r.reserved)
		budget_release(ctx, r.ser);
	ssp_wipe(r.blob, sizeof(r.blob));
	if (r.have_timer)
		timer_delete(r.timer);
	ssp_dev_close(&r.dev);
	chip->t_end = ssp_prov_now();
	record_result(&r);
	report(&r);
}
