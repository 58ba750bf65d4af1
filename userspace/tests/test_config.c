// SPDX-License-Identifier: GPL-2.0-only
/* The sspctl configuration file (config.h): values, defaults, and every error naming its line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "config.h"

FIXTURE(conf) {
	char dir[64];
	char path[128];
	struct ssp_config cfg;
	struct ssp_err e;
};

FIXTURE_SETUP(conf)
{
	strcpy(self->dir, "/tmp/ssp-test-config-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/sspctl.conf", self->dir);
	memset(&self->e, 0, sizeof(self->e));
}

FIXTURE_TEARDOWN(conf)
{
	unlink(self->path);
	rmdir(self->dir);
}

static int load(FIXTURE_DATA(conf) *self, const char *text)
{
	FILE *f = fopen(self->path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		return -EIO;
	return ssp_config_load(self->path, &self->cfg, &self->e);
}

TEST_F(conf, full_file_sets_every_value_and_fills_series_defaults)
{
	char want[256];

	ASSERT_EQ(0, load(self,
		"; comment\n"
		"[hsm]\n"
		"pin-file = /etc/ssp/pin\n"
		"[provision]\n"
		"firmware = fw/tf-a-ssp.stm32\n"
		"jobs = 4\n"
		"retries = 0x3\n"
		"audit = no\n"
		"stage-c-timeout-ms = 90000\n"
		"[mp15]\n"
		"hsm = /var/lib/ssp/hsm15\n"
		"secrets = s15.ssp\n"
		"[mp13]\n"
		"hsm = /var/lib/ssp/hsm13\n"
		"secrets = /etc/ssp/s13.ssp\n"
		"firmware = /fw13.stm32\n"
		"pin-file = /etc/ssp/pin13\n"
		"[timeouts]\n"
		"read-cert = 1234\n")) TH_LOG("%s", self->e.msg);
	ASSERT_EQ(4u, self->cfg.jobs);
	ASSERT_EQ(3u, self->cfg.retries);
	ASSERT_EQ(0, self->cfg.audit);
	ASSERT_EQ(90000u, self->cfg.stage_c_ms);
	ASSERT_EQ(1234u, self->cfg.timeout_ms[SSP_STEP_READ_CERT]);
	ASSERT_EQ(0u, self->cfg.timeout_ms[SSP_STEP_LOAD_FW]);
	ASSERT_TRUE(self->cfg.series[SSP_SERIES_MP15].configured);
	ASSERT_TRUE(self->cfg.series[SSP_SERIES_MP13].configured);
	ASSERT_STREQ("/var/lib/ssp/hsm15", self->cfg.series[SSP_SERIES_MP15].hsm_dir);
	/* Relative paths are relative to the config file's directory. */
	snprintf(want, sizeof(want), "%s/s15.ssp", self->dir);
	ASSERT_STREQ(want, self->cfg.series[SSP_SERIES_MP15].secrets);
	snprintf(want, sizeof(want), "%s/fw/tf-a-ssp.stm32", self->dir);
	ASSERT_STREQ(want, self->cfg.series[SSP_SERIES_MP15].firmware);
	ASSERT_STREQ("/etc/ssp/pin", self->cfg.series[SSP_SERIES_MP15].pin_file);
	ASSERT_STREQ("/fw13.stm32", self->cfg.series[SSP_SERIES_MP13].firmware);
	ASSERT_STREQ("/etc/ssp/pin13", self->cfg.series[SSP_SERIES_MP13].pin_file);
	ASSERT_STREQ(self->path, self->cfg.path);
}

TEST_F(conf, one_series_and_defaults)
{
	ASSERT_EQ(0, load(self, "[mp13]\nhsm=/h\nsecrets=/s\nfirmware=/f\n")) TH_LOG("%s", self->e.msg);
	ASSERT_FALSE(self->cfg.series[SSP_SERIES_MP15].configured);
	ASSERT_TRUE(self->cfg.series[SSP_SERIES_MP13].configured);
	ASSERT_EQ(0u, self->cfg.jobs);
	ASSERT_EQ(2u, self->cfg.retries);
	ASSERT_EQ(1, self->cfg.audit);
	ASSERT_EQ((unsigned int)SSP_PROV_STAGE_C_MS, self->cfg.stage_c_ms);
	ASSERT_STREQ("", self->cfg.series[SSP_SERIES_MP13].pin_file);
}

TEST_F(conf, unknown_key_is_an_error_naming_file_line_and_key)
{
	ASSERT_EQ(-EINVAL, load(self, "[mp15]\nhsm=/h\nsecrets=/s\n[provision]\nfirmware=/f\nspeed=9\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, self->path));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 6")) TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "unknown key \"speed\" in [provision]"));
}

TEST_F(conf, unknown_section_bad_number_bad_bool_and_bad_step_name_their_lines)
{
	ASSERT_EQ(-EINVAL, load(self, "[mp25]\nhsm=/h\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 2")) TH_LOG("%s", self->e.msg);
	ASSERT_NE(NULL, strstr(self->e.msg, "unknown section [mp25]"));
	ASSERT_EQ(-EINVAL, load(self, "[provision]\njobs = -1\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 2: jobs = \"-1\" is not a number"));
	ASSERT_EQ(-EINVAL, load(self, "[provision]\n\naudit = maybe\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 3: audit = \"maybe\" is not yes or no"));
	ASSERT_EQ(-EINVAL, load(self, "[timeouts]\nwarp-drive = 5\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "no step \"warp-drive\""));
	ASSERT_EQ(-EINVAL, load(self, "this is not ini\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "line 1"));
}

TEST_F(conf, series_needs_hsm_secrets_and_firmware)
{
	ASSERT_EQ(-EINVAL, load(self, "[provision]\nfirmware=/f\n[mp15]\nhsm=/h\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "[mp15] needs both hsm = DIR and secrets = FILE.ssp"));
	ASSERT_EQ(-EINVAL, load(self, "[mp15]\nhsm=/h\nsecrets=/s\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "no SSP firmware for mp15"));
	ASSERT_EQ(-ENODATA, load(self, "[provision]\nfirmware=/f\n"));
	ASSERT_NE(NULL, strstr(self->e.msg, "no series configured"));
}

TEST_F(conf, missing_file_names_it)
{
	ASSERT_EQ(-ENOENT, ssp_config_load("/nonexistent/sspctl.conf", &self->cfg, &self->e));
	ASSERT_NE(NULL, strstr(self->e.msg, "/nonexistent/sspctl.conf"));
}

TEST_HARNESS_MAIN
