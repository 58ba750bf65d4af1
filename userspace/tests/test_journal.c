// SPDX-License-Identifier: GPL-2.0-only
/*
 * The journal records of `sspctl watch` (journal.h): priority and fields of
 * a chip in each state, field names the journal accepts, and the
 * $JOURNAL_STREAM test that decides between journal and text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "journal.h"

static void chip(struct ssp_prov_chip *c, enum ssp_prov_result res)
{
	ssp_prov_chip_init(c, "ssp3");
	strcpy(c->dev, "ssp3");
	strcpy(c->serial, "003A00123456789012345678");
	strcpy(c->port, "1-1.2");
	c->chip_id = 0x500;
	c->series_known = 1;
	c->series = SSP_SERIES_MP15;
	c->stage = 'C';
	c->step = SSP_STEP_READ_CERT;
	c->result = res;
	c->t_start = 10.0;
	c->t_end = res == SSP_PROV_RUNNING ? 0 : 22.5;
}

#define FIELD(r, name) ({ const char *v_ = ssp_journal_get(r, name); v_ ? v_ : "(absent)"; })

TEST(failed_chip_is_an_error_with_serial_result_and_cause)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	chip(&c, SSP_PROV_FAILED);
	snprintf(c.err.msg, sizeof(c.err.msg), "ssp3 (stage C, read certificate): timeout");
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_ERR, r.priority);
	ASSERT_STREQ("3", FIELD(&r, "PRIORITY"));
	ASSERT_STREQ("sspctl", FIELD(&r, "SYSLOG_IDENTIFIER"));
	ASSERT_STREQ("003A00123456789012345678", FIELD(&r, "SSP_SERIAL"));
	ASSERT_STREQ("failed", FIELD(&r, "SSP_RESULT"));
	ASSERT_STREQ("read-cert", FIELD(&r, "SSP_STEP"));
	ASSERT_STREQ("1-1.2", FIELD(&r, "SSP_PORT"));
	ASSERT_STREQ("0x500", FIELD(&r, "SSP_CHIP"));
	ASSERT_STREQ("mp15", FIELD(&r, "SSP_SERIES"));
	ASSERT_STREQ("ssp3", FIELD(&r, "SSP_DEVICE"));
	ASSERT_STREQ("C", FIELD(&r, "SSP_STAGE"));
	ASSERT_STREQ("12.500", FIELD(&r, "SSP_ELAPSED"));
	ASSERT_STREQ(SSP_JOURNAL_ID_CHIP_RESULT, FIELD(&r, "MESSAGE_ID"));
	ASSERT_STREQ("ssp3 (stage C, read certificate): timeout", FIELD(&r, "SSP_CAUSE"));
	ASSERT_STREQ("ssp3 (chip 0x500, serial 003A00123456789012345678, port 1-1.2): failed: ssp3 (stage C, read certificate): timeout",
		     FIELD(&r, "MESSAGE"));
	ASSERT_STREQ("no", FIELD(&r, "SSP_LICENSE_USED"));
}

TEST(no_license_is_an_error_too)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	chip(&c, SSP_PROV_NO_LICENSE);
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_ERR, r.priority);
	ASSERT_STREQ("no-license", FIELD(&r, "SSP_RESULT")) TH_LOG("%s", ssp_prov_result_name(c.result));
	/* No cause recorded: the message says so rather than ending in ": ". */
	ASSERT_NE(NULL, strstr(FIELD(&r, "MESSAGE"), "no cause recorded"));
}

TEST(provisioned_chip_is_a_notice_without_cause)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	chip(&c, SSP_PROV_PROVISIONED);
	c.license_used = 1;
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_NOTICE, r.priority);
	ASSERT_STREQ("5", FIELD(&r, "PRIORITY"));
	ASSERT_STREQ("provisioned", FIELD(&r, "SSP_RESULT"));
	ASSERT_STREQ("yes", FIELD(&r, "SSP_LICENSE_USED"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "SSP_CAUSE"));
	ASSERT_NE(NULL, strstr(FIELD(&r, "MESSAGE"), "provisioned in 12.5 s"));
}

