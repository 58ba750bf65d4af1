// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel driver's decoders of what a chip sends back (driver/decode.c:
 * GetPhase reply, certificate upload, string descriptor), built in userspace
 * with the kernel helpers of kshim/. Input: a selector byte (modulo 3:
 * phase, certificate, string); for a string, a byte giving the size of the
 * result buffer (1..256); then the bytes as the chip sent them. They are
 * copied to a buffer of exactly their length, so a read past it is caught.
 *
 * Properties: a decoder accepts exactly the lengths it should and leaves
 * its output untouched when it refuses; GetPhase: reply_len == len, the
 * reply bytes are copied, phase/address/offset are bytes 0-8, the result
 * bits match the bytes, decoding in place gives the same, and a 10-byte
 * detach request built from the input round-trips (and stops being one
 * when any of its defining bytes changes); certificate: address and the
 * 136 bytes after the header; string: the result is the NUL-terminated,
 * printable image of the UTF-16 units within both the bytes received and
 * bLength, cut to the buffer, and re-encoding it decodes to the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../driver/decode.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	FUZZ_CHECK(b);
	memcpy(b, p, len);
	return b;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void check_phase_of(const struct stm32_ssp_phase *ph, const uint8_t *b, int len)
{
	uint32_t want = 0;
	int i;

	FUZZ_CHECK(ph->reply_len == (uint32_t)len);
	FUZZ_CHECK(!memcmp(ph->reply, b, len));
	for (i = len; i < STM32_SSP_PHASE_REPLY_MAX; i++)
		FUZZ_CHECK(ph->reply[i] == 0xA5);	/* nothing written past len */
	FUZZ_CHECK(ph->phase == b[0] && ph->address == le32(b + 1) &&
		   ph->offset == le32(b + 5));
	if (len == 10 && b[9] == 1 && b[0] == 0 && le32(b + 1) == 0xffffffff)
		want |= STM32_SSP_PHASE_R_DETACH_REQ;
	if (b[0] == STM32_SSP_PHASE_RESET)
		want |= STM32_SSP_PHASE_R_ERROR;
	FUZZ_CHECK(ph->result == want);
	FUZZ_CHECK(ph->size == 0x11111111 && ph->flags == 0x22222222 &&
		   ph->reserved == 0x33333333);	/* input fields untouched */
}

static void phase_init(struct stm32_ssp_phase *ph)
{
	memset(ph, 0xA5, sizeof(*ph));
	ph->size = 0x11111111;
	ph->flags = 0x22222222;
	ph->reserved = 0x33333333;
}

/* A detach request "00 FFFFFFFF <offset> 01" and what breaks it. */
static void detach_round_trip(const uint8_t *off4)
{
	static const int key[] = { 0, 1, 2, 3, 4, 9 };
	struct stm32_ssp_phase *ph = malloc(sizeof(*ph));
	uint8_t req[10] = { 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1 };
	size_t k;

	FUZZ_CHECK(ph);
	memcpy(req + 5, off4, 4);
	phase_init(ph);
	FUZZ_CHECK(ssp_phase_decode(ph, req, sizeof(req)) == 0);
	FUZZ_CHECK(ph->result == STM32_SSP_PHASE_R_DETACH_REQ && ph->phase == 0 &&
		   ph->address == 0xffffffff && ph->offset == le32(off4) &&
		   ph->reply_len == 10);
	for (k = 0; k < sizeof(key) / sizeof(key[0]); k++) {
		req[key[k]] ^= 0x01;
		phase_init(ph);
		FUZZ_CHECK(ssp_phase_decode(ph, req, sizeof(req)) == 0);
		FUZZ_CHECK(!(ph->result & STM32_SSP_PHASE_R_DETACH_REQ));
		req[key[k]] ^= 0x01;
	}
	/* One byte more or less: not a detach request either. */
	phase_init(ph);
	FUZZ_CHECK(ssp_phase_decode(ph, req, 9) == 0 && ph->result == 0);
	free(ph);
}

