// SPDX-License-Identifier: GPL-2.0-only
/* Structured journal records (journal.h), sent with libsystemd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <systemd/sd-journal.h>

#include "dev.h"
#include "journal.h"

void ssp_journal_init(struct ssp_journal_rec *r, int priority)
{
	r->n = 0;
	r->priority = priority;
	ssp_journal_add(r, "PRIORITY", "%d", priority);
	ssp_journal_add(r, "SYSLOG_IDENTIFIER", "sspctl");
}

static int valid_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > 64 || name[0] == '_')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return 0;
	return !(name[0] >= '0' && name[0] <= '9');
}

int ssp_journal_add(struct ssp_journal_rec *r, const char *name, const char *fmt, ...)
{
	char *f;
	size_t at;
	va_list ap;

	if (!valid_name(name))
		return -EINVAL;
	if (r->n >= SSP_JOURNAL_MAX_FIELDS)
		return -ENOSPC;
	f = r->field[r->n];
	at = (size_t)snprintf(f, SSP_JOURNAL_FIELD_MAX, "%s=", name);
	va_start(ap, fmt);
	vsnprintf(f + at, SSP_JOURNAL_FIELD_MAX - at, fmt, ap);	/* cut when too long */
	va_end(ap);
	if (!f[at])
		return 0;
	r->n++;
	return 0;
}

const char *ssp_journal_get(const struct ssp_journal_rec *r, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < r->n; i++)
		if (!strncmp(r->field[i], name, len) && r->field[i][len] == '=')
			return r->field[i] + len + 1;
	return NULL;
}

static double elapsed(const struct ssp_prov_chip *c, double now)
{
	if (c->result == SSP_PROV_PENDING || c->t_start == 0)
		return 0;
	return (c->t_end > 0 ? c->t_end : now) - c->t_start;
}

int ssp_journal_chip_priority(const struct ssp_prov_chip *c)
{
	switch (c->result) {
	case SSP_PROV_PROVISIONED:
	case SSP_PROV_CLOSED:
		return LOG_NOTICE;
	case SSP_PROV_FAILED:
	case SSP_PROV_NO_LICENSE:
	case SSP_PROV_SKIPPED:	/* the chip waits unprovisioned: someone must act */
		return LOG_ERR;
	default:
		return LOG_INFO;
	}
}

/* "ssp0 (chip 0x500, serial 0042..., port 1-1)" */
static void chip_name(const struct ssp_prov_chip *c, char *buf, size_t len)
{
	const char *dev = c->dev[0] ? c->dev : c->arg;
	size_t at = (size_t)snprintf(buf, len, "%s", dev);
	const char *sep = " (";

	if (c->chip_id && at < len) {
		at += (size_t)snprintf(buf + at, len - at, "%schip 0x%x", sep, c->chip_id);
		sep = ", ";
	}
	if (c->serial[0] && at < len) {
		at += (size_t)snprintf(buf + at, len - at, "%sserial %s", sep, c->serial);
		sep = ", ";
	}
	if (c->port[0] && at < len) {
		at += (size_t)snprintf(buf + at, len - at, "%sport %s", sep, c->port);
		sep = ", ";
	}
	if (sep[0] == ',' && at < len)
		snprintf(buf + at, len - at, ")");
}

static void chip_message(struct ssp_journal_rec *r, const struct ssp_prov_chip *c, double now)
{
	char name[160];

	chip_name(c, name, sizeof(name));
	switch (c->result) {
	case SSP_PROV_PROVISIONED:
		ssp_journal_add(r, "MESSAGE", "%s: provisioned in %.1f s", name, elapsed(c, now));
		break;
	case SSP_PROV_CLOSED:
		ssp_journal_add(r, "MESSAGE", "%s: already provisioned (closed chip), no license used",
				name);
		break;
	case SSP_PROV_FAILED:
	case SSP_PROV_NO_LICENSE:
	case SSP_PROV_SKIPPED:
		ssp_journal_add(r, "MESSAGE", "%s: %s: %s", name, ssp_prov_result_name(c->result),
				c->err.msg[0] ? c->err.msg : "no cause recorded");
		break;
	default:
		if (c->step == SSP_STEP_START && c->stage == 'A' && !c->serial[0])
			ssp_journal_add(r, "MESSAGE", "%s: provisioning started", name);
		else
			ssp_journal_add(r, "MESSAGE", "%s: stage %c, %s", name, c->stage,
					ssp_prov_step_name(c->step));
		break;
	}
}

void ssp_journal_chip(struct ssp_journal_rec *r, const struct ssp_prov_chip *c, double now)
{
	int done = c->result != SSP_PROV_PENDING && c->result != SSP_PROV_RUNNING;

	ssp_journal_init(r, ssp_journal_chip_priority(c));
	chip_message(r, c, now);
	if (done)
		ssp_journal_add(r, "MESSAGE_ID", "%s", SSP_JOURNAL_ID_CHIP_RESULT);
	ssp_journal_add(r, "SSP_DEVICE", "%s", c->dev[0] ? c->dev : c->arg);
	ssp_journal_add(r, "SSP_SERIAL", "%s", c->serial);
	ssp_journal_add(r, "SSP_PORT", "%s", c->port);
	if (c->chip_id)
		ssp_journal_add(r, "SSP_CHIP", "0x%x", c->chip_id);
	if (c->series_known)
		ssp_journal_add(r, "SSP_SERIES", "%s", ssp_series_name(c->series));
	if (c->stage != '-')
		ssp_journal_add(r, "SSP_STAGE", "%c", c->stage);
	ssp_journal_add(r, "SSP_STEP", "%s", ssp_prov_step_name(c->step));
	ssp_journal_add(r, "SSP_RESULT", "%s", ssp_prov_result_name(c->result));
	ssp_journal_add(r, "SSP_ELAPSED", "%.3f", elapsed(c, now));
	if (!done)
		return;
	ssp_journal_add(r, "SSP_LICENSE_USED", "%s", c->license_used ? "yes" : "no");
	ssp_journal_add(r, "SSP_RETRIES", "%u", c->retries);
	ssp_journal_add(r, "SSP_CHIP_MESSAGE", "%s", c->chip_msg);
	if (c->result != SSP_PROV_PROVISIONED && c->result != SSP_PROV_CLOSED)
		ssp_journal_add(r, "SSP_CAUSE", "%s", c->err.msg);
	ssp_journal_add(r, "SSP_AUDIT_ERROR", "%s", c->audit_err);
}

int ssp_journal_send(const struct ssp_journal_rec *r)
{
	struct iovec iov[SSP_JOURNAL_MAX_FIELDS];

	for (size_t i = 0; i < r->n; i++) {
		iov[i].iov_base = (void *)r->field[i];
		iov[i].iov_len = strlen(r->field[i]);
	}
	return sd_journal_sendv(iov, (int)r->n);
}

int ssp_journal_connected(int fd)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%llu:%llu%n", &dev, &ino, &end) != 2 || env[end])
		return 0;
	if (fstat(fd, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
