/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stm32_ssp: internal interfaces between the parts of the driver.
 *
 * core.c     module init/exit, parameters, class "stm32_ssp", chrdev region, minors
 * ident.c    product string and alternate-setting name parsing (parse.h)
 * decode.c   decoding of the chip's replies: GetPhase, certificate, strings
 *            (parse.h)
 * usb.c      usb_driver: probe (identify, phase map) and disconnect
 * dfu.c      DFU engine: ep0 requests as anchored URBs
 * ssp.c      the SSP steps behind each ioctl
 * slot.c     slots: one chip on one port, kept across its resets
 * chardev.c  /dev/sspN
 * netlink.c  generic netlink family "stm32_ssp"
 * ports.c    ports left to other tools: ignore_ports, release and claim
 * portpath.c USB port path parsing (parse.h)
 * sysfs.c    class device: its parent, attributes and uevent variables
 */
#ifndef _SSP_DRIVER_H
#define _SSP_DRIVER_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/usb.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/stm32_ssp.h>

#include "compat.h"
#include "parse.h"

#define SSP_MAX_MINORS		256
#define SSP_PORT_LEN		32
/* Ports in ignore_ports, and ports released, at most (ports.c). */
#define SSP_MAX_PORTS		32
/* Largest wTransferSize honoured; DNLOAD blocks are never larger. */
#define SSP_XFER_MAX		4096
/* A GetPhase or certificate upload asks for this much (spec 2.1 trap). */
#define SSP_UPLOAD_LEN		STM32_SSP_PHASE_REPLY_MAX
/*
 * MP15 boot: nothing signals that the started image serves USB, so the
 * product string is polled. Each failed poll is one short request; 5 ms
 * (rounded up to a tick by the delayed work) adds a few ms to a start
 * that takes hundreds on silicon, where 20 ms added ten on average.
 */
#define SSP_BOOT_POLL_MS	5
/* Timeout of the request of one boot poll (the product string). */
#define SSP_BOOT_IDENT_TIMEOUT_MS	200
/* All string requests of one identification (probe, boot poll) together. */
#define SSP_IDENT_BUDGET_MS	10000

/* DFU 1.1 bState values. */
enum ssp_dfu_state {
	DFU_S_APP_IDLE = 0,
	DFU_S_APP_DETACH = 1,
	DFU_S_IDLE = 2,
	DFU_S_DNLOAD_SYNC = 3,
	DFU_S_DNBUSY = 4,
	DFU_S_DNLOAD_IDLE = 5,
	DFU_S_MANIFEST_SYNC = 6,
	DFU_S_MANIFEST = 7,
	DFU_S_MANIFEST_WAIT_RESET = 8,
	DFU_S_UPLOAD_IDLE = 9,
	DFU_S_ERROR = 10,
};

/* module parameters (core.c) */
extern unsigned int ssp_grace_ms;
extern unsigned int ssp_io_timeout_ms;
extern unsigned int ssp_boot_timeout_ms;

#define SSP_DFU_DISCONNECTING	0

/**
 * struct ssp_dfu - one bound DFU interface: the USB device of a slot for
 * the time it stays on the bus
 * @udev: the device (referenced)
 * @intf: the DFU interface
 * @ifnum: bInterfaceNumber, wIndex of every DFU request
 * @anchor: every URB in flight; poisoned at disconnect
 * @flags: SSP_DFU_DISCONNECTING, set under the slot's @lock before the
 *	anchor is poisoned; every wait of the engine re-checks it
 * @wait: woken at disconnect (poll-timeout sleeps wait on it)
 * @setup: setup packet of the transfer in flight (DMA-able)
 * @buf: data stage buffer, SSP_XFER_MAX bytes (DMA-able)
 * @transfer_size: wTransferSize, capped to SSP_XFER_MAX
 * @num_altsetting: number of alternate settings of @intf
 * @cur_alt: alternate last selected with SET_INTERFACE, -1 if none
 * @id: product and phase map, as last read from the device
 *
 * Lifetime: allocated at probe, freed at disconnect once the slot's
 * io_mutex has been taken (so no step uses it any more). Every field but
 * @flags is used only under the slot's io_mutex, or at probe before the
 * structure is published.
 */
struct ssp_dfu {
	struct usb_device *udev;
	struct usb_interface *intf;
	u16 ifnum;
	struct usb_anchor anchor;
	unsigned long flags;
	wait_queue_head_t wait;
	struct usb_ctrlrequest *setup;
	u8 *buf;
	u32 transfer_size;
	unsigned int num_altsetting;
	int cur_alt;
	struct ssp_ident id;
};

