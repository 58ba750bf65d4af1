// SPDX-License-Identifier: GPL-2.0-only
/*
 * stm32_ssp: /dev/sspN. One cdev covers the whole region; open() finds the
 * slot by minor, so a file keeps its slot (not a USB device) across the
 * chip's resets. One writer at a time; read-only opens may use
 * STM32_SSP_IOC_GET_INFO and STM32_SSP_IOC_WAIT, and poll().
 */
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ssp.h"

static struct cdev ssp_cdev;

/**
 * struct ssp_file - an open /dev/sspN
 * @slot: the slot (referenced until release)
 * @seen_seq: slot seq as of the last GET_INFO or WAIT on this file; poll()
 *	reports EPOLLIN while the slot's seq differs. Accessed with
 *	READ_ONCE/WRITE_ONCE: threads sharing the file may race, and the last
 *	writer wins, which is all poll() needs.
 */
struct ssp_file {
	struct ssp_slot *slot;
	u32 seen_seq;
};

static int ssp_open(struct inode *inode, struct file *file)
{
	struct ssp_slot *slot;
	struct ssp_file *f;
	int ret = 0;

	slot = ssp_slot_get_by_minor(iminor(inode));
	if (!slot)
		return -ENODEV;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		ssp_slot_put(slot);
		return -ENOMEM;
	}
	f->slot = slot;
	spin_lock(&slot->lock);
	if (file->f_mode & FMODE_WRITE) {
		if (slot->writer)
			ret = -EBUSY;
		else
			slot->writer = true;
	}
	f->seen_seq = slot->seq;
	spin_unlock(&slot->lock);
	if (ret) {
		kfree(f);
		ssp_slot_put(slot);
		return ret;
	}
	file->private_data = f;
	return stream_open(inode, file);
}

static int ssp_release(struct inode *inode, struct file *file)
{
	struct ssp_file *f = file->private_data;
	struct ssp_slot *slot = f->slot;

	if (file->f_mode & FMODE_WRITE) {
		spin_lock(&slot->lock);
		slot->writer = false;
		spin_unlock(&slot->lock);
	}
	kfree(f);
	ssp_slot_put(slot);
	return 0;
}

static __poll_t ssp_poll(struct file *file, poll_table *wait)
{
	struct ssp_file *f = file->private_data;
	struct ssp_slot *slot = f->slot;
	__poll_t mask = 0;

	poll_wait(file, &slot->wait, wait);
	spin_lock(&slot->lock);
	if (slot->seq != READ_ONCE(f->seen_seq))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (slot->state == STM32_SSP_STATE_GONE)
		mask |= EPOLLHUP | EPOLLERR;
	spin_unlock(&slot->lock);
	return mask;
}

/*
 * Struct sizes, as openat2() and clone3() do: @usize (the caller's, read
 * once here) is at least the struct's first published size @ver0, at most a
 * page; bytes the driver does not know must be zero (copy_struct_from_user()
 * says E2BIG), fields the caller does not know are zero.
 */
static int ssp_copy_in(void *karg, size_t ksize, size_t ver0,
		       void __user *uarg, u32 *usize)
{
	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, *usize);
}

/*
 * Write back min(@usize, @ksize) bytes, never past the caller's struct, with
 * @size set to that number: the driver's size when the caller's struct is
 * at least as large, and a value the caller may pass again as it is.
 */
static int ssp_copy_out(void __user *uarg, void *karg, size_t ksize, u32 usize)
{
	u32 n = min_t(size_t, ksize, usize);

	*(u32 *)karg = n;
	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

/* A struct only grows: never below its first published size. */
static_assert(sizeof(struct stm32_ssp_info) >= STM32_SSP_INFO_SIZE_VER0);
/*
 * VER1 of stm32_ssp_info: the phase map right after the VER0 fields, the
 * same layout on every architecture (only __u8/__u16/__u32 and chars, each
 * at its natural alignment: no padding, no compat ioctl needed).
 */
static_assert(sizeof(struct stm32_ssp_info) == STM32_SSP_INFO_SIZE_VER1);
static_assert(offsetof(struct stm32_ssp_info, product) + 128 == STM32_SSP_INFO_SIZE_VER0);
static_assert(offsetof(struct stm32_ssp_info, num_phase_alts) == STM32_SSP_INFO_SIZE_VER0);
static_assert(offsetof(struct stm32_ssp_info, reserved) == STM32_SSP_INFO_SIZE_VER0 + 4);
static_assert(offsetof(struct stm32_ssp_info, alts) == STM32_SSP_INFO_SIZE_VER0 + 8);
static_assert(sizeof(struct stm32_ssp_alt) == 8 + STM32_SSP_ALT_NAME_LEN);
static_assert(offsetof(struct stm32_ssp_alt, alt) == 1);
static_assert(offsetof(struct stm32_ssp_alt, reserved) == 2);
static_assert(offsetof(struct stm32_ssp_alt, size) == 4);
static_assert(offsetof(struct stm32_ssp_alt, name) == 8);
static_assert(STM32_SSP_INFO_SIZE_VER1 ==
	      STM32_SSP_INFO_SIZE_VER0 + 8 + STM32_SSP_INFO_ALTS * sizeof(struct stm32_ssp_alt));
static_assert(sizeof(struct stm32_ssp_phase) >= STM32_SSP_PHASE_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_load_fw) >= STM32_SSP_LOAD_FW_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_cert) >= STM32_SSP_CERT_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_license) >= STM32_SSP_LICENSE_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_wait) >= STM32_SSP_WAIT_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_detach) >= STM32_SSP_DETACH_SIZE_VER0);
static_assert(sizeof(struct stm32_ssp_recover) >= STM32_SSP_RECOVER_SIZE_VER0);

