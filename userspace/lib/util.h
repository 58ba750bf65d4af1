/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small file and encoding helpers shared by sspctl, the HSM backends and
 * sspsim. Files that hold state are always replaced atomically, so a crash
 * or power loss leaves either the old or the new content, never a mix.
 */
#ifndef SSP_UTIL_H
#define SSP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/*
 * Read a whole regular file into buf. Refuses (-EFBIG) a file larger than
 * max bytes rather than truncating it. *len gets the number of bytes read.
 */
int ssp_read_file(const char *path, void *buf, size_t max, size_t *len, struct ssp_err *e);

/*
 * Replace path with buf: write a temporary file in the same directory,
 * fsync it, rename it over path, fsync the directory. The file gets
 * exactly mode (set with fchmod, so the umask does not change it).
 */
int ssp_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			  struct ssp_err *e);

/*
 * Files of an HSM directory: the same through a directory fd, never
 * following a symbolic link (O_NOFOLLOW); shown names the file in messages.
 */
int ssp_read_file_at(int dirfd, const char *name, const char *shown, void *buf, size_t max,
		     size_t *len, struct ssp_err *e);
int ssp_write_file_atomic_at(int dirfd, const char *name, const char *shown, const void *buf,
			     size_t len, mode_t mode, struct ssp_err *e);

/*
 * ssp_read_file() for a file holding a secret (a PIN): it must be a regular
 * file owned by the caller's euid with no group or other permission bits
 * (0600 or 0400); -EPERM with what to do otherwise.
 */
int ssp_read_secret_file(const char *path, void *buf, size_t max, size_t *len,
			 struct ssp_err *e);

/*
 * Open a directory that holds state others must not change (O_DIRECTORY,
 * O_NOFOLLOW): refused (-EPERM, the message says why and what to do) unless
 * it is owned by the caller's euid and not group- or world-writable.
 * Returns the fd.
 */
int ssp_open_private_dir(const char *path, struct ssp_err *e);

/* fsync a directory so that a rename or create in it is durable. */
int ssp_fsync_dir(const char *dir);

/*
 * Decode exactly out_len bytes from hex (upper or lower case, no prefix, no
 * separators). -EINVAL if hex is not exactly 2 * out_len hex digits.
 */
int ssp_hex_decode(const char *hex, uint8_t *out, size_t out_len);

/* Lower-case hex of in; out must hold 2 * len + 1 bytes (NUL-terminated). */
void ssp_hex_encode(const uint8_t *in, size_t len, char *out);

/* mkdir -p: create path and its missing parents with mode; existing dirs are fine. */
int ssp_mkdir_p(const char *path, mode_t mode);

#endif /* SSP_UTIL_H */
