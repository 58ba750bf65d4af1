/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * events: the generic netlink family "stm32_ssp" through libnl-genl-3: the
 * GET_DEVICE dump (every slot), and the "events" multicast group (NEW,
 * REATTACH, STATE, GONE). ssp_dev_list() falls back to sysfs
 * (/sys/class/stm32_ssp) when the family is not registered.
 */
#ifndef SSP_EVENTS_H
#define SSP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/stm32_ssp.h>

#include "err.h"

/* One slot, as netlink or sysfs describes it. */
struct ssp_dev_entry {
	uint32_t minor;
	char devname[16];	/* "ssp3" */
	char serial[32];
	char port[32];
	uint32_t chip_id;
	uint32_t revision;
	uint32_t stage;		/* enum stm32_ssp_stage */
	uint32_t state;		/* enum stm32_ssp_state */
	uint32_t generation;
	uint32_t seq;
};

struct ssp_event {
	unsigned int cmd;	/* STM32_SSP_CMD_NEW, _REATTACH, _STATE, _GONE */
	struct ssp_dev_entry dev;
};

/* GET_DEVICE dump; -ENOENT when the family is not registered (module not loaded). */
int ssp_nl_dump(struct ssp_dev_entry **out, size_t *n, struct ssp_err *e);
/* The same from /sys/class/stm32_ssp; -ENOENT when the class does not exist. */
int ssp_sysfs_list(struct ssp_dev_entry **out, size_t *n, struct ssp_err *e);
/* Netlink, else sysfs (*via_sysfs = 1); sorted by minor; free(*out) after. */
int ssp_dev_list(struct ssp_dev_entry **out, size_t *n, int *via_sysfs, struct ssp_err *e);

struct ssp_events;
typedef void (*ssp_event_fn)(void *arg, const struct ssp_event *ev);

/* Subscribe to the "events" group; -ENOENT when the family is not registered. */
int ssp_events_open(struct ssp_events **out, struct ssp_err *e);
/* A file descriptor to poll() for POLLIN. */
int ssp_events_fd(const struct ssp_events *ev);
/*
 * Read what is pending without blocking and call fn for each event.
 * -ENOBUFS when the kernel dropped events (socket overrun): re-dump.
 */
int ssp_events_recv(struct ssp_events *ev, ssp_event_fn fn, void *arg, struct ssp_err *e);
void ssp_events_close(struct ssp_events *ev);

const char *ssp_event_name(unsigned int cmd);	/* "new", "reattach", ... */

struct nl_msg;
/*
 * One received message of the family (a dump reply or an event), checked
 * against the attribute policy: *cmd is its command, *d the slot it
 * describes (strings NUL-terminated within their fields, devname "sspN"
 * when absent). -EINVAL, leaving *cmd and *d alone, when the message is
 * malformed or carries no minor.
 */
int ssp_nl_parse_entry(struct nl_msg *msg, unsigned int *cmd, struct ssp_dev_entry *d);

#endif /* SSP_EVENTS_H */
