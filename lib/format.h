/* printf-style formatting without libc. One engine (kformat) drives both
 * the console (kprintf) and string output (ksnprintf). */
#ifndef PECAN_FORMAT_H
#define PECAN_FORMAT_H

#include "types.h"

typedef void (*format_out_t)(char c, void *arg);

/* Conversions: %c %s %d %i %u %x %X %p %%, flags '-' '0' '#', width
 * (also '*'), precision for %s (and, as in C, minimum digits for integers),
 * length modifiers l, ll and z (64-bit values are divided without libgcc).
 * %p prints 0x followed by lowercase hex (0x0 for NULL); an unknown
 * conversion is echoed verbatim. Returns the number of characters emitted. */
int kformat(format_out_t out, void *arg, const char *fmt, va_list ap);

/* Like vsnprintf: always NUL-terminates when size > 0, returns the length
 * the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF(3, 4);

/* 64-bit unsigned division by a 32-bit divisor, usable without libgcc.
 * Stores the remainder in *rem if rem is not NULL. d == 0 is a caller bug:
 * returns UINT64_MAX with remainder 0 instead of trapping. */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);

#endif
