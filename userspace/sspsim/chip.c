// SPDX-License-Identifier: GPL-2.0-only
/*
 * One simulated chip: the ROM code (inferred, spec §1-§3) and TF-A's SSP
 * build (stm32mp1_ssp.c + stm32cubeprogrammer_usb.c [T26]) on top of the
 * DFU machine of dfu.c, the boot context kept in "SYSRAM" across resets,
 * and the OTP burning of stage C in the order (a)-(e) of spec §3.2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "formats.h"
#include "sim.h"
#include "stm32_image.h"
#include "util.h"

#define PHASE_FLASHLAYOUT	0x00
#define PHASE_FSBL		0x01
#define PHASE_CMD		0xF1
#define PHASE_SSP		0xF3
#define PHASE_RESET		0xFF
#define UNDEF_ADDR		0xFFFFFFFFu
#define GET_PHASE_LEN		9

/* boot_api.h ssp_cmd values: ASCII in memory. */
#define SSP_CMD_PUBK		0x4B425550u
#define SSP_CMD_PUBA		0x41425550u
#define SSP_CMD_PROV		0x564F5250u
#define SSP_CMD_PROA		0x414F5250u

/* Plausible SYSRAM addresses (inferred; only reported, never dereferenced). */
#define MP15_BLOB_ADDR		0x2FFFF000u	/* page_align(BL2_RW_LIMIT - 380, DOWN) */
#define MP13_BLOB_ADDR		0x2FFFE000u	/* p_blob_license given by the ROM */
#define CERT_ADDR		0x2FFEFD40u	/* TF-A stack buffer */
#define MP15_ROM_MAX_IMAGE	(256 * 1024)
#define MP13_ROM_MAX_IMAGE	(128 * 1024)

#define US(ms)			((uint64_t)(ms) * 1000)

static const char *cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case SSP_CMD_PUBK: return "PUBK";
	case SSP_CMD_PUBA: return "PUBA";
	case SSP_CMD_PROV: return "PROV";
	case SSP_CMD_PROA: return "PROA";
	case 0: return "0";
	default: return "?";
	}
}

bool sim_log_to_stderr;

void sim_chip_log(struct sim_chip *c, const char *fmt, ...)
{
	char path[PATH_MAX + 8], line[512], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	FILE *f;

	if (!c->dir[0])
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(path, sizeof(path), "%s/log", c->dir);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s.%03ldZ %s\n", ts, now.tv_nsec / 1000000, line);
		fclose(f);
	}
	if (sim_log_to_stderr)
		fprintf(stderr, "%s.%03ldZ chip %u %s: %s\n", ts, now.tv_nsec / 1000000, c->index,
		c->serial, line);
}

bool sim_chip_closed(const struct sim_chip *c)
{
	uint32_t cfg0 = c->otp.word[ssp_otp_map(c->series)->cfg0];

	if (c->series == SSP_SERIES_MP13)
		return (cfg0 & SSP_MP13_CFG0_CLOSED) == SSP_MP13_CFG0_CLOSED;
	return cfg0 & ssp_otp_map(c->series)->closed_mask;
}

static void schedule(struct sim_chip *c, enum sim_event ev, uint64_t delay_us)
{
	c->ev = ev;
	c->ev_at_us = c->now_us + delay_us;
	c->ev_set_us = c->now_us;
}

static size_t blob_size(const struct sim_chip *c)
{
	return SSP_LIC_SIZE + ssp_payload_size(c->series);
}

