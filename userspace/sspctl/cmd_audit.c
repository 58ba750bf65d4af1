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
#include "crypto.h"
#include "hsm.h"
#include "opts.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl audit show --dir DIR [--json]\n"
		"       sspctl audit verify (--dir DIR | --log FILE) [--key OEM_KEY16]\n"
		"                           [--pin-file FILE]\n"
		"\n"
		"The audit log DIR/%s of an HSM: every license issued and every\n"
		"provisioning result, one JSON object per line, each holding the hash of\n"
		"the line before it and a MAC under a key derived from the OEM key.\n"
		"  show     a table on a terminal; the raw JSON lines with --json or when\n"
		"           stdout is not a terminal\n"
		"  verify   check every line's hash and link, and that the license the HSM\n"
		"           counted last is present (--dir); with --key (the OEM's 16-byte\n"
		"           key file) or --pin-file (opens the HSM of --dir) also every\n"
		"           line's MAC: an edited, removed, reordered, re-chained or\n"
		"           foreign line is named by its seq. --log checks a copy of a log.\n"
		"Exit: 0 every line verified, 1 damaged, forged or unreadable, 2 bad\n"
		"arguments, %d chain intact but not verified (no key or PIN given, or\n"
		"lines without a MAC): anyone can recompute a hash chain.\n",
		SSP_AUDIT_LOG, SSPCTL_EXIT_UNVERIFIED);
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

static void report_line(void *arg, uint64_t seq, const char *problem)
{
	fprintf(stderr, "sspctl audit verify: %s: line %" PRIu64 " %s\n", (const char *)arg, seq,
		problem);
}

struct verify_args {
	const char *dir, *log, *key, *pin_file;
};

static int verify(const struct verify_args *a)
{
	const char *cmd = "audit verify";
	struct ssp_audit_pos anchor = { 0 };
	struct ssp_audit_check c = { .report = report_line };
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 }, he = { 0 };
	struct ssp_hsm *h = NULL;
	uint8_t key[SSP_AES_KEY_LEN], mac_key[SSP_AUDIT_MAC_KEY_LEN];
	char pin[SSP_HSM_PIN_MAX], where[4200];
	int ret, hsm_ok = 0;

	if (a->log)
		snprintf(where, sizeof(where), "%s", a->log);
	else
		snprintf(where, sizeof(where), "%s/%s", a->dir, SSP_AUDIT_LOG);
	c.arg = where;
	if (a->key) {
		if (read_exact(cmd, "OEM key (--key)", a->key, key, sizeof(key)))
			return SSPCTL_EXIT_FAIL;
		ret = ssp_audit_mac_key(key, mac_key);
		ssp_wipe(key, sizeof(key));
		if (ret) {
			fprintf(stderr, "sspctl %s: deriving the audit MAC key from %s failed\n", cmd, a->key);
			return SSPCTL_EXIT_FAIL;
		}
		c.mac_key = mac_key;
	}
	if (a->pin_file) {
		/* The HSM checks the state's MAC, its anchor and every line with its own key. */
		if (ssp_hsm_read_pin(a->pin_file, pin, &e)) {
			print_err(cmd, &e);
			ret = SSPCTL_EXIT_FAIL;
			goto out;
		}
		ret = ssp_hsm_open(a->dir, pin, &h, &e);
		ssp_wipe(pin, sizeof(pin));
		if (!ret)
			ret = ssp_hsm_audit_check(h, &c, &e);
		ssp_hsm_close(h);
		if (ret) {
			print_err(cmd, &e);
			ret = SSPCTL_EXIT_FAIL;
			goto out;
		}
		hsm_ok = 1;
	} else if (a->dir) {
		/* The HSM state names the last license line: it must be in the log. */
		hsm_ok = !ssp_hsm_open(a->dir, NULL, &h, &he) && !ssp_hsm_status(h, &st, &he);
		ssp_hsm_close(h);
		if (hsm_ok) {
			anchor.seq = st.audit_seq;
			memcpy(anchor.hash, st.audit_hash, sizeof(anchor.hash));
			anchor.end = st.audit_end;
			c.anchor = &anchor;
		}
		ret = ssp_audit_check(-1, a->dir, NULL, &c, &e);
		if (!ret && !hsm_ok) {
			/* The chain is intact but the counter state does not agree with it. */
			e = he;
			ret = -EBADMSG;
		}
		if (ret) {
			print_err(cmd, &e);
			ret = SSPCTL_EXIT_FAIL;
			goto out;
		}
	} else {
		ret = ssp_audit_check(-1, NULL, a->log, &c, &e);
		if (ret) {
			print_err(cmd, &e);
			ret = SSPCTL_EXIT_FAIL;
			goto out;
		}
	}
	if (c.mac_key && !c.mac_none) {
		printf("%s: %" PRIu64 " lines, hash chain intact, every line's MAC verified\n", where,
		       c.lines);
		ret = SSPCTL_OK;
	} else if (c.mac_key) {
		printf("%s: %" PRIu64 " lines, hash chain intact, %" PRIu64 " MACs verified; %" PRIu64 " lines carry no MAC: unverified\n",
		       where, c.lines, c.mac_ok, c.mac_none);
		ret = SSPCTL_EXIT_UNVERIFIED;
	} else {
		printf("%s: %" PRIu64 " lines, hash chain intact; unverified: no key, a forger can recompute the chain; give --key OEM_KEY16%s\n",
		       where, c.lines, a->dir ? " or --pin-file FILE" : "");
		ret = SSPCTL_EXIT_UNVERIFIED;
	}
out:
	ssp_wipe(mac_key, sizeof(mac_key));
	return ret;
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_args va = { 0 };
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
		case 'l':
		case 'k':
		case 'p':
			if (strcmp(sub, "verify"))
				return usage_err(cmd, "--%s applies to `audit verify` only",
						 c == 'l' ? "log" : c == 'k' ? "key" : "pin-file");
			*(c == 'l' ? &va.log : c == 'k' ? &va.key : &va.pin_file) = optarg;
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
	if (!strcmp(sub, "show")) {
		if (!dir)
			return usage_err(cmd, "--dir DIR is required");
		return show(dir, json);
	}
	if (!dir == !va.log)
		return usage_err(cmd, "give either --dir DIR or --log FILE");
	if (va.pin_file && !dir)
		return usage_err(cmd, "--pin-file needs --dir (the HSM to open)");
	va.dir = dir;
	return verify(&va);
}

SSPCTL_COMMAND(audit, "audit", "show or verify the hash-chained audit log of an HSM", cmd_audit);
