/* Mapping database (see mdb.h for the model and invariants).
 *
 * Trees: each node has parent, first child and doubly linked siblings, so
 * linking and unlinking are O(1) and a subtree is walked in preorder
 * without recursion (next_pre/next_skip climb through parent pointers): the
 * depth of a derivation tree is chosen by user code and must not reach the
 * kernel stack.
 *
 * Index: per space a 4-level radix tree over va bits 31..27 | 26..22 |
 * 21..17 | 16..12, 32 slots per level (128 bytes on ia32). A 4 MiB mapping
 * sits in a level-1 slot tagged with bit 0 (nodes are at least 8-byte
 * aligned); a 4 KiB one in a level-3 slot. Empty radix nodes are freed at
 * once (a removal rescans the 32 slots of at most 4 nodes), so a space with
 * no mappings holds no index memory. Lookup is four dependent loads;
 * finding the next mapping skips empty subtrees. Compared with a flat
 * 1024x1024 shadow of the page tables this costs one or two loads more per
 * lookup but 128-byte instead of 4 KiB granules for sparse spaces; compared
 * with a global hash it has no resizing and no worst-case chains.
 *
 * Memory per mapping (ia32): one 32-byte node plus a 4-byte slot; radix
 * nodes add 4 bytes/32 per level when dense, at most 4 x 128 bytes for an
 * isolated page.
 *
 * Superpage split: revoking part of a 4 MiB mapping N that must change
 * (N itself with flush_self, or any 4 MiB mapping derived from N) replaces
 * that mapping and every 4 MiB mapping derived from it (a 4 MiB node cannot
 * hang below a 4 KiB one) by 1024 4 KiB nodes each, with new PTEs. Cost per
 * split 4 MiB node: 1024 nodes (32 KiB) + 33 radix nodes (4.2 KiB) and 1024
 * PTE writes. All memory is allocated before anything changes; if that fails
 * the whole 4 MiB mapping is revoked instead (more than asked, never less:
 * the pager can map again). The accessed bits of the old 4 MiB PTE are
 * copied into every piece (over-reporting, never losing a dirty bit).
 *
 * Preemption: how much work an unmap, a map or a space deletion does is
 * chosen by user code (a task can hang 65 536 mappings below one page).
 * Operations started through the *_y entry points call the kernel's
 * yield function (struct mdb_yield) every CHUNK units of work, at points
 * where the database is consistent: between two nodes of a walk, never
 * inside a node's update. The kernel may run other threads there, which
 * may change the database in any way. The rule that makes this safe: no
 * pointer into the database is used after a yield unless no node was
 * unlinked or freed meanwhile (`gen`, bumped by unlink_node and
 * node_free, is unchanged). Otherwise the operation unwinds to its
 * outermost loop, whose position is an address (find_from), and goes on
 * from there; the node it was working on is looked up again. Every step is
 * idempotent (revoking rights that are gone, clearing reset accessed
 * bits), and removal makes progress that a restart keeps. A walk that
 * only reduces rights may revisit nodes after a restart; its progress
 * therefore needs a window in which nobody unlinks a node, which only a
 * thread that runs meanwhile can deny (see docs/architecture.md).
 * A walk that is interrupted by a restart may leave a child with rights
 * its parent already lost; the restart removes them before the operation
 * ends, so the invariants hold between operations. Superpage splits are
 * not preemptible (bounded: 1024 pieces per 4 MiB mapping of the chain).
 */
#include "mdb.h"
#include "kmem.h"
#include "kmem_fast.h"

#if !__STDC_HOSTED__
/* In the kernel (freestanding) the space's index root and account are
 * fields of its struct space: mdb_pt.c's mdb_space_slot, mdb_space_acct
 * and mdb_pt_set_new, inline (every lookup reads the root; a new page's
 * PTE goes straight to the page tables). The host tests (hosted) bring
 * their own spaces and page tables through those functions. */
#include "space.h"
#include "mdb_pt.h"
#define mdb_space_slot(s) ((void **)&(s)->mdb)
#define mdb_space_acct(s) (&(s)->kmem)
#define mdb_pt_set_new(s, va, pa, rights) mdb_pt_set_new_inline(s, va, pa, rights)
#endif

#ifdef __i386__
_Static_assert(sizeof(struct mapnode) <= 32, "a mapnode is a 32-byte object");
#endif

#define RWX     7u
#define SMALL   PAGE_SHIFT
#define BIG     SUPERPAGE_SHIFT
#define FAN     32u
#define TAG     ((uintptr_t)1)
#define PIECES  (1u << (BIG - SMALL))
#define RADIX_PER_SPLIT (1 + FAN)   /* one level-2 node and its level-3 nodes */
#define NODE_BYTES  kmem_class_size(sizeof(struct mapnode))
#define RADIX_BYTES kmem_class_size(sizeof(struct radix))
/* What splitting one 4 MiB mapping may charge its space: the pieces, their
 * index nodes and the page table their PTEs need. */
