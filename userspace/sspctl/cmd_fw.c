// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl fw info: what an STM32 image header says (image-header-and-otp.md
 * §A), so an engineer can check the SSP firmware before a line run: the
 * version and the ROM that takes it, the fields, the key or key table and
 * the PKH/PKHTH it implies, and whether the signature verifies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "crypto.h"
#include "opts.h"
#include "stm32_image.h"
#include "util.h"

#define IMAGE_MAX	(4u << 20)	/* more than any FSBL alternate */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl fw info FILE\n"
		"\n"
		"Print what the STM32 image header of FILE says: header version (v1.0 for\n"
		"the MP15 ROM, v2.0 for MP13, v2.2 for MP25), length, entry point, load\n"
		"address, image version, binary type, flags and extensions, the signing key\n"
		"(v1) or the key table (v2 authentication extension) with the PKH (MP15) or\n"
		"PKHTH (MP13) the chip must hold to boot it, and whether the signature\n"
		"verifies (v2.0 signed range: INFERRED, spec 7.2).\n"
		"Exit: 0 a valid image, signed correctly or unsigned; 1 not an STM32 image\n"
		"or its signature does not verify; 2 bad arguments.\n");
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	char hex[2 * SSP_PUB_LEN + 1];

	ssp_hex_encode(p, n, hex);
	printf("%-20s%s\n", label, hex);
}

static const char *rom_of(uint32_t hv)
{
	switch (hv) {
	case SSP_STM32_HV_1_0:
		return "STM32MP15 ROM";
	case SSP_STM32_HV_2_0:
		return "STM32MP13 ROM";
	case SSP_STM32_HV_2_2:
		return "STM32MP25 ROM";
	default:
		return "no supported ROM";
	}
}

static void print_v1(const struct ssp_stm32_info *i)
{
	uint8_t h[SSP_HASH_LEN];

	printf("%-20s0x%08x%s\n", "option flags:", i->option_flags,
	       i->option_flags & SSP_STM32_OPT_NO_SIG ? " (no signature check requested)" : "");
	printf("%-20s%u%s\n", "ECDSA algorithm:", i->ecdsa_algo,
	       i->ecdsa_algo == SSP_KEY_ALGO_P256 ? " (P-256)" : i->ecdsa_algo == 2 ? " (brainpool P256)" : "");
	print_hex("public key:", i->pub, SSP_PUB_LEN);
	if (!ssp_sha256(i->pub, SSP_PUB_LEN, h))
		print_hex("MP15 PKH:", h, SSP_HASH_LEN);
}

static void print_v2(const struct ssp_stm32_info *i)
{
	const struct ssp_stm32_auth *a = &i->auth;
	uint8_t h[SSP_HASH_LEN];
	char label[24];
	int ret;

	printf("%-20s0x%08x (%s%s%s)\n", "extension flags:", i->ext_flags,
	       i->ext_flags & SSP_STM32_EXTF_AUTH ? "authentication " : "",
	       i->ext_flags & SSP_STM32_EXTF_DECRYPT ? "decryption " : "",
	       i->ext_flags & SSP_STM32_EXTF_PADDING ? "padding" : "");
	printf("%-20s%u bytes\n", "extensions:", i->ext_len);
	if (!i->has_auth) {
		printf("%-20snone (unsigned image: no key table, a closed chip refuses it)\n",
		       "authentication:");
		return;
	}
	printf("%-20skey %u of %u, algorithm %u%s\n", "authentication:", a->pk_idx, a->nb_pk,
	       a->algo, a->algo == SSP_KEY_ALGO_P256 ? " (P-256)" : "");
	print_hex("signing key:", a->pub, SSP_PUB_LEN);
	for (uint32_t k = 0; k < a->nb_pk; k++) {
		snprintf(label, sizeof(label), "key hash %u:", k);
		print_hex(label, a->pkh[k], SSP_HASH_LEN);
	}
	ret = ssp_stm32_image_pkhth(i, h);
	if (!ret)
		print_hex("MP13 PKHTH:", h, SSP_HASH_LEN);
	else if (ret == -EBADMSG)
		printf("%-20snone: the signing key does not hash to table entry %u\n", "MP13 PKHTH:",
		       a->pk_idx);
	if (a->nb_pk != SSP_MP13_OEM_KEYS)
		printf("%-20s%u keys in the table; ST's MP13 tools write %d\n", "note:", a->nb_pk,
		       SSP_MP13_OEM_KEYS);
}