/**
 * struct ssp_slot - one chip on one USB port, across its resets
 * @kref: references: the slot list (dropped when the slot ends), the bound
 *	interface (dropped at disconnect), each open file. The last put
 *	releases the minor and frees the slot.
 * @node: entry of the slot list; under ssp_slots_lock
 * @minor: N of /dev/sspN, owned until the last put
 * @dev: class device; created, moved (under the attached interface, or
 *	virtual while absent) and destroyed under ssp_slots_lock
 * @port: USB port path ("1-1.2"), constant
 * @serial: USB serial (chip UID), whole, constant; re-attach compares it
 * @io_mutex: serialises every exchange with the chip (ioctls, boot work)
 *	and the change of @dfu. Never held across an unbounded wait: each
 *	transfer has a timeout and ends at once at disconnect, and user memory
 *	is copied before it is taken. Also held by the resetting task from
 *	pre_reset to post_reset, across a usb_reset_device().
 * @lock: protects @state, @seq, @writer, @replaced and the DISCONNECTING
 *	bit of @dfu; and @dfu, @stage, @generation, @chip_id, @revision,
 *	@product, @transfer_size, @num_alts and the phase map, which are written with both
 *	@io_mutex and @lock held, so a step (holding @io_mutex) may read them
 *	without @lock; every other reader takes @lock. @state may change
 *	without @io_mutex (the slot ends under @lock alone): read it under
 *	@lock. Writers go through ssp_slot_set_state(): GONE is final.
 * @wait: woken on every @seq change and at the slot's end
 * @grace_work: ends the slot when no device came back within grace_ms
 * @boot_work: MP15: polls the product string until the FSBL answers
 * @boot_deadline: jiffies at which @boot_work gives up
 * @dfu: the attached device, NULL while absent
 * @state: enum stm32_ssp_state
 * @stage: enum stm32_ssp_stage
 * @generation: re-enumerations on this slot
 * @seq: changes of @state, @stage or @generation
 * @chip_id: SSP_CHIP_*
 * @revision: revision ID
 * @product: last product string read
 * @transfer_size: wTransferSize of the current device
 * @num_alts: alternate settings of the current device
 * @num_phase_alts: valid entries of @alts
 * @alts: phase map of the current device (names included), for GET_INFO
 * @writer: a file is open for writing
 * @replaced: ended because another chip appeared on the port
 */
struct ssp_slot {
	struct kref kref;
	struct list_head node;
	unsigned int minor;
	struct device *dev;
	char port[SSP_PORT_LEN];
	char *serial;

	struct mutex io_mutex;		/* see above */
	spinlock_t lock;		/* see above */
	wait_queue_head_t wait;
	struct delayed_work grace_work;
	struct delayed_work boot_work;
	unsigned long boot_deadline;

	struct ssp_dfu *dfu;
	enum stm32_ssp_state state;
	enum stm32_ssp_stage stage;
	u32 generation;
	u32 seq;
	u32 chip_id;
	u32 revision;
	char product[SSP_PRODUCT_LEN];
	u32 transfer_size;
	u32 num_alts;
	unsigned int num_phase_alts;
	struct ssp_alt alts[SSP_MAX_ALTS];
	bool writer;
	bool replaced;
};

/* core.c */
extern struct class ssp_class;
/* grace and boot works; drained right after the slots end at module exit */
extern struct workqueue_struct *ssp_wq;
dev_t ssp_devt(unsigned int minor);
int ssp_minor_alloc(void);
void ssp_minor_free(unsigned int minor);

/* usb.c */
int ssp_usb_register(void);
void ssp_usb_deregister(void);
int ssp_read_product(struct ssp_dfu *dfu, struct ssp_ident *id,
		     unsigned int timeout_ms);
int ssp_read_ident(struct ssp_dfu *dfu, struct ssp_ident *id,
		   unsigned int timeout_ms);
void ssp_usb_unbind(struct usb_device *udev);
bool ssp_usb_held_by_other(struct usb_device *udev);
void ssp_usb_bind(struct usb_device *udev);

/* dfu.c */
struct ssp_dfu_status {
	u8 status;
	u8 state;
	u32 poll_ms;
};