#define SPLIT_BYTES (PIECES * NODE_BYTES + RADIX_PER_SPLIT * RADIX_BYTES + PAGE_SIZE)

struct radix {
    uintptr_t slot[FAN];
};

/* Preemption (see above). Work units approximate 100 instructions; the
 * host tests pause far more often (MDB_CHUNK). */
#ifndef MDB_CHUNK
#define MDB_CHUNK 40u
#endif
#define CHUNK   MDB_CHUNK
enum { GOING = 0, RESTART, STOP };

struct op {
    const struct mdb_yield *y;  /* NULL: not preemptible */
    int halt;                   /* GOING, or how to unwind */
};

static struct op op;            /* the running operation's; saved across
                                   yields, since others run meanwhile */
static uint32_t work;           /* units since the last yield */
static uint32_t gen;            /* bumped when a node is unlinked or freed */
static uint32_t yields;         /* calls of a yield function */

/* A preemption point after `units` of work. Returns true if the caller
 * must unwind (op.halt says whether to restart or stop). */
static bool pause(uint32_t units)
{
    if (op.halt)
        return true;
    if ((work += units) < CHUNK || !op.y)
        return false;
    struct op mine = op;
    uint32_t g = gen;
    work = 0;
    yields++;
    bool go = mine.y->fn(mine.y->arg);
    op = mine;
    if (!go)
        op.halt = STOP;
    else if (gen != g)
        op.halt = RESTART;
    return op.halt != GOING;
}

/* Entry and exit of a public operation. */
static void op_begin(const struct mdb_yield *y)
{
    op.y = y;
    op.halt = GOING;
    work = 0;
}

static void op_end(void)
{
    op.y = NULL;
    op.halt = GOING;
}

/* Allocation source for a split: memory taken in advance, so that the split
 * itself cannot fail halfway. Free objects are chained through their first
 * word. NULL pool = kmem. Pool objects are charged to a space only when
 * they are taken from the pool (split() checked the room before). */
struct pool {
    struct mapnode *nodes;
    struct radix *radix;
};

static unsigned ix(uint32_t va, unsigned level)
{
    return (va >> (27 - 5 * level)) & (FAN - 1);
}

static uint64_t span(unsigned log2)
{
    return (uint64_t)1 << log2;
}

static bool is_root(const struct mapnode *n)
{
    return n->parent == NULL;
}

static uintptr_t entry_of(const struct mapnode *n)
{
    return (uintptr_t)n | (n->log2 == BIG ? TAG : 0);
}

static struct kmem_acct *acct(struct space *s)
{
    return mdb_space_acct(s);
}

/* A radix node for the index of s, charged to s. */
static struct radix *radix_new(struct space *s, struct pool *pool)
{
    if (pool) {
        struct radix *r = pool->radix;
        pool->radix = (struct radix *)r->slot[0];
        r->slot[0] = 0;
        kmem_acct_add(acct(s), RADIX_BYTES);
        return r;
    }
    return kmem_alloc_acct(acct(s), sizeof(struct radix), KMEM_MAPNODE);
}

static void radix_free(struct space *s, struct radix *r)
{
    kmem_free_acct(acct(s), r, sizeof(*r), KMEM_MAPNODE);
}

/* A zeroed node from kmem charged to a, as kmem_alloc_acct charges it (NULL
 * and nothing charged if over the limit or out of memory). Where a node is
 * kmem's smallest class (ia32) without kmem_alloc's size computation; the
 * host tests' nodes are larger (64-bit pointers) and take kmem_alloc, with
 * the same accounting code. */
static inline struct mapnode *node_alloc(struct kmem_acct *a)
{
    if (!kmem_acct_room(a, NODE_BYTES))
        return NULL;
    struct mapnode *n = NODE_BYTES == 32 ? kmem_alloc_min_inline(KMEM_MAPNODE)
                                         : kmem_alloc(sizeof(struct mapnode), KMEM_MAPNODE);
    if (n)
        kmem_acct_add(a, NODE_BYTES);
    return n;
}

/* A node for a mapping of s, charged to s (n->space = s). */
static struct mapnode *node_new(struct space *s, struct pool *pool)
{
    struct mapnode *n;
    if (pool) {
        n = pool->nodes;
        pool->nodes = n->next;
        n->next = NULL;
        kmem_acct_add(acct(s), NODE_BYTES);
    } else if (!(n = node_alloc(acct(s)))) {
        return NULL;
    }
    n->space = s;
    return n;
}

/* Frees n and gives its charge back to n->space. */
static void node_free(struct mapnode *n)
{
    gen++;
    kmem_free_acct(acct(n->space), n, sizeof(*n), KMEM_MAPNODE);
}

/* ---- Index ---------------------------------------------------------- */

/* mdb.h's inline lookup must walk this index. */
_Static_assert(FAN == 32 && TAG == 1 && sizeof(struct radix) == FAN * sizeof(uintptr_t),
               "mdb_lookup_in knows the index's layout");

