// SPDX-License-Identifier: GPL-2.0-only
/* Ports left to other tools: netlink RELEASE, CLAIM and GET_PORTS (ports.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ports.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The number at *s: 1..max, no leading zero; advances *s. */
static int port_number(const char **s, unsigned int max)
{
	const char *p = *s;
	unsigned int v = 0;

	if (*p < '1' || *p > '9')
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > max)
			return -EINVAL;
		p++;
	}
	*s = p;
	return 0;
}

int ssp_port_check(const char *s)
{
	unsigned int depth = 0;
	const char *p = s;

	if (!s || strlen(s) > SSP_PORT_MAX_LEN || port_number(&p, 999) || *p++ != '-')
		return -EINVAL;
	for (;;) {
		if (port_number(&p, 255) || ++depth > 6)
			return -EINVAL;
		if (!*p)
			return 0;
		if (*p++ != '.')
			return -EINVAL;
	}
}

struct port_reply {
	int error;		/* negative errno from the ack */
	char reason[256];	/* the driver's extack message */
	struct ssp_port_entry *v;
	size_t n, cap;
	int oom;
};

/* The ack: its errno and, with NETLINK_EXT_ACK, the driver's reason. */
static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct port_reply *r = arg;
	size_t off = NLMSG_HDRLEN + sizeof(*err);

	(void)nla;
	r->error = err->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(err->msg.nlmsg_len) - sizeof(err->msg);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && nlh->nlmsg_len > off) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

		if (!nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
			       (int)(nlh->nlmsg_len - off), NULL) && tb[NLMSGERR_ATTR_MSG])
			snprintf(r->reason, sizeof(r->reason), "%.*s",
				 (int)nla_len(tb[NLMSGERR_ATTR_MSG]) - 1,
				 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct port_reply *r = arg;

	(void)msg;
	r->error = 0;
	return NL_STOP;
}

static int entry_cb(struct nl_msg *msg, void *arg)
{
	static struct nla_policy pol[STM32_SSP_A_MAX + 1] = {
		[STM32_SSP_A_PORT] = { .type = NLA_STRING, .maxlen = 32 },
		[STM32_SSP_A_PORT_FLAGS] = { .type = NLA_U32 },
	};
	struct nlattr *tb[STM32_SSP_A_MAX + 1];
	struct port_reply *r = arg;
	struct ssp_port_entry x = { 0 };

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, STM32_SSP_A_MAX, pol) < 0 ||
	    !tb[STM32_SSP_A_PORT])
		return NL_SKIP;
	snprintf(x.port, sizeof(x.port), "%.*s", (int)strnlen(nla_data(tb[STM32_SSP_A_PORT]),
		 (size_t)nla_len(tb[STM32_SSP_A_PORT])), (const char *)nla_data(tb[STM32_SSP_A_PORT]));
	x.flags = tb[STM32_SSP_A_PORT_FLAGS] ? nla_get_u32(tb[STM32_SSP_A_PORT_FLAGS]) : 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct ssp_port_entry *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			r->oom = 1;
			return NL_STOP;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = x;
	return NL_OK;
}

static const char *cmd_name(int cmd)
{
	return cmd == STM32_SSP_CMD_RELEASE ? "release" :
	       cmd == STM32_SSP_CMD_CLAIM ? "claim" : "list of ports";
}

/* What an errno from RELEASE/CLAIM means, when the driver gave no reason. */
static const char *errno_hint(int cmd, int err)
{
	switch (err) {
	case -EPERM:
		return "needs CAP_NET_ADMIN: run it as root (an operator's action; the watch service cannot)";
	case -EINVAL:
		return "not a USB port path (BUS-PORT[.PORT...], e.g. 1-1.2)";
	case -ENOSPC:
		return "too many ports released; claim one back first";
	case -EACCES:
		return "the port is in the ignore_ports module parameter; remove it there";
	case -EBUSY:
		return cmd == STM32_SSP_CMD_CLAIM ?
		       "a tool (dfu-util, STM32CubeProgrammer) still holds the chip; close it and claim again" :
		       "busy";
	default:
		return strerror(-err);
	}
}

