// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * A systemd credential (LoadCredential=): a file directly in the
 * $CREDENTIALS_DIRECTORY systemd made for this service, which only the
 * service can enter. Depending on the file system systemd uses, the file is
 * the service user's (mode 0400) or root's (0440, root's group, with an ACL
 * granting the service user read access).
 */
static int is_credential(const char *path)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char copy[PATH_MAX], rdir[PATH_MAX], rfile_dir[PATH_MAX];

	if (!dir || !dir[0] || snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return 0;
	if (!realpath(dir, rdir) || !realpath(dirname(copy), rfile_dir))
		return 0;
	return !strcmp(rdir, rfile_dir);
}

/* Secret files (PINs): what a file must be to be trusted with one. */
static int check_secret(const char *path, const struct stat *st, struct ssp_err *e)
{
	if (is_credential(path) && (st->st_uid == geteuid() || st->st_uid == 0) &&
	    !(st->st_mode & 0227) && (!(st->st_mode & 0070) || st->st_gid == 0))
		return 0;
	if (st->st_uid != geteuid())
		return ssp_errf(e, -EPERM, "%s: owned by uid %u, not by you (uid %u): a file holding a secret must be yours; chown it to the account that runs sspctl",
				path, (unsigned int)st->st_uid, (unsigned int)geteuid());
	if (st->st_mode & 077)
		return ssp_errf(e, -EPERM, "%s: mode %04o lets others read or change it; run chmod 600 %s",
				path, (unsigned int)(st->st_mode & 07777), path);
	return 0;
}

/* The body of the readers: fd is closed. */
static int read_fd(int fd, const char *path, void *buf, size_t max, size_t *len, int secret,
		   struct ssp_err *e)
{
	uint8_t *p = buf;
	struct stat st;
	size_t got = 0;
	int ret = 0;

	*len = 0;
	if (fstat(fd, &st) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = ssp_errf(e, -EINVAL, "%s: not a regular file; give the path of a file", path);
		goto out;
	}
	if (secret) {
		ret = check_secret(path, &st, e);
		if (ret)
			goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		ret = ssp_errf(e, -EFBIG, "%s: file is %lld bytes, more than the %zu this file type may hold; check that it is the right file",
			       path, (long long)st.st_size, max);
		goto out;
	}
	/* Read until EOF, one byte past max, in case the file grew since fstat. */
	for (;;) {
		uint8_t extra;
		ssize_t n;

		if (got < max)
			n = read(fd, p + got, max - got);
		else
			n = read(fd, &extra, 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = ssp_errf(e, -errno, "%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (got == max) {
			ret = ssp_errf(e, -EFBIG, "%s: file is larger than the %zu bytes this file type may hold; check that it is the right file",
				       path, max);
			goto out;
		}
		got += n;
	}
	*len = got;
out:
	close(fd);
	return ret;
}

int ssp_read_file(const char *path, void *buf, size_t max, size_t *len, struct ssp_err *e)
{
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot open for reading: %s", path, strerror(errno));
	return read_fd(fd, path, buf, max, len, 0, e);
}

int ssp_read_secret_file(const char *path, void *buf, size_t max, size_t *len,
			 struct ssp_err *e)
{
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot open for reading: %s", path, strerror(errno));
	return read_fd(fd, path, buf, max, len, 1, e);
}

int ssp_read_file_at(int dirfd, const char *name, const char *shown, void *buf, size_t max,
		     size_t *len, struct ssp_err *e)
{
	int fd;

	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot open for reading: %s%s", shown, strerror(errno),
				errno == ELOOP ? " (a symbolic link, refused: remove it)" : "");
	return read_fd(fd, shown, buf, max, len, 0, e);
}

