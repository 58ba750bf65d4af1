// SPDX-License-Identifier: GPL-2.0-only
/* libssp file and hex helpers: bounded reads, atomic replace, mkdir -p. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "util.h"

FIXTURE(tmpdir) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(tmpdir)
{
	strcpy(self->dir, "/tmp/ssp-test-util-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/state", self->dir);
}

FIXTURE_TEARDOWN(tmpdir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static int write_plain(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f);
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

TEST_F(tmpdir, read_file_returns_whole_content_and_length)
{
	struct ssp_err e = { 0 };
	char buf[16];
	size_t len;

	ASSERT_EQ(0, write_plain(self->path, "hello"));
	ASSERT_EQ(0, ssp_read_file(self->path, buf, sizeof(buf), &len, &e));
	ASSERT_EQ(5u, len);
	ASSERT_EQ(0, memcmp(buf, "hello", 5));
	/* Exactly max bytes is still accepted. */
	ASSERT_EQ(0, ssp_read_file(self->path, buf, 5, &len, &e));
	ASSERT_EQ(5u, len);
}

TEST_F(tmpdir, read_file_refuses_file_larger_than_max_and_says_so)
{
	struct ssp_err e = { 0 };
	char buf[16];
	size_t len = 99;

	ASSERT_EQ(0, write_plain(self->path, "hello world"));
	ASSERT_EQ(-EFBIG, ssp_read_file(self->path, buf, 10, &len, &e));
	ASSERT_EQ(-EFBIG, e.code);
	ASSERT_EQ(0u, len);
	ASSERT_NE(NULL, strstr(e.msg, self->path));
	ASSERT_NE(NULL, strstr(e.msg, "11 bytes"));
}

TEST_F(tmpdir, read_file_reports_missing_file_and_directory)
{
	struct ssp_err e = { 0 };
	char buf[16];
	size_t len;

	ASSERT_EQ(-ENOENT, ssp_read_file(self->path, buf, sizeof(buf), &len, &e));
	ASSERT_NE(NULL, strstr(e.msg, self->path));
	ASSERT_EQ(-EINVAL, ssp_read_file(self->dir, buf, sizeof(buf), &len, &e));
	ASSERT_NE(NULL, strstr(e.msg, "not a regular file"));
}

TEST_F(tmpdir, write_atomic_creates_then_replaces_with_mode_and_no_leftovers)
{
	struct ssp_err e = { 0 };
	struct stat st;
	char buf[32];
	size_t len;

	ASSERT_EQ(0, ssp_write_file_atomic(self->path, "first", 5, 0600, &e));
	ASSERT_EQ(0, ssp_write_file_atomic(self->path, "second!", 7, 0640, &e));
	ASSERT_EQ(0, ssp_read_file(self->path, buf, sizeof(buf), &len, &e));
	ASSERT_EQ(7u, len);
	ASSERT_EQ(0, memcmp(buf, "second!", 7));
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(0640u, st.st_mode & 07777);
	ASSERT_EQ(1, count_entries(self->dir));
}

TEST_F(tmpdir, write_atomic_mode_is_exact_despite_umask)
{
	struct ssp_err e = { 0 };
	struct stat st;
	mode_t old = umask(077);

	ASSERT_EQ(0, ssp_write_file_atomic(self->path, "x", 1, 0644, &e));
	umask(old);
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(0644u, st.st_mode & 07777);
}

TEST_F(tmpdir, write_atomic_of_empty_buffer_gives_empty_file)
{
	struct ssp_err e = { 0 };
	struct stat st;

	ASSERT_EQ(0, ssp_write_file_atomic(self->path, "", 0, 0600, &e));
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(0, st.st_size);
}

