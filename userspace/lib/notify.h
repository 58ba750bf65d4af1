/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Telling the service manager how a daemon is doing (sd_notify, libsystemd):
 * READY=1 once it listens for chips, STATUS= with its counts after every
 * chip (shown by `systemctl status`), STOPPING=1 when it winds down. Without
 * $NOTIFY_SOCKET (not started by systemd with Type=notify) each call does
 * nothing and returns 0.
 */
#ifndef SSP_NOTIFY_H
#define SSP_NOTIFY_H

#include <stddef.h>

struct ssp_notify_counts {
	unsigned int provisioned;	/* this run of the daemon */
	unsigned int already;		/* found provisioned (closed), no license used */
	unsigned int failed;		/* failed, no license, not started */
	unsigned int running;		/* in progress now */
};

/* "3 provisioned, 1 failed, 0 already provisioned, 2 in progress" */
void ssp_notify_status_text(const struct ssp_notify_counts *c, char *buf, size_t len);

/* Each returns >0 when sent, 0 without $NOTIFY_SOCKET, negative errno on error. */
int ssp_notify_ready(const struct ssp_notify_counts *c);
int ssp_notify_status(const struct ssp_notify_counts *c);
/* STOPPING=1, STATUS= says how many runs it waits for. */
int ssp_notify_stopping(const struct ssp_notify_counts *c);

#endif /* SSP_NOTIFY_H */
