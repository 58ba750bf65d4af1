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
#include "stm32_image.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl secrets build --series mp15|mp13 (--oem-key PUB... | --image FW)\n"
		"                            --rma-unlock N --rma-relock N --secrets BIN\n"
		"                            --key KEY16 --nonce NONCE16 --out FILE.ssp\n"
		"\n"
		"Encrypt the OEM secrets into a .ssp file (like STM32TrustedPackageCreator\n"
		"-ssp -ru -rr -b -pk -k -n -o).\n"
		"  --oem-key PUB.pem     OEM P-256 public key. MP15: exactly one (its hash is\n"
		"                        burnt as PKH). MP13: 1..%d keys in table order; the\n"
		"                        chip burns the hash of their key-hash table (PKHTH)\n"
		"  --image FW            MP13 instead of --oem-key: a signed STM32 header v2.0\n"
		"                        image; PKHTH = hash of its authentication extension's\n"
		"                        key table, the one the ROM checks\n"
		"  --rma-unlock N        RMA unlock password, 0..0x7FFF\n"
		"  --rma-relock N        RMA relock password, 0..0x7FFF\n"
		"  --secrets BIN         OEM secrets, 0..%d bytes (OTP words 59..95)\n"
		"  --key KEY16           OEM AES-128 key, 16 raw bytes (the HSM holds the same)\n"
		"  --nonce NONCE16       OEM nonce, 16 raw bytes, the last 4 zero\n"
		"  --out FILE.ssp        written atomically (%d bytes MP15, %d MP13)\n"
		"Prints the key fingerprint, to compare with `sspctl hsm status`, and for MP13\n"
		"the PKHTH and where its key table came from.\n"
		"Exit: 0 ok, 1 an input file is wrong (message says which), 2 bad arguments.\n",
		SSP_MP13_OEM_KEYS, SSP_USER_SECRETS_MAX, SSP_PAYLOAD_SIZE_MP15, SSP_PAYLOAD_SIZE_MP13);
}

enum { O_SERIES = 256, O_OEM_KEY, O_IMAGE, O_RU, O_RR, O_SECRETS, O_KEY, O_NONCE, O_OUT, O_HELP };

