/* Tests for kernel/mdb.c. Fakes: kmem (calloc with per-size accounting and
 * failure injection, enforcing kmem's size contract), spaces (a struct with
 * the mdb's word), page tables (arrays over a 64 MiB window per space, with
 * settable accessed bits). check_db() verifies the trees, the index and the
 * page tables; the random test also compares against a naive model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mdb.h"
#include "kmem.h"
#include "l4/abi.h"

#define R  L4ABI_FPAGE_R
#define W  L4ABI_FPAGE_W
#define X  L4ABI_FPAGE_X
#define RWX 7u
#define K4 0x1000u
#define M4 0x400000u

/* ---- fake kmem ------------------------------------------------------- */

struct hdr {
    size_t size;
    int kind;
    uint32_t magic;
};
#define HDR 64                          /* keeps objects 64-byte aligned */
static long live_nodes, live_other, live_bytes;
static long fail_after = -1;            /* allocations left before failing */

void *kmem_alloc(size_t size, enum kmem_kind kind)
{
    assert_int_equal(kind, KMEM_MAPNODE);
    if (size == 0 || size > 4096)
        return NULL;
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    uint8_t *p = aligned_alloc(HDR, HDR + ((size + HDR - 1) & ~(size_t)(HDR - 1)));
    assert_non_null(p);
    memset(p, 0, HDR + size);
    struct hdr *h = (struct hdr *)p;
    h->size = size;
    h->kind = kind;
    h->magic = 0x6d646221;
    if (size == sizeof(struct mapnode))
        live_nodes++;
    else
        live_other++;
    live_bytes += (long)size;
    return p + HDR;
}

void kmem_free(void *obj, size_t size, enum kmem_kind kind)
{
    if (!obj)
        return;
    struct hdr *h = (struct hdr *)((uint8_t *)obj - HDR);
    assert_int_equal(h->magic, 0x6d646221);
    assert_int_equal(h->size, size);
    assert_int_equal(h->kind, kind);
    h->magic = 0;
    if (size == sizeof(struct mapnode))
        live_nodes--;
    else
        live_other--;
    live_bytes -= (long)size;
    free(h);
}

/* ---- fake spaces and page tables ------------------------------------ */

#define NSPACES 5
#define WIN     (64u << 20)             /* page tables cover [0, WIN) */
struct pte {
    bool present;
    uint32_t pa;
    uint8_t rights, acc;
};
struct space {
    void *mdb;
    struct kmem_acct acct;
    struct pte small[WIN >> 12];
    struct pte big[WIN >> 22];
};
static struct space *sp[NSPACES];      /* sp[0] is sigma0 */
static bool pt_drop;                    /* mdb_pt_set fails (no page table) */
static bool pt_no_reserve;              /* mdb_pt_reserve fails */
static long pt_sets;

void **mdb_space_slot(struct space *s)
{
    return &s->mdb;
}

struct kmem_acct *mdb_space_acct(struct space *s)
{
    return &s->acct;
}

bool mdb_pt_reserve(struct space *s, uint32_t va, unsigned log2)
{
    assert_true(va < WIN && (log2 == 12 || log2 == 22));
    (void)s;
    return !pt_no_reserve;
}

void kmem_bug(const char *what, const void *p)
{
    fail_msg("kmem_bug: %s (%p)", what, p);
}

static struct pte *pte_at(struct space *s, uint32_t va, unsigned log2)
{
    assert_true(va < WIN);
    assert_true(log2 == 12 || log2 == 22);
    assert_int_equal(va & ((1u << log2) - 1), 0);
    return log2 == 22 ? &s->big[va >> 22] : &s->small[va >> 12];
}

void mdb_pt_set(struct space *s, uint32_t va, uint32_t pa, unsigned log2,
                unsigned rights)
{
    struct pte *p = pte_at(s, va, log2);
    assert_true(rights != 0 && rights <= RWX);
    pt_sets++;
    /* the mdb clears what is in the way before installing */
    if (log2 == 22)
        for (uint32_t i = 0; i < 1024; i++)
            assert_false(s->small[(va >> 12) + i].present);
    else
        assert_false(s->big[va >> 22].present);
    if (pt_drop) {
        p->present = false;
        return;
    }
    if (!p->present || p->pa != pa)
        p->acc = 0;
    p->present = true;
    p->pa = pa;
    p->rights = (uint8_t)rights;
}

/* mdb_pt_reserve and mdb_pt_set in one, for a page no mapping covers
 * (the fake page tables hold no PTE there). */
static long pt_set_news;
bool mdb_pt_set_new(struct space *s, uint32_t va, uint32_t pa, unsigned rights)
{
    assert_false(pte_at(s, va, 12)->present);
    assert_false(s->big[va >> 22].present);
    if (!mdb_pt_reserve(s, va, 12))
        return false;
    pt_set_news++;
    mdb_pt_set(s, va, pa, 12, rights);
    return true;
}

unsigned mdb_pt_clear(struct space *s, uint32_t va, unsigned log2)
{
    struct pte *p = pte_at(s, va, log2);
    unsigned acc = p->present ? p->acc : 0;
    memset(p, 0, sizeof(*p));
    return acc;
}

unsigned mdb_pt_protect(struct space *s, uint32_t va, unsigned log2,
                        unsigned rights)
{
    struct pte *p = pte_at(s, va, log2);
    assert_true(rights != 0 && rights <= RWX);
    if (!p->present)
        return 0;
    unsigned acc = p->acc;
    p->rights = (uint8_t)rights;
    p->acc = 0;
    return acc;
}

static void touch(struct space *s, uint32_t va, unsigned bits)
{
    struct pte *b = &s->big[va >> 22], *p = &s->small[va >> 12];
    if (b->present)
        b->acc |= (uint8_t)bits;
    else if (p->present)
        p->acc |= (uint8_t)bits;
    else
        fail_msg("touch of unmapped %#x", va);
}

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < NSPACES; i++) {
        sp[i] = calloc(1, sizeof(struct space));
        assert_non_null(sp[i]);
        sp[i]->acct.limit = KMEM_UNLIMITED;
    }
    fail_after = -1;
    pt_drop = false;
    pt_no_reserve = false;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = NSPACES - 1; i >= 0; i--) {
        mdb_space_destroy(sp[i]);
        assert_null(sp[i]->mdb);
    }
    for (int i = 0; i < NSPACES; i++)
        assert_int_equal(sp[i]->acct.used, 0);     /* every charge given back */
    /* everything freed, page tables empty */
    assert_int_equal(live_nodes, 0);
    assert_int_equal(live_other, 0);
    assert_int_equal(live_bytes, 0);
    for (int i = 0; i < NSPACES; i++) {
        for (uint32_t j = 0; j < WIN >> 12; j++)
            assert_false(sp[i]->small[j].present);
        for (uint32_t j = 0; j < WIN >> 22; j++)
            assert_false(sp[i]->big[j].present);
        free(sp[i]);
    }
    return 0;
}

/* ---- database check -------------------------------------------------- */

