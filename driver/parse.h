/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stm32_ssp: the driver's pure parsers (ident.c, decode.c): what the chip
 * says about itself and what it sends back, decoded from a buffer and its
 * length with no USB in sight. Kept apart from ssp.h so that userspace/fuzz
 * builds these files, and this header, unchanged.
 */
#ifndef _SSP_PARSE_H
#define _SSP_PARSE_H

#include <linux/types.h>

#include <linux/stm32_ssp.h>

/* Alternates mapped; struct stm32_ssp_info reports them all. */
#define SSP_MAX_ALTS		STM32_SSP_INFO_ALTS
#define SSP_PRODUCT_LEN		128
#define SSP_CERT_REPLY_LEN	(9 + STM32_SSP_CERT_LEN)
/* A USB port path with its NUL (portpath.c); equals ssp.h's SSP_PORT_LEN. */
#define SSP_PORT_PATH_LEN	32
/* Tiers below the root hub: the USB core refuses a hub nested deeper. */
#define SSP_PORT_DEPTH		6

/**
 * struct ssp_alt - one alternate setting, from its name "@name /0xPP/N*SSu"
 * @phase: ST phase ID
 * @alt: bAlternateSetting
 * @size: capacity in bytes (N * SS * unit), 0 when the name gives none
 * @name: the name as read (ssp_read_ident()), for STM32_SSP_IOC_GET_INFO
 */
struct ssp_alt {
	u8 phase;
	u8 alt;
	u32 size;
	char name[STM32_SSP_ALT_NAME_LEN];
};

/**
 * struct ssp_ident - what the product string and alternate names say
 * @chip_id: SSP_CHIP_*
 * @revision: "@Revision ID /0xRRRR"
 * @stage: STM32_SSP_STAGE_ROM or STM32_SSP_STAGE_FSBL
 * @product: the product string
 * @num_alts: valid entries of @alts
 * @alts: phase map
 */
struct ssp_ident {
	u32 chip_id;
	u32 revision;
	enum stm32_ssp_stage stage;
	char product[SSP_PRODUCT_LEN];
	unsigned int num_alts;
	struct ssp_alt alts[SSP_MAX_ALTS];
};

/* ident.c */
int ssp_parse_product(const char *s, struct ssp_ident *id);
int ssp_parse_alt_name(const char *s, struct ssp_alt *alt);
const struct ssp_alt *ssp_find_alt(const struct ssp_ident *id, u8 phase);
const char *ssp_stage_str(enum stm32_ssp_stage stage);
const char *ssp_state_str(enum stm32_ssp_state state);

/* decode.c: pure functions, no USB (fuzzed in userspace/fuzz) */
int ssp_phase_decode(struct stm32_ssp_phase *ph, const u8 *buf, int len);
int ssp_cert_decode(struct stm32_ssp_cert *cert, const u8 *buf, int len, u8 phase);
int ssp_string_decode(char *s, size_t size, const u8 *buf, int len);

/* portpath.c */
int ssp_port_parse(const char *port, unsigned int *busnum, char *devpath);

#endif /* _SSP_PARSE_H */