struct ssp_dfu *ssp_dfu_alloc(struct usb_interface *intf);
void ssp_dfu_free(struct ssp_dfu *dfu);
void ssp_dfu_kill(struct ssp_dfu *dfu);
bool ssp_dfu_gone(struct ssp_dfu *dfu);
int ssp_dfu_get_string(struct ssp_dfu *dfu, u8 index, char *s, size_t len,
		       unsigned int timeout_ms);
int ssp_dfu_select(struct ssp_dfu *dfu, u8 alt);
int ssp_dfu_getstatus(struct ssp_dfu *dfu, struct ssp_dfu_status *st);
int ssp_dfu_getstate(struct ssp_dfu *dfu, u8 *state);
int ssp_dfu_clrstatus(struct ssp_dfu *dfu);
int ssp_dfu_abort(struct ssp_dfu *dfu);
int ssp_dfu_detach(struct ssp_dfu *dfu);
int ssp_dfu_upload(struct ssp_dfu *dfu, u8 *data, u16 len);
int ssp_dfu_download(struct ssp_dfu *dfu, const u8 *data, size_t len);
int ssp_dfu_manifest(struct ssp_dfu *dfu, bool rom_jumps);
int ssp_dfu_make_idle(struct ssp_dfu *dfu);
int ssp_dfu_poll_sleep(struct ssp_dfu *dfu, u32 ms);

/* ssp.c: the steps; each is called with the slot's io_mutex held */
int ssp_step_get_phase(struct ssp_slot *slot, struct stm32_ssp_phase *ph);
int ssp_step_load_fw(struct ssp_slot *slot, const u8 *img, u32 len, u8 phase);
int ssp_step_read_cert(struct ssp_slot *slot, struct stm32_ssp_cert *cert);
int ssp_step_send_license(struct ssp_slot *slot, const u8 *blob, u32 len,
			  struct stm32_ssp_license *lic);
int ssp_step_detach(struct ssp_slot *slot);
int ssp_step_recover(struct ssp_slot *slot, struct stm32_ssp_recover *rec);
int ssp_step_load_fw_check(struct ssp_slot *slot, u8 phase, u32 len);
void ssp_boot_work(struct work_struct *work);

/* slot.c */
struct ssp_slot *ssp_slot_attach(struct ssp_dfu *dfu, u32 *gen);
bool ssp_slot_set_state(struct ssp_slot *slot, enum stm32_ssp_state state);
void ssp_slot_detach(struct ssp_slot *slot);
bool ssp_slot_port_busy(struct usb_device *udev);
void ssp_slot_reset_prepare(struct ssp_slot *slot);
void ssp_slot_reset_done(struct ssp_slot *slot);
void ssp_slot_suspend(struct ssp_slot *slot);
void ssp_slot_resume(struct ssp_slot *slot, bool reset);
struct ssp_slot *ssp_slot_get_by_minor(unsigned int minor);
void ssp_slot_put(struct ssp_slot *slot);
void ssp_slot_end_all(void);
void ssp_slot_changed(struct ssp_slot *slot);
int ssp_slot_usable(struct ssp_slot *slot);
void ssp_slot_take_phase_map(struct ssp_slot *slot, const struct ssp_ident *id);
void ssp_slot_snapshot(struct ssp_slot *slot, struct stm32_ssp_info *info);
struct ssp_slot *ssp_slot_next(unsigned int from_minor);
void ssp_slot_end_port(const char *port);

/* chardev.c */
int ssp_chardev_init(dev_t base);
void ssp_chardev_exit(void);

/* netlink.c */
int ssp_nl_init(void);
void ssp_nl_exit(void);
void ssp_nl_event(struct ssp_slot *slot, u8 cmd);

/* ports.c */
struct netlink_ext_ack;
void ssp_port_name(struct usb_device *udev, char *port, size_t len);
bool ssp_port_excluded(const char *port);
struct ssp_slot *ssp_port_attach(struct ssp_dfu *dfu, const char *port,
				 u32 *gen);
int ssp_port_release(const char *port, struct netlink_ext_ack *extack);
int ssp_port_claim(const char *port, struct netlink_ext_ack *extack);
bool ssp_port_get(unsigned int idx, char *port, u32 *flags);

/* sysfs.c */
extern const struct attribute_group *ssp_dev_groups[];
struct device *ssp_slot_dev_create(struct ssp_slot *slot,
				   struct usb_interface *intf);
void ssp_slot_dev_move(struct ssp_slot *slot, struct usb_interface *intf);
int ssp_dev_uevent(SSP_UEVENT_CONST struct device *dev,
		   struct kobj_uevent_env *env);

#endif /* _SSP_DRIVER_H */
