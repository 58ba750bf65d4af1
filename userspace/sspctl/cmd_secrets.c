// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl secrets build: the encrypted .ssp payload (spec §4.3, §7.1), the
 * same job as STM32TrustedPackageCreator -ssp.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crypto.h"
#include "dev.h"
#include "formats.h"
#include "hsm.h"
#include "opts.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl secrets build --series mp15|mp13 --oem-key PUB.pem\n"
		"                            --rma-unlock N --rma-relock N --secrets BIN\n"
		"                            --key KEY16 --nonce NONCE16 --out FILE.ssp\n"
		"\n"
		"Encrypt the OEM secrets into a .ssp file (like STM32TrustedPackageCreator\n"
		"-ssp -ru -rr -b -pk -k -n -o).\n"
		"  --oem-key PUB.pem     OEM P-256 public key (its hash is burnt as PKH); MP13:\n"
		"                        repeat for up to %d keys (table hash, slot order)\n"
		"  --rma-unlock N        RMA unlock password, 0..0x7FFF\n"
		"  --rma-relock N        RMA relock password, 0..0x7FFF\n"
		"  --secrets BIN         OEM secrets, 0..%d bytes (OTP words 59..95)\n"
		"  --key KEY16           OEM AES-128 key, 16 raw bytes (the HSM holds the same)\n"
		"  --nonce NONCE16       OEM nonce, 16 raw bytes, the last 4 zero\n"
		"  --out FILE.ssp        written atomically (%d bytes MP15, %d MP13)\n"
		"Prints the key fingerprint, to compare with `sspctl hsm status`.\n"
		"Exit: 0 ok, 1 an input file is wrong (message says which), 2 bad arguments.\n",
		SSP_MP13_OEM_KEYS, SSP_USER_SECRETS_MAX, SSP_PAYLOAD_SIZE_MP15, SSP_PAYLOAD_SIZE_MP13);
}

enum { O_SERIES = 256, O_OEM_KEY, O_RU, O_RR, O_SECRETS, O_KEY, O_NONCE, O_OUT, O_HELP };

static const struct option options[] = {
	{ "series", required_argument, NULL, O_SERIES },
	{ "oem-key", required_argument, NULL, O_OEM_KEY },
	{ "rma-unlock", required_argument, NULL, O_RU },
	{ "rma-relock", required_argument, NULL, O_RR },
	{ "secrets", required_argument, NULL, O_SECRETS },
	{ "key", required_argument, NULL, O_KEY },
	{ "nonce", required_argument, NULL, O_NONCE },
	{ "out", required_argument, NULL, O_OUT },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *series, *ru, *rr, *secrets, *key, *nonce, *out;
	const char *oem_key[SSP_MP13_OEM_KEYS];
	int oem_keys, help;
};