static const struct option options[] = {
	{ "series", required_argument, NULL, O_SERIES },
	{ "oem-key", required_argument, NULL, O_OEM_KEY },
	{ "image", required_argument, NULL, O_IMAGE },
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
	const char *series, *image, *ru, *rr, *secrets, *key, *nonce, *out;
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
		case O_IMAGE:
			a->image = optarg;
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

/* Largest image file read for its key table: more than any FSBL alternate. */
#define IMAGE_MAX	(4u << 20)

/*
 * MP13 PKHTH from the authentication extension of a signed v2.0 image: the
 * table the OEM's images carry is, by definition, the one the ROM hashes.
 */
static int pkhth_from_image(const char *cmd, const char *path, uint8_t pkhth[SSP_HASH_LEN])
{
	struct ssp_stm32_info info;
	struct ssp_err e = { 0 };
	char ver[12], fp[2 * SSP_HASH_LEN + 1];
	uint8_t *img;
	size_t len;
	int ret = -1;

	img = malloc(IMAGE_MAX);
	if (!img) {
		fprintf(stderr, "sspctl %s: out of memory reading %s\n", cmd, path);
		return -1;
	}
	if (ssp_read_file(path, img, IMAGE_MAX, &len, &e)) {
		fprintf(stderr, "sspctl %s: image (--image): %s\n", cmd, e.msg);
		goto out;
	}
	ret = ssp_stm32_image_parse(img, len, &info);
	if (ret && ret != -ENOTSUP) {
		fprintf(stderr, "sspctl %s: image %s: not a valid STM32 image (magic, header fields, extensions, length or checksum wrong); give the OEM's signed TF-A image for MP13 (header v2.0)\n",
			cmd, path);
		goto fail;
	}
	if (ret || info.header_version != ssp_stm32_rom_header_version(SSP_SERIES_MP13)) {
		fprintf(stderr, "sspctl %s: image %s: STM32 header version %s, but the MP13 ROM takes header v2.0, whose authentication extension holds the key table; give an MP13 image or the keys with --oem-key\n",
			cmd, path, ssp_stm32_version_name(info.header_version, ver));
		goto fail;
	}
	ret = ssp_stm32_image_pkhth(&info, pkhth);
	if (ret == -ENOKEY) {
		fprintf(stderr, "sspctl %s: image %s: header v2.0 without an authentication extension (an unsigned image has no key table); give the OEM's signed image or the keys with --oem-key\n",
			cmd, path);
		goto fail;
	}
	if (ret == -EBADMSG) {
		fprintf(stderr, "sspctl %s: image %s: its signing key (table index %u) does not hash to the table's entry %u, so no chip would boot it; check the signing tool's key table\n",
			cmd, path, info.auth.pk_idx, info.auth.pk_idx);
		goto fail;
	}
	if (ret) {
		fprintf(stderr, "sspctl %s: image %s: hashing the key table failed (%s)\n", cmd, path,
			strerror(-ret));
		goto fail;
	}
	ssp_hex_encode(pkhth, SSP_HASH_LEN, fp);
	printf("key table: from the authentication extension of %s (header v2.0, %u keys, signed by key %u)\n",
	       path, info.auth.nb_pk, info.auth.pk_idx);
	if (info.auth.nb_pk != SSP_MP13_OEM_KEYS)
		fprintf(stderr, "sspctl %s: warning: %s carries a table of %u keys, ST's MP13 tools write %d; the chip will boot only images whose table is exactly this one\n",
			cmd, path, info.auth.nb_pk, SSP_MP13_OEM_KEYS);
	printf("PKHTH %s\n", fp);
	ret = 0;
	goto out;
fail:
	ret = -1;
out:
	free(img);
	return ret;
}

/* MP13 PKHTH from N public keys, in table order. */
static int pkhth_from_keys(const char *cmd, const struct args *a,
			   const uint8_t (*pubs)[SSP_PUB_LEN], uint8_t pkhth[SSP_HASH_LEN])
{
	char fp[2 * SSP_HASH_LEN + 1];

	if (ssp_pkhth_from_keys(pubs, a->oem_keys, pkhth)) {
		fprintf(stderr, "sspctl %s: hashing the OEM key table failed\n", cmd);
		return -1;
	}
	ssp_hex_encode(pkhth, SSP_HASH_LEN, fp);
	printf("key table: %d --oem-key keys in the order given\n", a->oem_keys);
	if (a->oem_keys != SSP_MP13_OEM_KEYS)
		fprintf(stderr, "sspctl %s: warning: a table of %d keys, ST's MP13 tools write %d; the chip will boot only images whose table is exactly these %d keys in this order (to be sure, use --image with a signed image)\n",
			cmd, a->oem_keys, SSP_MP13_OEM_KEYS, a->oem_keys);
	printf("PKHTH %s\n", fp);
	return 0;
}

static int build(const struct args *a)
{
	const char *cmd = "secrets build";
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
	if (!a->ru || !a->rr || !a->secrets || !a->key || !a->nonce || !a->out) {
		usage_err(cmd, "--rma-unlock, --rma-relock, --secrets, --key, --nonce and --out are all required");
		goto out;
	}
	if (pl->series == SSP_SERIES_MP15 && (a->oem_keys != 1 || a->image)) {
		usage_err(cmd, "MP15 takes exactly one --oem-key and no --image (MP13 takes up to %d keys or --image)",
			  SSP_MP13_OEM_KEYS);
		goto out;
	}
	if (pl->series == SSP_SERIES_MP13 && !a->oem_keys == !a->image) {
		usage_err(cmd, "MP13 takes the key table from --image FW or from --oem-key keys, one of the two");
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
	}
	if (ssp_read_file(a->secrets, pl->secrets, SSP_USER_SECRETS_MAX, &len, &e)) {
		fprintf(stderr, "sspctl %s: secrets file: %s\n", cmd, e.msg);
		goto out;
	}
	pl->secrets_len = len;
	pl->rma_word = SSP_RMA_WORD(ru, rr);
	if (pl->series == SSP_SERIES_MP15)
		memcpy(pl->oem_pub, pubs[0], SSP_PUB_LEN);
	else if (a->image ? pkhth_from_image(cmd, a->image, pl->rpkth) :
		 pkhth_from_keys(cmd, a, (const uint8_t (*)[SSP_PUB_LEN])pubs, pl->rpkth))
		goto out;
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
