// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: USB port paths ("1-1.2", as in /sys/bus/usb/devices), the key
 * of ignore_ports and of released ports (ports.c). Pure, so that
 * userspace/fuzz builds it unchanged (parse.h).
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "parse.h"

/* The number at *s (1..max, no leading zero); advances *s past it. */
static int ssp_port_number(const char **s, unsigned int max)
{
	unsigned int v = 0;
	const char *p = *s;

	if (*p < '1' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > max)
			return -EINVAL;
		p++;
	}
	*s = p;
	return v;
}

/**
 * ssp_port_parse() - check a port path and split it
 * @port: "<busnum>-<port>[.<port>...]", as in /sys/bus/usb/devices
 * @busnum: the bus number, or NULL
 * @devpath: the part after '-' (udev->devpath), or NULL; SSP_PORT_PATH_LEN bytes
 *
 * Bus numbers go from 1 to 999, ports from 1 to 255 (a hub has at most 255
 * ports), and a device is at most SSP_PORT_DEPTH tiers below its root hub.
 *
 * Return: 0, or -EINVAL when @port is not such a path.
 */
int ssp_port_parse(const char *port, unsigned int *busnum, char *devpath)
{
	const char *p = port, *path;
	unsigned int depth = 0;
	int bus;

	if (strnlen(port, SSP_PORT_PATH_LEN) >= SSP_PORT_PATH_LEN)
		return -EINVAL;
	bus = ssp_port_number(&p, 999);
	if (bus < 0 || *p++ != '-')
		return -EINVAL;
	path = p;
	for (;;) {
		if (ssp_port_number(&p, 255) < 0 || ++depth > SSP_PORT_DEPTH)
			return -EINVAL;
		if (!*p)
			break;
		if (*p++ != '.')
			return -EINVAL;
	}
	if (busnum)
		*busnum = bus;
	/* Shorter than the whole path, which fits SSP_PORT_PATH_LEN. */
	if (devpath)
		memcpy(devpath, path, strlen(path) + 1);
	return 0;
}

