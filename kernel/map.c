/* Map/grant item processing. The X.2 rules for fpages of different sizes:
 * with a send fpage of 2^s and a receive window of 2^w bytes,
 *  - s <= w: the fpage lands in the window at offset (send base mod 2^w),
 *    rounded down to 2^s;
 *  - s > w: only the 2^w part of the fpage at offset (send base mod 2^s),
 *    rounded down to 2^w, is mapped, at the window's base.
 * Only pages the sender really has are mapped, with at most its rights. */
#include "map.h"
#include "thread.h"
#include "space.h"
#include "boot.h"
#include "console.h"
#include "arch/ia32/paging.h"

#define WHOLE_SPACE_LOG2 32

static unsigned fp_log2(uint32_t f)
{
    unsigned l = L4ABI_FPAGE_LOG2(f);
    return l == 1 && (f & L4ABI_FPAGE_BASE_MASK) == 0 ? WHOLE_SPACE_LOG2 : l;
}

static uint64_t fp_base(uint32_t f, unsigned log2)
{
    return log2 >= 32 ? 0 : (f & L4ABI_FPAGE_BASE_MASK & ~((1u << log2) - 1));
}

bool sigma0_map(struct space *s, uint32_t addr)
{
    uint32_t page = addr & PTE_ADDR;
    enum mem_type t = memmap_type_at(&boot_info.map, page);
    if (page >= USER_LIMIT || t == MEM_KERNEL)
        return false;
    if (t == 0 && page < boot_info.phys_top)
        return false;
    return pd_map(s->pd, page, page, 12, PTE_W) == 0;
}

/* The sender's page for va: from its page table, or for sigma0 the
 * physical page itself. Returns false if it has none. */
static bool sender_page(struct space *s, uint32_t va, uint32_t *pa, bool *writable)
{
    unsigned log2;
    uint32_t pte = pd_lookup(s->pd, va, &log2);
    if (!pte && s->sigma0 && sigma0_map(s, va))
        pte = pd_lookup(s->pd, va, &log2);
    if (!pte)
        return false;
    uint32_t frame = pte & (log2 == 22 ? 0xffc00000u : PTE_ADDR);
    *pa = frame + (va & ((1u << log2) - 1) & PTE_ADDR);
    *writable = pte & PTE_W;
    return true;
}

static bool dest_ok(struct space *r, uint32_t va)
{
    return va < USER_LIMIT && !space_in_kip_area(r, va) &&
           !space_in_utcb_area(r, va & PTE_ADDR, PAGE_SIZE);
}

void map_item(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
              uint32_t window)
{
    if (L4ABI_IS_IOFPAGE(fpage) || window == 0)
        return;     /* I/O fpages come with the device-driver work */
    unsigned sl = fp_log2(fpage), wl = fp_log2(window);
    if (sl < 12)
        return;
    uint64_t sbase = fp_base(fpage, sl), wbase = fp_base(window, wl);
    uint32_t hot = L4ABI_ITEM_SNDBASE(item0);
    uint64_t src, dst, len;
    if (sl <= wl) {
        len = 1ull << sl;
        src = sbase;
        dst = wbase + ((hot & ((wl >= 32 ? 0 : (1ull << wl)) - 1)) & ~(len - 1));
    } else {
        len = 1ull << wl;
        src = sbase + ((hot & ((1ull << sl) - 1)) & ~(len - 1));
        dst = wbase;
    }
    bool grant = (item0 & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_GRANT;
    bool want_w = fpage & L4ABI_FPAGE_W;
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint32_t sva = (uint32_t)(src + off), dva = (uint32_t)(dst + off);
        uint32_t pa;
        bool w;
        /* Neither side's KIP or UTCB pages ever move: they are the
         * kernel's. */
        if (!dest_ok(s->space, sva) || !dest_ok(r->space, dva))
            continue;
        if (!sender_page(s->space, sva, &pa, &w))
            continue;
        if (s->space != r->space || sva != dva)
            pd_map(r->space->pd, dva, pa, 12, (w && want_w) ? PTE_W : 0);
        if (grant && (s->space != r->space || sva != dva))
            pd_unmap(s->space->pd, sva);
    }
}
