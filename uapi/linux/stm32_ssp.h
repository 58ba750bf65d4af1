/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * stm32_ssp: Secure Secret Provisioning of STM32MP chips over USB DFU.
 *
 * Userspace API of /dev/sspN (ioctls) and of the generic netlink family
 * "stm32_ssp". Documentation/userspace-api/stm32_ssp.rst describes every
 * ioctl, field and errno.
 *
 * ABI rules (openat2()/clone3() style, see "Struct sizes" in the
 * documentation): every ioctl struct starts with @size and @flags. @size is
 * the size of the struct userspace was built with: at least the struct's
 * STM32_SSP_*_SIZE_VER0 (else EINVAL), at most a page (else E2BIG); bytes
 * past the driver's struct must be zero (else E2BIG), fields the driver has
 * and the caller lacks count as zero. Out: the driver writes back
 * min(@size, its size) bytes, with @size set to that number. Fields are only
 * ever added at the end. @flags and every reserved field must be zero,
 * pointers are __u64, and there is no implicit padding. The driver
 * dispatches on the ioctl type and number only, so the size encoded in the
 * command does not have to match @size. Grown so far: struct stm32_ssp_info
 * (VER1, the phase map).
 */
#ifndef _UAPI_LINUX_STM32_SSP_H
#define _UAPI_LINUX_STM32_SSP_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Chip identifiers, from "@Device ID /0x%03X" in the product string. */
#define STM32_SSP_CHIP_MP15		0x500
#define STM32_SSP_CHIP_MP13		0x501
#define STM32_SSP_CHIP_MP25		0x505

/* ST DFU phase identifiers, from "/0xNN" in the alternate-setting names. */
#define STM32_SSP_PHASE_FLASHLAYOUT	0x00
#define STM32_SSP_PHASE_FSBL		0x01
#define STM32_SSP_PHASE_VIRTUAL	0xf1
#define STM32_SSP_PHASE_OTP		0xf2
#define STM32_SSP_PHASE_SSP		0xf3
#define STM32_SSP_PHASE_RESET		0xff

/* Longest GetPhase reply the driver reads (the upload is made with it). */
#define STM32_SSP_PHASE_REPLY_MAX	512
#define STM32_SSP_CERT_LEN		136
#define STM32_SSP_LICENSE_LEN		136
/* Longest license + payload blob accepted by STM32_SSP_IOC_SEND_LICENSE. */
#define STM32_SSP_BLOB_MAX		4096
/*
 * Longest image accepted by STM32_SSP_IOC_LOAD_FW, whatever the alternate's name
 * advertises: the largest FSBL alternate of an STM32MP ROM (MP15
 * "@FSBL /0x01/1*1Me"); the image runs from SYSRAM (256 KiB on MP15,
 * 128 KiB on MP13), so a real one is far smaller.
 */
#define STM32_SSP_IMAGE_MAX		(1024 * 1024)

/**
 * enum stm32_ssp_stage - which firmware answers on the chip's USB port
 * @STM32_SSP_STAGE_UNKNOWN: not known yet (device absent or not answering)
 * @STM32_SSP_STAGE_ROM: the boot ROM ("DFU in HS Mode @Device ID ...")
 * @STM32_SSP_STAGE_FSBL: a first-stage boot loader started by the ROM, e.g. the
 *	TF-A SSP firmware ("DFU @Device ID ...")
 */
enum stm32_ssp_stage {
	STM32_SSP_STAGE_UNKNOWN = 0,
	STM32_SSP_STAGE_ROM = 1,
	STM32_SSP_STAGE_FSBL = 2,
};

/**
 * enum stm32_ssp_state - life of a slot (one chip on one USB port)
 * @STM32_SSP_STATE_READY: the chip is attached and answers
 * @STM32_SSP_STATE_BOOTING: an image was started on the same USB device (MP15)
 *	and the driver waits for the new firmware to answer
 * @STM32_SSP_STATE_ABSENT: the chip left the bus (reset); the slot waits for it to
 *	come back on the same port with the same serial
 * @STM32_SSP_STATE_GONE: the slot has ended (grace period expired, another chip
 *	on the port, module unload); only close() is useful now
 */