/* Take io_mutex for a step; the chip must be there and answering. */
static int ssp_io_lock(struct ssp_slot *slot)
{
	int ret;

	if (mutex_lock_interruptible(&slot->io_mutex))
		return -ERESTARTSYS;
	ret = ssp_slot_usable(slot);
	if (ret)
		mutex_unlock(&slot->io_mutex);
	return ret;
}

/*
 * A VER0 caller gets the VER0 bytes only (ssp_copy_out()), so the phase map
 * of VER1 costs it nothing but the copy into the kernel's struct.
 */
static int ssp_ioc_get_info(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_info *info;
	u32 usize;
	int ret;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	ret = ssp_copy_in(info, sizeof(*info), STM32_SSP_INFO_SIZE_VER0, uarg, &usize);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (info->flags || info->reserved)
		goto out;
	ssp_slot_snapshot(f->slot, info);
	WRITE_ONCE(f->seen_seq, info->seq);
	ret = ssp_copy_out(uarg, info, sizeof(*info), usize);
out:
	kfree(info);
	return ret;
}

/*
 * Is the WAIT over? Fills @w's out fields and *@seq (the slot's seq in the
 * same snapshot, for poll()); *@ret is its result.
 */
static bool ssp_wait_done(struct ssp_slot *slot, struct stm32_ssp_wait *w, u32 *seq,
			  int *ret)
{
	bool done = true;

	spin_lock(&slot->lock);
	*seq = slot->seq;
	w->generation = slot->generation;
	w->stage = slot->stage;
	w->state = slot->state;
	if (slot->state == STM32_SSP_STATE_GONE)
		*ret = slot->replaced ? -ESTALE : -ENODEV;
	else if (slot->state == STM32_SSP_STATE_READY &&
		 slot->generation >= w->min_generation &&
		 (!w->stage_mask || (w->stage_mask & BIT(slot->stage))))
		*ret = 0;
	else
		done = false;
	spin_unlock(&slot->lock);
	return done;
}

static int ssp_ioc_wait(struct ssp_file *f, void __user *uarg)
{
	struct ssp_slot *slot = f->slot;
	struct stm32_ssp_wait w;
	long left;
	u32 seq;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&w, sizeof(w), STM32_SSP_WAIT_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (w.flags || w.stage_mask & ~(BIT(STM32_SSP_STAGE_UNKNOWN) |
					 BIT(STM32_SSP_STAGE_ROM) | BIT(STM32_SSP_STAGE_FSBL)))
		return -EINVAL;
	ret = -ETIMEDOUT;
	if (w.timeout_ms) {
		left = wait_event_interruptible_timeout(slot->wait,
							ssp_wait_done(slot, &w, &seq, &ret),
							msecs_to_jiffies(w.timeout_ms));
		/* Each evaluation fills w and seq from one snapshot. */
		if (left < 0)
			ret = -EINTR;
		else if (!left && !ssp_wait_done(slot, &w, &seq, &ret))
			ret = -ETIMEDOUT;
	} else {
		ssp_wait_done(slot, &w, &seq, &ret);
	}
	/* seq of the snapshot copied out: a later change stays visible to poll() */
	WRITE_ONCE(f->seen_seq, seq);
	if (ssp_copy_out(uarg, &w, sizeof(w), usize))
		return -EFAULT;
	return ret;
}

static int ssp_ioc_get_phase(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_phase *ph;
	u32 usize;
	int ret;

	ph = kmalloc(sizeof(*ph), GFP_KERNEL);
	if (!ph)
		return -ENOMEM;
	ret = ssp_copy_in(ph, sizeof(*ph), STM32_SSP_PHASE_SIZE_VER0, uarg, &usize);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (ph->flags || ph->reserved)
		goto out;
	ret = ssp_io_lock(f->slot);
	if (ret)
		goto out;
	ret = ssp_step_get_phase(f->slot, ph);
	mutex_unlock(&f->slot->io_mutex);
	if (!ret)
		ret = ssp_copy_out(uarg, ph, sizeof(*ph), usize);
out:
	kfree(ph);
	return ret;
}

