// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim's request path on an arbitrary byte stream, as the daemon runs it:
 * usbip_next() splits the stream into USB/IP PDUs, each ep0 CMD_SUBMIT
 * becomes a control request for the chip model (sim_chip_control(): standard
 * requests, descriptors, the DFU state machine of dfu.c, ROM and TF-A
 * callbacks), with the chip's timed events run on a virtual clock between
 * requests. The first byte picks the chip (MP15 or MP13), where it starts (ROM,
 * TF-A in stage A or in stage B, reached as the unit tests do with the
 * signed test firmware) and the clock step.
 *
 * Properties: a PDU is never said to extend past the bytes received, OUT
 * data lies inside it, a malformed header is refused rather than guessed;
 * every reply has a known status and fits its buffer.
 */
#include <errno.h>
#include <string.h>

#include "formats.h"
#include "fuzz.h"
#include "sim.h"
/* The helpers are built with -Wno-unused-parameter in the unit tests too. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "test_sim_helpers.h"
#pragma GCC diagnostic pop
#include "usbip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Per series (MP15, MP13): ROM, TF-A in stage A, TF-A in stage B. */
static struct sim_chip pristine[2][3];
static struct sim_chip chip;
static struct usbip_conn conn;
static struct sim_reply reply;

static void keep(struct sim_chip *dst, const struct tsim *t)
{
	*dst = t->chip;
	/* No state files: the model keeps everything in memory (as in the unit tests). */
	dst->dir[0] = '\0';
	dst->otp.path[0] = '\0';
	dst->img = NULL;
	dst->img_len = dst->img_cap = 0;
}

/* The states the unit tests reach with the real signed test firmware. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct tsim t;

	(void)argc;
	(void)argv;
	for (int i = 0; i < 2; i++) {
		if (tsim_setup(&t, i ? SSP_SERIES_MP13 : SSP_SERIES_MP15, NULL))
			abort();
		keep(&pristine[i][0], &t);
		if (tsim_start_fw(&t, t.fw, t.fw_len) || t.chip.stage != SIM_STAGE_TFA)
			abort();
		keep(&pristine[i][1], &t);
		if (tsim_ctl(&t, RT_OUT_CLASS, DFU_DETACH, 0, 0, NULL, 0))
			abort();
		tsim_settle(&t, NULL, NULL);
		if (tsim_start_fw(&t, t.fw, t.fw_len) || t.chip.stage != SIM_STAGE_TFA ||
		    t.chip.mode != SIM_TFA_STAGE_B)
			abort();
		keep(&pristine[i][2], &t);
		tsim_teardown(&t);
	}
	return 0;
}

static void run_events(uint64_t now)
{
	for (int i = 0; i < 8 && sim_chip_next_event(&chip) <= now; i++)
		sim_chip_run_event(&chip, now);
}

static void control(const struct usbip_pdu *p, uint64_t now)
{
	struct sim_setup s;
	bool out = p->direction == USBIP_DIR_OUT;

	s.bmRequestType = p->setup[0];
	s.bRequest = p->setup[1];
	s.wValue = (uint16_t)(p->setup[2] | p->setup[3] << 8);
	s.wIndex = (uint16_t)(p->setup[4] | p->setup[5] << 8);
	s.wLength = (uint16_t)(p->setup[6] | p->setup[7] << 8);
	sim_chip_control(&chip, now, &s, out ? p->data : NULL, out ? (size_t)p->length : 0, &reply);
	FUZZ_CHECK(reply.status == 0 || reply.status == -EPIPE || reply.status == -EPROTO ||
		   reply.status == -EOVERFLOW || reply.status == SIM_NO_REPLY);
	FUZZ_CHECK(reply.len <= sizeof(reply.data));
	if (reply.status == -EOVERFLOW)
		FUZZ_CHECK(reply.len == s.wLength);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now = 0, step;
	struct usbip_pdu p;
	size_t used;
	int ret;

	if (!size)
		return 0;
	sim_chip_free(&chip);
	chip = pristine[data[0] & 1][((data[0] >> 1) & 3) % 3];
	step = 1000ull << ((data[0] >> 3) & 15);	/* 1 ms .. 33 s between requests */
	data++;
	size--;
	conn.rlen = size < sizeof(conn.rbuf) ? size : sizeof(conn.rbuf);
	memcpy(conn.rbuf, data, conn.rlen);
	while ((ret = usbip_next(&conn, &p, &used)) == 1) {
		FUZZ_CHECK(used >= USBIP_HDR_LEN && used <= conn.rlen);
		FUZZ_CHECK(p.command == USBIP_CMD_SUBMIT || p.command == USBIP_CMD_UNLINK);
		if (p.command == USBIP_CMD_SUBMIT) {
			FUZZ_CHECK(p.length >= 0 && p.length <= USBIP_MAX_DATA);
			FUZZ_CHECK(p.data == conn.rbuf + USBIP_HDR_LEN);
			if (p.direction == USBIP_DIR_OUT)
				FUZZ_CHECK(USBIP_HDR_LEN + (size_t)p.length <= used);
			if (p.ep == 0)
				control(&p, now);
		}
		usbip_consume(&conn, used);
		now += step;
		run_events(now);
	}
	/* Only a header that is not SUBMIT/UNLINK or a bad length is refused. */
	if (ret < 0) {
		uint32_t cmd = ssp_get_be32(conn.rbuf);

		FUZZ_CHECK(ret == -EPROTO && conn.rlen >= USBIP_HDR_LEN);
		if (cmd == USBIP_CMD_SUBMIT) {
			int32_t len = (int32_t)ssp_get_be32(conn.rbuf + 24);

			FUZZ_CHECK(len < 0 || len > USBIP_MAX_DATA);
		} else {
			FUZZ_CHECK(cmd != USBIP_CMD_UNLINK);
		}
	}
	return 0;
}
