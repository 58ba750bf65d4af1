/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the stm32_ssp selftests: simulated chips (sspsim), the slot of
 * a chip in /sys/class/stm32_ssp, one wrapper per ioctl returning 0 or -errno,
 * and SSP licenses made with libssp for the certificate a chip gave.
 * Included once per test program (static functions).
 */
#ifndef SSP_SELFTEST_H
#define SSP_SELFTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/stm32_ssp.h>

#include "crypto.h"
#include "formats.h"
#include "profile.h"

#ifndef SSP_TOP
#error "SSP_TOP (the repository) must be defined"
#endif

#define SSP_CLASS	"/sys/class/stm32_ssp"
#define STAGE(s)	(1U << (s))

struct sim {
	char dir[192];		/* sspsim state directory */
	char serial[33];
	int minor;
	char dev[32];		/* /dev/sspN */
};

/* Per-program world: scratch dir, OEM key (signs the firmware), image. */
static char w_dir[128];
static uint8_t w_oem_priv[SSP_PRIV_LEN], w_oem_pub[SSP_PUB_LEN];
static uint8_t *w_fw, *w_fw13;		/* header v1.0 (MP15 ROM), v2.0 (MP13 ROM) */
static size_t w_fw_len, w_fw13_len;
/* The SSP firmware in the header the chip's ROM takes. */
#define W_FW(mp13)	((mp13) ? w_fw13 : w_fw)
#define W_FW_LEN(mp13)	((mp13) ? w_fw13_len : w_fw_len)
static unsigned int w_sims;

static inline const char *sspsim_path(void)
{
	const char *p = getenv("SSPSIM");

	return p ? p : SSP_TOP "/build/sspsim";
}

static inline int run_argv(char *const argv[], bool quiet)
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int read_file(const char *path, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	return n < 0 ? -errno : (int)n;
}

/* A sysfs file's value without its newline, NUL-terminated; 0 or -errno. */
static inline int read_line(const char *path, char *buf, size_t len)
{
	int n = read_file(path, buf, len - 1);

	if (n < 0)
		return n;
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* Read /sys/class/stm32_ssp/sspN/ATTR without the newline. */
static inline int slot_attr(int minor, const char *attr, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), SSP_CLASS "/ssp%d/%s", minor, attr);
	return read_line(path, buf, len);
}

/*
 * Is a slot with this serial present (any state but gone)? sspsim prints the
 * 24-digit UID; a chip with the long-serial fault reports more after it, so
 * the UID is matched as a prefix.
 */
static inline int slot_by_serial(const char *serial)
{
	struct dirent *de;
	char s[128];
	int minor = -1;
	DIR *d;

	d = opendir(SSP_CLASS);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int m;

		if (sscanf(de->d_name, "ssp%d", &m) != 1)
			continue;
		if (!slot_attr(m, "serial", s, sizeof(s)) &&
		    !strncmp(s, serial, strlen(serial)))
			minor = m;
	}
	closedir(d);
	return minor;
}

/* Wait until the slot of @serial is ready in @stage; its minor or -1. */
static inline int slot_wait_ready(const char *serial, const char *stage, unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	char st[32], sg[32];

	do {
		int m = slot_by_serial(serial);

		if (m >= 0 && !slot_attr(m, "state", st, sizeof(st)) &&
		    !slot_attr(m, "stage", sg, sizeof(sg)) &&
		    !strcmp(st, "ready") && !strcmp(sg, stage))
			return m;
		usleep(50000);
	} while (now_ms() < end);
	return -1;
}

/*
 * Start @n simulated chips in one sspsim (own state directory) and wait
 * for their slots; s[0..n-1] share the directory, s[0] owns it.
 * @series: "mp15" or "mp13"; @fault: an sspsim --fault spec or NULL.
 */
static inline int sim_start_n(struct sim *s, int n, const char *series,
			      const char *fault)
{
	char cmd[512], line[128], dir[192];
	int got = 0, idx;
	FILE *p;

	/* Tests run in forked children: the pid keeps the directories apart. */
	snprintf(dir, sizeof(dir), "%s/sim%d.%u", w_dir, (int)getpid(), w_sims++);
	snprintf(cmd, sizeof(cmd),
		 "%s start --state %s --series %s --chips %d --timing fast%s%s",
		 sspsim_path(), dir, series, n, fault ? " --fault " : "",
		 fault ? fault : "");
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		if (got < n && sscanf(line, "%d %32s", &idx, s[got].serial) == 2)
			got++;
	if (pclose(p) || got != n)
		return -ECHILD;
	for (int i = 0; i < n; i++) {
		strcpy(s[i].dir, i ? "" : dir);
		s[i].minor = slot_wait_ready(s[i].serial, "rom", 60000);
		if (s[i].minor < 0)
			return -ETIMEDOUT;
		snprintf(s[i].dev, sizeof(s[i].dev), "/dev/ssp%d", s[i].minor);
	}
	return 0;
}

