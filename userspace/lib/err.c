// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int ssp_errf(struct ssp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int ssp_err_prefix(struct ssp_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	size_t room;
	va_list ap;
	int n;

	if (!e)
		return 0;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* Keep the prefix whole when it fits; the old message is cut, not the other way. */
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(e->msg) - 3)
		n = sizeof(e->msg) - 3;
	room = sizeof(e->msg) - n - 3;
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %.*s", (int)room, old);
	return e->code;
}
