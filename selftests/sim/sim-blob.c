// SPDX-License-Identifier: GPL-2.0-only
/*
 * sim-blob: the HSM side of stage B for the sspsim conformance tests, so
 * that dfu-util alone can drive a whole SSP run. Verifies the chip
 * certificate uploaded from the chip (145 bytes with the 9-byte header, or
 * the bare 136) against the simulator's test ST key, then writes
 * license || payload with fixed test secrets. With --expect it prints the
 * OTP words (`WORD 0xVALUE`) a correct stage C must burn.
 *
 * usage: sim-blob CERT ST_PUB.pem mp15|mp13 OEM_PUB.pem OUT [--expect]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "util.h"

static const uint8_t oem_key[16] = "sspsim-test-key!";
static const uint8_t oem_nonce[16] = "nonce-12byte\0\0\0";

int main(int argc, char **argv)
{
	uint8_t buf[512], st_pub[SSP_PUB_LEN], blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15], hash[32];
	const uint8_t *cert;
	struct ssp_license_params lp = { SSP_LIC_TYPE_NORMAL, 0, 0 };
	struct ssp_payload_plain plain;
	struct ssp_cert_info ci;
	enum ssp_series series;
	size_t len, blen;
	int ret;

	if (argc < 6 || (strcmp(argv[3], "mp15") && strcmp(argv[3], "mp13"))) {
		fprintf(stderr, "usage: sim-blob CERT ST_PUB.pem mp15|mp13 OEM_PUB.pem OUT [--expect]\n");
		return 2;
	}
	series = strcmp(argv[3], "mp13") ? SSP_SERIES_MP15 : SSP_SERIES_MP13;
	ret = ssp_read_file(argv[1], buf, sizeof(buf), &len, NULL);
	if (ret || (len != SSP_CERT_SIZE && len != 9 + SSP_CERT_SIZE)) {
		fprintf(stderr, "sim-blob: %s: expected a 136 or 145-byte certificate\n", argv[1]);
		return 1;
	}
	cert = buf + (len - SSP_CERT_SIZE);
	if (ssp_pem_read_pub(argv[2], st_pub) || ssp_cert_parse(cert, SSP_CERT_SIZE, &ci)) {
		fprintf(stderr, "sim-blob: cannot read %s or parse the certificate\n", argv[2]);
		return 1;
	}
	if (ssp_cert_verify(st_pub, cert)) {
		fprintf(stderr, "sim-blob: the certificate is not signed by the key in %s\n", argv[2]);
		return 3;
	}
	memset(&plain, 0, sizeof(plain));
	plain.series = series;
	if (ssp_pem_read_pub(argv[4], plain.oem_pub)) {
		fprintf(stderr, "sim-blob: cannot read %s\n", argv[4]);
		return 1;
	}
	if (series == SSP_SERIES_MP13 && ssp_pkhth_from_keys(&plain.oem_pub, 1, plain.rpkth)) {
		fprintf(stderr, "sim-blob: cannot hash the OEM key table\n");
		return 1;
	}
	plain.rma_word = SSP_RMA_WORD(0x1234, 0x2345);
	plain.secrets_len = SSP_USER_SECRETS_MAX;
	for (size_t i = 0; i < plain.secrets_len; i++)
		plain.secrets[i] = (uint8_t)(0x80 | i);
	blen = SSP_LIC_SIZE + ssp_payload_size(series);
	ret = ssp_license_make(ci.chip_pub, oem_key, oem_nonce, &lp, NULL, blob);
	if (!ret)
		ret = ssp_payload_seal(&plain, oem_key, oem_nonce, blob + SSP_LIC_SIZE, blen - SSP_LIC_SIZE);
	if (!ret)
		ret = ssp_write_file_atomic(argv[5], blob, blen, 0600, NULL);
	if (ret) {
		fprintf(stderr, "sim-blob: cannot make the blob: %s\n", strerror(-ret));
		return 1;
	}
	if (argc > 6 && !strcmp(argv[6], "--expect")) {
		if (series == SSP_SERIES_MP15)
			ssp_sha256(plain.oem_pub, SSP_PUB_LEN, hash);
		else
			memcpy(hash, plain.rpkth, sizeof(hash));
		for (int i = 0; i < 8; i++)
			printf("%d 0x%08x\n", SSP_OTP_PKH + i, ssp_get_be32(hash + 4 * i));
		printf("%d 0x%08x\n", SSP_OTP_RMA, plain.rma_word & ssp_otp_map(series)->rma_mask);
		for (int i = 0; i < SSP_OTP_SECRET_WORDS; i++)
			printf("%d 0x%08x\n", SSP_OTP_SECRETS + i, ssp_get_le32(plain.secrets + 4 * i));
	}
	return 0;
}
