// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: the SSP steps (spec 3.2), one function per ioctl. The kernel
 * does the DFU mechanics of each step; userspace decides their order.
 * Every step is called with the slot's io_mutex held and the slot usable
 * (ssp_slot_usable() == 0), so slot->dfu stays valid throughout.
 */
#include <linux/jiffies.h>
#include <linux/string.h>

#include "ssp.h"
#include "trace.h"

/* stage and chip_id change under io_mutex and lock: io_mutex suffices. */
static int ssp_need_stage(struct ssp_slot *slot, enum stm32_ssp_stage stage)
{
	lockdep_assert_held(&slot->io_mutex);
	return slot->stage == stage ? 0 : -EBADFD;
}

static int ssp_need_known_stage(struct ssp_slot *slot)
{
	lockdep_assert_held(&slot->io_mutex);
	return slot->stage == STM32_SSP_STAGE_UNKNOWN ? -EBADFD : 0;
}

/* The SSP alternate: phase 0x00 on MP15 TF-A, 0xF3 on MP13 (spec 3.2 B2). */
static u8 ssp_cert_phase(struct ssp_slot *slot)
{
	lockdep_assert_held(&slot->io_mutex);
	return slot->chip_id == STM32_SSP_CHIP_MP15 ? STM32_SSP_PHASE_FLASHLAYOUT :
						STM32_SSP_PHASE_SSP;
}

static int ssp_select_phase(struct ssp_dfu *dfu, u8 phase,
			    const struct ssp_alt **altp)
{
	const struct ssp_alt *alt = ssp_find_alt(&dfu->id, phase);

	if (!alt)
		return -ENOENT;
	if (altp)
		*altp = alt;
	return ssp_dfu_select(dfu, alt->alt);
}

/*
 * UPLOAD SSP_UPLOAD_LEN bytes from the selected alternate (in dfuIDLE)
 * and make sure the device does not stay in dfuUPLOAD-IDLE, where the next
 * DNLOAD would stall (spec 2.1).
 */
static int ssp_upload(struct ssp_dfu *dfu, u8 *reply)
{
	int len, ret;
	u8 state;

	ret = ssp_dfu_make_idle(dfu);
	if (ret)
		return ret;
	len = ssp_dfu_upload(dfu, reply, SSP_UPLOAD_LEN);
	if (len < 0)
		return len;
	ret = ssp_dfu_getstate(dfu, &state);
	if (!ret && state == DFU_S_UPLOAD_IDLE)
		ret = ssp_dfu_abort(dfu);
	return ret ? ret : len;
}

static int ssp_get_phase(struct ssp_dfu *dfu, struct stm32_ssp_phase *ph)
{
	int len, ret;

	len = ssp_select_phase(dfu, STM32_SSP_PHASE_VIRTUAL, NULL);
	if (len)
		return len;
	len = ssp_upload(dfu, ph->reply);
	ret = len < 0 ? len : ssp_phase_decode(ph, ph->reply, len);
	trace_stm32_ssp_get_phase(dfu, ph, ph->reply, len, ret);
	return ret;
}

int ssp_step_get_phase(struct ssp_slot *slot, struct stm32_ssp_phase *ph)
{
	int ret = ssp_need_known_stage(slot);

	return ret ? ret : ssp_get_phase(slot->dfu, ph);
}

/**
 * ssp_step_load_fw_check() - may @len bytes be loaded to @phase now?
 * @slot: the slot
 * @phase: target phase
 * @len: image length
 *
 * Return: 0, -EBADFD outside the ROM, -ENOENT without an alternate for
 * @phase, -EFBIG when @len exceeds the alternate's size or STM32_SSP_IMAGE_MAX.
 */
int ssp_step_load_fw_check(struct ssp_slot *slot, u8 phase, u32 len)
{
	const struct ssp_alt *alt;
	int ret;

	ret = ssp_need_stage(slot, STM32_SSP_STAGE_ROM);
	if (ret)
		return ret;
	alt = ssp_find_alt(&slot->dfu->id, phase);
	if (!alt)
		return -ENOENT;
	return len > min_t(u32, alt->size, STM32_SSP_IMAGE_MAX) ? -EFBIG : 0;
}

