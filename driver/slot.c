// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: slots. A slot is one chip on one USB port. The chip resets
 * three times during SSP; each time it comes back on the same port with the
 * same serial it re-attaches to the same slot (same /dev/sspN, same open
 * files, generation + 1). Another serial on the port ends the old slot. A
 * slot whose chip does not come back within grace_ms ends.
 *
 * Lock order: ssp_slots_lock, then a slot's io_mutex, then its lock.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ssp.h"
#include "trace.h"

/* The slot list; also serialises attach, replace and end decisions. */
static DEFINE_MUTEX(ssp_slots_lock);
static LIST_HEAD(ssp_slots);

static void ssp_slot_release(struct kref *kref)
{
	struct ssp_slot *slot = container_of(kref, struct ssp_slot, kref);

	ssp_minor_free(slot->minor);
	kfree(slot->serial);
	kfree(slot);
}

void ssp_slot_put(struct ssp_slot *slot)
{
	kref_put(&slot->kref, ssp_slot_release);
}

/* Wake waiters and pollers, and tell netlink listeners. */
void ssp_slot_changed(struct ssp_slot *slot)
{
	wake_up_all(&slot->wait);
	ssp_nl_event(slot, STM32_SSP_CMD_STATE);
}

/**
 * ssp_slot_set_state() - change the state, unless the slot has ended
 * @slot: the slot, lock held
 * @state: the new state
 *
 * GONE is final: a slot off the list never becomes READY, BOOTING or
 * ABSENT again (its grace work would end it a second time).
 *
 * Return: false when the slot has ended and nothing changed.
 */
bool ssp_slot_set_state(struct ssp_slot *slot, enum stm32_ssp_state state)
{
	lockdep_assert_held(&slot->lock);
	if (slot->state == STM32_SSP_STATE_GONE)
		return false;
	slot->state = state;
	return true;
}

/* Keep a copy of @id's phase map for GET_INFO; io_mutex and lock held. */
void ssp_slot_take_phase_map(struct ssp_slot *slot, const struct ssp_ident *id)
{
	slot->num_phase_alts = id->num_alts;
	memcpy(slot->alts, id->alts, sizeof(slot->alts));
}

/* Take the attached device's identity; io_mutex and lock held. */
static void ssp_slot_take_ident(struct ssp_slot *slot, struct ssp_dfu *dfu)
{
	slot->dfu = dfu;
	slot->stage = dfu->id.stage;
	slot->chip_id = dfu->id.chip_id;
	slot->revision = dfu->id.revision;
	strscpy(slot->product, dfu->id.product, sizeof(slot->product));
	slot->transfer_size = dfu->transfer_size;
	slot->num_alts = dfu->num_altsetting;
	ssp_slot_take_phase_map(slot, &dfu->id);
	ssp_slot_set_state(slot, STM32_SSP_STATE_READY);
}

/* End a slot: ssp_slots_lock held; the caller then calls ssp_slot_finish(). */
static void ssp_slot_end(struct ssp_slot *slot, bool replaced)
{
	enum stm32_ssp_state old_state;

	list_del_init(&slot->node);
	spin_lock(&slot->lock);
	old_state = slot->state;
	slot->state = STM32_SSP_STATE_GONE;
	slot->replaced = replaced;
	slot->seq++;
	trace_stm32_ssp_slot(slot, old_state, slot->stage);
	spin_unlock(&slot->lock);
	wake_up_all(&slot->wait);
	ssp_nl_event(slot, STM32_SSP_CMD_GONE);
	device_destroy(&ssp_class, ssp_devt(slot->minor));
	slot->dev = NULL;
}

/* After ssp_slot_end(), without ssp_slots_lock: drop the list's reference. */
static void ssp_slot_finish(struct ssp_slot *slot)
{
	cancel_delayed_work_sync(&slot->grace_work);
	ssp_slot_put(slot);
}

static void ssp_grace_work(struct work_struct *work)
{
	struct ssp_slot *slot = container_of(to_delayed_work(work),
					     struct ssp_slot, grace_work);
	bool end;

	mutex_lock(&ssp_slots_lock);
	spin_lock(&slot->lock);
	end = slot->state == STM32_SSP_STATE_ABSENT;
	spin_unlock(&slot->lock);
	if (end)
		ssp_slot_end(slot, false);
	mutex_unlock(&ssp_slots_lock);
	/* The list's reference; the slot may be freed here, work included. */
	if (end)
		ssp_slot_put(slot);
}

