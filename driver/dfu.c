// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: the DFU engine. Every request is a control URB on the
 * device's anchor, so disconnect ends it at once by poisoning the anchor;
 * every wait is killable (a transfer half done is not abandoned for a
 * handled signal), bounded by io_timeout_ms and re-checks the
 * DISCONNECTING bit. The quirks of the ST DFU (spec 2.1) are handled here:
 * uploads ask for 512 bytes, CLRSTATUS is only sent in dfuERROR, and
 * bwPollTimeout is honoured exactly between GETSTATUS requests (0: at once).
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/usb.h>

#include "ssp.h"

/* The trace events' bodies live here (driver/trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"

#define DFU_DETACH	0
#define DFU_DNLOAD	1
#define DFU_UPLOAD	2
#define DFU_GETSTATUS	3
#define DFU_CLRSTATUS	4
#define DFU_GETSTATE	5
#define DFU_ABORT	6

#define DFU_STATUS_OK	0
#define DFU_REQ		(USB_TYPE_CLASS | USB_RECIP_INTERFACE)
#define USB_LANG_EN_US	0x0409
/* wDetachTimeOut we announce with DFU_DETACH; TF-A ignores it. */
#define DFU_DETACH_MS	1000

struct ssp_dfu *ssp_dfu_alloc(struct usb_interface *intf)
{
	struct ssp_dfu *dfu;

	dfu = kzalloc(sizeof(*dfu), GFP_KERNEL);
	if (!dfu)
		return NULL;
	dfu->setup = kzalloc(sizeof(*dfu->setup), GFP_KERNEL);
	dfu->buf = kzalloc(SSP_XFER_MAX, GFP_KERNEL);
	if (!dfu->setup || !dfu->buf) {
		kfree(dfu->setup);
		kfree(dfu->buf);
		kfree(dfu);
		return NULL;
	}
	dfu->udev = usb_get_dev(interface_to_usbdev(intf));
	dfu->intf = intf;
	dfu->ifnum = intf->cur_altsetting->desc.bInterfaceNumber;
	dfu->num_altsetting = intf->num_altsetting;
	init_usb_anchor(&dfu->anchor);
	init_waitqueue_head(&dfu->wait);
	return dfu;
}

void ssp_dfu_free(struct ssp_dfu *dfu)
{
	usb_put_dev(dfu->udev);
	kfree_sensitive(dfu->buf);
	kfree(dfu->setup);
	kfree(dfu);
}

bool ssp_dfu_gone(struct ssp_dfu *dfu)
{
	return test_bit(SSP_DFU_DISCONNECTING, &dfu->flags) ||
	       dfu->udev->state == USB_STATE_NOTATTACHED;
}

/* Called at disconnect once DISCONNECTING is set: end every wait now. */
void ssp_dfu_kill(struct ssp_dfu *dfu)
{
	wake_up_all(&dfu->wait);
	usb_poison_anchored_urbs(&dfu->anchor);
}

static void ssp_dfu_complete(struct urb *urb)
{
	complete(urb->context);
}

static unsigned int ssp_io_timeout(void)
{
	return max(READ_ONCE(ssp_io_timeout_ms), 1U);
}

