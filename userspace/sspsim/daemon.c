// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event loop of the simulator daemon: one thread, poll() over the chips'
 * USB/IP sockets, replies held until their due time (timing model, slow
 * fault) and released in order, chip events (boot, disconnect, re-attach)
 * run when due. Every CMD_UNLINK is answered at once, also for a request
 * a hung chip will never answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "formats.h"
#include "usbip.h"

#define MAX_PENDING		64
#define ATTACH_POLL_US		10000
#define BUSID_GONE_MAX_US	10000000ull

struct pending {
	uint32_t seqnum;
	uint32_t devid;
	uint32_t dir;
	int32_t status;
	uint32_t actual;
	uint64_t due;			/* UINT64_MAX: never (hang) */
	size_t len;
	uint8_t *data;
};

struct slot {
	struct sim_chip *chip;
	int port;
	uint32_t devid;
	struct usbip_conn *conn;	/* NULL while detached */
	struct pending q[MAX_PENDING];
	unsigned int nq;
	uint64_t last_due;
	bool want_attach;
	char busid[32];			/* the device the kernel still has to let go of */
	uint64_t busid_deadline;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Chips are spread over the vhci controllers: each is its own root hub, and
 * the kernel's hub thread enumerates the devices of one hub one after the
 * other, so chips on one hub would be serialised at every (re)enumeration.
 * Each chip gets the lowest free high-speed port of the controller with the
 * fewest used ports (attached, or locked by another sspsim). The port stays
 * the chip's for the whole run: a reset re-attaches on it (same USB port
 * path, which the driver keys slots by).
 */
int sim_daemon_reserve(struct sim_chip **chips, unsigned int n, int *ports, int *lockfds,
		       char *err, size_t errlen)
{
	int free_ports[512], free_hcs[512], nfree;
	unsigned int busy[VHCI_MAX_HCS];
	bool tried[512] = { false };

	if (!vhci_present()) {
		snprintf(err, errlen, "%s/attach is missing or not writable: load vhci-hcd (modprobe vhci-hcd) and run as root",
			 VHCI_SYSFS);
		return -ENODEV;
	}
	if (mkdir(SIM_PORT_LOCK_DIR, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create the port lock directory: %s", SIM_PORT_LOCK_DIR,
			 strerror(errno));
		return -errno;
	}
	nfree = vhci_free_hs_ports(free_ports, free_hcs, 512, busy, VHCI_MAX_HCS);
	if (nfree < 0) {
		snprintf(err, errlen, "%s/status: cannot read: %s", VHCI_SYSFS, strerror(-nfree));
		return nfree;
	}
	for (unsigned int i = 0; i < n; i++) {
		lockfds[i] = -1;
		for (;;) {
			char path[64];
			int pick = -1, port, fd;

			/* Lowest untried port of the least used controller (ports are in order). */
			for (int k = 0; k < nfree; k++)
				if (!tried[k] && (pick < 0 || busy[free_hcs[k]] < busy[free_hcs[pick]]))
					pick = k;
			if (pick < 0)
				break;
			tried[pick] = true;
			port = free_ports[pick];
			/* Taken below, or by another sspsim: either way the controller has one more chip. */
			busy[free_hcs[pick]]++;
			snprintf(path, sizeof(path), SIM_PORT_LOCK_DIR "/port-%d.lock", port);
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
				close(fd);	/* another sspsim owns it */
				continue;
			}
			ports[i] = port;
			lockfds[i] = fd;
			break;
		}
		if (lockfds[i] < 0) {
			snprintf(err, errlen, "only %u free high-speed vhci ports for %u chips (chip %s): detach devices, stop other sspsim instances or load vhci-hcd with more ports",
				 i, n, chips[i]->serial);
			for (unsigned int j = 0; j < i; j++)
				close(lockfds[j]);
			return -ENOSPC;
		}
	}
	return 0;
}

static void drop_pending(struct slot *s)
{
	for (unsigned int i = 0; i < s->nq; i++)
		free(s->q[i].data);
	s->nq = 0;
	s->last_due = 0;
}

static void slot_detach(struct slot *s, uint64_t now)
{
	int ret;

	if (!s->conn)
		return;
	if (vhci_port_busid(s->port, s->busid, sizeof(s->busid)))
		s->busid[0] = 0;
	s->busid_deadline = now + BUSID_GONE_MAX_US;
	ret = vhci_detach(s->port);
	if (ret)
		sim_chip_log(s->chip, "vhci detach of port %d: %s", s->port, strerror(-ret));
	close(s->conn->fd);
	free(s->conn);
	s->conn = NULL;
	drop_pending(s);
	sim_chip_log(s->chip, "USB disconnect (vhci port %d)", s->port);
}

