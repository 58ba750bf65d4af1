// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl provision: run SSP (spec §3) on one chip, several, or every chip
 * attached (--all), in parallel, one thread per chip up to --jobs.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dev.h"
#include "events.h"
#include "progress.h"
#include "provision.h"
#include "provision_cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sspctl provision --fw SSP_FW --secrets FILE.ssp --hsm DIR [--secrets F --hsm D]\n"
		"                        (DEV... | --all) [--jobs N] [--json] [options]\n"
		"\n"
		"Provision chips (sspN, /dev/sspN or a serial) with the secrets of their series.\n"
		"  --fw [SERIES=]FILE   signed TF-A SSP image (.stm32) loaded at each stage;\n"
		"                       --fw mp15=F --fw mp13=G for one per series\n"
		"  --secrets FILE.ssp   secrets file of one series (repeat: one per series)\n"
		"  --hsm DIR            HSM of one series (repeat: one per series)\n"
		"  --pin-file FILE      HSM PIN (repeat in --hsm order, or once for all;\n"
		"                       default: $SSP_HSM_PIN)\n"
		"  --all                every chip attached now\n"
		"  --jobs N             chips at once (default: all)\n"
		"  --json               JSON lines (the default when stdout is not a terminal)\n"
		"  --text               one text line per chip result, no live display\n"
		"  --retries N          recoveries per step on transient USB errors (default 2)\n"
		"  --timeout STEP=MS    deadline of one step (steps: %s)\n"
		"  --stage-c-timeout MS wait for the final reset (default %u)\n"
		"  --no-audit           do not append results to the HSM audit log\n"
		"Exit: 0 all provisioned or already provisioned, 1 all failed, 3 some failed,\n"
		"      4 a series ran out of licenses (its remaining chips were not started).\n",
		"load-fw wait-fw get-phase detach wait-reset read-cert license send-license",
		SSP_PROV_STAGE_C_MS);
}

struct gang {
	struct ssp_prov_ctx *ctx;
	struct ssp_prov_chip *chips;
	size_t n, next;
	pthread_mutex_t lock;	/* next */
};

static void *worker(void *arg)
{
	struct gang *g = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&g->lock);
		i = g->next < g->n ? g->next++ : g->n;
		pthread_mutex_unlock(&g->lock);
		if (i == g->n)
			return NULL;
		ssp_provision_chip(g->ctx, &g->chips[i]);
	}
}

static int collect_all(char ***out, size_t *n)
{
	struct ssp_dev_entry *v;
	struct ssp_err e = { 0 };
	int via_sysfs, ret;
	size_t cnt;

	ret = ssp_dev_list(&v, &cnt, &via_sysfs, &e);
	if (ret) {
		fprintf(stderr, "sspctl provision: --all: %s\n", e.msg);
		return ret;
	}
	*out = calloc(cnt ? cnt : 1, sizeof(char *));
	if (!*out) {
		free(v);
		return -ENOMEM;
	}
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		/* A slot whose chip is off the bus (unplugged, within the grace period) is not a chip to provision. */
		if (v[i].state != STM32_SSP_STATE_READY && v[i].state != STM32_SSP_STATE_BOOTING) {
			fprintf(stderr, "sspctl provision: --all: %s (serial %s, port %s) left out: its chip is %s\n",
				v[i].devname, v[i].serial, v[i].port, ssp_state_name(v[i].state));
			continue;
		}
		(*out)[*n] = strdup(v[i].devname);
		if (!(*out)[*n]) {
			while (*n)
				free((*out)[--*n]);
			free(*out);
			free(v);
			fprintf(stderr, "sspctl provision: out of memory\n");
			return -ENOMEM;
		}
		(*n)++;
	}
	free(v);
	return 0;
}

int provision_run(struct ssp_prov_ctx *ctx, char **devs, size_t n, unsigned int jobs,
		  enum progress_mode mode)
{
	struct gang g = { .ctx = ctx, .n = n };
	struct progress_counts pc;
	struct progress *p;
	pthread_t *th;
	size_t started = 0;
	double t0;

