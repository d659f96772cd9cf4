/* X.2 string descriptor chains (pure, host-tested): a string item or
 * receive buffer is a header (length | c | j | 0hh | C) followed by j+1
 * pointers to substrings of that length; with c set another header
 * follows. The string is the concatenation of all substrings. */
#ifndef PECAN_STRCHAIN_H
#define PECAN_STRCHAIN_H

#include "types.h"

/* A chain spans at most the 63 typed words of a message. */
#define STRCHAIN_MAX 63

/* Copies the chain whose k-th word is words[dir * k] (dir = 1 for message
 * registers, -1 for buffer registers), at most `limit` words, into out
 * (STRCHAIN_MAX words; NULL: only check and measure it). Returns the
 * number of words it spans, 0 if it is malformed (runs past limit, or a
 * header is not a string header). *len gets the total length; *bad is
 * set if a non-empty substring does not lie entirely below `top` (no
 * wrap-around). */
uint32_t strchain_copy(const uint32_t *words, int dir, uint32_t limit,
                       uint32_t top, uint32_t *out, uint32_t *len, bool *bad);

/* For a chain copied by strchain_copy and off < its length: the address of
 * byte off and the bytes left in its substring. */
void strchain_locate(const uint32_t *c, uint32_t off, uint32_t *addr,
                     uint32_t *left);

#endif