static inline int sim_start(struct sim *s, const char *series, const char *fault)
{
	return sim_start_n(s, 1, series, fault);
}

static inline void sim_stop(struct sim *s)
{
	char *argv[] = { (char *)sspsim_path(), "stop", "--state", s->dir, NULL };

	if (s->dir[0])
		run_argv(argv, true);
	s->dir[0] = '\0';
}

/* OTP word @w of the chip, from `sspsim otp`; -1 on error. */
static inline long long sim_otp_word(const char *dir, const char *serial, unsigned int w)
{
	char cmd[512], line[256];
	long long v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s otp --state %s --chip %s", sspsim_path(),
		 dir, serial);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		unsigned int idx;
		unsigned long long val;

		if (sscanf(line, "%u %llx", &idx, &val) == 2 && idx == w)
			v = (long long)val;
	}
	pclose(p);
	return v;
}

/* ---- ioctl wrappers: 0 or -errno ---- */

static inline int ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static inline int ssp_info(int fd, struct stm32_ssp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	return ioc(fd, STM32_SSP_IOC_GET_INFO, i);
}

static inline int ssp_phase(int fd, struct stm32_ssp_phase *p)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	return ioc(fd, STM32_SSP_IOC_GET_PHASE, p);
}

static inline int ssp_wait(int fd, unsigned int ms, unsigned int gen, unsigned int mask,
		    struct stm32_ssp_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->timeout_ms = ms;
	w->min_generation = gen;
	w->stage_mask = mask;
	return ioc(fd, STM32_SSP_IOC_WAIT, w);
}

static inline int ssp_load(int fd, const void *img, size_t len, unsigned int phase)
{
	struct stm32_ssp_load_fw lf = {
		.size = sizeof(lf),
		.data = (uintptr_t)img,
		.len = (uint32_t)len,
		.phase = phase,
	};

	return ioc(fd, STM32_SSP_IOC_LOAD_FW, &lf);
}

static inline int ssp_cert(int fd, struct stm32_ssp_cert *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return ioc(fd, STM32_SSP_IOC_READ_CERT, c);
}

static inline int ssp_license(int fd, const void *blob, size_t len, uint32_t flags,
		       struct stm32_ssp_license *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->flags = flags;
	l->data = (uintptr_t)blob;
	l->len = (uint32_t)len;
	return ioc(fd, STM32_SSP_IOC_SEND_LICENSE, l);
}

static inline int ssp_detach(int fd)
{
	struct stm32_ssp_detach d = { .size = sizeof(d) };

	return ioc(fd, STM32_SSP_IOC_DETACH, &d);
}

static inline int ssp_recover(int fd, struct stm32_ssp_recover *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	return ioc(fd, STM32_SSP_IOC_RECOVER, r);
}

/* ---- world: OEM key, signed test firmware ---- */