static void phase(const uint8_t *b, int len)
{
	struct stm32_ssp_phase *ph = malloc(sizeof(*ph));
	struct stm32_ssp_phase *in = malloc(sizeof(*in));
	struct stm32_ssp_phase *before = malloc(sizeof(*before));
	uint8_t off4[4] = { 0 };
	int ret;

	FUZZ_CHECK(ph && in && before);
	phase_init(ph);
	*before = *ph;
	ret = ssp_phase_decode(ph, b, len);
	if (len < 9 || len > STM32_SSP_PHASE_REPLY_MAX) {
		FUZZ_CHECK(ret == -EPROTO);
		FUZZ_CHECK(!memcmp(ph, before, sizeof(*ph)));
	} else {
		FUZZ_CHECK(ret == 0);
		check_phase_of(ph, b, len);
		/* In place, as the driver calls it: the same result. */
		phase_init(in);
		memcpy(in->reply, b, len);
		FUZZ_CHECK(ssp_phase_decode(in, in->reply, len) == 0);
		FUZZ_CHECK(!memcmp(in, ph, sizeof(*in)));
	}
	memcpy(off4, b, len < 4 ? len : 4);
	detach_round_trip(off4);
	free(before);
	free(in);
	free(ph);
}

static void cert(const uint8_t *b, int len)
{
	struct stm32_ssp_cert c, before;
	int ret;

	memset(&c, 0x5A, sizeof(c));
	before = c;
	/* The phase the upload was made on: MP13's 0xF3 or MP15's 0x00. */
	uint8_t phase = len > 0 && (b[len - 1] & 1) ? 0xF3 : 0x00;

	ret = ssp_cert_decode(&c, b, len, phase);
	if (len != SSP_CERT_REPLY_LEN || b[0] != phase) {
		FUZZ_CHECK(ret == -EPROTO);
		FUZZ_CHECK(!memcmp(&c, &before, sizeof(c)));
		return;
	}
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(c.address == le32(b + 1) && c.cert_len == STM32_SSP_CERT_LEN);
	FUZZ_CHECK(!memcmp(c.cert, b + 9, STM32_SSP_CERT_LEN));
	FUZZ_CHECK(c.size == before.size && c.flags == before.flags);
}

static void string(const uint8_t *b, int len, size_t size)
{
	char *s = malloc(size);	/* exactly size: ASan catches a byte more */
	uint8_t desc[2 + 2 * 256];
	size_t n, i, want;
	int avail, ret;
	char *back;

	FUZZ_CHECK(s);
	memset(s, 0x5A, size);
	ret = ssp_string_decode(s, size, b, len);
	if (len < 2 || b[1] != USB_DT_STRING) {
		FUZZ_CHECK(ret == -EPROTO && s[0] == '\0');
		free(s);
		return;
	}
	FUZZ_CHECK(ret == 0);
	avail = len < b[0] ? len : b[0];
	want = avail > 2 ? (size_t)(avail - 2) / 2 : 0;
	if (want > size - 1)
		want = size - 1;
	n = strnlen(s, size);
	FUZZ_CHECK(n == want);
	for (i = 0; i < n; i++) {
		uint16_t c = b[2 + 2 * i] | b[3 + 2 * i] << 8;

		FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7f);
		FUZZ_CHECK(s[i] == ((c >= 0x20 && c < 0x7f) ? (char)c : '?'));
	}
	for (i = n + 1; i < size; i++)
		FUZZ_CHECK(s[i] == 0x5A);	/* nothing written past the NUL */

	/* Re-encoded as a descriptor, the result decodes to itself. */
	desc[0] = (uint8_t)(2 + 2 * n);
	desc[1] = USB_DT_STRING;
	for (i = 0; i < n; i++) {
		desc[2 + 2 * i] = (uint8_t)s[i];
		desc[3 + 2 * i] = 0;
	}
	back = malloc(size);
	FUZZ_CHECK(back);
	/* bLength is one byte: 126 units at most round-trip in one descriptor. */
	if (2 + 2 * n <= 255) {
		FUZZ_CHECK(ssp_string_decode(back, size, desc, 2 + 2 * n) == 0);
		FUZZ_CHECK(!strcmp(back, s));
	}
	free(back);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int sel;
	size_t out = 0;
	uint8_t *b;

	if (size < 1 || size > 4096)
		return 0;
	sel = data[0] % 3;
	data++;
	size--;
	if (sel == 2) {
		if (size < 1)
			return 0;
		out = (size_t)data[0] + 1;
		data++;
		size--;
	}
	b = dup_exact(data, size);
	switch (sel) {
	case 0:
		phase(b, (int)size);
		break;
	case 1:
		cert(b, (int)size);
		break;
	default:
		string(b, (int)size, out);
		break;
	}
	free(b);
	return 0;
}
