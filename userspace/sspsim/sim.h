/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sspsim: simulated STM32MP15/MP13 chips (ROM code + TF-A SSP) served to the
 * kernel over USB/IP. The chip model (chip.c, dfu.c, descriptors.c, otp.c)
 * does no I/O besides its state files: it takes control requests and a
 * clock value and returns replies and timed events, so the host unit tests
 * drive it directly and the daemon (daemon.c, usbip.c) only moves bytes.
 * Documentation/sspsim.rst describes what is modelled from which source.
 */
#ifndef SSPSIM_SIM_H
#define SSPSIM_SIM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define SIM_MAX_CHIPS		64
#define SIM_SERIAL_LEN		24
#define SIM_REPLY_MAX		4096
#define SIM_XFER_SIZE		1024	/* wTransferSize */
#define SIM_MSG_MAX		246	/* TF-A buffer (255) minus the 9-byte GetPhase header */

/* ---- timing (timing.c) ---- */
struct sim_timing {
	const char *name;
	unsigned int ctrl_us;		/* one control transfer without data */
	unsigned int per_kib_us;	/* extra per KiB of data stage */
	unsigned int rom_boot_ms;	/* reset released -> ROM enumerated */
	unsigned int fsbl_start_ms;	/* image start -> TF-A serving USB (MP15 I/O-error window) */
	unsigned int mp13_fsbl_start_ms;	/* MP13: DETACH -> TF-A enumerated */
	unsigned int keygen_ms;		/* ROM chip ECIES key pair computation */
	unsigned int license_ms;	/* ROM ECDH + KDF + 2 x GCM in stage C */
	unsigned int detach_ms;		/* DETACH -> soft disconnect */
	unsigned int reset_ms;		/* disconnect -> reset pulse done */
	unsigned int otp_word_us;	/* program + verify + lock of one OTP word */
};

const struct sim_timing *sim_timing_get(const char *name);

/* ---- faults (fault.c) ---- */
enum sim_step {
	SIM_STEP_NONE = 0,
	SIM_STEP_LOAD,		/* DNLOAD of the firmware to the ROM FSBL alternate */
	SIM_STEP_PHASE,		/* GetPhase (UPLOAD on @virtual) */
	SIM_STEP_CERT,		/* certificate UPLOAD in stage B */
	SIM_STEP_LICENSE,	/* DNLOAD of license||payload in stage B */
	SIM_STEP_DETACH,	/* DFU_DETACH */
	SIM_STEP_STAGE_A,	/* any request served by TF-A in stage A */
	SIM_STEP_STAGE_B,	/* any request served by TF-A in stage B */
	SIM_STEP_STAGE_C,	/* TF-A stage C (no USB: OTP programming) */
	SIM_STEP_COUNT,
};

enum sim_fault_kind {
	SIM_FAULT_STALL,
	SIM_FAULT_DISCONNECT,
	SIM_FAULT_DISCONNECT_BLOCKS,
	SIM_FAULT_HANG,
	SIM_FAULT_BAD_CERT,
	SIM_FAULT_BAD_DESCRIPTOR,
	SIM_FAULT_BAD_REPLY,
	SIM_FAULT_SLOW,
	SIM_FAULT_DFU_ERROR,		/* stall AND dfuERROR/errSTALLEDPKT: CLRSTATUS needed */
	SIM_FAULT_TWO_INTERFACES,	/* a second DFU interface, a copy of the first */
	SIM_FAULT_LONG_SERIAL,		/* the serial string goes on past the 24-digit UID */
	SIM_FAULT_FOREIGN_FSBL,		/* the started FSBL names a chip ID no driver knows */
	SIM_FAULT_MANY_ALTS,		/* 128 alternate settings */
};

struct sim_fault {
	int chip;			/* chip index, -1 = all */
	enum sim_fault_kind kind;
	enum sim_step step;
	unsigned int arg;		/* blocks for disconnect-after-blocks, ms for slow */
	unsigned int count;		/* times left to fire; 0 = every time */
	bool spent;
};

#define SIM_MAX_FAULTS 16
struct sim_faults {
	struct sim_fault f[SIM_MAX_FAULTS];
	unsigned int n;
};

