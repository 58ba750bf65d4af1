/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by the hsm, secrets and audit commands: number
 * options, fixed-size input files, output mode. Each prints its own message
 * (naming the option or file, the cause and what to do) and returns -1.
 */
#ifndef SSPCTL_OPTS_H
#define SSPCTL_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* A whole number in decimal or 0x hex, 0..max. */
int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out);
/* A file that must hold exactly len bytes (key, nonce, certificate). */
int read_exact(const char *cmd, const char *what, const char *path, void *buf, size_t len);
/* "sspctl CMD: <message>" on stderr. */
void print_err(const char *cmd, const struct ssp_err *e);
/* Usage error: message, hint to --help; returns the usage exit code. */
int usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON output when asked for, or when stdout is not a terminal. */
int want_json(int flag);

/* json_opts(): the command goes on with its operands at argv[optind]. */
#define OPTS_GO_ON	(-1)
/*
 * The options of the commands that show one thing, list, ports and info:
 * --json (sets *json) and --help. argv[0] is the command's name; @usage is
 * its "usage: ..." text, printed on stdout by --help, followed by @help
 * (NULL: none), and on stderr after a bad option or a wrong number of
 * operands: exactly @nargs; with @nargs 0, an operand is named as
 * unexpected instead. Returns OPTS_GO_ON, or the exit code (SSPCTL_OK
 * after --help, SSPCTL_EXIT_USAGE).
 */
int json_opts(int argc, char **argv, const char *usage, const char *help, int nargs, int *json);

#endif /* SSPCTL_OPTS_H */
