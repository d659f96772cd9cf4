/* Pure arithmetic over raw X.2 fpage words (include/l4/abi.h has the
 * encoding). No state, no side effects; every function is total.
 *
 * What Pecan accepts as a memory fpage: size 2^12 .. 2^32, or the complete
 * fpage (size field 1, base 0; treated as 2^32 at 0). X.2 can encode 2^10
 * and 2^11, but the smallest IA-32 page is 4 KiB and such an fpage cannot be
 * mapped or unmapped without touching the rest of its page, so Pecan
 * treats them like the nil fpage: nothing happens. Size fields 2..9 and
 * 33..63 are invalid (2 is the IO fpage mark).
 *
 * Base: X.2 requires the base to be aligned to the size; Pecan ignores the
 * low bits (aligns down) instead of rejecting, as the base bits below the
 * size carry no meaning. fpage_aligned() tells whether they were zero. */
#ifndef PECAN_FPAGE_H
#define PECAN_FPAGE_H

#include "types.h"
#include "l4/abi.h"   /* "": found with -iquote in host tests */

#define FPAGE_MIN_LOG2  PAGE_SHIFT      /* smallest fpage Pecan acts on */

static inline bool fpage_is_complete(uint32_t f)
{
    return (f & ~L4ABI_FPAGE_RIGHTS_MASK) == L4ABI_COMPLETE_FPAGE;
}

/* log2 size of a valid memory fpage (complete: 32), else 0. */
unsigned fpage_log2(uint32_t f);
/* True if Pecan maps/unmaps anything for f (see above). */
bool fpage_valid(uint32_t f);
/* Base aligned down to the size (complete: 0). Meaningless if !valid. */
uint32_t fpage_base(uint32_t f);
/* True if the encoded base has no bits below the size. */
bool fpage_aligned(uint32_t f);
static inline unsigned fpage_rights(uint32_t f)
{
    return L4ABI_FPAGE_RIGHTS(f);
}
/* The fpage word for [base, +2^log2) with rights, 2^32 as the complete
 * fpage. log2 must be 12..32 and base aligned (else the nil fpage). */
uint32_t fpage_make(uint32_t base, unsigned log2, unsigned rights);

/* Result of matching a map item against a receive window: map
 * [src, +2^log2) of the sender to [dst, +2^log2) of the receiver. */
struct fpage_xfer {
    uint32_t src;
    uint32_t dst;
    unsigned log2;
};

/* The X.2 rule for a send fpage of 2^s at base S, the item's send base
 * ("hot spot") h, and a receive window of 2^r at base R:
 *   s <= r: the whole send fpage goes to R + (h mod 2^r), aligned down to
 *           2^s:   src = S, dst = R + ((h mod 2^r) & ~(2^s - 1)), size 2^s.
 *   s >  r: only the 2^r-aligned part of the send fpage that contains
 *           S + (h mod 2^s) goes, to R:
 *           src = S + ((h mod 2^s) & ~(2^r - 1)), dst = R, size 2^r.
 * So the transfer size is 2^min(s, r), both ends aligned to it, and the
 * offset the hot spot names in the larger fpage selects the place. Returns
 * false (nothing to map) if either fpage is not valid. */
bool fpage_xfer(uint32_t snd_fpage, uint32_t snd_base, uint32_t rcv_window,
                struct fpage_xfer *out);

/* Iterates a transfer in hardware pages: 4 MiB where both ends are 4 MiB
 * aligned and at least 4 MiB remain, else 4 KiB. */
struct fpage_iter {
    uint64_t src, dst, end;             /* end is src's end (up to 2^32) */
};
void fpage_iter_init(struct fpage_iter *it, const struct fpage_xfer *x);
/* The next piece, or false when done. */
bool fpage_iter_next(struct fpage_iter *it, uint32_t *src, uint32_t *dst,
                     unsigned *log2);

/* IA-32 IO fpage: ports [port, port + count). Pecan accepts sizes 2^0..2^16
 * with the range inside the 65536 ports; the port need not be aligned to
 * the size (the IO bitmap has per-port granularity). */
struct fpage_io {
    uint32_t port;
    uint32_t count;
};
bool fpage_is_io(uint32_t f);
/* Decodes f; false if it is not an IO fpage or out of range. */
bool fpage_io_decode(uint32_t f, struct fpage_io *out);

#endif
