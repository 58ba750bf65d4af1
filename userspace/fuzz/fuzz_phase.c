// SPDX-License-Identifier: GPL-2.0-only
/*
 * The GetPhase reply as userspace reads it (struct stm32_ssp_phase from the
 * driver, its reply bytes straight from the chip): ssp_prov_classify(), and
 * the stage machine ssp_prov_decide() driven by the fuzzed observations.
 *
 * Input: series/flags byte, message buffer size, phase, address (LE32),
 * result bits, reply_len (LE16, may exceed the reply on purpose), then the
 * reply bytes; what follows the reply drives the walk through the steps.
 *
 * Properties: the message fits its buffer, is NUL-terminated and printable;
 * the kind matches the message; every walk ends within a bounded number of
 * steps with a result, never goes back a stage, and names a cause when it
 * fails.
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "fuzz.h"
#include "provision.h"

#define MAX_DECISIONS	24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t take(const uint8_t **p, size_t *left)
{
	if (!*left)
		return 0;
	(*left)--;
	return *(*p)++;
}

static enum ssp_phase_kind classify(enum ssp_series series, const struct stm32_ssp_phase *ph,
				    size_t msg_len)
{
	char *msg = malloc(msg_len);	/* exactly msg_len: ASan catches a byte more */
	enum ssp_phase_kind k;
	size_t n;

	FUZZ_CHECK(msg);
	k = ssp_prov_classify(series, ph, msg, msg_len);
	n = strnlen(msg, msg_len);
	FUZZ_CHECK(n < msg_len);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(msg[i] >= 0x20 && msg[i] < 0x7f);
	FUZZ_CHECK(k <= SSP_PK_UNEXPECTED);
	if (ph->phase == STM32_SSP_PHASE_RESET)
		FUZZ_CHECK(k == SSP_PK_PROVISIONING || k == SSP_PK_CLOSED || k == SSP_PK_ERROR);
	if (k == SSP_PK_PROVISIONING)
		FUZZ_CHECK(!strcmp(msg, "Provisioning"));
	if (k == SSP_PK_CLOSED)
		FUZZ_CHECK(strstr(msg, "closed chip"));
	if (k == SSP_PK_UNEXPECTED && msg_len > 40)
		FUZZ_CHECK(n);	/* says which phase and address */
	free(msg);
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stm32_ssp_phase ph;
	const uint8_t *p = data;
	size_t left = size, msg_len, rlen;
	enum ssp_series series;
	struct ssp_prov_state s;
	struct ssp_prov_next n;
	uint8_t flags;
	int i;

	if (size < 10)
		return 0;
	flags = take(&p, &left);
	series = flags & 1 ? SSP_SERIES_MP13 : SSP_SERIES_MP15;
	msg_len = 1 + take(&p, &left);
	memset(&ph, 0, sizeof(ph));
	ph.size = sizeof(ph);
	ph.phase = take(&p, &left);
	ph.address = ssp_get_le32(p);
	p += 4;
	left -= 4;
	ph.result = take(&p, &left);
	ph.reply_len = take(&p, &left);
	ph.reply_len |= (uint32_t)take(&p, &left) << 8;
	rlen = left < STM32_SSP_PHASE_REPLY_MAX ? left : STM32_SSP_PHASE_REPLY_MAX;
	if (ph.reply_len < rlen)
		rlen = ph.reply_len;
	memcpy(ph.reply, p, rlen);
	p += rlen;
	left -= rlen;

	/* A walk from START; each step's observation comes from the input. */
	memset(&s, 0, sizeof(s));
	s.stage = 'A';
	s.step = SSP_STEP_START;
	s.chip_stage = take(&p, &left) % 4;
	for (i = 0; i < MAX_DECISIONS; i++) {
		ssp_prov_decide(&s, &n);
		FUZZ_CHECK(n.stage >= s.stage && n.stage <= 'C');
		if (n.step == SSP_STEP_END) {
			FUZZ_CHECK(n.result != SSP_PROV_RUNNING && n.result != SSP_PROV_PENDING);
			if (n.result == SSP_PROV_FAILED)
				FUZZ_CHECK(n.cause && n.cause[0]);
			break;
		}
		FUZZ_CHECK(n.result == SSP_PROV_RUNNING && n.step > SSP_STEP_START &&
			   n.step < SSP_STEP_END);
		s.stage = n.stage;
		s.step = n.step;
		s.fw = take(&p, &left) % 3;
		s.detached = take(&p, &left) & 1;
		if (s.step == SSP_STEP_GET_PHASE)
			s.phase = classify(series, &ph, msg_len);
	}
	FUZZ_CHECK(i < MAX_DECISIONS);
	return 0;
}
