// SPDX-License-Identifier: GPL-2.0-only
/*
 * HSM part of `make bench`, natively on the host: durable licenses per
 * second through one open software HSM in one process, the time to open an
 * HSM with the default PBKDF2 rounds, and, in the same run on the same
 * file system, what the disk's fsync costs, because every license waits
 * for the audit line (the commit point) and the state file to be durable.
 *
 *   bench_hsm [--count N] DIR...
 *
 * Each DIR is a file system to measure in (a fresh HSM in a temporary
 * directory under it, removed afterwards). N licenses (default 640) for new
 * chips from 1 thread, then N more from 32 threads on the same handle, as
 * `sspctl provision` licenses a gang of 32 (the HSM's group commit lets
 * them share their fsyncs). Per DIR it prints the figures; the last line is
 * "benchmark result: PASS|FAIL: ..." against the target (500 licenses/s
 * from 32 threads) for the first DIR, naming with numbers what stops it
 * when it is missed. Exit status 0 unless a measurement failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "formats.h"
#include "hsm.h"
#include "util.h"

#define PIN		"bench-hsm-pin"
#define TARGET		500.0	/* durable licenses per second */
#define DEFAULT_COUNT	640
#define FSYNC_ROUNDS	200

struct result {
	double lic_per_s;	/* durable licenses per second */
	double open_s;		/* ssp_hsm_open with the default KDF */
	double init_s;		/* ssp_hsm_soft_init with the default KDF */
	double append_s;	/* one audit-like append + fsync */
	double replace_s;	/* one state-like write tmp, fsync, rename, fsync dir */
	double cpu_s;		/* CPU of this process per license */
	double threads_per_s;	/* the same with THREADS threads on one handle */
	double threads_cpu_s;	/* CPU of this process per license, THREADS threads */
};


static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define THREADS		32	/* as sspctl provision licenses a gang of 32 chips */

struct worker {
	struct ssp_hsm *h;
	uint8_t (*certs)[SSP_CERT_SIZE];
	int from, to, ret;
};

static void *worker_run(void *p)
{
	struct worker *w = p;
	uint8_t lic[SSP_LIC_SIZE];
	struct ssp_err e = { 0 };

	for (int i = w->from; i < w->to && !w->ret; i++) {
		w->ret = ssp_hsm_license(w->h, w->certs[i], NULL, lic, &e);
		if (w->ret)
			fprintf(stderr, "bench_hsm: thread license %d: %s\n", i, e.msg);
	}
	ssp_wipe(lic, sizeof(lic));
	return NULL;
}

/* Licenses for certs[from..to) from THREADS threads at once: licenses/s, or < 0. */
static double threaded(struct ssp_hsm *h, uint8_t (*certs)[SSP_CERT_SIZE], int from, int to)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int i, n = to - from, bad = 0;
	double t0 = now_s();

	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ h, certs, from + i * n / THREADS, from + (i + 1) * n / THREADS, 0 };
		if (pthread_create(&t[i], NULL, worker_run, &w[i]))
			return -1;
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad |= w[i].ret;
	}
	return bad ? -1 : n / (now_s() - t0);
}

/* A chip certificate signed by st_priv (as test_hsm.c makes them). */
static int make_cert(const uint8_t st_priv[SSP_PRIV_LEN], uint8_t cert[SSP_CERT_SIZE])
{
	struct ssp_cert_info ci = { .chip_id = 0x500, .security_counter = 2 };
	uint8_t chip_priv[SSP_PRIV_LEN];
	int ret;

	ret = ssp_ec_keygen(chip_priv, ci.chip_pub);
	ssp_wipe(chip_priv, sizeof(chip_priv));
	if (ret || ssp_cert_build(&ci, cert))
		return -EIO;
	return ssp_cert_sign(st_priv, cert);
}

/*
 * The two durable writes of a license, without the HSM: an append of a
 * 600-byte line + fsync (the audit log) and a 400-byte file written to a
 * temporary name, fsync'd, renamed over the old one, directory fsync'd
 * (util.c's atomic write, used for state). Seconds per round of each.
 */
