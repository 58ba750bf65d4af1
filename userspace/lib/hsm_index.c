// SPDX-License-Identifier: GPL-2.0-only
/*
 * The re-issue index of a software HSM (hsm_index.h): the audit log's
 * license lines by certificate hash, read incrementally.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "hsm_index.h"
#include "util.h"

#define HEX_HASH	(2 * SSP_HASH_LEN + 1)

void hsm_index_reset(struct hsm_index *x)
{
	free(x->v);
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

static size_t index_home(const struct hsm_index *x, const uint8_t cert[SSP_HASH_LEN])
{
	uint32_t h;

	memcpy(&h, cert, sizeof(h));	/* a SHA-256: already uniform */
	return h & (x->nslot - 1);
}

static int index_add(struct hsm_index *x, const uint8_t cert[SSP_HASH_LEN], off_t end)
{
	size_t i;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		struct hsm_index_entry *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	if (2 * (x->n + 1) >= x->nslot) {
		size_t nslot = x->nslot ? 2 * x->nslot : 4096;
		uint32_t *slot = calloc(nslot, sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		free(x->slot);
		x->slot = slot;
		x->nslot = nslot;
		for (i = 0; i < x->n; i++) {
			size_t k = index_home(x, x->v[i].cert);

			while (x->slot[k])
				k = (k + 1) & (x->nslot - 1);
			x->slot[k] = i + 1;
		}
	}
	memcpy(x->v[x->n].cert, cert, SSP_HASH_LEN);
	x->v[x->n].end = end;
	i = index_home(x, cert);
	while (x->slot[i])
		i = (i + 1) & (x->nslot - 1);
	x->slot[i] = ++x->n;
	return 0;
}

/* One complete line (without '\n') ending at file offset end: index it if it is a license. */
static int index_line(struct hsm_index *x, const char *line, size_t len, off_t end)
{
	static const char ev[] = "\"event\":\"license\",", key[] = "\"cert_sha256\":\"";
	uint8_t cert[SSP_HASH_LEN];
	char hex[HEX_HASH];
	const char *p;

	if (!memmem(line, len, ev, sizeof(ev) - 1))
		return 0;
	p = memmem(line, len, key, sizeof(key) - 1);
	if (!p || (size_t)(line + len - p) < sizeof(key) - 1 + HEX_HASH - 1)
		return 0;
	memcpy(hex, p + sizeof(key) - 1, HEX_HASH - 1);
	hex[HEX_HASH - 1] = '\0';
	if (ssp_hex_decode(hex, cert, sizeof(cert)))
		return 0;
	return index_add(x, cert, end);
}

#define INDEX_CHUNK	(256 * 1024)

int hsm_index_update(struct hsm_index *x, int dirfd, const char *dir, struct ssp_err *e)
{
	char *buf, *p, *nl, path[PATH_MAX + 32];
	size_t carry = 0, total;
	struct stat st;
	off_t off;
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 1, dir, SSP_AUDIT_LOG);
	fd = openat(dirfd, SSP_AUDIT_LOG, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ssp_errf(e, -errno, "HSM %s: cannot open %s: %s", dir, path,
				strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = ssp_errf(e, -errno, "HSM %s: cannot stat %s: %s", dir, path,
			       strerror(errno));
		close(fd);
		return ret;
	}
	/* Another file, or shorter than indexed (a torn line cut off): start over. */
	if (st.st_ino != x->ino || st.st_size < x->scanned) {
		hsm_index_reset(x);
		x->ino = st.st_ino;
	}
	buf = malloc(INDEX_CHUNK + SSP_AUDIT_LINE_MAX);
	if (!buf) {
		close(fd);
		return ssp_errf(e, -ENOMEM, "HSM %s: out of memory", dir);
	}
	off = x->scanned;
	while (off + (off_t)carry < st.st_size) {
		n = pread(fd, buf + carry, INDEX_CHUNK, off + carry);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total = carry + n;
		for (p = buf; (nl = memchr(p, '\n', buf + total - p)); p = nl + 1) {
			ret = index_line(x, p, nl - p, off + (nl + 1 - buf));
			if (ret) {
				ret = ssp_errf(e, ret, "HSM %s: out of memory", dir);
				goto out;
			}
		}
		off += p - buf;
		carry = buf + total - p;
		if (carry >= SSP_AUDIT_LINE_MAX)
			break;	/* not a line of ours; the chain check reports it */
		memmove(buf, p, carry);
	}
out:
	x->scanned = off;
	free(buf);
	close(fd);
	return ret;
}

struct reissue_check {
	const char *cert_hex;
	uint64_t seq;
};

static int reissue_line(void *arg, const struct ssp_audit_rec *rec)
{
	struct reissue_check *r = arg;
	json_object *v;

	if (rec->mac_state == SSP_AUDIT_MAC_OK && !strcmp(rec->event, SSP_AUDIT_EV_LICENSE) &&
	    json_object_object_get_ex(rec->fields, "cert_sha256", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), r->cert_hex))
		r->seq = rec->seq;
	return 0;
}

uint64_t hsm_index_licensed_before(struct hsm_index *x, int dirfd, const char *dir,
				   const uint8_t *mac_key, const uint8_t hc[SSP_HASH_LEN],
				   const char *hc_hex)
{
	struct reissue_check r = { .cert_hex = hc_hex };
	struct ssp_err e2 = { 0 };
	size_t k;

	if (!x->nslot)
		return 0;
	for (k = index_home(x, hc); x->slot[k] && !r.seq; k = (k + 1) & (x->nslot - 1)) {
		const struct hsm_index_entry *en = &x->v[x->slot[k] - 1];

		if (memcmp(en->cert, hc, SSP_HASH_LEN))
			continue;
		ssp_audit_line_at(dirfd, dir, en->end, mac_key, reissue_line, &r,
				  &e2);
	}
	return r.seq;
}
