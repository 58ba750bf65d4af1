// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl hsm init|status|license: the software HSM (hsm.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "commands.h"
#include "crypto.h"
#include "dev.h"
#include "hsm.h"
#include "tpm.h"
#include "opts.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl hsm init --dir DIR --series mp15|mp13 --key KEY16 --nonce NONCE16\n"
		"                       --counter N --st-key [IDX=]PEM... [--fsbl-min-version V]\n"
		"                       [--kdf-iterations N] [--pin-file FILE] [--tpm[=TCTI]]\n"
		"       sspctl hsm status --dir DIR [--json] [--pin-file FILE]\n"
		"       sspctl hsm license --dir DIR --cert CERT136 --out LICENSE136\n"
		"                          [--serial S] [--port P] [--pin-file FILE]\n"
		"\n"
		"Software HSM: the OEM key and nonce sealed under a PIN, the ST keys that\n"
		"check chip certificates, and a license counter, in directory DIR.\n"
		"  init      create the HSM (never overwrites one). KEY16 and NONCE16 are\n"
		"            files of 16 raw bytes (as for `sspctl secrets build`); the\n"
		"            nonce's last 4 bytes must be zero. --st-key PEM applies to\n"
		"            every product-key index, IDX=PEM (IDX 0..15) to one; repeat.\n"
		"            --tpm anchors the HSM in this host's TPM 2.0: the key sealed in\n"
		"            the TPM under the PIN, the counter a TPM NV counter (TCTI as\n"
		"            tpm2-tools take it; default %s).\n"
		"  status    licenses left and issued, series, key fingerprint. No PIN\n"
		"            needed, but only with --pin-file are the counter's MAC and\n"
		"            the audit MACs checked (\"verified\"); otherwise unverified.\n"
		"  license   one license for the chip certificate CERT136 (136 bytes), like\n"
		"            STM32CubeProgrammer -hsmglfcb; counted and audited first.\n"
		"The PIN is the first line of --pin-file, else $%s; init and\n"
		"license refuse to run without one. PBKDF2 rounds default to %d.\n"
		"Exit: 0 ok, 1 failed (message says why), 2 bad arguments, 4 no license left.\n",
		SSP_TPM_TCTI_DEFAULT, SSP_HSM_PIN_ENV, SSP_HSM_KDF_DEFAULT);
}

enum { O_DIR = 256, O_SERIES, O_KEY, O_NONCE, O_COUNTER, O_ST_KEY, O_FSBL, O_KDF, O_PIN,
	O_JSON, O_CERT, O_OUT, O_SERIAL, O_PORT, O_TPM, O_HELP };

static const struct option options[] = {
	{ "dir", required_argument, NULL, O_DIR },
	{ "series", required_argument, NULL, O_SERIES },
	{ "key", required_argument, NULL, O_KEY },
	{ "nonce", required_argument, NULL, O_NONCE },
	{ "counter", required_argument, NULL, O_COUNTER },
	{ "st-key", required_argument, NULL, O_ST_KEY },
	{ "fsbl-min-version", required_argument, NULL, O_FSBL },
	{ "kdf-iterations", required_argument, NULL, O_KDF },
	{ "pin-file", required_argument, NULL, O_PIN },
	{ "json", no_argument, NULL, O_JSON },
	{ "cert", required_argument, NULL, O_CERT },
	{ "out", required_argument, NULL, O_OUT },
	{ "serial", required_argument, NULL, O_SERIAL },
	{ "port", required_argument, NULL, O_PORT },
	{ "tpm", optional_argument, NULL, O_TPM },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *sub;
	const char *dir, *series, *key, *nonce, *counter, *fsbl, *kdf, *pin_file;
	const char *cert, *out, *serial, *port, *tcti;
	const char *st_key[16];
	int st_keys, json, help, tpm;
	uint64_t allowed;		/* bit per option this subcommand takes */
};

#define BIT(o)	(1ull << ((o) - O_DIR))

