/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ports: the USB ports stm32_ssp leaves to other tools (dfu-util,
 * STM32CubeProgrammer): the generic netlink commands RELEASE and CLAIM
 * (CAP_NET_ADMIN) and the GET_PORTS dump. A port is a path as in
 * /sys/bus/usb/devices: "<busnum>-<port>[.<port>...]", e.g. "1-1.2".
 */
#ifndef SSP_PORTS_H
#define SSP_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

#include "err.h"

#define SSP_PORT_MAX_LEN	31	/* the driver's limit, without the NUL */

struct ssp_port_entry {
	char port[32];
	uint32_t flags;		/* STM32_SSP_PORT_IGNORED | STM32_SSP_PORT_RELEASED */
};

/*
 * 0 when s is a port path the driver accepts: bus 1..999, each port
 * 1..255 without leading zeros, at most 6 tiers, at most 31 characters;
 * else -EINVAL.
 */
int ssp_port_check(const char *s);

/*
 * STM32_SSP_CMD_RELEASE or _CLAIM for one port. The message names the port,
 * the step and the driver's reason (its extended ack). -EPERM without
 * CAP_NET_ADMIN, -EACCES (claim) for a port in ignore_ports, -EBUSY
 * (claim) when a tool still holds the chip, -ENOSPC (release) when too many
 * ports are released, -ENOENT when stm32_ssp is not loaded.
 */
int ssp_port_release(const char *port, struct ssp_err *e);
int ssp_port_claim(const char *port, struct ssp_err *e);

/* GET_PORTS dump; free(*out) after. -ENOENT when stm32_ssp is not loaded. */
int ssp_port_list(struct ssp_port_entry **out, size_t *n, struct ssp_err *e);

#endif /* SSP_PORTS_H */
