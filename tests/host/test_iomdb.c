/* Tests for kernel/iomdb.c (I/O port derivation). Fakes: kmem (malloc with
 * accounting and failure injection), spaces (the iomdb list and a 64K-port
 * bitmap of bools). check_db() verifies the trees, the space lists and the
 * bitmaps; the random test compares every port of every space against a
 * naive per-port model of the rules in iomdb.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iomdb.h"
#include "iobitmap.h"
#include "kmem.h"

/* ---- fake kmem ------------------------------------------------------- */

static long live, fail_after = -1;

void *kmem_alloc(size_t size, enum kmem_kind kind)
{
    assert_int_equal(kind, KMEM_IOBITMAP);
    assert_int_equal(size, sizeof(struct ionode));
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    live++;
    return calloc(1, size);
}

void kmem_free(void *p, size_t size, enum kmem_kind kind)
{
    assert_int_equal(kind, KMEM_IOBITMAP);
    assert_int_equal(size, sizeof(struct ionode));
    assert_non_null(p);
    live--;
    free(p);
}

/* ---- fake spaces ----------------------------------------------------- */

#define NSP 6                           /* sp[0] is sigma0 (no nodes) */
struct space {
    struct iomdb_list list;
    bool allowed[IO_PORTS];
};
static struct space *sp[NSP];

struct iomdb_list *iomdb_slot(struct space *s)
{
    return &s->list;
}

void iomdb_bits(struct space *s, uint32_t first, uint32_t end, bool allow)
{
    assert_true(s != sp[0]);
    assert_true(first < end && end <= IO_PORTS);
    for (uint32_t p = first; p < end; p++)
        s->allowed[p] = allow;
}

static struct space *S(int i) { return i == 0 ? NULL : sp[i]; }

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < NSP; i++)
        sp[i] = calloc(1, sizeof(struct space));
    live = 0;
    fail_after = -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 1; i < NSP; i++)
        assert_true(iomdb_space_destroy(sp[i], 0));
    assert_null(iomdb_roots());
    assert_int_equal(live, 0);
    for (int i = 0; i < NSP; i++)
        free(sp[i]);
    return 0;
}

/* ---- structure check ------------------------------------------------- */

static long check_children(struct ionode *parent, struct ionode *head)
{
    long n = 0;
    struct ionode *prev = NULL;
    for (struct ionode *c = head; c; prev = c, c = c->next) {
        assert_ptr_equal(c->prev, prev);
        assert_ptr_equal(c->parent, parent);
        assert_true(c->first <= c->last);
        if (parent) {
            assert_true(c->first >= parent->first && c->last <= parent->last);
            assert_ptr_not_equal(c->space, parent->space);
        } else {
            for (uint32_t p = c->first; p <= c->last; p++)
                assert_false(io_port_reserved(p));
        }
        n += 1 + check_children(c, c->child);
    }
    return n;
}

static uint32_t check_end = IO_PORTS;   /* bitmaps checked below this */

static void check_db(void)
{
    long tree = check_children(NULL, iomdb_roots()), lists = 0;
    for (int i = 1; i < NSP; i++) {
        struct space *s = sp[i];
        uint32_t runs = 0, p = 0;
        struct ionode *prev = NULL;
        for (struct ionode *n = s->list.head; n; prev = n, n = n->snext) {
            assert_ptr_equal(n->sprev, prev);
            assert_ptr_equal(n->space, s);
            assert_true(!prev || prev->last < n->first);
            for (; p < n->first; p++)
                assert_false(s->allowed[p]);
            for (; p <= n->last; p++)
                assert_true(s->allowed[p]);
            runs++;
        }
        for (; p < check_end; p++)
            assert_false(s->allowed[p]);
        assert_int_equal(runs, s->list.runs);
        lists += runs;
    }
    assert_int_equal(tree, lists);
    assert_int_equal(live, lists);
}

/* ---- unit tests ------------------------------------------------------ */

