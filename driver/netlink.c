// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: generic netlink family "stm32_ssp". GET_DEVICE answers for
 * one slot (STM32_SSP_A_MINOR) or dumps them all; the events NEW, REATTACH,
 * STATE and GONE go to the multicast group "events". Every message carries
 * every attribute of one slot; GET_DEVICE needs no privilege.
 *
 * RELEASE and CLAIM (ports.c) change which chips the driver binds, an
 * operator's action: GENL_ADMIN_PERM (CAP_NET_ADMIN in the initial user
 * namespace), which the capability-less `sspctl watch` unit does not have.
 * They take one attribute, STM32_SSP_A_PORT, with a policy of their own so
 * that GET_DEVICE still refuses a port. GET_PORTS dumps the ports the
 * driver leaves alone, to anyone.
 */
#include <linux/slab.h>
#include <net/genetlink.h>

#include "ssp.h"

static const struct nla_policy ssp_nl_policy[STM32_SSP_A_MAX + 1] = {
	[STM32_SSP_A_MINOR] = NLA_POLICY_MAX(NLA_U32, SSP_MAX_MINORS - 1),
};

static const struct nla_policy ssp_nl_port_policy[STM32_SSP_A_MAX + 1] = {
	[STM32_SSP_A_PORT] = { .type = NLA_NUL_STRING, .len = SSP_PORT_LEN - 1 },
};

static int ssp_nl_get_device(struct sk_buff *skb, struct genl_info *info);
static int ssp_nl_dump_devices(struct sk_buff *skb, struct netlink_callback *cb);
static int ssp_nl_release(struct sk_buff *skb, struct genl_info *info);
static int ssp_nl_claim(struct sk_buff *skb, struct genl_info *info);
static int ssp_nl_dump_ports(struct sk_buff *skb, struct netlink_callback *cb);

static const struct genl_ops ssp_nl_port_ops[] = {
	{
		.cmd = STM32_SSP_CMD_RELEASE,
		.doit = ssp_nl_release,
		.flags = GENL_ADMIN_PERM,
		.policy = ssp_nl_port_policy,
		.maxattr = STM32_SSP_A_MAX,
	},
	{
		.cmd = STM32_SSP_CMD_CLAIM,
		.doit = ssp_nl_claim,
		.flags = GENL_ADMIN_PERM,
		.policy = ssp_nl_port_policy,
		.maxattr = STM32_SSP_A_MAX,
	},
	{
		.cmd = STM32_SSP_CMD_GET_PORTS,
		.dumpit = ssp_nl_dump_ports,
		/* No attribute is read; MINOR is refused like any other. */
		.policy = ssp_nl_port_policy,
		.maxattr = STM32_SSP_A_MAX,
	},
};

static const struct genl_small_ops ssp_nl_ops[] = {
	{
		.cmd = STM32_SSP_CMD_GET_DEVICE,
		.doit = ssp_nl_get_device,
		.dumpit = ssp_nl_dump_devices,
	},
};

static const struct genl_multicast_group ssp_nl_mcgrps[] = {
	{ .name = STM32_SSP_GENL_MCGRP_EVENTS },
};

/* resv_start_op 0: every command is validated strictly. */
static struct genl_family ssp_nl_family __ro_after_init = {
	.name = STM32_SSP_GENL_NAME,
	.version = STM32_SSP_GENL_VERSION,
	.maxattr = STM32_SSP_A_MAX,
	.policy = ssp_nl_policy,
	.module = THIS_MODULE,
	.small_ops = ssp_nl_ops,
	.n_small_ops = ARRAY_SIZE(ssp_nl_ops),
	.ops = ssp_nl_port_ops,
	.n_ops = ARRAY_SIZE(ssp_nl_port_ops),
	.resv_start_op = 0,
	.mcgrps = ssp_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ssp_nl_mcgrps),
};

