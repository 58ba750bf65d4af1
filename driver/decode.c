// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: decoding of what the chip sends back (spec 2.1, 3.2): the
 * GetPhase reply, the certificate upload and string descriptors. Pure
 * functions on a buffer and its length, with no USB in them, so that
 * userspace/fuzz builds this file as it is (through its kernel shim).
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/usb/ch9.h>

#include "compat.h"
#include "parse.h"

/**
 * ssp_phase_decode() - decode a GetPhase reply
 * @ph: phase, address, offset, result, reply_len and reply are filled in
 * @buf: the reply (may be @ph->reply itself)
 * @len: its length
 *
 * Bytes 0-8 are the phase, the address and the offset; a 10-byte reply
 * "00 FFFFFFFF ... 01" asks for DFU_DETACH, phase 0xFF carries an error
 * message from byte 9 on.
 *
 * Return: 0, or -EPROTO when @len is outside 9 .. STM32_SSP_PHASE_REPLY_MAX;
 * @ph is left untouched then.
 */
int ssp_phase_decode(struct stm32_ssp_phase *ph, const u8 *buf, int len)
{
	if (len < 9 || len > STM32_SSP_PHASE_REPLY_MAX)
		return -EPROTO;
	if (buf != ph->reply)
		memcpy(ph->reply, buf, len);
	ph->reply_len = len;
	ph->phase = buf[0];
	ph->address = get_unaligned_le32(buf + 1);
	ph->offset = get_unaligned_le32(buf + 5);
	ph->result = 0;
	if (len == 10 && buf[9] == 1 && ph->phase == 0 &&
	    ph->address == 0xffffffff)
		ph->result |= STM32_SSP_PHASE_R_DETACH_REQ;
	if (ph->phase == STM32_SSP_PHASE_RESET)
		ph->result |= STM32_SSP_PHASE_R_ERROR;
	return 0;
}

/**
 * ssp_cert_decode() - decode the certificate upload
 * @cert: address, cert_len and cert are filled in
 * @buf: the reply: a 9-byte header (phase, address LE, 4 zero bytes),
 *	then the certificate
 * @len: its length
 * @phase: the SSP phase the upload was made on; the header repeats it
 *	(0x00 on MP15, 0xF3 on MP13, spec §3.2 B2)
 *
 * Return: 0, or -EPROTO unless @len is exactly SSP_CERT_REPLY_LEN and the
 * header names @phase; @cert is left untouched then.
 */
int ssp_cert_decode(struct stm32_ssp_cert *cert, const u8 *buf, int len, u8 phase)
{
	if (len != SSP_CERT_REPLY_LEN || buf[0] != phase)
		return -EPROTO;
	cert->address = get_unaligned_le32(buf + 1);
	cert->cert_len = STM32_SSP_CERT_LEN;
	memcpy(cert->cert, buf + 9, STM32_SSP_CERT_LEN);
	return 0;
}

/**
 * ssp_string_decode() - a string descriptor as the ASCII the driver keeps
 * @s: the result, NUL-terminated; UTF-16 code units outside printable
 *	ASCII become '?', and what does not fit in @size is cut off
 * @size: size of @s, at least 1
 * @buf: the descriptor as received
 * @len: bytes received
 *
 * Only the bytes both received and within bLength are read; an odd last
 * byte is ignored.
 *
 * Return: 0, or -EPROTO when @buf is not a string descriptor (@s is then
 * the empty string).
 */
int ssp_string_decode(char *s, size_t size, const u8 *buf, int len)
{
	size_t n = 0;
	int i;

	s[0] = '\0';
	if (len < 2 || buf[1] != USB_DT_STRING)
		return -EPROTO;
	len = min_t(int, len, buf[0]);
	for (i = 2; i + 1 < len && n + 1 < size; i += 2) {
		u16 c = get_unaligned_le16(buf + i);

		s[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	s[n] = '\0';
	return 0;
}