static long check_node(struct mapnode *n)
{
    assert_true(n->log2 == 12 || n->log2 == 22);
    assert_int_equal(n->va & ((1u << n->log2) - 1), 0);
    assert_int_equal(n->pa & ((1u << n->log2) - 1), 0);
    assert_true(n->rights != 0 && (n->rights & ~RWX) == 0);
    /* the index finds it everywhere in its range */
    assert_ptr_equal(mdb_lookup(n->space, n->va), n);
    assert_ptr_equal(mdb_lookup(n->space, n->va + (1u << n->log2) - K4), n);
    struct mapnode *p = n->parent;
    if (p) {
        assert_true(n->log2 <= p->log2);
        assert_true(n->pa >= p->pa &&
                    n->pa + (1ull << n->log2) <= p->pa + (1ull << p->log2));
        assert_int_equal(n->rights & ~p->rights, 0);
        /* siblings: the first child's prev is the last child */
        assert_non_null(n->prev);
        if (p->child == n)
            assert_null(n->prev->next);
        else
            assert_ptr_equal(n->prev->next, n);
    } else {
        assert_ptr_equal(n->space, sp[0]);      /* roots are sigma0's, 1:1 */
        assert_int_equal(n->va, n->pa);
        assert_null(n->prev);
        assert_null(n->next);
    }
    if (n->next)
        assert_ptr_equal(n->next->prev, n);
    else if (p)
        assert_ptr_equal(p->child->prev, n);
    for (struct mapnode *c = n->child; c; c = c->next)
        assert_ptr_equal(c->parent, n);
    /* the page table caches it */
    struct pte *e = pte_at(n->space, n->va, n->log2);
    if (!pt_drop) {
        assert_true(e->present);
        assert_int_equal(e->pa, n->pa);
        assert_int_equal(e->rights, n->rights);
    }
    return 1;
}

/* Walks every tree from sigma0's roots (found by a scan of sigma0's
 * window) without recursion; every node must be reachable (the count
 * matches the allocator's) and every PTE must belong to a node. Returns the
 * number of nodes. */
static long check_db(void)
{
    long n = 0, ptes = 0;
    for (uint32_t va = 0; va < WIN; ) {
        struct mapnode *r = mdb_lookup(sp[0], va);
        if (!r) {
            va += K4;
            continue;
        }
        va = r->va + (1u << r->log2);
        if (r->parent)
            continue;
        for (struct mapnode *x = r; x; ) {
            n += check_node(x);
            if (x->child) {
                x = x->child;
                continue;
            }
            while (x != r && !x->next)
                x = x->parent;
            x = x == r ? NULL : x->next;
        }
    }
    assert_int_equal(n, live_nodes);
    /* the accounts are exact: every node and radix node is charged to
     * one space, as its size class */
    long charged = 0;
    for (int i = 0; i < NSPACES; i++)
        charged += sp[i]->acct.used;
    assert_int_equal(charged, live_nodes * (long)kmem_class_size(sizeof(struct mapnode)) +
                              live_other * (long)kmem_class_size(32 * sizeof(void *)));
    for (int i = 0; i < NSPACES; i++) {
        long held = 0;
        for (uint32_t va = 0; va < WIN; ) {
            struct mapnode *m = mdb_lookup(sp[i], va);
            if (!m) {
                va += K4;
                continue;
            }
            held++;
            va = m->va + (1u << m->log2);
        }
        assert_true(held * (long)kmem_class_size(sizeof(struct mapnode)) <=
                    (long)sp[i]->acct.used);
    }
    for (int i = 0; i < NSPACES; i++) {
        for (uint32_t j = 0; j < WIN >> 12; j++)
            if (sp[i]->small[j].present) {
                ptes++;
                struct mapnode *m = mdb_lookup(sp[i], j << 12);
                assert_non_null(m);
                assert_int_equal(m->log2, 12);
            }
        for (uint32_t j = 0; j < WIN >> 22; j++)
            if (sp[i]->big[j].present) {
                ptes++;
                struct mapnode *m = mdb_lookup(sp[i], j << 22);
                assert_non_null(m);
                assert_int_equal(m->log2, 22);
            }
    }
    if (!pt_drop)
        assert_int_equal(ptes, n);
    return n;
}

static struct mapnode *at(int s, uint32_t va)
{
    return mdb_lookup(sp[s], va);
}

/* ---- directed tests -------------------------------------------------- */