TEST_F(tmpdir, write_atomic_failing_rename_keeps_target_and_removes_temp)
{
	struct ssp_err e = { 0 };
	char sub[160], inner[200];
	struct stat st;

	/* A non-empty directory in the way: rename(2) fails, nothing changes. */
	snprintf(sub, sizeof(sub), "%s/target", self->dir);
	snprintf(inner, sizeof(inner), "%s/keep", sub);
	ASSERT_EQ(0, mkdir(sub, 0700));
	ASSERT_EQ(0, write_plain(inner, "old"));
	ASSERT_GT(0, ssp_write_file_atomic(sub, "new", 3, 0600, &e));
	ASSERT_NE(NULL, strstr(e.msg, "rename"));
	ASSERT_EQ(0, stat(sub, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(1, count_entries(self->dir));
	ASSERT_EQ(1, count_entries(sub));
}

TEST_F(tmpdir, write_atomic_into_missing_directory_fails_with_message)
{
	struct ssp_err e = { 0 };
	char path[160];

	snprintf(path, sizeof(path), "%s/nodir/state", self->dir);
	ASSERT_EQ(-ENOENT, ssp_write_file_atomic(path, "x", 1, 0600, &e));
	ASSERT_EQ(-ENOENT, e.code);
	ASSERT_NE(NULL, strstr(e.msg, path));
}

TEST_F(tmpdir, fsync_dir_works_on_directory_and_reports_missing)
{
	char path[160];

	ASSERT_EQ(0, ssp_fsync_dir(self->dir));
	snprintf(path, sizeof(path), "%s/missing", self->dir);
	ASSERT_EQ(-ENOENT, ssp_fsync_dir(path));
	ASSERT_EQ(0, write_plain(self->path, "f"));
	ASSERT_EQ(-ENOTDIR, ssp_fsync_dir(self->path));
}

TEST_F(tmpdir, mkdir_p_creates_nested_accepts_existing_refuses_file_in_path)
{
	char path[200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a/b//c/", self->dir);
	ASSERT_EQ(0, ssp_mkdir_p(path, 0700));
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0, ssp_mkdir_p(path, 0700));
	ASSERT_EQ(0, write_plain(self->path, "f"));
	snprintf(path, sizeof(path), "%s/sub", self->path);
	ASSERT_EQ(-ENOTDIR, ssp_mkdir_p(path, 0700));
	ASSERT_EQ(-ENOTDIR, ssp_mkdir_p(self->path, 0700));
	ASSERT_EQ(-EINVAL, ssp_mkdir_p("", 0700));
}

TEST(hex_decode_takes_exact_length_in_either_case)
{
	uint8_t out[4];

	ASSERT_EQ(0, ssp_hex_decode("00aBcDfF", out, 4));
	ASSERT_EQ(0x00, out[0]);
	ASSERT_EQ(0xAB, out[1]);
	ASSERT_EQ(0xCD, out[2]);
	ASSERT_EQ(0xFF, out[3]);
	ASSERT_EQ(0, ssp_hex_decode("", out, 0));
}

TEST(hex_decode_rejects_short_long_odd_and_non_hex_input)
{
	uint8_t out[4] = { 0 };

	ASSERT_EQ(-EINVAL, ssp_hex_decode("00112", out, 4));
	ASSERT_EQ(-EINVAL, ssp_hex_decode("001122", out, 4));
	ASSERT_EQ(-EINVAL, ssp_hex_decode("0011223344", out, 4));
	ASSERT_EQ(-EINVAL, ssp_hex_decode("0011223g", out, 4));
	ASSERT_EQ(-EINVAL, ssp_hex_decode("0x112233", out, 4));
	ASSERT_EQ(-EINVAL, ssp_hex_decode(" 0112233", out, 4));
}

TEST(hex_encode_is_lower_case_and_nul_terminated)
{
	static const uint8_t in[] = { 0x00, 0x9A, 0xFF };
	char out[7];

	memset(out, 'X', sizeof(out));
	ssp_hex_encode(in, sizeof(in), out);
	ASSERT_STREQ("009aff", out);
}

TEST_F(tmpdir, secret_file_must_be_private_except_a_systemd_credential_of_root)
{
	char buf[64], cred[96];
	struct ssp_err e = { 0 };
	size_t n;

	/* root's 0440 in root's group: what systemd 252 leaves on tmpfs (with an ACL). */
	snprintf(cred, sizeof(cred), "%s/pin", self->dir);
	ASSERT_EQ(0, write_plain(cred, "a-pin-123\n"));
	ASSERT_EQ(0, chmod(cred, 0440));
	unsetenv("CREDENTIALS_DIRECTORY");
	ASSERT_EQ(-EPERM, ssp_read_secret_file(cred, buf, sizeof(buf), &n, &e));
	ASSERT_NE(NULL, strstr(e.msg, "chmod 600"));
	if (geteuid() == 0 && getegid() == 0) {
		setenv("CREDENTIALS_DIRECTORY", self->dir, 1);
		ASSERT_EQ(0, ssp_read_secret_file(cred, buf, sizeof(buf), &n, &e)) TH_LOG("%s", e.msg);
		ASSERT_EQ(10u, n);
	}
	/* Readable by others, or writable by the group: never, credential or not. */
	setenv("CREDENTIALS_DIRECTORY", self->dir, 1);
	ASSERT_EQ(0, chmod(cred, 0444));
	ASSERT_EQ(-EPERM, ssp_read_secret_file(cred, buf, sizeof(buf), &n, &e));
	ASSERT_EQ(0, chmod(cred, 0460));
	ASSERT_EQ(-EPERM, ssp_read_secret_file(cred, buf, sizeof(buf), &n, &e));
	/* A file elsewhere is not a credential because the variable is set. */
	ASSERT_EQ(0, write_plain(self->path, "a-pin-123\n"));
	ASSERT_EQ(0, chmod(self->path, 0440));
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/none", 1);
	ASSERT_EQ(-EPERM, ssp_read_secret_file(self->path, buf, sizeof(buf), &n, &e));
	unsetenv("CREDENTIALS_DIRECTORY");
}

TEST_HARNESS_MAIN