int sim_fault_parse(const char *spec, struct sim_fault *out, char *err, size_t errlen);
const char *sim_step_name(enum sim_step s);
/* Does a fault of this kind fire at this step now? Consumes one shot. */
bool sim_fault_fire(struct sim_faults *fs, enum sim_fault_kind kind, enum sim_step step);
bool sim_fault_has(const struct sim_faults *fs, enum sim_fault_kind kind);
unsigned int sim_fault_arg(const struct sim_faults *fs, enum sim_fault_kind kind);

/* ---- OTP (otp.c) ---- */
struct sim_otp {
	uint32_t word[SSP_OTP_WORDS];
	uint32_t lock[(SSP_OTP_WORDS + 31) / 32];
	char path[PATH_MAX];		/* otp.bin; empty: not persisted (tests) */
	bool defer;			/* a burst: saved once by sim_otp_flush() */
	bool dirty;
};

int sim_otp_load(struct sim_otp *o, const char *path);
int sim_otp_save(const struct sim_otp *o);
int sim_otp_flush(struct sim_otp *o);
bool sim_otp_locked(const struct sim_otp *o, unsigned int w);
/* OR bits into a word as BSEC does (OTP bits only go 0 -> 1); -EPERM if locked. */
int sim_otp_program(struct sim_otp *o, unsigned int w, uint32_t val);
int sim_otp_lock(struct sim_otp *o, unsigned int w);

/*
 * What the simulated device is: an STM32MP15/MP13 chip (ROM + TF-A SSP), an
 * MP25 ROM (identified, generic DFU, no SSP model: spec §7.4) or U-Boot's
 * stm32prog gadget (an ST DFU device that is no STM32MP ROM/FSBL).
 */
enum sim_kind {
	SIM_KIND_STM32MP = 0,
	SIM_KIND_MP25,
	SIM_KIND_UBOOT,
};

/* ---- descriptors (descriptors.c) ---- */
enum sim_stage {
	SIM_STAGE_ROM,
	SIM_STAGE_TFA,
};

struct sim_chip;
/* Fill buf with the descriptor (type, index); returns its length or -1 (stall). */
int sim_desc_get(const struct sim_chip *c, uint8_t type, uint8_t index, uint8_t *buf, size_t max);
unsigned int sim_desc_nalts(const struct sim_chip *c);
const char *sim_desc_alt_name(const struct sim_chip *c, unsigned int alt);
void sim_desc_product(const struct sim_chip *c, char *out, size_t len);
/* The serial string the device reports (the UID, longer with long-serial). */
void sim_desc_serial(const struct sim_chip *c, char *out, size_t len);
/* Phase ID the running firmware maps the alternate to (usb_dfu_get_phase()). */
uint8_t sim_alt_phase(const struct sim_chip *c, unsigned int alt);

/* ---- DFU (dfu.c): the state machine of TF-A's usb_dfu.c, shared by ROM and TF-A ---- */
enum dfu_state {
	DFU_APP_IDLE = 0, DFU_APP_DETACH = 1, DFU_IDLE = 2, DFU_DNLOAD_SYNC = 3,
	DFU_DNLOAD_BUSY = 4, DFU_DNLOAD_IDLE = 5, DFU_MANIFEST_SYNC = 6, DFU_MANIFEST = 7,
	DFU_MANIFEST_WAIT_RESET = 8, DFU_UPLOAD_IDLE = 9, DFU_ERROR = 10,
};

enum dfu_status {
	DFU_OK = 0x00, DFU_ERR_FILE = 0x02, DFU_ERR_WRITE = 0x03, DFU_ERR_VERIFY = 0x07,
	DFU_ERR_ADDRESS = 0x08, DFU_ERR_FIRMWARE = 0x0A, DFU_ERR_UNKNOWN = 0x0E,
	DFU_ERR_STALLEDPKT = 0x0F,
};

enum dfu_req {
	DFU_DETACH = 0, DFU_DNLOAD = 1, DFU_UPLOAD = 2, DFU_GETSTATUS = 3,
	DFU_CLRSTATUS = 4, DFU_GETSTATE = 5, DFU_ABORT = 6,
};

struct sim_dfu {
	enum dfu_state state;
	enum dfu_status status;
	uint8_t alt;
	uint8_t poll_ms;		/* bwPollTimeout of the next MANIFEST report */
};

