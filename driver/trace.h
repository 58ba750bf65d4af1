/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stm32_ssp: trace events (system "stm32_ssp"), for reading a run on real
 * silicon against the spec: every ep0 request and its result, every
 * GETSTATUS and GetPhase reply, every slot state or stage change. Off, each
 * costs a static branch; the request's duration is only measured while its
 * event is enabled. Strings are copied into fixed arrays (not __string()),
 * whose __assign_str() changed between 6.1 and 6.12.
 *
 * Capture: Documentation/admin-guide.rst, "First chip on real silicon".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM stm32_ssp

#if !defined(_SSP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SSP_TRACE_H

#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/usb.h>

#include "ssp.h"

/* Longest serial kept in an event; the chip UID has 24 characters. */
#define SSP_TRACE_SERIAL_LEN	32
/* First bytes of a GetPhase reply kept in its event. */
#define SSP_TRACE_REPLY_LEN	16

/* (bRequestType without the direction bit) << 8 | bRequest */
#define ssp_trace_req_names						\
	{ 0x2100, "DFU_DETACH" },					\
	{ 0x2101, "DFU_DNLOAD" },					\
	{ 0x2102, "DFU_UPLOAD" },					\
	{ 0x2103, "DFU_GETSTATUS" },					\
	{ 0x2104, "DFU_CLRSTATUS" },					\
	{ 0x2105, "DFU_GETSTATE" },					\
	{ 0x2106, "DFU_ABORT" },					\
	{ 0x0006, "GET_DESCRIPTOR" },					\
	{ 0x010b, "SET_INTERFACE" }

/* STM32_SSP_PHASE_R_* as numbers: _BITUL() is not for format files */
#define ssp_trace_phase_result						\
	{ 0x1, "detach-req" }, { 0x2, "error" }
static_assert(STM32_SSP_PHASE_R_DETACH_REQ == 0x1 &&
	      STM32_SSP_PHASE_R_ERROR == 0x2);

/* DFU 1.1 bStatus */
#define ssp_trace_dfu_status_names					\
	{ 0x00, "OK" }, { 0x01, "errTARGET" }, { 0x02, "errFILE" },	\
	{ 0x03, "errWRITE" }, { 0x04, "errERASE" },			\
	{ 0x05, "errCHECK_ERASED" }, { 0x06, "errPROG" },		\
	{ 0x07, "errVERIFY" }, { 0x08, "errADDRESS" },			\
	{ 0x09, "errNOTDONE" }, { 0x0a, "errFIRMWARE" },		\
	{ 0x0b, "errVENDOR" }, { 0x0c, "errUSBR" }, { 0x0d, "errPOR" },	\
	{ 0x0e, "errUNKNOWN" }, { 0x0f, "errSTALLEDPKT" }

/* DFU 1.1 bState */
#define ssp_trace_dfu_state_names					\
	{ DFU_S_APP_IDLE, "appIDLE" },					\
	{ DFU_S_APP_DETACH, "appDETACH" },				\
	{ DFU_S_IDLE, "dfuIDLE" },					\
	{ DFU_S_DNLOAD_SYNC, "dfuDNLOAD-SYNC" },			\
	{ DFU_S_DNBUSY, "dfuDNBUSY" },					\
	{ DFU_S_DNLOAD_IDLE, "dfuDNLOAD-IDLE" },			\
	{ DFU_S_MANIFEST_SYNC, "dfuMANIFEST-SYNC" },			\
	{ DFU_S_MANIFEST, "dfuMANIFEST" },				\
	{ DFU_S_MANIFEST_WAIT_RESET, "dfuMANIFEST-WAIT-RESET" },	\
	{ DFU_S_UPLOAD_IDLE, "dfuUPLOAD-IDLE" },			\
	{ DFU_S_ERROR, "dfuERROR" }

#define ssp_trace_stage_names						\
	{ STM32_SSP_STAGE_UNKNOWN, "unknown" },				\
	{ STM32_SSP_STAGE_ROM, "rom" },					\
	{ STM32_SSP_STAGE_FSBL, "fsbl" }

