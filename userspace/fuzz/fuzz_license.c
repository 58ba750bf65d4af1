// SPDX-License-Identifier: GPL-2.0-only
/* ssp_license_parse() and ssp_license_open() (ECDH on the fuzzed point). */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t chip[SSP_PRIV_LEN], key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN];
	struct ssp_license_info info;
	int ret;

	if (ssp_license_parse(data, size, &info))
		return 0;
	FUZZ_CHECK(info.version == SSP_LIC_VERSION);
	fuzz_hex(FUZZ_CHIP_PRIV, chip, sizeof(chip));
	ret = ssp_license_open(chip, data, key, nonce);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EBADMSG);
	if (ret == 0)
		FUZZ_CHECK(ssp_nonce_check(nonce) == 0);
	return 0;
}
