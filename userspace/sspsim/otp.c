// SPDX-License-Identifier: GPL-2.0-only
/*
 * Persistent OTP image of one chip: DIR/<serial>/otp.bin, replaced
 * atomically after every burn, so a provisioned chip stays provisioned
 * across sspsim restarts and a crash never leaves half a word.
 *
 * Format (404 bytes): "SSPOTP01", 96 little-endian u32 words, then the
 * permanent-lock bitmap as 3 little-endian u32 (bit n = word n locked).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "sim.h"
#include "util.h"

#define OTP_MAGIC	"SSPOTP01"
#define OTP_MAGIC_LEN	8
#define OTP_LOCK_WORDS	((SSP_OTP_WORDS + 31) / 32)
#define OTP_FILE_SIZE	(OTP_MAGIC_LEN + 4 * SSP_OTP_WORDS + 4 * OTP_LOCK_WORDS)

int sim_otp_load(struct sim_otp *o, const char *path)
{
	uint8_t buf[OTP_FILE_SIZE];
	size_t len;
	int ret;

	ret = ssp_read_file(path, buf, sizeof(buf), &len, NULL);
	if (ret)
		return ret;
	if (len != OTP_FILE_SIZE || memcmp(buf, OTP_MAGIC, OTP_MAGIC_LEN))
		return -EINVAL;
	for (unsigned int i = 0; i < SSP_OTP_WORDS; i++)
		o->word[i] = ssp_get_le32(buf + OTP_MAGIC_LEN + 4 * i);
	for (unsigned int i = 0; i < OTP_LOCK_WORDS; i++)
		o->lock[i] = ssp_get_le32(buf + OTP_MAGIC_LEN + 4 * SSP_OTP_WORDS + 4 * i);
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return -ENAMETOOLONG;
	return 0;
}

int sim_otp_save(const struct sim_otp *o)
{
	uint8_t buf[OTP_FILE_SIZE];

	if (!o->path[0])
		return 0;
	memcpy(buf, OTP_MAGIC, OTP_MAGIC_LEN);
	for (unsigned int i = 0; i < SSP_OTP_WORDS; i++)
		ssp_put_le32(buf + OTP_MAGIC_LEN + 4 * i, o->word[i]);
	for (unsigned int i = 0; i < OTP_LOCK_WORDS; i++)
		ssp_put_le32(buf + OTP_MAGIC_LEN + 4 * SSP_OTP_WORDS + 4 * i, o->lock[i]);
	return ssp_write_file_atomic(o->path, buf, sizeof(buf), 0600, NULL);
}

bool sim_otp_locked(const struct sim_otp *o, unsigned int w)
{
	return w < SSP_OTP_WORDS && (o->lock[w / 32] >> (w % 32)) & 1;
}

int sim_otp_program(struct sim_otp *o, unsigned int w, uint32_t val)
{
	if (w >= SSP_OTP_WORDS)
		return -EINVAL;
	if (sim_otp_locked(o, w))
		return -EPERM;
	o->word[w] |= val;
	if (o->defer) {
		o->dirty = true;
		return 0;
	}
	return sim_otp_save(o);
}

/*
 * End of a burst (stage C burns some 50 words and locks in one call of the
 * chip model): one atomic write of otp.bin instead of one per word and lock,
 * which cost the gang bench about 750 system calls per chip. Nothing outside
 * the daemon's single thread can see the file between the words.
 */
int sim_otp_flush(struct sim_otp *o)
{
	bool dirty = o->dirty;

	o->defer = false;
	o->dirty = false;
	return dirty ? sim_otp_save(o) : 0;
}

int sim_otp_lock(struct sim_otp *o, unsigned int w)
{
	if (w >= SSP_OTP_WORDS)
		return -EINVAL;
	o->lock[w / 32] |= 1u << (w % 32);
	if (o->defer) {
		o->dirty = true;
		return 0;
	}
	return sim_otp_save(o);
}
