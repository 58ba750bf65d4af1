// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp outside the ioctls: the generic netlink family (dump, doit and
 * its strict policy, the order of events through a reset and a slot's
 * end), uevent variables, another chip replacing a slot (ESTALE), and
 * unloading the module with chips attached and with a file open.
 */
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "ssp_test.h"
#include "kselftest_harness.h"

struct slot_msg {
	int cmd;
	unsigned int minor, chip, stage, state, gen, seq;
	char devname[16], serial[33], port[32];
};

struct collect {
	struct slot_msg m[64];
	int n;
	int err;
};

static int nl_family;

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct collect *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[STM32_SSP_A_MAX + 1];
	struct slot_msg *m;

	if (c->n == 64 || genlmsg_parse(nlh, 0, tb, STM32_SSP_A_MAX, NULL))
		return NL_SKIP;
	m = &c->m[c->n++];
	memset(m, 0, sizeof(*m));
	m->cmd = gh->cmd;
	if (tb[STM32_SSP_A_MINOR])
		m->minor = nla_get_u32(tb[STM32_SSP_A_MINOR]);
	if (tb[STM32_SSP_A_CHIP_ID])
		m->chip = nla_get_u32(tb[STM32_SSP_A_CHIP_ID]);
	if (tb[STM32_SSP_A_STAGE])
		m->stage = nla_get_u32(tb[STM32_SSP_A_STAGE]);
	if (tb[STM32_SSP_A_STATE])
		m->state = nla_get_u32(tb[STM32_SSP_A_STATE]);
	if (tb[STM32_SSP_A_GENERATION])
		m->gen = nla_get_u32(tb[STM32_SSP_A_GENERATION]);
	if (tb[STM32_SSP_A_SEQ])
		m->seq = nla_get_u32(tb[STM32_SSP_A_SEQ]);
	if (tb[STM32_SSP_A_DEVNAME])
		snprintf(m->devname, sizeof(m->devname), "%s", nla_get_string(tb[STM32_SSP_A_DEVNAME]));
	if (tb[STM32_SSP_A_SERIAL])
		snprintf(m->serial, sizeof(m->serial), "%s", nla_get_string(tb[STM32_SSP_A_SERIAL]));
	if (tb[STM32_SSP_A_PORT])
		snprintf(m->port, sizeof(m->port), "%s", nla_get_string(tb[STM32_SSP_A_PORT]));
	return NL_OK;
}

static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	((struct collect *)arg)->err = e->error;
	return NL_STOP;
}

static struct nl_sock *nl_open(struct collect *c)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk || genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	nl_family = genl_ctrl_resolve(sk, STM32_SSP_GENL_NAME);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, c);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_err, c);
	return sk;
}

/* Dump or doit; returns the kernel's errno (0, -EINVAL...) or -EIO. */
static int get_device(struct nl_sock *sk, struct collect *c, bool dump,
		      int attr, uint32_t val)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	c->n = 0;
	c->err = 0;
	if (!msg)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl_family, 0,
		    dump ? NLM_F_DUMP : 0, STM32_SSP_CMD_GET_DEVICE, STM32_SSP_GENL_VERSION);
	if (attr)
		nla_put_u32(msg, attr, val);
	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	ret = nl_recvmsgs_default(sk);
	if (c->err)
		return c->err;
	if (!dump && !ret)
		nl_wait_for_ack(sk);
	return ret < 0 ? -EIO : 0;
}

static struct slot_msg *find_serial(struct collect *c, const char *serial)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->m[i].serial, serial))
			return &c->m[i];
	return NULL;
}

/* Events socket: collect until @cmd arrives for @serial or @ms pass. */
static struct nl_sock *ev_open(struct collect *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp;

	if (!sk || genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	grp = genl_ctrl_resolve_grp(sk, STM32_SSP_GENL_NAME, STM32_SSP_GENL_MCGRP_EVENTS);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, c);
	if (grp < 0 || nl_socket_add_membership(sk, grp)) {
		nl_socket_free(sk);
		return NULL;
	}
	nl_socket_set_nonblocking(sk);
	c->n = 0;
	return sk;
}

static bool ev_wait(struct nl_sock *sk, struct collect *c, const char *serial,
		    int cmd, unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	struct pollfd pfd = { .fd = nl_socket_get_fd(sk), .events = POLLIN };

	for (;;) {
		for (int i = 0; i < c->n; i++)
			if (c->m[i].cmd == cmd && !strcmp(c->m[i].serial, serial))
				return true;
		if (now_ms() >= end)
			return false;
		if (poll(&pfd, 1, (int)(end - now_ms())) > 0)
			nl_recvmsgs_default(sk);
	}
}

/* The events of @serial, in order, into @out; their number. */
static int ev_of(struct collect *c, const char *serial, struct slot_msg *out, int max)
{
	int n = 0;

	for (int i = 0; i < c->n && n < max; i++)
		if (!strcmp(c->m[i].serial, serial))
			out[n++] = c->m[i];
	return n;
}

