// SPDX-License-Identifier: GPL-2.0-only
/*
 * pin-file = %d/NAME in the sspctl configuration (config.h): the systemd
 * credential NAME, found in $CREDENTIALS_DIRECTORY as sspctl-watch@.service
 * sets it; refused, naming the line and what to do, without that variable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "config.h"

FIXTURE(cred) {
	char dir[64];
	char path[128];
	struct ssp_config cfg;
	struct ssp_err e;
};

FIXTURE_SETUP(cred)
{
	strcpy(self->dir, "/tmp/ssp-test-cred-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/sspctl.conf", self->dir);
	memset(&self->e, 0, sizeof(self->e));
	unsetenv("CREDENTIALS_DIRECTORY");
}

FIXTURE_TEARDOWN(cred)
{
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(self->path);
	rmdir(self->dir);
}

/* A config with one series and the given [hsm] pin-file and [mp13] lines. */
static int load(FIXTURE_DATA(cred) *self, const char *pin, const char *mp13_extra)
{
	FILE *f = fopen(self->path, "w");

	if (!f)
		return -EIO;
	fprintf(f, "[hsm]\npin-file = %s\n[provision]\nfirmware = /fw.stm32\n"
		"[mp13]\nhsm = /var/lib/ssp/hsm13\nsecrets = /etc/ssp/s13.ssp\n%s", pin, mp13_extra);
	if (fclose(f))
		return -EIO;
	return ssp_config_load(self->path, &self->cfg, &self->e);
}

TEST_F(cred, credential_is_found_in_credentials_directory)
{
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/sspctl-watch@sspctl.service", 1);
	ASSERT_EQ(0, load(self, "%d/pin", "")) TH_LOG("%s", self->e.msg);
	ASSERT_STREQ("/run/credentials/sspctl-watch@sspctl.service/pin",
		     self->cfg.series[SSP_SERIES_MP13].pin_file);
}

TEST_F(cred, per_series_credential_overrides_the_default)
{
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/u", 1);
	ASSERT_EQ(0, load(self, "%d/pin", "pin-file = %d/pin-mp13\n")) TH_LOG("%s", self->e.msg);
	ASSERT_STREQ("/run/credentials/u/pin-mp13", self->cfg.series[SSP_SERIES_MP13].pin_file);
}

TEST_F(cred, plain_path_is_unchanged_under_systemd)
{
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/u", 1);
	ASSERT_EQ(0, load(self, "/etc/ssp/hsm.pin", "")) TH_LOG("%s", self->e.msg);
	ASSERT_STREQ("/etc/ssp/hsm.pin", self->cfg.series[SSP_SERIES_MP13].pin_file);
}

TEST_F(cred, without_credentials_directory_the_line_is_refused)
{
	ASSERT_EQ(-EINVAL, load(self, "%d/pin", ""));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 2")) TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "$CREDENTIALS_DIRECTORY is not set")) TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "LoadCredential=pin:")) TH_LOG("%s", self->e.msg);
}

TEST_F(cred, relative_credentials_directory_is_refused)
{
	setenv("CREDENTIALS_DIRECTORY", "run/credentials/u", 1);
	ASSERT_EQ(-EINVAL, load(self, "%d/pin", ""));
}

TEST_F(cred, credential_name_must_be_a_plain_name)
{
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/u", 1);
	ASSERT_EQ(-EINVAL, load(self, "%d/../../etc/shadow", ""));
	ASSERT_NE(NULL, strstr(self->e.msg, "give a credential name")) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(-EINVAL, load(self, "%d/", ""));
	ASSERT_EQ(-EINVAL, load(self, "%d/..", ""));
}

TEST_F(cred, other_specifiers_are_refused)
{
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/u", 1);
	ASSERT_EQ(-EINVAL, load(self, "%h/pin", ""));
	ASSERT_NE(NULL, strstr(self->e.msg, "only %d/NAME")) TH_LOG("%s", self->e.msg);
}

TEST_HARNESS_MAIN
