// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: module init and exit, parameters, the "stm32_ssp" class, the chrdev
 * region and the minors of /dev/sspN.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kdev_t.h>
#include <linux/module.h>

#include "ssp.h"

unsigned int ssp_grace_ms = 30000;
module_param_named(grace_ms, ssp_grace_ms, uint, 0644);
MODULE_PARM_DESC(grace_ms,
		 "how long a slot waits for its chip to come back after it left the bus (ms, default 30000)");

unsigned int ssp_io_timeout_ms = 5000;
module_param_named(io_timeout_ms, ssp_io_timeout_ms, uint, 0644);
MODULE_PARM_DESC(io_timeout_ms,
		 "timeout of one DFU request and of a DFU state poll (ms, default 5000)");

unsigned int ssp_boot_timeout_ms = 10000;
module_param_named(boot_timeout_ms, ssp_boot_timeout_ms, uint, 0644);
MODULE_PARM_DESC(boot_timeout_ms,
		 "how long an image started by the MP15 ROM may take to answer (ms, default 10000)");

struct workqueue_struct *ssp_wq;
static dev_t ssp_base;
static DEFINE_IDA(ssp_minors);

struct class ssp_class = {
	.name = "stm32_ssp",
	.dev_groups = ssp_dev_groups,
	.dev_uevent = ssp_dev_uevent,
};

dev_t ssp_devt(unsigned int minor)
{
	return MKDEV(MAJOR(ssp_base), minor);
}

int ssp_minor_alloc(void)
{
	return ida_alloc_max(&ssp_minors, SSP_MAX_MINORS - 1, GFP_KERNEL);
}

void ssp_minor_free(unsigned int minor)
{
	ida_free(&ssp_minors, minor);
}

static int __init ssp_init(void)
{
	int ret;

	ssp_wq = alloc_workqueue("stm32_ssp", 0, 0);
	if (!ssp_wq)
		return -ENOMEM;
	ret = alloc_chrdev_region(&ssp_base, 0, SSP_MAX_MINORS, "stm32_ssp");
	if (ret)
		goto err_wq;
	ret = ssp_chardev_init(ssp_base);
	if (ret)
		goto err_region;
	ret = class_register(&ssp_class);
	if (ret)
		goto err_cdev;
	ret = ssp_nl_init();
	if (ret)
		goto err_class;
	ret = ssp_usb_register();
	if (ret)
		goto err_nl;
	return 0;

err_nl:
	ssp_nl_exit();
err_class:
	class_unregister(&ssp_class);
err_cdev:
	ssp_chardev_exit();
err_region:
	unregister_chrdev_region(ssp_base, SSP_MAX_MINORS);
err_wq:
	destroy_workqueue(ssp_wq);
	return ret;
}

/*
 * Open files pin the module, so none is left here. Deregistering the USB
 * driver disconnects every chip (slots go absent; boot works are cancelled
 * at each disconnect); then every slot ends. A grace work that ended its
 * slot itself may still be dropping the last reference (ida_free(), the
 * netlink event): destroying the workqueue waits for it, so it comes
 * before the netlink family, the class and the IDA go.
 */
static void __exit ssp_exit(void)
{
	ssp_usb_deregister();
	ssp_slot_end_all();
	destroy_workqueue(ssp_wq);
	ssp_nl_exit();
	class_unregister(&ssp_class);
	ssp_chardev_exit();
	unregister_chrdev_region(ssp_base, SSP_MAX_MINORS);
	ida_destroy(&ssp_minors);
}

module_init(ssp_init);
module_exit(ssp_exit);

MODULE_DESCRIPTION("STM32MP Secure Secret Provisioning over USB DFU");
MODULE_LICENSE("GPL");
/* PACKAGE_VERSION of dkms.conf, passed by Kbuild: /sys/module/stm32_ssp/version */
MODULE_VERSION(SSP_VERSION);