enum stm32_ssp_state {
	STM32_SSP_STATE_READY = 1,
	STM32_SSP_STATE_BOOTING = 2,
	STM32_SSP_STATE_ABSENT = 3,
	STM32_SSP_STATE_GONE = 4,
};

/* Entries of struct stm32_ssp_info.alts: the driver maps 16 at most. */
#define STM32_SSP_INFO_ALTS		16
/* Longest alternate name kept, with its NUL; a longer one is cut. */
#define STM32_SSP_ALT_NAME_LEN		64

/**
 * struct stm32_ssp_alt - one alternate setting of the phase map (VER1 of
 * struct stm32_ssp_info)
 * @phase: STM32_SSP_PHASE_* or another ST phase ID, the "/0xPP" of the name
 * @alt: bAlternateSetting, as dfu-util's "alt=" shows it
 * @reserved: zero
 * @size: capacity the name gives ("N*SSu"), in bytes; 0 when it gives none,
 *	0xffffffff when it is larger
 * @name: the name (the alternate's string descriptor) as the chip sent it,
 *	e.g. "@FSBL /0x01/1*1Me", NUL-terminated
 */
struct stm32_ssp_alt {
	__u8 phase;
	__u8 alt;
	__u16 reserved;
	__u32 size;
	char name[STM32_SSP_ALT_NAME_LEN];
};

/**
 * struct stm32_ssp_info - what the driver knows of a slot (STM32_SSP_IOC_GET_INFO)
 * @size: in: sizeof(struct stm32_ssp_info) as userspace knows it
 * @flags: in: must be zero
 * @chip_id: SSP_CHIP_* of the chip
 * @revision: revision ID from the product string
 * @stage: enum stm32_ssp_stage
 * @state: enum stm32_ssp_state
 * @generation: number of times the chip re-enumerated on this slot (0 at the
 *	first attach)
 * @seq: incremented on every change of @stage, @state or @generation
 * @transfer_size: wTransferSize of the DFU functional descriptor
 * @num_alts: number of alternate settings of the DFU interface
 * @serial: USB serial number (the chip UID), NUL-terminated
 * @port_path: USB port path, e.g. "1-1.2", NUL-terminated
 * @product: current product string, NUL-terminated
 * @num_phase_alts: (VER1) valid entries of @alts
 * @reserved: (VER1) zero
 * @alts: (VER1) the phase map: the alternates whose name follows the ST
 *	grammar, the first one of each phase, in bAlternateSetting order, as
 *	last read from the chip (kept while it is absent)
 */
struct stm32_ssp_info {
	__u32 size;
	__u32 flags;
	__u32 chip_id;
	__u32 revision;
	__u32 stage;
	__u32 state;
	__u32 generation;
	__u32 seq;
	__u32 transfer_size;
	__u32 num_alts;
	char serial[32];
	char port_path[32];
	char product[128];
	/* VER1 */
	__u32 num_phase_alts;
	__u32 reserved;
	struct stm32_ssp_alt alts[STM32_SSP_INFO_ALTS];
};

/* The first published size (ABI version 0). */
#define STM32_SSP_INFO_SIZE_VER0	232
/* VER0 + the phase map: @num_phase_alts, @reserved, @alts. */
#define STM32_SSP_INFO_SIZE_VER1	1392

/* struct stm32_ssp_phase.result bits */
#define STM32_SSP_PHASE_R_DETACH_REQ	_BITUL(0)	/* 10-byte reply asking for DETACH */
#define STM32_SSP_PHASE_R_ERROR	_BITUL(1)	/* phase 0xff: message in reply[9..] */