static int set_param(const char *name, const char *val, char *old, size_t oldlen)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/module/stm32_ssp/parameters/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (old) {
		n = read(fd, old, oldlen - 1);
		old[n > 0 ? n : 0] = '\0';
	}
	n = pwrite(fd, val, strlen(val), 0);
	close(fd);
	return n < 0 ? -errno : 0;
}

TEST(dump_and_get_device_describe_the_slot)
{
	struct collect c = { 0 };
	struct slot_msg *m;
	struct sim sim = { 0 };
	struct nl_sock *sk;
	char port[64];

	ASSERT_EQ(0, sim_start(&sim, "mp13", NULL));
	sk = nl_open(&c);
	ASSERT_NE(NULL, sk);
	ASSERT_LT(0, nl_family);

	ASSERT_EQ(0, get_device(sk, &c, true, 0, 0));
	m = find_serial(&c, sim.serial);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(STM32_SSP_CMD_GET_DEVICE, m->cmd);
	EXPECT_EQ(sim.minor, m->minor);
	EXPECT_STREQ(sim.dev + 5, m->devname);
	EXPECT_EQ(STM32_SSP_CHIP_MP13, m->chip);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, m->stage);
	EXPECT_EQ(STM32_SSP_STATE_READY, m->state);
	EXPECT_EQ(0, m->gen);
	ASSERT_EQ(0, slot_attr(sim.minor, "port_path", port, sizeof(port)));
	EXPECT_STREQ(port, m->port);
	/* Dumped by increasing minor. */
	for (int i = 1; i < c.n; i++)
		EXPECT_LT(c.m[i - 1].minor, c.m[i].minor);

	ASSERT_EQ(0, get_device(sk, &c, false, STM32_SSP_A_MINOR, sim.minor));
	ASSERT_EQ(1, c.n);
	EXPECT_STREQ(sim.serial, c.m[0].serial);
	EXPECT_EQ(STM32_SSP_STATE_READY, c.m[0].state);

	/* Strict policy: the minor is required, bounded, and alone. */
	EXPECT_EQ(-EINVAL, get_device(sk, &c, false, 0, 0));
	EXPECT_EQ(-ERANGE, get_device(sk, &c, false, STM32_SSP_A_MINOR, 256));
	EXPECT_EQ(-EINVAL, get_device(sk, &c, false, STM32_SSP_A_GENERATION, 0));
	EXPECT_EQ(-EINVAL, get_device(sk, &c, false, STM32_SSP_A_MAX + 1, 0));
	EXPECT_EQ(-ENODEV, get_device(sk, &c, false, STM32_SSP_A_MINOR, 255));
	nl_socket_free(sk);
	sim_stop(&sim);
}

TEST(events_in_order_through_a_reset_and_the_end)
{
	struct collect c = { 0 };
	struct slot_msg e[16];
	struct sim sim = { 0 };
	struct stm32_ssp_wait w;
	struct nl_sock *sk;
	char old[16];
	int fd, n;

	sk = ev_open(&c);
	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, sim_start(&sim, "mp15", NULL));
	ASSERT_TRUE(ev_wait(sk, &c, sim.serial, STM32_SSP_CMD_NEW, 5000));
	fd = open(sim.dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ssp_load(fd, w_fw, w_fw_len, STM32_SSP_PHASE_FSBL));
	ASSERT_EQ(0, ssp_wait(fd, 20000, 0, STAGE(STM32_SSP_STAGE_FSBL), &w));
	ASSERT_EQ(0, ssp_detach(fd));
	ASSERT_EQ(0, ssp_wait(fd, 30000, 1, STAGE(STM32_SSP_STAGE_ROM), &w));
	ASSERT_TRUE(ev_wait(sk, &c, sim.serial, STM32_SSP_CMD_REATTACH, 5000));
	ASSERT_EQ(0, set_param("grace_ms", "1000", old, sizeof(old)));
	sim_stop(&sim);
	EXPECT_TRUE(ev_wait(sk, &c, sim.serial, STM32_SSP_CMD_GONE, 10000));
	set_param("grace_ms", old, NULL, 0);
	close(fd);

	n = ev_of(&c, sim.serial, e, 16);
	ASSERT_EQ(7, n);
	EXPECT_EQ(STM32_SSP_CMD_NEW, e[0].cmd);
	EXPECT_EQ(STM32_SSP_STATE_READY, e[0].state);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, e[0].stage);
	EXPECT_EQ(STM32_SSP_CMD_STATE, e[1].cmd);
	EXPECT_EQ(STM32_SSP_STATE_BOOTING, e[1].state);
	EXPECT_EQ(STM32_SSP_CMD_STATE, e[2].cmd);
	EXPECT_EQ(STM32_SSP_STATE_READY, e[2].state);
	EXPECT_EQ(STM32_SSP_STAGE_FSBL, e[2].stage);
	EXPECT_EQ(STM32_SSP_CMD_STATE, e[3].cmd);
	EXPECT_EQ(STM32_SSP_STATE_ABSENT, e[3].state);
	EXPECT_EQ(STM32_SSP_CMD_REATTACH, e[4].cmd);
	EXPECT_EQ(STM32_SSP_STATE_READY, e[4].state);
	EXPECT_EQ(STM32_SSP_STAGE_ROM, e[4].stage);
	EXPECT_EQ(1, e[4].gen);
	EXPECT_EQ(STM32_SSP_CMD_STATE, e[5].cmd);
	EXPECT_EQ(STM32_SSP_STATE_ABSENT, e[5].state);
	EXPECT_EQ(STM32_SSP_CMD_GONE, e[6].cmd);
	EXPECT_EQ(STM32_SSP_STATE_GONE, e[6].state);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(sim.minor, e[i].minor);
		if (i)
			EXPECT_LT(e[i - 1].seq, e[i].seq);
	}
	nl_socket_free(sk);
}