static int parse(int argc, char **argv, struct args *a, const char *cmd)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'h')
			c = O_HELP;
		if (c == '?')
			return usage_err(cmd, "unknown option \"%s\"", argv[optind - 1]);
		if (c == ':')
			return usage_err(cmd, "option \"%s\" needs a value", argv[optind - 1]);
		if (c != O_HELP && !(a->allowed & BIT(c)))
			return usage_err(cmd, "option --%s does not apply to `hsm %s`",
					 options[c - O_DIR].name, a->sub);
		switch (c) {
		case O_DIR:
			a->dir = optarg;
			break;
		case O_SERIES:
			a->series = optarg;
			break;
		case O_KEY:
			a->key = optarg;
			break;
		case O_NONCE:
			a->nonce = optarg;
			break;
		case O_COUNTER:
			a->counter = optarg;
			break;
		case O_FSBL:
			a->fsbl = optarg;
			break;
		case O_KDF:
			a->kdf = optarg;
			break;
		case O_PIN:
			a->pin_file = optarg;
			break;
		case O_TPM:
			a->tpm = 1;
			a->tcti = optarg;	/* NULL: the default TCTI */
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_CERT:
			a->cert = optarg;
			break;
		case O_OUT:
			a->out = optarg;
			break;
		case O_SERIAL:
			a->serial = optarg;
			break;
		case O_PORT:
			a->port = optarg;
			break;
		case O_HELP:
			a->help = 1;
			break;
		case O_ST_KEY:
			if (a->st_keys == 16)
				return usage_err(cmd, "at most 16 --st-key options");
			a->st_key[a->st_keys++] = optarg;
			break;
		}
	}
	if (optind < argc)
		return usage_err(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!a->help && !a->dir)
		return usage_err(cmd, "--dir DIR is required");
	return 0;
}

/* --st-key PEM (every index) or IDX=PEM (one index). */
static int st_keys(const struct args *a, struct ssp_hsm_init *in, const char *cmd)
{
	int i, j;

	if (!a->st_keys)
		return usage_err(cmd, "--st-key PEM is required (ST's public key for chip certificates)");
	for (i = 0; i < a->st_keys; i++) {
		const char *s = a->st_key[i], *eq = strchr(s, '=');
		char *end;
		long idx;

		if (!eq || eq == s || eq - s > 2) {
			for (j = 0; j < 16; j++)
				if (!in->st_pub_pem[j])
					in->st_pub_pem[j] = s;
			continue;
		}
		idx = strtol(s, &end, 0);
		if (end != eq || idx < 0 || idx > 15)
			return usage_err(cmd, "--st-key \"%s\": the index before '=' must be 0..15", s);
		in->st_pub_pem[idx] = eq + 1;
	}
	/* An indexed key wins over a bare one whatever the order. */
	for (i = 0; i < a->st_keys; i++) {
		const char *s = a->st_key[i], *eq = strchr(s, '=');

		if (eq && eq != s && eq - s <= 2)
			in->st_pub_pem[strtol(s, NULL, 0)] = eq + 1;
	}
	return 0;
}

static int do_init(struct args *a)
{
	const char *cmd = "hsm init";
	struct ssp_hsm_init in;
	struct ssp_err e = { 0 };
	char pin[SSP_HSM_PIN_MAX], fp[65];
	uint64_t v;
	int ret;

	memset(&in, 0, sizeof(in));
	if (!a->series || ssp_series_parse(a->series, &in.series))
		return usage_err(cmd, "--series mp15|mp13 is required");
	if (!a->key || !a->nonce)
		return usage_err(cmd, "--key KEY16 and --nonce NONCE16 are required");
	if (!a->counter)
		return usage_err(cmd, "--counter N (licenses this HSM may issue) is required");
	if (opt_u64(cmd, "--counter", a->counter, INT64_MAX, &in.counter))
		return SSPCTL_EXIT_USAGE;
	if (a->fsbl) {
		if (opt_u64(cmd, "--fsbl-min-version", a->fsbl, UINT32_MAX, &v))
			return SSPCTL_EXIT_USAGE;
		in.fsbl_min_version = v;
	}
	if (a->kdf) {
		if (opt_u64(cmd, "--kdf-iterations", a->kdf, UINT32_MAX, &v))
			return SSPCTL_EXIT_USAGE;
		if (v < SSP_HSM_KDF_MIN)
			return usage_err(cmd, "--kdf-iterations must be at least %d", SSP_HSM_KDF_MIN);
		in.kdf_iterations = v;
	}
	ret = st_keys(a, &in, cmd);
	if (ret)
		return ret;
	in.tpm = a->tpm;
	in.tpm_tcti = a->tcti;
	if (ssp_hsm_read_pin(a->pin_file, pin, &e)) {
		print_err(cmd, &e);
		return a->pin_file ? SSPCTL_EXIT_FAIL : SSPCTL_EXIT_USAGE;
	}
	ret = SSPCTL_EXIT_FAIL;
	if (read_exact(cmd, "OEM key (--key)", a->key, in.key, sizeof(in.key)) ||
	    read_exact(cmd, "OEM nonce (--nonce)", a->nonce, in.nonce, sizeof(in.nonce)))
		goto out;
	if (ssp_nonce_check(in.nonce)) {
		fprintf(stderr, "sspctl %s: OEM nonce %s: its last 4 bytes are not zero; ssp-v1 uses a 96-bit IV followed by 4 zero bytes, so make a nonce of 12 random bytes and 4 zero bytes\n",
			cmd, a->nonce);
		goto out;
	}
	if (ssp_hsm_soft_init(a->dir, pin, &in, &e)) {
		print_err(cmd, &e);
		goto out;
	}
	ssp_hsm_fingerprint(in.key, in.nonce, fp);
	printf("HSM %s initialised: %s, %" PRIu64 " licenses, key fingerprint %.16s\n", a->dir,
	       ssp_series_name(in.series), in.counter, fp);
	printf("This HSM (%s):\n", in.tpm ? ssp_hsm_tpm_ops.name : ssp_hsm_soft_ops.name);
	ssp_hsm_print_guarantees(stdout, in.tpm ? ssp_hsm_tpm_ops.guarantees :
				 ssp_hsm_soft_ops.guarantees);
	ret = SSPCTL_OK;
out:
	ssp_wipe(pin, sizeof(pin));
	ssp_wipe(&in, sizeof(in));
	return ret;
}