/* DFU_ERROR() of stm32cubeprogrammer_usb.c: the first error message wins. */
static void __attribute__((format(printf, 2, 3))) tfa_error(struct sim_chip *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (c->phase != PHASE_RESET) {
		vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
		c->phase = PHASE_RESET;
		c->address = UNDEF_ADDR;
		c->len = 0;
		sim_chip_log(c, "TF-A: DFU error: %s", c->msg);
	}
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Reset and boot sequencing                                           */

static void rom_enter(struct sim_chip *c)
{
	c->stage = SIM_STAGE_ROM;
	c->booting = false;
	sim_dfu_reset(&c->dfu);
	c->img_len = 0;
	c->img_ready = false;
	c->img_failed = false;
	c->config = 0;
}

/* System reset: drop off the bus after `delay`, come back as the ROM. */
static void system_reset(struct sim_chip *c, uint64_t delay_us)
{
	c->next_stage = SIM_STAGE_ROM;
	c->next_is_tfa_boot = false;
	if (c->on_bus) {
		schedule(c, SIM_EV_DISCONNECT, delay_us);
	} else {
		c->next_stage = SIM_STAGE_ROM;
		schedule(c, SIM_EV_ATTACH,
			 delay_us + US(c->timing->reset_ms) + US(c->timing->rom_boot_ms));
	}
}

/* The ROM hands the boot context to the FSBL (spec §3.1, B1, C1). */
static uint64_t rom_process_ssp(struct sim_chip *c)
{
	struct sim_boot_ctx *x = &c->ctx;
	uint8_t key[SSP_AES_KEY_LEN], nonce[SSP_NONCE_LEN];
	struct ssp_payload_plain plain;
	size_t psize = ssp_payload_size(c->series), off;
	uint64_t extra = 0;
	int ret;

	switch (x->ssp_cmd) {
	case SSP_CMD_PUBK:
		memcpy(x->chip_pub, c->chip_pub, SSP_PUB_LEN);
		x->have_chip_pub = true;
		x->ssp_cmd = SSP_CMD_PUBA;
		sim_chip_log(c, "ROM: PUBK -> chip ECIES key computed, ssp_cmd=PUBA");
		return US(c->timing->keygen_ms);
	case SSP_CMD_PROV:
		extra = US(c->timing->license_ms);
		x->rom_ok = false;
		if (!x->blob_set || x->blob_len < blob_size(c)) {
			sim_chip_log(c, "ROM: PROV with an incomplete blob (%zu of %zu bytes): ssp_cmd=0",
				     x->blob_len, blob_size(c));
			x->ssp_cmd = 0;
			return extra;
		}
		ret = ssp_license_open(c->chip_priv, x->blob, key, nonce);
		if (ret) {
			sim_chip_log(c, "ROM: license verification failed (%s): ssp_cmd=0",
				     ret == -EBADMSG ? "tag mismatch" : strerror(-ret));
			x->ssp_cmd = 0;
			return extra;
		}
		ret = ssp_payload_open(x->blob + SSP_LIC_SIZE, psize, c->series, key, nonce, &plain);
		ssp_wipe(key, sizeof(key));
		ssp_wipe(nonce, sizeof(nonce));
		if (ret) {
			sim_chip_log(c, "ROM: payload verification failed (%s): ssp_cmd=0",
				     ret == -EBADMSG ? "tag mismatch" : strerror(-ret));
			ssp_wipe(&plain, sizeof(plain));
			x->ssp_cmd = 0;
			return extra;
		}
		/* Decrypted in place: the rest of the 152-byte field keeps what the host sent. */
		off = SSP_LIC_SIZE + ssp_payload_off_secrets(c->series);
		memcpy(x->secrets, x->blob + off, SSP_SECRETS_MAX);
		ssp_put_le32(x->secrets, plain.rma_word);
		memcpy(x->secrets + 4, plain.secrets, plain.secret_size - 4);
		x->secret_size = plain.secret_size;
		memcpy(x->pkh_src, c->series == SSP_SERIES_MP13 ? plain.rpkth : plain.oem_pub,
		       ssp_payload_key_len(c->series));
		ssp_wipe(&plain, sizeof(plain));
		x->rom_ok = true;
		x->ssp_cmd = SSP_CMD_PROA;
		sim_chip_log(c, "ROM: PROV -> license and payload verified, %u secret bytes decrypted, ssp_cmd=PROA",
			     x->secret_size);
		return extra;
	default:
		if (x->ssp_cmd)
			sim_chip_log(c, "ROM: ssp_cmd %s not a request: cleared", cmd_name(x->ssp_cmd));
		x->ssp_cmd = 0;
		return 0;
	}
}

/* Certificate of prepare_certificate() [T26]: product ID, p_chip_pubk, ST signature from OTP. */
static void tfa_prepare_cert(struct sim_chip *c)
{
	const struct ssp_otp_map *m = ssp_otp_map(c->series);
	uint32_t cfg2 = c->otp.word[m->cfg2];

	snprintf((char *)c->cert, 9, "%03X%02X0%02X", ssp_chip_id(c->series),
		 (cfg2 >> 20) & 0xFF, (cfg2 >> 28) & 0xF);
	memcpy(c->cert + SSP_CERT_OFF_PUBK, c->ctx.chip_pub, SSP_PUB_LEN);
	for (unsigned int i = 0; i < SSP_SIG_LEN / 4; i++)
		ssp_put_be32(c->cert + SSP_CERT_OFF_SIG + 4 * i, c->otp.word[m->cert_sig + i]);
}

/* Stage C step (d) helper: program then permanently lock. */
static int burn_lock(struct sim_chip *c, unsigned int w, uint32_t v, unsigned int *words)
{
	int ret = sim_otp_program(&c->otp, w, v);

	if (!ret)
		ret = sim_otp_lock(&c->otp, w);
	(*words)++;
	if (ret)
		sim_chip_log(c, "TF-A: Error writing OTP %u: %s", w, strerror(-ret));
	return ret;
}

/* ssp_secret_programming() [T26] with the quirks of spec §4.4. Returns the words programmed. */
static int tfa_stage_c(struct sim_chip *c, unsigned int *words, bool fail_d, bool cut_after_c)
{
	const struct ssp_otp_map *m = ssp_otp_map(c->series);
	struct sim_boot_ctx *x = &c->ctx;
	uint32_t size = x->secret_size, n, val, mask = 0, cfg0;
	uint8_t hash[SSP_HASH_LEN];
	unsigned int i, w;
	const uint8_t *p;
	int ret = -EINVAL;

	/* (a) every target word still blank */
	if (size == 0 || size > SSP_SECRETS_MAX) {
		sim_chip_log(c, "TF-A: SSP ERROR checking OTP: secret size %u", size);
		goto clean;
	}
	for (w = m->pkh; w < m->pkh + SSP_OTP_PKH_WORDS; w++) {
		if (c->otp.word[w]) {
			sim_chip_log(c, "TF-A: OTP %u value already programmed", w);
			goto clean_check;
		}
	}
	n = (size + 3) / 4;
	if (c->otp.word[m->rma]) {
		sim_chip_log(c, "TF-A: OTP RMA value already programmed");
		goto clean_check;
	}
	for (w = m->secrets; w < m->secrets + n - 1; w++) {
		if (c->otp.word[w]) {
			sim_chip_log(c, "TF-A: OTP %u value already programmed", w);
			goto clean_check;
		}
	}
	/* (b) PKH: MP15 SHA-256(oem_ecdsa_pubk), MP13 oem_rpkth; each word big-endian, locked. */
	if (c->series == SSP_SERIES_MP15) {
		if (ssp_sha256(x->pkh_src, SSP_PUB_LEN, hash))
			goto clean;
	} else {
		memcpy(hash, x->pkh_src, SSP_HASH_LEN);
	}
	for (i = 0; i < SSP_OTP_PKH_WORDS; i++) {
		if (burn_lock(c, m->pkh + i, ssp_get_be32(hash + 4 * i), words)) {
			sim_chip_log(c, "TF-A: SSP ERROR writing HASH key");
			goto clean;
		}
	}
	/* (c) close the device */
	cfg0 = c->otp.word[m->cfg0];
	if (c->series == SSP_SERIES_MP13 ? (cfg0 & ~SSP_MP13_CFG0_OPEN) != 0 : (cfg0 & m->closed_mask) != 0) {
		sim_chip_log(c, "TF-A: Device already closed; SSP close device failed");
		goto clean;
	}
	ret = sim_otp_program(&c->otp, m->cfg0,
			      c->series == SSP_SERIES_MP13 ? SSP_MP13_CFG0_CLOSED : m->closed_mask);
	(*words)++;
	if (ret) {
		sim_chip_log(c, "TF-A: SSP close device failed");
		goto clean;
	}
	sim_chip_log(c, "TF-A: device closed");
	if (cut_after_c) {
		sim_chip_log(c, "fault disconnect:stage-c: power lost after closing, before the secrets");
		ret = -EIO;
		goto out;	/* no cleanup: the power went */
	}
	/* (d) RMA word (masked per series, locked) then the secret words */
	p = x->secrets;
	ret = burn_lock(c, m->rma, ssp_get_le32(p) & m->rma_mask, words);
	if (ret)
		goto secret_fail;
	p += 4;
	n--;
	if (size % 4)
		mask = (1u << ((size % 4) * 4)) - 1;	/* GENMASK((size%4)*4 - 1, 0): 4 bits per byte */
	for (w = m->secrets; w < m->secrets + n - 1 && n > 0; w++, p += 4) {
		val = ssp_get_le32(p);
		if (!val)
			continue;	/* zero words are neither programmed nor locked */
		if (fail_d) {
			sim_chip_log(c, "fault stall:stage-c: BSEC programming error at OTP %u", w);
			ret = -EIO;
			goto secret_fail;
		}
		ret = burn_lock(c, w, val, words);
		if (ret)
			goto secret_fail;
	}
	/* The last word; with n == 0 this reads past the RMA word, as TF-A does. */
	val = ssp_get_le32(p);
	if (val) {
		if (mask)
			val &= mask;
		if (fail_d) {
			sim_chip_log(c, "fault stall:stage-c: BSEC programming error at OTP %u", w);
			ret = -EIO;
			goto secret_fail;
		}
		ret = burn_lock(c, w, val, words);
		if (ret)
			goto secret_fail;
	}
	ret = 0;
	goto clean;
secret_fail:
	sim_chip_log(c, "TF-A: SSP Secret flash failed");
	goto clean;
clean_check:
	sim_chip_log(c, "TF-A: SSP ERROR checking OTP");
	ret = -EINVAL;
clean:
	/* (e) ssp_cleanup(): zero the buffers, ssp_cmd = 0; then SSP_SUCCESS */
	ssp_wipe(x->secrets, sizeof(x->secrets));
	ssp_wipe(x->blob, sizeof(x->blob));
	memset(x->chip_pub, 0, sizeof(x->chip_pub));
	x->have_chip_pub = false;
	x->blob_len = 0;
	x->blob_set = false;
	x->rom_ok = false;
	x->secret_size = 0;
	x->ssp_cmd = 0;
	if (!ret) {
		val = c->otp.word[m->ssp_word];
		if (val & m->ssp_success) {
			sim_chip_log(c, "TF-A: Error while configuring OTP");
			ret = -EINVAL;
		} else {
			ret = sim_otp_program(&c->otp, m->ssp_word, m->ssp_success);
			(*words)++;
		}
	}
out:
	if (ret)
		sim_chip_log(c, "TF-A: Error during provisionning");
	else
		sim_chip_log(c, "TF-A: Provisioning completed");
	return ret;
}

/* bl2_el3_plat_arch_setup() + ssp_start() [T26]. Returns false when TF-A runs no DFU. */
static bool tfa_boot(struct sim_chip *c)
{
	const struct ssp_otp_map *m = ssp_otp_map(c->series);
	uint32_t ssp = c->otp.word[m->ssp_word] & (m->ssp_req | m->ssp_success);
	unsigned int words = 0;

	c->stage = SIM_STAGE_TFA;
	c->booting = false;
	sim_dfu_reset(&c->dfu);
	c->phase = 0;
	c->address = 0;
	c->base = 0;
	c->len = 0;
	c->msg[0] = 0;
	memset(c->cert, 0, sizeof(c->cert));

	if (sim_chip_closed(c)) {
		/*
		 * Spec §7.3: TF-A SSP checks the closed state before ssp_start() and
		 * panics with its message on the UART only; USB is never served. MP15:
		 * the ROM's USB configuration stays (TF-A keeps it, §1.2) but nothing
		 * answers any request again, so the host's requests time out. MP13:
		 * the ROM's DETACH disconnected the chip and nothing re-enumerates.
		 * Only a power cycle (sim_chip_power_on) brings the ROM back.
		 */
		c->mode = SIM_TFA_PANIC;
		c->hung = true;
		c->ev = SIM_EV_NONE;
		sim_chip_log(c, "TF-A: SSP not supported on closed chip: panic (UART only), USB never started%s",
			     c->series == SSP_SERIES_MP15 ? "; the device stays on the bus and answers nothing" :
			     "; the chip does not re-enumerate");
		return c->series == SSP_SERIES_MP15;
	}
	if ((ssp & m->ssp_req) && !(ssp & m->ssp_success) && c->ctx.ssp_cmd == SSP_CMD_PUBA) {
		c->mode = SIM_TFA_STAGE_B;
		tfa_prepare_cert(c);
		c->phase = PHASE_SSP;
		c->base = c->address = c->series == SSP_SERIES_MP15 ? MP15_BLOB_ADDR : MP13_BLOB_ADDR;
		c->len = (uint32_t)blob_size(c);
		c->ctx.blob_len = 0;
		sim_chip_log(c, "TF-A: Detected start SSP Phase 2: certificate out, blob in");
		return true;
	}
	if ((ssp & m->ssp_req) && !(ssp & m->ssp_success) && c->ctx.ssp_cmd == SSP_CMD_PROA) {
		bool fail_d = sim_fault_fire(&c->faults, SIM_FAULT_STALL, SIM_STEP_STAGE_C);
		bool cut = sim_fault_fire(&c->faults, SIM_FAULT_DISCONNECT, SIM_STEP_STAGE_C);

		sim_chip_log(c, "TF-A: Detected start SSP Phase 3: programming OTP, no USB");
		if (sim_fault_fire(&c->faults, SIM_FAULT_HANG, SIM_STEP_STAGE_C)) {
			sim_chip_log(c, "fault hang:stage-c: the chip never resets");
			c->hung = true;
			c->ev = SIM_EV_NONE;
			return false;
		}
		c->otp.defer = true;
		tfa_stage_c(c, &words, fail_d, cut);
		if (sim_otp_flush(&c->otp))
			sim_chip_log(c, "cannot save the OTP burnt in stage C to %s", c->otp.path);
		/* MP15: the ROM's USB stays up but nobody serves it until the reset. */
		c->booting = c->on_bus;
		if (cut) {
			c->power_cycle = true;
			memset(&c->ctx, 0, sizeof(c->ctx));
		}
		system_reset(c, (uint64_t)words * c->timing->otp_word_us);
		return false;
	}
	/* SSP_NONE / SSP_DONE: ssp_enable_processing() */
	if (ssp == (m->ssp_req | m->ssp_success) || ssp == m->ssp_success) {
		c->mode = SIM_TFA_START_FAILED;
		tfa_error(c, "Start SSP Failed (%i)", -EINVAL);
		sim_chip_log(c, "TF-A: Start SSP Failed: SSP word 0x%08x", c->otp.word[m->ssp_word]);
		return true;
	}
	if (ssp == 0) {
		if (sim_otp_program(&c->otp, m->ssp_word, m->ssp_req)) {
			c->mode = SIM_TFA_START_FAILED;
			tfa_error(c, "Start SSP Failed (%i)", -EINVAL);
			return true;
		}
		sim_chip_log(c, "TF-A: SSP_REQ burnt");
	}
	c->mode = SIM_TFA_STAGE_A;
	tfa_error(c, "Provisioning");
	return true;
}

/* ------------------------------------------------------------------ */
/* ROM DFU callbacks (inferred)                                        */

static uint32_t rom_load_addr(const struct sim_chip *c)
{
	return c->series == SSP_SERIES_MP15 ? SIM_FW_LOAD_MP15 : SIM_FW_LOAD_MP13;
}

static int rom_download(struct sim_chip *c, uint8_t alt, const uint8_t *data, size_t len)
{
	size_t max = c->series == SSP_SERIES_MP15 ? MP15_ROM_MAX_IMAGE : MP13_ROM_MAX_IMAGE;

	if (sim_alt_phase(c, alt) != PHASE_FSBL) {
		sim_chip_log(c, "ROM: DNLOAD on alternate %u refused (not FSBL)", alt);
		return -EIO;
	}
	/* A download that starts from dfuIDLE is a new image. */
	if (c->dfu.state == DFU_IDLE) {
		c->img_len = 0;
		c->img_ready = false;
	}
	if (len > max - c->img_len) {
		sim_chip_log(c, "ROM: image larger than %zu bytes refused", max);
		return -EIO;
	}
	if (!c->img || c->img_cap < max) {
		uint8_t *p = realloc(c->img, max);

		if (!p)
			return -EIO;
		c->img = p;
		c->img_cap = max;
	}
	memcpy(c->img + c->img_len, data, len);
	c->img_len += len;
	return 0;
}

/*
 * What the ROM reports over DFU when authentication refuses an image:
 * INFERRED (spec §7.2 and §7.3 say only that a closed chip refuses it). The
 * zero-length DNLOAD is taken, GETSTATUS reports dfuERROR with errVERIFY
 * and nothing starts. The one place to change when the real reply is known.
 */
#define ROM_AUTH_REFUSED	DFU_ERR_VERIFY

/*
 * Spec §7.2, closed chip: the image key must match the OTP key hash (words
 * 24-31, big-endian per word). MP15: SHA-256(X||Y) of the header key. MP13:
 * the PKHTH of the image's key-hash table, whose entry at pk_idx must be the
 * signing key's hash (ssp_stm32_image_pkhth() checks that).
 */
static int rom_check_otp_key(struct sim_chip *c, const struct ssp_stm32_info *img)
{
	const struct ssp_otp_map *m = ssp_otp_map(c->series);
	uint8_t h[SSP_HASH_LEN], otp[SSP_HASH_LEN];
	int ret;

	for (unsigned int i = 0; i < SSP_OTP_PKH_WORDS; i++)
		ssp_put_be32(otp + 4 * i, c->otp.word[m->pkh + i]);
	if (c->series == SSP_SERIES_MP13) {
		ret = ssp_stm32_image_pkhth(img, h);
		if (ret) {
			sim_chip_log(c, "ROM: closed chip: image refused: %s",
				     ret == -ENOKEY ? "no authentication extension (unsigned image)" :
				     "the signing key is not the key table's entry at its index");
			return ROM_AUTH_REFUSED;
		}
	} else if (ssp_sha256(img->pub, SSP_PUB_LEN, h)) {
		return ROM_AUTH_REFUSED;
	}
	if (memcmp(h, otp, SSP_HASH_LEN)) {
		sim_chip_log(c, "ROM: closed chip: image refused: its %s does not match the OTP key hash",
			     c->series == SSP_SERIES_MP13 ? "key table's PKHTH" : "key's SHA-256");
		return ROM_AUTH_REFUSED;
	}
	return 0;
}

/* The image checks of the ROM at manifestation: header, authentication, and in stage C the OEM key. */
static int rom_manifest(struct sim_chip *c, uint8_t alt)
{
	bool closed = sim_chip_closed(c);
	struct ssp_stm32_info img;
	struct ssp_payload_plain hdr;
	struct ssp_license_info lic;
	uint8_t h1[SSP_HASH_LEN], h2[SSP_HASH_LEN];
	char ver[12];
	int ret;

	if (sim_alt_phase(c, alt) != PHASE_FSBL)
		return -EIO;
	c->img_failed = true;
	ret = ssp_stm32_image_parse(c->img, c->img_len, &img);
	if (ret && ret != -ENOTSUP) {
		sim_chip_log(c, "ROM: image of %zu bytes refused: bad STM32 header or checksum", c->img_len);
		return DFU_ERR_FIRMWARE;
	}
	if (ret || img.header_version != ssp_stm32_rom_header_version(c->series) ||
	    img.header_size != ssp_stm32_header_size(img.header_version)) {
		sim_chip_log(c, "ROM: image refused: STM32 header version %s (%zu bytes), this ROM takes v%s only",
			     ssp_stm32_version_name(img.header_version, ver), img.header_size,
			     c->series == SSP_SERIES_MP13 ? "2.0 (512 bytes)" : "1.0 (256 bytes)");
		return DFU_ERR_FIRMWARE;
	}
	/*
	 * Spec §7.2: an open chip starts an image whose authentication fails;
	 * a closed chip refuses it. Stage C keeps refusing (INFERRED, spec §3.2
	 * C1: the ROM authenticates TF-A SSP against the payload's OEM key).
	 */
	ret = ssp_stm32_image_verify(c->img, &img);
	if (ret) {
		const char *why = ret == -ENOKEY ? "no authentication extension (unsigned image)" :
				  "header signature does not verify";

		if (closed || c->ctx.ssp_cmd == SSP_CMD_PROV) {
			sim_chip_log(c, "ROM: image refused: %s (%s)", why,
				     closed ? "closed chip: authentication is mandatory" :
				     "stage C authenticates against the payload's OEM key");
			return ROM_AUTH_REFUSED;
		}
		sim_chip_log(c, "ROM: authentication failed: %s; open chip: the FSBL starts anyway", why);
	}
	if (closed) {
		ret = rom_check_otp_key(c, &img);
		if (ret)
			return ret;
	}
	if (c->ctx.ssp_cmd == SSP_CMD_PROV && c->ctx.blob_set) {
		if (!ssp_license_parse(c->ctx.blob, SSP_LIC_SIZE, &lic) &&
		    lic.fsbl_min_version > img.image_version) {
			sim_chip_log(c, "ROM: image version %u below the license fsbl_min_version %u: refused",
				     img.image_version, lic.fsbl_min_version);
			return DFU_ERR_VERIFY;
		}
		if (c->series == SSP_SERIES_MP15 &&
		    !ssp_payload_parse(c->ctx.blob + SSP_LIC_SIZE, ssp_payload_size(c->series),
				       c->series, &hdr)) {
			if (ssp_sha256(hdr.oem_pub, SSP_PUB_LEN, h1) || ssp_sha256(img.pub, SSP_PUB_LEN, h2) ||
			    memcmp(h1, h2, SSP_HASH_LEN)) {
				sim_chip_log(c, "ROM: image key is not the payload's oem_ecdsa_pubk: refused");
				return DFU_ERR_VERIFY;
			}
		}
		/* MP13: the image's key table must hash to the payload's oem_rpkth (PKHTH). */
		if (c->series == SSP_SERIES_MP13 &&
		    !ssp_payload_parse(c->ctx.blob + SSP_LIC_SIZE, ssp_payload_size(c->series),
				       c->series, &hdr)) {
			if (ssp_stm32_image_pkhth(&img, h1) || memcmp(h1, hdr.rpkth, SSP_HASH_LEN)) {
				sim_chip_log(c, "ROM: image key table's PKHTH is not the payload's oem_rpkth: refused");
				return DFU_ERR_VERIFY;
			}
		}
	}
	c->img_failed = false;
	c->img_ready = true;
	sim_chip_log(c, "ROM: image of %zu bytes verified (version %u)", c->img_len, img.image_version);
	return 0;
}

static int rom_upload(struct sim_chip *c, uint8_t alt, uint8_t *buf, size_t *len)
{
	if (sim_alt_phase(c, alt) != PHASE_CMD)
		return -EIO;
	/* Inferred ROM GetPhase: phase FSBL, address = load address, offset 0. */
	buf[0] = PHASE_FSBL;
	ssp_put_le32(buf + 1, rom_load_addr(c));
	ssp_put_le32(buf + 5, 0);
	*len = GET_PHASE_LEN;
	return 0;
}

/* MP15: the ROM jumps to the FSBL right after reporting dfuMANIFEST. */
static void rom_manifested(struct sim_chip *c)
{
	uint64_t extra;

	if (c->series != SSP_SERIES_MP15 || !c->img_ready)
		return;
	c->booting = true;
	extra = rom_process_ssp(c);
	sim_chip_log(c, "ROM: jump to FSBL; I/O errors until TF-A serves USB");
	schedule(c, SIM_EV_BOOTED, US(c->timing->fsbl_start_ms) + extra);
}

static void rom_detach(struct sim_chip *c)
{
	if (c->series != SSP_SERIES_MP13) {
		sim_chip_log(c, "ROM: DETACH ignored (MP15 starts on manifestation)");
		return;
	}
	if (!c->img_ready) {
		sim_chip_log(c, "ROM: DETACH without a verified image: ignored");
		return;
	}
	sim_chip_log(c, "ROM: DETACH -> start the FSBL (USB disconnect and re-enumeration)");
	c->next_is_tfa_boot = true;
	schedule(c, SIM_EV_DISCONNECT, US(c->timing->detach_ms));
}

static const struct sim_dfu_ops rom_ops = {
	.download = rom_download,
	.manifest = rom_manifest,
	.upload = rom_upload,
	.detach = rom_detach,
	.manifested = rom_manifested,
};

/* ------------------------------------------------------------------ */
/* TF-A SSP DFU callbacks (stm32cubeprogrammer_usb.c [T26])            */

static int tfa_download(struct sim_chip *c, uint8_t alt, const uint8_t *data, size_t len)
{
	uint32_t off;

	if (c->mode == SIM_TFA_PANIC || c->phase != sim_alt_phase(c, alt) || c->address == UNDEF_ADDR) {
		tfa_error(c, "phase ID :%i, alternate %i, address %x", c->phase, alt, c->address);
		return -EIO;
	}
	off = c->address - c->base;
	/* TF-A advances the address before its bound check, even on failure. */
	c->address += (uint32_t)len;
	if (off > c->len || len > c->len - off)
		return -EIO;
	memcpy(c->ctx.blob + off, data, len);
	if (off + len > c->ctx.blob_len)
		c->ctx.blob_len = off + len;
	return 0;
}

static int tfa_manifest(struct sim_chip *c, uint8_t alt)
{
	if (c->phase != sim_alt_phase(c, alt)) {
		sim_chip_log(c, "TF-A: Manifestation phase ID :%i, alternate %i", c->phase, alt);
		return -EIO;
	}
	if (c->phase == PHASE_SSP) {
		/* Configure End with request detach */
		c->phase = PHASE_FLASHLAYOUT;
		c->address = UNDEF_ADDR;
		c->len = 0;
		sim_chip_log(c, "TF-A: blob of %zu bytes received; detach requested", c->ctx.blob_len);
	} else {
		tfa_error(c, "Unknown phase");
	}
	return 0;
}

static int tfa_upload(struct sim_chip *c, uint8_t alt, uint8_t *buf, size_t *len)
{
	uint8_t ap = sim_alt_phase(c, alt);
	size_t n = GET_PHASE_LEN;

	if (ap == PHASE_CMD) {
		buf[0] = c->series == SSP_SERIES_MP15 && c->phase == PHASE_SSP ? PHASE_FLASHLAYOUT : c->phase;
		ssp_put_le32(buf + 1, c->address);
		ssp_put_le32(buf + 5, 0);
		if (c->phase == PHASE_FLASHLAYOUT && c->address == UNDEF_ADDR)
			buf[n++] = 0x01;	/* "Send detach request" */
		if (c->phase == PHASE_RESET) {
			size_t m = strlen(c->msg);

			memcpy(buf + GET_PHASE_LEN, c->msg, m);
			n = GET_PHASE_LEN + m;
		}
		*len = n;
		return 0;
	}
	if (ap == PHASE_SSP && c->mode != SIM_TFA_PANIC && c->mode != SIM_TFA_START_FAILED) {
		bool have = c->mode == SIM_TFA_STAGE_B;

		buf[0] = c->series == SSP_SERIES_MP15 ? PHASE_FLASHLAYOUT : c->phase;
		ssp_put_le32(buf + 1, have ? CERT_ADDR : 0);
		ssp_put_le32(buf + 5, 0);
		if (have) {
			memcpy(buf + n, c->cert, SSP_CERT_SIZE);
			if (sim_fault_has(&c->faults, SIM_FAULT_BAD_CERT))
				buf[n + SSP_CERT_OFF_SIG + 5] ^= 0x5A;	/* ST signature no longer verifies */
			n += SSP_CERT_SIZE;
		}
		*len = n;
		return 0;
	}
	tfa_error(c, "phase ID :%i, alternate %i for phase %i", c->phase, alt, ap);
	return -EIO;
}

static void tfa_detach(struct sim_chip *c)
{
	switch (c->mode) {
	case SIM_TFA_PANIC:
		sim_chip_log(c, "TF-A: DETACH ignored (panicked)");
		return;
	case SIM_TFA_STAGE_A:
		c->ctx.ssp_cmd = SSP_CMD_PUBK;
		break;
	case SIM_TFA_STAGE_B:
		/* ssp_download_phase() returns 0 on any DETACH: the ROM judges the blob. */
		c->ctx.blob_set = true;
		c->ctx.ssp_cmd = SSP_CMD_PROV;
		break;
	case SIM_TFA_START_FAILED:
		break;
	}
	sim_chip_log(c, "TF-A: DETACH -> ssp_cmd=%s, system reset", cmd_name(c->ctx.ssp_cmd));
	system_reset(c, US(c->timing->detach_ms));
}

static const struct sim_dfu_ops tfa_ops = {
	.download = tfa_download,
	.manifest = tfa_manifest,
	.upload = tfa_upload,
	.detach = tfa_detach,
	.manifested = NULL,
};

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static const struct sim_dfu_ops *firmware_ops(const struct sim_chip *c)
{
	if (c->kind == SIM_KIND_MP25)
		return &sim_mp25_rom_ops;
	if (c->kind == SIM_KIND_UBOOT)
		return &sim_uboot_ops;
	return c->stage == SIM_STAGE_ROM ? &rom_ops : &tfa_ops;
}

#define USB_TYPE_MASK		0x60
#define USB_TYPE_STANDARD	0x00
#define USB_TYPE_CLASS		0x20
#define USB_RECIP_MASK		0x1F
#define USB_RECIP_DEVICE	0x00
#define USB_RECIP_INTERFACE	0x01

static void std_request(struct sim_chip *c, const struct sim_setup *s, struct sim_reply *r)
{
	uint8_t recip = s->bmRequestType & USB_RECIP_MASK;
	int n;

	switch (s->bRequest) {
	case 0x00:	/* GET_STATUS */
		r->data[0] = r->data[1] = 0;
		r->len = 2;
		return;
	case 0x01:	/* CLEAR_FEATURE */
	case 0x03:	/* SET_FEATURE */
	case 0x05:	/* SET_ADDRESS */
		return;
	case 0x06:	/* GET_DESCRIPTOR */
		if (recip != USB_RECIP_DEVICE && !(recip == USB_RECIP_INTERFACE && (s->wValue >> 8) == 0x21))
			break;
		n = sim_desc_get(c, s->wValue >> 8, s->wValue & 0xFF, r->data, sizeof(r->data));
		if (n < 0)
			break;
		r->len = (size_t)n < s->wLength ? (size_t)n : s->wLength;
		return;
	case 0x08:	/* GET_CONFIGURATION */
		r->data[0] = c->config;
		r->len = 1;
		return;
	case 0x09:	/* SET_CONFIGURATION */
		if (s->wValue > 1)
			break;
		c->config = (uint8_t)s->wValue;
		return;
	case 0x0A:	/* GET_INTERFACE */
		r->data[0] = c->dfu.alt;
		r->len = 1;
		return;
	case 0x0B:	/* SET_INTERFACE: TF-A stores the low byte as is */
		c->dfu.alt = s->wValue & 0xFF;
		return;
	}
	r->status = -EPIPE;
	r->len = 0;
}

/* Which named step of the fault options this request is. */
static enum sim_step classify(const struct sim_chip *c, const struct sim_setup *s)
{
	uint8_t ap;

	if ((s->bmRequestType & USB_TYPE_MASK) != USB_TYPE_CLASS)
		return SIM_STEP_NONE;
	if (s->bRequest == DFU_DETACH)
		return SIM_STEP_DETACH;
	ap = sim_alt_phase(c, c->dfu.alt);
	if (s->bRequest == DFU_UPLOAD && ap == PHASE_CMD)
		return SIM_STEP_PHASE;
	if (c->stage == SIM_STAGE_ROM)
		return s->bRequest == DFU_DNLOAD && s->wLength && ap == PHASE_FSBL ? SIM_STEP_LOAD : SIM_STEP_NONE;
	if (s->bRequest == DFU_UPLOAD && ap == PHASE_SSP)
		return SIM_STEP_CERT;
	if (s->bRequest == DFU_DNLOAD && ap == PHASE_SSP)
		return SIM_STEP_LICENSE;
	return SIM_STEP_NONE;
}

static enum sim_step stage_step(const struct sim_chip *c)
{
	if (c->stage != SIM_STAGE_TFA)
		return SIM_STEP_NONE;
	return c->mode == SIM_TFA_STAGE_A ? SIM_STEP_STAGE_A :
	       c->mode == SIM_TFA_STAGE_B ? SIM_STEP_STAGE_B : SIM_STEP_NONE;
}

static bool fault_at(struct sim_chip *c, enum sim_fault_kind k, enum sim_step step, enum sim_step stage)
{
	if (step != SIM_STEP_NONE && sim_fault_fire(&c->faults, k, step))
		return true;
	return stage != SIM_STEP_NONE && sim_fault_fire(&c->faults, k, stage);
}

static void power_loss(struct sim_chip *c, const char *why)
{
	sim_chip_log(c, "fault %s: the chip loses power and drops off the bus", why);
	c->power_cycle = true;
	c->next_is_tfa_boot = false;
	schedule(c, SIM_EV_DISCONNECT, 0);
}

void sim_chip_control(struct sim_chip *c, uint64_t now_us, const struct sim_setup *s,
		      const uint8_t *out, size_t out_len, struct sim_reply *r)
{
	enum sim_step step, stage;
	bool is_class = (s->bmRequestType & USB_TYPE_MASK) == USB_TYPE_CLASS;
	bool in = s->bmRequestType & 0x80;

	c->now_us = now_us;
	r->status = 0;
	r->len = 0;
	r->delay_us = c->timing->ctrl_us + (uint32_t)(((uint64_t)(in ? s->wLength : out_len) *
						       c->timing->per_kib_us) / 1024);
	r->delay_us += sim_fault_arg(&c->faults, SIM_FAULT_SLOW) * 1000u;
	if (c->hung || !c->on_bus || (c->ev == SIM_EV_DISCONNECT && c->power_cycle)) {
		r->status = SIM_NO_REPLY;
		return;
	}
	if (c->booting) {
		/* MP15 ROM jumped to the FSBL: the host sees I/O errors (spec §1.2, [DH]). */
		r->status = -EPROTO;
		return;
	}
	step = classify(c, s);
	stage = stage_step(c);
	if (fault_at(c, SIM_FAULT_HANG, step, stage)) {
		sim_chip_log(c, "fault hang:%s: no more replies (UNLINK still answered)",
			     sim_step_name(step != SIM_STEP_NONE ? step : stage));
		c->hung = true;
		c->ev = SIM_EV_NONE;
		r->status = SIM_NO_REPLY;
		return;
	}
	if (fault_at(c, SIM_FAULT_STALL, step, stage)) {
		sim_chip_log(c, "fault stall:%s: request 0x%02x stalled",
			     sim_step_name(step != SIM_STEP_NONE ? step : stage), s->bRequest);
		r->status = -EPIPE;
		return;
	}
	if (fault_at(c, SIM_FAULT_DFU_ERROR, step, stage)) {
		/* TF-A's usb_dfu.c on a callback error (spec §2.1 UPLOAD): stall and dfuERROR. */
		sim_chip_log(c, "fault dfu-error:%s: request 0x%02x stalled, dfuERROR/errSTALLEDPKT",
			     sim_step_name(step != SIM_STEP_NONE ? step : stage), s->bRequest);
		c->dfu.state = DFU_ERROR;
		c->dfu.status = DFU_ERR_STALLEDPKT;
		r->status = -EPIPE;
		return;
	}
	if (fault_at(c, SIM_FAULT_DISCONNECT, step, stage)) {
		power_loss(c, "disconnect");
		r->status = SIM_NO_REPLY;
		return;
	}

	if (!is_class) {
		std_request(c, s, r);
	} else if ((s->bmRequestType & USB_RECIP_MASK) == USB_RECIP_INTERFACE && (s->wIndex & 0xFF) == 0) {
		if (s->bRequest == DFU_DNLOAD && s->wLength && out_len != s->wLength) {
			r->status = -EPIPE;	/* short data stage: cannot happen on a real bus */
			return;
		}
		sim_dfu_request(c, &c->dfu, firmware_ops(c), s, out, out_len, r);
		/* A UPLOAD/GETSTATUS reply is not clipped to wLength: an ep0 packet longer
		 * than the host still expects is babble. */
		if (r->status == 0 && in && r->len > s->wLength) {
			if (s->wLength % 64) {
				r->status = -EOVERFLOW;
				r->len = s->wLength;
			} else {
				r->len = s->wLength;
			}
		}
		if (r->status == 0 && s->bRequest == DFU_DNLOAD && s->wLength) {
			unsigned int n = sim_fault_arg(&c->faults, SIM_FAULT_DISCONNECT_BLOCKS);

			c->dnload_blocks++;
			if (n && c->dnload_blocks >= n &&
			    sim_fault_fire(&c->faults, SIM_FAULT_DISCONNECT_BLOCKS, SIM_STEP_NONE))
				power_loss(c, "disconnect-after-blocks");
		}
		if (s->bRequest == DFU_GETSTATUS && c->bad_status_next && r->len == 6) {
			c->bad_status_next = false;
			r->len = 3;
		}
	} else {
		r->status = -EPIPE;
	}
	if (r->status == 0 && fault_at(c, SIM_FAULT_BAD_REPLY, step, stage)) {
		sim_chip_log(c, "fault bad-reply:%s", sim_step_name(step != SIM_STEP_NONE ? step : stage));
		if (r->len)
			r->len /= 2;
		else
			c->bad_status_next = true;
	}
}

uint64_t sim_chip_next_event(const struct sim_chip *c)
{
	return c->ev == SIM_EV_NONE || c->hung ? UINT64_MAX : c->ev_at_us;
}

enum sim_action sim_chip_run_event(struct sim_chip *c, uint64_t now_us)
{
	enum sim_event ev = c->ev;
	uint64_t extra;

	c->now_us = now_us;
	if (c->hung)
		return SIM_ACT_NONE;
	c->ev = SIM_EV_NONE;
	if (ev != SIM_EV_NONE)
		c->modelled_event_us += c->ev_at_us - c->ev_set_us;
	switch (ev) {
	case SIM_EV_NONE:
		return SIM_ACT_NONE;
	case SIM_EV_BOOTED:
		tfa_boot(c);
		return SIM_ACT_NONE;
	case SIM_EV_DISCONNECT:
		c->on_bus = false;
		c->booting = false;
		if (c->power_cycle) {
			/* SYSRAM is lost with the power. */
			memset(&c->ctx, 0, sizeof(c->ctx));
			c->next_is_tfa_boot = false;
		}
		if (c->next_is_tfa_boot) {
			extra = rom_process_ssp(c);
			schedule(c, SIM_EV_ATTACH, US(c->timing->mp13_fsbl_start_ms) + extra);
		} else {
			schedule(c, SIM_EV_ATTACH, US(c->timing->reset_ms) + US(c->timing->rom_boot_ms));
		}
		return SIM_ACT_DETACH;
	case SIM_EV_ATTACH:
		c->power_cycle = false;
		if (c->next_is_tfa_boot) {
			c->next_is_tfa_boot = false;
			if (!tfa_boot(c))
				return SIM_ACT_NONE;	/* stage C: no USB */
		} else {
			rom_enter(c);
		}
		c->on_bus = true;
		c->config = 0;
		sim_chip_log(c, "USB attach as %s", c->stage == SIM_STAGE_ROM ? "ROM" : "TF-A");
		return SIM_ACT_ATTACH;
	}
	return SIM_ACT_NONE;
}

void sim_chip_power_on(struct sim_chip *c, uint64_t now_us)
{
	c->now_us = now_us;
	memset(&c->ctx, 0, sizeof(c->ctx));
	c->ev = SIM_EV_NONE;
	c->hung = false;
	c->power_cycle = false;
	c->next_is_tfa_boot = false;
	rom_enter(c);
	c->on_bus = true;
}

/*
 * DIR/<serial>/modelled.json: the modelled device time so far (see
 * struct sim_chip), for `make bench`. Written when the daemon stops.
 */
void sim_chip_write_modelled(const struct sim_chip *c)
{
	char path[PATH_MAX + 32], buf[256];
	struct ssp_err e = { 0 };
	int len;

	if (!c->dir[0])
		return;
	snprintf(path, sizeof(path), "%s/modelled.json", c->dir);
	len = snprintf(buf, sizeof(buf),
		       "{\"timing\": \"%s\", \"ctrl_us\": %llu, \"event_us\": %llu, \"requests\": %llu}\n",
		       c->timing->name, (unsigned long long)c->modelled_ctrl_us,
		       (unsigned long long)c->modelled_event_us,
		       (unsigned long long)c->modelled_requests);
	if (ssp_write_file_atomic(path, buf, len, 0644, &e))
		fprintf(stderr, "sspsim: chip %s: %s\n", c->serial, e.msg);
}

void sim_chip_free(struct sim_chip *c)
{
	free(c->img);
	c->img = NULL;
	ssp_wipe(c->chip_priv, sizeof(c->chip_priv));
	ssp_wipe(&c->ctx, sizeof(c->ctx));
}
