// SPDX-License-Identifier: GPL-2.0-only
/* Provisioning options and context set-up shared by provision and watch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dev.h"
#include "formats.h"
#include "hsm.h"
#include "provision_cli.h"
#include "stm32_image.h"
#include "util.h"

#define FW_MAX		(4u << 20)	/* larger than any FSBL alternate */

void provision_args_init(struct provision_args *a)
{
	memset(a, 0, sizeof(*a));
	a->retries = -1;
	a->audit = 1;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int add_path(const char **v, unsigned int *n, const char *val, const char *what,
		    struct ssp_err *e)
{
	if (*n >= PROVISION_MAX_SERIES)
		return ssp_errf(e, -EINVAL, "more than %d %s given: one per chip series",
				PROVISION_MAX_SERIES, what);
	v[(*n)++] = val;
	return 0;
}

static int opt_fw(struct provision_args *a, const char *val)
{
	enum ssp_series s;
	char name[8];
	const char *eq = strchr(val, '=');

	if (!eq || eq - val >= (long)sizeof(name)) {
		a->fw_all = val;
		return 0;
	}
	memcpy(name, val, eq - val);
	name[eq - val] = '\0';
	if (ssp_series_parse(name, &s)) {
		a->fw_all = val;	/* a file name with '=' in it */
		return 0;
	}
	a->fw_series[s] = eq + 1;
	return 0;
}

int provision_args_opt(struct provision_args *a, int opt, const char *val, struct ssp_err *e)
{
	enum ssp_prov_step step;
	unsigned int v;
	char name[32];
	const char *eq;

	switch (opt) {
	case 'f':
		return opt_fw(a, val);
	case 's':
		return add_path(a->secrets, &a->nsecrets, val, "--secrets", e);
	case 'H':
		return add_path(a->hsm, &a->nhsm, val, "--hsm", e);
	case 'p':
		return add_path(a->pin_file, &a->npin, val, "--pin-file", e);
	case 'j':
		if (parse_uint(val, 1024, &a->jobs) || !a->jobs)
			return ssp_errf(e, -EINVAL, "--jobs '%s': give a number from 1 to 1024", val);
		return 0;
	case 'r':
		if (parse_uint(val, 10, &v))
			return ssp_errf(e, -EINVAL, "--retries '%s': give a number from 0 to 10", val);
		a->retries = (int)v;
		return 0;
	case 'C':
		if (parse_uint(val, 3600000, &a->stage_c_ms) || !a->stage_c_ms)
			return ssp_errf(e, -EINVAL, "--stage-c-timeout '%s': give milliseconds, 1..3600000", val);
		return 0;
	case 't':
		eq = strchr(val, '=');
		if (!eq || (size_t)(eq - val) >= sizeof(name))
			return ssp_errf(e, -EINVAL, "--timeout '%s': expected STEP=MS", val);
		memcpy(name, val, eq - val);
		name[eq - val] = '\0';
		if (ssp_prov_step_parse(name, &step) || step == SSP_STEP_START)
			return ssp_errf(e, -EINVAL, "--timeout: unknown step '%s'", name);
		if (parse_uint(eq + 1, 3600000, &v) || !v)
			return ssp_errf(e, -EINVAL, "--timeout %s: give milliseconds, 1..3600000", name);
		a->timeout_ms[step] = v;
		return 0;
	}
	return ssp_errf(e, -EINVAL, "unknown option");
}

int provision_args_check(const struct provision_args *a, int ndevs, struct ssp_err *e)
{
	if (!a->fw_all && !a->fw_series[0] && !a->fw_series[1])
		return ssp_errf(e, -EINVAL, "--fw is required (the signed TF-A SSP image; --fw mp15=F --fw mp13=F for one per series)");
	if (!a->nsecrets || !a->nhsm)
		return ssp_errf(e, -EINVAL, "--secrets and --hsm are required (one of each per chip series)");
	if (a->nsecrets != a->nhsm)
		return ssp_errf(e, -EINVAL, "%u --secrets for %u --hsm: give one of each per chip series",
				a->nsecrets, a->nhsm);
	if (a->npin > 1 && a->npin != a->nhsm)
		return ssp_errf(e, -EINVAL, "%u --pin-file for %u --hsm: give one for all, or one per --hsm",
				a->npin, a->nhsm);
	if (a->all && ndevs > 0)
		return ssp_errf(e, -EINVAL, "give devices or --all, not both");
	if (!a->all && ndevs <= 0)
		return ssp_errf(e, -EINVAL, "no device given: name chips (sspN, /dev/sspN, serial) or use --all");
	return 0;
}

void provision_args_from_config(struct provision_args *a, const struct ssp_config *cfg)
{
	provision_args_init(a);
	for (int s = 0; s < PROVISION_MAX_SERIES; s++) {
		const struct ssp_config_series *cs = &cfg->series[s];

		if (!cs->configured)
			continue;
		a->hsm[a->nhsm] = cs->hsm_dir;
		a->secrets[a->nsecrets++] = cs->secrets;
		a->pin_file[a->nhsm++] = cs->pin_file[0] ? cs->pin_file : NULL;
		a->fw_series[s] = cs->firmware[0] ? cs->firmware : NULL;
	}
	a->npin = a->nhsm;
	a->jobs = cfg->jobs;
	a->retries = (int)cfg->retries;
	a->audit = cfg->audit;
	a->stage_c_ms = cfg->stage_c_ms;
	memcpy(a->timeout_ms, cfg->timeout_ms, sizeof(a->timeout_ms));
}

/* The PIN file of the i-th HSM: its own, the only one, or none ($SSP_HSM_PIN). */
static const char *pin_file_of(const struct provision_args *a, unsigned int i)
{
	if (a->npin == 0)
		return NULL;
	return a->pin_file[a->npin == 1 ? 0 : i];
}

/* Read the firmware of a series once (shared with the other series if the same file). */
static int load_fw(struct provision_args *a, enum ssp_series s, size_t *len, struct ssp_err *e)
{
	const char *path = a->fw_series[s] ? a->fw_series[s] : a->fw_all;
	uint32_t need = ssp_stm32_rom_header_version(s);
	struct ssp_stm32_info img;
	char found[12], needed[12];
	int ret;

	if (!path)
		return ssp_errf(e, -EINVAL, "no SSP firmware for %s chips: give --fw FILE or --fw %s=FILE",
				ssp_series_name(s), ssp_series_name(s));
	a->fw_buf[s] = malloc(FW_MAX);
	if (!a->fw_buf[s])
		return ssp_errf(e, -ENOMEM, "out of memory");
	ret = ssp_read_file(path, a->fw_buf[s], FW_MAX, len, e);
	if (ret)
		return ret;
	ret = ssp_stm32_image_parse(a->fw_buf[s], *len, &img);
	if (ret && ret != -ENOTSUP)
		return ssp_errf(e, -EINVAL, "%s is not an STM32 image (header magic, fields, extensions, length or checksum wrong): give the signed TF-A SSP .stm32",
				path);
	/* Each ROM checks for the one header version it knows (spec §7.2). */
	if (ret || img.header_version != need)
		return ssp_errf(e, -EINVAL, "%s has STM32 header v%s, but the %s ROM takes header v%s only: give the TF-A SSP image built for %s (--fw %s=FILE)",
				path, ssp_stm32_version_name(img.header_version, found),
				ssp_series_name(s), ssp_stm32_version_name(need, needed),
				ssp_series_name(s), ssp_series_name(s));
	return 0;
}

/* Open the i-th HSM and pair it with the secrets file and firmware of its series. */
static int add_hsm(struct provision_args *a, unsigned int i, struct ssp_prov_ctx *ctx,
		   uint8_t payload[][SSP_PAYLOAD_SIZE_MP15 + 1], const size_t *plen,
		   const enum ssp_series *pser, const char *env_pin, struct ssp_err *e)
{
	struct ssp_hsm_status st;
	char pin[SSP_HSM_PIN_MAX];
	struct ssp_hsm *h;
	size_t fw_len = 0;
	unsigned int k;
	int ret;

	if (pin_file_of(a, i)) {
		ret = ssp_hsm_read_pin(pin_file_of(a, i), pin, e);
		if (ret)
			return ssp_err_prefix(e, "HSM %s", a->hsm[i]);
	} else {
		/* $SSP_HSM_PIN, read (and removed from the environment) once for all HSMs. */
		snprintf(pin, sizeof(pin), "%s", env_pin);
	}
	ret = ssp_hsm_open(a->hsm[i], pin, &h, e);
	ssp_wipe(pin, sizeof(pin));
	if (ret)
		return ret;
	ret = ssp_hsm_status(h, &st, e);
	if (ret) {
		ssp_hsm_close(h);
		return ret;
	}
	for (k = 0; k < a->nsecrets && pser[k] != st.series; k++)
		;
	if (k == a->nsecrets) {
		ssp_hsm_close(h);
		return ssp_errf(e, -EINVAL, "HSM %s is for %s but no --secrets file is: give the %s secrets file",
				a->hsm[i], ssp_series_name(st.series), ssp_series_name(st.series));
	}
	ret = load_fw(a, st.series, &fw_len, e);
	if (ret) {
		ssp_hsm_close(h);
		return ret;
	}
	return ssp_prov_add_series(ctx, h, a->fw_buf[st.series], fw_len, payload[k], plen[k], e);
}

int provision_ctx_setup(struct provision_args *a, struct ssp_prov_ctx *ctx, struct ssp_err *e)
{
	uint8_t payload[PROVISION_MAX_SERIES][SSP_PAYLOAD_SIZE_MP15 + 1];
	size_t plen[PROVISION_MAX_SERIES];
	enum ssp_series pser[PROVISION_MAX_SERIES];
	struct ssp_payload_plain hdr;
	char env_pin[SSP_HSM_PIN_MAX] = "";
	int ret = 0;

	ssp_prov_ctx_init(ctx);
	if (a->npin == 0) {
		ret = ssp_hsm_read_pin(NULL, env_pin, e);
		if (ret)
			goto fail;
	}
	for (unsigned int i = 0; i < a->nsecrets; i++) {
		ret = ssp_read_file(a->secrets[i], payload[i], sizeof(payload[i]), &plen[i], e);
		if (ret == -EFBIG || (!ret && ssp_payload_series(plen[i], &pser[i]))) {
			ret = ssp_errf(e, -EINVAL, "%s: not a secrets file (%u bytes for MP15, %u for MP13); build one with `sspctl secrets build`",
				       a->secrets[i], SSP_PAYLOAD_SIZE_MP15, SSP_PAYLOAD_SIZE_MP13);
			goto fail;
		}
		if (ret)
			goto fail;
		if (ssp_payload_parse(payload[i], plen[i], pser[i], &hdr)) {
			ret = ssp_errf(e, -EINVAL, "%s: not a valid %s secrets file (magic, version or size field)",
				       a->secrets[i], ssp_series_name(pser[i]));
			goto fail;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (pser[j] == pser[i]) {
				ret = ssp_errf(e, -EINVAL, "%s and %s are both for %s: give one secrets file per series",
					       a->secrets[j], a->secrets[i], ssp_series_name(pser[i]));
				goto fail;
			}
		}
	}
	for (unsigned int i = 0; i < SSP_STEP_COUNT; i++)
		if (a->timeout_ms[i])
			ctx->timeout_ms[i] = a->timeout_ms[i];
	if (a->stage_c_ms)
		ctx->stage_c_ms = a->stage_c_ms;
	if (a->retries >= 0)
		ctx->retries = a->retries;
	ctx->audit = a->audit;
	for (unsigned int i = 0; i < a->nhsm; i++) {
		ret = add_hsm(a, i, ctx, payload, plen, pser, env_pin, e);
		if (ret)
			goto fail;
	}
	ssp_wipe(payload, sizeof(payload));
	ssp_wipe(env_pin, sizeof(env_pin));
	return 0;
fail:
	ssp_prov_ctx_fini(ctx);
	ssp_wipe(payload, sizeof(payload));
	ssp_wipe(env_pin, sizeof(env_pin));
	return ret;
}

void provision_args_free(struct provision_args *a)
{
	for (int s = 0; s < PROVISION_MAX_SERIES; s++) {
		free(a->fw_buf[s]);
		a->fw_buf[s] = NULL;
	}
}
