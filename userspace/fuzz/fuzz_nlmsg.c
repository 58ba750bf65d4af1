// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stm32_ssp generic netlink message parser of events.c (parse_entry(),
 * behind the GET_DEVICE dump and the event subscription) on an arbitrary
 * receive buffer, split into messages the way libnl's nl_recvmsgs() does.
 * parse_entry() is static, so events.c is compiled into this target.
 *
 * Properties: the dump and the event paths take the same messages; every
 * slot they report has a minor, NUL-terminated strings within their fields
 * and a non-empty device name.
 */
#include "events.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct ssp_dev_entry *d)
{
	FUZZ_CHECK(strnlen(d->devname, sizeof(d->devname)) < sizeof(d->devname));
	FUZZ_CHECK(strnlen(d->serial, sizeof(d->serial)) < sizeof(d->serial));
	FUZZ_CHECK(strnlen(d->port, sizeof(d->port)) < sizeof(d->port));
	FUZZ_CHECK(d->devname[0]);
}

struct seen {
	size_t n;
	struct ssp_dev_entry last;
};

static void on_event(void *arg, const struct ssp_event *ev)
{
	struct seen *s = arg;

	check_entry(&ev->dev);
	s->last = ev->dev;
	s->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dump_acc acc = { 0 };
	struct seen seen = { 0 };
	struct ssp_events ev = { .fn = on_event, .arg = &seen };
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
		size_t before = seen.n;

		FUZZ_CHECK(msg);
		dump_cb(msg, &acc);
		event_cb(msg, &ev);
		nlmsg_free(msg);
		/* Both paths saw the same slot, or neither did. */
		FUZZ_CHECK(acc.n == seen.n);
		if (seen.n != before)
			FUZZ_CHECK(!memcmp(&acc.v[acc.n - 1], &seen.last, sizeof(seen.last)));
	}
	for (size_t i = 0; i < acc.n; i++)
		check_entry(&acc.v[i]);
	free(acc.v);
	free(buf);
	return 0;
}
