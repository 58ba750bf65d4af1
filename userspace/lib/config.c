// SPDX-License-Identifier: GPL-2.0-only
/*
 * sspctl configuration file (format in config.h), parsed with libinih.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"
#include "dev.h"

struct parse {
	struct ssp_config *cfg;
	char base[PATH_MAX];		/* directory of the config file */
	char pin_file[PATH_MAX];	/* [hsm] default */
	char firmware[PATH_MAX];	/* [provision] default */
	char msg[256];			/* first error, without the line */
};

static int set_path(struct parse *p, char *dst, const char *value, const char *key)
{
	int n;

	if (!value[0]) {
		snprintf(p->msg, sizeof(p->msg), "%s is empty", key);
		return 0;
	}
	if (value[0] == '/')
		n = snprintf(dst, PATH_MAX, "%s", value);
	else
		n = snprintf(dst, PATH_MAX, "%s/%s", p->base, value);
	if (n >= PATH_MAX) {
		snprintf(p->msg, sizeof(p->msg), "%s: path too long", key);
		return 0;
	}
	return 1;
}

static int set_uint(struct parse *p, unsigned int *dst, const char *value, const char *key,
		    unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno || end == value || *end || value[0] == '-' || v > max) {
		snprintf(p->msg, sizeof(p->msg), "%s = \"%.64s\" is not a number from 0 to %lu",
			 key, value, max);
		return 0;
	}
	*dst = v;
	return 1;
}

static int set_bool(struct parse *p, int *dst, const char *value, const char *key)
{
	if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1"))
		*dst = 1;
	else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0"))
		*dst = 0;
	else {
		snprintf(p->msg, sizeof(p->msg), "%s = \"%.64s\" is not yes or no", key, value);
		return 0;
	}
	return 1;
}

/*
 * pin-file = %d/NAME is the systemd credential NAME (LoadCredential=NAME:FILE
 * in the unit): systemd's own specifier for $CREDENTIALS_DIRECTORY, expanded
 * here because systemd does not read this file.
 */
static int set_pin_file(struct parse *p, char *dst, const char *value, const char *key)
{
	const char *dir, *name;

	if (value[0] != '%')
		return set_path(p, dst, value, key);
	if (strncmp(value, SSP_CONFIG_CREDENTIAL_PREFIX, strlen(SSP_CONFIG_CREDENTIAL_PREFIX))) {
		snprintf(p->msg, sizeof(p->msg), "%s = \"%.64s\": only %%d/NAME (a systemd credential) is expanded",
			 key, value);
		return 0;
	}
	name = value + strlen(SSP_CONFIG_CREDENTIAL_PREFIX);
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(p->msg, sizeof(p->msg), "%s = \"%.64s\": give a credential name, as in %%d/pin",
			 key, value);
		return 0;
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (!dir || dir[0] != '/') {
		snprintf(p->msg, sizeof(p->msg),
			 "%s = %%d/%.32s: $CREDENTIALS_DIRECTORY is not set; run sspctl-watch@.service (LoadCredential=%.32s:FILE) or give a PIN file path",
			 key, name, name);
		return 0;
	}
	if (snprintf(dst, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		snprintf(p->msg, sizeof(p->msg), "%s: $CREDENTIALS_DIRECTORY/%.64s is too long", key, name);
		return 0;
	}
	return 1;
}

/* libinih calls this per name=value; returning 0 makes ini_parse() report the line. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct ssp_config *cfg = p->cfg;
	enum ssp_series series;
	enum ssp_prov_step step;

	if (p->msg[0])
		return 1;	/* keep the first error only */
	if (!strcmp(section, "hsm")) {
		if (!strcmp(name, "pin-file"))
			return set_pin_file(p, p->pin_file, value, name);
	} else if (!strcmp(section, "provision")) {
		if (!strcmp(name, "firmware"))
			return set_path(p, p->firmware, value, name);
		if (!strcmp(name, "jobs"))
			return set_uint(p, &cfg->jobs, value, name, 1024);
		if (!strcmp(name, "retries"))
			return set_uint(p, &cfg->retries, value, name, 100);
		if (!strcmp(name, "audit"))
			return set_bool(p, &cfg->audit, value, name);
		if (!strcmp(name, "stage-c-timeout-ms"))
			return set_uint(p, &cfg->stage_c_ms, value, name, 3600000);
	} else if (!ssp_series_parse(section, &series)) {
		struct ssp_config_series *s = &cfg->series[series];

		if (!strcmp(name, "hsm"))
			return set_path(p, s->hsm_dir, value, name);
		if (!strcmp(name, "secrets"))
			return set_path(p, s->secrets, value, name);
		if (!strcmp(name, "firmware"))
			return set_path(p, s->firmware, value, name);
		if (!strcmp(name, "pin-file"))
			return set_pin_file(p, s->pin_file, value, name);
	} else if (!strcmp(section, "timeouts")) {
		if (!ssp_prov_step_parse(name, &step) && step < SSP_STEP_COUNT)
			return set_uint(p, &cfg->timeout_ms[step], value, name, 3600000);
		snprintf(p->msg, sizeof(p->msg), "[timeouts] has no step \"%.64s\"", name);
		return 0;
	} else {
		snprintf(p->msg, sizeof(p->msg), "unknown section [%.64s] (known: hsm, provision, mp15, mp13, timeouts)",
			 section);
		return 0;
	}
	snprintf(p->msg, sizeof(p->msg), "unknown key \"%.64s\" in [%.64s]", name, section);
	return 0;
}