struct mapnode *mdb_lookup(struct space *s, uint32_t va)
{
    return mdb_lookup_in(*mdb_space_slot(s), va);
}

/* The first mapping of s covering an address in [v, end), by address. Cost
 * grows with the radix nodes visited, never with other spaces. */
static struct mapnode *find_from(struct space *s, uint64_t v, uint64_t end)
{
    struct radix *top = *mdb_space_slot(s);
    if (!top)
        return NULL;
    while (v < end) {
        uint32_t a = (uint32_t)v;
        struct radix *r = (struct radix *)top->slot[ix(a, 0)];
        if (!r) {
            v = (v | (span(27) - 1)) + 1;
            continue;
        }
        uintptr_t e = r->slot[ix(a, 1)];
        if (!e) {
            v = (v | (span(22) - 1)) + 1;
            continue;
        }
        if (e & TAG)
            return (struct mapnode *)(e & ~TAG);
        r = (struct radix *)((struct radix *)e)->slot[ix(a, 2)];
        if (!r) {
            v = (v | (span(17) - 1)) + 1;
            continue;
        }
        if (r->slot[ix(a, 3)])
            return (struct mapnode *)r->slot[ix(a, 3)];
        v = (v | (span(12) - 1)) + 1;
    }
    return NULL;
}

/* Radix node below *slot in the index of s, created (from pool or kmem)
 * if absent and `create`. The slot must not hold a tagged superpage. */
static struct radix *below(struct space *s, uintptr_t *slot, struct pool *pool,
                           bool create)
{
    if (!*slot && create) {
        struct radix *r = radix_new(s, pool);
        *slot = (uintptr_t)r;
    }
    return (struct radix *)*slot;
}

/* Address of the index slot for a mapping (s, va, log2), or NULL if the
 * path is missing (create = false), out of memory (a partial path is left
 * for trim), or a 4 KiB slot is requested under a superpage. */
static uintptr_t *slot_of(struct space *s, uint32_t va, unsigned log2,
                          struct pool *pool, bool create)
{
    void **rootp = mdb_space_slot(s);
    struct radix *r = *rootp;
    if (!r) {
        if (!create || !(r = radix_new(s, pool)))
            return NULL;
        *rootp = r;
    }
    if (!(r = below(s, &r->slot[ix(va, 0)], pool, create)))
        return NULL;
    uintptr_t *sl = &r->slot[ix(va, 1)];
    if (log2 == BIG)
        return sl;
    if ((*sl & TAG) || !(r = below(s, sl, pool, create)) ||
        !(r = below(s, &r->slot[ix(va, 2)], pool, create)))
        return NULL;
    return &r->slot[ix(va, 3)];
}

/* Is r empty? Slot i is the one just cleared, and the search goes on next
 * to it, both ways: whole ranges are removed in address order (either
 * way), so a neighbour usually answers at once. */
static bool radix_empty(const struct radix *r, unsigned i)
{
    if (r->slot[i])
        return false;
    for (unsigned d = 1; d <= FAN / 2; d++)
        if (r->slot[(i + d) % FAN] || r->slot[(i - d) % FAN])
            return false;
    return true;
}

/* Frees the empty radix nodes on the path to va, bottom up. Keeps the
 * invariant "every radix node has a nonzero slot". */
static void trim(struct space *s, uint32_t va)
{
    void **rootp = mdb_space_slot(s);
    struct radix *path[4];
    unsigned n = 0;
    if (!(path[0] = *rootp))
        return;
    n = 1;
    if ((path[1] = (struct radix *)path[0]->slot[ix(va, 0)])) {
        n = 2;
        uintptr_t e = path[1]->slot[ix(va, 1)];
        if (e && !(e & TAG)) {
            path[2] = (struct radix *)e;
            n = 3;
            if ((path[3] = (struct radix *)path[2]->slot[ix(va, 2)]))
                n = 4;
        }
    }
    while (n-- > 0) {
        if (!radix_empty(path[n], ix(va, n)))
            return;
        radix_free(s, path[n]);
        if (n == 0)
            *rootp = NULL;
        else
            path[n - 1]->slot[ix(va, n - 1)] = 0;
    }
}

static void index_remove(struct mapnode *n)
{
    *slot_of(n->space, n->va, n->log2, NULL, false) = 0;
    trim(n->space, n->va);
}

/* ---- Trees ---------------------------------------------------------- */

/* Siblings: next runs first to last (NULL-terminated); prev runs back, and
 * the first child's prev is the last child, so that appending is O(1). A
 * new child goes last: a walk paused inside its parent's subtree still
 * meets it (see the preemption rule at the top). */
static void link_child(struct mapnode *p, struct mapnode *c)
{
    struct mapnode *first = p->child;
    c->parent = p;
    c->next = NULL;
    if (!first) {
        p->child = c;
        c->prev = c;
        return;
    }
    c->prev = first->prev;
    first->prev->next = c;
    first->prev = c;
}