/* 0: a slot that did not exist before */
#define ssp_trace_state_names						\
	{ 0, "new" },							\
	{ STM32_SSP_STATE_READY, "ready" },				\
	{ STM32_SSP_STATE_BOOTING, "booting" },				\
	{ STM32_SSP_STATE_ABSENT, "absent" },				\
	{ STM32_SSP_STATE_GONE, "gone" }

/* Enum names in the format files, so that trace-cmd prints them too. */
TRACE_DEFINE_ENUM(DFU_S_APP_IDLE);
TRACE_DEFINE_ENUM(DFU_S_APP_DETACH);
TRACE_DEFINE_ENUM(DFU_S_IDLE);
TRACE_DEFINE_ENUM(DFU_S_DNLOAD_SYNC);
TRACE_DEFINE_ENUM(DFU_S_DNBUSY);
TRACE_DEFINE_ENUM(DFU_S_DNLOAD_IDLE);
TRACE_DEFINE_ENUM(DFU_S_MANIFEST_SYNC);
TRACE_DEFINE_ENUM(DFU_S_MANIFEST);
TRACE_DEFINE_ENUM(DFU_S_MANIFEST_WAIT_RESET);
TRACE_DEFINE_ENUM(DFU_S_UPLOAD_IDLE);
TRACE_DEFINE_ENUM(DFU_S_ERROR);
TRACE_DEFINE_ENUM(STM32_SSP_STAGE_UNKNOWN);
TRACE_DEFINE_ENUM(STM32_SSP_STAGE_ROM);
TRACE_DEFINE_ENUM(STM32_SSP_STAGE_FSBL);
TRACE_DEFINE_ENUM(STM32_SSP_STATE_READY);
TRACE_DEFINE_ENUM(STM32_SSP_STATE_BOOTING);
TRACE_DEFINE_ENUM(STM32_SSP_STATE_ABSENT);
TRACE_DEFINE_ENUM(STM32_SSP_STATE_GONE);

/*
 * One ep0 request: DFU class requests and the standard ones the driver
 * sends (SET_INTERFACE, string descriptors). @ret is the bytes
 * transferred or -errno; @start is 0 when the event was off at the start.
 */
TRACE_EVENT(stm32_ssp_dfu_request,
	TP_PROTO(const struct ssp_dfu *dfu, u8 request_type, u8 request,
		 u16 value, u16 index, u16 length, int ret, ktime_t start),
	TP_ARGS(dfu, request_type, request, value, index, length, ret, start),
	TP_STRUCT__entry(
		__array(char, port, SSP_PORT_LEN)
		__field(u16, req)
		__field(u8, request_type)
		__field(u16, value)
		__field(u16, index)
		__field(u16, length)
		__field(int, ret)
		__field(u32, usecs)
	),
	TP_fast_assign(
		strscpy(__entry->port, dev_name(&dfu->udev->dev),
			SSP_PORT_LEN);
		__entry->req = (request_type & ~USB_DIR_IN) << 8 | request;
		__entry->request_type = request_type;
		__entry->value = value;
		__entry->index = index;
		__entry->length = length;
		__entry->ret = ret;
		__entry->usecs = start ? ktime_us_delta(ktime_get(), start) : 0;
	),
	TP_printk("%s %s %s wValue=0x%04x wIndex=%u wLength=%u ret=%d %uus",
		  __entry->port,
		  __print_symbolic(__entry->req, ssp_trace_req_names),
		  __entry->request_type & USB_DIR_IN ? "in" : "out",
		  __entry->value, __entry->index, __entry->length,
		  __entry->ret, __entry->usecs)
);

/* A GETSTATUS reply (DFU 1.1 6.1.2). */
TRACE_EVENT(stm32_ssp_dfu_status,
	TP_PROTO(const struct ssp_dfu *dfu, const struct ssp_dfu_status *st),
	TP_ARGS(dfu, st),
	TP_STRUCT__entry(
		__array(char, port, SSP_PORT_LEN)
		__field(u8, status)
		__field(u8, state)
		__field(u32, poll_ms)
	),
	TP_fast_assign(
		strscpy(__entry->port, dev_name(&dfu->udev->dev),
			SSP_PORT_LEN);
		__entry->status = st->status;
		__entry->state = st->state;
		__entry->poll_ms = st->poll_ms;
	),
	TP_printk("%s bStatus=%u(%s) bState=%u(%s) bwPollTimeout=%u",
		  __entry->port, __entry->status,
		  __print_symbolic(__entry->status, ssp_trace_dfu_status_names),
		  __entry->state,
		  __print_symbolic(__entry->state, ssp_trace_dfu_state_names),
		  __entry->poll_ms)
);