static int slot_attach(struct slot *s)
{
	int fd = vhci_attach(s->port, s->devid);

	if (fd < 0)
		return fd;
	s->conn = calloc(1, sizeof(*s->conn));
	if (!s->conn) {
		close(fd);
		vhci_detach(s->port);
		return -ENOMEM;
	}
	s->conn->fd = fd;
	s->want_attach = false;
	sim_chip_log(s->chip, "USB attached on vhci port %d", s->port);
	return 0;
}

/*
 * Re-attach once vhci has freed the port and the hub has removed the old
 * device. Attaching earlier can go unseen: vhci keeps the port enabled
 * across a disconnect, so a hub worker busy elsewhere later finds the port
 * connected and enabled with the old device still there, "revalidates" it
 * and never enumerates the new one. The daemon only stats the device's
 * directory: reading its string attributes takes the USB device lock, which
 * the hub worker may hold while it waits for one of our replies.
 */
static void try_attach(struct slot *s, uint64_t now)
{
	char path[96];
	int ret;

	if (vhci_port_status(s->port) != VHCI_ST_NULL)
		return;
	if (s->busid[0]) {
		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s", s->busid);
		if (access(path, F_OK) == 0 && now < s->busid_deadline)
			return;
		if (access(path, F_OK) == 0)
			sim_chip_log(s->chip, "the kernel still has %s after %llu s: attaching anyway",
				     s->busid, BUSID_GONE_MAX_US / 1000000);
		s->busid[0] = 0;
	}
	ret = slot_attach(s);
	if (ret && ret != -EBUSY)
		sim_chip_log(s->chip, "vhci attach on port %d failed: %s; retrying", s->port, strerror(-ret));
}

static void queue_reply(struct slot *s, const struct usbip_pdu *p, const struct sim_reply *r,
			uint64_t now)
{
	struct pending *q;
	bool in = p->direction == USBIP_DIR_IN;
	size_t len = in && r->status == 0 ? r->len : 0;

	if (in && r->status == -EOVERFLOW)
		len = r->len;
	if (len > (size_t)p->length)
		len = (size_t)p->length;
	if (s->nq == MAX_PENDING) {
		/* The kernel never has this many URBs on ep0; fail the newest rather than grow. */
		usbip_ret_submit(s->conn->fd, p->seqnum, p->devid, p->direction, -ENOMEM, NULL, 0, 0);
		return;
	}
	q = &s->q[s->nq++];
	memset(q, 0, sizeof(*q));
	q->seqnum = p->seqnum;
	q->devid = p->devid;
	q->dir = p->direction;
	if (r->status == SIM_NO_REPLY) {
		q->due = UINT64_MAX;
		return;
	}
	q->status = r->status;
	q->actual = in ? (uint32_t)len : (r->status == 0 ? (uint32_t)p->length : 0);
	q->due = now + r->delay_us;
	s->chip->modelled_ctrl_us += r->delay_us;
	s->chip->modelled_requests++;
	if (q->due < s->last_due)
		q->due = s->last_due;	/* replies leave in request order */
	s->last_due = q->due;
	if (len) {
		q->data = malloc(len);
		if (!q->data) {
			q->status = -ENOMEM;
			q->actual = 0;
			len = 0;
		} else {
			memcpy(q->data, r->data, len);
		}
	}
	q->len = len;
}

static void handle_pdu(struct slot *s, const struct usbip_pdu *p, uint64_t now)
{
	static struct sim_reply r;
	struct sim_setup setup;

	if (p->command == USBIP_CMD_UNLINK) {
		for (unsigned int i = 0; i < s->nq; i++) {
			if (s->q[i].seqnum != p->unlink_seqnum)
				continue;
			sim_chip_log(s->chip, "UNLINK of request %u answered (%s)", p->unlink_seqnum,
				     s->q[i].due == UINT64_MAX ? "the chip never answers it" : "reply not yet due");
			free(s->q[i].data);
			memmove(&s->q[i], &s->q[i + 1], (s->nq - i - 1) * sizeof(s->q[0]));
			s->nq--;
			usbip_ret_unlink(s->conn->fd, p->seqnum, p->devid, -ECONNRESET);
			return;
		}
		/* Already answered: the kernel gives the URB back with the RET_SUBMIT. */
		usbip_ret_unlink(s->conn->fd, p->seqnum, p->devid, 0);
		return;
	}
	if (p->ep != 0) {
		usbip_ret_submit(s->conn->fd, p->seqnum, p->devid, p->direction, -EPIPE, NULL, 0, 0);
		return;
	}
	setup.bmRequestType = p->setup[0];
	setup.bRequest = p->setup[1];
	setup.wValue = (uint16_t)(p->setup[2] | p->setup[3] << 8);
	setup.wIndex = (uint16_t)(p->setup[4] | p->setup[5] << 8);
	setup.wLength = (uint16_t)(p->setup[6] | p->setup[7] << 8);
	sim_chip_control(s->chip, now, &setup, p->direction == USBIP_DIR_OUT ? p->data : NULL,
			 p->direction == USBIP_DIR_OUT ? (size_t)p->length : 0, &r);
	queue_reply(s, p, &r, now);
}

