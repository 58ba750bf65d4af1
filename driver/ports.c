// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: the USB ports the driver leaves to other tools (dfu-util,
 * STM32CubeProgrammer). Two sets, both keyed by port path ("1-1.2"), so
 * they hold across the chip's re-enumerations:
 *
 * - ignore_ports, the module parameter: host configuration. A write
 *   replaces the set and applies from the next probe on: a chip bound now
 *   stays bound (hand it over with a release).
 * - released ports (netlink RELEASE/CLAIM, an operator's action): a release
 *   unbinds the chip on the port now and ends its slot; a claim takes the
 *   port back and probes the device on it now.
 *
 * Probe checks both sets twice: before any I/O (a released chip gets not
 * even a string request), and under ssp_ports_lock around the slot attach,
 * so that a probe racing a release either attaches before the port is
 * marked (and is unbound by it) or sees the mark.
 *
 * Lock order: the USB device lock (probe), then ssp_ports_lock, then
 * ssp_slots_lock. A release or claim never holds ssp_ports_lock while it
 * takes a device lock.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/string.h>
#include <linux/usb.h>

#include "ssp.h"

struct ssp_port_set {
	unsigned int n;
	char port[SSP_MAX_PORTS][SSP_PORT_LEN];
};

static_assert(SSP_PORT_PATH_LEN == SSP_PORT_LEN);

static DEFINE_MUTEX(ssp_ports_lock);
/* Both under ssp_ports_lock. */
static struct ssp_port_set ssp_ignored;
static struct ssp_port_set ssp_released;

void ssp_port_name(struct usb_device *udev, char *port, size_t len)
{
	snprintf(port, len, "%d-%s", udev->bus->busnum, udev->devpath);
}

static int ssp_port_find(const struct ssp_port_set *set, const char *port)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->port[i], port))
			return i;
	return -1;
}

static int ssp_port_add(struct ssp_port_set *set, const char *port)
{
	if (ssp_port_find(set, port) >= 0)
		return 0;
	if (set->n == SSP_MAX_PORTS)
		return -ENOSPC;
	strscpy(set->port[set->n++], port, SSP_PORT_LEN);
	return 0;
}

static void ssp_port_del(struct ssp_port_set *set, const char *port)
{
	int i = ssp_port_find(set, port);

	if (i < 0)
		return;
	set->n--;
	if (i != set->n)
		memcpy(set->port[i], set->port[set->n], SSP_PORT_LEN);
}

static bool ssp_port_excluded_locked(const char *port)
{
	lockdep_assert_held(&ssp_ports_lock);
	return ssp_port_find(&ssp_ignored, port) >= 0 ||
	       ssp_port_find(&ssp_released, port) >= 0;
}

/* Probe, before any I/O: is the port left to other tools? */
bool ssp_port_excluded(const char *port)
{
	bool excluded;

	mutex_lock(&ssp_ports_lock);
	excluded = ssp_port_excluded_locked(port);
	mutex_unlock(&ssp_ports_lock);
	return excluded;
}

/**
 * ssp_port_attach() - ssp_slot_attach() unless the port is left to others
 * @dfu: the identified interface
 * @port: its port path
 * @gen: as for ssp_slot_attach()
 *
 * Return: as ssp_slot_attach(), or -EPERM when the port was released or
 * ignored since the probe's first check.
 */
struct ssp_slot *ssp_port_attach(struct ssp_dfu *dfu, const char *port,
				 u32 *gen)
{
	struct ssp_slot *slot;

	mutex_lock(&ssp_ports_lock);
	if (ssp_port_excluded_locked(port))
		slot = ERR_PTR(-EPERM);
	else
		slot = ssp_slot_attach(dfu, gen);
	mutex_unlock(&ssp_ports_lock);
	return slot;
}

/* ---- the ignore_ports parameter ---- */