static int fw_info(const char *path)
{
	struct ssp_stm32_info info;
	struct ssp_err e = { 0 };
	char ver[12];
	uint8_t *img;
	size_t len;
	int ret, st = SSPCTL_EXIT_FAIL;

	img = malloc(IMAGE_MAX);
	if (!img) {
		fprintf(stderr, "sspctl fw info: out of memory reading %s\n", path);
		return SSPCTL_EXIT_FAIL;
	}
	if (ssp_read_file(path, img, IMAGE_MAX, &len, &e)) {
		fprintf(stderr, "sspctl fw info: %s\n", e.msg);
		goto out;
	}
	ret = ssp_stm32_image_parse(img, len, &info);
	if (ret == -ENOTSUP) {
		fprintf(stderr, "sspctl fw info: %s: STM32 header version %s is not supported (v1.0, v2.0 and v2.2 are)\n",
			path, ssp_stm32_version_name(info.header_version, ver));
		goto out;
	}
	if (ret) {
		fprintf(stderr, "sspctl fw info: %s: not a valid STM32 image (magic, header fields, extensions, length or checksum wrong)\n",
			path);
		goto out;
	}
	printf("%-20s%s, %zu bytes\n", "file:", path, len);
	printf("%-20sv%s (%zu-byte header), for the %s\n", "header version:",
	       ssp_stm32_version_name(info.header_version, ver), info.header_size,
	       rom_of(info.header_version));
	printf("%-20s%u bytes, checksum 0x%08x\n", "image length:", info.image_length, info.checksum);
	if (info.trailing)
		printf("%-20s%zu bytes after the image (ignored)\n", "padding:", info.trailing);
	printf("%-20s0x%08x\n", "entry point:", info.entry_point);
	printf("%-20s0x%08x\n", "load address:", info.load_address);
	printf("%-20s%u\n", "image version:", info.image_version);
	printf("%-20s0x%02x%s\n", "binary type:", info.binary_type,
	       info.binary_type >= 0x10 && info.binary_type <= 0x1F ? " (TF-A)" : "");
	if (info.header_version == SSP_STM32_HV_1_0)
		print_v1(&info);
	else
		print_v2(&info);
	ret = ssp_stm32_image_verify(img, &info);
	if (!ret) {
		printf("%-20svalid%s\n", "signature:",
		       info.header_version == SSP_STM32_HV_1_0 ? "" :
		       " (over header[72..end of extensions) || payload, the INFERRED v2.0 range)");
		st = SSPCTL_OK;
	} else if (ret == -ENOKEY ||
		   (info.header_version == SSP_STM32_HV_1_0 &&
		    (info.option_flags & SSP_STM32_OPT_NO_SIG) && ret == -EBADMSG &&
		    !memcmp(info.sig, (uint8_t[SSP_SIG_LEN]){ 0 }, SSP_SIG_LEN))) {
		printf("%-20snone (unsigned image)\n", "signature:");
		st = SSPCTL_OK;
	} else {
		printf("%-20sINVALID (%s)\n", "signature:",
		       ret == -EBADMSG ? "does not verify with the image's key" :
		       "algorithm other than P-256");
	}
out:
	free(img);
	return st;
}

static int cmd_fw(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? SSPCTL_EXIT_USAGE : SSPCTL_OK;
	}
	if (strcmp(argv[1], "info"))
		return usage_err("fw", "unknown subcommand \"%s\" (info)", argv[1]);
	if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		usage(stdout);
		return SSPCTL_OK;
	}
	if (argc != 3)
		return usage_err("fw info", "give exactly one image FILE");
	return fw_info(argv[2]);
}

SSPCTL_COMMAND(fw, "fw", "show what an STM32 image header says (fw info FILE)", cmd_fw);
