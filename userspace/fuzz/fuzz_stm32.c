// SPDX-License-Identifier: GPL-2.0-only
/*
 * The STM32 image parser on arbitrary images: ssp_stm32_image_parse() with
 * the signature and key-table checks behind it (stm32_image.h, v1.0 and
 * v2.0/v2.2 with TLV extensions).
 */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "fuzz.h"
#include "stm32_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_image(const uint8_t *data, size_t size)
{
	struct ssp_stm32_info info;
	uint8_t h[SSP_HASH_LEN];
	uint32_t sum = 0;
	size_t i;
	int ret;

	ret = ssp_stm32_image_parse(data, size, &info);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOTSUP);
		return;
	}
	FUZZ_CHECK(info.header_version == SSP_STM32_HV_1_0 ||
		   info.header_version == SSP_STM32_HV_2_0 ||
		   info.header_version == SSP_STM32_HV_2_2);
	if (info.header_version == SSP_STM32_HV_1_0)
		FUZZ_CHECK(info.header_size == SSP_STM32_HDR_SIZE && !info.has_auth);
	else
		FUZZ_CHECK(info.header_size == SSP_STM32_V2_BASE_SIZE + info.ext_len);
	FUZZ_CHECK(info.header_size + info.image_length + info.trailing == size);
	FUZZ_CHECK(info.payload == data + info.header_size);
	for (i = 0; i < info.image_length; i++)
		sum += info.payload[i];
	FUZZ_CHECK(sum == info.checksum);
	if (info.has_auth)
		FUZZ_CHECK(info.auth.nb_pk >= 1 && info.auth.nb_pk <= SSP_MP13_PKH_TABLE_MAX &&
			   info.auth.pk_idx < info.auth.nb_pk);
	ret = ssp_stm32_image_pkhth(&info, h);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOKEY);
	FUZZ_CHECK(!ret == (info.has_auth && ret != -EBADMSG));
	ret = ssp_stm32_image_verify(data, &info);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EINVAL || ret == -ENOKEY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_image(data, size);
	return 0;
}
