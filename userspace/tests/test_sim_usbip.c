// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspsim USB/IP framing on a socketpair, as vhci_hcd writes and reads it:
 * CMD_SUBMIT with and without OUT data, split across reads; CMD_UNLINK;
 * RET_SUBMIT and RET_UNLINK bytes; malformed PDUs refused.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "formats.h"
#include "usbip.h"

FIXTURE(pair) {
	int sv[2];
	struct usbip_conn *c;
};

FIXTURE_SETUP(pair)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv));
	self->c = calloc(1, sizeof(*self->c));
	ASSERT_NE(NULL, self->c);
	self->c->fd = self->sv[0];
}

FIXTURE_TEARDOWN(pair)
{
	close(self->sv[0]);
	close(self->sv[1]);
	free(self->c);
}

static void submit_hdr(uint8_t *h, uint32_t seq, uint32_t dir, int32_t len, const uint8_t setup[8])
{
	memset(h, 0, USBIP_HDR_LEN);
	ssp_put_be32(h, USBIP_CMD_SUBMIT);
	ssp_put_be32(h + 4, seq);
	ssp_put_be32(h + 8, 0x10002);
	ssp_put_be32(h + 12, dir);
	ssp_put_be32(h + 16, 0);
	ssp_put_be32(h + 24, (uint32_t)len);
	memcpy(h + 40, setup, 8);
}

TEST_F(pair, out_submit_split_across_reads_is_parsed_once_complete)
{
	static const uint8_t setup[8] = { 0x21, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00 };
	uint8_t buf[USBIP_HDR_LEN + 4];
	struct usbip_pdu p;
	size_t used = 0;

	submit_hdr(buf, 7, USBIP_DIR_OUT, 4, setup);
	memcpy(buf + USBIP_HDR_LEN, "abcd", 4);
	ASSERT_EQ(30, write(self->sv[1], buf, 30));
	ASSERT_EQ(0, usbip_read(self->c));
	EXPECT_EQ(0, usbip_next(self->c, &p, &used));
	ASSERT_EQ((ssize_t)sizeof(buf) - 30, write(self->sv[1], buf + 30, sizeof(buf) - 30));
	ASSERT_EQ(0, usbip_read(self->c));
	ASSERT_EQ(1, usbip_next(self->c, &p, &used));
	EXPECT_EQ(USBIP_CMD_SUBMIT, p.command);
	EXPECT_EQ(7, p.seqnum);
	EXPECT_EQ(0x10002, p.devid);
	EXPECT_EQ(4, p.length);
	EXPECT_EQ(0, memcmp(p.setup, setup, 8));
	EXPECT_EQ(0, memcmp(p.data, "abcd", 4));
	EXPECT_EQ(sizeof(buf), used);
	usbip_consume(self->c, used);
	EXPECT_EQ(0, self->c->rlen);
}

TEST_F(pair, in_submit_has_no_data_and_unlink_names_its_target)
{
	static const uint8_t setup[8] = { 0xA1, 0x02, 0, 0, 0, 0, 0x00, 0x02 };
	uint8_t buf[2 * USBIP_HDR_LEN];
	struct usbip_pdu p;
	size_t used;

	submit_hdr(buf, 9, USBIP_DIR_IN, 512, setup);
	memset(buf + USBIP_HDR_LEN, 0, USBIP_HDR_LEN);
	ssp_put_be32(buf + USBIP_HDR_LEN, USBIP_CMD_UNLINK);
	ssp_put_be32(buf + USBIP_HDR_LEN + 4, 10);
	ssp_put_be32(buf + USBIP_HDR_LEN + 20, 9);
	ASSERT_EQ((ssize_t)sizeof(buf), write(self->sv[1], buf, sizeof(buf)));
	ASSERT_EQ(0, usbip_read(self->c));
	ASSERT_EQ(1, usbip_next(self->c, &p, &used));
	EXPECT_EQ(USBIP_HDR_LEN, used);
	EXPECT_EQ(512, p.length);
	usbip_consume(self->c, used);
	ASSERT_EQ(1, usbip_next(self->c, &p, &used));
	EXPECT_EQ(USBIP_CMD_UNLINK, p.command);
	EXPECT_EQ(10, p.seqnum);
	EXPECT_EQ(9, p.unlink_seqnum);
}

TEST_F(pair, unknown_command_and_oversized_length_are_malformed)
{
	static const uint8_t setup[8] = { 0 };
	uint8_t buf[USBIP_HDR_LEN];
	struct usbip_pdu p;
	size_t used;

	submit_hdr(buf, 1, USBIP_DIR_IN, USBIP_MAX_DATA + 1, setup);
	ASSERT_EQ(USBIP_HDR_LEN, write(self->sv[1], buf, sizeof(buf)));
	ASSERT_EQ(0, usbip_read(self->c));
	EXPECT_EQ(-EPROTO, usbip_next(self->c, &p, &used));
	usbip_consume(self->c, USBIP_HDR_LEN);
	ssp_put_be32(buf, 0x99);
	ASSERT_EQ(USBIP_HDR_LEN, write(self->sv[1], buf, sizeof(buf)));
	ASSERT_EQ(0, usbip_read(self->c));
	EXPECT_EQ(-EPROTO, usbip_next(self->c, &p, &used));
}

TEST_F(pair, ret_submit_and_ret_unlink_wire_format)
{
	uint8_t buf[USBIP_HDR_LEN + 9];

	ASSERT_EQ(0, usbip_ret_submit(self->sv[0], 5, 0x10002, USBIP_DIR_IN, -EPIPE,
				      (const uint8_t *)"123456789", 9, 9));
	ASSERT_EQ((ssize_t)sizeof(buf), read(self->sv[1], buf, sizeof(buf)));
	EXPECT_EQ(USBIP_RET_SUBMIT, ssp_get_be32(buf));
	EXPECT_EQ(5, ssp_get_be32(buf + 4));
	EXPECT_EQ(USBIP_DIR_IN, ssp_get_be32(buf + 12));
	EXPECT_EQ((uint32_t)-EPIPE, ssp_get_be32(buf + 20));
	EXPECT_EQ(9, ssp_get_be32(buf + 24));
	EXPECT_EQ(0, ssp_get_be32(buf + 32));	/* number_of_packets */
	EXPECT_EQ(0, memcmp(buf + USBIP_HDR_LEN, "123456789", 9));
	ASSERT_EQ(0, usbip_ret_unlink(self->sv[0], 6, 0x10002, -ECONNRESET));
	ASSERT_EQ(USBIP_HDR_LEN, read(self->sv[1], buf, USBIP_HDR_LEN));
	EXPECT_EQ(USBIP_RET_UNLINK, ssp_get_be32(buf));
	EXPECT_EQ(6, ssp_get_be32(buf + 4));
	EXPECT_EQ((uint32_t)-ECONNRESET, ssp_get_be32(buf + 20));
}

TEST_F(pair, eof_is_reported)
{
	close(self->sv[1]);
	self->sv[1] = -1;
	EXPECT_EQ(-EPIPE, usbip_read(self->c));
}

TEST_HARNESS_MAIN