TEST(closed_chip_is_a_notice_and_not_started_an_error)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	chip(&c, SSP_PROV_CLOSED);
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_NOTICE, r.priority);
	ASSERT_NE(NULL, strstr(FIELD(&r, "MESSAGE"), "already provisioned"));
	chip(&c, SSP_PROV_SKIPPED);
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_ERR, r.priority);
}

TEST(step_in_progress_is_info_without_result_fields)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	chip(&c, SSP_PROV_RUNNING);
	ssp_journal_chip(&r, &c, 30.0);
	ASSERT_EQ(LOG_INFO, r.priority);
	ASSERT_STREQ("running", FIELD(&r, "SSP_RESULT"));
	ASSERT_STREQ("20.000", FIELD(&r, "SSP_ELAPSED"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "MESSAGE_ID"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "SSP_LICENSE_USED"));
}

TEST(chip_not_yet_identified_has_no_empty_fields)
{
	static struct ssp_journal_rec r;
	struct ssp_prov_chip c;

	ssp_prov_chip_init(&c, "ssp7");
	c.result = SSP_PROV_RUNNING;
	c.stage = 'A';
	c.step = SSP_STEP_START;
	ssp_journal_chip(&r, &c, 1.0);
	ASSERT_STREQ("ssp7: provisioning started", FIELD(&r, "MESSAGE"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "SSP_SERIAL"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "SSP_PORT"));
	ASSERT_EQ(NULL, ssp_journal_get(&r, "SSP_CHIP"));
	for (size_t i = 0; i < r.n; i++) {
		const char *eq = strchr(r.field[i], '=');

		ASSERT_NE('\0', eq[1]) TH_LOG("empty field %s", r.field[i]);
	}
}

TEST(field_names_the_journal_refuses_are_refused)
{
	static struct ssp_journal_rec r;

	ssp_journal_init(&r, LOG_INFO);
	ASSERT_EQ(-EINVAL, ssp_journal_add(&r, "_PID", "1"));
	ASSERT_EQ(-EINVAL, ssp_journal_add(&r, "ssp_serial", "1"));
	ASSERT_EQ(-EINVAL, ssp_journal_add(&r, "SSP-SERIAL", "1"));
	ASSERT_EQ(-EINVAL, ssp_journal_add(&r, "1SSP", "1"));
	ASSERT_EQ(-EINVAL, ssp_journal_add(&r, "", "1"));
	ASSERT_EQ(0, ssp_journal_add(&r, "SSP_X", "%s", "v"));
	ASSERT_STREQ("v", FIELD(&r, "SSP_X"));
}

TEST(full_record_and_long_values_are_bounded)
{
	static struct ssp_journal_rec r;
	static char big[4 * SSP_JOURNAL_FIELD_MAX];
	int ret = 0;

	memset(big, 'x', sizeof(big) - 1);
	ssp_journal_init(&r, LOG_INFO);
	ASSERT_EQ(0, ssp_journal_add(&r, "MESSAGE", "%s", big));
	ASSERT_EQ((size_t)SSP_JOURNAL_FIELD_MAX - 1, strlen(r.field[r.n - 1]));
	for (int i = 0; i < 2 * SSP_JOURNAL_MAX_FIELDS && !ret; i++)
		ret = ssp_journal_add(&r, "SSP_X", "%d", i);
	ASSERT_EQ(-ENOSPC, ret);
	ASSERT_EQ((size_t)SSP_JOURNAL_MAX_FIELDS, r.n);
}

TEST(journal_stream_must_name_this_very_descriptor)
{
	struct stat st;
	char env[64];
	int fd = open("/dev/null", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	unsetenv("JOURNAL_STREAM");
	ASSERT_EQ(0, ssp_journal_connected(fd));
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	ASSERT_EQ(1, ssp_journal_connected(fd));
	/* Inherited by a child whose stderr went elsewhere: not the journal. */
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	ASSERT_EQ(0, ssp_journal_connected(fd));
	setenv("JOURNAL_STREAM", "12:34x", 1);
	ASSERT_EQ(0, ssp_journal_connected(fd));
	unsetenv("JOURNAL_STREAM");
	close(fd);
}

TEST_HARNESS_MAIN