static int ssp_ioc_load_fw(struct ssp_file *f, void __user *uarg)
{
	struct ssp_slot *slot = f->slot;
	struct stm32_ssp_load_fw lf;
	u8 *img;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&lf, sizeof(lf), STM32_SSP_LOAD_FW_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (lf.flags || !lf.len || lf.phase > 0xff)
		return -EINVAL;
	/* Before anything is allocated, whatever size the chip advertises. */
	if (lf.len > STM32_SSP_IMAGE_MAX)
		return -EFBIG;
	/* Check before copying the image, copy without holding io_mutex. */
	ret = ssp_io_lock(slot);
	if (ret)
		return ret;
	ret = ssp_step_load_fw_check(slot, lf.phase, lf.len);
	mutex_unlock(&slot->io_mutex);
	if (ret)
		return ret;
	img = vmemdup_user(u64_to_user_ptr(lf.data), lf.len);
	if (IS_ERR(img))
		return PTR_ERR(img);
	ret = ssp_io_lock(slot);
	if (!ret) {
		ret = ssp_step_load_fw(slot, img, lf.len, lf.phase);
		mutex_unlock(&slot->io_mutex);
	}
	kvfree(img);
	return ret;
}

static int ssp_ioc_read_cert(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_cert cert;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&cert, sizeof(cert), STM32_SSP_CERT_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (cert.flags)
		return -EINVAL;
	ret = ssp_io_lock(f->slot);
	if (ret)
		return ret;
	ret = ssp_step_read_cert(f->slot, &cert);
	mutex_unlock(&f->slot->io_mutex);
	return ret ? ret : ssp_copy_out(uarg, &cert, sizeof(cert), usize);
}

static int ssp_ioc_send_license(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_license lic;
	u8 *blob;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&lic, sizeof(lic), STM32_SSP_LICENSE_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (lic.flags & ~STM32_SSP_LICENSE_F_NO_DETACH || lic.len <= STM32_SSP_LICENSE_LEN)
		return -EINVAL;
	if (lic.len > STM32_SSP_BLOB_MAX)
		return -E2BIG;
	blob = memdup_user(u64_to_user_ptr(lic.data), lic.len);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	ret = ssp_io_lock(f->slot);
	if (!ret) {
		ret = ssp_step_send_license(f->slot, blob, lic.len, &lic);
		mutex_unlock(&f->slot->io_mutex);
	}
	kfree_sensitive(blob);
	return ret ? ret : ssp_copy_out(uarg, &lic, sizeof(lic), usize);
}

static int ssp_ioc_detach(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_detach det;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&det, sizeof(det), STM32_SSP_DETACH_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (det.flags || det.reserved[0] || det.reserved[1])
		return -EINVAL;
	ret = ssp_io_lock(f->slot);
	if (ret)
		return ret;
	ret = ssp_step_detach(f->slot);
	mutex_unlock(&f->slot->io_mutex);
	return ret;
}

static int ssp_ioc_recover(struct ssp_file *f, void __user *uarg)
{
	struct stm32_ssp_recover rec;
	u32 usize;
	int ret;

	ret = ssp_copy_in(&rec, sizeof(rec), STM32_SSP_RECOVER_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (rec.flags || rec.reserved)
		return -EINVAL;
	ret = ssp_io_lock(f->slot);
	if (ret)
		return ret;
	ret = ssp_step_recover(f->slot, &rec);
	mutex_unlock(&f->slot->io_mutex);
	return ret ? ret : ssp_copy_out(uarg, &rec, sizeof(rec), usize);
}

/*
 * Dispatch on type and number only: the size in the command is ignored,
 * each struct carries its own. Steps that talk to the chip need a file
 * open for writing.
 */
static long ssp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ssp_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != STM32_SSP_IOC_MAGIC)
		return -ENOTTY;
	switch (nr) {
	case _IOC_NR(STM32_SSP_IOC_GET_INFO):
		return ssp_ioc_get_info(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_WAIT):
		return ssp_ioc_wait(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_GET_PHASE):
	case _IOC_NR(STM32_SSP_IOC_LOAD_FW):
	case _IOC_NR(STM32_SSP_IOC_READ_CERT):
	case _IOC_NR(STM32_SSP_IOC_SEND_LICENSE):
	case _IOC_NR(STM32_SSP_IOC_DETACH):
	case _IOC_NR(STM32_SSP_IOC_RECOVER):
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		break;
	default:
		return -ENOTTY;
	}
	switch (nr) {
	case _IOC_NR(STM32_SSP_IOC_GET_PHASE):
		return ssp_ioc_get_phase(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_LOAD_FW):
		return ssp_ioc_load_fw(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_READ_CERT):
		return ssp_ioc_read_cert(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_SEND_LICENSE):
		return ssp_ioc_send_license(f, uarg);
	case _IOC_NR(STM32_SSP_IOC_DETACH):
		return ssp_ioc_detach(f, uarg);
	default:
		return ssp_ioc_recover(f, uarg);
	}
}

static const struct file_operations ssp_fops = {
	.owner = THIS_MODULE,
	.open = ssp_open,
	.release = ssp_release,
	.poll = ssp_poll,
	.unlocked_ioctl = ssp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int ssp_chardev_init(dev_t base)
{
	cdev_init(&ssp_cdev, &ssp_fops);
	return cdev_add(&ssp_cdev, base, SSP_MAX_MINORS);
}

void ssp_chardev_exit(void)
{
	cdev_del(&ssp_cdev);
}
