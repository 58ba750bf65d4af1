// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "crypto.h"
#include "opts.h"
#include "util.h"

int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "sspctl %s: %s \"%s\" is not a number from 0 to %llu (decimal or 0x hex)\n",
			cmd, opt, s, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int read_exact(const char *cmd, const char *what, const char *path, void *buf, size_t len)
{
	struct ssp_err e = { 0 };
	uint8_t *tmp = malloc(len + 1);
	size_t got;
	int ret;

	if (!tmp) {
		fprintf(stderr, "sspctl %s: out of memory\n", cmd);
		return -1;
	}
	ret = ssp_read_file(path, tmp, len + 1, &got, &e);
	if (!ret && got != len) {
		fprintf(stderr, "sspctl %s: %s %s is %zu bytes; it must hold exactly %zu raw bytes: check that it is the right file\n",
			cmd, what, path, got, len);
		ret = -1;
	} else if (ret) {
		fprintf(stderr, "sspctl %s: %s: %s\n", cmd, what, e.msg);
		ret = -1;
	} else {
		memcpy(buf, tmp, len);
	}
	ssp_wipe(tmp, len + 1);
	free(tmp);
	return ret;
}

void print_err(const char *cmd, const struct ssp_err *e)
{
	fprintf(stderr, "sspctl %s: %s\n", cmd, e->msg[0] ? e->msg : "failed");
}

int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sspctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (run `sspctl %s --help`)\n", cmd);
	return SSPCTL_EXIT_USAGE;
}

int want_json(int flag)
{
	return flag || !isatty(STDOUT_FILENO);
}

int json_opts(int argc, char **argv, const char *usage, const char *help, int nargs, int *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*json = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'J':
			*json = 1;
			break;
		case 'h':
			printf("%s%s", usage, help ? help : "");
			return SSPCTL_OK;
		default:
			fputs(usage, stderr);
			return SSPCTL_EXIT_USAGE;
		}
	}
	if (!nargs && optind < argc) {
		fprintf(stderr, "sspctl %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return SSPCTL_EXIT_USAGE;
	}
	if (argc - optind != nargs) {
		fputs(usage, stderr);
		return SSPCTL_EXIT_USAGE;
	}
	return OPTS_GO_ON;
}