static void test_map_from_nothing(void **state)
{
    (void)state;
    /* #16: a space without ports maps nothing, allocates nothing. */
    assert_false(iomdb_holds_any(sp[1], 0, IO_PORTS));
    assert_int_equal(iomdb_map(sp[1], sp[2], 0, IO_PORTS, false, 0), IOMDB_OK);
    assert_int_equal(live, 0);
    assert_null(sp[2]->list.head);
    check_db();
}

static void test_sigma0_skips_reserved(void **state)
{
    (void)state;
    assert_int_equal(iomdb_map(NULL, sp[1], 0, 0x100, false, 0), IOMDB_OK);
    check_db();
    assert_false(sp[1]->allowed[0x20]);
    assert_false(sp[1]->allowed[0x61]);
    assert_true(sp[1]->allowed[0x60]);
    assert_true(sp[1]->allowed[0x62]);
    assert_int_equal(sp[1]->list.runs, 6);  /* 0-1f 22-3f 44-60 62-9f a2-f3 f8-ff */
}

/* Issue 14 #3, first scenario: A (no ports) maps to driver B, which got its
 * ports from the root task R. A's unmap must not strip B; R's must. */
static void test_wrong_parent(void **state)
{
    (void)state;
    struct space *r = sp[1], *a = sp[2], *b = sp[3];
    iomdb_map(NULL, r, 0x3f8, 0x400, false, 0);
    iomdb_map(r, b, 0x3f8, 0x400, false, 0);
    iomdb_map(a, b, 0x3f8, 0x400, false, 0);      /* A holds nothing */
    iomdb_map(a, b, 0, IO_PORTS, false, 0);
    assert_true(iomdb_unmap(a, 0, IO_PORTS, true, 0));
    assert_true(b->allowed[0x3f8]);
    assert_true(iomdb_unmap(r, 0x3f8, 0x400, false, 0));
    assert_false(b->allowed[0x3f8]);
    assert_true(r->allowed[0x3f8]);
    check_db();
}

/* Second scenario: A held ports once and is deleted; B, who got them from
 * R, is not touched; a new space in A's memory has no say over B. */
static void test_deleted_mapper(void **state)
{
    (void)state;
    struct space *r = sp[1], *a = sp[2], *b = sp[3];
    iomdb_map(NULL, r, 0x70, 0x72, false, 0);
    iomdb_map(r, a, 0x70, 0x72, false, 0);
    iomdb_map(r, b, 0x70, 0x72, false, 0);
    iomdb_map(a, b, 0x70, 0x72, false, 0);        /* B's now from A */
    assert_ptr_equal(iomdb_lookup(b, 0x70)->parent->space, a);
    assert_true(iomdb_space_destroy(a, 0));
    assert_false(b->allowed[0x70]);            /* derived from A: gone */
    iomdb_map(r, b, 0x70, 0x72, false, 0);
    memset(a, 0, sizeof(*a));                  /* a new space, same memory */
    assert_true(iomdb_unmap(a, 0, IO_PORTS, true, 0));
    assert_true(b->allowed[0x70] && b->allowed[0x71]);
    check_db();
}

static void test_grant_moves(void **state)
{
    (void)state;
    struct space *r = sp[1], *a = sp[2], *b = sp[3], *c = sp[4];
    iomdb_map(NULL, r, 0, 16, false, 0);
    iomdb_map(r, a, 0, 16, false, 0);
    iomdb_map(a, c, 4, 8, false, 0);
    iomdb_map(a, b, 6, 7, true, 0);               /* middle of a's node */
    check_db();
    assert_false(a->allowed[6]);
    assert_true(b->allowed[6] && a->allowed[5] && a->allowed[7]);
    struct ionode *n = iomdb_lookup(b, 6);
    assert_ptr_equal(n->parent, iomdb_lookup(r, 6));
    assert_ptr_equal(iomdb_lookup(c, 6)->parent, n);   /* the child moved along */
    assert_true(iomdb_unmap(b, 0, 16, false, 0));
    assert_false(c->allowed[6]);
    assert_true(c->allowed[5] && c->allowed[7]);
    check_db();
}