static void unlink_node(struct mapnode *c)
{
    struct mapnode *p = c->parent;
    gen++;
    if (p) {
        struct mapnode *first = p->child;
        if (first == c)
            p->child = c->next;
        else
            c->prev->next = c->next;
        if (c->next)
            c->next->prev = c->prev;
        else if (first != c)
            first->prev = c->prev;      /* c was last */
    }
    c->next = c->prev = NULL;
}

/* Preorder successor of x inside the subtree of top, skipping x's own
 * subtree. The climb out of a deep chain is as long as the chain, so it
 * pauses too: NULL with op.halt set means unwind. */
static struct mapnode *skip_p(struct mapnode *x, const struct mapnode *top)
{
    for (; x != top; x = x->parent) {
        if (x->next)
            return x->next;
        if (pause(1))
            return NULL;
    }
    return NULL;
}

static struct mapnode *big_from(struct mapnode *c)
{
    while (c && c->log2 != BIG)
        c = c->next;
    return c;
}

/* Preorder successor among the 4 MiB nodes below top. Since a 4 MiB node
 * only hangs below a 4 MiB node, these form the top part of the subtree. */
static struct mapnode *next_big(struct mapnode *y, const struct mapnode *top)
{
    struct mapnode *c = big_from(y->child);
    if (c)
        return c;
    for (; y != top; y = y->parent)
        if ((c = big_from(y->next)))
            return c;
    return NULL;
}

/* ---- Accessed bits and removal --------------------------------------- */

/* Applies n->rights to its PTE; returns and resets its accessed bits. */
static unsigned query(struct mapnode *n)
{
    unsigned b = (mdb_pt_protect(n->space, n->va, n->log2, n->rights) |
                  n->accessed) & RWX;
    n->accessed = 0;
    return b;
}

/* For a 4 MiB node only partly inside an unmap range: report its bits but
 * keep them for the pages outside the range. */
static unsigned partial_query(struct mapnode *n)
{
    unsigned b = (mdb_pt_protect(n->space, n->va, n->log2, n->rights) |
                  n->accessed) & RWX;
    n->accessed = (uint8_t)b;
    return b;
}

/* Removes y and everything derived from it: repeatedly frees the leftmost
 * leaf, so each node costs O(1) and no stack is needed. y stays linked
 * until it goes last, so the rest is a consistent tree at every pause. */
static unsigned remove_subtree(struct mapnode *y)
{
    unsigned bits = 0;
    struct mapnode *x = y;
    for (;;) {
        while (x->child) {
            x = x->child;
            if (pause(1))
                return bits & RWX;
        }
        struct mapnode *p = x->parent;
        bits |= mdb_pt_clear(x->space, x->va, x->log2) | x->accessed;
        index_remove(x);
        unlink_node(x);                 /* x is p's first child, or y */
        node_free(x);
        if (x == y)
            return bits & RWX;
        x = p;
        if (pause(3))
            return bits & RWX;
    }
}

/* Revokes `rights` from everything derived from y, and from y itself if
 * `self` (never from a root). y's whole range is inside the unmap range,
 * hence so is every node below it. Keeps child rights within parent
 * rights: both lose the same bits. */
static unsigned revoke_below(struct mapnode *y, unsigned rights);

static unsigned revoke_full(struct mapnode *y, unsigned rights, bool self)
{
    if (self && !is_root(y)) {
        if (!(y->rights & ~rights))
            return remove_subtree(y);
        y->rights &= (uint8_t)~rights;
    }
    return query(y) | revoke_below(y, rights);
}

/* The walk of revoke_full below y (y itself unchanged). */
static unsigned revoke_below(struct mapnode *y, unsigned rights)
{
    unsigned bits = 0;
    struct mapnode *x = y->child;
    while (x && !pause(1)) {
        if (!(x->rights & ~rights)) {
            struct mapnode *nx = skip_p(x, y);
            if (op.halt)
                break;
            bits |= remove_subtree(x);
            (void)pause(2);
            x = nx;
            continue;
        }
        x->rights &= (uint8_t)~rights;
        bits |= query(x);
        x = x->child ? x->child : skip_p(x, y);
    }
    return bits;
}

/* ---- Superpage split ------------------------------------------------- */

static void pool_release(struct pool *p)
{
    while (p->nodes) {                  /* never charged */
        struct mapnode *n = p->nodes;
        p->nodes = n->next;
        kmem_free(n, sizeof(*n), KMEM_MAPNODE);
    }
    while (p->radix) {
        struct radix *r = p->radix;
        p->radix = (struct radix *)r->slot[0];
        kmem_free(r, sizeof(*r), KMEM_MAPNODE);
    }
}

/* Replaces 4 MiB node y by 1024 4 KiB nodes. y is unlinked; y->parent is
 * either a 4 MiB node (parent of every piece) or piece 0 of the already
 * split parent (piece i then hangs below that parent's piece i, found
 * through the index). y's 4 KiB children move to the piece holding their
 * frame; its 4 MiB children are parked on *work with parent = our piece 0. */
