// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl: one program, one subcommand per cmd_*.c. The commands register
 * themselves in the "sspctl_cmds" section (commands.h); main() only looks
 * the name up and hands over argc/argv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "commands.h"
#include "profile.h"

#ifndef SSPCTL_VERSION
#define SSPCTL_VERSION "unknown"
#endif

static const struct sspctl_command *find(const char *name)
{
	const struct sspctl_command *c;

	for (c = __start_sspctl_cmds; c < __stop_sspctl_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct sspctl_command *const *)a)->name,
		      (*(const struct sspctl_command *const *)b)->name);
}

static void usage(FILE *f)
{
	const struct sspctl_command *c, *sorted[64];
	size_t n = 0, i;

	for (c = __start_sspctl_cmds; c < __stop_sspctl_cmds && n < 64; c++)
		sorted[n++] = c;
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	fprintf(f,
		"usage: sspctl [--help | --version] COMMAND [ARGS]\n"
		"\n"
		"Secure Secret Provisioning of STM32MP chips through /dev/sspN.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", sorted[i]->name, sorted[i]->summary);
	fprintf(f,
		"\n"
		"`sspctl COMMAND --help` (or `sspctl help COMMAND`) describes one command.\n"
		"Exit status: 0 success, 1 failure, 2 bad arguments, 3 some chips failed,\n"
		"4 no license left.\n");
}

/* Commands that read a PIN or the OEM key: no core dump, no ptrace by the same uid. */
static void guard_secrets(const char *name)
{
	static const char *const holders[] = { "hsm", "audit", "provision", "watch", "secrets" };

	for (size_t i = 0; i < sizeof(holders) / sizeof(holders[0]); i++)
		if (!strcmp(name, holders[i]))
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	const struct sspctl_command *c;

	if (argc < 2) {
		usage(stderr);
		return SSPCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && !strcmp(argv[1], "help")) {
			char help[] = "--help";
			char *args[] = { argv[2], help, NULL };

			c = find(argv[2]);
			if (!c) {
				fprintf(stderr, "sspctl: unknown command \"%s\"; run `sspctl --help` for the list\n",
					argv[2]);
				return SSPCTL_EXIT_USAGE;
			}
			return c->run(2, args);
		}
		usage(stdout);
		return SSPCTL_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("sspctl %s (crypto profile %s)\n", SSPCTL_VERSION, SSP_PROFILE_NAME);
		return SSPCTL_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "sspctl: unknown option \"%s\"; options go after the command (run `sspctl --help`)\n",
			argv[1]);
		return SSPCTL_EXIT_USAGE;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "sspctl: unknown command \"%s\"; run `sspctl --help` for the list\n",
			argv[1]);
		return SSPCTL_EXIT_USAGE;
	}
	guard_secrets(c->name);
	return c->run(argc - 1, argv + 1);
}
