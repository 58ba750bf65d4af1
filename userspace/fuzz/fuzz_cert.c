// SPDX-License-Identifier: GPL-2.0-only
/* ssp_cert_parse(), ssp_cert_build() and ssp_cert_verify() on arbitrary bytes. */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t st_pub[SSP_PUB_LEN], again[SSP_CERT_SIZE];
	struct ssp_cert_info info;
	char id[9];

	if (ssp_cert_parse(data, size, &info))
		return 0;
	/* A certificate that parses is rebuilt to the same bytes. */
	FUZZ_CHECK(ssp_cert_build(&info, again) == 0);
	FUZZ_CHECK(memcmp(again, data, SSP_CERT_SIZE) == 0);
	ssp_cert_product_id(&info, id);
	FUZZ_CHECK(strlen(id) == 8 && memcmp(id, data, 8) == 0);
	fuzz_hex(FUZZ_ST_PUB, st_pub, sizeof(st_pub));
	ssp_cert_verify(st_pub, data);
	return 0;
}
