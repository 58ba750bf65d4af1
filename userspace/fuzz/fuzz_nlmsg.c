// SPDX-License-Identifier: GPL-2.0-only
/*
 * libssp's stm32_ssp generic netlink message parser (ssp_nl_parse_entry(),
 * behind the GET_DEVICE dump and the event subscription of events.c) on an
 * arbitrary receive buffer, split into messages the way libnl's
 * nl_recvmsgs() does.
 *
 * Properties: a refused message leaves the outputs untouched; an accepted
 * one reports its own genetlink command, and a slot with NUL-terminated
 * strings within their fields and a non-empty device name ("sspN" when the
 * message has none); parsing the same message twice gives the same slot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "events.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct ssp_dev_entry *d)
{
	FUZZ_CHECK(strnlen(d->devname, sizeof(d->devname)) < sizeof(d->devname));
	FUZZ_CHECK(strnlen(d->serial, sizeof(d->serial)) < sizeof(d->serial));
	FUZZ_CHECK(strnlen(d->port, sizeof(d->port)) < sizeof(d->port));
	FUZZ_CHECK(d->devname[0]);
}

static void one(struct nl_msg *msg, const struct nlmsghdr *hdr)
{
	struct ssp_dev_entry d, again, sentinel;
	unsigned int cmd = 0xdeadbeef, cmd2 = 0xdeadbeef;
	int ret;

	memset(&sentinel, 0xA5, sizeof(sentinel));
	d = sentinel;
	ret = ssp_nl_parse_entry(msg, &cmd, &d);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL && cmd == 0xdeadbeef);
		FUZZ_CHECK(!memcmp(&d, &sentinel, sizeof(d)));
		return;
	}
	FUZZ_CHECK(hdr->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN);
	FUZZ_CHECK(cmd == ((const struct genlmsghdr *)nlmsg_data(hdr))->cmd);
	check_entry(&d);
	if (!nla_find(genlmsg_attrdata(nlmsg_data(hdr), 0),
		      genlmsg_attrlen(nlmsg_data(hdr), 0), STM32_SSP_A_DEVNAME)) {
		char name[16];

		/* No name in the message: the minor's. */
		snprintf(name, sizeof(name), "ssp%u", d.minor);
		FUZZ_CHECK(!strcmp(name, d.devname));
	}
	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(ssp_nl_parse_entry(msg, &cmd2, &again) == 0);
	FUZZ_CHECK(cmd2 == cmd && !memcmp(&again, &d, sizeof(d)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *hdr;
	void *buf;
	int rem = (int)size;

	if (size > 65536)
		return 0;
	/* A receive buffer is aligned and NLMSG_ALIGN may round past the end: pad. */
	buf = calloc(1, NLMSG_ALIGN(size) + NLMSG_ALIGNTO);
	FUZZ_CHECK(buf);
	memcpy(buf, data, size);
	for (hdr = buf; nlmsg_ok(hdr, rem); hdr = nlmsg_next(hdr, &rem)) {
		struct nl_msg *msg = nlmsg_convert(hdr);

		FUZZ_CHECK(msg);
		one(msg, hdr);
		nlmsg_free(msg);
	}
	free(buf);
	return 0;
}
