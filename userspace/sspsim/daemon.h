/* SPDX-License-Identifier: GPL-2.0-only */
/* The background simulator: serves every chip of one state directory. */
#ifndef SSPSIM_DAEMON_H
#define SSPSIM_DAEMON_H

#include "sim.h"

#define SIM_PORT_LOCK_DIR	"/run/sspsim"

/*
 * Reserve a free high-speed vhci port for each chip (a lock file per port in
 * SIM_PORT_LOCK_DIR, so that several sspsim instances never take each
 * other's ports, even while a chip is between a detach and its re-attach).
 * Returns 0 or -errno with err filled.
 */
int sim_daemon_reserve(struct sim_chip **chips, unsigned int n, int *ports, int *lockfds,
		       char *err, size_t errlen);
/* Attach the chips and serve them until SIGTERM/SIGINT; detaches all on exit. */
int sim_daemon_run(struct sim_chip **chips, unsigned int n, const int *ports);

#endif /* SSPSIM_DAEMON_H */