static void serve_input(struct slot *s, uint64_t now)
{
	struct usbip_pdu p;
	size_t used;
	int ret = usbip_read(s->conn), r;

	while (s->conn && (r = usbip_next(s->conn, &p, &used)) == 1) {
		handle_pdu(s, &p, now);
		usbip_consume(s->conn, used);
	}
	if (s->conn && r < 0) {
		/* vhci_hcd never sends this: drop the connection rather than guess. */
		sim_chip_log(s->chip, "malformed USB/IP PDU (command 0x%08x): closing the connection",
			     s->conn->rlen >= 4 ? ssp_get_be32(s->conn->rbuf) : 0);
		ret = -EPROTO;
	}
	if (s->conn && ret < 0) {
		/* The kernel shut the connection down (port detached from outside, or an error). */
		sim_chip_log(s->chip, "USB/IP connection closed by the kernel (%s)",
			     ret == -EPIPE ? "EOF" : strerror(-ret));
		close(s->conn->fd);
		free(s->conn);
		s->conn = NULL;
		drop_pending(s);
	}
}

static void send_due(struct slot *s, uint64_t now)
{
	while (s->conn && s->nq && s->q[0].due <= now) {
		struct pending *q = &s->q[0];

		usbip_ret_submit(s->conn->fd, q->seqnum, q->devid, q->dir, q->status, q->data, q->len,
				 q->actual);
		free(q->data);
		memmove(&s->q[0], &s->q[1], (s->nq - 1) * sizeof(s->q[0]));
		s->nq--;
	}
}

int sim_daemon_run(struct sim_chip **chips, unsigned int n, const int *ports)
{
	struct slot slots[SIM_MAX_CHIPS];
	struct pollfd pfd[SIM_MAX_CHIPS];
	struct sigaction sa;
	uint64_t t0 = now_us();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(slots, 0, sizeof(slots));
	for (unsigned int i = 0; i < n; i++) {
		int ret;

		slots[i].chip = chips[i];
		slots[i].port = ports[i];
		slots[i].devid = 0x00010000u | (uint32_t)(ports[i] + 2);
		sim_chip_power_on(chips[i], t0);
		ret = slot_attach(&slots[i]);
		if (ret) {
			fprintf(stderr, "sspsim: chip %s: vhci attach on port %d failed: %s\n",
				chips[i]->serial, ports[i], strerror(-ret));
			slots[i].want_attach = true;
		}
	}
	/*
	 * One clock read per turn, after poll(): the timeout is computed from
	 * it too, so it runs long by this turn's work (microseconds, against
	 * poll()'s 1 ms granularity). In the TCG test VM the clock is the HPET
	 * and each read is a system call of some 15 us.
	 */
	uint64_t now = now_us();

	while (!stop_flag) {
		uint64_t next = UINT64_MAX;
		unsigned int np = 0, map[SIM_MAX_CHIPS];
		int timeout;

		for (unsigned int i = 0; i < n; i++) {
			struct slot *s = &slots[i];
			uint64_t t = sim_chip_next_event(s->chip);

			if (t < next)
				next = t;
			if (s->nq && s->q[0].due < next)
				next = s->q[0].due;
			if (s->want_attach && now + ATTACH_POLL_US < next)
				next = now + ATTACH_POLL_US;
			if (s->conn) {
				pfd[np].fd = s->conn->fd;
				pfd[np].events = POLLIN;
				map[np++] = i;
			}
		}
		if (next == UINT64_MAX)
			timeout = 1000;
		else if (next <= now)
			timeout = 0;
		else
			timeout = (int)((next - now + 999) / 1000);
		if (poll(pfd, np, timeout) < 0 && errno != EINTR) {
			perror("sspsim: poll");
			break;
		}
		now = now_us();
		for (unsigned int k = 0; k < np; k++)
			if (pfd[k].revents)
				serve_input(&slots[map[k]], now);
		for (unsigned int i = 0; i < n; i++) {
			struct slot *s = &slots[i];

			send_due(s, now);
			if (sim_chip_next_event(s->chip) <= now) {
				switch (sim_chip_run_event(s->chip, now)) {
				case SIM_ACT_DETACH:
					slot_detach(s, now);
					break;
				case SIM_ACT_ATTACH:
					s->want_attach = true;
					break;
				case SIM_ACT_NONE:
					break;
				}
			}
			if (s->want_attach && !s->conn)
				try_attach(s, now);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		slot_detach(&slots[i], now_us());
		sim_chip_write_modelled(slots[i].chip);
	}
	return 0;
}
