// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection: `--fault CHIP:KIND[:ARG[:COUNT]]`, CHIP = index or `all`.
 * A fault at a STEP fires COUNT times (default 1; 0 = every time) at the
 * first occurrences of that step, then is spent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static const char *const step_names[SIM_STEP_COUNT] = {
	[SIM_STEP_NONE] = "none",
	[SIM_STEP_LOAD] = "load",
	[SIM_STEP_PHASE] = "phase",
	[SIM_STEP_CERT] = "cert",
	[SIM_STEP_LICENSE] = "license",
	[SIM_STEP_DETACH] = "detach",
	[SIM_STEP_STAGE_A] = "stage-a",
	[SIM_STEP_STAGE_B] = "stage-b",
	[SIM_STEP_STAGE_C] = "stage-c",
};

static const struct {
	const char *name;
	enum sim_fault_kind kind;
	bool needs_step;
	bool needs_arg;
	unsigned int default_count;
} kinds[] = {
	{ "stall", SIM_FAULT_STALL, true, false, 1 },
	{ "disconnect", SIM_FAULT_DISCONNECT, true, false, 1 },
	{ "disconnect-after-blocks", SIM_FAULT_DISCONNECT_BLOCKS, false, true, 1 },
	{ "hang", SIM_FAULT_HANG, true, false, 1 },
	{ "bad-cert", SIM_FAULT_BAD_CERT, false, false, 0 },
	{ "bad-descriptor", SIM_FAULT_BAD_DESCRIPTOR, false, false, 0 },
	{ "bad-reply", SIM_FAULT_BAD_REPLY, true, false, 1 },
	{ "slow", SIM_FAULT_SLOW, false, true, 0 },
	{ "dfu-error", SIM_FAULT_DFU_ERROR, true, false, 1 },
	{ "two-interfaces", SIM_FAULT_TWO_INTERFACES, false, false, 0 },
	{ "long-serial", SIM_FAULT_LONG_SERIAL, false, false, 0 },
	{ "foreign-fsbl", SIM_FAULT_FOREIGN_FSBL, false, false, 0 },
	{ "many-alts", SIM_FAULT_MANY_ALTS, false, false, 0 },
};

const char *sim_step_name(enum sim_step s)
{
	return s < SIM_STEP_COUNT ? step_names[s] : "?";
}

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 1000000000ul)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int sim_fault_parse(const char *spec, struct sim_fault *out, char *err, size_t errlen)
{
	char buf[128], *field[4] = { NULL };
	unsigned int nf = 0, i;
	char *p, *save = NULL;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "fault '%.40s...': too long", spec);
		return -EINVAL;
	}
	strcpy(buf, spec);
	for (p = strtok_r(buf, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		if (nf == 4) {
			snprintf(err, errlen, "fault '%s': too many ':' fields (CHIP:KIND[:ARG[:COUNT]])", spec);
			return -EINVAL;
		}
		field[nf++] = p;
	}
	if (nf < 2) {
		snprintf(err, errlen, "fault '%s': expected CHIP:KIND[:ARG[:COUNT]]", spec);
		return -EINVAL;
	}
	if (!strcmp(field[0], "all")) {
		out->chip = -1;
	} else {
		unsigned int idx;

		if (parse_uint(field[0], &idx) || idx >= SIM_MAX_CHIPS) {
			snprintf(err, errlen, "fault '%s': chip must be an index 0..%d or 'all'", spec,
				 SIM_MAX_CHIPS - 1);
			return -EINVAL;
		}
		out->chip = (int)idx;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(field[1], kinds[i].name))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(err, errlen, "fault '%s': unknown kind '%s' (stall, disconnect, disconnect-after-blocks, hang, bad-cert, bad-descriptor, bad-reply, slow, dfu-error, two-interfaces, long-serial, foreign-fsbl, many-alts)",
			 spec, field[1]);
		return -EINVAL;
	}
	out->kind = kinds[i].kind;
	out->count = kinds[i].default_count;
	if (kinds[i].needs_step) {
		unsigned int s;

		if (!field[2]) {
			snprintf(err, errlen, "fault '%s': %s needs a step (load, phase, cert, license, detach, stage-a, stage-b, stage-c)",
				 spec, field[1]);
			return -EINVAL;
		}
		for (s = SIM_STEP_LOAD; s < SIM_STEP_COUNT; s++)
			if (!strcmp(field[2], step_names[s]))
				break;
		if (s == SIM_STEP_COUNT) {
			snprintf(err, errlen, "fault '%s': unknown step '%s' (load, phase, cert, license, detach, stage-a, stage-b, stage-c)",
				 spec, field[2]);
			return -EINVAL;
		}
		out->step = (enum sim_step)s;
		if (field[3] && parse_uint(field[3], &out->count)) {
			snprintf(err, errlen, "fault '%s': COUNT must be a number (0 = every time)", spec);
			return -EINVAL;
		}
	} else if (kinds[i].needs_arg) {
		if (!field[2] || parse_uint(field[2], &out->arg) || (out->kind == SIM_FAULT_DISCONNECT_BLOCKS && !out->arg)) {
			snprintf(err, errlen, "fault '%s': %s needs a positive number", spec, field[1]);
			return -EINVAL;
		}
		if (field[3]) {
			snprintf(err, errlen, "fault '%s': %s takes one argument", spec, field[1]);
			return -EINVAL;
		}
	} else if (field[2]) {
		snprintf(err, errlen, "fault '%s': %s takes no argument", spec, field[1]);
		return -EINVAL;
	}
	return 0;
}

bool sim_fault_fire(struct sim_faults *fs, enum sim_fault_kind kind, enum sim_step step)
{
	for (unsigned int i = 0; i < fs->n; i++) {
		struct sim_fault *f = &fs->f[i];

		if (f->spent || f->kind != kind || f->step != step)
			continue;
		if (f->count && --f->count == 0)
			f->spent = true;
		return true;
	}
	return false;
}

bool sim_fault_has(const struct sim_faults *fs, enum sim_fault_kind kind)
{
	for (unsigned int i = 0; i < fs->n; i++)
		if (fs->f[i].kind == kind && !fs->f[i].spent)
			return true;
	return false;
}

unsigned int sim_fault_arg(const struct sim_faults *fs, enum sim_fault_kind kind)
{
	for (unsigned int i = 0; i < fs->n; i++)
		if (fs->f[i].kind == kind && !fs->f[i].spent)
			return fs->f[i].arg;
	return 0;
}