static int do_status(struct args *a)
{
	const char *cmd = "hsm status";
	struct ssp_hsm_status st;
	struct ssp_err e = { 0 };
	char keys[64] = "", pin[SSP_HSM_PIN_MAX], unver[4400] = "";
	const struct ssp_hsm_guarantee *g;
	struct ssp_hsm *h;
	size_t n = 0;
	int i, ret;

	/* Only an explicit --pin-file: status must work where no PIN is at hand. */
	if (a->pin_file && ssp_hsm_read_pin(a->pin_file, pin, &e)) {
		print_err(cmd, &e);
		return SSPCTL_EXIT_FAIL;
	}
	ret = ssp_hsm_open(a->dir, a->pin_file ? pin : NULL, &h, &e);
	ssp_wipe(pin, sizeof(pin));
	if (ret) {
		print_err(cmd, &e);
		return SSPCTL_EXIT_FAIL;
	}
	ret = ssp_hsm_status(h, &st, &e);
	g = ssp_hsm_guarantees(h);
	ssp_hsm_close(h);
	if (ret) {
		print_err(cmd, &e);
		return SSPCTL_EXIT_FAIL;
	}
	if (!st.verified)
		snprintf(unver, sizeof(unver), " (unverified: %s, anyone who can write %s can change this)",
			 st.unverified, a->dir);
	if (a->json) {
		json_object *o = json_object_new_object(), *idx = json_object_new_array();

		for (i = 0; i < 16; i++)
			if (st.st_key_mask & (1u << i))
				json_object_array_add(idx, json_object_new_int(i));
		json_object_object_add(o, "dir", json_object_new_string(a->dir));
		json_object_object_add(o, "backend", json_object_new_string(st.backend));
		json_object_object_add(o, "series", json_object_new_string(ssp_series_name(st.series)));
		json_object_object_add(o, "remaining", json_object_new_int64(st.remaining));
		json_object_object_add(o, "issued", json_object_new_int64(st.issued));
		json_object_object_add(o, "verified", json_object_new_boolean(st.verified));
		if (!st.verified)
			json_object_object_add(o, "unverified", json_object_new_string(st.unverified));
		if (st.anchored) {
			json_object *t = json_object_new_object();

			json_object_object_add(t, "tcti", json_object_new_string(st.tcti));
			json_object_object_add(t, "nv_index", json_object_new_int64(st.nv_index));
			json_object_object_add(t, "nv_value", json_object_new_int64(st.nv_value));
			json_object_object_add(o, "tpm", t);
			json_object_object_add(o, "lost", json_object_new_int64(st.lost));
		}
		json_object_object_add(o, "key_fingerprint", json_object_new_string(st.key_fingerprint));
		json_object_object_add(o, "fsbl_min_version", json_object_new_int64(st.fsbl_min_version));
		json_object_object_add(o, "st_key_indexes", idx);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return SSPCTL_OK;
	}
	for (i = 0; i < 16; i++)
		if (st.st_key_mask & (1u << i))
			n += snprintf(keys + n, sizeof(keys) - n, "%s%d", n ? "," : "", i);
	printf("HSM               %s\n"
	       "backend           %s\n"
	       "series            %s (chip %03X)\n"
	       "remaining         %" PRIu64 "%s\n"
	       "issued            %" PRIu64 "%s\n"
	       "verified          %s\n"
	       "key fingerprint   %s\n"
	       "fsbl-min-version  %" PRIu32 "\n"
	       "ST key indexes    %s\n"
	       "guarantees:\n",
	       a->dir, st.backend, ssp_series_name(st.series), ssp_chip_id(st.series), st.remaining,
	       unver, st.issued, unver, st.verified ? "yes (state MAC and every audit line's MAC checked)" :
	       "no: give --pin-file", st.key_fingerprint, st.fsbl_min_version, keys);
	if (st.anchored)
		printf("TPM counter       0x%08" PRIx32 " = %" PRIu64 " (%s); %" PRIu64 " licenses counted but never issued (crashes)\n",
		       st.nv_index, st.nv_value, st.tcti, st.lost);
	ssp_hsm_print_guarantees(stdout, g);
	return SSPCTL_OK;
}

