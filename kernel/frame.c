/* Physical frame allocator.
 *
 * used[]:   bit set = frame is not free (allocated, reserved or not RAM).
 * usable[]: bit set = frame was available RAM at frame_init; a free of any
 *           other frame is a bug even if its `used` bit happens to be set.
 * hint:     every word of used[] below `hint` is full, so searches start
 *           there. Allocation moves it up, frees move it down.
 * No locking: the kernel runs with interrupts off on one CPU. */
#include "frame.h"

#define NFRAMES     (FRAME_LIMIT >> PAGE_SHIFT)
#define NWORDS      (NFRAMES / 32)
#define MAX_ORDER   17                      /* 2^17 frames = FRAME_LIMIT */

_Static_assert(NFRAMES % 32 == 0, "bitmap must be whole words");
_Static_assert((1u << MAX_ORDER) == NFRAMES, "MAX_ORDER covers all frames");

static uint32_t used[NWORDS];
static uint32_t usable[NWORDS];
static uint32_t hint;
static uint32_t nfree, ntotal;

static bool test_bit(const uint32_t *map, uint32_t f)
{
    return map[f / 32] & (1u << (f % 32));
}

static void set_bit(uint32_t *map, uint32_t f)
{
    map[f / 32] |= 1u << (f % 32);
}

static void clear_bit(uint32_t *map, uint32_t f)
{
    map[f / 32] &= ~(1u << (f % 32));
}

void frame_init(const struct memmap *m)
{
    for (uint32_t i = 0; i < NWORDS; i++) {
        used[i] = ~0u;
        usable[i] = 0;
    }
    nfree = 0;
    for (int i = 0; i < m->count; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_AVAILABLE || r->base >= FRAME_LIMIT)
            continue;
        /* Only whole frames: round the start up and the end down. */
        uint64_t end = r->end < FRAME_LIMIT ? r->end : FRAME_LIMIT;
        uint64_t first = (r->base + PAGE_SIZE - 1) >> PAGE_SHIFT;
        uint64_t last = end >> PAGE_SHIFT;          /* exclusive */
        for (uint64_t f = first; f < last; f++) {
            if (f == 0)
                continue;                   /* 0 is the failure value */
            if (!test_bit(usable, (uint32_t)f)) {
                set_bit(usable, (uint32_t)f);
                clear_bit(used, (uint32_t)f);
                nfree++;
            }
        }
    }
    ntotal = nfree;
    hint = 0;
}

paddr_t frame_alloc(void)
{
    for (uint32_t w = hint; w < NWORDS; w++) {
        if (used[w] == ~0u)
            continue;
        hint = w;                           /* all words below w are full */
        uint32_t bit = (uint32_t)__builtin_ctz(~used[w]);
        used[w] |= 1u << bit;
        nfree--;
        return (paddr_t)((w * 32 + bit) << PAGE_SHIFT);
    }
    hint = NWORDS;
    return 0;
}

paddr_t frame_alloc_order(unsigned order)
{
    if (order == 0)
        return frame_alloc();
    if (order > MAX_ORDER || nfree < (1u << order))
        return 0;
    uint32_t n = 1u << order;               /* frames in the run */

    if (n < 32) {
        /* The run lies inside one word at a multiple of n bits. */
        uint32_t mask = (1u << n) - 1;
        for (uint32_t w = hint; w < NWORDS; w++) {
            if (used[w] == ~0u)
                continue;
            for (uint32_t b = 0; b < 32; b += n) {
                if (!(used[w] & (mask << b))) {
                    used[w] |= mask << b;
                    nfree -= n;
                    return (paddr_t)((w * 32 + b) << PAGE_SHIFT);
                }
            }
        }
        return 0;
    }
    /* The run is `nw` whole words starting at a multiple of nw. Words below
     * hint are full, so aligned starts below ALIGN_DOWN(hint) cannot work. */
    uint32_t nw = n / 32;
    for (uint32_t w = ALIGN_DOWN(hint, nw); w < NWORDS; w += nw) {
        uint32_t i = 0;
        while (i < nw && used[w + i] == 0)
            i++;
        if (i == nw) {
            for (i = 0; i < nw; i++)
                used[w + i] = ~0u;
            nfree -= n;
            return (paddr_t)((w * 32) << PAGE_SHIFT);
        }
    }
    return 0;
}

/* Checks that [p, p + 2^order frames) may be freed; reports via frame_bug. */
static bool check_free(paddr_t p, unsigned order)
{
    if (order > MAX_ORDER) {
        frame_bug("frame_free: bad order", p);
        return false;
    }
    uint32_t n = 1u << order;
    if (p & ((n << PAGE_SHIFT) - 1)) {
        frame_bug("frame_free: unaligned address", p);
        return false;
    }
    uint32_t f = p >> PAGE_SHIFT;
    if (p >= FRAME_LIMIT || n > NFRAMES - f) {
        frame_bug("frame_free: address beyond frame limit", p);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!test_bit(usable, f + i)) {
            frame_bug("frame_free: not a RAM frame", (paddr_t)((f + i) << PAGE_SHIFT));
            return false;
        }
        if (!test_bit(used, f + i)) {
            frame_bug("frame_free: double free", (paddr_t)((f + i) << PAGE_SHIFT));
            return false;
        }
    }
    return true;
}

void frame_free_order(paddr_t p, unsigned order)
{
    if (!check_free(p, order))
        return;                             /* the kernel's frame_bug panics */
    uint32_t f = p >> PAGE_SHIFT, n = 1u << order;
    for (uint32_t i = 0; i < n; i++)
        clear_bit(used, f + i);
    nfree += n;
    if (f / 32 < hint)
        hint = f / 32;
}

void frame_free(paddr_t p)
{
    frame_free_order(p, 0);
}

uint32_t frame_free_count(void)
{
    return nfree;
}

uint32_t frame_total_count(void)
{
    return ntotal;
}
