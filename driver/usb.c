// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: the USB driver. Binds to ST DFU interfaces (0483:DF11, class
 * FE/01/02) and keeps only STM32MP ROMs and SSP firmware (spec 1.2); every
 * other ST DFU device (U-Boot, MCUs) is refused with -ENODEV and stays
 * available to dfu-util, as is every device on a port left to other tools
 * (ports.c), which gets no request at all.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/usb.h>

#include "ssp.h"

#define SSP_USB_VID		0x0483
#define SSP_USB_PID		0xdf11
#define USB_DT_DFU_FUNCTIONAL	0x21
#define DFU_FUNC_DESC_LEN	7	/* up to wTransferSize */

static const struct usb_device_id ssp_usb_ids[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(SSP_USB_VID, SSP_USB_PID, 0xfe, 0x01, 0x02) },
	{ }
};
MODULE_DEVICE_TABLE(usb, ssp_usb_ids);

/*
 * Timeout of the next string request of an identification that must end
 * by @deadline: @timeout_ms, or what is left; 0 once the budget is spent.
 */
static unsigned int ssp_ident_timeout(unsigned long deadline,
				      unsigned int timeout_ms)
{
	if (time_after_eq(jiffies, deadline))
		return 0;
	return max(min(timeout_ms, jiffies_to_msecs(deadline - jiffies)), 1U);
}

/**
 * ssp_read_product() - read the product string alone
 * @dfu: the device
 * @id: product, chip_id, revision and stage are filled in; no phase map
 * @timeout_ms: timeout of the request
 *
 * All the MP15 boot poll needs to decide: the FSBL answers with its own
 * product string on the ROM's USB device and configuration (spec 1.2).
 *
 * Return: 0, -ENODEV when it is not an STM32MP ROM or FSBL string, or the
 * error of the request.
 */
int ssp_read_product(struct ssp_dfu *dfu, struct ssp_ident *id,
		     unsigned int timeout_ms)
{
	int ret;

	memset(id, 0, sizeof(*id));
	ret = ssp_dfu_get_string(dfu, dfu->udev->descriptor.iProduct,
				 id->product, sizeof(id->product), timeout_ms);
	if (ret)
		return ret;
	return ssp_parse_product(id->product, id);
}

/**
 * ssp_read_ident() - read the product string and alternate names
 * @dfu: the device
 * @id: filled in; the phase map keeps the first alternate of each phase
 * @timeout_ms: timeout of each string request
 *
 * Alternates whose name does not follow the ST grammar are not mapped.
 * A device may have up to 128 alternates, each name a request: all of them
 * together get at most SSP_IDENT_BUDGET_MS, so a device that answers each
 * request just before its timeout cannot hold the probe (and the hub
 * thread) for minutes.
 *
 * Return: 0, -ENODEV when the product string is not an STM32MP ROM or
 * FSBL, -ETIMEDOUT when the budget is spent, or the error of a string
 * request.
 */
int ssp_read_ident(struct ssp_dfu *dfu, struct ssp_ident *id,
		   unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(SSP_IDENT_BUDGET_MS);
	unsigned int t;
	unsigned int i;
	int ret;

	ret = ssp_read_product(dfu, id, ssp_ident_timeout(deadline, timeout_ms));
	if (ret)
		return ret;
	for (i = 0; i < dfu->intf->num_altsetting; i++) {
		const struct usb_host_interface *as = &dfu->intf->altsetting[i];
		struct ssp_alt alt;

		if (!as->desc.iInterface || id->num_alts == SSP_MAX_ALTS)
			continue;
		t = ssp_ident_timeout(deadline, timeout_ms);
		if (!t)
			return -ETIMEDOUT;
		ret = ssp_dfu_get_string(dfu, as->desc.iInterface, alt.name,
					 sizeof(alt.name), t);
		if (ret)
			return ret;
		if (ssp_parse_alt_name(alt.name, &alt) || ssp_find_alt(id, alt.phase))
			continue;
		alt.alt = as->desc.bAlternateSetting;
		id->alts[id->num_alts++] = alt;
	}
	return 0;
}

/* wTransferSize from the DFU functional descriptor. */
static int ssp_transfer_size(struct usb_interface *intf, u32 *size)
{
	struct usb_device *udev = interface_to_usbdev(intf);
	u8 *desc = NULL;
	unsigned int i;

	for (i = 0; i < intf->num_altsetting && !desc; i++) {
		struct usb_host_interface *as = &intf->altsetting[i];

		if (__usb_get_extra_descriptor(as->extra, as->extralen,
					       USB_DT_DFU_FUNCTIONAL,
					       (void **)&desc, DFU_FUNC_DESC_LEN))
			desc = NULL;
	}
	if (!desc && udev->actconfig &&
	    __usb_get_extra_descriptor(udev->actconfig->extra,
				       udev->actconfig->extralen,
				       USB_DT_DFU_FUNCTIONAL, (void **)&desc,
				       DFU_FUNC_DESC_LEN))
		desc = NULL;
	if (!desc)
		return -ENODEV;
	*size = min_t(u32, get_unaligned_le16(desc + 5), SSP_XFER_MAX);
	return *size ? 0 : -ENODEV;
}

