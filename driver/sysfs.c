// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: attributes of /sys/class/stm32_ssp/sspN and its uevent variables.
 * The class device lives as long as the slot (across the chip's resets),
 * and device_destroy() waits for running show() calls, so the slot behind
 * drvdata is valid in every callback here.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "ssp.h"

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
