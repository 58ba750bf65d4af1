/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * USB/IP transport towards vhci_hcd: the server side of the URB protocol
 * (CMD_SUBMIT/RET_SUBMIT, CMD_UNLINK/RET_UNLINK, Documentation/usb/usbip_protocol.rst)
 * on one end of an AF_UNIX socketpair whose other end was handed to
 * /sys/devices/platform/vhci_hcd.0/attach.
 */
#ifndef SSPSIM_USBIP_H
#define SSPSIM_USBIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USBIP_HDR_LEN		48
#define USBIP_CMD_SUBMIT	1
#define USBIP_CMD_UNLINK	2
#define USBIP_RET_SUBMIT	3
#define USBIP_RET_UNLINK	4
#define USBIP_DIR_OUT		0
#define USBIP_DIR_IN		1
#define USBIP_MAX_DATA		65536

struct usbip_pdu {
	uint32_t command, seqnum, devid, direction, ep;
	int32_t length;			/* transfer_buffer_length */
	uint8_t setup[8];
	uint32_t unlink_seqnum;
	const uint8_t *data;		/* OUT data (length bytes), points into the conn buffer */
};

struct usbip_conn {
	int fd;
	size_t rlen;
	uint8_t rbuf[USBIP_HDR_LEN + USBIP_MAX_DATA + 16 * 1024];
};

/* Read what the socket has: 0, -EPIPE on EOF (detached), -errno on error. */
int usbip_read(struct usbip_conn *c);
/* Next complete PDU in the buffer: 1 and *p filled, 0 if incomplete, -EPROTO if malformed. */
int usbip_next(struct usbip_conn *c, struct usbip_pdu *p, size_t *consumed);
void usbip_consume(struct usbip_conn *c, size_t n);
int usbip_ret_submit(int fd, uint32_t seqnum, uint32_t devid, uint32_t dir, int32_t status,
		     const uint8_t *data, size_t len, uint32_t actual);
int usbip_ret_unlink(int fd, uint32_t seqnum, uint32_t devid, int32_t status);

/* vhci_hcd sysfs. Ports are the global numbers of the status files. */
#define VHCI_SYSFS		"/sys/devices/platform/vhci_hcd.0"
#define VHCI_ST_NULL		4	/* VDEV_ST_NULL: the port is free */

bool vhci_present(void);
/* Status of a port (VDEV_ST_*) or -errno. */
int vhci_port_status(int port);
/* Bus ID ("1-3") of the device on a used port, from the status file; -ENOENT if none. */
int vhci_port_busid(int port, char *busid, size_t len);
/*
 * vhci_hcd.0 holds the status files of every controller vhci_hcd.N (each its
 * own root hub). Free high-speed ports, in order, with the controller index
 * of each in hcs[]; returns how many were written. busy[hc] is set to the
 * number of used high-speed ports of controller hc; controllers >= nhc are
 * ignored.
 */
#define VHCI_MAX_HCS		128	/* CONFIG_USBIP_VHCI_NR_HCS's upper bound */
int vhci_free_hs_ports(int *ports, int *hcs, int max, unsigned int *busy, unsigned int nhc);
/* Attach: hands one end of a new socketpair to vhci, returns our end or -errno. */
int vhci_attach(int port, uint32_t devid);
int vhci_detach(int port);
/* Is a USB device with this serial present in /sys/bus/usb/devices? */
bool usb_serial_present(const char *serial);

#endif /* SSPSIM_USBIP_H */
