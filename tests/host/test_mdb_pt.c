/* Tests for kernel/mdb_pt.c: the mdb's page-table callbacks (rights to PTE
 * bits, accessed bits back to R/W) and the refill of a lost PTE on a fault.
 * Runs the real mdb.c over fake page tables (a small table of entries per
 * directory) and a fake kmem (calloc). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mdb.h"
#include "mdb_pt.h"
#include "kmem.h"
#include "space.h"
#include "arch/ia32/paging.h"
#include "l4/abi.h"

#define R L4ABI_FPAGE_R
#define W L4ABI_FPAGE_W
#define X L4ABI_FPAGE_X

/* ---- fake kmem ---- */
void *kmem_alloc(size_t size, enum kmem_kind kind)
{
    (void)kind;
    return calloc(1, size);
}
void kmem_free(void *p, size_t size, enum kmem_kind kind)
{
    (void)size;
    (void)kind;
    free(p);
}

/* ---- fake page tables: entries keyed by (directory, page base) ---- */
#define NPTE 64
static struct { uint32_t *pd; uint32_t va, entry; unsigned log2; } pt[NPTE];
static bool no_page_tables;             /* pd_map of 4 KiB fails */

static int find(const uint32_t *pd, uint32_t va, unsigned log2)
{
    for (int i = 0; i < NPTE; i++)
        if (pt[i].pd == pd && pt[i].entry && pt[i].log2 == log2 &&
            pt[i].va == (va & ~((1u << log2) - 1)))
            return i;
    return -1;
}

void kmem_bug(const char *what, const void *p)
{
    fail_msg("kmem_bug: %s (%p)", what, p);
}

/* The page tables are tested as a cache that may lose entries: reserving
 * always succeeds here (test_mdb covers a refused reservation). */
bool pd_reserve(uint32_t *pd, struct kmem_acct *acct, uint32_t va, unsigned log2)
{
    (void)pd;
    (void)acct;
    (void)va;
    (void)log2;
    return true;
}

int pd_map(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa, unsigned log2,
           uint32_t flags)
{
    (void)acct;
    if (log2 == 12 && no_page_tables)
        return -1;
    int i = find(pd, va, log2);
    for (int j = 0; i < 0 && j < NPTE; j++)
        if (!pt[j].entry)
            i = j;
    assert_true(i >= 0);
    pt[i].pd = pd;
    pt[i].va = va;
    pt[i].log2 = log2;
    pt[i].entry = pa | (flags & (PTE_W | PTE_A | PTE_D)) | PTE_P | PTE_U |
                  (log2 == 22 ? PTE_PS : 0);
    return 0;
}

bool pd_map_new(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa, uint32_t flags)
{
    return pd_map(pd, acct, va, pa, 12, flags) == 0;
}

uint32_t pd_lookup(const uint32_t *pd, uint32_t va, unsigned *log2)
{
    int i = find(pd, va, 22);
    if (i < 0)
        i = find(pd, va, 12);
    if (i < 0)
        return 0;
    if (log2)
        *log2 = pt[i].log2;
    return pt[i].entry;
}

uint32_t pd_remove(uint32_t *pd, uint32_t va, unsigned log2)
{
    int i = find(pd, va, log2);
    if (i < 0)
        return 0;
    uint32_t old = pt[i].entry;
    pt[i].entry = 0;
    return old;
}

uint32_t pd_protect(uint32_t *pd, uint32_t va, unsigned log2, bool writable)
{
    int i = find(pd, va, log2);
    if (i < 0)
        return 0;
    uint32_t old = pt[i].entry;
    pt[i].entry = (old & ~(PTE_W | PTE_A | PTE_D)) | (writable ? PTE_W : 0);
    return old;
}

static uint32_t pd0[1], pd1[1];
static struct space s0 = { .pd = pd0, .kmem = { 0, KMEM_UNLIMITED } },
                    s1 = { .pd = pd1, .kmem = { 0, KMEM_UNLIMITED } };

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < NPTE; i++)
        pt[i].entry = 0;
    no_page_tables = false;
    assert_int_equal(mdb_add_root(&s0, 0x100000, 12, R | W | X), MDB_OK);
    assert_int_equal(mdb_add_root(&s0, 0x400000, 22, R | W | X), MDB_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mdb_space_destroy(&s1);
    mdb_space_destroy(&s0);
    assert_null(s0.mdb);
    assert_null(s1.mdb);
    return 0;
}

