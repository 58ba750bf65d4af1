// SPDX-License-Identifier: GPL-2.0-only
/*
 * ssp_config_load() (libinih underneath) on an arbitrary file. Properties:
 * a failure names the file; a success has at least one complete series,
 * every value inside its documented range and every path absolute or
 * under the config file's directory; loading the same file again gives
 * the same configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Relative values are joined to the (absolute) config directory: all absolute. */
static void check_path(const char *p, int may_be_empty)
{
	size_t n = strnlen(p, PATH_MAX);

	FUZZ_CHECK(n < PATH_MAX);
	if (!n)
		FUZZ_CHECK(may_be_empty);
	else
		FUZZ_CHECK(p[0] == '/');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ssp_config cfg, again;
	const char *dir = fuzz_dir();
	struct ssp_err e = { 0 };
	char path[128];
	int ret, i, any = 0;

	snprintf(path, sizeof(path), "%s/sspctl.conf", dir);
	fuzz_write(path, data, size);
	ret = ssp_config_load(path, &cfg, &e);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENODATA);
		FUZZ_CHECK(e.code == ret && strstr(e.msg, path));
	} else {
		FUZZ_CHECK(!strcmp(cfg.path, path));
		FUZZ_CHECK(cfg.jobs <= 1024 && cfg.retries <= 100 && cfg.stage_c_ms <= 3600000);
		FUZZ_CHECK(cfg.audit == 0 || cfg.audit == 1);
		for (i = 0; i < SSP_STEP_COUNT; i++)
			FUZZ_CHECK(cfg.timeout_ms[i] <= 3600000);
		for (i = 0; i < 2; i++) {
			const struct ssp_config_series *s = &cfg.series[i];

			if (!s->configured) {
				FUZZ_CHECK(!s->hsm_dir[0] && !s->secrets[0]);
				continue;
			}
			any = 1;
			check_path(s->hsm_dir, 0);
			check_path(s->secrets, 0);
			check_path(s->firmware, 0);
			check_path(s->pin_file, 1);
		}
		FUZZ_CHECK(any);
	}
	memset(&e, 0, sizeof(e));
	FUZZ_CHECK(ssp_config_load(path, &again, &e) == ret);
	if (!ret)
		FUZZ_CHECK(!memcmp(&cfg, &again, sizeof(cfg)));
	return 0;
}
