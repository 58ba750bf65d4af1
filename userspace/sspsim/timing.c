// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timing model. `fast` keeps every delay that the protocol needs to be
 * observable (the MP15 I/O-error window after an image start, the gap
 * between DETACH and the disconnect) and drops the rest. `realistic` uses
 * the values of Documentation/sspsim.rst, each with its source or reasoning.
 */
#include <string.h>

#include "sim.h"

static const struct sim_timing timings[] = {
	{
		.name = "fast",
		.ctrl_us = 0, .per_kib_us = 0,
		.rom_boot_ms = 5, .fsbl_start_ms = 30, .mp13_fsbl_start_ms = 10,
		.keygen_ms = 0, .license_ms = 0,
		.detach_ms = 5, .reset_ms = 5, .otp_word_us = 0,
	},
	{
		.name = "realistic",
		/* HS control transfer: setup, data and status in >= 3 microframes (125 us). */
		.ctrl_us = 500,
		/* 1 KiB = 16 ep0 packets of 64 bytes, each handled by TF-A's polled DWC2 loop. */
		.per_kib_us = 1000,
		/* Reset released -> ROM code enumerated on USB. */
		.rom_boot_ms = 300,
		/* ROM ECDSA check of the FSBL header + TF-A BL2 init up to usb_dfu_loop. */
		.fsbl_start_ms = 400,
		/* snagboot waits 1.5 s after DETACH on MP13 before re-opening: an upper bound. */
		.mp13_fsbl_start_ms = 1000,
		/* P-256 key pair in ROM software on a Cortex-A7 (no PKA on MP15). */
		.keygen_ms = 150,
		/* ECDH + X9.63 KDF + two AES-GCM decryptions in ROM. */
		.license_ms = 200,
		/* TF-A serves 100 more interrupt iterations after DETACH, then soft-disconnects. */
		.detach_ms = 10,
		/* TF-A sets a 31 ms minimum reset pulse (RCC_RDLSICR MRD) without PMIC. */
		.reset_ms = 31,
		/* BSEC program + read-back + permanent lock of one word. */
		.otp_word_us = 1000,
	},
};

const struct sim_timing *sim_timing_get(const char *name)
{
	for (size_t i = 0; i < sizeof(timings) / sizeof(timings[0]); i++)
		if (!strcmp(timings[i].name, name))
			return &timings[i];
	return NULL;
}
