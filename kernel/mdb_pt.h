/* Page tables as a cache of the mapping database (mdb_pt.c). */
#ifndef PECAN_MDB_PT_H
#define PECAN_MDB_PT_H

#include "types.h"
#include "l4/abi.h"
#include "space.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/cpu.h"
#include "arch/ia32/smallspace.h"

/* A user access of kind rwx (L4ABI_FPAGE_*) at addr faulted. If the mdb
 * has a mapping of s there that allows the access but its PTE is missing
 * or stale (e.g. no page table could be allocated when it was made), puts
 * the PTE back and returns true: the access can simply be retried.
 * Otherwise false: the fault is real. */
bool mdb_refill(struct space *s, uint32_t addr, unsigned rwx);

/* mdb.h's mdb_pt_set_new (rights to PTE bits as mdb_pt_set: any right is
 * present, W writable), inline for the kernel's mdb.c: pd_map_new with its
 * quick case (the page table there, the entry empty) inline. */
static inline bool mdb_pt_set_new_inline(struct space *s, uint32_t va, uint32_t pa,
                                         unsigned rights)
{
    uint32_t w = (rights & L4ABI_FPAGE_W) ? PTE_W : 0;
    uint32_t *pte = pd_empty_pte(s->pd, va);
    if (!pte)
        return pd_map_new(s->pd, &s->kmem, va, pa, w);
    *pte = pa | w | PTE_P | PTE_U;
    invlpg(va);
    /* small_pte_changed's first test here (s owns s->pd: space.c): a
     * large space has no alias to flush. */
    if (s->small.base)
        small_pte_changed(s->pd, va);
    return true;
}

#endif