static void split_one(struct mapnode *y, struct pool *pool,
                      struct mapnode **work)
{
    struct space *s = y->space;
    struct mapnode *p = y->parent;
    uint8_t acc = (uint8_t)((mdb_pt_clear(s, y->va, BIG) | y->accessed) & RWX);

    *slot_of(s, y->va, BIG, NULL, false) = 0;
    for (uint32_t i = 0; i < PIECES; i++) {
        uint32_t off = i << SMALL;
        struct mapnode *n = node_new(s, pool);
        n->va = y->va + off;
        n->pa = y->pa + off;
        n->log2 = SMALL;
        n->rights = y->rights;
        n->accessed = acc;
        n->child = NULL;
        link_child(p->log2 == BIG ? p : mdb_lookup(p->space, p->va + off), n);
        *slot_of(s, n->va, SMALL, pool, true) = (uintptr_t)n;
        mdb_pt_set(s, n->va, n->pa, SMALL, n->rights);
    }
    struct mapnode *c;
    while ((c = y->child)) {
        unlink_node(c);
        struct mapnode *piece = mdb_lookup(s, y->va + (c->pa - y->pa));
        if (c->log2 == SMALL) {
            link_child(piece, c);
        } else {
            c->parent = piece;
            c->next = *work;
            *work = c;
        }
    }
    node_free(y);
}

/* Splits non-root 4 MiB node x and every 4 MiB node derived from it.
 * All-or-nothing: returns MDB_ENOMEM with nothing changed. */
static int split(struct mapnode *x)
{
    uint32_t k = 0;
    for (struct mapnode *y = x; y; y = next_big(y, x)) {
        /* Every space in the chain must have room for what its splits
         * may charge it (counting the chain's earlier nodes in the same
         * space). */
        uint32_t same = 1;
        for (struct mapnode *z = x; z != y && same < 0xffffffffu / SPLIT_BYTES;
             z = next_big(z, x))
            same += z->space == y->space;
        if (!kmem_acct_room(acct(y->space), same * SPLIT_BYTES))
            return MDB_ENOMEM;
        k++;
    }
    struct pool pool = { NULL, NULL };
    for (uint32_t i = 0; i < k * PIECES; i++) {
        struct mapnode *n = kmem_alloc(sizeof(*n), KMEM_MAPNODE);
        if (!n)
            goto fail;
        n->next = pool.nodes;
        pool.nodes = n;
    }
    for (uint32_t i = 0; i < k * RADIX_PER_SPLIT; i++) {
        struct radix *r = kmem_alloc(sizeof(*r), KMEM_MAPNODE);
        if (!r)
            goto fail;
        r->slot[0] = (uintptr_t)pool.radix;
        pool.radix = r;
    }
    unlink_node(x);
    struct mapnode *work = x;
    while (work) {
        struct mapnode *y = work;
        work = y->next;
        y->next = NULL;
        split_one(y, &pool, &work);
    }
    pool_release(&pool);                /* empty unless a count was off */
    return MDB_OK;
fail:
    pool_release(&pool);
    return MDB_ENOMEM;
}

/* y is a 4 MiB node, [lo, hi) a smaller physical range inside it, and y
 * itself is not to change. Revokes `rights` from the mappings derived from
 * y inside the range, splitting derived 4 MiB mappings that must change. */
static unsigned revoke_partial(struct mapnode *y, uint64_t lo, uint64_t hi,
                               unsigned rights)
{
    unsigned bits = partial_query(y);
    /* Each round splits the first 4 MiB descendant that loses rights
     * (O(k) search, so O(k^2) for k such nodes; k is tiny in practice). */
    for (;;) {
        struct mapnode *x = next_big(y, y);
        while (x && !(x->rights & rights))
            x = next_big(x, y);
        if (!x)
            break;
        if (split(x) != MDB_OK)
            bits |= revoke_full(x, rights, true);   /* over-revoke */
        if (op.halt)
            return bits;
    }
    struct mapnode *x = y->child;
    while (x && !pause(1)) {
        if (x->log2 == BIG) {           /* unchanged: only report */
            bits |= partial_query(x);
            x = x->child ? x->child : skip_p(x, y);
            continue;
        }
        struct mapnode *nx = skip_p(x, y);
        if (op.halt)
            break;
        if (x->pa >= lo && x->pa < hi)
            bits |= revoke_full(x, rights, true);
        x = nx;
    }
    return bits;
}

/* ---- Interface ------------------------------------------------------- */

/* The unmap of [lo, end) from *pos on; advances *pos past every mapping
 * done. Returns early with op.halt set (RESTART: call again from *pos). */
