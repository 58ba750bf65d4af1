// SPDX-License-Identifier: GPL-2.0-only
/*
 * USB port paths, the argument of `sspctl release/claim` and of the
 * driver's ignore_ports parameter and RELEASE/CLAIM commands: the driver's
 * parser (driver/portpath.c, built in userspace through kshim/) against
 * libssp's check (ports.c). Input: one string, given a buffer of exactly its
 * size so that a read past its NUL is caught.
 *
 * Properties: both accept the same strings; an accepted path fits the
 * driver's buffer and is rebuilt exactly from the bus number and devpath
 * the driver splits it into.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../driver/portpath.c"

#include "fuzz.h"
#include "ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char devpath[SSP_PORT_PATH_LEN], back[2 * SSP_PORT_PATH_LEN];
	unsigned int busnum = 0;
	char *s;
	int k, u;

	if (size > 256 || memchr(data, 0, size))
		return 0;
	s = malloc(size + 1);
	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	k = ssp_port_parse(s, &busnum, devpath);
	u = ssp_port_check(s);
	FUZZ_CHECK(k == 0 || k == -EINVAL);
	FUZZ_CHECK((k == 0) == (u == 0));
	if (!k) {
		FUZZ_CHECK(size < SSP_PORT_PATH_LEN);
		FUZZ_CHECK(busnum >= 1 && busnum <= 999);
		snprintf(back, sizeof(back), "%u-%s", busnum, devpath);
		FUZZ_CHECK(!strcmp(back, s));
	}
	free(s);
	return 0;
}
