/* The user page tables as a cache of the mapping database: the callbacks
 * mdb.c needs (see mdb.h), and the refill of a PTE the cache lost.
 *
 * Rights map onto ia32 PTEs as: any right = present (ia32 cannot forbid
 * reading or executing a present page), W = writable. Accessed bits come
 * back as R = referenced (PTE_A), W = dirty (PTE_D); ia32 has no separate
 * executed bit, so X is never reported. */
#include "mdb.h"
#include "mdb_pt.h"
#include "l4/abi.h"
#include "space.h"
#include "arch/ia32/paging.h"

void **mdb_space_slot(struct space *s)
{
    return &s->mdb;
}

struct kmem_acct *mdb_space_acct(struct space *s)
{
    return &s->kmem;
}

bool mdb_pt_reserve(struct space *s, uint32_t va, unsigned log2)
{
    return pd_reserve(s->pd, &s->kmem, va, log2);
}

static unsigned accessed_bits(uint32_t pte)
{
    return ((pte & PTE_A) ? L4ABI_FPAGE_R : 0) | ((pte & PTE_D) ? L4ABI_FPAGE_W : 0);
}

void mdb_pt_set(struct space *s, uint32_t va, uint32_t pa, unsigned log2,
                unsigned rights)
{
    (void)pd_map(s->pd, &s->kmem, va, pa, log2, (rights & L4ABI_FPAGE_W) ? PTE_W : 0);
}

bool mdb_pt_set_new(struct space *s, uint32_t va, uint32_t pa, unsigned rights)
{
    return pd_map_new(s->pd, &s->kmem, va, pa, (rights & L4ABI_FPAGE_W) ? PTE_W : 0);
}

unsigned mdb_pt_clear(struct space *s, uint32_t va, unsigned log2)
{
    return accessed_bits(pd_remove(s->pd, va, log2));
}

unsigned mdb_pt_protect(struct space *s, uint32_t va, unsigned log2,
                        unsigned rights)
{
    return accessed_bits(pd_protect(s->pd, va, log2, rights & L4ABI_FPAGE_W));
}

static bool pte_allows(uint32_t pte, unsigned rwx)
{
    return (pte & PTE_P) && (!(rwx & L4ABI_FPAGE_W) || (pte & PTE_W));
}

bool mdb_refill(struct space *s, uint32_t addr, unsigned rwx)
{
    struct mapnode *n = mdb_lookup_in(s->mdb, addr);     /* mdb_lookup, inline */
    if (!n || ((rwx & L4ABI_FPAGE_W) && !(n->rights & L4ABI_FPAGE_W)))
        return false;               /* a real fault: the pager decides */
    if (pte_allows(pd_lookup(s->pd, addr, NULL), rwx))
        return false;               /* not a cache miss */
    mdb_pt_set(s, n->va, n->pa, n->log2, n->rights);
    return pte_allows(pd_lookup(s->pd, addr, NULL), rwx);
}