/* Callbacks into the firmware running the DFU loop (chip.c). 0 or -EIO. */
struct sim_dfu_ops {
	int (*download)(struct sim_chip *c, uint8_t alt, const uint8_t *data, size_t len);
	int (*manifest)(struct sim_chip *c, uint8_t alt);
	int (*upload)(struct sim_chip *c, uint8_t alt, uint8_t *buf, size_t *len);
	void (*detach)(struct sim_chip *c);
	/* GETSTATUS reported dfuMANIFEST (MP15 ROM jumps after it). */
	void (*manifested)(struct sim_chip *c);
};

/* A control request, as the setup packet gives it (host byte order). */
struct sim_setup {
	uint8_t bmRequestType;
	uint8_t bRequest;
	uint16_t wValue;
	uint16_t wIndex;
	uint16_t wLength;
};

#define SIM_NO_REPLY	1	/* status value: the request is never answered (hang) */

struct sim_reply {
	int status;			/* 0, -EPIPE (stall), -EPROTO (I/O error), SIM_NO_REPLY */
	size_t len;			/* IN data length */
	uint32_t delay_us;		/* when the reply is due, from now */
	uint8_t data[SIM_REPLY_MAX];
};

void sim_dfu_reset(struct sim_dfu *d);
/* Handle a DFU class request; fills r (status, data). */
void sim_dfu_request(struct sim_chip *c, struct sim_dfu *d, const struct sim_dfu_ops *ops,
		     const struct sim_setup *s, const uint8_t *out, size_t out_len,
		     struct sim_reply *r);

/* ---- chip (chip.c) ---- */
enum sim_event {
	SIM_EV_NONE,
	SIM_EV_BOOTED,		/* MP15: the FSBL finished booting on the same device */
	SIM_EV_DISCONNECT,	/* drop off the bus now */
	SIM_EV_ATTACH,		/* come back on the bus */
};

enum sim_action {
	SIM_ACT_NONE,
	SIM_ACT_DETACH,		/* transport: detach from vhci */
	SIM_ACT_ATTACH,		/* transport: attach to vhci (same port) */
};

enum sim_tfa_mode {
	SIM_TFA_STAGE_A,	/* "Provisioning", waits for DETACH -> PUBK */
	SIM_TFA_STAGE_B,	/* certificate out, license+payload in, DETACH -> PROV */
	SIM_TFA_PANIC,		/* closed chip: panicked before USB (spec §7.3), silent */
	SIM_TFA_START_FAILED,	/* "Start SSP Failed": message, DETACH resets */
};

struct sim_boot_ctx {		/* SYSRAM, kept across the SSP resets */
	uint32_t ssp_cmd;
	bool have_chip_pub;
	uint8_t chip_pub[SSP_PUB_LEN];
	uint8_t blob[SSP_LIC_SIZE + SSP_PAYLOAD_SIZE_MP15];
	size_t blob_len;		/* bytes the TF-A received */
	bool blob_set;			/* p_blob_license/p_blob_payload set by TF-A */
	bool rom_ok;			/* ROM decrypted the secrets (PROA) */
	uint8_t secrets[SSP_SECRETS_MAX];	/* decrypted in place: RMA word || secrets */
	uint32_t secret_size;
	uint8_t pkh_src[SSP_PUB_LEN];	/* oem_ecdsa_pubk (MP15) or oem_rpkth (MP13) */
};

struct sim_chip {
	/* identity and persistent state */
	enum sim_kind kind;
	enum ssp_series series;		/* OTP layout (MP15's for MP25 and U-Boot) */
	unsigned int index;
	char serial[SIM_SERIAL_LEN + 1];
	char dir[PATH_MAX];		/* DIR/<serial>; empty: no files (tests) */
	struct sim_otp otp;
	uint8_t chip_priv[SSP_PRIV_LEN];
	uint8_t chip_pub[SSP_PUB_LEN];
	const struct sim_timing *timing;
	struct sim_faults faults;

	/* what runs now */
	enum sim_stage stage;
	bool on_bus;			/* attached to the host */
	bool booting;			/* MP15: jumped to the FSBL, not serving yet */
	bool hung;			/* hang fault: never answers again */
	enum sim_tfa_mode mode;
	struct sim_dfu dfu;
	struct sim_boot_ctx ctx;
	uint8_t config;			/* bConfigurationValue */

