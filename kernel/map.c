/* Map and grant items, and sigma0's ownership of physical memory, on top
 * of the mapping database (mdb.c).
 *
 * A map item moves the part of the send fpage that the X.2 receive-window
 * rule selects (fpage_xfer) in hardware pages (fpage_iter: 4 MiB where both
 * ends are 4 MiB aligned, else 4 KiB). The mdb maps only what the sender
 * really has, with (sender's rights & item's rights), and makes 4 MiB
 * mappings only from 4 MiB mappings. Nothing lands in or comes from kernel
 * space, nothing lands in an unprivileged space's first V86_REACH bytes
 * (virtual-8086 mode's reach, layout.h), and nothing lands on a KIP or UTCB
 * area: those pages are the
 * kernel's and are not in the mdb; a 4 MiB piece touching one is mapped
 * page by page around it.
 *
 * Sigma0's roots are made on demand, when sigma0 touches or maps physical
 * memory (va == pa). Per 4 MiB frame the root size is fixed, so roots never
 * collide: one 4 MiB root where the CPU has PSE and the frame is entirely
 * conventional RAM (or entirely outside every memory-map region above the
 * top of RAM, i.e. device space), else 4 KiB roots for the pages sigma0 may
 * own. A 4 MiB root costs one 32-byte node; 4 KiB roots cost 32 bytes per
 * page plus index (docs/architecture.md). */
#include "map.h"
#include "mdb.h"
#include "fpage.h"
#include "thread.h"
#include "space.h"
#include "boot.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/cpu.h"
#include "trace.h"
#include "urange.h"

#define RWX L4ABI_FPAGE_RWX

/* Does [va, +2^log2) (aligned, log2 >= 12) stay clear of kernel space and
 * of s's KIP and UTCB areas? The rule is lib/urange.h's, in 32-bit
 * arithmetic (tests/host/test_urange.c checks it against 64-bit ends). */
static inline bool range_ok(const struct space *s, uint32_t va, unsigned log2)
{
    return urange_ok(va, log2, USER_LIMIT, s->kip_area != 0,
                     s->kip_area & L4ABI_FPAGE_BASE_MASK, s->utcb_base, s->utcb_size);
}

/* May [va, +2^log2) be mapped into s? As range_ok, and nothing of an
 * unprivileged space's first V86_REACH bytes (layout.h). */
static bool dst_ok(const struct space *s, uint32_t va, unsigned log2)
{
    return range_ok(s, va, log2) && (s->privileged || va >= V86_REACH);
}

/* May sigma0 own the physical page pa? Not if any byte of it is the
 * kernel's, nor holes inside RAM; firmware areas and device space above RAM
 * are allowed (for drivers). */
static bool s0_page_ok(uint32_t pa)
{
    const struct memmap *m = &boot_info.map;
    if (pa >= USER_LIMIT)
        return false;
    for (int i = 0; i < m->count; i++)
        if (m->r[i].type == MEM_KERNEL && m->r[i].base < (uint64_t)pa + PAGE_SIZE &&
            m->r[i].end > pa)
            return false;
    return memmap_type_at(m, pa) != 0 || pa >= boot_info.phys_top;
}

/* Is the 4 MiB frame p one 4 MiB root? See the comment at the top. */
static bool s0_big_root(const struct space *s0, uint32_t p)
{
    if (!cpu.pse || !range_ok(s0, p, SUPERPAGE_SHIFT))
        return false;
    const struct memmap *m = &boot_info.map;
    if (memmap_range_is(m, p, SUPERPAGE_SIZE, MEM_AVAILABLE))
        return true;
    if (p < boot_info.phys_top)
        return false;
    for (int i = 0; i < m->count; i++)
        if (m->r[i].base < (uint64_t)p + SUPERPAGE_SIZE && m->r[i].end > p)
            return false;
    return true;
}

/* Makes sure sigma0 has its roots for the physical range [pa, +2^log2)
 * (clipped to user space). Returns false only when out of kernel memory. */
