// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state directory: the test ST key pair (st-priv.pem, st-pub.pem) and
 * one directory per chip, named by its serial, holding chip.conf (series,
 * index), seed (32 bytes from which the chip ECIES key is derived), otp.bin
 * and log. A chip is "manufactured" once: UID, CFG0/CFG2 and the ST
 * certificate signature are burnt and locked in its OTP at creation.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "formats.h"
#include "sim.h"
#include "util.h"

#define CHIP_KEY_LABEL		"sspsim chip ECIES key"
#define SEED_LEN		32
#define CERT_SEC_COUNTER	0x02
#define CERT_ST_KEY_INDEX	0x0A

const char *sim_model_name(enum sim_kind kind, enum ssp_series series)
{
	if (kind == SIM_KIND_MP25)
		return "mp25";
	if (kind == SIM_KIND_UBOOT)
		return "uboot";
	return series == SSP_SERIES_MP13 ? "mp13" : "mp15";
}

int sim_store_open(struct sim_store *st, const char *dir, char *err, size_t errlen)
{
	char priv[PATH_MAX + 16], pub[PATH_MAX + 16];
	struct stat sb;
	int ret;

	memset(st, 0, sizeof(*st));
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir)) {
		snprintf(err, errlen, "%s: state directory path too long", dir);
		return -ENAMETOOLONG;
	}
	ret = ssp_mkdir_p(dir, 0700);
	if (ret) {
		snprintf(err, errlen, "%s: cannot create the state directory: %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(priv, sizeof(priv), "%s/st-priv.pem", dir);
	snprintf(pub, sizeof(pub), "%s/st-pub.pem", dir);
	if (stat(priv, &sb) == 0) {
		ret = ssp_pem_read_priv(priv, st->st_priv);
		if (!ret)
			ret = ssp_ec_pub_from_priv(st->st_priv, st->st_pub);
		if (ret) {
			snprintf(err, errlen, "%s: cannot read the test ST key (%s); remove the state directory to start afresh",
				 priv, strerror(-ret));
			return ret;
		}
	} else {
		ret = ssp_ec_keygen(st->st_priv, st->st_pub);
		if (!ret)
			ret = ssp_pem_write_priv(priv, st->st_priv);
		if (ret) {
			snprintf(err, errlen, "%s: cannot create the test ST key: %s", priv, strerror(-ret));
			return ret;
		}
	}
	ret = ssp_pem_write_pub(pub, st->st_pub);
	if (ret) {
		snprintf(err, errlen, "%s: cannot write the test ST public key: %s", pub, strerror(-ret));
		return ret;
	}
	return 0;
}

static int chip_paths(struct sim_chip *c, const struct sim_store *st)
{
	if (snprintf(c->dir, sizeof(c->dir), "%s/%s", st->dir, c->serial) >= (int)sizeof(c->dir))
		return -ENAMETOOLONG;
	if (snprintf(c->otp.path, sizeof(c->otp.path), "%s/otp.bin", c->dir) >= (int)sizeof(c->otp.path))
		return -ENAMETOOLONG;
	return 0;
}

int sim_chip_create(struct sim_chip *c, const struct sim_store *st, enum ssp_series series,
		    unsigned int index, char *err, size_t errlen)
{
	return sim_chip_create_kind(c, st, SIM_KIND_STM32MP, series, index, err, errlen);
}

int sim_chip_create_kind(struct sim_chip *c, const struct sim_store *st, enum sim_kind kind,
			 enum ssp_series series, unsigned int index, char *err, size_t errlen)
{
	const struct ssp_otp_map *m = ssp_otp_map(series);
	struct ssp_cert_info info;
	uint8_t seed[SEED_LEN], cert[SSP_CERT_SIZE], uid[12];
	char conf[64], path[PATH_MAX + 64];
	struct stat sb;
	int ret, tries = 0;

	memset(c, 0, sizeof(*c));
	if (kind != SIM_KIND_STM32MP)
		series = SSP_SERIES_MP15;
	c->kind = kind;
	c->series = series;
	c->index = index;
	do {
		ret = ssp_random(uid, sizeof(uid));
		if (ret)
			goto fail;
		/* UID word 13 of real parts looks like 00xx00yy (lot/wafer coordinates). */
		c->otp.word[m->uid] = ssp_get_be32(uid) & 0x00FF00FFu;
		c->otp.word[m->uid + 1] = ssp_get_be32(uid + 4);
		c->otp.word[m->uid + 2] = ssp_get_be32(uid + 8);
		snprintf(c->serial, sizeof(c->serial), "%08X%08X%08X", c->otp.word[m->uid],
			 c->otp.word[m->uid + 1], c->otp.word[m->uid + 2]);
		snprintf(path, sizeof(path), "%s/%s", st->dir, c->serial);
	} while (stat(path, &sb) == 0 && ++tries < 8);
	ret = chip_paths(c, st);
	if (ret)
		goto fail;
	ret = ssp_mkdir_p(c->dir, 0700);
	if (ret)
		goto fail;
	ret = ssp_random(seed, sizeof(seed));
	if (!ret)
		ret = ssp_write_file_atomic(strcat(strcpy(path, c->dir), "/seed"), seed, sizeof(seed), 0600, NULL);
	if (!ret)
		ret = ssp_ec_key_from_seed(CHIP_KEY_LABEL, seed, sizeof(seed), c->chip_priv, c->chip_pub);
	ssp_wipe(seed, sizeof(seed));
	if (ret)
		goto fail;

	/* Factory OTP: open CFG0, CFG2 = counter 0x02 / ST key 0x0A, ST signature over the chip key. */
	c->otp.word[m->cfg0] = series == SSP_SERIES_MP13 ? SSP_MP13_CFG0_OPEN : 0;
	c->otp.word[m->cfg2] = (uint32_t)CERT_ST_KEY_INDEX << 28 | (uint32_t)CERT_SEC_COUNTER << 20;
	memset(&info, 0, sizeof(info));
	info.chip_id = ssp_chip_id(series);
	info.security_counter = CERT_SEC_COUNTER;
	info.st_key_index = CERT_ST_KEY_INDEX;
	memcpy(info.chip_pub, c->chip_pub, SSP_PUB_LEN);
	ret = ssp_cert_build(&info, cert);
	if (!ret)
		ret = ssp_cert_sign(st->st_priv, cert);
	if (ret)
		goto fail;
	for (unsigned int i = 0; i < SSP_SIG_LEN / 4; i++)
		c->otp.word[m->cert_sig + i] = ssp_get_be32(cert + SSP_CERT_OFF_SIG + 4 * i);
	for (unsigned int i = 0; i < 3; i++)
		c->otp.lock[(m->uid + i) / 32] |= 1u << ((m->uid + i) % 32);
	for (unsigned int i = 0; i < SSP_SIG_LEN / 4; i++)
		c->otp.lock[(m->cert_sig + i) / 32] |= 1u << ((m->cert_sig + i) % 32);
	ret = sim_otp_save(&c->otp);
	if (ret)
		goto fail;
	snprintf(conf, sizeof(conf), "series=%s\nindex=%u\n", sim_model_name(kind, series), index);
	ret = ssp_write_file_atomic(strcat(strcpy(path, c->dir), "/chip.conf"), conf, strlen(conf),
				    0644, NULL);
	if (ret)
		goto fail;
	sim_chip_log(c, "manufactured: %s chip %u, serial %s", sim_model_name(kind, series), index,
		     c->serial);
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot create chip %u: %s", st->dir, index, strerror(-ret));
	ssp_wipe(c->chip_priv, sizeof(c->chip_priv));
	return ret;
}

static int read_conf(const char *dir, enum ssp_series *series, enum sim_kind *kind,
		     unsigned int *index)
{
	char path[PATH_MAX + 16], buf[128], s[8];
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/chip.conf", dir);
	ret = ssp_read_file(path, buf, sizeof(buf) - 1, &len, NULL);
	if (ret)
		return ret;
	buf[len] = 0;
	if (sscanf(buf, "series=%7s\nindex=%u", s, index) != 2)
		return -EINVAL;
	*kind = SIM_KIND_STM32MP;
	*series = SSP_SERIES_MP15;
	if (!strcmp(s, "mp13"))
		*series = SSP_SERIES_MP13;
	else if (!strcmp(s, "mp25"))
		*kind = SIM_KIND_MP25;
	else if (!strcmp(s, "uboot"))
		*kind = SIM_KIND_UBOOT;
	else if (strcmp(s, "mp15"))
		return -EINVAL;
	return 0;
}

int sim_chip_load(struct sim_chip *c, const struct sim_store *st, const char *serial,
		  char *err, size_t errlen)
{
	const struct ssp_otp_map *m;
	uint8_t seed[SEED_LEN];
	char path[PATH_MAX + 16], uidstr[SIM_SERIAL_LEN + 1];
	size_t len;
	int ret;

	memset(c, 0, sizeof(*c));
	if (strlen(serial) != SIM_SERIAL_LEN) {
		snprintf(err, errlen, "%s: '%s' is not a 24-digit serial", st->dir, serial);
		return -EINVAL;
	}
	strcpy(c->serial, serial);
	ret = chip_paths(c, st);
	if (!ret)
		ret = read_conf(c->dir, &c->series, &c->kind, &c->index);
	if (ret) {
		snprintf(err, errlen, "%s/chip.conf: cannot read (%s)", c->dir, strerror(-ret));
		return ret;
	}
	m = ssp_otp_map(c->series);
	ret = sim_otp_load(&c->otp, c->otp.path);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the OTP image (%s)", c->otp.path, strerror(-ret));
		return ret;
	}
	snprintf(uidstr, sizeof(uidstr), "%08X%08X%08X", c->otp.word[m->uid], c->otp.word[m->uid + 1],
		 c->otp.word[m->uid + 2]);
	if (strcmp(uidstr, serial)) {
		snprintf(err, errlen, "%s: UID words give serial %s, not the directory name", c->otp.path, uidstr);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/seed", c->dir);
	ret = ssp_read_file(path, seed, sizeof(seed), &len, NULL);
	if (!ret && len != sizeof(seed))
		ret = -EINVAL;
	if (!ret)
		ret = ssp_ec_key_from_seed(CHIP_KEY_LABEL, seed, sizeof(seed), c->chip_priv, c->chip_pub);
	ssp_wipe(seed, sizeof(seed));
	if (ret) {
		snprintf(err, errlen, "%s: cannot derive the chip key (%s)", path, strerror(-ret));
		return ret;
	}
	return 0;
}

int sim_store_list(const char *dir, char serials[][SIM_SERIAL_LEN + 1], unsigned int max,
		   enum ssp_series *series, enum sim_kind *kinds)
{
	unsigned int idx[SIM_MAX_CHIPS], n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX + 300];
		enum ssp_series s;
		enum sim_kind k;
		unsigned int i, j;

		if (strlen(de->d_name) != SIM_SERIAL_LEN)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_conf(path, &s, &k, &i))
			continue;
		if (n == max || n == SIM_MAX_CHIPS) {
			closedir(d);
			return -E2BIG;
		}
		/* insertion by index */
		for (j = n; j > 0 && idx[j - 1] > i; j--) {
			idx[j] = idx[j - 1];
			strcpy(serials[j], serials[j - 1]);
			if (series)
				series[j] = series[j - 1];
			if (kinds)
				kinds[j] = kinds[j - 1];
		}
		idx[j] = i;
		strcpy(serials[j], de->d_name);
		if (series)
			series[j] = s;
		if (kinds)
			kinds[j] = k;
		n++;
	}
	closedir(d);
	return (int)n;
}
