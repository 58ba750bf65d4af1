/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helpers for the HSM's group commit (test_hsm.c, test_hsm_tpm.c).
 */
#ifndef SSP_TEST_HSM_BATCH_H
#define SSP_TEST_HSM_BATCH_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsm.h"

/*
 * Group commit: licenses asked for while a commit is under way share the
 * next one. To make a batch of a known shape, the test holds the HSM's
 * lock: the first caller commits alone (it waits on the lock with its
 * batch of one), and every caller queued meanwhile forms the next batch.
 */
struct batch_caller {
	struct ssp_hsm *h;
	const uint8_t *cert;
	int ret, fd;			/* fd >= 0: write the cert index there once licensed */
	int index;
	struct ssp_hsm_license_info info;
	char msg[512];
};

static void *batch_caller_run(void *p)
{
	struct batch_caller *c = p;
	uint8_t lic[SSP_LIC_SIZE];
	struct ssp_err e = { 0 };
	char b;

	c->ret = ssp_hsm_license_ex(c->h, c->cert, NULL, lic, &c->info, &e);
	memcpy(c->msg, e.msg, sizeof(c->msg));
	b = (char)c->index;
	if (!c->ret && c->fd >= 0 && write(c->fd, &b, 1) != 1)
		c->ret = -EIO;
	return NULL;
}

/* Hold DIR/lock as another process would: returns the fd, close to release. */
static int hold_hsm_lock(const char *hsm)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", hsm);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait (up to 10 s) until someone waits for the flock that lockfd holds (/proc/locks "->"). */
static void wait_lock_waiter(int lockfd)
{
	char line[256], ino[32];
	struct stat st;
	int i, found = 0;

	if (fstat(lockfd, &st) < 0)
		return;
	snprintf(ino, sizeof(ino), ":%lu ", (unsigned long)st.st_ino);
	for (i = 0; i < 1000 && !found; i++) {
		FILE *f = fopen("/proc/locks", "r");

		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "-> FLOCK") && strstr(line, ino))
				found = 1;
		if (f)
			fclose(f);
		if (!found)
			usleep(10000);
	}
}

/*
 * callers c[0..n): c[0] first, alone (it becomes the leader, blocked on the
 * held lock), then the others, queued behind it; then the lock is released.
 */
static int run_batches(struct batch_caller *c, int n, int lockfd)
{
	pthread_t t[16];
	int i;

	if (n > 16 || pthread_create(&t[0], NULL, batch_caller_run, &c[0]))
		return -1;
	wait_lock_waiter(lockfd);
	/*
	 * The leader decides in queue order; 50 ms apart (a certificate check
	 * and a license take about 1 ms) they nearly always queue in index
	 * order. Tests must still accept any order: threads are scheduled as
	 * the kernel likes.
	 */
	for (i = 1; i < n; i++) {
		if (pthread_create(&t[i], NULL, batch_caller_run, &c[i]))
			return -1;
		usleep(50000);
	}
	usleep(1000000);	/* their certificate checks and licenses, then they queue */
	close(lockfd);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

#endif /* SSP_TEST_HSM_BATCH_H */