static struct ssp_slot *ssp_slot_new(struct ssp_dfu *dfu, const char *port)
{
	struct ssp_slot *slot;
	int minor;

	slot = kzalloc(sizeof(*slot), GFP_KERNEL);
	if (!slot)
		return ERR_PTR(-ENOMEM);
	minor = ssp_minor_alloc();
	if (minor < 0) {
		kfree(slot);
		return ERR_PTR(minor);
	}
	kref_init(&slot->kref);
	INIT_LIST_HEAD(&slot->node);
	slot->minor = minor;
	strscpy(slot->port, port, sizeof(slot->port));
	/* The whole serial: re-attach compares it with the next device's. */
	slot->serial = kstrdup(dfu->udev->serial ?: "", GFP_KERNEL);
	if (!slot->serial) {
		ssp_minor_free(minor);
		kfree(slot);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&slot->io_mutex);
	spin_lock_init(&slot->lock);
	init_waitqueue_head(&slot->wait);
	INIT_DELAYED_WORK(&slot->grace_work, ssp_grace_work);
	INIT_DELAYED_WORK(&slot->boot_work, ssp_boot_work);
	ssp_slot_take_ident(slot, dfu);

	/* Under the interface; moved as the chip comes and goes (sysfs.c). */
	slot->dev = ssp_slot_dev_create(slot, dfu->intf);
	if (IS_ERR(slot->dev)) {
		int ret = PTR_ERR(slot->dev);

		ssp_minor_free(minor);
		kfree(slot->serial);
		kfree(slot);
		return ERR_PTR(ret);
	}
	return slot;
}

static bool ssp_slot_attached(struct ssp_slot *slot)
{
	bool attached;

	spin_lock(&slot->lock);
	attached = slot->dfu;
	spin_unlock(&slot->lock);
	return attached;
}

static struct ssp_slot *ssp_slot_find_port(const char *port)
{
	struct ssp_slot *slot;

	list_for_each_entry(slot, &ssp_slots, node)
		if (!strcmp(slot->port, port))
			return slot;
	return NULL;
}

/* The key of a chip's slot: "BUS-PORTS" ("1-1.2"), as in /sys/bus/usb. */
static void ssp_port_path(struct usb_device *udev, char *port, size_t len)
{
	snprintf(port, len, "%d-%s", udev->bus->busnum, udev->devpath);
}

/**
 * ssp_slot_port_busy() - does another interface of @udev hold its slot?
 * @udev: the device being probed
 *
 * Lets probe refuse a second matching interface before it sends the chip
 * anything. ssp_slot_attach() decides again under ssp_slots_lock; this is
 * only the early answer (the probes of one device's interfaces are
 * serialised by the device lock, so it is also the same answer).
 */
bool ssp_slot_port_busy(struct usb_device *udev)
{
	char port[SSP_PORT_LEN];
	struct ssp_slot *slot;
	bool busy;

	ssp_port_path(udev, port, sizeof(port));
	mutex_lock(&ssp_slots_lock);
	slot = ssp_slot_find_port(port);
	busy = slot && ssp_slot_attached(slot);
	mutex_unlock(&ssp_slots_lock);
	return busy;
}

/**
 * ssp_slot_attach() - give a probed chip its slot
 * @dfu: the bound interface, identified
 * @gen: the slot's generation after the attach, for the caller's log
 *
 * A slot whose device is attached keeps it: a second matching interface
 * of the same device (the only way to probe on an attached port, since
 * the USB core disconnects a port's old device before it enumerates the
 * next) gets -EBUSY and stays unbound.
 *
 * Return: the slot, with a reference for the interface, or an ERR_PTR
 * (-EBUSY: the port's slot has a device attached).
 */
struct ssp_slot *ssp_slot_attach(struct ssp_dfu *dfu, u32 *gen)
{
	struct ssp_slot *slot, *old = NULL;
	enum stm32_ssp_state old_state;
	enum stm32_ssp_stage old_stage;
	char port[SSP_PORT_LEN];
	const char *serial = dfu->udev->serial ?: "";

	ssp_port_path(dfu->udev, port, sizeof(port));