static int port_request(int cmd, const char *port, struct port_reply *r, struct ssp_err *e)
{
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	struct nl_cb *cb = NULL;
	int family, ret, one = 1;

	memset(r, 0, sizeof(*r));
	r->error = 1;		/* no ack yet */
	sk = nl_socket_alloc();
	if (!sk)
		return ssp_errf(e, -ENOMEM, "netlink: cannot allocate a socket for the %s",
				cmd_name(cmd));
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = ssp_errf(e, -EIO, "netlink: cannot connect for the %s: %s", cmd_name(cmd),
			       nl_geterror(ret));
		goto out;
	}
	/* The driver's reason with the errno; the request not echoed back. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = genl_ctrl_resolve(sk, STM32_SSP_GENL_NAME);
	if (family < 0) {
		ret = ssp_errf(e, -ENOENT, "netlink family %s not registered: is stm32_ssp loaded? (modprobe stm32_ssp)",
			       STM32_SSP_GENL_NAME);
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 cmd == STM32_SSP_CMD_GET_PORTS ? NLM_F_DUMP : NLM_F_ACK,
				 (uint8_t)cmd, STM32_SSP_GENL_VERSION) ||
	    (port && nla_put_string(msg, STM32_SSP_A_PORT, port) < 0)) {
		ret = ssp_errf(e, -ENOMEM, "netlink: cannot build the %s request", cmd_name(cmd));
		goto out;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		ret = ssp_errf(e, -ENOMEM, "netlink: out of memory");
		goto out;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, entry_cb, r);
	ret = nl_send_auto(sk, msg);
	if (ret < 0) {
		ret = ssp_errf(e, -EIO, "netlink: cannot send the %s request: %s", cmd_name(cmd),
			       nl_geterror(ret));
		goto out;
	}
	if (cmd == STM32_SSP_CMD_GET_PORTS) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0) {
			ret = ssp_errf(e, -EIO, "netlink: GET_PORTS dump failed: %s", nl_geterror(ret));
			goto out;
		}
		if (r->oom) {
			ret = ssp_errf(e, -ENOMEM, "out of memory reading the list of ports");
			goto out;
		}
		ret = r->error < 0 ? r->error : 0;
		if (ret)
			ret = ssp_errf(e, ret, "netlink: GET_PORTS dump failed: %s", strerror(-ret));
		goto out;
	}
	while (r->error > 0) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && r->error > 0) {
			ret = ssp_errf(e, -EIO, "port %s: %s: no answer from the driver: %s", port,
				       cmd_name(cmd), nl_geterror(ret));
			goto out;
		}
	}
	ret = r->error;
	if (ret)
		ssp_errf(e, ret, "port %s: %s refused by stm32_ssp: %s (%s)", port, cmd_name(cmd),
			 r->reason[0] ? r->reason : errno_hint(cmd, ret), strerror(-ret));
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

static int port_cmd(int cmd, const char *port, struct ssp_err *e)
{
	struct port_reply r;
	int ret;

	if (ssp_port_check(port))
		return ssp_errf(e, -EINVAL, "\"%.40s\" is not a USB port path (BUS-PORT[.PORT...], e.g. 1-1.2, as in /sys/bus/usb/devices)",
				port);
	ret = port_request(cmd, port, &r, e);
	free(r.v);
	return ret;
}

int ssp_port_release(const char *port, struct ssp_err *e)
{
	return port_cmd(STM32_SSP_CMD_RELEASE, port, e);
}

int ssp_port_claim(const char *port, struct ssp_err *e)
{
	return port_cmd(STM32_SSP_CMD_CLAIM, port, e);
}

int ssp_port_list(struct ssp_port_entry **out, size_t *n, struct ssp_err *e)
{
	struct port_reply r;
	int ret;

	*out = NULL;
	*n = 0;
	ret = port_request(STM32_SSP_CMD_GET_PORTS, NULL, &r, e);
	if (ret) {
		free(r.v);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}