	g.chips = calloc(n, sizeof(*g.chips));
	th = calloc(n, sizeof(*th));
	if (!g.chips || !th) {
		free(g.chips);
		free(th);
		fprintf(stderr, "sspctl provision: out of memory\n");
		return SSPCTL_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		ssp_prov_chip_init(&g.chips[i], devs[i]);
	p = progress_new(mode, stdout, g.chips, n);
	if (!p) {
		free(g.chips);
		free(th);
		return SSPCTL_EXIT_FAIL;
	}
	ctx->progress = progress_update;
	ctx->progress_arg = p;
	pthread_mutex_init(&g.lock, NULL);
	if (!jobs || jobs > n)
		jobs = n;
	t0 = ssp_prov_now();
	for (size_t i = 0; i < jobs; i++)
		if (pthread_create(&th[started], NULL, worker, &g) == 0)
			started++;
	if (!started)
		worker(&g);	/* no thread at all: still do the work, one by one */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	progress_finish(p, ssp_prov_now() - t0);
	progress_count(g.chips, n, &pc);
	progress_free(p);
	ctx->progress = NULL;
	pthread_mutex_destroy(&g.lock);
	free(th);
	free(g.chips);
	return progress_exit_code(&pc);
}

static int cmd_provision(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fw", required_argument, NULL, 'f' },
		{ "secrets", required_argument, NULL, 's' },
		{ "hsm", required_argument, NULL, 'H' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "retries", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stage-c-timeout", required_argument, NULL, 'C' },
		{ "no-audit", no_argument, NULL, 'N' },
		{ "text", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct provision_args a;
	struct ssp_prov_ctx ctx;
	struct ssp_err e = { 0 };
	char **devs = NULL;
	size_t ndev = 0;
	int c, ret, rc = SSPCTL_EXIT_USAGE, own_devs = 0, text = 0;
	enum progress_mode mode;

	provision_args_init(&a);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return SSPCTL_OK;
		}
		if (c == 'a') {
			a.all = 1;
			continue;
		}
		if (c == 'J') {
			a.json = 1;
			continue;
		}
		if (c == 'N') {
			a.audit = 0;
			continue;
		}
		if (c == 'T') {
			text = 1;
			continue;
		}
		if (c == '?' || provision_args_opt(&a, c, optarg, &e)) {
			if (c != '?')
				fprintf(stderr, "sspctl provision: %s\n", e.msg);
			usage(stderr);
			return SSPCTL_EXIT_USAGE;
		}
	}
	if (provision_args_check(&a, argc - optind, &e)) {
		fprintf(stderr, "sspctl provision: %s\n", e.msg);
		usage(stderr);
		return SSPCTL_EXIT_USAGE;
	}
	ret = provision_ctx_setup(&a, &ctx, &e);
	if (ret) {
		fprintf(stderr, "sspctl provision: %s\n", e.msg);
		provision_args_free(&a);
		return ret == -ENOSPC ? SSPCTL_EXIT_NO_LICENSE : SSPCTL_EXIT_FAIL;
	}
	if (a.all) {
		if (collect_all(&devs, &ndev)) {
			rc = SSPCTL_EXIT_FAIL;
			goto out;
		}
		own_devs = 1;
		if (!ndev) {
			fprintf(stderr, "sspctl provision: --all: no chip attached (see `sspctl list`)\n");
			rc = SSPCTL_EXIT_FAIL;
			goto out;
		}
	} else {
		devs = argv + optind;
		ndev = argc - optind;
	}
	if (a.json)
		mode = PROGRESS_JSON;
	else if (text)
		mode = PROGRESS_LOG;
	else
		mode = isatty(STDOUT_FILENO) ? PROGRESS_TTY : PROGRESS_JSON;
	rc = provision_run(&ctx, devs, ndev, a.jobs, mode);
out:
	if (own_devs) {
		for (size_t i = 0; i < ndev; i++)
			free(devs[i]);
		free(devs);
	}
	ssp_prov_ctx_fini(&ctx);
	provision_args_free(&a);
	return rc;
}

SSPCTL_COMMAND(provision, "provision", "provision chips with the OEM secrets (spec §3), in parallel",
	       cmd_provision);