static unsigned unmap_from(struct space *s, uint64_t *pos, uint64_t lo,
                           uint64_t end, unsigned rights, bool flush_self)
{
    unsigned bits = 0;
    struct mapnode *y;
    while ((y = find_from(s, *pos, end))) {
        uint64_t ys = y->va, ye = ys + span(y->log2);
        if (ys >= lo && ye <= end) {
            bits |= revoke_full(y, rights, flush_self);
        } else if (flush_self && !is_root(y) && (y->rights & rights)) {
            if (split(y) == MDB_OK)
                continue;               /* rescan: now 4 KiB pieces */
            bits |= revoke_full(y, rights, true);   /* over-revoke */
        } else {
            uint64_t plo = y->pa + (lo - ys);
            bits |= revoke_partial(y, plo, plo + (end - lo), rights);
        }
        if (op.halt)
            return bits;                /* y is not done: look again */
        *pos = ye;
        if (pause(1))
            return bits;
    }
    return bits;
}

static unsigned unmap_range(struct space *s, uint32_t va, unsigned log2,
                            unsigned rights, bool flush_self)
{
    if (log2 < SMALL)
        return 0;
    if (log2 > 32)
        log2 = 32;
    uint64_t lo = va & ~(span(log2) - 1), end = lo + span(log2), v = lo;
    unsigned bits = 0;
    rights &= RWX;
    for (;;) {
        bits |= unmap_from(s, &v, lo, end, rights, flush_self);
        if (op.halt != RESTART)
            return bits;
        op.halt = GOING;                /* nothing held: go on from v */
    }
}

unsigned mdb_unmap(struct space *s, uint32_t va, unsigned log2,
                   unsigned rights, bool flush_self)
{
    return mdb_unmap_y(s, va, log2, rights, flush_self, NULL);
}

unsigned mdb_unmap_y(struct space *s, uint32_t va, unsigned log2,
                     unsigned rights, bool flush_self, const struct mdb_yield *y)
{
    op_begin(y);
    unsigned bits = unmap_range(s, va, log2, rights, flush_self);
    op_end();
    return bits;
}

/* Does a mapping of `to` in [dva, dend) stand in the way of mapping from y:
 * a root, or y or one of its ancestors (removing it would remove y)? */
static bool blocked(struct mapnode *y, struct space *to, uint64_t dva,
                    uint64_t dend)
{
    /* The climb is as long as the chain of derivations: it pauses (with
     * op.halt set, the answer does not matter: the caller unwinds). */
    for (struct mapnode *a = y; a; a = a->parent) {
        if (a->space == to && a->va < dend && a->va + span(a->log2) > dva)
            return true;
        if (pause(1))
            return true;
    }
    struct mapnode *d;
    for (uint64_t v = dva; (d = find_from(to, v, dend)); v = d->va + span(d->log2))
        if (is_root(d))
            return true;
    return false;
}

#define HALTED  (-10)   /* map_piece: unwound at a pause (op.halt) */

/* Maps or grants the part [pva, +2^plog2) of source node y to `to` at dva.
 * HALTED: paused and unwound; nothing half done, the caller looks the
 * source up again (RESTART) and calls again. */