/* MP15: the ROM starts the image on the same USB device (spec 1.2). */
static void ssp_start_booting(struct ssp_slot *slot)
{
	enum stm32_ssp_state old_state;
	enum stm32_ssp_stage old_stage;
	bool booting;

	spin_lock(&slot->lock);
	old_state = slot->state;
	old_stage = slot->stage;
	booting = ssp_slot_set_state(slot, STM32_SSP_STATE_BOOTING);
	if (booting) {
		slot->stage = STM32_SSP_STAGE_UNKNOWN;
		slot->seq++;
		slot->boot_deadline = jiffies +
			msecs_to_jiffies(READ_ONCE(ssp_boot_timeout_ms));
		trace_stm32_ssp_slot(slot, old_state, old_stage);
	}
	spin_unlock(&slot->lock);
	if (!booting)
		return;
	queue_delayed_work(ssp_wq, &slot->boot_work,
			   msecs_to_jiffies(SSP_BOOT_POLL_MS));
	ssp_slot_changed(slot);
}

int ssp_step_load_fw(struct ssp_slot *slot, const u8 *img, u32 len, u8 phase)
{
	struct ssp_dfu *dfu = slot->dfu;
	bool rom_jumps = slot->chip_id == STM32_SSP_CHIP_MP15;
	int ret;

	ret = ssp_step_load_fw_check(slot, phase, len);
	if (ret)
		return ret;
	ret = ssp_select_phase(dfu, phase, NULL);
	if (ret)
		return ret;
	ret = ssp_dfu_make_idle(dfu);
	if (ret)
		return ret;
	ret = ssp_dfu_download(dfu, img, len);
	if (ret)
		return ret;
	ret = ssp_dfu_manifest(dfu, rom_jumps);
	if (ret)
		return ret;
	if (rom_jumps) {
		ssp_start_booting(slot);
		return 0;
	}
	/* MP13/MP25: the FSBL starts on DFU_DETACH and re-enumerates. */
	ret = ssp_dfu_detach(dfu);
	return ret == -ENODEV ? 0 : ret;
}

int ssp_step_read_cert(struct ssp_slot *slot, struct stm32_ssp_cert *cert)
{
	struct ssp_dfu *dfu = slot->dfu;
	u8 reply[SSP_UPLOAD_LEN];
	int len;

	len = ssp_need_stage(slot, STM32_SSP_STAGE_FSBL);
	if (len)
		return len;
	len = ssp_select_phase(dfu, ssp_cert_phase(slot), NULL);
	if (len)
		return len;
	len = ssp_upload(dfu, reply);
	if (len < 0)
		return len;
	return ssp_cert_decode(cert, reply, len, ssp_cert_phase(slot));
}

int ssp_step_send_license(struct ssp_slot *slot, const u8 *blob, u32 len,
			  struct stm32_ssp_license *lic)
{
	struct ssp_dfu *dfu = slot->dfu;
	const struct ssp_alt *alt;
	struct stm32_ssp_phase *ph;
	int ret;

	ret = ssp_need_stage(slot, STM32_SSP_STAGE_FSBL);
	if (ret)
		return ret;
	alt = ssp_find_alt(&dfu->id, ssp_cert_phase(slot));
	if (!alt)
		return -ENOENT;
	if (len > alt->size)
		return -EFBIG;
	ret = ssp_dfu_select(dfu, alt->alt);
	if (ret)
		return ret;
	ret = ssp_dfu_make_idle(dfu);
	if (ret)
		return ret;
	ret = ssp_dfu_download(dfu, blob, len);
	if (ret)
		return ret;
	ret = ssp_dfu_manifest(dfu, false);
	if (ret)
		return ret;

	ph = kzalloc(sizeof(*ph), GFP_KERNEL);
	if (!ph)
		return -ENOMEM;
	ret = ssp_get_phase(dfu, ph);
	if (!ret) {
		lic->phase = ph->phase;
		lic->address = ph->address;
		lic->result = 0;
		if ((ph->result & STM32_SSP_PHASE_R_DETACH_REQ) &&
		    !(lic->flags & STM32_SSP_LICENSE_F_NO_DETACH)) {
			ret = ssp_dfu_detach(dfu);
			if (ret == -ENODEV)
				ret = 0;
			if (!ret)
				lic->result |= STM32_SSP_LICENSE_R_DETACHED;
		}
	}
	kfree(ph);
	return ret;
}

/*
 * A chip that leaves during DETACH did what DETACH asks for. Any stage:
 * after a boot timeout (stage UNKNOWN) DETACH and RECOVER are the only
 * ways left to reach the chip without a power cycle.
 */
int ssp_step_detach(struct ssp_slot *slot)
{
	int ret = ssp_dfu_detach(slot->dfu);

	return ret == -ENODEV ? 0 : ret;
}