/* A transfer that ended with @status: what it means to the caller. */
static int ssp_dfu_status_err(struct ssp_dfu *dfu, int status)
{
	if (ssp_dfu_gone(dfu))
		return -ENODEV;
	switch (status) {
	case -EPIPE:		/* stall: the device refused the request */
		return -EPROTO;
	case -ENODEV:
	case -ESHUTDOWN:
	case -EPERM:		/* anchor poisoned */
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * One control transfer with the data stage in dfu->buf.
 * Return: bytes transferred, or -errno (-ENODEV once disconnecting,
 * -ETIMEDOUT, -EINTR on a signal, -EPROTO on a stall, -EIO otherwise).
 */
static int ssp_dfu_do_xfer(struct ssp_dfu *dfu, bool in, u8 type, u8 request,
			   u16 value, u16 index, u16 len,
			   unsigned int timeout_ms)
{
	DECLARE_COMPLETION_ONSTACK(done);
	unsigned int pipe;
	struct urb *urb;
	long left;
	int ret;

	if (ssp_dfu_gone(dfu))
		return -ENODEV;
	if (len > SSP_XFER_MAX)
		return -EINVAL;
	urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!urb)
		return -ENOMEM;
	dfu->setup->bRequestType = (in ? USB_DIR_IN : USB_DIR_OUT) | type;
	dfu->setup->bRequest = request;
	dfu->setup->wValue = cpu_to_le16(value);
	dfu->setup->wIndex = cpu_to_le16(index);
	dfu->setup->wLength = cpu_to_le16(len);
	pipe = in ? usb_rcvctrlpipe(dfu->udev, 0) : usb_sndctrlpipe(dfu->udev, 0);
	usb_fill_control_urb(urb, dfu->udev, pipe, (u8 *)dfu->setup,
			     len ? dfu->buf : NULL, len, ssp_dfu_complete, &done);
	usb_anchor_urb(urb, &dfu->anchor);
	ret = usb_submit_urb(urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(urb);
		usb_free_urb(urb);
		return ssp_dfu_status_err(dfu, ret);
	}
	left = wait_for_completion_killable_timeout(&done,
						    msecs_to_jiffies(timeout_ms));
	if (left <= 0)
		usb_kill_urb(urb);	/* returns once the URB is given back */
	if (ssp_dfu_gone(dfu))
		ret = -ENODEV;
	else if (left < 0)
		ret = -EINTR;
	else if (left == 0)
		ret = -ETIMEDOUT;
	else if (urb->status)
		ret = ssp_dfu_status_err(dfu, urb->status);
	else
		ret = urb->actual_length;
	usb_free_urb(urb);
	return ret;
}

/* ssp_dfu_do_xfer(), traced; timed only while the event is enabled. */
static int ssp_dfu_xfer(struct ssp_dfu *dfu, bool in, u8 type, u8 request,
			u16 value, u16 index, u16 len, unsigned int timeout_ms)
{
	ktime_t start = 0;
	int ret;

	if (trace_stm32_ssp_dfu_request_enabled())
		start = ktime_get();
	ret = ssp_dfu_do_xfer(dfu, in, type, request, value, index, len,
			      timeout_ms);
	trace_stm32_ssp_dfu_request(dfu, (in ? USB_DIR_IN : USB_DIR_OUT) | type,
				    request, value, index, len, ret, start);
	return ret;
}

static int ssp_dfu_out(struct ssp_dfu *dfu, u8 request, u16 value, u16 len)
{
	int ret;

	ret = ssp_dfu_xfer(dfu, false, DFU_REQ, request, value, dfu->ifnum,
			   len, ssp_io_timeout());
	return ret < 0 ? ret : 0;
}

/**
 * ssp_dfu_get_string() - read a string descriptor from the device itself
 * @dfu: the device
 * @index: string index
 * @s: ASCII result (other characters become '?'), NUL-terminated
 * @len: size of @s
 * @timeout_ms: timeout of the request
 *
 * The USB core caches the strings it read at enumeration; the MP15 ROM
 * hands over to TF-A on the same device with new strings, so they are
 * always read again.
 */
int ssp_dfu_get_string(struct ssp_dfu *dfu, u8 index, char *s, size_t len,
		       unsigned int timeout_ms)
{
	int ret;

	if (!len)
		return -EINVAL;
	s[0] = '\0';
	if (!index)
		return -EPROTO;
	ret = ssp_dfu_xfer(dfu, true, USB_TYPE_STANDARD | USB_RECIP_DEVICE,
			   USB_REQ_GET_DESCRIPTOR, (USB_DT_STRING << 8) | index,
			   USB_LANG_EN_US, 255, timeout_ms);
	if (ret < 0)
		return ret;
	return ssp_string_decode(s, len, dfu->buf, ret);
}

/*
 * SET_INTERFACE sent as our own URB rather than usb_set_interface(): the
 * DFU interface has no endpoints, so the core has no bookkeeping to do, and
 * an anchored URB ends at once when the chip leaves.
 */
int ssp_dfu_select(struct ssp_dfu *dfu, u8 alt)
{
	int ret;

	ret = ssp_dfu_xfer(dfu, false, USB_TYPE_STANDARD | USB_RECIP_INTERFACE,
			   USB_REQ_SET_INTERFACE, alt, dfu->ifnum, 0,
			   ssp_io_timeout());
	return ret < 0 ? ret : 0;
}

int ssp_dfu_getstatus(struct ssp_dfu *dfu, struct ssp_dfu_status *st)
{
	int ret;

	ret = ssp_dfu_xfer(dfu, true, DFU_REQ, DFU_GETSTATUS, 0, dfu->ifnum, 6,
			   ssp_io_timeout());
	if (ret < 0)
		return ret;
	if (ret < 6)
		return -EPROTO;
	st->status = dfu->buf[0];
	st->poll_ms = dfu->buf[1] | dfu->buf[2] << 8 | dfu->buf[3] << 16;
	st->state = dfu->buf[4];
	trace_stm32_ssp_dfu_status(dfu, st);
	return 0;
}

int ssp_dfu_getstate(struct ssp_dfu *dfu, u8 *state)
{
	int ret;

	ret = ssp_dfu_xfer(dfu, true, DFU_REQ, DFU_GETSTATE, 0, dfu->ifnum, 1,
			   ssp_io_timeout());
	if (ret < 0)
		return ret;
	if (ret < 1)
		return -EPROTO;
	*state = dfu->buf[0];
	return 0;
}

int ssp_dfu_clrstatus(struct ssp_dfu *dfu)
{
	return ssp_dfu_out(dfu, DFU_CLRSTATUS, 0, 0);
}

int ssp_dfu_abort(struct ssp_dfu *dfu)
{
	return ssp_dfu_out(dfu, DFU_ABORT, 0, 0);
}

int ssp_dfu_detach(struct ssp_dfu *dfu)
{
	return ssp_dfu_out(dfu, DFU_DETACH, DFU_DETACH_MS, 0);
}

/*
 * UPLOAD with wLength @len into @data. The ST DFU does not clip its reply
 * to wLength, so callers ask for SSP_UPLOAD_LEN.
 */
int ssp_dfu_upload(struct ssp_dfu *dfu, u8 *data, u16 len)
{
	int ret;

	ret = ssp_dfu_xfer(dfu, true, DFU_REQ, DFU_UPLOAD, 0, dfu->ifnum, len,
			   ssp_io_timeout());
	if (ret > 0)
		memcpy(data, dfu->buf, ret);
	return ret;
}

/**
 * ssp_dfu_poll_sleep() - wait bwPollTimeout before the next GETSTATUS
 * @dfu: the device
 * @ms: bwPollTimeout of the last GETSTATUS, capped to io_timeout_ms
 *
 * 0 means "poll again at once" (TF-A reports 0 after every block, and
 * dfu-util polls at once). Otherwise the wait is an hrtimer, not a jiffy
 * timeout: a jiffy sleep lasts until the next tick, up to 4 ms at HZ=250,
 * once per block. Disconnect wakes the wait through @dfu->wait.
 *
 * Return: 0, -ENODEV once the device is going, -EINTR on a fatal signal.
 */
int ssp_dfu_poll_sleep(struct ssp_dfu *dfu, u32 ms)
{
	int ret = 0;

	ms = min(ms, ssp_io_timeout());
	/* wait_event_interruptible_hrtimeout(), killable only (see the top) */
	if (ms && !ssp_dfu_gone(dfu))
		ret = __wait_event_hrtimeout(dfu->wait, ssp_dfu_gone(dfu),
					     ms_to_ktime(ms), TASK_KILLABLE);
	if (ssp_dfu_gone(dfu))
		return -ENODEV;
	if (ret == -ERESTARTSYS || fatal_signal_pending(current))
		return -EINTR;
	return 0;
}

/*
 * GETSTATUS until the state is neither @busy1 nor @busy2, sleeping
 * bwPollTimeout in between, for at most io_timeout_ms.
 */
static int ssp_dfu_poll(struct ssp_dfu *dfu, struct ssp_dfu_status *st,
			u8 busy1, u8 busy2)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ssp_io_timeout());
	int ret;

	for (;;) {
		ret = ssp_dfu_getstatus(dfu, st);
		if (ret)
			return ret;
		if (st->status != DFU_STATUS_OK || st->state == DFU_S_ERROR)
			return -EPROTO;
		if (st->state != busy1 && st->state != busy2)
			return 0;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		ret = ssp_dfu_poll_sleep(dfu, st->poll_ms);
		if (ret)
			return ret;
	}
}

