// SPDX-License-Identifier: GPL-2.0-only
/* Live per-chip display and JSON lines (progress.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dev.h"
#include "journal.h"
#include "progress.h"

struct progress {
	enum progress_mode mode;
	FILE *out;
	const struct ssp_prov_chip *base;	/* the workers' array */
	struct ssp_prov_chip *snap;		/* copies taken in the callbacks */
	size_t n;
	int drawn;				/* table lines on screen */
	pthread_mutex_t lock;			/* snap, out, drawn */
	pthread_t ticker;
	int ticking, stop;
	pthread_cond_t stop_cond;
	struct ssp_journal_rec rec;		/* PROGRESS_JOURNAL's, under lock */
};

static double elapsed(const struct ssp_prov_chip *c, double now)
{
	if (c->result == SSP_PROV_PENDING || c->t_start == 0)
		return 0;
	return (c->t_end > 0 ? c->t_end : now) - c->t_start;
}

static int finished(const struct ssp_prov_chip *c)
{
	return c->result != SSP_PROV_PENDING && c->result != SSP_PROV_RUNNING;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_object_add(o, k, json_object_new_string(v));
}

json_object *progress_chip_json(const struct ssp_prov_chip *c, const char *event, double now)
{
	json_object *o = json_object_new_object();
	char stage[2] = { c->stage, 0 };

	json_object_object_add(o, "event", json_object_new_string(event));
	add_str(o, "dev", c->dev[0] ? c->dev : c->arg);
	add_str(o, "serial", c->serial);
	add_str(o, "port", c->port);
	if (c->series_known)
		add_str(o, "series", ssp_series_name(c->series));
	if (c->stage != '-')
		add_str(o, "stage", stage);
	add_str(o, "step", ssp_prov_step_name(c->step));
	add_str(o, "result", ssp_prov_result_name(c->result));
	json_object_object_add(o, "elapsed", json_object_new_double(elapsed(c, now)));
	if (finished(c)) {
		json_object_object_add(o, "license_used", json_object_new_boolean(c->license_used));
		if (c->license_seq) {
			json_object_object_add(o, "license_seq", json_object_new_int64(c->license_seq));
			json_object_object_add(o, "license_reissued",
					       json_object_new_boolean(c->license_reissued));
		}
		add_str(o, "audit_error", c->audit_err);
		json_object_object_add(o, "retries", json_object_new_int(c->retries));
		add_str(o, "chip_message", c->chip_msg);
		if (c->result != SSP_PROV_PROVISIONED && c->result != SSP_PROV_CLOSED)
			add_str(o, "cause", c->err.msg);
	}
	return o;
}

const char *progress_header(void)
{
	return "DEV     SERIAL                    PORT      SERIES STAGE STEP          TIME    RESULT";
}

void progress_chip_line(const struct ssp_prov_chip *c, double now, char *buf, size_t len)
{
	snprintf(buf, len, "%-7.7s %-25.25s %-9.9s %-6s %-5c %-13s %6.1fs  %s",
		 c->dev[0] ? c->dev : c->arg, c->serial[0] ? c->serial : "-",
		 c->port[0] ? c->port : "-", c->series_known ? ssp_series_name(c->series) : "-",
		 c->stage, ssp_prov_step_name(c->step), elapsed(c, now),
		 ssp_prov_result_name(c->result));
}

void progress_count(const struct ssp_prov_chip *chips, size_t n, struct progress_counts *pc)
{
	memset(pc, 0, sizeof(*pc));
	for (size_t i = 0; i < n; i++) {
		switch (chips[i].result) {
		case SSP_PROV_PROVISIONED:
			pc->provisioned++;
			break;
		case SSP_PROV_CLOSED:
			pc->closed++;
			break;
		case SSP_PROV_FAILED:
			pc->failed++;
			break;
		case SSP_PROV_NO_LICENSE:
			pc->no_license++;
			break;
		case SSP_PROV_SKIPPED:
			pc->skipped++;
			break;
		default:
			pc->other++;
			break;
		}
	}
}

int progress_exit_code(const struct progress_counts *pc)
{
	unsigned int ok = pc->provisioned + pc->closed;
	unsigned int bad = pc->failed + pc->no_license + pc->skipped + pc->other;

	if (pc->no_license || pc->skipped)
		return SSPCTL_EXIT_NO_LICENSE;
	if (!bad)
		return SSPCTL_OK;
	return ok ? SSPCTL_EXIT_PARTIAL : SSPCTL_EXIT_FAIL;
}

/* 0 once journald has the record of the chip's step or result. Caller holds p->lock. */
static int journal_chip(struct progress *p, const struct ssp_prov_chip *chip, double now)
{
	ssp_journal_chip(&p->rec, chip, now);
	return ssp_journal_send(&p->rec);
}

