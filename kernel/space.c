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
uint32_t space_kmem_default_limit = KMEM_UNLIMITED;

struct space *space_create(void)
{
    struct space *s = kmem_alloc(sizeof(*s), KMEM_SPACE);
    if (!s)
        return NULL;
    /* A bound on the kernel memory a space makes the kernel hold, so
     * that no user can take the pool from others (the root task may
     * change it with the SpaceControl extension). */
    s->kmem.limit = space_kmem_default_limit;
    kmem_acct_add(&s->kmem, kmem_class_size(sizeof(*s)));
    s->pd = pd_create(&s->kmem);
    if (!s->pd) {
        kmem_free(s, sizeof(*s), KMEM_SPACE);
        return NULL;
    }
    s->small = (struct small_state){ 0 };
    s->pd[PD_SPACE_SLOT] = (uint32_t)(uintptr_t)s;   /* never present (layout.h) */
    return s;
}

static uint32_t fpage_base(uint32_t f) { return f & L4ABI_FPAGE_BASE_MASK; }
static uint32_t fpage_log2(uint32_t f) { return L4ABI_FPAGE_LOG2(f); }

/* Unmaps and frees the UTCB pages of the space's UTCB area (kernel-owned
 * frames, allocated on the first UTCB in each page). Only while no thread
 * has its UTCB there. */
static void free_utcb_pages(struct space *s)
{
    assert(s->active_threads == 0);
    if (!s->utcb_area)
        return;
    for (uint32_t off = 0; off < s->utcb_size; off += PAGE_SIZE) {
        uint32_t pte = pd_remove(s->pd, s->utcb_base + off, PAGE_SHIFT);
        if (pte) {
            frame_free(pte & PTE_ADDR);
            kmem_acct_sub(&s->kmem, PAGE_SIZE);
        }
    }
}

/* Removes the space's mappings (and everything derived from them, in any
 * space) from the mapping database, then frees UTCB frames (kernel-owned),
 * page tables and the space. The mapping part is preemptible: s has no
 * threads any more, so nobody can map into it or name it meanwhile;
 * others may only remove mappings of s (their own unmaps), which the mdb
 * re-finds. */
void space_destroy(struct space *s)
{
    small_make_large(s);        /* gives its window back first */
    (void)mdb_space_destroy_y(s, &sched_work_yield);
    free_utcb_pages(s);
    io_space_destroy(s);
    /* From here on nothing loads this directory again: leave it if it is
     * loaded (a small thread may run on it) and drop it from the
     * polluted list (smallspace.c). */
    small_space_destroy(s);
    /* Up to 768 page tables: freed in preemptible steps (nobody uses this
     * directory any more; a switch never loads it). */
    for (uint32_t slot = 0; slot < PD_SLOT(USER_LIMIT); slot += PD_FREE_STEP) {
        pd_free_tables(s->pd, &s->kmem, slot, slot + PD_FREE_STEP);
        (void)sched_preempt_point();
    }
    pd_destroy(s->pd, &s->kmem);
    kmem_acct_sub(&s->kmem, kmem_class_size(sizeof(*s)));
    if (s->kmem.used)       /* a charge without its uncharge somewhere */
        kprintf("kmem: space %p deleted with %u bytes still charged\n", s, s->kmem.used);
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
    /* A small space whose window would not hold the new areas becomes
     * large (its threads reach the areas through their segments). */
    if (!small_areas_fit(s, kb, ub, ue - ub))
        small_make_large(s);
    if (s->kip_area && s->kip_area != kip_area)
        pd_remove(s->pd, fpage_base(s->kip_area), PAGE_SHIFT);
    /* UTCB pages left by threads deleted meanwhile: the user must not keep
     * them at the old place, and nobody would ever free them. */
    if (s->utcb_area != utcb_area)
        free_utcb_pages(s);
    /* Mappings where the areas now lie give way: those pages are the
     * kernel's (possible only if the space held mappings before). */
    (void)mdb_unmap(s, kb, 12, L4ABI_FPAGE_RWX, true);
    (void)mdb_unmap(s, ub, fpage_log2(utcb_area), L4ABI_FPAGE_RWX, true);
    s->kip_area = kip_area;
    s->utcb_area = utcb_area;
    s->utcb_base = ub;
    s->utcb_size = ue - ub;
    if (pd_map(s->pd, &s->kmem, kb, kip_phys(), 12, 0) != 0)
        return L4ABI_ERR_NO_MEM;
    return 0;
}

bool space_in_kip_area(const struct space *s, uint32_t addr)
{
    return s->kip_area && (addr & PTE_ADDR) == fpage_base(s->kip_area);
}