/**
 * struct stm32_ssp_phase - GetPhase: upload from the "@virtual /0xF1" alternate
 * @size: in: sizeof(struct stm32_ssp_phase)
 * @flags: in: must be zero
 * @phase: out: reply byte 0, the phase the chip expects next
 * @address: out: reply bytes 1-4 (little-endian on the wire)
 * @offset: out: reply bytes 5-8
 * @result: out: SSP_PHASE_R_* bits
 * @reply_len: out: number of valid bytes in @reply (at least 9)
 * @reserved: must be zero
 * @reply: out: the raw reply
 */
struct stm32_ssp_phase {
	__u32 size;
	__u32 flags;
	__u32 phase;
	__u32 address;
	__u32 offset;
	__u32 result;
	__u32 reply_len;
	__u32 reserved;
	__u8 reply[STM32_SSP_PHASE_REPLY_MAX];
};

/* The first published size (ABI version 0). */
#define STM32_SSP_PHASE_SIZE_VER0	544

/**
 * struct stm32_ssp_load_fw - download an image to a phase's alternate and start it
 * @size: in: sizeof(struct stm32_ssp_load_fw)
 * @flags: in: must be zero
 * @data: in: pointer to the image (e.g. the signed TF-A SSP .stm32)
 * @len: in: image length, 1 .. the alternate's size, at most STM32_SSP_IMAGE_MAX
 * @phase: in: phase ID of the target alternate, normally STM32_SSP_PHASE_FSBL
 *
 * Only valid in STM32_SSP_STAGE_ROM. On MP15 the ROM starts the image on the same
 * USB device: the slot goes to STM32_SSP_STATE_BOOTING, then to STM32_SSP_STATE_READY in
 * STM32_SSP_STAGE_FSBL. On MP13 the driver sends DFU_DETACH and the chip
 * re-enumerates. Either way, wait for the new stage with STM32_SSP_IOC_WAIT.
 */
struct stm32_ssp_load_fw {
	__u32 size;
	__u32 flags;
	__u64 data;
	__u32 len;
	__u32 phase;
};

/* The first published size (ABI version 0). */
#define STM32_SSP_LOAD_FW_SIZE_VER0	24

/**
 * struct stm32_ssp_cert - the chip certificate, uploaded from the SSP alternate
 * @size: in: sizeof(struct stm32_ssp_cert)
 * @flags: in: must be zero
 * @address: out: certificate RAM address from the 9-byte reply header
 * @cert_len: out: STM32_SSP_CERT_LEN
 * @cert: out: the certificate
 */
struct stm32_ssp_cert {
	__u32 size;
	__u32 flags;
	__u32 address;
	__u32 cert_len;
	__u8 cert[STM32_SSP_CERT_LEN];
};

/* The first published size (ABI version 0). */
#define STM32_SSP_CERT_SIZE_VER0	152

/* struct stm32_ssp_license.flags */
#define STM32_SSP_LICENSE_F_NO_DETACH	_BITUL(0)	/* do not answer a detach request */

/* struct stm32_ssp_license.result bits */
#define STM32_SSP_LICENSE_R_DETACHED	_BITUL(0)	/* the driver sent DFU_DETACH */

/**
 * struct stm32_ssp_license - send license + payload on the SSP alternate
 * @size: in: sizeof(struct stm32_ssp_license)
 * @flags: in: SSP_LICENSE_F_* bits, others zero
 * @data: in: pointer to license (136 bytes) followed by the payload
 * @len: in: total length, STM32_SSP_LICENSE_LEN + 1 .. STM32_SSP_BLOB_MAX
 * @result: out: SSP_LICENSE_R_* bits
 * @phase: out: phase of the GetPhase made after manifestation
 * @address: out: address of that GetPhase reply
 *
 * The driver downloads the blob in wTransferSize blocks, manifests it, reads
 * GetPhase and, when the chip asks for it, sends DFU_DETACH (the chip then
 * resets: wait for the next generation with STM32_SSP_IOC_WAIT).
 */
struct stm32_ssp_license {
	__u32 size;
	__u32 flags;
	__u64 data;
	__u32 len;
	__u32 result;
	__u32 phase;
	__u32 address;
};

