/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error reporting across libssp: functions return a negative errno and fill
 * a struct ssp_err with one sentence that names the thing (device, file,
 * step), the cause, and what to do. Callers print it; libssp never prints.
 */
#ifndef SSP_ERR_H
#define SSP_ERR_H

struct ssp_err {
	int code;		/* negative errno, 0 when no error */
	char msg[512];
};

/* Set *e (if non-NULL) and return code, so callers can `return ssp_errf(...)`. */
int ssp_errf(struct ssp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the existing message: "ssp0 (stage B, read certificate): <old>". */
int ssp_err_prefix(struct ssp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SSP_ERR_H */
