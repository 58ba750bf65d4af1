// SPDX-License-Identifier: GPL-2.0-only
/* Service manager notifications (notify.h). */
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

void ssp_notify_status_text(const struct ssp_notify_counts *c, char *buf, size_t len)
{
	snprintf(buf, len, "%u provisioned, %u failed, %u already provisioned, %u in progress",
		 c->provisioned, c->failed, c->already, c->running);
}

int ssp_notify_ready(const struct ssp_notify_counts *c)
{
	char status[160];

	ssp_notify_status_text(c, status, sizeof(status));
	return sd_notifyf(0, "READY=1\nSTATUS=watching for chips: %s", status);
}

int ssp_notify_status(const struct ssp_notify_counts *c)
{
	char status[160];

	ssp_notify_status_text(c, status, sizeof(status));
	return sd_notifyf(0, "STATUS=watching for chips: %s", status);
}

int ssp_notify_stopping(const struct ssp_notify_counts *c)
{
	char status[160];

	ssp_notify_status_text(c, status, sizeof(status));
	return sd_notifyf(0, "STOPPING=1\nSTATUS=stopping, waiting for %u chip(s) to finish: %s",
			  c->running, status);
}