static int ssp_probe(struct usb_interface *intf, const struct usb_device_id *uid)
{
	char port[SSP_PORT_LEN];
	struct ssp_slot *slot;
	struct ssp_dfu *dfu;
	u32 gen;
	int ret;

	/* A port left to other tools gets no request at all (ports.c). */
	ssp_port_name(interface_to_usbdev(intf), port, sizeof(port));
	if (ssp_port_excluded(port)) {
		dev_info(&intf->dev,
			 "port %s is left to other tools (released or in ignore_ports); not bound\n",
			 port);
		return -ENODEV;
	}
	/*
	 * A second matching interface of a device whose slot is held: refused
	 * before it sends the chip anything, so the probe ends at once (the
	 * driver core shows the interface bound while its probe runs).
	 */
	if (ssp_slot_port_busy(interface_to_usbdev(intf))) {
		dev_warn(&intf->dev,
			 "another DFU interface of this device is bound already; this one stays unbound\n");
		return -EBUSY;
	}
	dfu = ssp_dfu_alloc(intf);
	if (!dfu)
		return -ENOMEM;
	ret = ssp_transfer_size(intf, &dfu->transfer_size);
	if (ret)
		goto err;
	ret = ssp_read_ident(dfu, &dfu->id, max(READ_ONCE(ssp_io_timeout_ms), 1U));
	if (ret)
		goto err;
	slot = ssp_port_attach(dfu, port, &gen);
	if (IS_ERR(slot)) {
		ret = PTR_ERR(slot);
		if (ret == -EPERM) {
			dev_info(&intf->dev,
				 "port %s was released during the probe; not bound\n",
				 port);
			ret = -ENODEV;
		} else if (ret == -EBUSY)
			dev_warn(&intf->dev,
				 "another DFU interface of this device is bound already; this one stays unbound\n");
		else
			dev_err(&intf->dev, "cannot give the chip a slot: %d\n",
				ret);
		ssp_dfu_free(dfu);
		return ret;
	}
	usb_set_intfdata(intf, slot);
	dev_info(&intf->dev, "STM32MP chip 0x%03x %s on ssp%u, generation %u\n",
		 dfu->id.chip_id, ssp_stage_str(dfu->id.stage), slot->minor,
		 gen);
	return 0;

err:
	if (ret != -ENODEV)
		dev_err(&intf->dev, "cannot identify the DFU device: %d\n", ret);
	ssp_dfu_free(dfu);
	return ret;
}

static void ssp_disconnect(struct usb_interface *intf)
{
	struct ssp_slot *slot = usb_get_intfdata(intf);

	usb_set_intfdata(intf, NULL);
	ssp_slot_detach(slot);
}

/*
 * Without these hooks the USB core unbinds the driver around a
 * usb_reset_device() and a system sleep and probes it again afterwards:
 * the chip would look re-enumerated (generation + 1, REATTACH) although it
 * never reset. With them the slot stays attached; see slot.c and
 * Documentation/driver.rst. Runtime (auto)suspend stays off
 * (supports_autosuspend is 0): a ROM waiting for its next image is not
 * idle, and no STM32MP ROM is known to answer remote wakeup.
 */
static int ssp_pre_reset(struct usb_interface *intf)
{
	ssp_slot_reset_prepare(usb_get_intfdata(intf));
	return 0;
}

static int ssp_post_reset(struct usb_interface *intf)
{
	ssp_slot_reset_done(usb_get_intfdata(intf));
	return 0;
}

static int ssp_suspend(struct usb_interface *intf, pm_message_t msg)
{
	ssp_slot_suspend(usb_get_intfdata(intf));
	return 0;
}

static int ssp_resume(struct usb_interface *intf)
{
	ssp_slot_resume(usb_get_intfdata(intf), false);
	return 0;
}

static int ssp_reset_resume(struct usb_interface *intf)
{
	ssp_slot_resume(usb_get_intfdata(intf), true);
	return 0;
}

static struct usb_driver ssp_usb_driver = {
	.name = "stm32_ssp",
	.probe = ssp_probe,
	.disconnect = ssp_disconnect,
	.pre_reset = ssp_pre_reset,
	.post_reset = ssp_post_reset,
	.suspend = ssp_suspend,
	.resume = ssp_resume,
	.reset_resume = ssp_reset_resume,
	.id_table = ssp_usb_ids,
	.supports_autosuspend = 0,
};

/* Release of a port (ports.c): unbind every interface; device lock held. */
void ssp_usb_unbind(struct usb_device *udev)
{
	unsigned int i;

	for (i = 0; udev->actconfig && i < udev->actconfig->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = udev->actconfig->interface[i];

		if (intf && intf->dev.driver == &ssp_usb_driver.driver)
			usb_driver_release_interface(&ssp_usb_driver, intf);
	}
}

/*
 * Claim of a port: does another driver (usbfs for dfu-util and
 * STM32CubeProgrammer) hold a DFU interface we match? Device lock held.
 */
bool ssp_usb_held_by_other(struct usb_device *udev)
{
	unsigned int i;

	for (i = 0; udev->actconfig && i < udev->actconfig->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = udev->actconfig->interface[i];

		if (intf && intf->dev.driver &&
		    intf->dev.driver != &ssp_usb_driver.driver &&
		    usb_match_id(intf, ssp_usb_ids))
			return true;
	}
	return false;
}

/*
 * Claim of a port: probe every unbound interface now. The parent's (the
 * device's) lock is held, as bus_rescan_devices() holds it.
 */
void ssp_usb_bind(struct usb_device *udev)
{
	unsigned int i;

	for (i = 0; udev->actconfig && i < udev->actconfig->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = udev->actconfig->interface[i];

		if (intf && !intf->dev.driver && device_attach(&intf->dev) < 0)
			dev_warn(&intf->dev, "claim: cannot probe the interface\n");
	}
}

int ssp_usb_register(void)
{
	return usb_register(&ssp_usb_driver);
}

void ssp_usb_deregister(void)
{
	usb_deregister(&ssp_usb_driver);
}
