/* The range rule of map items (kernel/map.c), as pure 32-bit arithmetic
 * shared by the kernel and the host tests (tests/host/test_urange.c checks
 * it against a 64-bit reference).
 *
 * A piece of a transfer, [va, va + 2^log2), may be taken from or put into
 * a space only if it lies in user space [0, limit) and overlaps neither
 * the space's KIP page nor its UTCB area: those pages are the kernel's.
 * Preconditions (every caller's): 12 <= log2, va aligned to 2^log2, the
 * KIP page 4 KiB aligned and the UTCB area [ub, ub + us) inside
 * [0, limit), limit < 2^32 and a multiple of 4 KiB. */
#ifndef PECAN_URANGE_H
#define PECAN_URANGE_H

#include "types.h"

/* kip_set: the space has a KIP page, at kip. us == 0: no UTCB area. */
static inline bool urange_ok(uint32_t va, unsigned log2, uint32_t limit, bool kip_set,
                             uint32_t kip, uint32_t ub, uint32_t us)
{
    if (log2 >= 32)
        return false;                   /* 4 GiB reaches past the limit */
    uint32_t size = (uint32_t)1 << log2;
    /* va + size <= limit without the wrap of va + size. */
    if (size > limit || va > limit - size)
        return false;
    /* From here no address below wraps: x lies in the range iff x - va <
     * size (for x < va the difference wraps past size). The KIP page lies
     * in the range iff its first byte does (both aligned, the range at
     * least a page). */
    if (kip_set && kip - va < size)
        return false;
    /* The area overlaps the range: it starts at or below va and reaches
     * past it, or it starts inside the range. */
    return !us || (ub <= va ? va - ub >= us : ub - va >= size);
}

#endif
