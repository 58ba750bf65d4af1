// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DFU class state machine of TF-A's usb_dfu.c [T24], [T26], quirks
 * included (spec §2.1): the block number is ignored, UPLOAD replies are not
 * clipped to wLength and a full-length reply leaves dfuUPLOAD-IDLE,
 * GETSTATUS reports the state before advancing it and reports
 * MANIFEST-SYNC as dfuMANIFEST with bwPollTimeout 1 ms, CLRSTATUS outside
 * dfuERROR goes to dfuERROR/errUNKNOWN. The ROM (inferred) runs the same
 * machine with its own callbacks.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"

void sim_dfu_reset(struct sim_dfu *d)
{
	memset(d, 0, sizeof(*d));
	d->state = DFU_IDLE;
	d->status = DFU_OK;
}

static bool abortable(enum dfu_state s)
{
	return s == DFU_IDLE || s == DFU_DNLOAD_SYNC || s == DFU_DNLOAD_IDLE ||
	       s == DFU_MANIFEST_SYNC || s == DFU_UPLOAD_IDLE;
}

static void stall(struct sim_reply *r)
{
	r->status = -EPIPE;
	r->len = 0;
}

void sim_dfu_request(struct sim_chip *c, struct sim_dfu *d, const struct sim_dfu_ops *ops,
		     const struct sim_setup *s, const uint8_t *out, size_t out_len,
		     struct sim_reply *r)
{
	int ret;

	r->status = 0;
	r->len = 0;
	switch (s->bRequest) {
	case DFU_DNLOAD:
		if (s->wLength > 0) {
			if (d->state != DFU_IDLE && d->state != DFU_DNLOAD_IDLE) {
				stall(r);
				return;
			}
			if (ops->download(c, d->alt, out, out_len) != 0) {
				stall(r);
				return;
			}
			d->state = DFU_DNLOAD_SYNC;
			return;
		}
		if (d->state != DFU_DNLOAD_IDLE) {
			stall(r);
			return;
		}
		d->state = DFU_MANIFEST_SYNC;
		ret = ops->manifest(c, d->alt);
		if (ret < 0) {
			stall(r);
		} else if (ret > 0) {
			/* The ROM refused the image: no stall, GETSTATUS tells why. */
			d->state = DFU_ERROR;
			d->status = (enum dfu_status)ret;
		}
		return;
	case DFU_UPLOAD: {
		size_t len = SIM_REPLY_MAX;

		if (s->wLength == 0) {
			d->state = DFU_IDLE;
			return;
		}
		if (d->state != DFU_IDLE && d->state != DFU_UPLOAD_IDLE) {
			stall(r);
			return;
		}
		if (ops->upload(c, d->alt, r->data, &len) != 0) {
			d->state = DFU_ERROR;
			d->status = DFU_ERR_STALLEDPKT;
			stall(r);
			return;
		}
		d->state = s->wLength > len ? DFU_IDLE : DFU_UPLOAD_IDLE;
		r->len = len;
		return;
	}
	case DFU_GETSTATUS:
		r->data[0] = d->status;
		r->data[1] = 0;
		r->data[2] = 0;
		r->data[3] = 0;
		r->data[4] = d->state;
		r->data[5] = 0;
		r->len = 6;
		if (d->state == DFU_DNLOAD_SYNC) {
			d->state = DFU_DNLOAD_IDLE;
		} else if (d->state == DFU_MANIFEST_SYNC) {
			r->data[4] = DFU_MANIFEST;
			r->data[1] = 1;
			d->state = DFU_IDLE;
			if (ops->manifested)
				ops->manifested(c);
		}
		return;
	case DFU_CLRSTATUS:
		if (d->state == DFU_ERROR) {
			d->state = DFU_IDLE;
			d->status = DFU_OK;
		} else {
			d->state = DFU_ERROR;
			d->status = DFU_ERR_UNKNOWN;
		}
		return;
	case DFU_GETSTATE:
		r->data[0] = d->state;
		r->len = 1;
		return;
	case DFU_ABORT:
		if (abortable(d->state)) {
			d->state = DFU_IDLE;
			d->status = DFU_OK;
		}
		return;
	case DFU_DETACH:
		if (abortable(d->state)) {
			d->state = DFU_IDLE;
			d->status = DFU_OK;
		}
		ops->detach(c);
		return;
	default:
		stall(r);
		return;
	}
}