static bool s0_roots(struct space *s0, uint32_t pa, unsigned log2)
{
    uint64_t lo = pa, hi = lo + ((uint64_t)1 << log2);
    if (hi > USER_LIMIT)
        hi = USER_LIMIT;
    for (uint64_t p = lo & ~(uint64_t)(SUPERPAGE_SIZE - 1); p < hi; p += SUPERPAGE_SIZE) {
        struct mapnode *n = mdb_lookup(s0, (uint32_t)p);
        if (n && n->log2 == SUPERPAGE_SHIFT)
            continue;
        if (s0_big_root(s0, (uint32_t)p)) {
            if (mdb_add_root(s0, (uint32_t)p, SUPERPAGE_SHIFT, RWX) == MDB_ENOMEM)
                return false;
            continue;
        }
        uint64_t a = p < lo ? lo : p, b = p + SUPERPAGE_SIZE < hi ? p + SUPERPAGE_SIZE : hi;
        for (; a < b; a += PAGE_SIZE)
            if (!mdb_lookup(s0, (uint32_t)a) && s0_page_ok((uint32_t)a) &&
                range_ok(s0, (uint32_t)a, PAGE_SHIFT) &&
                mdb_add_root(s0, (uint32_t)a, PAGE_SHIFT, RWX) == MDB_ENOMEM)
                return false;
    }
    return true;
}

bool sigma0_map(struct space *s, uint32_t addr, unsigned rwx)
{
    if (!s0_page_ok(addr & PTE_ADDR) || !s0_roots(s, addr & PTE_ADDR, PAGE_SHIFT))
        return false;
    struct mapnode *n = mdb_lookup(s, addr);
    if (!n || ((rwx & L4ABI_FPAGE_W) && !(n->rights & L4ABI_FPAGE_W)))
        return false;
    mdb_pt_set(s, n->va, n->pa, n->log2, n->rights);    /* idempotent */
    return pd_lookup(s->pd, addr, NULL) != 0;
}

/* One hardware page (or 4 MiB range) of a transfer. False: stop the item
 * (out of kernel memory, or the yield function said stop). */
static bool map_piece(struct space *from, uint32_t src, struct space *to,
                      uint32_t dst, unsigned log2, unsigned rights, bool grant,
                      const struct mdb_yield *y)
{
    if (from->sigma0 && !s0_roots(from, src, log2))
        return false;
    int e = mdb_map_y(from, src, to, dst, log2, rights, grant, y);
    return e != MDB_ENOMEM && e != MDB_STOPPED;
}

static inline __attribute__((always_inline)) bool
map_page_short(struct space *from, struct space *to, uint32_t src, uint32_t dst, unsigned rights);
static inline __attribute__((always_inline)) bool
page_item(struct space *from, struct space *to, uint32_t item0, uint32_t fpage, uint32_t window);

