/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reader for the known-answer vectors of scripts/gen-kat.py
 * (kat/ssp-v1.txt: lines "name hex"). SSP_KAT_DIR is set by tests.mk; the
 * environment variable of the same name overrides it.
 */
#ifndef SSP_TEST_KAT_H
#define SSP_TEST_KAT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static inline const char *kat_dir(void)
{
	const char *d = getenv("SSP_KAT_DIR");

	return d ? d : SSP_KAT_DIR;
}

/* Path of a file in the vector directory (static buffer). */
static inline const char *kat_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", kat_dir(), name);
	return path;
}

/* Bytes of vector name in file into out; -ENOENT if absent, -EINVAL if not len bytes. */
static inline int kat_get_from(const char *file, const char *name, void *out, size_t len)
{
	static char line[8192];
	size_t nlen = strlen(name);
	int ret = -ENOENT;
	FILE *f;

	f = fopen(kat_path(file), "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nlen) || line[nlen] != ' ')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		ret = ssp_hex_decode(line + nlen + 1, out, len);
		break;
	}
	fclose(f);
	return ret;
}

/* The generated vectors of kat/ssp-v1.txt. */
static inline int kat_get(const char *name, void *out, size_t len)
{
	return kat_get_from("ssp-v1.txt", name, out, len);
}

/* A vector stored as a big-endian u32; aborts the test program if absent. */
static inline uint32_t kat_u32(const char *name)
{
	uint8_t b[4];

	if (kat_get(name, b, 4)) {
		fprintf(stderr, "kat: vector %s missing from %s\n", name, kat_path("ssp-v1.txt"));
		abort();
	}
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#endif /* SSP_TEST_KAT_H */