static int ssp_nl_fill(struct sk_buff *skb, struct ssp_slot *slot, u8 cmd,
		       u32 portid, u32 seq, int flags)
{
	struct stm32_ssp_info *info;
	char name[16];
	void *hdr;
	int ret = 0;

	/* With its phase map, too large for the stack. */
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	hdr = genlmsg_put(skb, portid, seq, &ssp_nl_family, flags, cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out;
	}
	ssp_slot_snapshot(slot, info);
	snprintf(name, sizeof(name), "ssp%u", slot->minor);
	if (nla_put_u32(skb, STM32_SSP_A_MINOR, slot->minor) ||
	    nla_put_string(skb, STM32_SSP_A_DEVNAME, name) ||
	    nla_put_string(skb, STM32_SSP_A_SERIAL, slot->serial) ||
	    nla_put_string(skb, STM32_SSP_A_PORT, info->port_path) ||
	    nla_put_u32(skb, STM32_SSP_A_CHIP_ID, info->chip_id) ||
	    nla_put_u32(skb, STM32_SSP_A_REVISION, info->revision) ||
	    nla_put_u32(skb, STM32_SSP_A_STAGE, info->stage) ||
	    nla_put_u32(skb, STM32_SSP_A_STATE, info->state) ||
	    nla_put_u32(skb, STM32_SSP_A_GENERATION, info->generation) ||
	    nla_put_u32(skb, STM32_SSP_A_SEQ, info->seq)) {
		genlmsg_cancel(skb, hdr);
		ret = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(skb, hdr);
out:
	kfree(info);
	return ret;
}

static int ssp_nl_get_device(struct sk_buff *skb, struct genl_info *info)
{
	struct ssp_slot *slot;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STM32_SSP_A_MINOR))
		return -EINVAL;
	slot = ssp_slot_get_by_minor(nla_get_u32(info->attrs[STM32_SSP_A_MINOR]));
	if (!slot) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[STM32_SSP_A_MINOR],
				    "no such ssp device");
		return -ENODEV;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ssp_slot_put(slot);
		return -ENOMEM;
	}
	ret = ssp_nl_fill(msg, slot, STM32_SSP_CMD_GET_DEVICE, info->snd_portid,
			  info->snd_seq, 0);
	ssp_slot_put(slot);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * One part of the dump: the slots from minor cb->args[0] up, until the
 * reply is full. cb->args[0] then holds the first minor not reported, and
 * the next part resumes there: a slot that ends between two parts is left
 * out, one that starts behind the cursor waits for the next dump, none is
 * reported twice.
 */
static int ssp_nl_dump_devices(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int next = cb->args[0];
	struct ssp_slot *slot;
	int ret = 0;

	while ((slot = ssp_slot_next(next))) {
		ret = ssp_nl_fill(skb, slot, STM32_SSP_CMD_GET_DEVICE,
				  NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (!ret)
			next = slot->minor + 1;
		ssp_slot_put(slot);
		if (ret)
			break;
	}
	cb->args[0] = next;
	/* Not one slot fits in an empty part: an error, not the end of the dump. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

static int ssp_nl_port_arg(struct genl_info *info, const char **port)
{
	if (GENL_REQ_ATTR_CHECK(info, STM32_SSP_A_PORT))
		return -EINVAL;
	*port = nla_data(info->attrs[STM32_SSP_A_PORT]);
	if (ssp_port_parse(*port, NULL, NULL)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[STM32_SSP_A_PORT],
				    "not a USB port path (BUS-PORT[.PORT...], e.g. 1-1.2)");
		return -EINVAL;
	}
	return 0;
}

static int ssp_nl_release(struct sk_buff *skb, struct genl_info *info)
{
	const char *port;
	int ret;

	ret = ssp_nl_port_arg(info, &port);
	return ret ?: ssp_port_release(port, info->extack);
}

static int ssp_nl_claim(struct sk_buff *skb, struct genl_info *info)
{
	const char *port;
	int ret;

	ret = ssp_nl_port_arg(info, &port);
	return ret ?: ssp_port_claim(port, info->extack);
}

/* cb->args[0]: index of the next port (ssp_port_get()). */
static int ssp_nl_dump_ports(struct sk_buff *skb, struct netlink_callback *cb)
{
	char port[SSP_PORT_LEN];
	unsigned int idx = cb->args[0];
	u32 flags;
	void *hdr;

	for (; ssp_port_get(idx, port, &flags); idx++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ssp_nl_family, NLM_F_MULTI,
				  STM32_SSP_CMD_GET_PORTS);
		if (!hdr)
			break;
		if (nla_put_string(skb, STM32_SSP_A_PORT, port) ||
		    nla_put_u32(skb, STM32_SSP_A_PORT_FLAGS, flags)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = idx;
	return skb->len;
}

void ssp_nl_event(struct ssp_slot *slot, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&ssp_nl_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (ssp_nl_fill(msg, slot, cmd, 0, 0, 0)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&ssp_nl_family, msg, 0, 0, GFP_KERNEL);
}

int __init ssp_nl_init(void)
{
	return genl_register_family(&ssp_nl_family);
}

void ssp_nl_exit(void)
{
	genl_unregister_family(&ssp_nl_family);
}
