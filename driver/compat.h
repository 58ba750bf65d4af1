/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stm32_ssp: every difference between the kernels the driver builds for
 * (Debian 12's 6.1 and 6.12) lives here.
 *
 * - struct class callbacks take a const struct device from 6.3 on.
 * - class_create() lost its owner argument in 6.4: the driver registers a
 *   static struct class with class_register(), which both kernels have.
 * - no_llseek is gone in 6.12: files are stream_open()ed and leave .llseek
 *   unset, which both kernels treat as "not seekable".
 * - struct genl_family has had resv_start_op since 6.1, and 0 (every
 *   command validated strictly) is the default for new families: no shim.
 */
#ifndef _SSP_COMPAT_H
#define _SSP_COMPAT_H

#include <linux/version.h>

/* get_unaligned_le*() moved from <asm/unaligned.h> in 6.12. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#define SSP_UEVENT_CONST const
#else
#define SSP_UEVENT_CONST
#endif

#endif /* _SSP_COMPAT_H */
