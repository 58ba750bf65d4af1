// SPDX-License-Identifier: GPL-2.0-only
/* /dev/sspN ioctl wrappers (dev.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dev.h"

/*
 * The uapi layout as this architecture's compiler sees it: the same
 * offsets as the driver's static_asserts (driver/chardev.c), so a 32-bit
 * sspctl (armhf, i386) and a 64-bit kernel agree without a compat ioctl.
 */
_Static_assert(sizeof(struct stm32_ssp_info) == STM32_SSP_INFO_SIZE_VER1, "info VER1 size");
_Static_assert(offsetof(struct stm32_ssp_info, num_phase_alts) == STM32_SSP_INFO_SIZE_VER0,
	       "the phase map follows the VER0 fields");
_Static_assert(offsetof(struct stm32_ssp_info, alts) == STM32_SSP_INFO_SIZE_VER0 + 8,
	       "alts offset");
_Static_assert(sizeof(struct stm32_ssp_alt) == 8 + STM32_SSP_ALT_NAME_LEN, "alt size");
_Static_assert(offsetof(struct stm32_ssp_alt, size) == 4 && offsetof(struct stm32_ssp_alt, name) == 8,
	       "alt layout");

static int is_devname(const char *s)
{
	if (strncmp(s, "ssp", 3) != 0 || !s[3])
		return 0;
	for (s += 3; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int ssp_sysfs_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int ssp_dev_resolve(const char *arg, char *path, size_t len, struct ssp_err *e)
{
	char dir[300], serial[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (!arg || !*arg)
		return ssp_errf(e, -EINVAL, "no device given: name one as sspN, /dev/sspN or a chip serial");
	if (strncmp(arg, "/dev/", 5) == 0 && is_devname(arg + 5)) {
		snprintf(path, len, "%s", arg);
		return 0;
	}
	if (is_devname(arg)) {
		snprintf(path, len, "/dev/%s", arg);
		return 0;
	}
	if (arg[0] == '/' || arg[0] == '.') {
		/* Any other path (e.g. a udev by-path link) is used as it is. */
		snprintf(path, len, "%s", arg);
		return 0;
	}
	d = opendir(SSP_DEV_CLASS_DIR);
	if (!d)
		return ssp_errf(e, -ENOENT, "'%s' is not sspN or /dev/sspN, and %s is missing (is stm32_ssp loaded?) to look it up as a serial",
				arg, SSP_DEV_CLASS_DIR);
	while ((de = readdir(d))) {
		if (!is_devname(de->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", SSP_DEV_CLASS_DIR, de->d_name);
		if (ssp_sysfs_attr(dir, "serial", serial, sizeof(serial)) == 0 &&
		    strcasecmp(serial, arg) == 0) {
			snprintf(path, len, "/dev/%s", de->d_name);
			found++;
		}
	}
	closedir(d);
	if (!found)
		return ssp_errf(e, -ENOENT, "no chip with serial '%s' in %s: check `sspctl list`",
				arg, SSP_DEV_CLASS_DIR);
	return 0;
}

int ssp_dev_open(const char *arg, int rw, struct ssp_dev *d, struct ssp_err *e)
{
	char real[PATH_MAX];
	const char *base;
	int ret;

	d->fd = -1;
	ret = ssp_dev_resolve(arg, d->path, sizeof(d->path), e);
	if (ret)
		return ret;
	/* Name the node itself in messages, also when given a udev link. */
	if (!realpath(d->path, real))
		snprintf(real, sizeof(real), "%s", d->path);
	base = strrchr(real, '/');
	snprintf(d->name, sizeof(d->name), "%.63s", base ? base + 1 : real);
	d->fd = open(d->path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		return ssp_errf(e, ret, "%s: cannot open: %s (%s)", d->path, strerror(-ret),
				ret == -EACCES ? "run as root or add yourself to the group of the udev rule" :
				ret == -ENOENT ? "no such chip: see `sspctl list`" :
				ssp_dev_errno_hint(ret));
	}
	return 0;
}

void ssp_dev_close(struct ssp_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

const char *ssp_dev_errno_hint(int err)
{
	switch (err < 0 ? -err : err) {
	case ENODEV:
		return "the chip is not on the bus (unplugged, reset, or its slot ended)";
	case EBADFD:
		return "the chip is not in the stage this step needs";
	case ENOENT:
		return "the chip has no DFU alternate for this phase";
	case EFBIG:
		return "the data is larger than the chip's alternate accepts";
	case E2BIG:
		/* Also a struct larger than the driver's with a field it does not know. */
		return "the data is larger than the driver or the chip's alternate accepts, or stm32_ssp.ko is older than this program (update the module)";
	case ESTALE:
		return "another chip (different serial) is now on that USB port";
	case EBUSY:
		return "another program is driving this chip";
	case ETIMEDOUT:
		return "the chip did not answer in time";
	case EPIPE:
		return "the chip stalled the request (wrong stage, or it rejected the data)";
	case EPROTO:
	case EBADMSG:
		return "the chip sent a malformed reply";
	case EIO:
		return "USB I/O error";
	case EAGAIN:
		return "the chip is not ready (booting or absent)";
	case EOPNOTSUPP:
		return "not possible in the chip's current stage";
	case EINTR:
		return "interrupted (step deadline or signal)";
	case EINVAL:
		return "the driver rejected the request's arguments";
	case ENOTTY:
		return "not an stm32_ssp device, or the driver is too old";
	default:
		return "unexpected error";
	}
}

static int ioc(struct ssp_dev *d, unsigned long req, void *arg, const char *what,
	       struct ssp_err *e)
{
	int ret;

	ret = ioctl(d->fd, req, arg);
	if (ret < 0) {
		ret = -errno;
		return ssp_errf(e, ret, "%s: %s failed: %s (%s)", d->name, what, strerror(-ret),
				ssp_dev_errno_hint(ret));
	}
	return 0;
}

int ssp_dev_info(struct ssp_dev *d, struct stm32_ssp_info *info, struct ssp_err *e)
{
	int ret;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	ret = ioc(d, STM32_SSP_IOC_GET_INFO, info, "GET_INFO", e);
	if (ret)
		return ret;
	/* The strings come from the kernel, but terminate them anyway. */
	info->serial[sizeof(info->serial) - 1] = '\0';
	info->port_path[sizeof(info->port_path) - 1] = '\0';
	info->product[sizeof(info->product) - 1] = '\0';
	/* A VER0 driver wrote up to product: its phase map stays empty. */
	if (info->num_phase_alts > STM32_SSP_INFO_ALTS)
		info->num_phase_alts = STM32_SSP_INFO_ALTS;
	for (unsigned int i = 0; i < STM32_SSP_INFO_ALTS; i++)
		info->alts[i].name[sizeof(info->alts[i].name) - 1] = '\0';
	return 0;
}

int ssp_dev_get_phase(struct ssp_dev *d, struct stm32_ssp_phase *ph, struct ssp_err *e)
{
	int ret;

	memset(ph, 0, sizeof(*ph));
	ph->size = sizeof(*ph);
	ret = ioc(d, STM32_SSP_IOC_GET_PHASE, ph, "GetPhase", e);
	if (ret)
		return ret;
	if (ph->reply_len < 9 || ph->reply_len > STM32_SSP_PHASE_REPLY_MAX)
		return ssp_errf(e, -EPROTO, "%s: GetPhase reply length %u out of range 9..%u",
				d->name, ph->reply_len, STM32_SSP_PHASE_REPLY_MAX);
	return 0;
}

int ssp_dev_load_fw(struct ssp_dev *d, const void *fw, size_t len, unsigned int phase,
		    struct ssp_err *e)
{
	struct stm32_ssp_load_fw lf = {
		.size = sizeof(lf),
		.data = (uintptr_t)fw,
		.len = (uint32_t)len,
		.phase = phase,
	};

	if (len == 0 || len > UINT32_MAX)
		return ssp_errf(e, -EINVAL, "%s: firmware length %zu out of range", d->name, len);
	return ioc(d, STM32_SSP_IOC_LOAD_FW, &lf, "loading the SSP firmware", e);
}

int ssp_dev_read_cert(struct ssp_dev *d, struct stm32_ssp_cert *cert, struct ssp_err *e)
{
	int ret;

	memset(cert, 0, sizeof(*cert));
	cert->size = sizeof(*cert);
	ret = ioc(d, STM32_SSP_IOC_READ_CERT, cert, "reading the chip certificate", e);
	if (ret)
		return ret;
	if (cert->cert_len != STM32_SSP_CERT_LEN)
		return ssp_errf(e, -EPROTO, "%s: certificate length %u, expected %u",
				d->name, cert->cert_len, STM32_SSP_CERT_LEN);
	return 0;
}

int ssp_dev_send_license(struct ssp_dev *d, const void *blob, size_t len, uint32_t flags,
			 struct stm32_ssp_license *lic, struct ssp_err *e)
{
	if (len <= STM32_SSP_LICENSE_LEN || len > STM32_SSP_BLOB_MAX)
		return ssp_errf(e, -EINVAL, "%s: license+payload length %zu out of range %u..%u",
				d->name, len, STM32_SSP_LICENSE_LEN + 1, STM32_SSP_BLOB_MAX);
	memset(lic, 0, sizeof(*lic));
	lic->size = sizeof(*lic);
	lic->flags = flags;
	lic->data = (uintptr_t)blob;
	lic->len = (uint32_t)len;
	return ioc(d, STM32_SSP_IOC_SEND_LICENSE, lic, "sending license and secrets", e);
}

int ssp_dev_wait(struct ssp_dev *d, unsigned int timeout_ms, unsigned int min_generation,
		 unsigned int stage_mask, struct stm32_ssp_wait *w, struct ssp_err *e)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->timeout_ms = timeout_ms;
	w->min_generation = min_generation;
	w->stage_mask = stage_mask;
	if (ioctl(d->fd, STM32_SSP_IOC_WAIT, w) == 0)
		return 0;
	if (errno == ETIMEDOUT)
		return ssp_errf(e, -ETIMEDOUT,
				"%s: no re-enumeration in %u ms (wanted generation >= %u, now %u, stage %s, state %s)",
				d->name, timeout_ms, min_generation, w->generation,
				ssp_stage_name(w->stage), ssp_state_name(w->state));
	return ssp_errf(e, -errno, "%s: waiting for the chip failed: %s (%s)", d->name,
			strerror(errno), ssp_dev_errno_hint(errno));
}

int ssp_dev_detach(struct ssp_dev *d, struct ssp_err *e)
{
	struct stm32_ssp_detach det = { .size = sizeof(det) };

	return ioc(d, STM32_SSP_IOC_DETACH, &det, "DFU_DETACH", e);
}

int ssp_dev_recover(struct ssp_dev *d, struct stm32_ssp_recover *r, struct ssp_err *e)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	return ioc(d, STM32_SSP_IOC_RECOVER, r, "DFU recovery", e);
}

const char *ssp_stage_name(unsigned int stage)
{
	switch (stage) {
	case STM32_SSP_STAGE_ROM:
		return "rom";
	case STM32_SSP_STAGE_FSBL:
		return "fsbl";
	default:
		return "unknown";
	}
}

const char *ssp_state_name(unsigned int state)
{
	switch (state) {
	case STM32_SSP_STATE_READY:
		return "ready";
	case STM32_SSP_STATE_BOOTING:
		return "booting";
	case STM32_SSP_STATE_ABSENT:
		return "absent";
	case STM32_SSP_STATE_GONE:
		return "gone";
	default:
		return "unknown";
	}
}

const char *ssp_chip_name(unsigned int chip_id)
{
	switch (chip_id) {
	case STM32_SSP_CHIP_MP15:
		return "STM32MP15";
	case STM32_SSP_CHIP_MP13:
		return "STM32MP13";
	case STM32_SSP_CHIP_MP25:
		return "STM32MP25";
	default:
		return "unknown";
	}
}

int ssp_series_of_chip(unsigned int chip_id, enum ssp_series *series)
{
	switch (chip_id) {
	case STM32_SSP_CHIP_MP15:
		*series = SSP_SERIES_MP15;
		return 0;
	case STM32_SSP_CHIP_MP13:
		*series = SSP_SERIES_MP13;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

const char *ssp_series_name(enum ssp_series series)
{
	return series == SSP_SERIES_MP13 ? "mp13" : "mp15";
}

int ssp_series_parse(const char *s, enum ssp_series *series)
{
	if (strcasecmp(s, "mp15") == 0)
		*series = SSP_SERIES_MP15;
	else if (strcasecmp(s, "mp13") == 0)
		*series = SSP_SERIES_MP13;
	else
		return -EINVAL;
	return 0;
}
