// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp outside the ioctls: the generic netlink family (dump, in one
 * part and in several, doit and its strict policy, the order of events
 * through a reset and a slot's end), uevent variables, the class device
 * under the chip's USB interface, another chip replacing a slot (ESTALE),
 * and unloading the module with chips attached and with a file open.
 * Every test that changes a module parameter is a TEST_F(nl): the teardown
 * restores them all.
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
	/* extended ACK of the error: message, offset of the bad attribute, missing type */
	char ext_msg[128];
	int ext_offs, ext_miss;
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

/* The error and its extended ACK (the socket caps the echoed request). */
static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct collect *c = arg;
	char *p, *end = (char *)nlh + nlh->nlmsg_len;

	c->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	p = (char *)e + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		p += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	while (p + NLA_HDRLEN <= end) {
		struct nlattr *a = (struct nlattr *)p;
		int len = a->nla_len - NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(c->ext_msg, sizeof(c->ext_msg), "%.*s", len, p + NLA_HDRLEN);
		else if (a->nla_type == NLMSGERR_ATTR_OFFS && len == 4)
			memcpy(&c->ext_offs, p + NLA_HDRLEN, 4);
		else if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE && len == 4)
			memcpy(&c->ext_miss, p + NLA_HDRLEN, 4);
		p += NLA_ALIGN(a->nla_len);
	}
	return NL_STOP;
}

static struct nl_sock *nl_open(struct collect *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk || genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_family = genl_ctrl_resolve(sk, STM32_SSP_GENL_NAME);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, c);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_err, c);
	return sk;
}

/*
 * Dump or doit with up to two u32 attributes (type 0: none); returns the
 * kernel's errno (0, -EINVAL...) or -EIO.
 */
static int get_device2(struct nl_sock *sk, struct collect *c, bool dump,
		       int attr, uint32_t val, int attr2, uint32_t val2)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	c->n = 0;
	c->err = 0;
	c->ext_msg[0] = '\0';
	c->ext_offs = c->ext_miss = -1;
	if (!msg)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl_family, 0,
		    dump ? NLM_F_DUMP : 0, STM32_SSP_CMD_GET_DEVICE, STM32_SSP_GENL_VERSION);
	if (attr)
		nla_put_u32(msg, attr, val);
	if (attr2)
		nla_put_u32(msg, attr2, val2);
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

static int get_device(struct nl_sock *sk, struct collect *c, bool dump,
		      int attr, uint32_t val)
{
	return get_device2(sk, c, dump, attr, val, 0, 0);
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

/* The teardown restores the module parameters and stops the chips. */
FIXTURE(nl) {
	struct ssp_params params;
	struct sim sims[40];
};

FIXTURE_SETUP(nl)
{
	params_save(&self->params);
}

FIXTURE_TEARDOWN(nl)
{
	sim_stop(&self->sims[0]);
	params_restore(&self->params);
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

	/*
	 * Strict policy: the minor is required, bounded, and alone. Each
	 * request but the first is valid under a lax policy (which ignores
	 * what it does not know), so each would pass there.
	 */
	EXPECT_EQ(-EINVAL, get_device(sk, &c, false, 0, 0));
	EXPECT_EQ(STM32_SSP_A_MINOR, c.ext_miss);
	EXPECT_EQ(-ERANGE, get_device(sk, &c, false, STM32_SSP_A_MINOR, 256));
	/* Offsets count from the request's nlmsghdr: 16 + genlmsghdr 4. */
	EXPECT_EQ(NLMSG_HDRLEN + GENL_HDRLEN, c.ext_offs);
	EXPECT_EQ(-EINVAL, get_device2(sk, &c, false, STM32_SSP_A_MINOR, sim.minor,
				       STM32_SSP_A_GENERATION, 0));
	EXPECT_EQ(0, c.n);
	EXPECT_STREQ("Unsupported attribute", c.ext_msg);
	EXPECT_EQ(NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 4, c.ext_offs);
	EXPECT_EQ(-EINVAL, get_device2(sk, &c, false, STM32_SSP_A_MINOR, sim.minor,
				       STM32_SSP_A_MAX + 1, 0));
	EXPECT_EQ(0, c.n);
	EXPECT_STREQ("Unknown attribute type", c.ext_msg);
	EXPECT_EQ(NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 4, c.ext_offs);
	/* The same for a dump. */
	EXPECT_EQ(-EINVAL, get_device(sk, &c, true, STM32_SSP_A_GENERATION, 0));
	EXPECT_STREQ("Unsupported attribute", c.ext_msg);
	EXPECT_EQ(-ENODEV, get_device(sk, &c, false, STM32_SSP_A_MINOR, 255));
	nl_socket_free(sk);
	sim_stop(&sim);
}

/*
 * A dump on a raw socket, one recv() per part: the minors reported, in
 * order, and the number of parts that carried slots. The first part is
 * made while the request is sent, before any recv() could raise the
 * socket's part size: it holds at most NLMSG_GOODSIZE (under a page).
 */
static int dump_raw(unsigned int *minors, int max, int *n, int *parts)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} req = {
		.n = { .nlmsg_len = sizeof(req), .nlmsg_type = nl_family,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.g = { .cmd = STM32_SSP_CMD_GET_DEVICE, .version = STM32_SSP_GENL_VERSION },
	};
	static char buf[16384];
	int fd, ret = -EIO;

	*n = *parts = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		bool slots = false;

		if (len <= 0)
			goto out;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct nlattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				*parts += slots;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;
			}
			slots = true;
			a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
			alen = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen;
			     alen -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
				if (a->nla_type == STM32_SSP_A_MINOR && *n < max)
					memcpy(&minors[(*n)++], (char *)a + NLA_HDRLEN, 4);
		}
		*parts += slots;
	}
