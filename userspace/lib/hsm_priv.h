/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the HSM backends (hsm_soft.c, hsm_tpm.c), not part of libssp's API.
 */
#ifndef SSP_HSM_PRIV_H
#define SSP_HSM_PRIV_H

#include <stdint.h>

#include <json-c/json.h>

/* o's member key as a non-negative JSON integer: 0, or -EINVAL. */
int hsm_json_u64(json_object *o, const char *key, uint64_t *v);

#endif /* SSP_HSM_PRIV_H */