/**
 * ssp_dfu_download() - DNLOAD @data in wTransferSize blocks
 * @dfu: the device, alternate selected, in dfuIDLE
 * @data: the bytes
 * @len: their number
 *
 * After each block, GETSTATUS is polled through dfuDNLOAD-SYNC/dfuDNBUSY
 * until dfuDNLOAD-IDLE. The block number in wValue counts from 0 (TF-A
 * ignores it).
 */
int ssp_dfu_download(struct ssp_dfu *dfu, const u8 *data, size_t len)
{
	struct ssp_dfu_status st;
	size_t off = 0;
	u16 block = 0;
	int ret;

	while (off < len) {
		size_t n = min_t(size_t, len - off, dfu->transfer_size);

		memcpy(dfu->buf, data + off, n);
		ret = ssp_dfu_out(dfu, DFU_DNLOAD, block, n);
		if (ret)
			return ret;
		ret = ssp_dfu_poll(dfu, &st, DFU_S_DNLOAD_SYNC, DFU_S_DNBUSY);
		if (ret)
			return ret;
		if (st.state != DFU_S_DNLOAD_IDLE)
			return -EPROTO;
		off += n;
		block++;
	}
	return 0;
}

/**
 * ssp_dfu_manifest() - zero-length DNLOAD, then follow the manifestation
 * @dfu: the device, in dfuDNLOAD-IDLE
 * @rom_jumps: the MP15 ROM: it reports dfuMANIFEST once and then jumps to
 *	the image, so the next request fails; an I/O error on that GETSTATUS
 *	is the expected sign of the jump, not a failure
 *
 * Otherwise GETSTATUS is polled (dfuMANIFEST-SYNC, dfuMANIFEST) until
 * dfuIDLE.
 */
