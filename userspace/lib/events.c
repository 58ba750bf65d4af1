// SPDX-License-Identifier: GPL-2.0-only
/* stm32_ssp generic netlink client and the sysfs fallback (events.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "dev.h"
#include "events.h"

static const struct nla_policy attr_policy[STM32_SSP_A_MAX + 1] = {
	[STM32_SSP_A_MINOR] = { .type = NLA_U32 },
	[STM32_SSP_A_DEVNAME] = { .type = NLA_STRING, .maxlen = 16 },
	[STM32_SSP_A_SERIAL] = { .type = NLA_STRING, .maxlen = 32 },
	[STM32_SSP_A_PORT] = { .type = NLA_STRING, .maxlen = 32 },
	[STM32_SSP_A_CHIP_ID] = { .type = NLA_U32 },
	[STM32_SSP_A_REVISION] = { .type = NLA_U32 },
	[STM32_SSP_A_STAGE] = { .type = NLA_U32 },
	[STM32_SSP_A_STATE] = { .type = NLA_U32 },
	[STM32_SSP_A_GENERATION] = { .type = NLA_U32 },
	[STM32_SSP_A_SEQ] = { .type = NLA_U32 },
};

const char *ssp_event_name(unsigned int cmd)
{
	switch (cmd) {
	case STM32_SSP_CMD_NEW:
		return "new";
	case STM32_SSP_CMD_REATTACH:
		return "reattach";
	case STM32_SSP_CMD_STATE:
		return "state";
	case STM32_SSP_CMD_GONE:
		return "gone";
	case STM32_SSP_CMD_GET_DEVICE:
		return "device";
	default:
		return "unknown";
	}
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%.*s", (int)nla_len(a), (const char *)nla_data(a));
}

static uint32_t get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

int ssp_nl_parse_entry(struct nl_msg *msg, unsigned int *cmd, struct ssp_dev_entry *d)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[STM32_SSP_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, STM32_SSP_A_MAX, attr_policy) < 0 || !tb[STM32_SSP_A_MINOR])
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	*cmd = gh->cmd;
	d->minor = get_u32(tb[STM32_SSP_A_MINOR]);
	copy_str(d->devname, sizeof(d->devname), tb[STM32_SSP_A_DEVNAME]);
	if (!d->devname[0])
		snprintf(d->devname, sizeof(d->devname), "ssp%u", d->minor);
	copy_str(d->serial, sizeof(d->serial), tb[STM32_SSP_A_SERIAL]);
	copy_str(d->port, sizeof(d->port), tb[STM32_SSP_A_PORT]);
	d->chip_id = get_u32(tb[STM32_SSP_A_CHIP_ID]);
	d->revision = get_u32(tb[STM32_SSP_A_REVISION]);
	d->stage = get_u32(tb[STM32_SSP_A_STAGE]);
	d->state = get_u32(tb[STM32_SSP_A_STATE]);
	d->generation = get_u32(tb[STM32_SSP_A_GENERATION]);
	d->seq = get_u32(tb[STM32_SSP_A_SEQ]);
	return 0;
}

static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOBUFS;	/* also what libnl makes of a socket overrun */
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static struct nl_sock *connect_genl(struct ssp_err *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		ssp_errf(e, -ENOMEM, "netlink: cannot allocate a socket");
		return NULL;
	}
	ret = genl_connect(sk);
	if (ret < 0) {
		ssp_errf(e, nl_to_errno(ret), "netlink: cannot connect: %s", nl_geterror(ret));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

struct dump_acc {
	struct ssp_dev_entry *v;
	size_t n, cap;
	int oom;
};

static int acc_push(struct dump_acc *acc, const struct ssp_dev_entry *d)
{
	if (acc->n == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 16;
		struct ssp_dev_entry *v = realloc(acc->v, cap * sizeof(*v));

		if (!v) {
			acc->oom = 1;
			return -ENOMEM;
		}
		acc->v = v;
		acc->cap = cap;
	}
	acc->v[acc->n++] = *d;
	return 0;
}

static int dump_cb(struct nl_msg *msg, void *arg)
{
	struct dump_acc *acc = arg;
	struct ssp_dev_entry d;
	unsigned int cmd;

	if (ssp_nl_parse_entry(msg, &cmd, &d))
		return NL_SKIP;
	return acc_push(acc, &d) ? NL_STOP : NL_OK;
}

int ssp_nl_dump(struct ssp_dev_entry **out, size_t *n, struct ssp_err *e)
{
	struct dump_acc acc = { 0 };
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	int family, ret;

	*out = NULL;
	*n = 0;
	sk = connect_genl(e);
	if (!sk)
		return e ? e->code : -EIO;
	family = genl_ctrl_resolve(sk, STM32_SSP_GENL_NAME);
	if (family < 0) {
		ret = ssp_errf(e, -ENOENT, "netlink family %s not registered (is stm32_ssp loaded?)",
			       STM32_SSP_GENL_NAME);
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
				 STM32_SSP_CMD_GET_DEVICE, STM32_SSP_GENL_VERSION)) {
		ret = ssp_errf(e, -ENOMEM, "netlink: cannot build the GET_DEVICE request");
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, dump_cb, &acc);
	ret = nl_send_auto(sk, msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	if (ret < 0) {
		ret = ssp_errf(e, nl_to_errno(ret), "netlink: GET_DEVICE dump failed: %s",
			       nl_geterror(ret));
		goto out;
	}
	if (acc.oom) {
		ret = ssp_errf(e, -ENOMEM, "netlink: out of memory reading the device dump");
		goto out;
	}
	*out = acc.v;
	*n = acc.n;
	acc.v = NULL;
	ret = 0;
out:
	free(acc.v);
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

/* sysfs values may be numbers ("0x500", "2") or names ("fsbl", "ready"). */
static uint32_t attr_u32(const char *dir, const char *name, const char *const *names,
			 unsigned int nnames)
{
	char buf[64], *end;
	unsigned long v;

	if (ssp_sysfs_attr(dir, name, buf, sizeof(buf)))
		return 0;
	for (unsigned int i = 0; i < nnames; i++)
		if (names[i] && strcasecmp(buf, names[i]) == 0)
			return i;
	v = strtoul(buf, &end, 0);
	return end != buf ? (uint32_t)v : 0;
}

static int by_minor(const void *a, const void *b)
{
	const struct ssp_dev_entry *x = a, *y = b;

	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

int ssp_sysfs_list(struct ssp_dev_entry **out, size_t *n, struct ssp_err *e)
{
	static const char *const stages[] = { "unknown", "rom", "fsbl" };
	static const char *const states[] = { NULL, "ready", "booting", "absent", "gone" };
	struct dump_acc acc = { 0 };
	struct dirent *de;
	char dir[300];
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir("/sys/class/stm32_ssp");
	if (!d)
		return ssp_errf(e, -ENOENT, "/sys/class/stm32_ssp does not exist (is stm32_ssp loaded?)");
	while ((de = readdir(d))) {
		struct ssp_dev_entry x = { 0 };
		char *end;

		if (strncmp(de->d_name, "ssp", 3) != 0)
			continue;
		x.minor = strtoul(de->d_name + 3, &end, 10);
		if (end == de->d_name + 3 || *end)
			continue;
		snprintf(x.devname, sizeof(x.devname), "%.15s", de->d_name);
		snprintf(dir, sizeof(dir), "/sys/class/stm32_ssp/%s", de->d_name);
		ssp_sysfs_attr(dir, "serial", x.serial, sizeof(x.serial));
		ssp_sysfs_attr(dir, "port_path", x.port, sizeof(x.port));
		x.chip_id = attr_u32(dir, "chip_id", NULL, 0);
		x.revision = attr_u32(dir, "revision", NULL, 0);
		x.stage = attr_u32(dir, "stage", stages, 3);
		x.state = attr_u32(dir, "state", states, 5);
		x.generation = attr_u32(dir, "generation", NULL, 0);
		if (acc_push(&acc, &x)) {
			free(acc.v);
			closedir(d);
			return ssp_errf(e, -ENOMEM, "out of memory listing /sys/class/stm32_ssp");
		}
	}
	closedir(d);
	if (acc.n)
		qsort(acc.v, acc.n, sizeof(*acc.v), by_minor);
	*out = acc.v;
	*n = acc.n;
	return 0;
}

int ssp_dev_list(struct ssp_dev_entry **out, size_t *n, int *via_sysfs, struct ssp_err *e)
{
	int ret = ssp_nl_dump(out, n, e);

	*via_sysfs = 0;
	if (ret == -ENOENT) {
		*via_sysfs = 1;
		return ssp_sysfs_list(out, n, e);
	}
	if (!ret && *n)
		qsort(*out, *n, sizeof(**out), by_minor);
	return ret;
}

struct ssp_events {
	struct nl_sock *sk;
	ssp_event_fn fn;
	void *arg;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct ssp_events *ev = arg;
	struct ssp_event x;

	if (ssp_nl_parse_entry(msg, &x.cmd, &x.dev) == 0 && ev->fn)
		ev->fn(ev->arg, &x);
	return NL_OK;
}

int ssp_events_open(struct ssp_events **out, struct ssp_err *e)
{
	struct ssp_events *ev;
	int grp, ret;

	*out = NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return ssp_errf(e, -ENOMEM, "out of memory");
	ev->sk = connect_genl(e);
	if (!ev->sk) {
		free(ev);
		return e ? e->code : -EIO;
	}
	grp = genl_ctrl_resolve_grp(ev->sk, STM32_SSP_GENL_NAME, STM32_SSP_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ret = ssp_errf(e, -ENOENT, "netlink family %s with group %s not registered (is stm32_ssp loaded?)",
			       STM32_SSP_GENL_NAME, STM32_SSP_GENL_MCGRP_EVENTS);
		goto fail;
	}
	/* Events are not answers: no sequence numbers to check. */
	nl_socket_disable_seq_check(ev->sk);
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, ev);
	ret = nl_socket_add_membership(ev->sk, grp);
	if (ret < 0) {
		ret = ssp_errf(e, nl_to_errno(ret), "netlink: cannot join group %s: %s",
			       STM32_SSP_GENL_MCGRP_EVENTS, nl_geterror(ret));
		goto fail;
	}
	nl_socket_set_nonblocking(ev->sk);
	nl_socket_set_buffer_size(ev->sk, 1 << 20, 0);
	*out = ev;
	return 0;
fail:
	nl_socket_free(ev->sk);
	free(ev);
	return ret;
}

int ssp_events_fd(const struct ssp_events *ev)
{
	return nl_socket_get_fd(ev->sk);
}

int ssp_events_recv(struct ssp_events *ev, ssp_event_fn fn, void *arg, struct ssp_err *e)
{
	int ret;

	ev->fn = fn;
	ev->arg = arg;
	for (;;) {
		ret = nl_recvmsgs_default(ev->sk);
		if (ret >= 0)
			continue;
		if (ret == -NLE_AGAIN)
			return 0;
		ret = nl_to_errno(ret);
		if (ret == -ENOBUFS)
			return ssp_errf(e, ret, "netlink: events were dropped (socket overrun)");
		return ssp_errf(e, ret, "netlink: reading events failed");
	}
}

void ssp_events_close(struct ssp_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sk);
	free(ev);
}