/*
 * A GetPhase reply (spec 2.3), decoded (@ret 0) or refused by the decoder
 * (@ret -EPROTO, fields 0); @len is the upload's length or -errno.
 */
TRACE_EVENT(stm32_ssp_get_phase,
	TP_PROTO(const struct ssp_dfu *dfu, const struct stm32_ssp_phase *ph,
		 const u8 *reply, int len, int ret),
	TP_ARGS(dfu, ph, reply, len, ret),
	TP_STRUCT__entry(
		__array(char, port, SSP_PORT_LEN)
		__field(u32, phase)
		__field(u32, address)
		__field(u32, offset)
		__field(u32, result)
		__field(int, len)
		__field(int, ret)
		__field(u8, head_len)
		__array(u8, head, SSP_TRACE_REPLY_LEN)
	),
	TP_fast_assign(
		strscpy(__entry->port, dev_name(&dfu->udev->dev),
			SSP_PORT_LEN);
		__entry->phase = ret ? 0 : ph->phase;
		__entry->address = ret ? 0 : ph->address;
		__entry->offset = ret ? 0 : ph->offset;
		__entry->result = ret ? 0 : ph->result;
		__entry->len = len;
		__entry->ret = ret;
		__entry->head_len = len > 0 ? min(len, SSP_TRACE_REPLY_LEN) : 0;
		memset(__entry->head, 0, SSP_TRACE_REPLY_LEN);
		if (__entry->head_len)
			memcpy(__entry->head, reply, __entry->head_len);
	),
	TP_printk("%s phase=0x%02x address=0x%08x offset=0x%08x result=0x%x(%s) len=%d ret=%d reply=%s",
		  __entry->port, __entry->phase, __entry->address,
		  __entry->offset, __entry->result,
		  __print_flags(__entry->result, "|", ssp_trace_phase_result),
		  __entry->len, __entry->ret,
		  __print_hex(__entry->head, __entry->head_len))
);

/*
 * A slot's state, stage or generation changed (the slot's seq moved);
 * @old_state 0 for a new slot. Called with the slot's lock held.
 */
TRACE_EVENT(stm32_ssp_slot,
	TP_PROTO(const struct ssp_slot *slot, enum stm32_ssp_state old_state,
		 enum stm32_ssp_stage old_stage),
	TP_ARGS(slot, old_state, old_stage),
	TP_STRUCT__entry(
		__field(unsigned int, minor)
		__array(char, port, SSP_PORT_LEN)
		__array(char, serial, SSP_TRACE_SERIAL_LEN)
		__field(u32, chip_id)
		__field(u8, old_state)
		__field(u8, state)
		__field(u8, old_stage)
		__field(u8, stage)
		__field(u32, generation)
		__field(u32, seq)
	),
	TP_fast_assign(
		__entry->minor = slot->minor;
		strscpy(__entry->port, slot->port, SSP_PORT_LEN);
		strscpy(__entry->serial, slot->serial ?: "",
			SSP_TRACE_SERIAL_LEN);
		__entry->chip_id = slot->chip_id;
		__entry->old_state = old_state;
		__entry->state = slot->state;
		__entry->old_stage = old_stage;
		__entry->stage = slot->stage;
		__entry->generation = slot->generation;
		__entry->seq = slot->seq;
	),
	TP_printk("ssp%u port=%s serial=%s chip=0x%03x state=%s->%s stage=%s->%s generation=%u seq=%u",
		  __entry->minor, __entry->port, __entry->serial,
		  __entry->chip_id,
		  __print_symbolic(__entry->old_state, ssp_trace_state_names),
		  __print_symbolic(__entry->state, ssp_trace_state_names),
		  __print_symbolic(__entry->old_stage, ssp_trace_stage_names),
		  __print_symbolic(__entry->stage, ssp_trace_stage_names),
		  __entry->generation, __entry->seq)
);

#endif /* _SSP_TRACE_H */

/* Out of tree: Kbuild adds driver/ to the include path of dfu.c. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
