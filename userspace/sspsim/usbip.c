// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB/IP wire format and vhci_hcd attach/detach. Every header field is
 * big-endian; the setup packet is copied as is (USB little-endian).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "formats.h"
#include "usbip.h"

int usbip_read(struct usbip_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->rlen == sizeof(c->rbuf))
			return -EPROTO;
		size_t room = sizeof(c->rbuf) - c->rlen;

		n = recv(c->fd, c->rbuf + c->rlen, room, MSG_DONTWAIT);
		if (n > 0) {
			c->rlen += (size_t)n;
			/* A short read took all there was: poll() says when there is more. */
			if ((size_t)n < room)
				return 0;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

int usbip_next(struct usbip_conn *c, struct usbip_pdu *p, size_t *consumed)
{
	const uint8_t *h = c->rbuf;
	size_t need = USBIP_HDR_LEN;
	int32_t npk;

	if (c->rlen < USBIP_HDR_LEN)
		return 0;
	memset(p, 0, sizeof(*p));
	p->command = ssp_get_be32(h);
	p->seqnum = ssp_get_be32(h + 4);
	p->devid = ssp_get_be32(h + 8);
	p->direction = ssp_get_be32(h + 12);
	p->ep = ssp_get_be32(h + 16);
	switch (p->command) {
	case USBIP_CMD_SUBMIT:
		p->length = (int32_t)ssp_get_be32(h + 24);
		npk = (int32_t)ssp_get_be32(h + 32);
		memcpy(p->setup, h + 40, 8);
		if (p->length < 0 || p->length > USBIP_MAX_DATA)
			return -EPROTO;
		if (p->direction == USBIP_DIR_OUT)
			need += (size_t)p->length;
		/* Isochronous descriptors never come for ep0, but keep the stream in step. */
		if (npk > 0 && npk <= 1024)
			need += 16 * (size_t)npk;
		if (c->rlen < need)
			return 0;
		p->data = h + USBIP_HDR_LEN;
		break;
	case USBIP_CMD_UNLINK:
		p->unlink_seqnum = ssp_get_be32(h + 20);
		break;
	default:
		return -EPROTO;
	}
	*consumed = need;
	return 1;
}

void usbip_consume(struct usbip_conn *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void header(uint8_t *h, uint32_t cmd, uint32_t seqnum, uint32_t devid, uint32_t dir)
{
	memset(h, 0, USBIP_HDR_LEN);
	ssp_put_be32(h, cmd);
	ssp_put_be32(h + 4, seqnum);
	ssp_put_be32(h + 8, devid);
	ssp_put_be32(h + 12, dir);
	ssp_put_be32(h + 16, 0);
}

int usbip_ret_submit(int fd, uint32_t seqnum, uint32_t devid, uint32_t dir, int32_t status,
		     const uint8_t *data, size_t len, uint32_t actual)
{
	uint8_t buf[USBIP_HDR_LEN + 4096];

	if (len > sizeof(buf) - USBIP_HDR_LEN)
		return -EINVAL;
	header(buf, USBIP_RET_SUBMIT, seqnum, devid, dir);
	ssp_put_be32(buf + 20, (uint32_t)status);
	ssp_put_be32(buf + 24, actual);
	ssp_put_be32(buf + 28, 0);	/* start_frame */
	ssp_put_be32(buf + 32, 0);	/* number_of_packets */
	ssp_put_be32(buf + 36, 0);	/* error_count */
	if (len)
		memcpy(buf + USBIP_HDR_LEN, data, len);
	return send_all(fd, buf, USBIP_HDR_LEN + len);
}

int usbip_ret_unlink(int fd, uint32_t seqnum, uint32_t devid, int32_t status)
{
	uint8_t buf[USBIP_HDR_LEN];

	header(buf, USBIP_RET_UNLINK, seqnum, devid, 0);
	ssp_put_be32(buf + 20, (uint32_t)status);
	return send_all(fd, buf, sizeof(buf));
}

/* ------------------------------------------------------------------ */

bool vhci_present(void)
{
	return access(VHCI_SYSFS "/attach", W_OK) == 0;
}

static int write_sysfs(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/*
 * Calls fn for each "hs PORT STATUS" line of every status file. Status file
 * i ("status", "status.1", ...) lists controller vhci_hcd.i, each with its
 * own root hub; hc is that index.
 */
static int scan_status(int (*fn)(int hc, int port, int st, const char *line, void *arg), void *arg)
{
	for (int i = 0;; i++) {
		char path[128], line[256];
		FILE *f;

		if (i == 0)
			snprintf(path, sizeof(path), VHCI_SYSFS "/status");
		else
			snprintf(path, sizeof(path), VHCI_SYSFS "/status.%d", i);
		f = fopen(path, "re");
		if (!f)
			return i == 0 ? -errno : 0;
		while (fgets(line, sizeof(line), f)) {
			char hub[8];
			int port, st, r;

			if (sscanf(line, "%7s %d %d", hub, &port, &st) != 3 || strcmp(hub, "hs"))
				continue;
			r = fn(i, port, st, line, arg);
			if (r) {
				fclose(f);
				return r;
			}
		}
		fclose(f);
	}
}

struct port_query {
	int port;
	int status;
	char busid[32];
};

static int find_port(int hc, int port, int st, const char *line, void *arg)
{
	struct port_query *q = arg;
	char hub[8], busid[32];
	unsigned int spd, sockfd, dev;
	int p, s;

	(void)hc;
	if (port != q->port)
		return 0;
	q->status = st;
	/* "hs  PORT STA SPD DEV SOCKFD BUSID": the bus ID of the device on a used port */
	if (sscanf(line, "%7s %d %d %u %x %u %31s", hub, &p, &s, &spd, &dev, &sockfd, busid) == 7 &&
	    strcmp(busid, "0-0"))
		snprintf(q->busid, sizeof(q->busid), "%s", busid);
	return 1;
}

int vhci_port_status(int port)
{
	struct port_query q = { port, -ENOENT, "" };
	int r = scan_status(find_port, &q);

	return r < 0 ? r : q.status;
}

int vhci_port_busid(int port, char *busid, size_t len)
{
	struct port_query q = { port, -ENOENT, "" };
	int r = scan_status(find_port, &q);

	if (r < 0)
		return r;
	if (!q.busid[0])
		return -ENOENT;
	snprintf(busid, len, "%s", q.busid);
	return 0;
}

struct free_ports {
	int *ports, *hcs;
	int max, n;
	unsigned int *busy, nhc;
};

static int collect_free(int hc, int port, int st, const char *line, void *arg)
{
	(void)line;
	struct free_ports *fp = arg;

	if (st != VHCI_ST_NULL) {
		if ((unsigned int)hc < fp->nhc)
			fp->busy[hc]++;
	} else if (fp->n < fp->max && (unsigned int)hc < fp->nhc) {
		fp->ports[fp->n] = port;
		fp->hcs[fp->n++] = hc;
	}
	return 0;
}

int vhci_free_hs_ports(int *ports, int *hcs, int max, unsigned int *busy, unsigned int nhc)
{
	struct free_ports fp = { ports, hcs, max, 0, busy, nhc };
	int r;

	memset(busy, 0, nhc * sizeof(*busy));
	r = scan_status(collect_free, &fp);
	return r < 0 ? r : fp.n;
}

int vhci_attach(int port, uint32_t devid)
{
	char cmd[64];
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* "PORT SOCKFD DEVID SPEED": the kernel looks the fd up in this process; 3 = high speed. */
	snprintf(cmd, sizeof(cmd), "%d %d %u 3", port, sv[1], devid);
	ret = write_sysfs(VHCI_SYSFS "/attach", cmd);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	return sv[0];
}

int vhci_detach(int port)
{
	char cmd[16];

	snprintf(cmd, sizeof(cmd), "%d", port);
	return write_sysfs(VHCI_SYSFS "/detach", cmd);
}

bool usb_serial_present(const char *serial)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir("/sys/bus/usb/devices");

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[320], buf[64];
		FILE *f;

		if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/serial", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = 0;
			found = !strcmp(buf, serial);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}