static void test_roots(void **state)
{
    (void)state;
    assert_int_equal(mdb_add_root(sp[0], 0x1000, 12, RWX), MDB_OK);
    assert_int_equal(mdb_add_root(sp[0], 0x400000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_add_root(sp[0], 0x1000, 12, RWX), MDB_ENOENT); /* twice */
    assert_int_equal(mdb_add_root(sp[0], 0x401000, 12, RWX), MDB_ENOENT); /* inside */
    assert_int_equal(mdb_add_root(sp[0], 0x2800, 12, RWX), MDB_ENOENT); /* unaligned */
    assert_int_equal(mdb_add_root(sp[0], 0x3000, 16, RWX), MDB_ENOENT); /* size */
    assert_int_equal(mdb_add_root(sp[0], 0x3000, 12, 0), MDB_ENOENT);
    assert_int_equal(mdb_add_root(sp[0], 0, 22, RWX), MDB_ENOENT);   /* holds 0x1000 */
    assert_ptr_equal(at(0, 0x7ff000), at(0, 0x400000));
    assert_null(at(0, 0x2000));
    assert_null(at(1, 0x1000));
    assert_int_equal(check_db(), 2);
}

/* sigma0 -> 1 -> 2 -> 3, rights narrowing on the way. */
static void three_levels(void)
{
    assert_int_equal(mdb_add_root(sp[0], 0x5000, 12, RWX), MDB_OK);
    assert_int_equal(mdb_map(sp[0], 0x5000, sp[1], 0x10000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(sp[1], 0x10000, sp[2], 0x20000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(sp[2], 0x20000, sp[3], 0x30000, 12, RWX, false), MDB_OK);
}

static void test_map_three_levels(void **state)
{
    (void)state;
    three_levels();
    struct mapnode *a = at(1, 0x10000), *b = at(2, 0x20000), *c = at(3, 0x30000);
    assert_non_null(a);
    assert_ptr_equal(a->parent, at(0, 0x5000));
    assert_ptr_equal(b->parent, a);
    assert_ptr_equal(c->parent, b);
    assert_int_equal(c->pa, 0x5000);
    assert_int_equal(b->rights, R | W);
    assert_int_equal(c->rights, R | W);       /* limited by the source */
    assert_int_equal(sp[3]->small[0x30].rights, R | W);
    assert_int_equal(check_db(), 4);
    /* no source: nothing */
    assert_int_equal(mdb_map(sp[1], 0x90000, sp[2], 0x20000, 12, RWX, false), MDB_ENOENT);
    /* no rights: nothing */
    assert_int_equal(mdb_map(sp[1], 0x10000, sp[4], 0x20000, 12, 0, false), MDB_ENOENT);
    assert_int_equal(mdb_map(sp[2], 0x20000, sp[4], 0x20000, 12, X, false), MDB_ENOENT);
    /* onto itself or onto an ancestor: refused, nothing destroyed */
    assert_int_equal(mdb_map(sp[2], 0x20000, sp[2], 0x20000, 12, RWX, false), MDB_ENOENT);
    assert_int_equal(mdb_map(sp[3], 0x30000, sp[1], 0x10000, 12, RWX, false), MDB_ENOENT);
    assert_int_equal(mdb_map(sp[3], 0x30000, sp[0], 0x5000, 12, RWX, false), MDB_ENOENT);
    assert_int_equal(check_db(), 4);
}

/* mdb_map_page, the short path of a one-page map: the same results as
 * mdb_map where it acts, MDB_SLOW with nothing changed elsewhere. */
static void test_map_page(void **state)
{
    (void)state;
    three_levels();
    long used2 = sp[2]->acct.used, used4 = sp[4]->acct.used;
    /* an empty slot: a new child of the source, last among its siblings */
    assert_int_equal(mdb_map_page(sp[1], 0x10000, sp[4], 0x40000, R | X), MDB_OK);
    struct mapnode *a = at(1, 0x10000), *n = at(4, 0x40000);
    assert_non_null(n);
    assert_ptr_equal(n->parent, a);
    assert_ptr_equal(a->child->prev, n);
    assert_int_equal(n->pa, 0x5000);
    assert_int_equal(n->rights, R | X);
    assert_int_equal(sp[4]->small[0x40].rights, R | X);
    assert_true(sp[4]->acct.used > used4);
    assert_int_equal(check_db(), 5);
    /* the same frame from the same source again: rights added */
    assert_int_equal(mdb_map_page(sp[1], 0x10000, sp[4], 0x40000, W), MDB_OK);
    assert_ptr_equal(at(4, 0x40000), n);
    assert_int_equal(n->rights, RWX);
    assert_int_equal(sp[4]->small[0x40].rights, RWX);
    assert_int_equal(check_db(), 5);
    /* unaligned addresses are aligned down, as mdb_map does */
    assert_int_equal(mdb_map_page(sp[1], 0x10123, sp[4], 0x41fff, R), MDB_OK);
    assert_int_equal(at(4, 0x41000)->pa, 0x5000);
    assert_int_equal(check_db(), 6);
    /* the same frame from another source, a different frame, the source
     * itself, an ancestor: not its case, nothing changed */
    assert_int_equal(mdb_map_page(sp[2], 0x20000, sp[4], 0x40000, R), MDB_SLOW);
    assert_int_equal(mdb_map_page(sp[0], 0x5000, sp[3], 0x30000, R), MDB_SLOW);
    assert_int_equal(mdb_map_page(sp[2], 0x20000, sp[2], 0x20000, R), MDB_SLOW);
    assert_int_equal(mdb_map_page(sp[3], 0x30000, sp[1], 0x10000, R), MDB_SLOW);
    assert_int_equal(sp[2]->acct.used, used2);
    assert_int_equal(check_db(), 6);
    /* no source, no rights (also none the source has): nothing, as mdb_map */
    assert_int_equal(mdb_map_page(sp[1], 0x90000, sp[4], 0x50000, RWX), MDB_ENOENT);
    assert_int_equal(mdb_map_page(sp[1], 0x10000, sp[4], 0x50000, 0), MDB_ENOENT);
    assert_int_equal(mdb_map_page(sp[2], 0x20000, sp[4], 0x50000, X), MDB_ENOENT);
    assert_null(at(4, 0x50000));
    assert_int_equal(check_db(), 6);
    /* a 4 KiB piece of a 4 MiB mapping: a child of the 4 MiB node */
    assert_int_equal(mdb_add_root(sp[0], 0x800000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_map_page(sp[0], 0x803000, sp[3], 0x60000, R | W), MDB_OK);
    assert_ptr_equal(at(3, 0x60000)->parent, at(0, 0x800000));
    assert_int_equal(at(3, 0x60000)->pa, 0x803000);
    /* out of memory, or over the receiver's limit: MDB_SLOW, unchanged */
    long n0 = check_db(), used3 = sp[3]->acct.used, bytes = live_bytes;
    fail_after = 0;
    assert_int_equal(mdb_map_page(sp[0], 0x804000, sp[3], 0x3000000, R), MDB_SLOW);
    fail_after = 1;                     /* the node, not the index */
    assert_int_equal(mdb_map_page(sp[0], 0x804000, sp[3], 0x3000000, R), MDB_SLOW);
    fail_after = -1;
    pt_no_reserve = true;
    assert_int_equal(mdb_map_page(sp[0], 0x804000, sp[3], 0x3000000, R), MDB_SLOW);
    pt_no_reserve = false;
    sp[3]->acct.limit = sp[3]->acct.used;
    assert_int_equal(mdb_map_page(sp[0], 0x804000, sp[3], 0x3000000, R), MDB_SLOW);
    sp[3]->acct.limit = KMEM_UNLIMITED;
    assert_int_equal(sp[3]->acct.used, used3);
    assert_int_equal(live_bytes, bytes);
    assert_int_equal(check_db(), n0);
    /* ... and the general path then fails the same way */
    fail_after = 1;
    assert_int_equal(mdb_map(sp[0], 0x804000, sp[3], 0x3000000, 12, R, false), MDB_ENOMEM);
    fail_after = -1;
    assert_int_equal(check_db(), n0);
}

static void test_rights_propagate(void **state)
{
    (void)state;
    three_levels();
    /* 1 revokes W from what it gave; its own mapping keeps W */
    mdb_unmap(sp[1], 0x10000, 12, W, false);
    assert_int_equal(at(1, 0x10000)->rights, RWX);
    assert_int_equal(at(2, 0x20000)->rights, R);
    assert_int_equal(at(3, 0x30000)->rights, R);
    assert_int_equal(sp[3]->small[0x30].rights, R);
    check_db();
    /* re-map from the same source upgrades in place, keeping the child */
    struct mapnode *b = at(2, 0x20000);
    assert_int_equal(mdb_map(sp[1], 0x10000, sp[2], 0x20000, 12, R | W, false), MDB_OK);
    assert_ptr_equal(at(2, 0x20000), b);
    assert_int_equal(b->rights, R | W);
    assert_int_equal(at(3, 0x30000)->rights, R);
    /* revoking R leaves 2 with W only and removes 3 (R only) */
    mdb_unmap(sp[1], 0x10000, 12, R, false);
    assert_int_equal(at(2, 0x20000)->rights, W);
    assert_null(at(3, 0x30000));
    assert_int_equal(check_db(), 3);
    /* revoke everything: only the caller's mapping stays */
    mdb_unmap(sp[1], 0x10000, 12, RWX, false);
    assert_null(at(2, 0x20000));
    assert_non_null(at(1, 0x10000));
    assert_int_equal(check_db(), 2);
}

static void test_grant(void **state)
{
    (void)state;
    three_levels();
    struct mapnode *a = at(1, 0x10000), *b = at(2, 0x20000), *c = at(3, 0x30000);
    long before = live_nodes;
    /* 2 grants its page to 4 with R only: same node, same parent and child */
    assert_int_equal(mdb_map(sp[2], 0x20000, sp[4], 0x40000, 12, R, true), MDB_OK);
    assert_null(at(2, 0x20000));
    assert_false(sp[2]->small[0x20].present);
    struct mapnode *g = at(4, 0x40000);
    assert_ptr_equal(g, b);
    assert_ptr_equal(g->parent, a);
    assert_ptr_equal(g->child, c);
    assert_ptr_equal(c->parent, g);
    assert_int_equal(g->rights, R);
    assert_int_equal(c->rights, R);           /* lost W with the grant */
    assert_int_equal(live_nodes, before);
    check_db();
    /* grant from a root acts as map: sigma0 keeps it */
    assert_int_equal(mdb_map(sp[0], 0x5000, sp[2], 0x50000, 12, RWX, true), MDB_OK);
    assert_non_null(at(0, 0x5000));
    assert_ptr_equal(at(2, 0x50000)->parent, at(0, 0x5000));
    check_db();
}

static void test_unmap_middle(void **state)
{
    (void)state;
    three_levels();
    assert_int_equal(mdb_map(sp[1], 0x10000, sp[4], 0x44000, 12, R, false), MDB_OK);
    /* 2 flushes its own page: 2 and 3 go, 1 and 4 stay */
    mdb_unmap(sp[2], 0x20000, 12, RWX, true);
    assert_null(at(2, 0x20000));
    assert_null(at(3, 0x30000));
    assert_non_null(at(1, 0x10000));
    assert_non_null(at(4, 0x44000));
    assert_int_equal(check_db(), 3);
    /* flush_self removing only some rights keeps the mapping */
    mdb_unmap(sp[1], 0x10000, 12, W | X, true);
    assert_int_equal(at(1, 0x10000)->rights, R);
    assert_int_equal(sp[1]->small[0x10].rights, R);
    assert_int_equal(at(4, 0x44000)->rights, R);
    /* a root is never flushed, its children are */
    mdb_unmap(sp[0], 0x5000, 12, RWX, true);
    assert_non_null(at(0, 0x5000));
    assert_int_equal(at(0, 0x5000)->rights, RWX);
    assert_null(at(1, 0x10000));
    assert_int_equal(check_db(), 1);
}

static void test_map_replaces(void **state)
{
    (void)state;
    three_levels();
    assert_int_equal(mdb_add_root(sp[0], 0x6000, 12, RWX), MDB_OK);
    /* a different frame mapped over 2's page removes 2's subtree */
    assert_int_equal(mdb_map(sp[0], 0x6000, sp[2], 0x20000, 12, R, false), MDB_OK);
    assert_int_equal(at(2, 0x20000)->pa, 0x6000);
    assert_null(at(3, 0x30000));
    assert_int_equal(check_db(), 4);
    /* a region map: only what the source has is mapped */
    assert_int_equal(mdb_map(sp[0], 0, sp[4], 0x100000, 16, RWX, false), MDB_OK);
    assert_int_equal(at(4, 0x105000)->pa, 0x5000);
    assert_int_equal(at(4, 0x106000)->pa, 0x6000);
    assert_null(at(4, 0x104000));
    assert_int_equal(check_db(), 6);
}

static void test_superpage(void **state)
{
    (void)state;
    assert_int_equal(mdb_add_root(sp[0], 0x800000, 22, RWX), MDB_OK);
    /* 4 MiB region: stays a superpage; a smaller region: 4 KiB children */
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[1], 0xc00000, 22, RWX, false), MDB_OK);
    assert_int_equal(at(1, 0xc00000)->log2, 22);
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[2], 0x100000, 23, RWX, false), MDB_OK);
    assert_int_equal(at(2, 0)->log2, 22);     /* to_va aligned down to 2^23 */
    assert_int_equal(mdb_map(sp[1], 0xc03000, sp[3], 0x7000, 12, R, false), MDB_OK);
    struct mapnode *c = at(3, 0x7000);
    assert_int_equal(c->log2, 12);
    assert_int_equal(c->pa, 0x803000);
    assert_ptr_equal(c->parent, at(1, 0xc00000));
    assert_int_equal(mdb_map(sp[1], 0xc10000, sp[4], 0x20000, 14, RWX, false), MDB_OK);
    assert_int_equal(at(4, 0x23000)->pa, 0x813000);
    assert_int_equal(check_db(), 8);
}