static int fsync_cost(const char *dir, double *append_s, double *replace_s)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16], fin[PATH_MAX + 16], line[600];
	int fd, dfd, i;
	double t0;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	snprintf(path, sizeof(path), "%s/append", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	t0 = now_s();
	for (i = 0; i < FSYNC_ROUNDS; i++)
		if (write(fd, line, sizeof(line)) != sizeof(line) || fsync(fd) < 0) {
			close(fd);
			return -EIO;
		}
	*append_s = (now_s() - t0) / FSYNC_ROUNDS;
	close(fd);

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", dir);
	snprintf(fin, sizeof(fin), "%s/state", dir);
	t0 = now_s();
	for (i = 0; i < FSYNC_ROUNDS; i++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, line, 400) != 400 || fsync(fd) < 0 || close(fd) < 0 ||
		    rename(tmp, fin) < 0 || fsync(dfd) < 0) {
			close(dfd);
			return -EIO;
		}
	}
	*replace_s = (now_s() - t0) / FSYNC_ROUNDS;
	close(dfd);
	return 0;
}

static int measure(const char *where, int count, struct result *r)
{
	char top[PATH_MAX], hsm[PATH_MAX + 8], pem[PATH_MAX + 16], cmd[PATH_MAX + 32];
	uint8_t st_priv[SSP_PRIV_LEN], st_pub[SSP_PUB_LEN], lic[SSP_LIC_SIZE];
	struct ssp_hsm_init in = { 0 };
	struct ssp_err e = { 0 };
	struct ssp_hsm *h = NULL;
	uint8_t (*certs)[SSP_CERT_SIZE];
	double t0, c0;
	int i, ret;

	snprintf(top, sizeof(top), "%s/ssp-bench-hsm-XXXXXX", where);
	if (!mkdtemp(top)) {
		fprintf(stderr, "bench_hsm: %s: cannot create a temporary directory: %s; give a writable directory\n",
			where, strerror(errno));
		return -errno;
	}
	snprintf(hsm, sizeof(hsm), "%s/hsm", top);
	snprintf(pem, sizeof(pem), "%s/st.pub", top);
	certs = calloc(2 * count, SSP_CERT_SIZE);
	ret = -ENOMEM;
	if (!certs)
		goto out;
	ret = -EIO;
	if (ssp_ec_keygen(st_priv, st_pub) || ssp_pem_write_pub(pem, st_pub))
		goto out;
	for (i = 0; i < 2 * count; i++)
		if (make_cert(st_priv, certs[i]))
			goto out;
	in.series = SSP_SERIES_MP15;
	if (ssp_random(in.key, sizeof(in.key)) || ssp_random(in.nonce, SSP_GCM_IV_LEN))
		goto out;
	in.counter = 2 * count;
	in.st_pub_pem[0] = pem;
	in.kdf_iterations = 0;	/* the default, as `sspctl hsm init` uses it */
	t0 = now_s();
	ret = ssp_hsm_soft_init(hsm, PIN, &in, &e);
	r->init_s = now_s() - t0;
	ssp_wipe(&in, sizeof(in));
	if (ret) {
		fprintf(stderr, "bench_hsm: %s\n", e.msg);
		goto out;
	}
	t0 = now_s();
	ret = ssp_hsm_open(hsm, PIN, &h, &e);
	r->open_s = now_s() - t0;
	if (ret) {
		fprintf(stderr, "bench_hsm: %s\n", e.msg);
		goto out;
	}
	/* The disk's fsync cost, before and after the licenses: it drifts on a shared disk. */
	ret = fsync_cost(top, &r->append_s, &r->replace_s);
	if (ret) {
		fprintf(stderr, "bench_hsm: %s: measuring fsync failed: %s\n", top, strerror(-ret));
		goto out;
	}
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < count; i++) {
		ret = ssp_hsm_license(h, certs[i], NULL, lic, &e);
		if (ret) {
			fprintf(stderr, "bench_hsm: license %d of %d: %s\n", i + 1, count, e.msg);
			goto out;
		}
	}
	r->lic_per_s = count / (now_s() - t0);
	r->cpu_s = (cpu_s() - c0) / count;
	c0 = cpu_s();
	r->threads_per_s = threaded(h, certs, count, 2 * count);
	r->threads_cpu_s = (cpu_s() - c0) / count;
	if (r->threads_per_s < 0) {
		ret = -EIO;
		goto out;
	}
	ssp_wipe(lic, sizeof(lic));
	{
		double a, b;

		ret = fsync_cost(top, &a, &b);
		if (ret)
			fprintf(stderr, "bench_hsm: %s: measuring fsync failed: %s\n", top, strerror(-ret));
		r->append_s = (r->append_s + a) / 2;
		r->replace_s = (r->replace_s + b) / 2;
	}
