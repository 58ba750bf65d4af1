// SPDX-License-Identifier: GPL-2.0-only
/* ssp_stm32_parse() and ssp_stm32_verify() on arbitrary images. */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "formats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssp_stm32_image img;
	uint32_t sum = 0;
	size_t i;
	int ret;

	ret = ssp_stm32_parse(data, size, &img);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(ssp_stm32_verify(data, size) == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(img.payload == data + SSP_STM32_HDR_SIZE);
	FUZZ_CHECK(img.image_length == size - SSP_STM32_HDR_SIZE);
	for (i = 0; i < img.image_length; i++)
		sum += img.payload[i];
	FUZZ_CHECK(sum == ssp_get_le32(data + SSP_STM32_OFF_CSUM));
	ret = ssp_stm32_verify(data, size);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EINVAL);
	return 0;
}
