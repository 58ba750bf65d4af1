/* SPDX-License-Identifier: GPL-2.0-only */
/* include/linux/overflow.h, as much as driver/ident.c uses (see kernel.h). */
#ifndef SSP_KSHIM_OVERFLOW_H
#define SSP_KSHIM_OVERFLOW_H

#include <stdbool.h>

#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

/*
 * *d = a << s; true when bits are lost or s is at least the width of *d,
 * as the kernel's version says. Unsigned operands only (all ident.c has).
 */
#define check_shl_overflow(a, s, d) ({					\
	typeof(a) _a = (a);						\
	unsigned int _s = (s);						\
	typeof(d) _d = (d);						\
	unsigned int _sh = _s < 8 * sizeof(*_d) ? _s : 0;		\
	*_d = (typeof(*_d))((unsigned long long)_a << _sh);		\
	_sh != _s || (*_d >> _sh) != _a;				\
})

#endif /* SSP_KSHIM_OVERFLOW_H */