static void test_remap_replaces(void **state)
{
    (void)state;
    struct space *r = sp[1], *a = sp[2], *b = sp[3], *c = sp[4];
    iomdb_map(NULL, r, 0x100, 0x140, false, 0);
    iomdb_map(r, a, 0x100, 0x140, false, 0);
    iomdb_map(r, b, 0x100, 0x140, false, 0);
    iomdb_map(b, c, 0x100, 0x140, false, 0);
    iomdb_map(a, b, 0x110, 0x120, false, 0);      /* b's part from a now, c loses it */
    check_db();
    assert_true(b->allowed[0x110] && !c->allowed[0x110] && c->allowed[0x10f] &&
                c->allowed[0x120]);
    assert_ptr_equal(iomdb_lookup(b, 0x114)->parent->space, a);
    assert_ptr_equal(iomdb_lookup(b, 0x130)->parent->space, r);
    assert_ptr_equal(iomdb_lookup(c, 0x130)->parent, iomdb_lookup(b, 0x130));
    /* Mapping back up the chain does nothing. */
    iomdb_map(b, r, 0x100, 0x140, false, 0);
    assert_null(iomdb_lookup(r, 0x100)->parent);
    check_db();
}

static void test_budget(void **state)
{
    (void)state;
    iomdb_map(NULL, sp[1], 0, 4096, false, 0);
    for (int i = 2; i < NSP; i++)
        for (uint32_t p = 0; p < 4096; p += 4)
            iomdb_map(sp[i - 1], sp[i], p, p + 2, false, 0);
    check_db();
    int calls = 1;
    while (!iomdb_unmap(sp[1], 0, 4096, false, 3)) {
        calls++;
        check_db();
    }
    assert_true(calls > 100);
    for (int i = 2; i < NSP; i++)
        assert_null(sp[i]->list.head);
    check_db();
}

static void test_oom_never_more(void **state)
{
    (void)state;
    for (long f = 0; f < 12; f++) {
        iomdb_map(NULL, sp[1], 0, 64, false, 0);
        iomdb_map(sp[1], sp[2], 0, 64, false, 0);
        iomdb_map(sp[2], sp[3], 8, 40, false, 0);
        iomdb_map(sp[3], sp[4], 16, 32, false, 0);
        fail_after = f;
        iomdb_unmap(sp[1], 20, 24, false, 0);  /* splits needed */
        iomdb_map(sp[2], sp[5], 10, 12, true, 0);
        fail_after = -1;
        check_db();
        for (int i = 2; i < NSP; i++)
            for (uint32_t p = 20; p < 24; p++)
                assert_false(sp[i]->allowed[p]);
        for (int i = 1; i < NSP; i++)
            assert_true(iomdb_space_destroy(sp[i], 0));
        memset(sp[1], 0, sizeof(struct space));
        check_db();
    }
}

/* ---- model ----------------------------------------------------------- */

#define MP    1024u                     /* ports modelled: [0, MP) */
#define NONE  (-2)
#define ROOT  (-1)
static int par[NSP][MP];                /* NONE, ROOT or the parent space */

static bool m_holds(int s, uint32_t p)
{
    return s == 0 ? !io_port_reserved(p) : par[s][p] != NONE;
}

static void m_remove(int s, uint32_t p)
{
    for (int t = 1; t < NSP; t++)
        if (par[t][p] == s)
            m_remove(t, p);
    par[s][p] = NONE;
}

static bool m_above(int b, int a, uint32_t p)   /* b holds p by a or above */
{
    for (int x = a; x > 0; x = par[x][p])
        if (x == b)
            return true;
    return false;
}

static void m_map(int a, int b, uint32_t first, uint32_t end, bool grant)
{
    if (a == b || b == 0)
        return;
    for (uint32_t p = first; p < end && p < MP; p++) {
        if (!m_holds(a, p) || m_above(b, a, p))
            continue;
        bool g = grant && a != 0;
        if (!g && par[b][p] == (a ? a : ROOT))
            continue;
        if (par[b][p] != NONE)
            m_remove(b, p);
        if (g) {
            par[b][p] = par[a][p];
            for (int t = 1; t < NSP; t++)
                if (par[t][p] == a)
                    par[t][p] = b;
            par[a][p] = NONE;
        } else {
            par[b][p] = a ? a : ROOT;
        }
    }
}