static int ssp_ignore_ports_set(const char *val, const struct kernel_param *kp)
{
	struct ssp_port_set *set;
	char *buf, *cur, *tok;
	int ret = 0;

	if (strlen(val) > SSP_MAX_PORTS * SSP_PORT_LEN) {
		pr_err("stm32_ssp: ignore_ports: the list is too long (at most %u ports of up to %u characters)\n",
		       SSP_MAX_PORTS, SSP_PORT_LEN - 1);
		return -EINVAL;
	}
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	buf = kstrdup(val, GFP_KERNEL);
	if (!set || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	cur = strim(buf);
	while ((tok = strsep(&cur, ","))) {
		tok = strim(tok);
		if (!*tok)
			continue;
		if (ssp_port_parse(tok, NULL, NULL)) {
			pr_err("stm32_ssp: ignore_ports: \"%.*s\" is not a USB port path (BUS-PORT[.PORT...], e.g. 1-1.2, as in /sys/bus/usb/devices); nothing changed\n",
			       SSP_PORT_LEN, tok);
			ret = -EINVAL;
			goto out;
		}
		if (ssp_port_add(set, tok)) {
			pr_err("stm32_ssp: ignore_ports: more than %u ports; nothing changed\n",
			       SSP_MAX_PORTS);
			ret = -EINVAL;
			goto out;
		}
	}
	mutex_lock(&ssp_ports_lock);
	ssp_ignored = *set;
	mutex_unlock(&ssp_ports_lock);
out:
	kfree(buf);
	kfree(set);
	return ret;
}

static int ssp_ignore_ports_get(char *buffer, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	mutex_lock(&ssp_ports_lock);
	for (i = 0; i < ssp_ignored.n; i++)
		len += scnprintf(buffer + len, PAGE_SIZE - len, "%s%s",
				 i ? "," : "", ssp_ignored.port[i]);
	mutex_unlock(&ssp_ports_lock);
	len += scnprintf(buffer + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops ssp_ignore_ports_ops = {
	.set = ssp_ignore_ports_set,
	.get = ssp_ignore_ports_get,
};

module_param_cb(ignore_ports, &ssp_ignore_ports_ops, NULL, 0644);
MODULE_PARM_DESC(ignore_ports,
		 "USB ports (\"1-1.2,3-4\") whose devices the driver never binds, for tools such as dfu-util; applies from the next probe");

/* ---- release and claim ---- */

struct ssp_port_match {
	unsigned int busnum;
	char devpath[SSP_PORT_LEN];
	struct usb_device *udev;
};

static int ssp_port_match_dev(struct usb_device *udev, void *data)
{
	struct ssp_port_match *m = data;

	if (udev->bus->busnum != m->busnum || strcmp(udev->devpath, m->devpath))
		return 0;
	m->udev = usb_get_dev(udev);
	return 1;
}

/* The USB device on a (valid) port now, referenced; NULL if none. */
static struct usb_device *ssp_port_udev(const char *port)
{
	struct ssp_port_match m = { };

	if (ssp_port_parse(port, &m.busnum, m.devpath))
		return NULL;
	usb_for_each_dev(&m, ssp_port_match_dev);
	return m.udev;
}

/**
 * ssp_port_release() - hand the chip on a port to other tools
 * @port: port path (checked by the caller)
 * @extack: for the error's reason
 *
 * Marks the port, unbinds the driver from every interface of the device
 * on it, and ends the port's slot (open files get ENODEV). Releasing a
 * released port is not an error.
 *
 * Return: 0, -EINVAL for a bad path, -ENOSPC when SSP_MAX_PORTS ports are
 * released already.
 */
int ssp_port_release(const char *port, struct netlink_ext_ack *extack)
{
	struct usb_device *udev;
	int ret;

	if (ssp_port_parse(port, NULL, NULL)) {
		NL_SET_ERR_MSG(extack, "not a USB port path (BUS-PORT[.PORT...])");
		return -EINVAL;
	}
	mutex_lock(&ssp_ports_lock);
	ret = ssp_port_add(&ssp_released, port);
	mutex_unlock(&ssp_ports_lock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "too many released ports; claim one back first");
		return ret;
	}
	/* No probe attaches on the port from here on: unbind what did. */
	udev = ssp_port_udev(port);
	if (udev) {
		usb_lock_device(udev);
		ssp_usb_unbind(udev);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
	ssp_slot_end_port(port);
	pr_info("stm32_ssp: port %s released to other tools\n", port);
	return 0;
}

/**
 * ssp_port_claim() - take a released port back and bind the chip on it
 * @port: port path (checked by the caller)
 * @extack: for the error's reason
 *
 * Return: 0 (also when no device, or no STM32MP chip, is on the port: the
 * next one to enumerate there is bound); -EINVAL for a bad path; -EACCES
 * when the port is in ignore_ports; -EBUSY when another driver (usbfs:
 * dfu-util, STM32CubeProgrammer) holds the chip's DFU interface, in which
 * case the port stays released.
 */
int ssp_port_claim(const char *port, struct netlink_ext_ack *extack)
{
	struct usb_device *udev;
	int ret = 0;

	if (ssp_port_parse(port, NULL, NULL)) {
		NL_SET_ERR_MSG(extack, "not a USB port path (BUS-PORT[.PORT...])");
		return -EINVAL;
	}
	mutex_lock(&ssp_ports_lock);
	if (ssp_port_find(&ssp_ignored, port) >= 0) {
		mutex_unlock(&ssp_ports_lock);
		NL_SET_ERR_MSG(extack,
			       "the port is in the ignore_ports module parameter; remove it there");
		return -EACCES;
	}
	mutex_unlock(&ssp_ports_lock);

	udev = ssp_port_udev(port);
	if (udev) {
		usb_lock_device(udev);
		/* Under the device lock: no tool claims the interface meanwhile. */
		if (ssp_usb_held_by_other(udev)) {
			NL_SET_ERR_MSG(extack,
				       "another driver (a tool through usbfs?) holds the DFU interface; close the tool and claim again");
			ret = -EBUSY;
		}
	}
	if (!ret) {
		mutex_lock(&ssp_ports_lock);
		ssp_port_del(&ssp_released, port);
		mutex_unlock(&ssp_ports_lock);
	}
	if (udev) {
		if (!ret)
			ssp_usb_bind(udev);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
	if (!ret)
		pr_info("stm32_ssp: port %s claimed back\n", port);
	return ret;
}

/**
 * ssp_port_get() - the @idx-th port left to other tools (dump cursor)
 * @idx: 0 for the first
 * @port: filled in, SSP_PORT_LEN bytes
 * @flags: STM32_SSP_PORT_IGNORED and/or STM32_SSP_PORT_RELEASED
 *
 * Ignored ports come first, then released ports not ignored too.
 *
 * Return: true when there is such a port.
 */
bool ssp_port_get(unsigned int idx, char *port, u32 *flags)
{
	const char *p = NULL;

	mutex_lock(&ssp_ports_lock);
	if (idx < ssp_ignored.n) {
		p = ssp_ignored.port[idx];
		*flags = STM32_SSP_PORT_IGNORED;
		if (ssp_port_find(&ssp_released, p) >= 0)
			*flags |= STM32_SSP_PORT_RELEASED;
	} else {
		unsigned int i, k = ssp_ignored.n;

		for (i = 0; i < ssp_released.n && !p; i++) {
			if (ssp_port_find(&ssp_ignored, ssp_released.port[i]) >= 0)
				continue;
			if (k++ == idx) {
				p = ssp_released.port[i];
				*flags = STM32_SSP_PORT_RELEASED;
			}
		}
	}
	if (p)
		strscpy(port, p, SSP_PORT_LEN);
	mutex_unlock(&ssp_ports_lock);
	return !!p;
}