int ssp_open_private_dir(const char *path, struct ssp_err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot open the directory: %s%s", path, strerror(errno),
				errno == ELOOP || errno == ENOTDIR ?
				" (not a directory, or a symbolic link, which is refused: give the real path)" : "");
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		return ssp_errf(e, -err, "%s: cannot stat: %s", path, strerror(err));
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return ssp_errf(e, -EPERM, "%s: owned by uid %u, not by you (uid %u): another account could replace its files; run sspctl as its owner or chown -R it to this account",
				path, (unsigned int)st.st_uid, (unsigned int)geteuid());
	}
	if (st.st_mode & 022) {
		close(fd);
		return ssp_errf(e, -EPERM, "%s: mode %04o is group- or world-writable, so others could replace its files; run chmod 0700 %s",
				path, (unsigned int)(st.st_mode & 07777), path);
	}
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* The directory part of path, as dirname(3) would give it, into out. */
static int dir_of(const char *path, char *out, size_t out_len)
{
	char tmp[PATH_MAX];

	if (strlen(path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, path);
	if (snprintf(out, out_len, "%s", dirname(tmp)) >= (int)out_len)
		return -ENAMETOOLONG;
	return 0;
}

int ssp_fsync_dir(const char *dir)
{
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int ssp_write_file_atomic_at(int dirfd, const char *name, const char *shown, const void *buf,
			     size_t len, mode_t mode, struct ssp_err *e)
{
	char tmp[NAME_MAX + 1];
	unsigned int i;
	int fd = -1, ret;

	/* A fresh name each try; O_EXCL|O_NOFOLLOW: never through a planted file or link. */
	for (i = 0; i < 100 && fd < 0; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%lx", name, (int)getpid(),
			     (unsigned long)ts.tv_nsec ^ (i * 0x9e3779b9ul)) >= (int)sizeof(tmp))
			return ssp_errf(e, -ENAMETOOLONG, "%s: name too long", shown);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot create a temporary file next to it: %s; check that the directory is writable",
				shown, strerror(errno));
	if (fchmod(fd, mode) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot set mode %o on the temporary file: %s",
			       shown, (unsigned int)mode, strerror(errno));
		goto fail;
	}
	ret = write_all(fd, buf, len);
	if (ret) {
		ssp_errf(e, ret, "%s: writing the temporary file failed: %s", shown, strerror(-ret));
		goto fail;
	}
	if (fsync(fd) < 0) {
		ret = ssp_errf(e, -errno, "%s: fsync of the temporary file failed: %s", shown,
			       strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = ssp_errf(e, -errno, "%s: close of the temporary file failed: %s", shown,
			       strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot rename the temporary file into place: %s",
			       shown, strerror(errno));
		goto fail;
	}
	if (fsync(dirfd) < 0)
		return ssp_errf(e, -errno, "%s: written, but fsync of its directory failed: %s", shown,
				strerror(errno));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return ret;
}

int ssp_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			  struct ssp_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int fd, ret;

	ret = dir_of(path, dir, sizeof(dir));
	if (ret)
		return ssp_errf(e, ret, "%s: path too long", path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return ssp_errf(e, -ENAMETOOLONG, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "%s: cannot create a temporary file in %s: %s; check that the directory exists and is writable",
				path, dir, strerror(errno));
	if (fchmod(fd, mode) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot set mode %o on the temporary file: %s",
			       path, (unsigned int)mode, strerror(errno));
		goto fail;
	}
	ret = write_all(fd, buf, len);
	if (ret) {
		ssp_errf(e, ret, "%s: writing the temporary file failed: %s", path, strerror(-ret));
		goto fail;
	}
	if (fsync(fd) < 0) {
		ret = ssp_errf(e, -errno, "%s: fsync of the temporary file failed: %s",
			       path, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = ssp_errf(e, -errno, "%s: close of the temporary file failed: %s",
			       path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = ssp_errf(e, -errno, "%s: cannot rename the temporary file into place: %s",
			       path, strerror(errno));
		goto fail;
	}
	ret = ssp_fsync_dir(dir);
	if (ret)
		return ssp_errf(e, ret, "%s: written, but fsync of directory %s failed: %s",
				path, dir, strerror(-ret));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ssp_hex_decode(const char *hex, uint8_t *out, size_t out_len)
{
	size_t i;

	if (strnlen(hex, 2 * out_len + 1) != 2 * out_len)
		return -EINVAL;
	for (i = 0; i < out_len; i++) {
		int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void ssp_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int ssp_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t len = strlen(path), i;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	/* Create each prefix ending before a '/', then the whole path. */
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		if (stat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}
