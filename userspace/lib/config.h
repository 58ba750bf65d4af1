/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sspctl's configuration file (INI, read with libinih), for `sspctl watch`
 * and udev/systemd use. Example (/etc/ssp/sspctl.conf):
 *
 *   [hsm]
 *   pin-file = /etc/ssp/hsm.pin       ; default for every series
 *   ; pin-file = %d/pin               ; the systemd credential "pin"
 *                                     ; ($CREDENTIALS_DIRECTORY/pin)
 *
 *   [provision]
 *   firmware = /usr/share/ssp/tf-a-ssp.stm32   ; default for every series
 *   jobs = 0                          ; chips at once, 0 = no limit
 *   retries = 2                       ; per step, transient errors
 *   audit = yes                       ; record results in the HSM's audit log
 *   stage-c-timeout-ms = 60000
 *
 *   [mp15]                            ; one section per series in use
 *   hsm = /var/lib/ssp/hsm-mp15
 *   secrets = /etc/ssp/mp15.ssp
 *   ; firmware = ..., pin-file = ...  ; per-series overrides
 *
 *   [mp13]
 *   hsm = /var/lib/ssp/hsm-mp13
 *   secrets = /etc/ssp/mp13.ssp
 *
 *   [timeouts]                        ; per step, ms (names of ssp_prov_step_name())
 *   read-cert = 5000
 *
 * Relative paths are taken relative to the directory of the config file.
 * Unknown sections or keys, bad numbers and a series with hsm but no secrets
 * (or the reverse) are errors naming the file and line.
 */
#ifndef SSP_CONFIG_H
#define SSP_CONFIG_H

#include <limits.h>

#include "err.h"
#include "profile.h"
#include "provision.h"

/* pin-file values starting so name a credential in $CREDENTIALS_DIRECTORY. */
#define SSP_CONFIG_CREDENTIAL_PREFIX	"%d/"

struct ssp_config_series {
	int configured;			/* the [mp15]/[mp13] section has hsm and secrets */
	char hsm_dir[PATH_MAX];
	char secrets[PATH_MAX];		/* .ssp file */
	char firmware[PATH_MAX];	/* SSP firmware; the [provision] one if not set */
	char pin_file[PATH_MAX];	/* the [hsm] one if not set; "" = $SSP_HSM_PIN */
};

struct ssp_config {
	char path[PATH_MAX];		/* the file read */
	struct ssp_config_series series[2];	/* by enum ssp_series */
	unsigned int jobs;		/* 0 = no limit */
	unsigned int retries;
	int audit;			/* 1: append provisioning results to the audit log */
	unsigned int stage_c_ms;
	unsigned int timeout_ms[SSP_STEP_COUNT];	/* 0 = ssp_prov_default_timeout() */
};

/* Defaults: no series, jobs 0, retries 2, audit on, stage C 60 s. */
void ssp_config_defaults(struct ssp_config *cfg);
/*
 * Read path into cfg (defaults first). Series fields get the [hsm] and
 * [provision] defaults filled in. -ENOENT/-EACCES for a file that cannot be
 * read, -EINVAL for a bad line (e names file and line), -ENODATA when no
 * series is configured.
 */
int ssp_config_load(const char *path, struct ssp_config *cfg, struct ssp_err *e);

#endif /* SSP_CONFIG_H */