out:
	close(fd);
	return ret;
}

/*
 * 40 chips: about 130 bytes each, more than one part holds. Every slot
 * once, by increasing minor across the parts: the dump resumes where the
 * previous part stopped.
 */
TEST_F(nl, dump_in_several_parts)
{
	unsigned int minors[128];
	struct collect c = { 0 };
	struct nl_sock *sk;
	int n, parts;

	ASSERT_EQ(0, sim_start_n(self->sims, 40, "mp13", NULL));
	sk = nl_open(&c);
	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, dump_raw(minors, 128, &n, &parts));
	TH_LOG("%d slots in %d parts", n, parts);
	EXPECT_LE(40, n);
	EXPECT_LE(2, parts);
	for (int i = 1; i < n; i++)
		EXPECT_LT(minors[i - 1], minors[i]);
	for (int k = 0; k < 40; k++) {
		bool found = false;

		for (int i = 0; i < n; i++)
			found |= minors[i] == (unsigned int)self->sims[k].minor;
		EXPECT_TRUE(found);
	}
	/* libnl agrees (it reads the parts its own way). */
	ASSERT_EQ(0, get_device(sk, &c, true, 0, 0));
	EXPECT_EQ(n, c.n);
	nl_socket_free(sk);
}

TEST_F(nl, events_in_order_through_a_reset_and_the_end)
{
	struct collect c = { 0 };
	struct slot_msg e[16];
	struct sim sim = { 0 };
	struct stm32_ssp_wait w;
	struct nl_sock *sk;
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
	ASSERT_EQ(0, param_write("grace_ms", "1000"));
	sim_stop(&sim);
	EXPECT_TRUE(ev_wait(sk, &c, sim.serial, STM32_SSP_CMD_GONE, 10000));
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
	/* Under the chip's interface: add@/devices/.../<port>:1.0/stm32_ssp/sspN */
	snprintf(want, sizeof(want), "/stm32_ssp/ssp%d", sim.minor);
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
		if (strncmp(buf, "add@/devices/", 13) || strstr(buf, "/virtual/") ||
		    strlen(buf) < strlen(want) || strcmp(buf + strlen(buf) - strlen(want), want))
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

/* The sysfs directory of /sys/class/stm32_ssp/sspN, resolved. */
static int slot_realpath(int minor, char *buf, size_t len)
{
	char path[64], real[PATH_MAX];

	snprintf(path, sizeof(path), SSP_CLASS "/ssp%d", minor);
	if (!realpath(path, real) || strlen(real) >= len)
		return -errno ?: -ENAMETOOLONG;
	strcpy(buf, real);
	return 0;
}

/* An attribute of the directory @up levels above the class device. */
static int attr_above(const char *dir, int up, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (int i = 0; i < up; i++)
		*strrchr(path, '/') = '\0';
	if (strlen(path) + strlen(attr) + 2 > sizeof(path))
		return -ENAMETOOLONG;
	strcat(path, "/");
	strcat(path, attr);
	return read_line(path, buf, len);
}

/*
 * While attached: sspN sits in .../<port>:1.0/stm32_ssp/ under the chip's
 * DFU interface, whose USB device is the chip (udevadm info -a sees its
 * idVendor and serial); "device" points at the interface.
 */
static void expect_under_the_chip(struct __test_metadata *_metadata,
				  const struct sim *sim)
{
	char dir[PATH_MAX], buf[256], cmd[512], tail[32];
	FILE *p;

	ASSERT_EQ(0, slot_realpath(sim->minor, dir, sizeof(dir)));
	TH_LOG("%s", dir);
	snprintf(tail, sizeof(tail), "/stm32_ssp/ssp%d", sim->minor);
	EXPECT_EQ(0, strncmp(dir, "/sys/devices/", 13));
	EXPECT_EQ(NULL, strstr(dir, "/virtual/"));
	ASSERT_LT(strlen(tail), strlen(dir));
	EXPECT_STREQ(tail, dir + strlen(dir) - strlen(tail));
	ASSERT_EQ(0, attr_above(dir, 2, "bInterfaceClass", buf, sizeof(buf)));
	EXPECT_STREQ("fe", buf);
	ASSERT_EQ(0, attr_above(dir, 3, "idVendor", buf, sizeof(buf)));
	EXPECT_STREQ("0483", buf);
	ASSERT_EQ(0, attr_above(dir, 3, "serial", buf, sizeof(buf)));
	EXPECT_STREQ(sim->serial, buf);
	EXPECT_EQ(0, attr_above(dir, 0, "device/bInterfaceClass", buf, sizeof(buf)));

	/* What a udev rule sees, when udevadm is there. */
	if (access("/usr/bin/udevadm", X_OK))
		return;
	snprintf(cmd, sizeof(cmd), "/usr/bin/udevadm info -a -p %s 2>/dev/null", dir);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	bool vid = false, serial = false;

	while (fgets(buf, sizeof(buf), p)) {
		vid |= !!strstr(buf, "ATTRS{idVendor}==\"0483\"");
		if (strstr(buf, "ATTRS{serial}==\"") && strstr(buf, sim->serial))
			serial = true;
	}
	pclose(p);
	EXPECT_TRUE(vid);
	EXPECT_TRUE(serial);
}

/* Is /sys/devices/virtual/stm32_ssp, when there, a live glue directory (not empty)? */
static bool virtual_dir_sane(void)
{
	struct dirent *de;
	bool any = false;
	DIR *d;

	d = opendir("/sys/devices/virtual/stm32_ssp");
	if (!d)
		return true;
	while ((de = readdir(d)))
		any |= !strncmp(de->d_name, "ssp", 3);
	closedir(d);
	return any;
}

/*
 * The class device follows the chip: under its USB interface while
 * attached, there again (the new USB device) after a re-enumeration,
 * virtual while the chip is away, and /dev/sspN stays the same node
 * throughout; the slot then ends cleanly (the VM run fails on a splat).
 */
TEST_F(nl, class_device_under_the_usb_interface)
{
	struct sim *sim = &self->sims[0];
	char dir[PATH_MAX], want[64], link[PATH_MAX + 16];
	struct stm32_ssp_wait w;
	struct stat st0, st;
	int fd;

	ASSERT_EQ(0, sim_start(sim, "mp13", NULL));
	expect_under_the_chip(_metadata, sim);
	ASSERT_EQ(0, stat(sim->dev, &st0));

	/* MP13: LOAD_FW ends in DFU_DETACH, the chip re-enumerates in its FSBL. */
	fd = open(sim->dev, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ssp_load(fd, w_fw13, w_fw13_len, STM32_SSP_PHASE_FSBL));
	ASSERT_EQ(0, ssp_wait(fd, 30000, 1, STAGE(STM32_SSP_STAGE_FSBL), &w));
	expect_under_the_chip(_metadata, sim);
	ASSERT_EQ(0, stat(sim->dev, &st));
	EXPECT_EQ(st0.st_rdev, st.st_rdev);
	EXPECT_EQ(st0.st_ino, st.st_ino);
	EXPECT_TRUE(virtual_dir_sane());

	/* Unplugged: virtual until the grace period ends. */
	ASSERT_EQ(0, param_write("grace_ms", "3000"));
	sim_stop(sim);
	ASSERT_EQ(0, slot_realpath(sim->minor, dir, sizeof(dir)));
	snprintf(want, sizeof(want), "/sys/devices/virtual/stm32_ssp/ssp%d", sim->minor);
	EXPECT_STREQ(want, dir);
	snprintf(link, sizeof(link), "%s/device", dir);
	EXPECT_NE(0, access(link, F_OK));
	ASSERT_EQ(0, stat(sim->dev, &st));
	EXPECT_EQ(st0.st_rdev, st.st_rdev);
	EXPECT_EQ(-ENODEV, ssp_wait(fd, 20000, 2, 0, &w));
	close(fd);
	/* Waiters are woken as the slot ends, just before its class device goes. */
	for (uint64_t end = now_ms() + 3000; !access(dir, F_OK) && now_ms() < end; )
		usleep(20000);
	EXPECT_NE(0, access(dir, F_OK));
	EXPECT_TRUE(virtual_dir_sane());
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

TEST_F(nl, module_unload_with_chips_attached)
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
	/* No glue directory outlives the class (a reload would warn). */
	EXPECT_NE(0, access("/sys/devices/virtual/stm32_ssp", F_OK));
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