	mutex_lock(&ssp_slots_lock);
	slot = ssp_slot_find_port(port);
	if (slot && ssp_slot_attached(slot)) {
		mutex_unlock(&ssp_slots_lock);
		return ERR_PTR(-EBUSY);
	}
	if (slot && !strcmp(slot->serial, serial)) {
		/* The grace work re-checks the state under ssp_slots_lock. */
		cancel_delayed_work(&slot->grace_work);
		mutex_lock(&slot->io_mutex);
		spin_lock(&slot->lock);
		old_state = slot->state;
		old_stage = slot->stage;
		ssp_slot_take_ident(slot, dfu);
		slot->generation++;
		slot->seq++;
		*gen = slot->generation;
		trace_stm32_ssp_slot(slot, old_state, old_stage);
		spin_unlock(&slot->lock);
		mutex_unlock(&slot->io_mutex);
		kref_get(&slot->kref);
		ssp_slot_dev_move(slot, dfu->intf);
		wake_up_all(&slot->wait);
		ssp_nl_event(slot, STM32_SSP_CMD_REATTACH);
		mutex_unlock(&ssp_slots_lock);
		return slot;
	}
	if (slot) {
		old = slot;
		ssp_slot_end(old, true);
	}
	slot = ssp_slot_new(dfu, port);
	if (!IS_ERR(slot)) {
		*gen = 0;
		list_add_tail(&slot->node, &ssp_slots);
		spin_lock(&slot->lock);
		trace_stm32_ssp_slot(slot, 0, STM32_SSP_STAGE_UNKNOWN);
		spin_unlock(&slot->lock);
		kref_get(&slot->kref);
		ssp_nl_event(slot, STM32_SSP_CMD_NEW);
	}
	mutex_unlock(&ssp_slots_lock);
	if (old)
		ssp_slot_finish(old);
	return slot;
}

/**
 * ssp_slot_detach() - the slot's chip left the bus (disconnect)
 * @slot: the slot; its interface reference is dropped
 *
 * cdc-wdm's order: flag and wake first, then kill the URBs, then take the
 * I/O lock (the step holding it ends at once), then change the state.
 */
void ssp_slot_detach(struct ssp_slot *slot)
{
	enum stm32_ssp_state old_state;
	enum stm32_ssp_stage old_stage;
	struct ssp_dfu *dfu;
	bool gone;

	/* Out of the interface before the USB core deletes it. */
	mutex_lock(&ssp_slots_lock);
	ssp_slot_dev_move(slot, NULL);
	mutex_unlock(&ssp_slots_lock);

	spin_lock(&slot->lock);
	/* Ours: only this disconnect clears it, and no attach replaces it. */
	dfu = slot->dfu;
	set_bit(SSP_DFU_DISCONNECTING, &dfu->flags);
	spin_unlock(&slot->lock);
	wake_up_all(&slot->wait);
	ssp_dfu_kill(dfu);

	mutex_lock(&slot->io_mutex);
	spin_lock(&slot->lock);
	slot->dfu = NULL;
	old_state = slot->state;
	old_stage = slot->stage;
	gone = !ssp_slot_set_state(slot, STM32_SSP_STATE_ABSENT);
	if (!gone) {
		slot->stage = STM32_SSP_STAGE_UNKNOWN;
		slot->seq++;
		trace_stm32_ssp_slot(slot, old_state, old_stage);
		/* Under the lock: ssp_slot_end() sets GONE under it too. */
		queue_delayed_work(ssp_wq, &slot->grace_work,
				   msecs_to_jiffies(READ_ONCE(ssp_grace_ms)));
	}
	spin_unlock(&slot->lock);
	mutex_unlock(&slot->io_mutex);
	cancel_delayed_work_sync(&slot->boot_work);
	if (!gone)
		ssp_slot_changed(slot);
	ssp_dfu_free(dfu);
	ssp_slot_put(slot);
}

/*
 * USB resets and system sleep. Neither is a chip reset: the chip keeps its
 * USB device, its stage and what it holds in SYSRAM, so the slot stays
 * attached and READY in the same stage with the same generation. Only when
 * the chip answers with another identity afterwards (it did restart: power
 * lost while suspended, or a ROM that starts its image on a bus reset) is
 * it counted as a re-enumeration. Documentation/driver.rst says why each
 * hook does what it does.
 */

