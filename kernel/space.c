/* Address spaces. */
#include "space.h"
#include "thread.h"
#include "kip.h"
#include "kmem.h"
#include "frame.h"
#include "console.h"
#include "mdb.h"
#include "sched.h"
#include "arch/ia32/paging.h"

#define PD_FREE_STEP 64u        /* directory slots between preemption points */

struct space kernel_space;

struct space *space_create(void)
{
    struct space *s = kmem_alloc(sizeof(*s), KMEM_SPACE);
    if (!s)
        return NULL;
    /* A bound on the mappings a space may hold, so that no user can make
     * the kernel allocate without limit (the root servers lift it). */
    s->mdbq.limit = MAP_QUOTA;
    s->pd = pd_create();
    if (!s->pd) {
        kmem_free(s, sizeof(*s), KMEM_SPACE);
        return NULL;
    }
    return s;
}

static uint32_t fpage_base(uint32_t f) { return f & L4ABI_FPAGE_BASE_MASK; }
static uint32_t fpage_log2(uint32_t f) { return L4ABI_FPAGE_LOG2(f); }

/* Removes the space's mappings (and everything derived from them, in any
 * space) from the mapping database, then frees UTCB frames (kernel-owned),
 * page tables and the space. The mapping part is preemptible: s has no
 * threads any more, so nobody can map into it or name it meanwhile;
 * others may only remove mappings of s (their own unmaps), which the mdb
 * re-finds. */
void space_destroy(struct space *s)
{
    (void)mdb_space_destroy_y(s, &sched_work_yield);
    if (s->utcb_area) {
        uint32_t base = fpage_base(s->utcb_area);
        uint32_t size = 1u << fpage_log2(s->utcb_area);
        for (uint32_t va = base; va - base < size; va += PAGE_SIZE) {
            uint32_t pte = pd_remove(s->pd, va, PAGE_SHIFT);
            if (pte)
                frame_free(pte & PTE_ADDR);
        }
    }
    io_space_destroy(s);
    if (current_pd() == s->pd)
        pd_activate(kernel_pd);
    /* Up to 768 page tables: freed in preemptible steps (nobody uses this
     * directory any more; a switch never loads it). */
    for (uint32_t slot = 0; slot < PD_SLOT(USER_LIMIT); slot += PD_FREE_STEP) {
        pd_free_tables(s->pd, slot, slot + PD_FREE_STEP);
        (void)sched_preempt_point();
    }
    pd_destroy(s->pd);
    kmem_free(s, sizeof(*s), KMEM_SPACE);
}

static bool fpage_ok(uint32_t f, uint32_t min_log2, uint32_t max_log2)
{
    uint32_t log2 = fpage_log2(f);
    if (log2 < min_log2 || log2 > max_log2 || log2 >= 32)
        return false;
    uint32_t base = fpage_base(f);
    if (base & ((1u << log2) - 1))
        return false;
    return (uint64_t)base + (1u << log2) <= USER_LIMIT;
}

int space_set_areas(struct space *s, uint32_t kip_area, uint32_t utcb_area)
{
    if (s->active_threads)
        return L4ABI_ERR_UTCB_AREA;     /* areas are fixed once used */
    if (!fpage_ok(kip_area, 12, 12))
        return L4ABI_ERR_KIP_AREA;
    if (!fpage_ok(utcb_area, 12, UTCB_AREA_MAX_LOG2))
        return L4ABI_ERR_UTCB_AREA;
    uint32_t kb = fpage_base(kip_area), ub = fpage_base(utcb_area);
    uint32_t ue = ub + (1u << fpage_log2(utcb_area));
    if (kb >= ub && kb < ue)
        return L4ABI_ERR_KIP_AREA;
    if (s->kip_area && s->kip_area != kip_area)
        pd_remove(s->pd, fpage_base(s->kip_area), PAGE_SHIFT);
    /* Mappings where the areas now lie give way: those pages are the
     * kernel's (possible only if the space held mappings before). */
    (void)mdb_unmap(s, kb, 12, L4ABI_FPAGE_RWX, true);
    (void)mdb_unmap(s, ub, fpage_log2(utcb_area), L4ABI_FPAGE_RWX, true);
    s->kip_area = kip_area;
    s->utcb_area = utcb_area;
    s->utcb_base = ub;
    s->utcb_size = ue - ub;
    if (pd_map(s->pd, kb, kip_phys(), 12, 0) != 0)
        return L4ABI_ERR_NO_MEM;
    return 0;
}

bool space_in_kip_area(const struct space *s, uint32_t addr)
{
    return s->kip_area && (addr & PTE_ADDR) == fpage_base(s->kip_area);
}