int ssp_dfu_manifest(struct ssp_dfu *dfu, bool rom_jumps)
{
	struct ssp_dfu_status st;
	int ret;

	ret = ssp_dfu_out(dfu, DFU_DNLOAD, 0, 0);
	if (ret)
		return ret;
	if (rom_jumps) {
		ret = ssp_dfu_getstatus(dfu, &st);
		if (ret == -EIO || ret == -EPROTO || ret == -ETIMEDOUT) {
			dev_dbg(&dfu->intf->dev,
				"no status after manifestation (%d): the ROM jumped\n",
				ret);
			return 0;
		}
		if (ret)
			return ret;
		if (st.status != DFU_STATUS_OK || st.state == DFU_S_ERROR)
			return -EPROTO;
		return 0;
	}
	ret = ssp_dfu_poll(dfu, &st, DFU_S_MANIFEST_SYNC, DFU_S_MANIFEST);
	if (ret)
		return ret;
	if (st.state != DFU_S_IDLE && st.state != DFU_S_MANIFEST_WAIT_RESET)
		return -EPROTO;
	return 0;
}

/**
 * ssp_dfu_make_idle() - bring the device to dfuIDLE before a step
 * @dfu: the device
 *
 * An earlier upload may have left dfuUPLOAD-IDLE (the next DNLOAD would
 * stall), an interrupted step dfuDNLOAD-IDLE: ABORT ends both. dfuERROR is
 * left alone, so its status stays visible to STM32_SSP_IOC_RECOVER.
 *
 * Return: 0, -EPROTO in dfuERROR or another unexpected state, or -errno.
 */
int ssp_dfu_make_idle(struct ssp_dfu *dfu)
{
	struct ssp_dfu_status st;
	int ret;

	ret = ssp_dfu_getstatus(dfu, &st);
	if (ret)
		return ret;
	switch (st.state) {
	case DFU_S_IDLE:
		return 0;
	case DFU_S_DNLOAD_SYNC:
	case DFU_S_DNLOAD_IDLE:
	case DFU_S_MANIFEST_SYNC:
	case DFU_S_UPLOAD_IDLE:
		return ssp_dfu_abort(dfu);
	default:
		return -EPROTO;
	}
}