/*
 * The license file, made before anything is counted (a license must not be
 * counted only to find that it cannot be saved): created 0600, or an
 * existing regular file opened without truncating it yet.
 */
static int open_out(const char *cmd, const char *path, int *created)
{
	struct stat st;
	int fd;

	*created = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		*created = 0;
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "sspctl %s: cannot create the license file %s: %s; nothing was counted\n",
			cmd, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "sspctl %s: %s is not a regular file; nothing was counted: give another --out\n",
			cmd, path);
		close(fd);
		return -1;
	}
	return fd;
}

static int write_out(int fd, const uint8_t *lic, size_t len)
{
	size_t done = 0;

	if (ftruncate(fd, 0) < 0)
		return -errno;
	while (done < len) {
		ssize_t n = pwrite(fd, lic + done, len - done, done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

static int do_license(struct args *a)
{
	const char *cmd = "hsm license";
	struct ssp_hsm_ctx ctx = { .serial = a->serial, .port = a->port,
				   .host_tool = "sspctl hsm license" };
	uint8_t cert[SSP_CERT_SIZE], lic[SSP_LIC_SIZE];
	struct ssp_err e = { 0 };
	char pin[SSP_HSM_PIN_MAX];
	struct ssp_hsm *h;
	int ret, fd, created;

	if (!a->cert || !a->out)
		return usage_err(cmd, "--cert CERT136 and --out LICENSE136 are required");
	if (ssp_hsm_read_pin(a->pin_file, pin, &e)) {
		print_err(cmd, &e);
		return a->pin_file ? SSPCTL_EXIT_FAIL : SSPCTL_EXIT_USAGE;
	}
	if (read_exact(cmd, "chip certificate (--cert)", a->cert, cert, sizeof(cert))) {
		ssp_wipe(pin, sizeof(pin));
		return SSPCTL_EXIT_FAIL;
	}
	ret = ssp_hsm_open(a->dir, pin, &h, &e);
	ssp_wipe(pin, sizeof(pin));
	if (ret) {
		print_err(cmd, &e);
		return SSPCTL_EXIT_FAIL;
	}
	fd = open_out(cmd, a->out, &created);
	if (fd < 0) {
		ssp_hsm_close(h);
		return SSPCTL_EXIT_FAIL;
	}
	ret = ssp_hsm_license(h, cert, &ctx, lic, &e);
	ssp_hsm_close(h);
	if (ret) {
		close(fd);
		if (created)
			unlink(a->out);
		print_err(cmd, &e);
		return ret == -ENOSPC ? SSPCTL_EXIT_NO_LICENSE : SSPCTL_EXIT_FAIL;
	}
	ret = write_out(fd, lic, sizeof(lic));
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret) {
		fprintf(stderr, "sspctl %s: the license was issued and counted but could not be saved to %s: %s; run the same command again once fixed: the HSM issues the same chip's license again at no cost\n",
			cmd, a->out, strerror(-ret));
		return SSPCTL_EXIT_FAIL;
	}
	printf("license for %s written to %s\n", a->cert, a->out);
	return SSPCTL_OK;
}

static int cmd_hsm(int argc, char **argv)
{
	struct args a = { 0 };
	char cmd[32];
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SSPCTL_EXIT_USAGE : SSPCTL_OK;
	}
	a.sub = argv[1];
	snprintf(cmd, sizeof(cmd), "hsm %s", a.sub);
	if (!strcmp(a.sub, "init"))
		a.allowed = BIT(O_DIR) | BIT(O_SERIES) | BIT(O_KEY) | BIT(O_NONCE) | BIT(O_COUNTER) |
			    BIT(O_ST_KEY) | BIT(O_FSBL) | BIT(O_KDF) | BIT(O_PIN) | BIT(O_TPM);
	else if (!strcmp(a.sub, "status"))
		a.allowed = BIT(O_DIR) | BIT(O_JSON) | BIT(O_PIN);
	else if (!strcmp(a.sub, "license"))
		a.allowed = BIT(O_DIR) | BIT(O_CERT) | BIT(O_OUT) | BIT(O_SERIAL) | BIT(O_PORT) |
			    BIT(O_PIN);
	else
		return usage_err("hsm", "unknown subcommand \"%s\" (init, status, license)", a.sub);
	ret = parse(argc - 1, argv + 1, &a, cmd);
	if (ret)
		return ret;
	if (a.help) {
		usage(stdout);
		return SSPCTL_OK;
	}
	if (!strcmp(a.sub, "init"))
		return do_init(&a);
	if (!strcmp(a.sub, "status"))
		return do_status(&a);
	return do_license(&a);
}

SSPCTL_COMMAND(hsm, "hsm", "software HSM: init, status, license from a chip certificate", cmd_hsm);