/* After a reset or a reset-resume, io_mutex held: did the chip restart? */
static void ssp_slot_recheck(struct ssp_slot *slot)
{
	struct ssp_dfu *dfu = slot->dfu;
	struct ssp_ident *id;
	bool changed = false;
	int ret;

	lockdep_assert_held(&slot->io_mutex);
	spin_lock(&slot->lock);
	/* A boot poll in progress reads the identity itself. */
	if (slot->state != STM32_SSP_STATE_READY)
		dfu = NULL;
	spin_unlock(&slot->lock);
	if (!dfu || ssp_dfu_gone(dfu))
		return;
	id = kzalloc(sizeof(*id), GFP_KERNEL);
	if (!id)
		return;
	ret = ssp_read_ident(dfu, id, max(READ_ONCE(ssp_io_timeout_ms), 1U));
	if (ret) {
		if (!ssp_dfu_gone(dfu))
			dev_warn(&dfu->intf->dev,
				 "cannot read the identity back after the USB reset: %d; the next step will tell\n",
				 ret);
		kfree(id);
		return;
	}
	if (id->stage != dfu->id.stage || id->chip_id != dfu->id.chip_id ||
	    strcmp(id->product, dfu->id.product)) {
		dfu->id = *id;
		spin_lock(&slot->lock);
		changed = slot->state != STM32_SSP_STATE_GONE;
		if (changed) {
			ssp_slot_take_ident(slot, dfu);
			slot->generation++;
			slot->seq++;
		}
		spin_unlock(&slot->lock);
	}
	kfree(id);
	if (changed) {
		dev_info(&dfu->intf->dev,
			 "the chip restarted during the USB reset: now %s\n",
			 ssp_stage_str(dfu->id.stage));
		wake_up_all(&slot->wait);
		ssp_nl_event(slot, STM32_SSP_CMD_REATTACH);
	}
}

/**
 * ssp_slot_reset_prepare() - a usb_reset_device() of the chip begins
 * @slot: the slot of the interface
 *
 * Waits for the step or boot poll in progress (each transfer is bounded by
 * io_timeout_ms, so the step is) and keeps the io_mutex until
 * ssp_slot_reset_done(): no transfer is in flight across the reset and no
 * step is cut by it; steps issued meanwhile wait. The USB core calls both
 * hooks from the resetting task, with the device locked.
 */
void ssp_slot_reset_prepare(struct ssp_slot *slot)
{
	mutex_lock(&slot->io_mutex);
}

/* The reset is over (whether it worked or not): see the comment above. */
void ssp_slot_reset_done(struct ssp_slot *slot)
{
	lockdep_assert_held(&slot->io_mutex);
	ssp_slot_recheck(slot);
	mutex_unlock(&slot->io_mutex);
}

/**
 * ssp_slot_suspend() - system sleep begins
 * @slot: the slot of the interface
 *
 * User space is frozen already, so no step runs (a task in a step freezes
 * only once its ioctl returned). The MP15 boot poll is stopped: its
 * requests would fail on a suspended device.
 */
void ssp_slot_suspend(struct ssp_slot *slot)
{
	cancel_delayed_work_sync(&slot->boot_work);
}

/**
 * ssp_slot_resume() - system sleep is over
 * @slot: the slot of the interface
 * @reset: the device was reset on the way (reset_resume): check that the
 *	chip is the one that went to sleep
 *
 * A boot poll stopped by ssp_slot_suspend() starts again with a whole
 * boot_timeout_ms: the sleep is not the image's fault.
 */
void ssp_slot_resume(struct ssp_slot *slot, bool reset)
{
	bool booting;

	mutex_lock(&slot->io_mutex);
	if (reset)
		ssp_slot_recheck(slot);
	spin_lock(&slot->lock);
	booting = slot->state == STM32_SSP_STATE_BOOTING;
	if (booting)
		slot->boot_deadline = jiffies +
			msecs_to_jiffies(READ_ONCE(ssp_boot_timeout_ms));
	spin_unlock(&slot->lock);
	mutex_unlock(&slot->io_mutex);
	if (booting)
		queue_delayed_work(ssp_wq, &slot->boot_work, 0);
}

struct ssp_slot *ssp_slot_get_by_minor(unsigned int minor)
{
	struct ssp_slot *slot, *found = NULL;