void ssp_config_defaults(struct ssp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->retries = 2;
	cfg->audit = 1;
	cfg->stage_c_ms = SSP_PROV_STAGE_C_MS;
}

int ssp_config_load(const char *path, struct ssp_config *cfg, struct ssp_err *e)
{
	struct parse *p;
	char *slash;
	FILE *f;
	int line, i, ret = 0, any = 0;

	ssp_config_defaults(cfg);
	p = calloc(1, sizeof(*p));
	if (!p)
		return ssp_errf(e, -ENOMEM, "config %s: out of memory", path);
	p->cfg = cfg;
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	snprintf(p->base, sizeof(p->base), "%s", path);
	slash = strrchr(p->base, '/');
	if (slash)
		*(slash == p->base ? slash + 1 : slash) = '\0';
	else
		strcpy(p->base, ".");

	f = fopen(path, "re");
	if (!f) {
		ret = ssp_errf(e, -errno, "config %s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	line = ini_parse_file(f, handler, p);
	fclose(f);
	if (line < 0) {
		ret = ssp_errf(e, -ENOMEM, "config %s: out of memory while reading", path);
		goto out;
	}
	if (line > 0) {
		ret = ssp_errf(e, -EINVAL, "config %s, line %d: %s; fix that line (see sspctl-watch(1))",
			       path, line, p->msg[0] ? p->msg : "not a [section] or key = value line");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		struct ssp_config_series *s = &cfg->series[i];
		const char *name = ssp_series_name(i);

		if (!s->hsm_dir[0] != !s->secrets[0]) {
			ret = ssp_errf(e, -EINVAL, "config %s: [%s] needs both hsm = DIR and secrets = FILE.ssp",
				       path, name);
			goto out;
		}
		if (!s->hsm_dir[0])
			continue;
		if (!s->firmware[0])
			strcpy(s->firmware, p->firmware);
		if (!s->pin_file[0])
			strcpy(s->pin_file, p->pin_file);
		if (!s->firmware[0]) {
			ret = ssp_errf(e, -EINVAL, "config %s: no SSP firmware for %s; set firmware = FILE in [provision] or [%s]",
				       path, name, name);
			goto out;
		}
		s->configured = 1;
		any = 1;
	}
	if (!any)
		ret = ssp_errf(e, -ENODATA, "config %s: no series configured; add a [mp15] or [mp13] section with hsm = DIR and secrets = FILE.ssp",
			       path);
out:
	free(p);
	return ret;
}
