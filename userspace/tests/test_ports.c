// SPDX-License-Identifier: GPL-2.0-only
/* USB port paths as `sspctl release/claim` and stm32_ssp accept them (ports.h). */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"

#include "ports.h"

TEST(accepts_sysfs_port_paths)
{
	static const char *const good[] = {
		"1-1", "3-4", "1-1.2", "12-3.4.1", "999-255", "1-1.2.3.4.5.6",
		"999-255.255.255.255.255.255",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *s = good[i];

		EXPECT_EQ(0, ssp_port_check(s)) TH_LOG("%s", s);
	}
}

TEST(refuses_everything_else)
{
	static const char *const bad[] = {
		"", "1", "1-", "-1", "0-1", "1-0", "01-1", "1-01", "1000-1", "1-256",
		"1-1.", "1-.1", "1-1..2", "1-1.2.3.4.5.6.7", "1-1 ", " 1-1", "1-1,2",
		"usb1", "1-1:1.0", "ssp0", "/dev/ssp0", "1-1.2\n", "+1-1", "1--1",
		"1-4294967297",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *s = bad[i];

		EXPECT_EQ(-EINVAL, ssp_port_check(s)) TH_LOG("\"%s\"", s);
	}
	EXPECT_EQ(-EINVAL, ssp_port_check(NULL));
}

TEST(release_names_the_port_and_the_cause_of_a_bad_path)
{
	struct ssp_err e = { 0 };

	EXPECT_EQ(-EINVAL, ssp_port_release("1-0", &e));
	EXPECT_NE(NULL, strstr(e.msg, "\"1-0\""));
	EXPECT_NE(NULL, strstr(e.msg, "not a USB port path"));
	EXPECT_EQ(-EINVAL, ssp_port_claim("x", &e));
	EXPECT_NE(NULL, strstr(e.msg, "\"x\""));
}

TEST_HARNESS_MAIN
