/* Mapping database: who maps which physical memory to whom (L4 X.2).
 *
 * Every mapping is a node (struct mapnode). Sigma0's ownership of physical
 * memory is a set of roots (space = sigma0, va == pa). Map makes a new node a
 * child of the source node; grant moves the source node (same parent, same
 * children) to the receiver; unmap revokes rights from everything derived
 * from the caller's mappings. A node maps one hardware page: 4 KiB
 * (log2 12) or 4 MiB (log2 22).
 *
 * Invariants (checked by tests/host/test_mdb.c after every random step):
 *  - A child lies inside its parent's physical range, is not larger than
 *    it (a 4 MiB node has a 4 MiB or no parent), and has rights that are a
 *    nonzero subset of the parent's.
 *  - Within one space, mappings do not overlap; each is in that space's
 *    index under its va.
 *  - Roots are never removed or reduced by unmap (flush_self included) and
 *    grant from a root acts as map: sigma0 keeps owning physical memory.
 *    Only mdb_space_destroy(sigma0) removes roots.
 *  - The page tables are a cache of the database: a present user PTE maps
 *    the frame its node maps with the node's rights. A node may lack its PTE
 *    (mdb_pt_set could not get a page table); the kernel's fault path is
 *    expected to refill it from mdb_lookup before asking the pager.
 *
 * No locking: the kernel runs with interrupts off on one CPU, and the
 * preemptible operations (the *_y variants) pause only where the database
 * is consistent (see mdb.c). Nothing recurses: derivation trees of any
 * depth are walked iteratively.
 */
#ifndef PECAN_MDB_H
#define PECAN_MDB_H

#include "types.h"

struct space;                       /* opaque to the mdb */

/* One mapping. Read-only outside mdb.c. On ia32 it is 31 bytes: a 32-byte
 * kmem object. */
struct mapnode {
    struct space *space;
    uint32_t va;                    /* aligned to 2^log2 */
    uint32_t pa;                    /* aligned to 2^log2 */
    struct mapnode *parent;         /* NULL for a root */
    struct mapnode *child;          /* first child */
    struct mapnode *next, *prev;    /* siblings (doubly linked: O(1) unlink) */
    uint8_t log2;                   /* 12 or 22 */
    uint8_t rights;                 /* L4ABI_FPAGE_R/W/X, never 0 */
    uint8_t accessed;               /* accessed bits taken from the PTE but
                                       not reported by an unmap yet */
};

#define MDB_OK      0
#define MDB_ENOENT  (-1)    /* nothing to map, bad argument, or conflict */
#define MDB_ENOMEM  (-2)    /* out of kernel memory, or over the space's
                               kernel-memory limit */
#define MDB_STOPPED (-3)    /* the yield function said stop (pieces done stay) */
#define MDB_SLOW    (-4)    /* mdb_map_page: not its case, nothing changed */

/* Preemption: the *_y variants call fn(arg) every few thousand
 * instructions of work, at points where the database is consistent. fn may
 * run other threads, which may change the database in any way (mdb.c
 * re-finds what it works on); it returns false to stop the operation
 * there (a map then returns MDB_STOPPED, with the pieces done kept). A
 * NULL yield makes the operation run to its end without pausing. */
struct mdb_yield {
    bool (*fn)(void *arg);
    void *arg;
};

/* Accounting: every mdb node and radix index node is charged (as its kmem
 * size class) to the account of the space whose index holds it, i.e. the
 * space that received the mapping; a grant moves the node's charge with
 * it. An operation that would take a space over its limit fails like one
 * that runs out of memory: MDB_ENOMEM, nothing changed (a partial
 * revocation then revokes the whole 4 MiB mapping, as it does when a
 * split cannot be allocated). */
struct kmem_acct;

/* ---- Provided by the kernel (host tests provide fakes) ---------------- */

/* A word inside the space object that belongs to the mdb (the root of the
 * space's index); NULL in a fresh space. The kernel adds `void *mdb;` to
 * struct space and returns its address. */
void **mdb_space_slot(struct space *s);
/* The space's kernel-memory account (inside struct space). */
struct kmem_acct *mdb_space_acct(struct space *s);
/* Makes sure a PTE for [va, +2^log2) can later be set without allocating
 * (the page table exists), charging a new page table to s. False if it
 * cannot (out of memory or over s's limit): the mdb then refuses the
 * mapping, so that a space at its limit gets no node without a PTE. */
bool mdb_pt_reserve(struct space *s, uint32_t va, unsigned log2);
/* Installs or replaces the PTE for [va, +2^log2). May silently fail when no
 * page table can be allocated (see the cache invariant above); a page
 * table it allocates is charged to s. */
void mdb_pt_set(struct space *s, uint32_t va, uint32_t pa, unsigned log2,
                unsigned rights);
/* mdb_pt_reserve(s, va, 12) and mdb_pt_set(s, va, pa, 12, rights) in one
 * (one walk of the page directory), for a 4 KiB page no mapping of s
 * covers: false, with nothing changed, where mdb_pt_reserve would refuse. */