/* 1 has a 4 MiB child of sigma0; 2 a 4 MiB child of 1; 3 a 4 KiB child of
 * 2 at offset 0x3000 and 4 one at offset 0x9000. */
static void superchain(void)
{
    assert_int_equal(mdb_add_root(sp[0], 0x800000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[1], 0x400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(sp[1], 0x400000, sp[2], 0x1000000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(sp[2], 0x1003000, sp[3], 0x3000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(sp[2], 0x1009000, sp[4], 0x9000, 12, R, false), MDB_OK);
}

static void test_partial_unmap_superpage(void **state)
{
    (void)state;
    superchain();
    struct mapnode *a = at(1, 0x400000);
    /* 1 revokes W from one 4 KiB page of its superpage: 2 is split */
    mdb_unmap(sp[1], 0x403000, 12, W, false);
    assert_ptr_equal(at(1, 0x400000), a);
    assert_int_equal(a->log2, 22);
    struct mapnode *p3 = at(2, 0x1003000), *p4 = at(2, 0x1004000);
    assert_int_equal(p3->log2, 12);
    assert_int_equal(p3->rights, R | X);
    assert_int_equal(p4->rights, RWX);
    assert_ptr_equal(p3->parent, a);
    assert_ptr_equal(at(3, 0x3000)->parent, p3);
    assert_int_equal(at(3, 0x3000)->rights, R | X);
    assert_ptr_equal(at(4, 0x9000)->parent, at(2, 0x1009000));
    assert_int_equal(sp[2]->small[(0x1003000 >> 12)].rights, R | X);
    assert_false(sp[2]->big[0x1000000 >> 22].present);
    assert_int_equal(check_db(), 2 + 1024 + 2);
    /* now take the page away completely */
    mdb_unmap(sp[1], 0x403000, 12, RWX, false);
    assert_null(at(2, 0x1003000));
    assert_null(at(3, 0x3000));
    assert_int_equal(check_db(), 2 + 1023 + 1);
    /* 2 flushes a 64 KiB part of its (already split) range */
    mdb_unmap(sp[2], 0x1000000, 16, RWX, true);
    assert_null(at(4, 0x9000));
    assert_null(at(2, 0x100f000));
    assert_non_null(at(2, 0x1010000));
    assert_int_equal(check_db(), 2 + 1024 - 16);
}

static void test_partial_flush_self_superpage(void **state)
{
    (void)state;
    superchain();
    /* 1 flushes one page of its own superpage: 1 and 2 are split */
    mdb_unmap(sp[1], 0x409000, 12, RWX, true);
    assert_null(at(1, 0x409000));
    assert_null(at(2, 0x1009000));
    assert_null(at(4, 0x9000));
    assert_int_equal(at(1, 0x408000)->log2, 12);
    assert_ptr_equal(at(1, 0x408000)->parent, at(0, 0x800000));
    assert_ptr_equal(at(2, 0x1008000)->parent, at(1, 0x408000));
    assert_ptr_equal(at(3, 0x3000)->parent, at(2, 0x1003000));
    assert_int_equal(check_db(), 1 + 1023 + 1023 + 1);
    /* a query (no rights) of part of a superpage splits nothing */
    assert_int_equal(mdb_add_root(sp[0], 0xc00000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_map(sp[0], 0xc00000, sp[4], 0x2000000, 22, RWX, false), MDB_OK);
    long n = live_nodes;
    mdb_unmap(sp[0], 0xc05000, 12, 0, true);
    mdb_unmap(sp[4], 0x2005000, 12, 0, true);
    assert_int_equal(live_nodes, n);
    check_db();
}

static void test_accessed(void **state)
{
    (void)state;
    three_levels();
    touch(sp[3], 0x30000, W);
    touch(sp[1], 0x10000, R);
    assert_int_equal(mdb_unmap(sp[1], 0x10000, 12, 0, false), R | W);
    assert_int_equal(mdb_unmap(sp[1], 0x10000, 12, 0, false), 0);     /* reset */
    touch(sp[2], 0x20000, X);
    assert_int_equal(mdb_unmap(sp[2], 0x20000, 12, RWX, true), X);   /* removed */
    assert_int_equal(mdb_unmap(sp[3], 0, 32, 0, false), 0);
    /* a superpage only partly in the range reports but keeps its bits */
    assert_int_equal(mdb_add_root(sp[0], 0x800000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[2], 0x800000, 22, RWX, false), MDB_OK);
    touch(sp[2], 0x801000, W);
    assert_int_equal(mdb_unmap(sp[2], 0x900000, 12, 0, false), W);
    assert_int_equal(mdb_unmap(sp[2], 0x800000, 22, 0, false), W);
    assert_int_equal(mdb_unmap(sp[2], 0x800000, 22, 0, false), 0);
    /* a split copies the superpage's bits into every piece */
    touch(sp[2], 0x801000, R);
    assert_int_equal(mdb_unmap(sp[0], 0x802000, 12, W, false), R);
    assert_int_equal(at(2, 0x900000)->log2, 12);
    assert_int_equal(mdb_unmap(sp[2], 0x900000, 12, 0, false), R);
    assert_int_equal(mdb_unmap(sp[2], 0x900000, 12, 0, false), 0);
    check_db();
}

static void test_space_destroy(void **state)
{
    (void)state;
    three_levels();
    superchain();
    assert_int_equal(mdb_map(sp[3], 0x30000, sp[4], 0x50000, 12, R, false), MDB_OK);
    mdb_space_destroy(sp[2]);
    assert_null(sp[2]->mdb);
    assert_null(at(3, 0x30000));
    assert_null(at(4, 0x50000));
    assert_null(at(3, 0x3000));
    assert_non_null(at(1, 0x10000));
    assert_non_null(at(1, 0x400000));
    assert_int_equal(check_db(), 4);
    mdb_space_destroy(sp[0]);               /* sigma0: everything goes */
    assert_int_equal(live_nodes, 0);
    assert_int_equal(live_other, 0);
    assert_null(sp[1]->mdb);
}

static void test_pt_drop(void **state)
{
    (void)state;
    pt_drop = true;                         /* no page tables available */
    three_levels();
    assert_false(sp[2]->small[0x20].present);
    assert_non_null(at(2, 0x20000));        /* the database is authoritative */
    check_db();
    pt_drop = false;
    assert_int_equal(mdb_map(sp[1], 0x10000, sp[2], 0x20000, 12, R, false), MDB_OK);
    assert_true(sp[2]->small[0x20].present);    /* re-map refills */
    mdb_unmap(sp[1], 0x10000, 12, RWX, false);
    pt_drop = true;
    check_db();
    pt_drop = false;
}

/* Runs op with the n-th allocation failing, for n = 0, 1, ... until op
 * succeeds with no failure hit; the database must be consistent after
 * every attempt. `setup_fn` rebuilds the starting state. */
static void oom_loop(void (*build)(void), int (*op)(void), int min_fails)
{
    int fails = 0;
    for (long n = 0; ; n++) {
        build();
        fail_after = n;
        int r = op();
        bool hit = fail_after == 0;
        fail_after = -1;
        check_db();
        for (int i = NSPACES - 1; i >= 0; i--)
            mdb_space_destroy(sp[i]);
        assert_int_equal(live_nodes + live_other, 0);
        if (!hit) {
            assert_true(r >= 0);
            break;
        }
        fails++;
        assert_true(n < 100000);
    }
    assert_true(fails >= min_fails);
}

static int op_map(void)
{
    return mdb_map(sp[2], 0x20000, sp[4], 0x3ff000, 12, R, false);
}

static int op_grant_split(void)
{
    return mdb_map(sp[1], 0x405000, sp[4], 0xc05000, 12, RWX, true);
}

static int op_unmap_split(void)
{
    mdb_unmap(sp[1], 0x403000, 12, W, true);
    return at(1, 0x404000) && at(1, 0x404000)->log2 == 12 ? 0 : -1;
}

static int op_root(void)
{
    return mdb_add_root(sp[0], 0x2c00000, 12, RWX);
}

static void build_small(void)
{
    three_levels();
}

static void test_oom(void **state)
{
    (void)state;
    oom_loop(build_small, op_map, 3);       /* node + 2 index levels */
    oom_loop(build_small, op_root, 3);
    oom_loop(superchain, op_grant_split, 2);
    oom_loop(superchain, op_unmap_split, 2);
    /* a failing split falls back to revoking the whole superpage */
    superchain();
    fail_after = 0;
    mdb_unmap(sp[1], 0x403000, 12, W, false);
    fail_after = -1;
    assert_int_equal(at(2, 0x1000000)->log2, 22);
    assert_int_equal(at(2, 0x1000000)->rights, R | X);
    assert_int_equal(at(3, 0x3000)->rights, R | X);
    check_db();
    /* adding a root or mapping without memory leaves nothing behind */
    fail_after = 0;
    assert_int_equal(mdb_add_root(sp[0], 0x3000000, 12, RWX), MDB_ENOMEM);
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[3], 0x3400000, 12, RWX, false), MDB_ENOMEM);
    fail_after = -1;
    assert_null(at(0, 0x3000000));
    check_db();
}

/* ---- random test against a naive model ------------------------------- */

/* The model keeps mappings in a flat array with parent indices and answers
 * every question by scanning; it implements the documented semantics
 * directly (splits included), so it shares no code with the mdb. */
#define MWIN   (16u << 20)
#define MMAX   40000
struct ment {
    bool alive;
    int space;
    uint32_t va, pa;
    unsigned log2, rights;
    int parent;
};
static struct ment *me;
static int mcount, mhigh;
static int msmall[NSPACES][MWIN >> 12], mbig[NSPACES][MWIN >> 22]; /* id+1 */

static int m_lookup(int s, uint64_t va)
{
    if (va >= MWIN)
        return -1;
    int b = mbig[s][va >> 22];
    if (b)
        return b - 1;
    return msmall[s][va >> 12] - 1;
}

static int *m_slot(int id)
{
    struct ment *e = &me[id];
    return e->log2 == 22 ? &mbig[e->space][e->va >> 22] : &msmall[e->space][e->va >> 12];
}

static int m_new(int s, uint32_t va, uint32_t pa, unsigned log2, unsigned r, int parent)
{
    int id = 0;
    while (me[id].alive)
        id++;
    assert_true(id < MMAX);
    me[id] = (struct ment){ true, s, va, pa, log2, r, parent };
    assert_int_equal(*m_slot(id), 0);
    *m_slot(id) = id + 1;
    mcount++;
    if (id >= mhigh)
        mhigh = id + 1;
    return id;
}

static void m_del(int id)
{
    *m_slot(id) = 0;
    me[id].alive = false;
    mcount--;
}

static bool m_desc(int e, int y)        /* e in subtree(y), e != y */
{
    for (int p = me[e].parent; p >= 0; p = me[p].parent)
        if (p == y)
            return true;
    return false;
}

/* Removes `rights` from every entry in set (marked), then deletes entries
 * left with none (their descendants are in the set with fewer rights). */
static void m_apply(bool *set, unsigned rights)
{
    for (int i = 0; i < mhigh; i++)
        if (set[i])
            me[i].rights &= ~rights;
    for (int i = 0; i < mhigh; i++)
        if (set[i] && me[i].alive && !me[i].rights)
            m_del(i);
}

static bool mset[MMAX];

static void m_revoke_full(int y, unsigned rights, bool self)
{
    memset(mset, 0, sizeof(mset));
    for (int i = 0; i < mhigh; i++)
        if (me[i].alive && (m_desc(i, y) || (i == y && self && me[y].parent >= 0)))
            mset[i] = true;
    m_apply(mset, rights);
}

/* Splits 4 MiB entry x; its pieces hang below ppieces[i] (or x's parent). */
static void m_split_under(int x, const int *ppieces)
{
    struct ment old = me[x];
    int *pieces = malloc(1024 * sizeof(int));
    assert_non_null(pieces);
    m_del(x);
    for (int i = 0; i < 1024; i++)
        pieces[i] = m_new(old.space, old.va + i * K4, old.pa + i * K4, 12,
                          old.rights, ppieces ? ppieces[i] : old.parent);
    for (int c = 0; c < mhigh; c++) {
        if (!me[c].alive || me[c].parent != x || c == x)
            continue;
        if (me[c].log2 == 12)
            me[c].parent = pieces[(me[c].pa - old.pa) >> 12];
        else
            m_split_under(c, pieces);
    }
    free(pieces);
}

static void m_revoke_partial(int y, uint64_t lo, uint64_t hi, unsigned rights)
{
    for (;;) {
        int x = -1;
        for (int i = 0; i < mhigh && x < 0; i++)
            if (me[i].alive && me[i].log2 == 22 && (me[i].rights & rights) &&
                m_desc(i, y))
                x = i;
        if (x < 0)
            break;
        m_split_under(x, NULL);
    }
    memset(mset, 0, sizeof(mset));
    for (int i = 0; i < mhigh; i++)
        if (me[i].alive && me[i].log2 == 12 && me[i].pa >= lo && me[i].pa < hi &&
            m_desc(i, y))
            mset[i] = true;
    m_apply(mset, rights);
}

static void m_unmap(int s, uint32_t va, unsigned log2, unsigned rights, bool self)
{
    uint64_t lo = va & ~((1ull << log2) - 1), end = lo + (1ull << log2);
    for (uint64_t v = lo; v < end && v < MWIN; ) {
        int y = m_lookup(s, v);
        if (y < 0) {
            v += K4;
            continue;
        }
        uint64_t ys = me[y].va, ye = ys + (1ull << me[y].log2);
        if (ys >= lo && ye <= end) {
            m_revoke_full(y, rights, self);
        } else if (self && me[y].parent >= 0 && (me[y].rights & rights)) {
            m_split_under(y, NULL);
            continue;
        } else {
            uint64_t plo = me[y].pa + (lo - ys);
            m_revoke_partial(y, plo, plo + (1ull << log2), rights);
        }
        v = ye;
    }
}

static int m_map_piece(int y, uint32_t pva, unsigned plog2, int to, uint32_t dva,
                       unsigned rights, bool grant)
{
    unsigned nr = me[y].rights & rights;
    uint32_t ppa = me[y].pa + (pva - me[y].va);
    uint64_t dend = (uint64_t)dva + (1ull << plog2);
    if (!nr)
        return -1;
    if (me[y].parent < 0)
        grant = false;
    int d = m_lookup(to, dva);
    if (!grant && d >= 0 && me[d].va == dva && me[d].log2 == plog2 &&
        me[d].pa == ppa && me[d].parent == y) {
        me[d].rights |= nr;
        return 0;
    }
    for (int i = 0; i < mhigh; i++) {
        if (!me[i].alive || me[i].space != to)
            continue;
        uint64_t s = me[i].va, e = s + (1ull << me[i].log2);
        if (s < dend && e > dva && (me[i].parent < 0 || i == y || m_desc(y, i)))
            return -1;
    }
    if (grant && me[y].log2 > plog2) {
        int from = me[y].space;
        m_split_under(y, NULL);
        y = m_lookup(from, pva);
    }
    m_unmap(to, dva, plog2, RWX, true);
    if (grant) {
        unsigned lost = me[y].rights & ~nr;
        *m_slot(y) = 0;
        me[y].space = to;
        me[y].va = dva;
        me[y].rights = nr;
        assert_int_equal(*m_slot(y), 0);
        *m_slot(y) = y + 1;
        m_revoke_full(y, lost, false);
    } else {
        m_new(to, dva, ppa, plog2, nr, y);
    }
    return 0;
}

static int m_map(int from, uint32_t fva, int to, uint32_t tva, unsigned log2,
                 unsigned rights, bool grant)
{
    uint64_t mask = (1ull << log2) - 1;
    fva &= ~mask;
    tva &= ~mask;
    uint64_t end = fva + (1ull << log2);
    bool any = false;
    for (uint64_t v = fva; v < end && v < MWIN; ) {
        int y = m_lookup(from, v);
        if (y < 0) {
            v += K4;
            continue;
        }
        uint32_t pva = me[y].va >= v ? me[y].va : (uint32_t)v;
        unsigned plog2 = (me[y].log2 == 22 && log2 >= 22) ? 22 : 12;
        if (m_map_piece(y, pva, plog2, to, (uint32_t)(tva + (pva - fva)), rights, grant) == 0)
            any = true;
        v = pva + (1ull << plog2);
    }
    return any ? MDB_OK : MDB_ENOENT;
}

static void m_destroy(int s)
{
    memset(mset, 0, sizeof(mset));
    for (int i = 0; i < mhigh; i++) {
        if (!me[i].alive)
            continue;
        for (int p = i; p >= 0; p = me[p].parent)
            if (me[p].space == s)
                mset[i] = true;
    }
    for (int i = 0; i < mhigh; i++)
        if (mset[i])
            m_del(i);
}

static void compare_model(void)
{
    for (int i = 0; i < mhigh; i++) {
        if (!me[i].alive)
            continue;
        struct ment *e = &me[i];
        struct mapnode *n = mdb_lookup(sp[e->space], e->va);
        if (!n)
            fail_msg("model %d: space %d va %#x missing", i, e->space, e->va);
        assert_int_equal(n->va, e->va);
        assert_int_equal(n->log2, e->log2);
        assert_int_equal(n->pa, e->pa);
        assert_int_equal(n->rights, e->rights);
        if (e->parent < 0) {
            assert_null(n->parent);
        } else {
            assert_non_null(n->parent);
            assert_ptr_equal(n->parent->space, sp[me[e->parent].space]);
            assert_int_equal(n->parent->va, me[e->parent].va);
        }
    }
    assert_int_equal(check_db(), mcount);
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* An address in the 16 MiB window, biased to a few hot pages so that
 * operations meet each other. */
static uint32_t rnd_va(unsigned log2)
{
    uint32_t va = rnd(4) * M4 + (rnd(4) == 0 ? rnd(1024) : rnd(24)) * K4;
    return va & ~((1u << log2) - 1);
}

static unsigned rnd_log2(void)
{
    static const unsigned sizes[] = { 12, 12, 12, 12, 12, 12, 13, 14, 16, 22, 22 };
    return sizes[rnd(ARRAY_SIZE(sizes))];
}

static void test_random(void **state)
{
    (void)state;
    me = calloc(MMAX, sizeof(*me));
    assert_non_null(me);
    memset(msmall, 0, sizeof(msmall));
    memset(mbig, 0, sizeof(mbig));
    mcount = mhigh = 0;
    /* sigma0: one superpage at 4 MiB and 24 pages at 8 MiB */
    assert_int_equal(mdb_add_root(sp[0], M4, 22, RWX), MDB_OK);
    m_new(0, M4, M4, 22, RWX, -1);
    for (uint32_t i = 0; i < 24; i++) {
        assert_int_equal(mdb_add_root(sp[0], 2 * M4 + i * K4, 12, RWX), MDB_OK);
        m_new(0, 2 * M4 + i * K4, 2 * M4 + i * K4, 12, RWX, -1);
    }
    int ops[4] = { 0 };
    for (int step = 0; step < 4000; step++) {
        unsigned kind = rnd(100);
        if (kind < 55) {
            int from = (int)rnd(NSPACES), to = (int)rnd(NSPACES);
            if (rnd(3) == 0)
                from = 0;
            unsigned log2 = rnd_log2();
            uint32_t fva = rnd_va(log2), tva = rnd_va(log2);
            if (from == 0 && rnd(2))            /* where sigma0 has memory */
                fva = (rnd(2) ? M4 : 2 * M4 + rnd(24) * K4) & ~((1u << log2) - 1);
            unsigned r = rnd(8);
            bool grant = rnd(6) == 0;
            int a = MDB_SLOW;
            if (log2 == 12 && !grant && rnd(2)) {
                a = mdb_map_page(sp[from], fva, sp[to], tva, r);
                ops[3] += a != MDB_SLOW;
            }
            if (a == MDB_SLOW)
                a = mdb_map(sp[from], fva, sp[to], tva, log2, r, grant);
            int b = m_map(from, fva, to, tva, log2, r, grant);
            assert_int_equal(a, b);
            ops[0]++;
        } else if (kind < 97) {
            int s = (int)rnd(NSPACES);
            unsigned log2 = rnd(20) == 0 ? 32 : rnd_log2();
            uint32_t va = log2 == 32 ? 0 : rnd_va(log2);
            unsigned r = rnd(8);
            bool self = rnd(2);
            mdb_unmap(sp[s], va, log2, r, self);
            m_unmap(s, va, log2, r, self);
            ops[1]++;
        } else {
            int s = 1 + (int)rnd(NSPACES - 1);
            mdb_space_destroy(sp[s]);
            m_destroy(s);
            assert_null(sp[s]->mdb);
            ops[2]++;
        }
        compare_model();
    }
    print_message("random: %d maps (%d by mdb_map_page), %d unmaps, %d destroys, "
                  "%d mappings at the end\n", ops[0], ops[3], ops[1], ops[2], mcount);
    assert_true(ops[3] > 0);
    free(me);
}

/* ---- preemption ------------------------------------------------------ */

/* The yield function of the preemptible variants. Quiet: pauses only (the
 * results must equal the model's). Busy: while paused, "another thread"
 * does random operations that leave space `keep` alone (it is the one
 * being unmapped or destroyed), and maps may be told to stop. */
struct ytest {
    bool busy;
    int keep;
    bool may_stop;
    long yields, nested, stops;
};

static void nested_op(int keep)
{
    unsigned kind = rnd(100);
    int a = (int)rnd(NSPACES), b = (int)rnd(NSPACES);
    if (a == keep || b == keep)
        return;
    unsigned log2 = rnd_log2();
    if (kind < 50) {
        uint32_t fva = rnd_va(log2), tva = rnd_va(log2);
        if (a == 0)
            fva = (rnd(2) ? M4 : 2 * M4 + rnd(24) * K4) & ~((1u << log2) - 1);
        (void)mdb_map(sp[a], fva, sp[b], tva, log2, rnd(8), rnd(6) == 0);
    } else if (kind < 95) {
        (void)mdb_unmap(sp[a], rnd_va(log2), log2, rnd(8), rnd(2));
    } else if (a != 0) {
        mdb_space_destroy(sp[a]);
    }
}

static bool ytest_fn(void *arg)
{
    struct ytest *y = arg;
    y->yields++;
    if (!y->busy)
        return true;
    for (unsigned n = rnd(3); n > 0; n--, y->nested++)
        nested_op(y->keep);
    if (y->may_stop && rnd(8) == 0) {
        y->stops++;
        return false;
    }
    return true;
}

/* After an unmap of `rights` in s's [va, +2^log2) with concurrent
 * operations that left s alone: nothing derived from s's mappings inside
 * the range (nor those mappings, with self, unless roots) has any of the
 * rights any more. */
static void check_revoked(int s, uint32_t va, unsigned log2, unsigned rights, bool self)
{
    uint64_t end = (uint64_t)va + (1ull << log2);
    for (uint64_t a = va; a < end && a < WIN; ) {
        struct mapnode *n = mdb_lookup(sp[s], (uint32_t)a);
        if (!n) {
            a += K4;
            continue;
        }
        a = n->va + (1ull << n->log2);
        if (n->va < va || n->va + (1ull << n->log2) > end)
            continue;                   /* partly inside: not checked */
        if (self && n->parent)
            assert_int_equal(n->rights & rights, 0);
        for (struct mapnode *x = n->child; x; ) {
            assert_int_equal(x->rights & rights, 0);
            if (x->child) {
                x = x->child;
                continue;
            }
            while (x != n && !x->next)
                x = x->parent;
            x = x == n ? NULL : x->next;
        }
    }
}

static void preempt_run(bool busy, int steps)
{
    struct ytest yt = { .busy = busy };
    struct mdb_yield y = { ytest_fn, &yt };
    if (!busy) {
        me = calloc(MMAX, sizeof(*me));
        assert_non_null(me);
        memset(msmall, 0, sizeof(msmall));
        memset(mbig, 0, sizeof(mbig));
        mcount = mhigh = 0;
    }
    assert_int_equal(mdb_add_root(sp[0], M4, 22, RWX), MDB_OK);
    if (!busy)
        m_new(0, M4, M4, 22, RWX, -1);
    for (uint32_t i = 0; i < 24; i++) {
        assert_int_equal(mdb_add_root(sp[0], 2 * M4 + i * K4, 12, RWX), MDB_OK);
        if (!busy)
            m_new(0, 2 * M4 + i * K4, 2 * M4 + i * K4, 12, RWX, -1);
    }
    for (int step = 0; step < steps; step++) {
        unsigned kind = rnd(100);
        if (kind < 55) {
            int from = rnd(3) == 0 ? 0 : (int)rnd(NSPACES), to = (int)rnd(NSPACES);
            unsigned log2 = rnd_log2();
            uint32_t fva = rnd_va(log2), tva = rnd_va(log2);
            if (from == 0 && rnd(2))
                fva = (rnd(2) ? M4 : 2 * M4 + rnd(24) * K4) & ~((1u << log2) - 1);
            unsigned r = rnd(8);
            bool grant = rnd(6) == 0;
            yt.keep = -1;
            yt.may_stop = true;
            int a = mdb_map_y(sp[from], fva, sp[to], tva, log2, r, grant, &y);
            if (!busy)
                assert_int_equal(a, m_map(from, fva, to, tva, log2, r, grant));
        } else if (kind < 97) {
            int s = (int)rnd(NSPACES);
            unsigned log2 = rnd(20) == 0 ? 32 : rnd_log2();
            uint32_t va = log2 == 32 ? 0 : rnd_va(log2);
            unsigned r = rnd(8);
            bool self = rnd(2);
            yt.keep = s;
            yt.may_stop = false;
            unsigned a = mdb_unmap_y(sp[s], va, log2, r, self, &y);
            if (!busy) {
                m_unmap(s, va, log2, r, self);
                (void)a;
            } else {
                check_revoked(s, va, log2, r, self);
            }
        } else {
            int s = 1 + (int)rnd(NSPACES - 1);
            yt.keep = s;
            yt.may_stop = false;
            assert_true(mdb_space_destroy_y(sp[s], &y));
            if (!busy)
                m_destroy(s);
            assert_null(sp[s]->mdb);
        }
        if (busy)
            check_db();
        else
            compare_model();
    }
    print_message("preempt (%s): %ld yields, %ld nested operations, %ld stops\n",
                  busy ? "busy" : "quiet", yt.yields, yt.nested, yt.stops);
    assert_true(yt.yields > 0);
    if (!busy)
        free(me);
}

/* Pausing alone changes nothing: the preemptible variants give exactly
 * the model's results. */
static void test_preempt_quiet(void **state)
{
    (void)state;
    preempt_run(false, 3000);
}

/* Operations paused while others change the database: the invariants hold
 * after each, an unmap leaves no revoked right behind, a deleted space
 * holds nothing. */
static void test_preempt_busy(void **state)
{
    (void)state;
    for (uint32_t seed = 0; seed < 4; seed++) {
        rnd_state = 777u + seed * 7919u;
        preempt_run(true, 3000);
        teardown(NULL);
        setup(NULL);
    }
}

/* A space over its kernel-memory limit gets no more mappings (map,
 * grant, split): what it has stays intact, freeing makes room again, and
 * a grant moves the node's charge to the receiver. */
#define NB ((uint32_t)kmem_class_size(sizeof(struct mapnode)))
#define RB ((uint32_t)kmem_class_size(32 * sizeof(void *)))
static void test_limit(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 6; i++)
        assert_int_equal(mdb_add_root(sp[0], 0x100000 + i * K4, 12, RWX), MDB_OK);
    /* room for three nodes and the four index nodes of their path */
    sp[1]->acct.limit = 3 * NB + 4 * RB;
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(mdb_map(sp[0], 0x100000 + i * K4, sp[1], 0x10000 + i * K4, 12, RWX,
                                 false), MDB_OK);
    assert_int_equal(sp[1]->acct.used, 3 * NB + 4 * RB);
    assert_int_equal(mdb_map(sp[0], 0x103000, sp[1], 0x13000, 12, RWX, false), MDB_ENOMEM);
    assert_null(at(1, 0x13000));
    assert_int_equal(sp[1]->acct.used, 3 * NB + 4 * RB);
    /* re-mapping a page it has (an upgrade) needs no room */
    assert_int_equal(mdb_map(sp[0], 0x100000, sp[1], 0x10000, 12, RWX, false), MDB_OK);
    /* a grant into the full space fails and leaves the source alone */
    assert_int_equal(mdb_map(sp[0], 0x104000, sp[2], 0x4000, 12, RWX, false), MDB_OK);
    assert_int_equal(sp[2]->acct.used, NB + 4 * RB);
    assert_int_equal(mdb_map(sp[2], 0x4000, sp[1], 0x14000, 12, RWX, true), MDB_ENOMEM);
    assert_non_null(at(2, 0x4000));
    assert_int_equal(sp[2]->acct.used, NB + 4 * RB);
    /* after an unmap there is room again; the granted node's charge moves
     * to the receiver, and the giver's empty index goes */
    mdb_unmap(sp[1], 0x10000, 12, RWX, true);
    assert_int_equal(sp[1]->acct.used, 2 * NB + 4 * RB);
    assert_int_equal(mdb_map(sp[2], 0x4000, sp[1], 0x14000, 12, RWX, true), MDB_OK);
    assert_int_equal(sp[2]->acct.used, 0);
    assert_int_equal(sp[1]->acct.used, 3 * NB + 4 * RB);
    /* a mapping whose PTE could not get a page table is refused */
    sp[1]->acct.limit = KMEM_UNLIMITED;
    pt_no_reserve = true;
    assert_int_equal(mdb_map(sp[0], 0x105000, sp[1], 0x15000, 12, RWX, false), MDB_ENOMEM);
    assert_null(at(1, 0x15000));
    assert_int_equal(sp[1]->acct.used, 3 * NB + 4 * RB);
    pt_no_reserve = false;
    check_db();

    /* A split needs room for its pieces in every space of the chain:
     * refused, the partial revocation applies to the whole 4 MiB (more
     * than asked, never less), as when a split runs out of memory. */
    assert_int_equal(mdb_add_root(sp[0], 0x800000, 22, RWX), MDB_OK);
    assert_int_equal(mdb_map(sp[0], 0x800000, sp[3], 0x400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(sp[3], 0x400000, sp[4], 0x400000, 22, RWX, false), MDB_OK);
    assert_int_equal(sp[4]->acct.used, NB + 2 * RB);    /* a 4 MiB entry: two levels */
    sp[4]->acct.limit = 100 * NB;
    mdb_unmap(sp[3], 0x403000, 12, W, false);       /* needs a split of 4's page */
    assert_int_equal(at(4, 0x400000)->log2, 22);    /* not split ... */
    assert_int_equal(at(4, 0x400000)->rights, RWX & ~W);    /* ... W gone from all of it */
    assert_int_equal(sp[4]->acct.used, NB + 2 * RB);
    assert_int_equal(at(3, 0x400000)->rights, RWX); /* 3 itself unchanged */
    /* with room, the split happens and is charged: 1024 nodes and their
     * index (one level-2 and 32 level-3 nodes) */
    sp[4]->acct.limit = KMEM_UNLIMITED;
    mdb_unmap(sp[3], 0x403000, 12, RWX, false);
    assert_int_equal(at(4, 0x400000)->log2, 12);
    assert_null(at(4, 0x403000));
    assert_int_equal(sp[4]->acct.used, 1023 * NB + (2 + 1 + 32) * RB);
    check_db();
}

/* mdb_map_page's own allocation (the node, a missing index path, the page
 * table) charges the receiver exactly as mdb_map does: a space at its
 * limit is refused (MDB_SLOW, nothing changed, and mdb_map then refuses
 * too), a space with exactly the room gets the page, an upgrade needs no
 * room, and a refused page table leaves no index node behind. */
static void test_map_page_limit(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 8; i++)
        assert_int_equal(mdb_add_root(sp[0], 0x100000 + i * K4, 12, RWX), MDB_OK);
    assert_int_equal(mdb_map_page(sp[0], 0x100000, sp[1], 0x10000, RWX), MDB_OK);
    assert_int_equal(sp[1]->acct.used, NB + 4 * RB);
    /* The next page in the same leaf needs one node: one byte short of
     * it, refused by both paths with nothing changed. */
    long bytes = live_bytes, nodes = live_nodes;
    sp[1]->acct.limit = sp[1]->acct.used + NB - 1;
    assert_int_equal(mdb_map_page(sp[0], 0x101000, sp[1], 0x11000, RWX), MDB_SLOW);
    assert_int_equal(mdb_map(sp[0], 0x101000, sp[1], 0x11000, 12, RWX, false), MDB_ENOMEM);
    assert_null(at(1, 0x11000));
    assert_int_equal(sp[1]->acct.used, NB + 4 * RB);
    assert_int_equal(live_bytes, bytes);
    assert_int_equal(live_nodes, nodes);
    /* Exactly the room for it: mapped, and the space is full. */
    sp[1]->acct.limit = sp[1]->acct.used + NB;
    assert_int_equal(mdb_map_page(sp[0], 0x101000, sp[1], 0x11000, RWX), MDB_OK);
    assert_int_equal(sp[1]->acct.used, sp[1]->acct.limit);
    assert_int_equal(mdb_map_page(sp[0], 0x102000, sp[1], 0x12000, RWX), MDB_SLOW);
    /* An upgrade of a page it has takes nothing. */
    assert_int_equal(mdb_map_page(sp[0], 0x100000, sp[1], 0x10000, R), MDB_OK);
    assert_int_equal(sp[1]->acct.used, sp[1]->acct.limit);
    /* A page under another level-1 slot needs the node and two index
     * nodes: one byte short, refused and nothing left over. */
    uint32_t far = 0x2000000;
    bytes = live_bytes;
    sp[1]->acct.limit = sp[1]->acct.used + NB + 2 * RB - 1;
    assert_int_equal(mdb_map_page(sp[0], 0x103000, sp[1], far, RWX), MDB_SLOW);
    assert_int_equal(sp[1]->acct.used, 2 * NB + 4 * RB);
    assert_int_equal(live_bytes, bytes);
    sp[1]->acct.limit = sp[1]->acct.used + NB + 2 * RB;
    assert_int_equal(mdb_map_page(sp[0], 0x103000, sp[1], far, RWX), MDB_OK);
    assert_int_equal(sp[1]->acct.used, sp[1]->acct.limit);
    /* No page table for a page needing a new path: the node and the
     * path's index nodes go again. */
    sp[1]->acct.limit = KMEM_UNLIMITED;
    long used = sp[1]->acct.used;
    bytes = live_bytes;
    pt_no_reserve = true;
    assert_int_equal(mdb_map_page(sp[0], 0x104000, sp[1], 0x3000000, RWX), MDB_SLOW);
    assert_int_equal(mdb_map_page(sp[0], 0x104000, sp[1], 0x14000, RWX), MDB_SLOW);
    pt_no_reserve = false;
    assert_int_equal(sp[1]->acct.used, used);
    assert_int_equal(live_bytes, bytes);
    assert_null(at(1, 0x3000000));
    assert_null(at(1, 0x14000));
    /* The new path: the fast path asked for the PTE in one step. */
    long news = pt_set_news;
    assert_int_equal(mdb_map_page(sp[0], 0x104000, sp[1], 0x14000, RWX), MDB_OK);
    assert_int_equal(pt_set_news, news + 1);
    assert_int_equal(check_db(), 8 + 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_roots),
        T(test_map_three_levels),
        T(test_map_page),
        T(test_rights_propagate),
        T(test_grant),
        T(test_unmap_middle),
        T(test_map_replaces),
        T(test_superpage),
        T(test_partial_unmap_superpage),
        T(test_partial_flush_self_superpage),
        T(test_accessed),
        T(test_space_destroy),
        T(test_pt_drop),
        T(test_oom),
        T(test_limit),
        T(test_map_page_limit),
        T(test_random),
        T(test_preempt_quiet),
        T(test_preempt_busy),
    };
    return cmocka_run_group_tests_name("mdb", tests, NULL, NULL);
}