/* Read a whole file into a new buffer. */
static inline int world_read(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -errno;
	*len = st.st_size;
	*buf = malloc(*len);
	if (!*buf || read(fd, *buf, *len) != (ssize_t)*len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static inline int world_init(void)
{
	char key[192], fw[192], fw13[192];
	char *argv[] = { (char *)sspsim_path(), "mkfw", "--out", fw, "--key", key, NULL };
	/* MP13: header v2.0, the key table holding the signing key alone. */
	char *argv13[] = { (char *)sspsim_path(), "mkfw", "--series", "mp13", "--out", fw13,
			   "--key", key, NULL };
	int ret;

	snprintf(w_dir, sizeof(w_dir), "/tmp/ssp-selftest.XXXXXX");
	if (!mkdtemp(w_dir))
		return -errno;
	snprintf(key, sizeof(key), "%s/oem.pem", w_dir);
	snprintf(fw, sizeof(fw), "%s/fw.stm32", w_dir);
	snprintf(fw13, sizeof(fw13), "%s/fw13.stm32", w_dir);
	ret = ssp_ec_keygen(w_oem_priv, w_oem_pub);
	if (!ret)
		ret = ssp_pem_write_priv(key, w_oem_priv);
	if (ret)
		return ret;
	ret = run_argv(argv, true);
	if (!ret)
		ret = run_argv(argv13, true);
	if (ret)
		return ret > 0 ? -ECHILD : ret;
	ret = world_read(fw, &w_fw, &w_fw_len);
	return ret ? ret : world_read(fw13, &w_fw13, &w_fw13_len);
}

static inline void world_fini(void)
{
	char *argv[] = { "/bin/rm", "-rf", w_dir, NULL };

	if (w_dir[0])
		run_argv(argv, true);
	free(w_fw);
	free(w_fw13);
}

/*
 * license || payload for the chip key of @cert: the HSM's and Trusted
 * Package Creator's work, done here with libssp and a key/nonce the test
 * chooses. Returns the blob length or -errno.
 */
static inline int make_blob(enum ssp_series series, const struct stm32_ssp_cert *cert,
		     const uint8_t *secrets, size_t secrets_len, uint32_t rma,
		     uint8_t *blob, size_t max)
{
	struct ssp_license_params lp = { .type = SSP_LIC_TYPE_NORMAL };
	size_t plen = series == SSP_SERIES_MP15 ? SSP_PAYLOAD_SIZE_MP15 :
						  SSP_PAYLOAD_SIZE_MP13;
	struct ssp_payload_plain pl = { .series = series, .rma_word = rma };
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN];
	int ret;

	if (max < SSP_LIC_SIZE + plen || secrets_len > sizeof(pl.secrets))
		return -E2BIG;
	ret = ssp_random(key, sizeof(key));
	if (!ret)
		ret = ssp_random(nonce, 12);
	if (ret)
		return ret;
	memset(nonce + 12, 0, 4);
	if (series == SSP_SERIES_MP15) {
		memcpy(pl.oem_pub, w_oem_pub, SSP_PUB_LEN);
	} else {
		ret = ssp_pkhth_from_keys(&w_oem_pub, 1, pl.rpkth);
		if (ret)
			return ret;
	}
	memcpy(pl.secrets, secrets, secrets_len);
	pl.secrets_len = secrets_len;
	ret = ssp_license_make(cert->cert + SSP_CERT_OFF_PUBK, key, nonce, &lp,
			       NULL, blob);
	if (!ret)
		ret = ssp_payload_seal(&pl, key, nonce, blob + SSP_LIC_SIZE, plen);
	ssp_wipe(key, sizeof(key));
	return ret ? ret : (int)(SSP_LIC_SIZE + plen);
}

/* ---- module parameters: saved and restored around every test ---- */

#define SSP_PARAM_DIR	"/sys/module/stm32_ssp/parameters/"
#define SSP_PARAMS_MAX	16

/* The writable parameters of stm32_ssp and their values. */
struct ssp_params {
	int n;
	char name[SSP_PARAMS_MAX][48];
	char val[SSP_PARAMS_MAX][256];
};

static inline int param_write(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SSP_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Every parameter the owner may write, whatever other helpers add. */
static inline void params_save(struct ssp_params *p)
{
	struct dirent *de;
	DIR *d;

	p->n = 0;
	d = opendir(SSP_PARAM_DIR);
	if (!d)
		return;
	while ((de = readdir(d)) && p->n < SSP_PARAMS_MAX) {
		char path[320];
		struct stat st;

		snprintf(path, sizeof(path), SSP_PARAM_DIR "%s", de->d_name);
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(p->name[0]) ||
		    stat(path, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & S_IWUSR))
			continue;
		if (read_line(path, p->val[p->n], sizeof(p->val[0])))
			continue;
		strcpy(p->name[p->n], de->d_name);
		p->n++;
	}
	closedir(d);
}

static inline void params_restore(const struct ssp_params *p)
{
	for (int i = 0; i < p->n; i++)
		param_write(p->name[i], p->val[i]);
}

/*
 * build/ko/<6.1|6.12>/stm32_ssp.ko for the running kernel, or $SSP_KO (the
 * arm64 VM points it at the cross-built module).
 */
static inline void module_path(char *buf, size_t len)
{
	const char *ko = getenv("SSP_KO");
	struct utsname u;
	unsigned int a = 0, b = 0;

	if (ko && *ko) {
		snprintf(buf, len, "%s", ko);
		return;
	}
	uname(&u);
	sscanf(u.release, "%u.%u", &a, &b);
	snprintf(buf, len, SSP_TOP "/build/ko/%u.%u/stm32_ssp.ko", a, b);
}

/*
 * main() of a suite whose world is just world_init(): skip when the driver is
 * not loaded, bail out when the test firmware cannot be made. Expanded after
 * kselftest_harness.h, which provides test_harness_run(). The module
 * parameters are restored once more at the end: a test killed by a signal
 * or its timeout never ran its teardown.
 */
#define SSP_TEST_MAIN()								\
int main(int argc, char **argv)							\
{										\
	static struct ssp_params params;					\
	int ret;								\
										\
	if (access("/sys/class/stm32_ssp", F_OK)) {					\
		printf("1..0 # SKIP stm32_ssp is not loaded\n");		\
		return KSFT_SKIP;						\
	}									\
	ret = world_init();							\
	if (ret) {								\
		printf("Bail out! cannot make the test firmware: %s\n",	\
		       strerror(-ret));						\
		return 1;							\
	}									\
	params_save(&params);							\
	ret = test_harness_run(argc, argv);					\
	params_restore(&params);						\
	world_fini();								\
	return ret;								\
}

#endif /* SSP_SELFTEST_H */