/* Any stage, as DETACH: it only speaks DFU, whatever firmware answers. */
int ssp_step_recover(struct ssp_slot *slot, struct stm32_ssp_recover *rec)
{
	struct ssp_dfu *dfu = slot->dfu;
	struct ssp_dfu_status st;
	int ret;

	ret = ssp_dfu_getstatus(dfu, &st);
	if (ret)
		return ret;
	rec->state_before = st.state;
	rec->status_before = st.status;
	switch (st.state) {
	case DFU_S_ERROR:
		/* Only here: CLRSTATUS elsewhere sends the ST DFU to dfuERROR. */
		ret = ssp_dfu_clrstatus(dfu);
		break;
	case DFU_S_DNLOAD_SYNC:
	case DFU_S_DNLOAD_IDLE:
	case DFU_S_MANIFEST_SYNC:
	case DFU_S_UPLOAD_IDLE:
		ret = ssp_dfu_abort(dfu);
		break;
	default:
		break;
	}
	if (ret)
		return ret;
	ret = ssp_dfu_getstatus(dfu, &st);
	if (ret)
		return ret;
	rec->state_after = st.state;
	return 0;
}

/* Boot over: READY in whatever stage answered; io_mutex held. */
static void ssp_boot_done(struct ssp_slot *slot, const struct ssp_ident *id)
{
	enum stm32_ssp_state old_state;
	enum stm32_ssp_stage old_stage;
	bool ready;

	spin_lock(&slot->lock);
	old_state = slot->state;
	old_stage = slot->stage;
	ready = ssp_slot_set_state(slot, STM32_SSP_STATE_READY);
	if (ready) {
		if (id) {
			slot->stage = id->stage;
			slot->chip_id = id->chip_id;
			slot->revision = id->revision;
			strscpy(slot->product, id->product,
				sizeof(slot->product));
			ssp_slot_take_phase_map(slot, id);
		}
		slot->seq++;
		trace_stm32_ssp_slot(slot, old_state, old_stage);
	}
	spin_unlock(&slot->lock);
	if (ready)
		ssp_slot_changed(slot);
}

/* Is the slot still waiting for its started image? io_mutex held. */
static bool ssp_slot_booting(struct ssp_slot *slot)
{
	bool booting;

	spin_lock(&slot->lock);
	booting = slot->state == STM32_SSP_STATE_BOOTING;
	spin_unlock(&slot->lock);
	return booting;
}

/**
 * ssp_boot_work() - MP15: wait for the started image to answer
 * @work: the slot's boot_work
 *
 * Re-reads the product string every SSP_BOOT_POLL_MS until it is the FSBL
 * string of the same chip: one request per poll. The FSBL serves the ROM's
 * USB device and configuration (spec 1.2: no re-enumeration, the same
 * alternates), so the phase map read at probe stays and the alternate
 * names are not read again. Requests fail while the chip boots: that is
 * expected. A chip that restarts instead re-enumerates, and probe reads
 * its whole identity.
 */
void ssp_boot_work(struct work_struct *work)
{
	struct ssp_slot *slot = container_of(to_delayed_work(work),
					     struct ssp_slot, boot_work);
	struct ssp_ident *id;
	struct ssp_dfu *dfu;
	int ret;

	id = kzalloc(sizeof(*id), GFP_KERNEL);
	mutex_lock(&slot->io_mutex);
	dfu = slot->dfu;
	if (!dfu || ssp_dfu_gone(dfu) || !ssp_slot_booting(slot))
		goto out;
	ret = id ? ssp_read_product(dfu, id, SSP_BOOT_IDENT_TIMEOUT_MS) : -ENOMEM;
	if (!ret && id->stage == STM32_SSP_STAGE_FSBL &&
	    id->chip_id == dfu->id.chip_id) {
		id->num_alts = dfu->id.num_alts;
		memcpy(id->alts, dfu->id.alts, sizeof(id->alts));
		dfu->id = *id;
		ssp_boot_done(slot, id);
		dev_dbg(&dfu->intf->dev, "FSBL answers: %s\n", id->product);
		goto out;
	}
	if (ret == -ENODEV && ssp_dfu_gone(dfu))
		goto out;
	if (time_after(jiffies, slot->boot_deadline)) {
		dev_warn(&dfu->intf->dev,
			 "the started image did not answer in %u ms\n",
			 READ_ONCE(ssp_boot_timeout_ms));
		ssp_boot_done(slot, NULL);
		goto out;
	}
	queue_delayed_work(ssp_wq, &slot->boot_work,
			   msecs_to_jiffies(SSP_BOOT_POLL_MS));
out:
	mutex_unlock(&slot->io_mutex);
	kfree(id);
}
