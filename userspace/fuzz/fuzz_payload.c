// SPDX-License-Identifier: GPL-2.0-only
/*
 * ssp_payload_parse() and ssp_payload_open(). The series comes from the
 * input length, as sspctl and the simulator take it from the .ssp file.
 */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN], again[SSP_PAYLOAD_SIZE_MP15];
	struct ssp_payload_plain hdr, pl;
	enum ssp_series s;
	unsigned int used;
	int ret;

	if (ssp_payload_series(size, &s))
		s = size & 1 ? SSP_SERIES_MP13 : SSP_SERIES_MP15;	/* still try: must fail */
	ret = ssp_payload_parse(data, size, s, &hdr);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(hdr.secret_size >= 1 && hdr.secret_size <= SSP_SECRETS_MAX);
	fuzz_hex(FUZZ_OEM_KEY, key, sizeof(key));
	fuzz_hex(FUZZ_OEM_NONCE, nonce, sizeof(nonce));
	ret = ssp_payload_open(data, size, s, key, nonce, &pl);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	if (ret || pl.secret_size < 4)
		return 0;
	/* An authentic payload reseals to the same used bytes. */
	FUZZ_CHECK(ssp_payload_seal(&pl, key, nonce, again, size) == 0);
	used = ssp_payload_off_secrets(s) + pl.secret_size;
	FUZZ_CHECK(memcmp(again, data, used) == 0);
	return 0;
}