static int map_piece(struct mapnode *y, uint32_t pva, unsigned plog2,
                     struct space *to, uint32_t dva, unsigned rights,
                     bool grant)
{
    uint8_t nr = (uint8_t)(y->rights & rights);
    uint32_t ppa = y->pa + (pva - y->va);
    uint64_t dend = dva + span(plog2);
    uint32_t yields0 = yields;
    if (!nr)
        return MDB_ENOENT;
    if (is_root(y))
        grant = false;

    /* Same frame from the same source again: only add rights. */
    struct mapnode *d = mdb_lookup(to, dva);
    if (!grant && d && d->va == dva && d->log2 == plog2 && d->pa == ppa &&
        d->parent == y) {
        d->rights |= nr;
        mdb_pt_set(to, dva, ppa, plog2, d->rights);
        return MDB_OK;
    }
    if (blocked(y, to, dva, dend))
        return op.halt ? HALTED : MDB_ENOENT;

    /* A granted node moves its charge to the receiver, which is charged
     * first (checked before the split too, so that a refusal usually
     * changes nothing). */
    bool moved = grant && y->space != to;
    if (moved && !kmem_acct_room(acct(to), NODE_BYTES))
        return MDB_ENOMEM;              /* over the receiver's limit */
    struct mapnode *n = NULL;
    if (grant && y->log2 > plog2) {
        struct space *from = y->space;
        if (split(y) != MDB_OK)
            return MDB_ENOMEM;
        y = mdb_lookup(from, pva);
    }
    /* Clear the destination. blocked() made sure this cannot free y: only
     * the subtrees of mappings in the range (and, for splits, of 4 MiB
     * mappings overlapping it) are touched, and none contains y. It may
     * pause; then y may be stale and the caller starts over. */
    uint64_t dpos = dva;
    (void)unmap_from(to, &dpos, dva, dend, RWX, true);
    if (op.halt)
        return HALTED;
    uint8_t lost = y->rights & (uint8_t)~(y->rights & rights);
    if (grant && lost) {
        /* What y loses, everything derived from it loses first, while y
         * still stands where a restart finds it again. */
        (void)revoke_below(y, lost);
        if (op.halt)
            return HALTED;
    }
    /* No pause from here on: the rest is O(1). If the steps above paused,
     * others may have reduced y's rights (not a restart: nothing was
     * unlinked) or mapped into the cleared range: look again. The
     * receiver's kernel-memory limit is checked by the charges below. */
    if (yields != yields0) {
        nr = (uint8_t)(y->rights & rights);
        if (!nr)
            return MDB_ENOENT;
        if (find_from(to, dva, dend)) {
            op.halt = RESTART;
            return HALTED;
        }
    }
    if (moved && !kmem_acct_charge(acct(to), NODE_BYTES))
        return MDB_ENOMEM;
    if (!grant && !(n = node_new(to, NULL))) {
        if (moved)
            kmem_acct_sub(acct(to), NODE_BYTES);
        return MDB_ENOMEM;
    }
    uintptr_t *sl = NULL;
    if (!mdb_pt_reserve(to, dva, plog2) ||
        !(sl = slot_of(to, dva, plog2, NULL, true))) {
        trim(to, dva);
        if (n)
            node_free(n);
        if (moved)
            kmem_acct_sub(acct(to), NODE_BYTES);
        return MDB_ENOMEM;
    }
    if (grant) {
        /* y keeps its parent and children; only its place changes. The
         * new slot is filled before the old path is trimmed, so a shared
         * radix node cannot be freed under sl. */
        struct space *os = y->space;
        uint32_t ova = y->va;
        gen++;                          /* y moves: a paused walk's
                                           position may be y */
        y->accessed |= (uint8_t)(mdb_pt_clear(os, ova, y->log2) & RWX);
        *slot_of(os, ova, y->log2, NULL, false) = 0;
        if (moved)
            kmem_acct_sub(acct(os), NODE_BYTES);    /* charged to `to` above */
        y->space = to;
        y->va = dva;
        y->rights = nr;
        *sl = entry_of(y);
        trim(os, ova);
        mdb_pt_set(to, dva, y->pa, y->log2, nr);
        return MDB_OK;
    }
    n->space = to;
    n->va = dva;
    n->pa = ppa;
    n->log2 = (uint8_t)plog2;
    n->rights = nr;
    link_child(y, n);
    *sl = entry_of(n);
    mdb_pt_set(to, dva, ppa, plog2, nr);
    return MDB_OK;
}

int mdb_map(struct space *from, uint32_t from_va, struct space *to,
            uint32_t to_va, unsigned log2, unsigned rights, bool grant)
{
    return mdb_map_y(from, from_va, to, to_va, log2, rights, grant, NULL);
}

static int map_range(struct space *from, uint32_t from_va, struct space *to,
                     uint32_t to_va, unsigned log2, unsigned rights, bool grant)
{
    if (log2 < SMALL || log2 > 32)
        return MDB_ENOENT;
    uint64_t mask = span(log2) - 1;
    uint64_t fva = from_va & ~mask, tva = to_va & ~mask;
    uint64_t v = fva, end = fva + span(log2);
    bool any = false;
    struct mapnode *y;
    rights &= RWX;
    /* Re-find the source at every step: a piece may change the source
     * space (a grant, a split, or clearing a destination whose subtree
     * held later source mappings). */
    while ((y = find_from(from, v, end))) {
        /* Pause between pieces, not after the last (a page-fault reply
         * maps one piece and never pauses). */
        if (pause(0)) {
            if (op.halt == STOP)
                return MDB_STOPPED;
            op.halt = GOING;
            continue;                   /* y may be stale: find again */
        }
        uint32_t pva = y->va >= v ? y->va : (uint32_t)v;
        /* A 4 MiB piece only from its start: while paused, a 4 MiB
         * mapping may have appeared over a range done in 4 KiB pieces. */
        unsigned plog2 = (y->log2 == BIG && log2 >= BIG && pva == y->va) ? BIG : SMALL;
        int r = map_piece(y, pva, plog2, to, (uint32_t)(tva + (pva - fva)),
                          rights, grant);
        if (r == MDB_ENOMEM)
            return r;
        if (r != HALTED) {
            any |= r == MDB_OK;
            v = pva + span(plog2);
            work += CHUNK;              /* a piece may allocate a page table */
        }
        if (op.halt == STOP)
            return MDB_STOPPED;
        op.halt = GOING;                /* nothing held: go on from v */
    }
    return any ? MDB_OK : MDB_ENOENT;
}

int mdb_map_y(struct space *from, uint32_t from_va, struct space *to,
              uint32_t to_va, unsigned log2, unsigned rights, bool grant,
              const struct mdb_yield *y)
{
    op_begin(y);
    int r = map_range(from, from_va, to, to_va, log2, rights, grant);
    op_end();
    return r;
}