static void m_unmap(int s, uint32_t first, uint32_t end, bool flush)
{
    for (uint32_t p = first; p < end && p < MP; p++) {
        if (!m_holds(s, p))
            continue;
        for (int t = 1; t < NSP; t++)
            if (par[t][p] == (s ? s : ROOT))
                m_remove(t, p);
        if (flush && s)
            par[s][p] = NONE;
    }
}

/* Every modelled port of every space: held or not, and from whom. Walks
 * each space's list alongside the ports (lookups would be quadratic). */
static void compare_model(void)
{
    static struct ionode *at[NSP][MP];
    check_db();
    for (int s = 1; s < NSP; s++) {
        struct ionode *n = sp[s]->list.head;
        for (uint32_t p = 0; p < MP; p++) {
            while (n && n->last < p)
                n = n->snext;
            at[s][p] = n && n->first <= p ? n : NULL;
            assert_int_equal(at[s][p] != NULL, par[s][p] != NONE);
        }
    }
    for (int s = 1; s < NSP; s++)
        for (uint32_t p = 0; p < MP; p++) {
            if (par[s][p] == ROOT)
                assert_null(at[s][p]->parent);
            else if (par[s][p] != NONE)
                assert_ptr_equal(at[s][p]->parent, at[par[s][p]][p]);
        }
}

static uint32_t rnd_state = 2026;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* An I/O fpage: mostly small, within the modelled ports. */
static void rnd_range(uint32_t *first, uint32_t *end)
{
    unsigned log2 = rnd(10) < 8 ? rnd(6) : rnd(11);
    uint32_t n = 1u << log2;
    *first = rnd(MP) & ~(n - 1);
    *end = *first + n;
}

static void test_random(void **state)
{
    (void)state;
    for (int s = 0; s < NSP; s++)
        for (uint32_t p = 0; p < MP; p++)
            par[s][p] = NONE;
    long steps = 0;
    check_end = MP;         /* no range reaches past MP */
    for (int round = 0; round < 20000; round++) {
        uint32_t first, end;
        rnd_range(&first, &end);
        int a = (int)rnd(NSP), b = (int)rnd(NSP);
        unsigned op = rnd(20);
        if (op < 9) {
            bool grant = op >= 6;
            if (b) {        /* the kernel never maps to sigma0 */
                uint32_t limit = rnd(2) ? 0 : 1 + rnd(4);
                while (iomdb_map(S(a), sp[b], first, end, grant, limit) == IOMDB_EBUDGET)
                    ;
                m_map(a, b, first, end, grant);
            }
        } else if (op < 17) {
            bool flush = op >= 14;
            uint32_t limit = rnd(2) ? 0 : 1 + rnd(4);
            while (!iomdb_unmap(S(a), first, end, flush, limit))
                ;
            m_unmap(a, first, end, flush);
        } else if (a != 0) {
            uint32_t limit = rnd(2) ? 0 : 1 + rnd(4);
            while (!iomdb_space_destroy(sp[a], limit))
                ;
            /* A new space in the same memory (what the kernel would do). */
            memset(sp[a], 0, sizeof(struct space));
            for (uint32_t p = 0; p < MP; p++)
                if (par[a][p] != NONE)
                    m_remove(a, p);
        }
        compare_model();
        steps++;
    }
    compare_model();
    check_end = IO_PORTS;
    assert_int_equal(steps, 20000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_map_from_nothing),
        T(test_sigma0_skips_reserved),
        T(test_wrong_parent),
        T(test_deleted_mapper),
        T(test_grant_moves),
        T(test_remap_replaces),
        T(test_budget),
        T(test_oom_never_more),
        T(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