	mutex_lock(&ssp_slots_lock);
	list_for_each_entry(slot, &ssp_slots, node) {
		if (slot->minor == minor) {
			kref_get(&slot->kref);
			found = slot;
			break;
		}
	}
	mutex_unlock(&ssp_slots_lock);
	return found;
}

/* The live slot with the smallest minor >= @from (dump cursor), referenced. */
struct ssp_slot *ssp_slot_next(unsigned int from)
{
	struct ssp_slot *slot, *found = NULL;

	mutex_lock(&ssp_slots_lock);
	list_for_each_entry(slot, &ssp_slots, node)
		if (slot->minor >= from && (!found || slot->minor < found->minor))
			found = slot;
	if (found)
		kref_get(&found->kref);
	mutex_unlock(&ssp_slots_lock);
	return found;
}

/* Module unload: the USB driver is gone, so every slot is absent. */
void ssp_slot_end_all(void)
{
	struct ssp_slot *slot;

	for (;;) {
		mutex_lock(&ssp_slots_lock);
		slot = list_first_entry_or_null(&ssp_slots, struct ssp_slot, node);
		if (slot)
			ssp_slot_end(slot, false);
		mutex_unlock(&ssp_slots_lock);
		if (!slot)
			break;
		ssp_slot_finish(slot);
	}
}

/**
 * ssp_slot_usable() - may a step talk to the chip now?
 * @slot: the slot, io_mutex held
 *
 * Return: 0; -ENODEV when the chip is absent or leaving, or the slot ended;
 * -ESTALE when another chip replaced it; -EAGAIN while an image boots.
 */
int ssp_slot_usable(struct ssp_slot *slot)
{
	int ret = 0;

	lockdep_assert_held(&slot->io_mutex);
	spin_lock(&slot->lock);
	switch (slot->state) {
	case STM32_SSP_STATE_READY:
		if (!slot->dfu || test_bit(SSP_DFU_DISCONNECTING, &slot->dfu->flags))
			ret = -ENODEV;
		break;
	case STM32_SSP_STATE_BOOTING:
		ret = -EAGAIN;
		break;
	case STM32_SSP_STATE_ABSENT:
		ret = -ENODEV;
		break;
	default:
		ret = slot->replaced ? -ESTALE : -ENODEV;
		break;
	}
	spin_unlock(&slot->lock);
	return ret;
}

void ssp_slot_snapshot(struct ssp_slot *slot, struct stm32_ssp_info *info)
{
	unsigned int i;

	spin_lock(&slot->lock);
	info->chip_id = slot->chip_id;
	info->revision = slot->revision;
	info->stage = slot->stage;
	info->state = slot->state;
	info->generation = slot->generation;
	info->seq = slot->seq;
	info->transfer_size = slot->transfer_size;
	info->num_alts = slot->num_alts;
	strscpy_pad(info->serial, slot->serial, sizeof(info->serial));
	strscpy_pad(info->port_path, slot->port, sizeof(info->port_path));
	strscpy_pad(info->product, slot->product, sizeof(info->product));
	info->num_phase_alts = slot->num_phase_alts;
	info->reserved = 0;
	memset(info->alts, 0, sizeof(info->alts));
	for (i = 0; i < slot->num_phase_alts; i++) {
		info->alts[i].phase = slot->alts[i].phase;
		info->alts[i].alt = slot->alts[i].alt;
		info->alts[i].size = slot->alts[i].size;
		strscpy_pad(info->alts[i].name, slot->alts[i].name,
			    sizeof(info->alts[i].name));
	}
	spin_unlock(&slot->lock);
}

/**
 * ssp_slot_end_port() - end the slot of a released port (ports.c)
 * @port: the port path
 *
 * The chip was unbound and no probe attaches on the port any more, so the
 * slot is absent and would only wait for grace_ms: it ends now, and open
 * files get ENODEV. A slot with a device attached is left alone (it
 * cannot happen after the release unbound the port).
 */
void ssp_slot_end_port(const char *port)
{
	struct ssp_slot *slot;

	mutex_lock(&ssp_slots_lock);
	slot = ssp_slot_find_port(port);
	if (slot && ssp_slot_attached(slot))
		slot = NULL;
	if (slot)
		ssp_slot_end(slot, false);
	mutex_unlock(&ssp_slots_lock);
	if (slot)
		ssp_slot_finish(slot);
}