/* The first published size (ABI version 0). */
#define STM32_SSP_LICENSE_SIZE_VER0	32

/**
 * struct stm32_ssp_wait - wait until the slot is ready in a given generation/stage
 * @size: in: sizeof(struct stm32_ssp_wait)
 * @flags: in: must be zero
 * @timeout_ms: in: how long to wait; 0 checks once without sleeping
 * @min_generation: in: wait until generation >= this
 * @stage_mask: in: wait until (1 << stage) & stage_mask; 0 accepts any stage
 * @generation: out: generation when the call returned
 * @stage: out: stage when the call returned
 * @state: out: state when the call returned
 *
 * Returns 0 when the slot is STM32_SSP_STATE_READY and both conditions hold.
 */
struct stm32_ssp_wait {
	__u32 size;
	__u32 flags;
	__u32 timeout_ms;
	__u32 min_generation;
	__u32 stage_mask;
	__u32 generation;
	__u32 stage;
	__u32 state;
};

/* The first published size (ABI version 0). */
#define STM32_SSP_WAIT_SIZE_VER0	32

/**
 * struct stm32_ssp_detach - send DFU_DETACH on the current alternate
 * @size: in: sizeof(struct stm32_ssp_detach)
 * @flags: in: must be zero
 * @reserved: must be zero
 *
 * TF-A resets the chip afterwards, the MP13/MP25 ROM starts the loaded
 * image: wait for the next generation with STM32_SSP_IOC_WAIT.
 */
struct stm32_ssp_detach {
	__u32 size;
	__u32 flags;
	__u32 reserved[2];
};

/* The first published size (ABI version 0). */
#define STM32_SSP_DETACH_SIZE_VER0	16

/**
 * struct stm32_ssp_recover - bring the DFU state machine back to dfuIDLE
 * @size: in: sizeof(struct stm32_ssp_recover)
 * @flags: in: must be zero
 * @state_before: out: DFU bState before recovery
 * @status_before: out: DFU bStatus before recovery
 * @state_after: out: DFU bState after recovery (dfuIDLE = 2 on success)
 * @reserved: must be zero
 *
 * CLRSTATUS from dfuERROR, ABORT from the other states that allow it.
 */
struct stm32_ssp_recover {
	__u32 size;
	__u32 flags;
	__u32 state_before;
	__u32 status_before;
	__u32 state_after;
	__u32 reserved;
};

/* The first published size (ABI version 0). */
#define STM32_SSP_RECOVER_SIZE_VER0	24

#define STM32_SSP_IOC_MAGIC		0xBA
#define STM32_SSP_IOC_GET_INFO	_IOWR(STM32_SSP_IOC_MAGIC, 0x00, struct stm32_ssp_info)
#define STM32_SSP_IOC_GET_PHASE	_IOWR(STM32_SSP_IOC_MAGIC, 0x01, struct stm32_ssp_phase)
#define STM32_SSP_IOC_LOAD_FW		_IOW(STM32_SSP_IOC_MAGIC, 0x02, struct stm32_ssp_load_fw)
#define STM32_SSP_IOC_READ_CERT	_IOWR(STM32_SSP_IOC_MAGIC, 0x03, struct stm32_ssp_cert)
#define STM32_SSP_IOC_SEND_LICENSE	_IOWR(STM32_SSP_IOC_MAGIC, 0x04, struct stm32_ssp_license)
#define STM32_SSP_IOC_WAIT		_IOWR(STM32_SSP_IOC_MAGIC, 0x05, struct stm32_ssp_wait)
#define STM32_SSP_IOC_DETACH		_IOW(STM32_SSP_IOC_MAGIC, 0x06, struct stm32_ssp_detach)
#define STM32_SSP_IOC_RECOVER		_IOWR(STM32_SSP_IOC_MAGIC, 0x07, struct stm32_ssp_recover)