	/* ROM image loader */
	uint8_t *img;
	size_t img_len, img_cap;
	bool img_ready;			/* MP13: verified, waits for DETACH */
	bool img_failed;

	/* TF-A DFU state (stm32cubeprogrammer_usb.c dfu_state) */
	uint8_t phase;
	uint32_t address, base, len;
	char msg[SIM_MSG_MAX + 1];
	uint8_t cert[SSP_CERT_SIZE];

	/* fault bookkeeping */
	uint64_t dnload_blocks;
	bool bad_status_next;

	/* one pending timed event */
	enum sim_event ev;
	uint64_t ev_at_us;
	uint64_t ev_set_us;		/* when it was scheduled */
	enum sim_stage next_stage;	/* for SIM_EV_ATTACH */
	bool next_is_tfa_boot;		/* SIM_EV_ATTACH runs the FSBL (MP13 start) */
	bool power_cycle;		/* disconnect fault: SYSRAM lost */

	uint64_t now_us;		/* clock of the current call */

	/*
	 * Modelled device time since power-on (the timing model's delays the
	 * host had to wait for): reply delays of control transfers and the
	 * delays of timed events that fired. `make bench` subtracts it from
	 * wall time to get what the host adds (sim_chip_write_modelled).
	 */
	uint64_t modelled_ctrl_us;
	uint64_t modelled_event_us;
	uint64_t modelled_requests;
};

/* Persistent chip store (store.c). */
struct sim_store {
	char dir[PATH_MAX];
	uint8_t st_priv[SSP_PRIV_LEN];
	uint8_t st_pub[SSP_PUB_LEN];
};

int sim_store_open(struct sim_store *st, const char *dir, char *err, size_t errlen);
/* Create a new chip (UID, seed, factory OTP) or load an existing one. */
int sim_chip_create(struct sim_chip *c, const struct sim_store *st, enum ssp_series series,
		    unsigned int index, char *err, size_t errlen);
/* The same for any kind; mp25 and uboot take series MP15 (UID layout only). */
int sim_chip_create_kind(struct sim_chip *c, const struct sim_store *st, enum sim_kind kind,
			 enum ssp_series series, unsigned int index, char *err, size_t errlen);
int sim_chip_load(struct sim_chip *c, const struct sim_store *st, const char *serial,
		  char *err, size_t errlen);
/* List the chips in DIR (serials, in creation order). Returns the count or -errno. */
int sim_store_list(const char *dir, char serials[][SIM_SERIAL_LEN + 1], unsigned int max,
		   enum ssp_series *series, enum sim_kind *kinds);
/* "mp15", "mp13", "mp25" or "uboot": the --series name of a chip. */
const char *sim_model_name(enum sim_kind kind, enum ssp_series series);

/* MP25 ROM and U-Boot DFU callbacks (other.c). */
extern const struct sim_dfu_ops sim_mp25_rom_ops;
extern const struct sim_dfu_ops sim_uboot_ops;
void sim_chip_free(struct sim_chip *c);

/* Chip model. */
void sim_chip_power_on(struct sim_chip *c, uint64_t now_us);
void sim_chip_control(struct sim_chip *c, uint64_t now_us, const struct sim_setup *s,
		      const uint8_t *out, size_t out_len, struct sim_reply *r);
/* Time of the next event, or UINT64_MAX. */
uint64_t sim_chip_next_event(const struct sim_chip *c);
enum sim_action sim_chip_run_event(struct sim_chip *c, uint64_t now_us);
void sim_chip_write_modelled(const struct sim_chip *c);
void sim_chip_log(struct sim_chip *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The daemon also copies chip log lines to its own log (stderr). */
extern bool sim_log_to_stderr;
bool sim_chip_closed(const struct sim_chip *c);

/* Firmware image for `sspsim mkfw` (chip.c uses the same constants). */
#define SIM_FW_LOAD_MP15	0x2FFC2400u
#define SIM_FW_LOAD_MP13	0x2FFE0000u
#define SIM_FW_DEFAULT_SIZE	(32 * 1024)
#define SIM_TEST_OEM_LABEL	"sspsim test OEM key"

#endif /* SSPSIM_SIM_H */