/* "add" uevent of the class device, with the variables udev rules use. */
TEST(uevent_variables)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[4096], want[64];
	bool chip = false, serial = false, port = false, seen = false;
	struct sim sim = { 0 };
	uint64_t end;
	int us;

	us = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	ASSERT_LE(0, us);
	ASSERT_EQ(0, bind(us, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, sim_start(&sim, "mp15", NULL));
	snprintf(want, sizeof(want), "add@/devices/virtual/ssp/ssp%d", sim.minor);
	end = now_ms() + 3000;
	while (!seen && now_ms() < end) {
		struct pollfd pfd = { .fd = us, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(us, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strcmp(buf, want))
			continue;
		seen = true;
		for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
			if (!strcmp(p, "SSP_CHIP=0x500"))
				chip = true;
			if (!strncmp(p, "SSP_SERIAL=", 11) && !strcmp(p + 11, sim.serial))
				serial = true;
			if (!strncmp(p, "SSP_PORT=", 9) && strlen(p) > 9)
				port = true;
		}
	}
	EXPECT_TRUE(seen);
	EXPECT_TRUE(chip);
	EXPECT_TRUE(serial);
	EXPECT_TRUE(port);
	close(us);
	sim_stop(&sim);
}

TEST(another_chip_on_the_port_ends_the_slot)
{
	struct sim a = { 0 }, b = { 0 };
	char pa[64], pb[64];
	struct stm32_ssp_wait w;
	struct stm32_ssp_info i;
	int fd;

	ASSERT_EQ(0, sim_start(&a, "mp15", NULL));
	ASSERT_EQ(0, slot_attr(a.minor, "port_path", pa, sizeof(pa)));
	fd = open(a.dev, O_RDONLY);
	ASSERT_LE(0, fd);
	sim_stop(&a);
	/* sspsim takes the first free vhci port: the one a just left. */
	ASSERT_EQ(0, sim_start(&b, "mp15", NULL));
	ASSERT_EQ(0, slot_attr(b.minor, "port_path", pb, sizeof(pb)));
	ASSERT_STREQ(pa, pb);
	EXPECT_NE(a.minor, b.minor);
	EXPECT_EQ(-ESTALE, ssp_wait(fd, 5000, 1, 0, &w));
	EXPECT_EQ(STM32_SSP_STATE_GONE, w.state);
	ASSERT_EQ(0, ssp_info(fd, &i));
	EXPECT_EQ(STM32_SSP_STATE_GONE, i.state);
	EXPECT_EQ(-1, slot_by_serial(a.serial));
	close(fd);
	sim_stop(&b);
}

TEST(module_unload_with_chips_attached)
{
	struct collect c = { 0 };
	struct sim sim = { 0 };
	struct nl_sock *sk;
	char ko[256];
	int fd, kfd;

	ASSERT_EQ(0, sim_start(&sim, "mp15", NULL));
	sk = ev_open(&c);
	ASSERT_NE(NULL, sk);
	fd = open(sim.dev, O_RDWR);
	ASSERT_LE(0, fd);
	/* An open file holds the module. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "stm32_ssp", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	ASSERT_EQ(0, syscall(SYS_delete_module, "stm32_ssp", O_NONBLOCK));
	EXPECT_TRUE(ev_wait(sk, &c, sim.serial, STM32_SSP_CMD_GONE, 1000));
	EXPECT_NE(0, access(SSP_CLASS, F_OK));
	nl_socket_free(sk);

	/* Loading it again finds the chip, still attached, in a new slot. */
	module_path(ko, sizeof(ko));
	kfd = open(ko, O_RDONLY);
	ASSERT_LE(0, kfd);
	ASSERT_EQ(0, syscall(SYS_finit_module, kfd, "", 0));
	close(kfd);
	sim.minor = slot_wait_ready(sim.serial, "rom", 20000);
	ASSERT_LE(0, sim.minor);
	sim_stop(&sim);
}

SSP_TEST_MAIN()