int mdb_map_page(struct space *from, uint32_t from_va, struct space *to,
                 uint32_t to_va, unsigned rights)
{
    from_va &= ~(uint32_t)(PAGE_SIZE - 1);
    to_va &= ~(uint32_t)(PAGE_SIZE - 1);
    /* map_range's find_from over one 4 KiB page is this lookup (every
     * mapping is at least 4 KiB and aligned). Nothing there: map_range
     * maps nothing and never pauses (work as op_begin leaves it). */
    struct mapnode *y = mdb_lookup_in(*mdb_space_slot(from), from_va);
    if (!y) {
        work = 0;
        return MDB_ENOENT;
    }
    uint8_t nr = (uint8_t)(y->rights & rights & RWX);
    uint32_t ppa = y->pa + (from_va - y->va);
    /* The receiver's mapping at to_va and, if the index path down to its
     * 4 KiB slot exists, that slot: one walk for the lookup and the link
     * (slot_of without creating, and mdb_lookup, in one). */
    uintptr_t *sl = NULL;
    struct mapnode *d = NULL;
    struct radix *r = *mdb_space_slot(to);
    if (r && (r = (struct radix *)r->slot[ix(to_va, 0)])) {
        uintptr_t e = r->slot[ix(to_va, 1)];
        if (e & TAG) {
            d = (struct mapnode *)(e & ~TAG);           /* a 4 MiB mapping */
        } else if (e && (r = (struct radix *)((struct radix *)e)->slot[ix(to_va, 2)])) {
            sl = &r->slot[ix(to_va, 3)];
            d = (struct mapnode *)*sl;
        }
    }
    if (d && !(d->va == to_va && d->log2 == SMALL && d->pa == ppa && d->parent == y))
        return MDB_SLOW;        /* something else in the way: clear it there */
    /* From here on map_piece's own steps, and map_range's `work` after a
     * piece (at least CHUNK: a paused operation yields at its next pause). */
    work = CHUNK;
    if (!nr)
        return MDB_ENOENT;
    if (d) {
        /* Same frame from the same source again: only add rights. */
        d->rights |= nr;
        mdb_pt_set(to, to_va, ppa, SMALL, d->rights);
        return MDB_OK;
    }
    /* The slot is empty: blocked() finds nothing (a root of `to`, or y or
     * an ancestor of it in `to`, covering to_va would be in the slot) and
     * the destination clear has nothing to remove. An allocation failure
     * undoes everything done here and leaves the case to mdb_map, which
     * does map_piece's steps in its order (node, page table, index path)
     * and fails or succeeds by itself (and counts its pauses as its own). */
    struct mapnode *n = node_alloc(acct(to));
    if (!n)
        return MDB_SLOW;
    n->space = to;
    /* The index path (its radix nodes only if missing), then the page
     * table and the PTE in one walk (mdb_pt_set_new): the last step that
     * may fail, so that nothing is left to undo after it. */
    bool had_path = sl != NULL;
    if ((!sl && !(sl = slot_of(to, to_va, SMALL, NULL, true))) ||
        !mdb_pt_set_new(to, to_va, ppa, nr)) {
        if (!had_path)
            trim(to, to_va);
        node_free(n);
        return MDB_SLOW;
    }
    n->va = to_va;
    n->pa = ppa;
    n->log2 = SMALL;
    n->rights = nr;
    link_child(y, n);
    *sl = (uintptr_t)n;                 /* 4 KiB: no tag */
    return MDB_OK;
}

int mdb_add_root(struct space *s0, uint32_t paddr, unsigned log2,
                 unsigned rights)
{
    if ((log2 != SMALL && log2 != BIG) || (paddr & (span(log2) - 1)) ||
        !(rights & RWX))
        return MDB_ENOENT;
    if (find_from(s0, paddr, paddr + span(log2)))
        return MDB_ENOENT;
    struct mapnode *n = node_new(s0, NULL);
    if (!n)
        return MDB_ENOMEM;
    uintptr_t *sl = slot_of(s0, paddr, log2, NULL, true);
    if (!sl) {
        trim(s0, paddr);
        node_free(n);
        return MDB_ENOMEM;
    }
    n->va = n->pa = paddr;
    n->log2 = (uint8_t)log2;
    n->rights = (uint8_t)(rights & RWX);
    *sl = entry_of(n);
    mdb_pt_set(s0, paddr, paddr, log2, n->rights);
    return MDB_OK;
}

void mdb_space_destroy(struct space *s)
{
    (void)mdb_space_destroy_y(s, NULL);
}

bool mdb_space_destroy_y(struct space *s, const struct mdb_yield *yf)
{
    struct mapnode *y;
    uint64_t v = 0;
    op_begin(yf);
    /* Removing y's subtree never adds mappings to s, so v only grows; a
     * restart looks at y's place again (it may be partly removed). */
    while ((y = find_from(s, v, span(32)))) {
        uint64_t ye = y->va + span(y->log2);
        (void)remove_subtree(y);
        (void)pause(3);
        if (op.halt == STOP)
            break;
        if (op.halt == GOING)
            v = ye;
        op.halt = GOING;
    }
    bool done = op.halt == GOING;
    op_end();
    return done;
}
