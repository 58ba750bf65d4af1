/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the targets whose parser reads a file: one scratch directory per
 * fuzzer process (on tmpfs when there is one, so fsync costs nothing),
 * removed at exit, and a plain writer for the input.
 */
#ifndef SSP_FUZZ_FILE_H
#define SSP_FUZZ_FILE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[64];

static void fuzz_dir_remove(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir_path);
	if (system(cmd))
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir_path);
}

/* The scratch directory; created on first use. A failure aborts: no run without it. */
static inline const char *fuzz_dir(void)
{
	if (fuzz_dir_path[0])
		return fuzz_dir_path;
	strcpy(fuzz_dir_path, access("/dev/shm", W_OK) == 0 ? "/dev/shm/ssp-fuzz-XXXXXX"
							    : "/tmp/ssp-fuzz-XXXXXX");
	if (!mkdtemp(fuzz_dir_path))
		abort();
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

/* Replace path with exactly these bytes; abort on an I/O error (not a finding). */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0)
		abort();
	while (size) {
		ssize_t n = write(fd, p, size);

		if (n <= 0)
			abort();
		p += n;
		size -= (size_t)n;
	}
	close(fd);
}

#endif /* SSP_FUZZ_FILE_H */