bool mdb_pt_set_new(struct space *s, uint32_t va, uint32_t pa, unsigned rights);
/* Removes the PTE (if present); returns its accessed bits (R referenced,
 * W dirty, X executed; 0 if absent). */
unsigned mdb_pt_clear(struct space *s, uint32_t va, unsigned log2);
/* Sets the PTE's rights to `rights` (never 0; may equal the old ones) and
 * returns and clears its accessed bits. No-op returning 0 if absent. */
unsigned mdb_pt_protect(struct space *s, uint32_t va, unsigned log2,
                        unsigned rights);

/* ---- Interface --------------------------------------------------------- */

/* Makes [paddr, +2^log2) (log2 12 or 22, aligned) a root of sigma0 at
 * va == paddr. MDB_ENOENT if invalid or overlapping an existing mapping of
 * sigma0; MDB_ENOMEM. */
int mdb_add_root(struct space *sigma0, uint32_t paddr, unsigned log2,
                 unsigned rights);

/* Maps (or grants) whatever `from` has mapped in [from_va, +2^log2) to the
 * same offsets in [to_va, +2^log2), with rights (source rights & rights).
 * 12 <= log2 <= 32; both bases are aligned down to 2^log2 (the fpage
 * helpers compute them). A 4 MiB source mapping becomes a 4 MiB mapping if
 * the region is at least 4 MiB, else it is mapped as 4 KiB pieces (children
 * of the 4 MiB node). Whatever the receiver had in the way is unmapped
 * first (with its subtree), except that re-mapping the same frame from the
 * same source node only adds rights (keeping the subtree). A piece is
 * skipped if that would remove a root or the source itself (or one of its
 * ancestors), or if it would carry no rights. Grant of part of a 4 MiB
 * mapping first splits it (see mdb.c). Returns MDB_OK if anything was
 * mapped, MDB_ENOENT if nothing was, MDB_ENOMEM (pieces already done stay
 * done). */
int mdb_map(struct space *from, uint32_t from_va, struct space *to,
            uint32_t to_va, unsigned log2, unsigned rights, bool grant);
int mdb_map_y(struct space *from, uint32_t from_va, struct space *to,
              uint32_t to_va, unsigned log2, unsigned rights, bool grant,
              const struct mdb_yield *y);

/* The short path of mdb_map for one 4 KiB piece, map (not grant): the
 * page fault's reply. Returns exactly what mdb_map(from, from_va, to,
 * to_va, PAGE_SHIFT, rights, false) would return, with the same database,
 * PTEs and kernel-memory charges afterwards, when the receiver's slot at
 * to_va is empty or holds the same frame from the same source node (a
 * rights upgrade); otherwise MDB_SLOW with nothing changed (the caller
 * then takes mdb_map). O(1): two lookups, one node, one index slot, one
 * PTE; never pauses. */
int mdb_map_page(struct space *from, uint32_t from_va, struct space *to,
                 uint32_t to_va, unsigned rights);

/* For every mapping of s in [va, +2^log2) (12 <= log2 <= 32, va aligned
 * down): revokes `rights` from all mappings derived from it; with
 * flush_self from the mapping itself too (not from a root). A mapping left
 * without rights is removed with its subtree. Returns the accessed bits of
 * the caller's mappings and everything derived from them in the range
 * (reported bits are reset; bits of a 4 MiB mapping only partly in the range
 * are reported but kept, so they are never lost). */
unsigned mdb_unmap(struct space *s, uint32_t va, unsigned log2,
                   unsigned rights, bool flush_self);
unsigned mdb_unmap_y(struct space *s, uint32_t va, unsigned log2,
                     unsigned rights, bool flush_self, const struct mdb_yield *y);

/* The mapping of s covering va, or NULL. O(1): four index levels. */
struct mapnode *mdb_lookup(struct space *s, uint32_t va);

/* mdb_lookup for the index whose top is *mdb_space_slot(s), inline (the
 * page-fault path's refill test, and mdb.c's own lookups). The index (see
 * mdb.c): four levels of 32 slots over va bits 31..27 | 26..22 | 21..17 |
 * 16..12; a level-1 slot holds a 4 MiB mapping tagged with bit 0, a
 * level-3 slot a 4 KiB one. */
static inline struct mapnode *mdb_lookup_in(void *top, uint32_t va)
{
    const uintptr_t *r = top;
    if (!r || !(r = (const uintptr_t *)r[va >> 27]))
        return NULL;
    uintptr_t e = r[(va >> 22) & 31];
    if (!e || (e & 1))
        return (struct mapnode *)(e & ~(uintptr_t)1);
    r = (const uintptr_t *)((const uintptr_t *)e)[(va >> 17) & 31];
    return r ? (struct mapnode *)r[(va >> 12) & 31] : NULL;
}

/* Removes every mapping of s with its subtree, and the index of s. The
 * _y variant returns false if its yield function stopped it (call again
 * to finish). */
void mdb_space_destroy(struct space *s);
bool mdb_space_destroy_y(struct space *s, const struct mdb_yield *y);

#endif