static void test_rights_to_pte(void **state)
{
    (void)state;
    assert_int_equal(pd_lookup(pd0, 0x100000, NULL) & (PTE_P | PTE_W), PTE_P | PTE_W);
    unsigned l;
    assert_true(pd_lookup(pd0, 0x400000 + 0x1234, &l) & PTE_PS);
    assert_int_equal(l, 22);
    assert_int_equal(mdb_map(&s0, 0x100000, &s1, 0x8000, 12, R | X, false), MDB_OK);
    uint32_t e = pd_lookup(pd1, 0x8000, NULL);
    assert_true(e & PTE_P);
    assert_false(e & PTE_W);
    assert_int_equal(e & PTE_ADDR, 0x100000);
    /* Upgrade: the same frame from the same node, now with W. */
    assert_int_equal(mdb_map(&s0, 0x100000, &s1, 0x8000, 12, W, false), MDB_OK);
    assert_true(pd_lookup(pd1, 0x8000, NULL) & PTE_W);
}

static void test_accessed_bits(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(&s0, 0x100000, &s1, 0x8000, 12, R | W, false), MDB_OK);
    pt[find(pd1, 0x8000, 12)].entry |= PTE_A;
    assert_int_equal(mdb_unmap(&s0, 0x100000, 12, 0, false), R);
    assert_int_equal(mdb_unmap(&s0, 0x100000, 12, 0, false), 0);
    pt[find(pd1, 0x8000, 12)].entry |= PTE_A | PTE_D;
    /* Revoking W: the PTE loses W, the bits come back as R|W. */
    assert_int_equal(mdb_unmap(&s0, 0x100000, 12, W, false), R | W);
    uint32_t e = pd_lookup(pd1, 0x8000, NULL);
    assert_true(e & PTE_P);
    assert_false(e & (PTE_W | PTE_A | PTE_D));
    pt[find(pd1, 0x8000, 12)].entry |= PTE_D;
    assert_int_equal(mdb_unmap(&s0, 0x100000, 12, R | W | X, false), W);
    assert_int_equal(pd_lookup(pd1, 0x8000, NULL), 0);
}

static void test_refill(void **state)
{
    (void)state;
    no_page_tables = true;          /* the PTE cannot be made */
    assert_int_equal(mdb_map(&s0, 0x400000, &s1, 0x20000, 12, R, false), MDB_OK);
    assert_non_null(mdb_lookup(&s1, 0x20000));
    assert_int_equal(pd_lookup(pd1, 0x20000, NULL), 0);
    assert_false(mdb_refill(&s1, 0x20000, R));      /* still no page table */
    no_page_tables = false;
    assert_false(mdb_refill(&s1, 0x20000, W));      /* node is read-only */
    assert_true(mdb_refill(&s1, 0x20123, R));
    assert_int_equal(pd_lookup(pd1, 0x20000, NULL) & PTE_ADDR, 0x400000);
    assert_false(mdb_refill(&s1, 0x20000, R));      /* present: a real fault */
    assert_false(mdb_refill(&s1, 0x30000, R));      /* no mapping at all */

    /* A stale read-only PTE under a writable node is refreshed. */
    assert_int_equal(mdb_map(&s0, 0x100000, &s1, 0x8000, 12, R | W, false), MDB_OK);
    pt[find(pd1, 0x8000, 12)].entry &= ~PTE_W;
    assert_true(mdb_refill(&s1, 0x8000, W));
    assert_true(pd_lookup(pd1, 0x8000, NULL) & PTE_W);

    /* 4 MiB: the whole superpage PTE comes back. */
    assert_int_equal(mdb_map(&s0, 0x400000, &s1, 0x800000, 22, R | W, false), MDB_OK);
    pd_remove(pd1, 0x800000, 22);
    assert_true(mdb_refill(&s1, 0x9ff000, W));
    unsigned l;
    assert_true(pd_lookup(pd1, 0x800000, &l) & PTE_W);
    assert_int_equal(l, 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rights_to_pte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessed_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refill, setup, teardown),
    };
    return cmocka_run_group_tests_name("mdb_pt", tests, NULL, NULL);
}
