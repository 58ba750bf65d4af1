/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `sspctl provision` and `sspctl watch` share: their provisioning
 * options (from the command line or the watch config file), and turning
 * them into a ready struct ssp_prov_ctx (firmware read and checked, secrets
 * files checked, one HSM per series opened with its PIN and paired with the
 * secrets file and firmware of its series).
 */
#ifndef SSPCTL_PROVISION_CLI_H
#define SSPCTL_PROVISION_CLI_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "progress.h"
#include "provision.h"

#define PROVISION_MAX_SERIES	2

struct provision_args {
	const char *fw_all;				/* --fw FILE */
	const char *fw_series[PROVISION_MAX_SERIES];	/* --fw mp15=FILE */
	const char *secrets[PROVISION_MAX_SERIES];
	unsigned int nsecrets;
	const char *hsm[PROVISION_MAX_SERIES];
	unsigned int nhsm;
	const char *pin_file[PROVISION_MAX_SERIES];	/* NULL: $SSP_HSM_PIN */
	unsigned int npin;
	int all, json;
	unsigned int jobs;			/* 0: all at once */
	int retries;				/* -1: default */
	int audit;				/* 1 (default): record results */
	unsigned int timeout_ms[SSP_STEP_COUNT];	/* 0: default */
	unsigned int stage_c_ms;		/* 0: default */
	/* Filled by provision_ctx_setup(), released by provision_args_free(). */
	uint8_t *fw_buf[PROVISION_MAX_SERIES];
};

void provision_args_init(struct provision_args *a);
/*
 * One option, by the getopt value cmd_provision uses: 'f' --fw [SERIES=]FILE,
 * 's' --secrets, 'H' --hsm, 'p' --pin-file, 'j' --jobs, 'r' --retries,
 * 't' --timeout STEP=MS, 'C' --stage-c-timeout.
 */
int provision_args_opt(struct provision_args *a, int opt, const char *val, struct ssp_err *e);
/* Consistency: firmware, as many --secrets as --hsm, devices xor --all. */
int provision_args_check(const struct provision_args *a, int ndevs, struct ssp_err *e);
/* The same options from a watch config file (cfg must outlive a). */
void provision_args_from_config(struct provision_args *a, const struct ssp_config *cfg);
/* Read and check the inputs, open the HSMs; ctx is ready for ssp_provision_chip(). */
int provision_ctx_setup(struct provision_args *a, struct ssp_prov_ctx *ctx, struct ssp_err *e);
void provision_args_free(struct provision_args *a);

/* Run a gang (cmd_provision.c); returns the sspctl exit code. */
int provision_run(struct ssp_prov_ctx *ctx, char **devs, size_t n, unsigned int jobs,
		  enum progress_mode mode);

#endif /* SSPCTL_PROVISION_CLI_H */