/* Generic netlink family "stm32_ssp", multicast group "events". */
#define STM32_SSP_GENL_NAME		"stm32_ssp"
#define STM32_SSP_GENL_VERSION	1
#define STM32_SSP_GENL_MCGRP_EVENTS	"events"

/**
 * enum stm32_ssp_genl_cmd - generic netlink commands and events
 * @STM32_SSP_CMD_GET_DEVICE: doit (by STM32_SSP_A_MINOR) or dump of all slots
 * @STM32_SSP_CMD_NEW: event: a new slot (first attach of a chip on a port)
 * @STM32_SSP_CMD_REATTACH: event: the chip of a slot re-enumerated
 * @STM32_SSP_CMD_STATE: event: stage or state of a slot changed
 * @STM32_SSP_CMD_GONE: event: a slot ended
 * @STM32_SSP_CMD_RELEASE: doit, CAP_NET_ADMIN: leave the port
 *	STM32_SSP_A_PORT to other tools (its chip is unbound, its slot ends)
 * @STM32_SSP_CMD_CLAIM: doit, CAP_NET_ADMIN: take the port
 *	STM32_SSP_A_PORT back and bind the chip on it
 * @STM32_SSP_CMD_GET_PORTS: dump of the ports left to other tools
 *	(STM32_SSP_A_PORT, STM32_SSP_A_PORT_FLAGS)
 */
enum stm32_ssp_genl_cmd {
	STM32_SSP_CMD_UNSPEC,
	STM32_SSP_CMD_GET_DEVICE,
	STM32_SSP_CMD_NEW,
	STM32_SSP_CMD_REATTACH,
	STM32_SSP_CMD_STATE,
	STM32_SSP_CMD_GONE,
	STM32_SSP_CMD_RELEASE,
	STM32_SSP_CMD_CLAIM,
	STM32_SSP_CMD_GET_PORTS,
	STM32___SSP_CMD_MAX,
};

#define STM32_SSP_CMD_MAX (STM32___SSP_CMD_MAX - 1)

/**
 * enum stm32_ssp_genl_attr - attributes of every message: one slot each
 * @STM32_SSP_A_MINOR: u32, N of /dev/sspN
 * @STM32_SSP_A_DEVNAME: string, "sspN"
 * @STM32_SSP_A_SERIAL: string, USB serial (chip UID)
 * @STM32_SSP_A_PORT: string, USB port path
 * @STM32_SSP_A_CHIP_ID: u32, SSP_CHIP_*
 * @STM32_SSP_A_REVISION: u32
 * @STM32_SSP_A_STAGE: u32, enum stm32_ssp_stage
 * @STM32_SSP_A_STATE: u32, enum stm32_ssp_state
 * @STM32_SSP_A_GENERATION: u32
 * @STM32_SSP_A_SEQ: u32
 * @STM32_SSP_A_PORT_FLAGS: u32, STM32_SSP_PORT_* (GET_PORTS replies)
 */
enum stm32_ssp_genl_attr {
	STM32_SSP_A_UNSPEC,
	STM32_SSP_A_MINOR,
	STM32_SSP_A_DEVNAME,
	STM32_SSP_A_SERIAL,
	STM32_SSP_A_PORT,
	STM32_SSP_A_CHIP_ID,
	STM32_SSP_A_REVISION,
	STM32_SSP_A_STAGE,
	STM32_SSP_A_STATE,
	STM32_SSP_A_GENERATION,
	STM32_SSP_A_SEQ,
	STM32_SSP_A_PORT_FLAGS,
	STM32___SSP_A_MAX,
};

#define STM32_SSP_A_MAX (STM32___SSP_A_MAX - 1)

/* STM32_SSP_A_PORT_FLAGS: why the driver leaves a port alone. */
#define STM32_SSP_PORT_IGNORED		(1U << 0)	/* ignore_ports parameter */
#define STM32_SSP_PORT_RELEASED		(1U << 1)	/* STM32_SSP_CMD_RELEASE */

#endif /* _UAPI_LINUX_STM32_SSP_H */
