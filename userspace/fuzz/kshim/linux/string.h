/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel string helpers driver/ident.c uses, for fuzz_ident (see kernel.h). */
#ifndef SSP_KSHIM_STRING_H
#define SSP_KSHIM_STRING_H

#include <stddef.h>
#include <string.h>

/* include/linux/string.h: the prefix length when s starts with it, else 0. */
static inline size_t str_has_prefix(const char *str, const char *prefix)
{
	size_t len = strlen(prefix);

	return strncmp(str, prefix, len) == 0 ? len : 0;
}

#endif /* SSP_KSHIM_STRING_H */