out:
	if (h)
		ssp_hsm_close(h);
	ssp_wipe(st_priv, sizeof(st_priv));
	free(certs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		fprintf(stderr, "bench_hsm: could not remove %s\n", top);
	return ret;
}

static void print(const char *where, int count, const struct result *r)
{
	double floor = 1.0 / (r->append_s + r->replace_s);

	printf("hsm %s: %d licenses from 1 thread: %.0f durable licenses/s (%.2f ms each, CPU %.2f ms:\n"
	       "    the product's own work allows %.0f/s per core when nothing waits)\n",
	       where, count, r->lic_per_s, 1e3 / r->lic_per_s, 1e3 * r->cpu_s, 1 / r->cpu_s);
	printf("hsm %s: %d more from %d threads on the same handle: %.0f durable licenses/s (CPU %.2f ms each)\n",
	       where, count, THREADS, r->threads_per_s, 1e3 * r->threads_cpu_s);
	if (r->threads_per_s > floor)
		printf("    i.e. %.1f licenses per commit at least: more licenses/s than the commits/s below allow\n",
		       r->threads_per_s / floor);
	printf("hsm %s: fsync cost, same run (mean of before and after): append+fsync %.2f ms (%.0f fsyncs/s);\n"
	       "    1 thread: licenses/s : fsyncs/s = %.2f (a commit makes 3 fsyncs: audit lines, state file, directory)\n",
	       where, 1e3 * r->append_s, 1 / r->append_s, r->lic_per_s * r->append_s);
	printf("hsm %s: both durable writes of a commit alone (append+fsync, then write+fsync+rename+fsync dir):\n"
	       "    %.2f ms, i.e. at most %.0f commits/s on this file system (1 thread reached %.0f%% of it)\n",
	       where, 1e3 * (r->append_s + r->replace_s), floor, 100 * r->lic_per_s / floor);
	printf("hsm %s: default KDF (PBKDF2-HMAC-SHA256, %u rounds): init %.2f s, open %.2f s\n",
	       where, SSP_HSM_KDF_DEFAULT, r->init_s, r->open_s);
}

int main(int argc, char **argv)
{
	struct result first = { 0 };
	int count = DEFAULT_COUNT, i = 1, n = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double load[3] = { 0 };

	if (argc > 2 && !strcmp(argv[1], "--count")) {
		count = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc || count < 1) {
		fprintf(stderr, "usage: bench_hsm [--count N] DIR...\n");
		return 2;
	}
	for (; i < argc; i++, n++) {
		struct result r = { 0 };

		if (measure(argv[i], count, &r))
			return 1;
		print(argv[i], count, &r);
		if (!n)
			first = r;
	}
	if (getloadavg(load, 3) < 0)
		load[0] = -1;
	{
		double floor = 1.0 / (first.append_s + first.replace_s);
		double cpu_max = (ncpu > 0 ? ncpu : 1) / first.threads_cpu_s;
		bool pass = first.threads_per_s >= TARGET;

		printf("benchmark result: %s: %.0f durable licenses/s from %d threads in one process on %s (target >= %.0f; 1 thread: %.0f/s; load average %.1f)",
		       pass ? "PASS" : "FAIL", first.threads_per_s, THREADS, argv[argc - n], TARGET,
		       first.lic_per_s, load[0]);
		if (!pass && THREADS * floor < TARGET)
			printf("; limit: this disk's fsync, %.2f ms for the two durable writes of a commit, allows %.0f commits/s, %.0f/s even with all %d licenses in each",
			       1e3 * (first.append_s + first.replace_s), floor, THREADS * floor,
			       THREADS);
		else if (!pass)
			printf("; limit: not this disk (%.0f commits/s of up to %d licenses) nor the product's CPU (%.2f ms per license, %.0f/s on %ld cores): the process used %.2f of its %ld cores at load average %.1f, so it waited for the CPU the other jobs held",
			       floor, THREADS, 1e3 * first.threads_cpu_s, cpu_max, ncpu,
			       first.threads_per_s * first.threads_cpu_s, ncpu, load[0]);
		printf("\n");
	}
	return 0;
}
