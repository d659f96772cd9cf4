/* Fpage arithmetic (see fpage.h for the rules). Sizes up to 2^32 are
 * handled in 64 bits so that the complete address space does not wrap. */
#include "fpage.h"

#define MAX_LOG2 32u

unsigned fpage_log2(uint32_t f)
{
    if (fpage_is_complete(f))
        return MAX_LOG2;
    unsigned s = L4ABI_FPAGE_LOG2(f);
    return (s >= FPAGE_MIN_LOG2 && s <= MAX_LOG2) ? s : 0;
}

bool fpage_valid(uint32_t f)
{
    return fpage_log2(f) != 0;
}

static uint32_t low_mask(unsigned log2)
{
    return (uint32_t)(((uint64_t)1 << log2) - 1);
}

uint32_t fpage_base(uint32_t f)
{
    unsigned s = fpage_log2(f);
    if (!s)
        return 0;
    return f & L4ABI_FPAGE_BASE_MASK & ~low_mask(s);
}

bool fpage_aligned(uint32_t f)
{
    unsigned s = fpage_log2(f);
    if (fpage_is_complete(f))
        return true;
    return s && (f & L4ABI_FPAGE_BASE_MASK & low_mask(s)) == 0;
}

uint32_t fpage_make(uint32_t base, unsigned log2, unsigned rights)
{
    if (log2 < FPAGE_MIN_LOG2 || log2 > MAX_LOG2 || (base & low_mask(log2)))
        return L4ABI_NILPAGE;
    return L4ABI_FPAGE(base, log2, rights);
}

bool fpage_xfer(uint32_t snd, uint32_t snd_base, uint32_t rcv,
                struct fpage_xfer *out)
{
    unsigned s = fpage_log2(snd), r = fpage_log2(rcv);
    if (!s || !r)
        return false;
    /* fpage_base of each, with the sizes at hand (s, r non-zero). */
    uint32_t S = snd & L4ABI_FPAGE_BASE_MASK & ~low_mask(s);
    uint32_t R = rcv & L4ABI_FPAGE_BASE_MASK & ~low_mask(r);
    if (s <= r) {
        out->src = S;
        out->dst = R + ((snd_base & low_mask(r)) & ~low_mask(s));
        out->log2 = s;
    } else {
        out->src = S + ((snd_base & low_mask(s)) & ~low_mask(r));
        out->dst = R;
        out->log2 = r;
    }
    return true;
}

void fpage_iter_init(struct fpage_iter *it, const struct fpage_xfer *x)
{
    it->src = x->src;
    it->dst = x->dst;
    it->end = (uint64_t)x->src + ((uint64_t)1 << x->log2);
}

bool fpage_iter_next(struct fpage_iter *it, uint32_t *src, uint32_t *dst,
                     unsigned *log2)
{
    if (it->src >= it->end)
        return false;
    unsigned l = PAGE_SHIFT;
    if (((it->src | it->dst) & (SUPERPAGE_SIZE - 1)) == 0 &&
        it->end - it->src >= SUPERPAGE_SIZE)
        l = SUPERPAGE_SHIFT;
    *src = (uint32_t)it->src;
    *dst = (uint32_t)it->dst;
    *log2 = l;
    it->src += (uint64_t)1 << l;
    it->dst += (uint64_t)1 << l;
    return true;
}

bool fpage_is_io(uint32_t f)
{
    return L4ABI_IS_IOFPAGE(f);
}

bool fpage_io_decode(uint32_t f, struct fpage_io *out)
{
    if (!fpage_is_io(f))
        return false;
    uint32_t port = L4ABI_IOFPAGE_PORT(f);
    unsigned s = L4ABI_IOFPAGE_LOG2(f);
    if (s > 16 || port + ((uint32_t)1 << s) > 65536)
        return false;
    out->port = port;
    out->count = (uint32_t)1 << s;
    return true;
}