static void print_json(struct progress *p, json_object *o)
{
	fprintf(p->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(p->out);
	json_object_put(o);
}

/* Caller holds p->lock. */
static void redraw(struct progress *p)
{
	double now = ssp_prov_now();
	char line[256];

	if (p->drawn)
		fprintf(p->out, "\033[%dA", p->drawn);
	else
		fprintf(p->out, "%s\n", progress_header());
	for (size_t i = 0; i < p->n; i++) {
		progress_chip_line(&p->snap[i], now, line, sizeof(line));
		fprintf(p->out, "\r\033[2K%s\n", line);
	}
	p->drawn = (int)p->n;
	fflush(p->out);
}

static void *tick(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 500000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->stop_cond, &p->lock, &ts);
		if (!p->stop)
			redraw(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_new(enum progress_mode mode, FILE *out,
			      const struct ssp_prov_chip *chips, size_t n)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->snap = calloc(n ? n : 1, sizeof(*p->snap));
	if (!p->snap) {
		free(p);
		return NULL;
	}
	p->mode = mode;
	p->out = out;
	p->base = chips;
	p->n = n;
	if (n)
		memcpy(p->snap, chips, n * sizeof(*chips));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->stop_cond, NULL);
	if (mode == PROGRESS_TTY && n) {
		pthread_mutex_lock(&p->lock);
		redraw(p);
		pthread_mutex_unlock(&p->lock);
		p->ticking = pthread_create(&p->ticker, NULL, tick, p) == 0;
	}
	return p;
}

void progress_update(void *arg, const struct ssp_prov_chip *chip)
{
	struct progress *p = arg;
	double now = ssp_prov_now();
	char line[800];

	pthread_mutex_lock(&p->lock);
	if (p->base && chip >= p->base && chip < p->base + p->n)
		p->snap[chip - p->base] = *chip;
	switch (p->mode) {
	case PROGRESS_TTY:
		redraw(p);
		break;
	case PROGRESS_JSON:
		print_json(p, progress_chip_json(chip, finished(chip) ? "result" : "step", now));
		break;
	case PROGRESS_JOURNAL:
		if (!journal_chip(p, chip, now))
			break;
		/* journald cannot be reached: the text line, as without systemd. */
		/* fall through */
	case PROGRESS_LOG:
		if (chip->result == SSP_PROV_RUNNING && chip->step == SSP_STEP_START &&
		    chip->stage == 'A' && !chip->serial[0]) {
			fprintf(p->out, "%s: provisioning started\n", chip->arg);
		} else if (finished(chip)) {
			progress_chip_line(chip, now, line, sizeof(line) / 2);
			if (chip->result != SSP_PROV_PROVISIONED && chip->result != SSP_PROV_CLOSED)
				fprintf(p->out, "%s\n  %s\n", line, chip->err.msg);
			else
				fprintf(p->out, "%s\n", line);
		}
		if (finished(chip) && chip->audit_err[0])
			fprintf(stderr, "%s: the provisioning record was not written to the HSM's audit log: %s\n",
				chip->dev[0] ? chip->dev : chip->arg, chip->audit_err);
		fflush(p->out);
		break;
	}
	pthread_mutex_unlock(&p->lock);
}

static void print_summary_text(struct progress *p, const struct progress_counts *pc,
			       double wall)
{
	fprintf(p->out, "\n%u provisioned, %u already provisioned, %u failed, %u no license, %u not started; %.1f s\n",
		pc->provisioned, pc->closed, pc->failed, pc->no_license, pc->skipped, wall);
	for (size_t i = 0; i < p->n; i++) {
		const struct ssp_prov_chip *c = &p->snap[i];

		if (c->result == SSP_PROV_CLOSED)
			fprintf(p->out, "  %s: already provisioned (closed chip), no license used\n",
				c->dev[0] ? c->dev : c->arg);
		else if (c->result != SSP_PROV_PROVISIONED)
			fprintf(p->out, "  %s\n", c->err.msg[0] ? c->err.msg : ssp_prov_result_name(c->result));
		if (c->audit_err[0])
			fprintf(p->out, "  %s: audit record NOT written: %s\n", c->dev[0] ? c->dev : c->arg,
				c->audit_err);
	}
	fflush(p->out);
}

void progress_finish(struct progress *p, double wall)
{
	struct progress_counts pc;
	json_object *o;

	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->stop_cond);
	pthread_mutex_unlock(&p->lock);
	if (p->ticking)
		pthread_join(p->ticker, NULL);
	p->ticking = 0;
	pthread_mutex_lock(&p->lock);
	progress_count(p->snap, p->n, &pc);
	if (p->mode == PROGRESS_TTY) {
		redraw(p);
		print_summary_text(p, &pc, wall);
	} else if (p->mode == PROGRESS_JSON) {
		o = json_object_new_object();
		json_object_object_add(o, "event", json_object_new_string("summary"));
		json_object_object_add(o, "provisioned", json_object_new_int(pc.provisioned));
		json_object_object_add(o, "already_provisioned", json_object_new_int(pc.closed));
		json_object_object_add(o, "failed", json_object_new_int(pc.failed));
		json_object_object_add(o, "no_license", json_object_new_int(pc.no_license));
		json_object_object_add(o, "not_started", json_object_new_int(pc.skipped));
		json_object_object_add(o, "wall_seconds", json_object_new_double(wall));
		json_object_object_add(o, "exit", json_object_new_int(progress_exit_code(&pc)));
		print_json(p, o);
	} else {
		print_summary_text(p, &pc, wall);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->ticking) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_broadcast(&p->stop_cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->ticker, NULL);
	}
	pthread_cond_destroy(&p->stop_cond);
	pthread_mutex_destroy(&p->lock);
	free(p->snap);
	free(p);
}