void map_item(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
              uint32_t window, const struct mdb_yield *y)
{
    if (TRACE_ON(TRACE_MAP))
        trace_record(TT_MAP, s->gid, r->gid, fpage,
                     (item0 & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_GRANT);
    if (L4ABI_IS_IOFPAGE(fpage)) {             /* fpage_is_io */
        /* Ports land at the same port numbers, whatever the receive
         * window says (Pistachio's receive window for I/O fpages is the
         * whole port space, even when BR0 is nil). */
        io_map(s->space, r->space, fpage,
               (item0 & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_GRANT);
        return;
    }
    unsigned rights = fpage_rights(fpage);
    if (!rights)
        return;
    bool grant = (item0 & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_GRANT;
    struct space *from = s->space, *to = r->space;
#if FASTPATH
    /* A 4 KiB send fpage mapped (the usual item): map_item_page's way
     * (its window rule is fpage_xfer's for that size), when it can tell
     * the result alone. */
    bool small = L4ABI_FPAGE_LOG2(fpage) == PAGE_SHIFT;
    if (small && !grant && page_item(from, to, item0, fpage, window))
        return;
#endif
    struct fpage_xfer x;
    if (!fpage_xfer(fpage, L4ABI_ITEM_SNDBASE(item0), window, &x))
        return;
#if FASTPATH
    /* A larger send fpage whose transfer is one 4 KiB page (a 4 KiB
     * window): the short way too (a 4 KiB send fpage was tried above). */
    if (x.log2 == PAGE_SHIFT && !grant && !small && map_page_short(from, to, x.src, x.dst, rights))
        return;
#endif
    struct fpage_iter it;
    uint32_t src, dst;
    unsigned log2;
    fpage_iter_init(&it, &x);
    /* Between two hardware pages of the item a preemption point (the
     * mdb pauses between the pieces of one); the position is the
     * iterator's, which nobody else can change. */
    bool first = true;
    while (fpage_iter_next(&it, &src, &dst, &log2)) {
        if (!first && y && !y->fn(y->arg))
            return;
        first = false;
        if (range_ok(from, src, log2) && dst_ok(to, dst, log2)) {
            if (!map_piece(from, src, to, dst, log2, rights, grant, y))
                return;             /* out of kernel memory, or stopped */
            continue;
        }
        if (log2 == PAGE_SHIFT || src >= USER_LIMIT || dst >= USER_LIMIT)
            continue;
        for (uint32_t off = 0; off < SUPERPAGE_SIZE; off += PAGE_SIZE) {
            if (off && y && !y->fn(y->arg))
                return;
            if (range_ok(from, src + off, PAGE_SHIFT) &&
                dst_ok(to, dst + off, PAGE_SHIFT) &&
                !map_piece(from, src + off, to, dst + off, PAGE_SHIFT, rights,
                           grant, y))
                return;
        }
    }
}

/* map_item's work for a transfer of one 4 KiB page (src, dst page-aligned),
 * map not grant: false with nothing changed if mdb_map_page cannot tell
 * the result alone. */
static inline __attribute__((always_inline)) bool
map_page_short(struct space *from, struct space *to, uint32_t src, uint32_t dst, unsigned rights)
{
    /* A page outside the range rules maps nothing (dst_ok's rule for one
     * page); sigma0's roots come first (they stay if the mdb refuses:
     * map_item makes the same). */
    return !range_ok(from, src, PAGE_SHIFT) || !range_ok(to, dst, PAGE_SHIFT) ||
           (!to->privileged && dst < V86_REACH) ||
           (from->sigma0 && !s0_roots(from, src, PAGE_SHIFT)) ||
           mdb_map_page(from, src, to, dst, rights) != MDB_SLOW;
}

/* map_item_page's work between the spaces from and to. */
static inline __attribute__((always_inline)) bool
page_item(struct space *from, struct space *to, uint32_t item0, uint32_t fpage, uint32_t window)
{
    /* fpage_xfer for a 4 KiB send fpage (its size is the transfer's): the
     * page goes to the window's base plus the hot spot's offset in the
     * window, page-aligned. No rights or an invalid window (the complete
     * space, or 2^12..2^32 by its size field): map_item maps nothing. */
    unsigned rights = fpage_rights(fpage);
    uint32_t off = L4ABI_ITEM_SNDBASE(item0) & ~(uint32_t)(PAGE_SIZE - 1), dst;
    if (!rights)
        return true;
    if ((window & ~L4ABI_FPAGE_RIGHTS_MASK) == L4ABI_COMPLETE_FPAGE) {
        dst = off;
    } else {
        unsigned w = L4ABI_FPAGE_LOG2(window);
        if (w < PAGE_SHIFT || w > 32)
            return true;
        uint32_t mask = w == 32 ? ~0u : (1u << w) - 1;
        dst = (window & L4ABI_FPAGE_BASE_MASK & ~mask) + (off & mask);
    }
    return map_page_short(from, to, fpage & ~(uint32_t)(PAGE_SIZE - 1), dst, rights);
}

bool map_item_page(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
                   uint32_t window)
{
    return page_item(s->space, r->space, item0, fpage, window);
}