static int parse(int argc, char **argv, struct args *a, const char *cmd)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case O_SERIES:
			a->series = optarg;
			break;
		case O_RU:
			a->ru = optarg;
			break;
		case O_RR:
			a->rr = optarg;
			break;
		case O_SECRETS:
			a->secrets = optarg;
			break;
		case O_KEY:
			a->key = optarg;
			break;
		case O_NONCE:
			a->nonce = optarg;
			break;
		case O_OUT:
			a->out = optarg;
			break;
		case 'h':
		case O_HELP:
			a->help = 1;
			break;
		case O_OEM_KEY:
			if (a->oem_keys == SSP_MP13_OEM_KEYS)
				return usage_err(cmd, "at most %d --oem-key options", SSP_MP13_OEM_KEYS);
			a->oem_key[a->oem_keys++] = optarg;
			break;
		case ':':
			return usage_err(cmd, "option \"%s\" needs a value", argv[optind - 1]);
		default:
			return usage_err(cmd, "unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_err(cmd, "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

static int build(const struct args *a)
{
	const char *cmd = "secrets build";
	const uint8_t *slots[SSP_MP13_OEM_KEYS] = { NULL };
	uint8_t pubs[SSP_MP13_OEM_KEYS][SSP_PUB_LEN];
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN], out[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain *pl = NULL, *back = NULL;
	struct ssp_err e = { 0 };
	uint64_t ru, rr;
	char fp[65];
	size_t len;
	int i, ret;

	pl = calloc(1, sizeof(*pl));
	back = calloc(1, sizeof(*back));
	if (!pl || !back) {
		free(pl);
		free(back);
		fprintf(stderr, "sspctl %s: out of memory\n", cmd);
		return SSPCTL_EXIT_FAIL;
	}
	ret = SSPCTL_EXIT_USAGE;
	if (!a->series || ssp_series_parse(a->series, &pl->series)) {
		usage_err(cmd, "--series mp15|mp13 is required");
		goto out;
	}
	if (!a->oem_keys || !a->ru || !a->rr || !a->secrets || !a->key || !a->nonce || !a->out) {
		usage_err(cmd, "--oem-key, --rma-unlock, --rma-relock, --secrets, --key, --nonce and --out are all required");
		goto out;
	}
	if (pl->series == SSP_SERIES_MP15 && a->oem_keys != 1) {
		usage_err(cmd, "MP15 takes exactly one --oem-key (MP13 takes up to %d)",
			  SSP_MP13_OEM_KEYS);
		goto out;
	}
	if (opt_u64(cmd, "--rma-unlock", a->ru, SSP_RMA_PASSWORD_MAX, &ru) ||
	    opt_u64(cmd, "--rma-relock", a->rr, SSP_RMA_PASSWORD_MAX, &rr))
		goto out;

	ret = SSPCTL_EXIT_FAIL;
	for (i = 0; i < a->oem_keys; i++) {
		int err = ssp_pem_read_pub(a->oem_key[i], pubs[i]);

		if (err) {
			fprintf(stderr, "sspctl %s: OEM key %s: not a readable P-256 public key PEM (%s); give the public half of the OEM signing key\n",
				cmd, a->oem_key[i], strerror(-err));
			goto out;
		}
		slots[i] = pubs[i];
	}
	if (ssp_read_file(a->secrets, pl->secrets, SSP_USER_SECRETS_MAX, &len, &e)) {
		fprintf(stderr, "sspctl %s: secrets file: %s\n", cmd, e.msg);
		goto out;
	}
	pl->secrets_len = len;
	pl->rma_word = SSP_RMA_WORD(ru, rr);
	if (pl->series == SSP_SERIES_MP15) {
		memcpy(pl->oem_pub, pubs[0], SSP_PUB_LEN);
	} else if (ssp_rpkth(slots, pl->rpkth)) {
		fprintf(stderr, "sspctl %s: hashing the OEM key table failed\n", cmd);
		goto out;
	}
	if (read_exact(cmd, "OEM key (--key)", a->key, key, sizeof(key)) ||
	    read_exact(cmd, "OEM nonce (--nonce)", a->nonce, nonce, sizeof(nonce)))
		goto out;
	if (ssp_nonce_check(nonce)) {
		fprintf(stderr, "sspctl %s: OEM nonce %s: its last 4 bytes are not zero; ssp-v1 uses a 96-bit IV followed by 4 zero bytes, so make a nonce of 12 random bytes and 4 zero bytes\n",
			cmd, a->nonce);
		goto out;
	}
	len = ssp_payload_size(pl->series);
	if (ssp_payload_seal(pl, key, nonce, out, len)) {
		fprintf(stderr, "sspctl %s: encrypting the payload failed\n", cmd);
		goto out;
	}
	/* Read it back as a chip would, before anyone relies on the file. */
	if (ssp_payload_open(out, len, pl->series, key, nonce, back) ||
	    back->rma_word != pl->rma_word || back->secrets_len != pl->secrets_len ||
	    memcmp(back->secrets, pl->secrets, pl->secrets_len)) {
		fprintf(stderr, "sspctl %s: the payload does not decrypt back to the inputs; nothing was written\n",
			cmd);
		goto out;
	}
	if (ssp_write_file_atomic(a->out, out, len, 0644, &e)) {
		print_err(cmd, &e);
		goto out;
	}
	ssp_hsm_fingerprint(key, nonce, fp);
	printf("%s: %s secrets file, %zu bytes (%zu secret bytes + RMA word), key fingerprint %.16s\n",
	       a->out, ssp_series_name(pl->series), len, pl->secrets_len, fp);
	ret = SSPCTL_OK;
out:
	ssp_wipe(key, sizeof(key));
	ssp_wipe(nonce, sizeof(nonce));
	ssp_wipe(pl, sizeof(*pl));
	ssp_wipe(back, sizeof(*back));
	free(pl);
	free(back);
	return ret;
}

static int cmd_secrets(int argc, char **argv)
{
	struct args a = { 0 };
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SSPCTL_EXIT_USAGE : SSPCTL_OK;
	}
	if (strcmp(argv[1], "build"))
		return usage_err("secrets", "unknown subcommand \"%s\" (build)", argv[1]);
	ret = parse(argc - 1, argv + 1, &a, "secrets build");
	if (ret)
		return ret;
	if (a.help) {
		usage(stdout);
		return SSPCTL_OK;
	}
	return build(&a);
}

SSPCTL_COMMAND(secrets, "secrets", "build the encrypted .ssp secrets file", cmd_secrets);
