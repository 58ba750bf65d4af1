// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl audit show|verify: the HSM directory's hash-chained audit log.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "hsm.h"
#include "opts.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl audit show --dir DIR [--json]\n"
		"       sspctl audit verify --dir DIR\n"
		"\n"
		"The audit log DIR/%s of an HSM: every license issued and every\n"
		"provisioning result, one JSON object per line, each holding the hash of\n"
		"the line before it.\n"
		"  show     a table on a terminal; the raw JSON lines with --json or when\n"
		"           stdout is not a terminal\n"
		"  verify   check every line's hash and link, and that the license the HSM\n"
		"           counted last is present; names the first bad line\n"
		"No PIN is needed. Exit: 0 ok (intact), 1 damaged or unreadable, 2 bad\n"
		"arguments.\n",
		SSP_AUDIT_LOG);
}

/* A compact "key=value ..." of the scalar fields, for the table. */
static void summary(json_object *fields, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	json_object_object_foreach(fields, k, v) {
		const char *s;

		if (!v || json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array) || n >= len)
			continue;
		s = json_object_get_string(v);
		/* Hashes are long; the first 12 digits identify them in a table. */
		n += snprintf(out + n, len - n, "%s%s=%.*s", n ? " " : "", k,
			      strlen(s) == 64 ? 12 : 64, s);
	}
}

static int show_line(void *arg, const struct ssp_audit_rec *rec)
{
	int json = *(int *)arg;
	char buf[512];

	if (json) {
		printf("%s\n", json_object_to_json_string_ext(rec->obj, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	summary(rec->fields, buf, sizeof(buf));
	printf("%5" PRIu64 "  %-24s  %-10s  %s\n", rec->seq, rec->time, rec->event, buf);
	return 0;
}

static int show(const char *dir, int json)
{
	struct ssp_err e = { 0 };
	int ret;

	json = want_json(json);
	if (!json)
		printf("%5s  %-24s  %-10s  %s\n", "SEQ", "TIME (UTC)", "EVENT", "DETAILS");
	ret = ssp_audit_walk(dir, NULL, show_line, &json, &e);
	fflush(stdout);
	if (ret) {
		print_err("audit show", &e);
		return SSPCTL_EXIT_FAIL;
	}
	return SSPCTL_OK;
}

static int verify(const char *dir)
{
	struct ssp_audit_pos anchor = { 0 };
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 }, he = { 0 };
	struct ssp_hsm *h = NULL;
	uint64_t lines = 0;
	int ret, hsm_ok;

	/* The HSM state names the last license line: it must be in the log. */
	hsm_ok = !ssp_hsm_open(dir, NULL, &h, &he) && !ssp_hsm_status(h, &st, &he);
	ssp_hsm_close(h);
	if (hsm_ok) {
		anchor.seq = st.audit_seq;
		memcpy(anchor.hash, st.audit_hash, sizeof(anchor.hash));
		anchor.end = st.audit_end;
	}
	ret = ssp_audit_verify(dir, hsm_ok ? &anchor : NULL, &lines, &e);
	if (ret) {
		print_err("audit verify", &e);
		return SSPCTL_EXIT_FAIL;
	}
	if (!hsm_ok) {
		/* The chain is intact but the counter state does not agree with it. */
		print_err("audit verify", &he);
		return SSPCTL_EXIT_FAIL;
	}
	printf("%s/%s: %" PRIu64 " lines, hash chain intact; %" PRIu64 " licenses issued, %" PRIu64 " left\n",
	       dir, SSP_AUDIT_LOG, lines, st.issued, st.remaining);
	return SSPCTL_OK;
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub, *dir = NULL;
	char cmd[32];
	int c, json = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SSPCTL_EXIT_USAGE : SSPCTL_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "show") && strcmp(sub, "verify"))
		return usage_err("audit", "unknown subcommand \"%s\" (show, verify)", sub);
	snprintf(cmd, sizeof(cmd), "audit %s", sub);
	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			if (strcmp(sub, "show"))
				return usage_err(cmd, "--json applies to `audit show` only");
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return SSPCTL_OK;
		case ':':
			return usage_err(cmd, "option \"%s\" needs a value", argv[optind - 1]);
		default:
			return usage_err(cmd, "unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_err(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!dir)
		return usage_err(cmd, "--dir DIR is required");
	return strcmp(sub, "show") ? verify(dir) : show(dir, json);
}

SSPCTL_COMMAND(audit, "audit", "show or verify the hash-chained audit log of an HSM", cmd_audit);
