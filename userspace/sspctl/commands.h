/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sspctl's table of subcommands. Each cmd_*.c file declares its own entry
 * with SSPCTL_COMMAND(); the linker gathers them in one section that main.c
 * walks, so adding a command never edits a shared table.
 */
#ifndef SSPCTL_COMMANDS_H
#define SSPCTL_COMMANDS_H

struct sspctl_command {
	const char *name;	/* "provision", "hsm", ... */
	const char *summary;	/* one line for `sspctl --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

#define SSPCTL_COMMAND(ident, cmd_name, cmd_summary, fn)			\
	static const struct sspctl_command sspctl_cmd_##ident			\
	__attribute__((used, section("sspctl_cmds"), aligned(sizeof(void *)))) = { \
		.name = cmd_name, .summary = cmd_summary, .run = fn,		\
	}

extern const struct sspctl_command __start_sspctl_cmds[];
extern const struct sspctl_command __stop_sspctl_cmds[];

/* Exit codes shared by every command (documented in sspctl(1)). */
enum sspctl_exit {
	SSPCTL_OK = 0,
	SSPCTL_EXIT_FAIL = 1,		/* an operation failed (details printed) */
	SSPCTL_EXIT_USAGE = 2,		/* bad arguments */
	SSPCTL_EXIT_PARTIAL = 3,	/* gang: some chips failed, others done */
	SSPCTL_EXIT_NO_LICENSE = 4,	/* HSM counter exhausted */
	SSPCTL_EXIT_UNVERIFIED = 5,	/* audit verify: intact, but no key to authenticate it */
};

#endif /* SSPCTL_COMMANDS_H */
