// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: the class device /sys/class/stm32_ssp/sspN, where it sits in
 * the device tree, its attributes and its uevent variables. The class
 * device lives as long as the slot (across the chip's resets), and
 * device_destroy() waits for running show() calls, so the slot behind
 * drvdata is valid in every callback here.
 */
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "ssp.h"

/*
 * The class device follows the chip: under its USB interface while the chip
 * is attached, so that udev rules match the chip's USB attributes
 * (ATTRS{idVendor}, ATTRS{serial}); under /sys/devices/virtual/stm32_ssp
 * while the slot waits for it to come back (ABSENT) and once it has ended.
 * The class device holds a reference on its parent (device_add() and
 * device_move() take it, device_move() and device_del() drop it), so an
 * interface is never freed under it; and the disconnect moves it out
 * before the USB core deletes the interface. Creation, moves and
 * destruction all happen under ssp_slots_lock: the slot cannot end (and
 * its class device go) during a move.
 */

/* The class device of a new slot, under the interface that probed it. */
struct device *ssp_slot_dev_create(struct ssp_slot *slot,
				   struct usb_interface *intf)
{
	return device_create(&ssp_class, &intf->dev, ssp_devt(slot->minor),
			     slot, "ssp%u", slot->minor);
}

/**
 * ssp_slot_dev_move() - put the class device under @intf, or with NULL
 * under /sys/devices/virtual/stm32_ssp
 * @slot: the slot; the caller holds ssp_slots_lock
 * @intf: the slot's new interface, or NULL when its chip left the bus
 *
 * A failure (out of memory) leaves the class device where it was: only its
 * place in sysfs is wrong, /dev/sspN and the slot work on.
 */
void ssp_slot_dev_move(struct ssp_slot *slot, struct usb_interface *intf)
{
	struct kobject *old_glue;
	int ret;

	if (!slot->dev)
		return;
	/* A class device under a bus device sits in a "stm32_ssp" glue directory. */
	old_glue = slot->dev->kobj.parent;
	ret = device_move(slot->dev, intf ? &intf->dev : NULL,
			  intf ? DPM_ORDER_DEV_AFTER_PARENT : DPM_ORDER_NONE);
	if (ret) {
		dev_warn(slot->dev, "cannot move the class device %s the USB interface: %d\n",
			 intf ? "under" : "out of", ret);
		return;
	}
	/*
	 * device_move() references the new glue directory for this device but
	 * keeps the reference it held on the old one (device_del() drops it,
	 * device_move() does not): without this put, every move would leak the
	 * old directory and, with it, the interface it sits in, and the
	 * virtual one would outlive the module (a duplicate at the next load).
	 */
	kobject_put(old_glue);
}

static ssize_t chip_id_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	u32 v;

	spin_lock(&slot->lock);
	v = slot->chip_id;
	spin_unlock(&slot->lock);
	return sysfs_emit(buf, "0x%03x\n", v);
}
static DEVICE_ATTR_RO(chip_id);

static ssize_t revision_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	u32 v;

	spin_lock(&slot->lock);
	v = slot->revision;
	spin_unlock(&slot->lock);
	return sysfs_emit(buf, "0x%04x\n", v);
}
static DEVICE_ATTR_RO(revision);

static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", slot->serial);
}
static DEVICE_ATTR_RO(serial);

static ssize_t port_path_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", slot->port);
}
static DEVICE_ATTR_RO(port_path);

static ssize_t stage_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	enum stm32_ssp_stage v;

	spin_lock(&slot->lock);
	v = slot->stage;
	spin_unlock(&slot->lock);
	return sysfs_emit(buf, "%s\n", ssp_stage_str(v));
}
static DEVICE_ATTR_RO(stage);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	enum stm32_ssp_state v;

	spin_lock(&slot->lock);
	v = slot->state;
	spin_unlock(&slot->lock);
	return sysfs_emit(buf, "%s\n", ssp_state_str(v));
}
static DEVICE_ATTR_RO(state);

static ssize_t generation_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	u32 v;

	spin_lock(&slot->lock);
	v = slot->generation;
	spin_unlock(&slot->lock);
	return sysfs_emit(buf, "%u\n", v);
}
static DEVICE_ATTR_RO(generation);

static struct attribute *ssp_dev_attrs[] = {
	&dev_attr_chip_id.attr,
	&dev_attr_revision.attr,
	&dev_attr_serial.attr,
	&dev_attr_port_path.attr,
	&dev_attr_stage.attr,
	&dev_attr_state.attr,
	&dev_attr_generation.attr,
	NULL,
};

static const struct attribute_group ssp_dev_group = {
	.attrs = ssp_dev_attrs,
};

const struct attribute_group *ssp_dev_groups[] = {
	&ssp_dev_group,
	NULL,
};

/* SSP_CHIP, SSP_SERIAL and SSP_PORT for udev rules. */
int ssp_dev_uevent(SSP_UEVENT_CONST struct device *dev,
		   struct kobj_uevent_env *env)
{
	struct ssp_slot *slot = dev_get_drvdata(dev);
	u32 chip;

	if (!slot)
		return 0;
	spin_lock(&slot->lock);
	chip = slot->chip_id;
	spin_unlock(&slot->lock);
	return add_uevent_var(env, "SSP_CHIP=0x%03x", chip) ?:
	       add_uevent_var(env, "SSP_SERIAL=%s", slot->serial) ?:
	       add_uevent_var(env, "SSP_PORT=%s", slot->port);
}
