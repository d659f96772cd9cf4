/* Tests for kernel/kmem.c. The page source is aligned_alloc with a live-page
 * counter and failure injection. The allocator's state persists between
 * tests (as in the kernel), so tests compare against counts taken at their
 * start. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kmem.h"

static int live_pages;              /* pages handed to kmem and not returned */
static int page_allocs;             /* calls to kmem_page_alloc */
static bool page_fail;              /* make kmem_page_alloc fail */

void *kmem_page_alloc(void)
{
    page_allocs++;
    if (page_fail)
        return NULL;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0, PAGE_SIZE);
    live_pages++;
    return p;
}

void kmem_page_free(void *page)
{
    assert_int_equal((uintptr_t)page & (PAGE_SIZE - 1), 0);
    live_pages--;
    free(page);
}

static int bugs;
static const char *bug_what;
static const void *bug_ptr;

void kmem_bug(const char *what, const void *p)
{
    bugs++;
    bug_what = what;
    bug_ptr = p;
}

static int setup(void **state)
{
    (void)state;
    bugs = 0;
    bug_what = NULL;
    bug_ptr = NULL;
    page_fail = false;
    return 0;
}

static size_t class_of(size_t size)
{
    size_t c = 32;
    while (c < size)
        c *= 2;
    return c;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct kmem_stats a, b;
    kmem_get_stats(&a);
    assert_null(kmem_alloc(0, KMEM_MISC));
    assert_null(kmem_alloc(PAGE_SIZE + 1, KMEM_MISC));
    assert_null(kmem_alloc((size_t)-1, KMEM_MISC));
    assert_null(kmem_alloc(32, KMEM_NKINDS));
    kmem_free(NULL, 64, KMEM_TCB);                  /* no-ops */
    int x;
    kmem_free(&x, 0, KMEM_TCB);
    kmem_get_stats(&b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(bugs, 0);
}

static void test_alloc_free_across_classes(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1, 31, 32, 33, 63, 64, 65, 100, 128, 255,
                                    256, 500, 512, 1000, 1024, 2047, 2048,
                                    2049, 4095, 4096 };
    void *p[ARRAY_SIZE(sizes)];
    struct kmem_stats before, mid, after;
    kmem_get_stats(&before);

    uint32_t bytes = 0;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        size_t c = class_of(sizes[i]);
        p[i] = kmem_alloc(sizes[i], KMEM_SPACE);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] & (c - 1), 0);    /* class-aligned */
        assert_true(all_zero(p[i], c));
        memset(p[i], (int)i + 1, c);                        /* whole class usable */
        bytes += (uint32_t)c;
    }
    kmem_get_stats(&mid);
    assert_int_equal(mid.bytes[KMEM_SPACE] - before.bytes[KMEM_SPACE], bytes);
    assert_int_equal(mid.objects[KMEM_SPACE] - before.objects[KMEM_SPACE],
                     ARRAY_SIZE(sizes));
    assert_int_equal(mid.pages, (uint32_t)live_pages);

    /* no object was overwritten by a neighbour */
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        const uint8_t *q = p[i];
        for (size_t j = 0; j < class_of(sizes[i]); j++)
            assert_int_equal(q[j], i + 1);
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        kmem_free(p[i], sizes[i], KMEM_SPACE);
    kmem_get_stats(&after);
    assert_int_equal(after.bytes[KMEM_SPACE], before.bytes[KMEM_SPACE]);
    assert_int_equal(after.objects[KMEM_SPACE], before.objects[KMEM_SPACE]);
    assert_int_equal(after.pages, (uint32_t)live_pages);
    assert_int_equal(bugs, 0);
}

static void test_reused_object_is_zeroed(void **state)
{
    (void)state;
    for (size_t c = 32; c <= PAGE_SIZE; c *= 2) {
        uint8_t *p = kmem_alloc(c, KMEM_MISC);
        assert_non_null(p);
        memset(p, 0xff, c);
        kmem_free(p, c, KMEM_MISC);
        uint8_t *q = kmem_alloc(c, KMEM_MISC);
        assert_non_null(q);
        if (c < PAGE_SIZE)
            assert_ptr_equal(p, q);             /* LIFO free list */
        assert_true(all_zero(q, c));
        kmem_free(q, c, KMEM_MISC);
    }
    assert_int_equal(bugs, 0);
}

static void test_accounting_per_kind(void **state)
{
    (void)state;
    struct kmem_stats base, s;
    kmem_get_stats(&base);
    void *objs[KMEM_NKINDS][3];
    for (int k = 0; k < KMEM_NKINDS; k++)
        for (int i = 0; i < 3; i++)
            assert_non_null(objs[k][i] = kmem_alloc(40u * (unsigned)(k + 1), (enum kmem_kind)k));
    kmem_get_stats(&s);
    for (int k = 0; k < KMEM_NKINDS; k++) {
        assert_int_equal(s.objects[k] - base.objects[k], 3);
        assert_int_equal(s.bytes[k] - base.bytes[k], 3 * class_of(40u * (unsigned)(k + 1)));
    }
    for (int k = 0; k < KMEM_NKINDS; k++)
        for (int i = 0; i < 3; i++)
            kmem_free(objs[k][i], 40u * (unsigned)(k + 1), (enum kmem_kind)k);
    kmem_get_stats(&s);
    for (int k = 0; k < KMEM_NKINDS; k++) {
        assert_int_equal(s.objects[k], base.objects[k]);
        assert_int_equal(s.bytes[k], base.bytes[k]);
    }

    /* names: distinct, and an invalid kind is named too */
    for (int k = 0; k < KMEM_NKINDS; k++) {
        assert_non_null(kmem_kind_name((enum kmem_kind)k));
        for (int j = 0; j < k; j++)
            assert_string_not_equal(kmem_kind_name((enum kmem_kind)j),
                                    kmem_kind_name((enum kmem_kind)k));
    }
    assert_string_equal(kmem_kind_name(KMEM_TCB), "tcb");
    assert_string_equal(kmem_kind_name(KMEM_NKINDS), "invalid");
    assert_int_equal(bugs, 0);
}

static void test_page_reuse(void **state)
{
    (void)state;
    enum { N = 300 };                           /* 64-byte objects: 63 per page */
    void *p[N];
    struct kmem_stats s0, s1, s2;
    kmem_get_stats(&s0);
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = kmem_alloc(64, KMEM_MAPNODE));
    kmem_get_stats(&s1);
    /* at most ceil(300/63) = 5 new pages (fewer if free objects existed) */
    assert_true(s1.pages - s0.pages <= (N + 62) / 63);
    assert_int_equal(s1.pages, (uint32_t)live_pages);

    /* freed objects are reused before any new page is taken */
    int calls = page_allocs;
    for (int i = 0; i < N; i += 2)
        kmem_free(p[i], 64, KMEM_MAPNODE);
    for (int i = 0; i < N; i += 2)
        assert_non_null(p[i] = kmem_alloc(64, KMEM_MAPNODE));
    assert_int_equal(page_allocs, calls);
    kmem_get_stats(&s2);
    assert_int_equal(s2.pages, s1.pages);

    /* pages left empty go back to the page source, but one per class */
    for (int i = 0; i < N; i++)
        kmem_free(p[i], 64, KMEM_MAPNODE);
    kmem_get_stats(&s2);
    assert_true(s2.pages <= s0.pages + 1);
    assert_int_equal(s2.pages, (uint32_t)live_pages);

    /* 4096-byte objects go straight back to the page source */
    int live = live_pages;
    kmem_get_stats(&s1);
    void *big = kmem_alloc(PAGE_SIZE, KMEM_PGTABLE);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big & (PAGE_SIZE - 1), 0);
    assert_int_equal(live_pages, live + 1);
    kmem_get_stats(&s2);
    assert_int_equal(s2.pages, s1.pages + 1);
    kmem_free(big, PAGE_SIZE, KMEM_PGTABLE);
    assert_int_equal(live_pages, live);
    kmem_get_stats(&s2);
    assert_int_equal(s2.pages, s1.pages);
    assert_int_equal(bugs, 0);
}

static void test_page_source_exhausted(void **state)
{
    (void)state;
    struct kmem_stats a, b;
    kmem_get_stats(&a);
    page_fail = true;
    assert_null(kmem_alloc(PAGE_SIZE, KMEM_FPU));
    /* drain the 2048 class's free objects, then it needs a page and fails */
    void *p[64];
    int n = 0;
    while (n < 64 && (p[n] = kmem_alloc(2048, KMEM_FPU)) != NULL)
        n++;
    assert_true(n < 64);
    assert_null(kmem_alloc(2048, KMEM_FPU));
    page_fail = false;
    while (n > 0)
        kmem_free(p[--n], 2048, KMEM_FPU);
    kmem_get_stats(&b);
    assert_memory_equal(&a, &b, sizeof(a));
    /* and it recovers once pages are available again */
    void *q = kmem_alloc(PAGE_SIZE, KMEM_FPU);
    assert_non_null(q);
    kmem_free(q, PAGE_SIZE, KMEM_FPU);
    assert_int_equal(bugs, 0);
}

static void test_misuse_reported(void **state)
{
    (void)state;
    struct kmem_stats a, b;
    uint8_t *p = kmem_alloc(128, KMEM_IRQ);
    assert_non_null(p);
    kmem_get_stats(&a);

    kmem_free(p + 8, 128, KMEM_IRQ);                /* not class-aligned */
    assert_int_equal(bugs, 1);
    assert_ptr_equal(bug_ptr, p + 8);
    kmem_free(p, 128, KMEM_NKINDS);                 /* bad kind */
    assert_int_equal(bugs, 2);
    kmem_free(p, 8192, KMEM_IRQ);                   /* bad size */
    assert_int_equal(bugs, 3);
    kmem_free(p, 128, KMEM_IOBITMAP);               /* kind never charged */
    assert_int_equal(bugs, 4);
    kmem_get_stats(&b);
    assert_memory_equal(&a, &b, sizeof(a));         /* nothing changed */

    /* q keeps the kind charged and p's page in use (so that the double
     * free below reads live memory) */
    void *q = kmem_alloc(128, KMEM_IRQ), *others[64];
    int no = 0;
    while (q && ((uintptr_t)q ^ (uintptr_t)p) >= PAGE_SIZE && no < 64) {
        others[no++] = q;
        q = kmem_alloc(128, KMEM_IRQ);
    }
    assert_non_null(q);
    assert_true(((uintptr_t)q ^ (uintptr_t)p) < PAGE_SIZE);
    while (no > 0)
        kmem_free(others[--no], 128, KMEM_IRQ);
    kmem_free(p, 128, KMEM_IRQ);                    /* the real free */
    assert_int_equal(bugs, 4);
    kmem_free(p, 128, KMEM_IRQ);                    /* double free */
    assert_int_equal(bugs, 5);
    assert_ptr_equal(bug_ptr, p);
    assert_non_null(strstr(bug_what, "double free"));
    kmem_free(q, 128, KMEM_IRQ);
    assert_int_equal(bugs, 5);

    /* p and q are each handed out once more, not twice */
    void *r1 = kmem_alloc(128, KMEM_IRQ), *r2 = kmem_alloc(128, KMEM_IRQ);
    void *r3 = kmem_alloc(128, KMEM_IRQ);
    assert_ptr_not_equal(r1, r2);
    assert_ptr_not_equal(r3, r1);
    assert_ptr_not_equal(r3, r2);
    kmem_free(r1, 128, KMEM_IRQ);
    kmem_free(r2, 128, KMEM_IRQ);
    kmem_free(r3, 128, KMEM_IRQ);
    assert_int_equal(bugs, 5);
}

/* Random alloc/free sequence against a model: each live object is filled
 * with its own tag and checked intact when freed (detects overlap), and the
 * per-kind statistics must equal the model's sums at every step. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { MAXLIVE = 2000 };
    static struct obj { uint8_t *p; size_t size; enum kmem_kind kind; uint8_t tag; } live[MAXLIVE];
    int n = 0;
    struct kmem_stats base, s;
    kmem_get_stats(&base);
    uint32_t bytes[KMEM_NKINDS] = { 0 }, objects[KMEM_NKINDS] = { 0 };
    uint32_t x = 0xdecafbad;

    for (int step = 0; step < 40000; step++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        bool grow = n == 0 || (n < MAXLIVE && (x & 0xff) < (step % 10000 < 6000 ? 160 : 96));
        if (grow) {
            size_t size = 1 + (x >> 8) % ((x >> 28) < 2 ? PAGE_SIZE : 300);
            enum kmem_kind kind = (enum kmem_kind)((x >> 20) % KMEM_NKINDS);
            size_t c = class_of(size);
            /* The smallest class half the time through kmem_alloc_min:
             * the same objects, zeroing and counts. */
            uint8_t *p = c == 32 && (x & 0x100) ? kmem_alloc_min(kind) : kmem_alloc(size, kind);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p & (c - 1), 0);
            assert_true(all_zero(p, c));
            uint8_t tag = (uint8_t)(1 + step % 255);
            memset(p, tag, c);
            live[n++] = (struct obj){ p, size, kind, tag };
            bytes[kind] += (uint32_t)c;
            objects[kind]++;
        } else {
            int k = (int)((x >> 8) % (uint32_t)n);
            struct obj o = live[k];
            live[k] = live[--n];
            size_t c = class_of(o.size);
            for (size_t i = 0; i < c; i++)
                if (o.p[i] != o.tag)
                    fail_msg("object %p byte %zu clobbered", (void *)o.p, i);
            kmem_free(o.p, o.size, o.kind);
            bytes[o.kind] -= (uint32_t)c;
            objects[o.kind]--;
        }
        if (step % 97 == 0) {
            kmem_get_stats(&s);
            for (int k = 0; k < KMEM_NKINDS; k++) {
                assert_int_equal(s.bytes[k] - base.bytes[k], bytes[k]);
                assert_int_equal(s.objects[k] - base.objects[k], objects[k]);
            }
            assert_int_equal(s.pages, (uint32_t)live_pages);
        }
    }
    while (n > 0) {
        struct obj o = live[--n];
        kmem_free(o.p, o.size, o.kind);
    }
    kmem_get_stats(&s);
    for (int k = 0; k < KMEM_NKINDS; k++) {
        assert_int_equal(s.bytes[k], base.bytes[k]);
        assert_int_equal(s.objects[k], base.objects[k]);
    }
    assert_int_equal(s.pages, (uint32_t)live_pages);
    assert_int_equal(bugs, 0);
}

/* A class's pages go back once empty: a burst of many objects leaves at
 * most one spare page per class behind, whatever order they are freed in,
 * and the spare page is used first afterwards. */
static void test_empty_pages_released(void **state)
{
    (void)state;
    enum { N = 5000 };                          /* 32-byte objects: 127 per page */
    static void *p[N];
    int live0 = live_pages;
    for (int i = 0; i < N; i++)
        assert_non_null(p[i] = kmem_alloc(32, KMEM_MAPNODE));
    assert_true(live_pages - live0 >= N / 127);
    uint32_t x = 12345;
    for (int i = N - 1; i > 0; i--) {           /* free in random order */
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        int j = (int)(x % (uint32_t)(i + 1));
        void *t = p[i]; p[i] = p[j]; p[j] = t;
    }
    for (int i = 0; i < N; i++)
        kmem_free(p[i], 32, KMEM_MAPNODE);
    assert_true(live_pages <= live0 + 1);
    int calls = page_allocs;
    void *q = kmem_alloc(32, KMEM_MAPNODE);
    assert_non_null(q);
    assert_true(page_allocs == calls || live_pages == live0 + 1);
    kmem_free(q, 32, KMEM_MAPNODE);
    /* one object alternately allocated and freed takes no page each time */
    calls = page_allocs;
    for (int i = 0; i < 100; i++) {
        q = kmem_alloc(512, KMEM_FPU);
        kmem_free(q, 512, KMEM_FPU);
    }
    assert_true(page_allocs - calls <= 1);
    assert_int_equal(bugs, 0);
}

/* kmem_alloc_min is kmem_alloc(32): it grows the class when the list is
 * empty, takes the cached empty page's objects (the page is no longer
 * spare), its objects are freed as 32-byte ones and give their pages back,
 * and the counts are kmem_alloc's. */
static void test_alloc_min(void **state)
{
    (void)state;
    enum { N = 3000 };                          /* 127 per page: 24 pages */
    static uint8_t *p[N];
    int live0 = live_pages;
    struct kmem_stats a, b;
    kmem_get_stats(&a);
    for (int i = 0; i < N; i++) {
        /* every other object by kmem_alloc, sharing the list */
        p[i] = i & 1 ? kmem_alloc(32, KMEM_MAPNODE) : kmem_alloc_min(KMEM_MAPNODE);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] & 31, 0);
        assert_true(all_zero(p[i], 32));
        memset(p[i], 0xa5, 32);
    }
    kmem_get_stats(&b);
    assert_int_equal(b.bytes[KMEM_MAPNODE] - a.bytes[KMEM_MAPNODE], N * 32);
    assert_int_equal(b.objects[KMEM_MAPNODE] - a.objects[KMEM_MAPNODE], N);
    assert_true(live_pages - live0 >= N / 127 && live_pages - live0 <= N / 127 + 2);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N && j < i + 200; j++)
            assert_ptr_not_equal(p[i], p[j]);
    for (int i = 0; i < N; i += 2)              /* the min ones first */
        kmem_free(p[i], 32, KMEM_MAPNODE);
    for (int i = 1; i < N; i += 2)
        kmem_free(p[i], 32, KMEM_MAPNODE);
    kmem_get_stats(&b);
    assert_int_equal(b.bytes[KMEM_MAPNODE], a.bytes[KMEM_MAPNODE]);
    assert_int_equal(b.objects[KMEM_MAPNODE], a.objects[KMEM_MAPNODE]);
    assert_true(live_pages <= live0 + 1);       /* at most the spare page */
    /* Alternating allocation and free at the spare page takes no page. */
    int calls = page_allocs;
    for (int i = 0; i < 300; i++) {
        uint8_t *q = kmem_alloc_min(KMEM_MAPNODE);
        assert_non_null(q);
        assert_true(all_zero(q, 32));
        memset(q, 0x5a, 32);
        kmem_free(q, 32, KMEM_MAPNODE);
    }
    assert_true(page_allocs - calls <= 1);
    /* A spare page's object makes it a used page: freeing everything
     * else must not give it back while the object lives. */
    uint8_t *q = kmem_alloc_min(KMEM_MAPNODE);
    assert_non_null(q);
    uint8_t *r[300];
    for (int i = 0; i < 300; i++)
        assert_non_null(r[i] = kmem_alloc_min(KMEM_MAPNODE));
    for (int i = 0; i < 300; i++)
        kmem_free(r[i], 32, KMEM_MAPNODE);
    memset(q, 0x77, 32);                        /* still ours (ASan) */
    kmem_free(q, 32, KMEM_MAPNODE);
    assert_true(live_pages <= live0 + 1);
    /* Out of pages: NULL, nothing counted. */
    kmem_get_stats(&a);
    page_fail = true;
    int n = 0;
    while ((q = kmem_alloc_min(KMEM_MAPNODE))) {
        assert_true(n < N);
        p[n++] = q;
    }
    page_fail = false;
    while (n > 0)
        kmem_free(p[--n], 32, KMEM_MAPNODE);
    kmem_get_stats(&b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(bugs, 0);
}

/* The slab header lets kmem_free catch a wrong size and a header slot. */
static void test_header_misuse(void **state)
{
    (void)state;
    uint8_t *p = kmem_alloc(64, KMEM_MISC), *q = kmem_alloc(64, KMEM_MISC);
    assert_non_null(p);
    assert_non_null(q);
    struct kmem_stats a, b;
    kmem_get_stats(&a);
    kmem_free(p, 32, KMEM_MISC);                /* 64-byte object freed as 32 */
    assert_int_equal(bugs, 1);
    assert_non_null(strstr(bug_what, "class"));
    uint8_t *hdr = (uint8_t *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));
    kmem_free(hdr, 64, KMEM_MISC);              /* the header slot */
    assert_int_equal(bugs, 2);
    assert_ptr_equal(bug_ptr, hdr);
    kmem_get_stats(&b);
    assert_memory_equal(&a, &b, sizeof(a));
    kmem_free(p, 64, KMEM_MISC);
    kmem_free(q, 64, KMEM_MISC);
    assert_int_equal(bugs, 2);
}

/* Accounts (kmem.h): charges are size classes, a charge that would pass
 * the limit fails with nothing charged or allocated, frees uncharge, and
 * uncharging more than is charged is reported. */
static void test_accounts(void **state)
{
    (void)state;
    struct kmem_acct a = { 0, 4096 + 512 };
    struct kmem_stats s0, s1;
    kmem_get_stats(&s0);
    assert_int_equal(kmem_class_size(1), 32);
    assert_int_equal(kmem_class_size(31), 32);
    assert_int_equal(kmem_class_size(33), 64);
    assert_int_equal(kmem_class_size(300), 512);
    assert_int_equal(kmem_class_size(4096), 4096);
    void *pt = kmem_alloc_acct(&a, 4096, KMEM_PGTABLE);
    void *sp = kmem_alloc_acct(&a, 300, KMEM_SPACE);
    assert_non_null(pt);
    assert_non_null(sp);
    assert_int_equal(a.used, 4096 + 512);
    assert_null(kmem_alloc_acct(&a, 1, KMEM_MAPNODE));     /* full */
    assert_int_equal(a.used, 4096 + 512);
    kmem_get_stats(&s1);
    assert_int_equal(s1.objects[KMEM_MAPNODE], s0.objects[KMEM_MAPNODE]);
    kmem_free_acct(&a, sp, 300, KMEM_SPACE);
    assert_int_equal(a.used, 4096);
    assert_true(kmem_acct_room(&a, 512));
    assert_false(kmem_acct_room(&a, 513));
    assert_true(kmem_acct_charge(&a, 512));                /* frames outside kmem */
    assert_false(kmem_acct_charge(&a, 1));
    kmem_acct_sub(&a, 512);
    a.limit = 100;                              /* below what it holds */
    assert_false(kmem_acct_room(&a, 0));
    assert_null(kmem_alloc_acct(&a, 32, KMEM_MAPNODE));
    kmem_free_acct(&a, pt, 4096, KMEM_PGTABLE); /* giving back always works */
    assert_int_equal(a.used, 0);
    assert_non_null(pt = kmem_alloc_acct(NULL, 64, KMEM_MISC));    /* no account */
    kmem_free_acct(NULL, pt, 64, KMEM_MISC);
    a.limit = KMEM_UNLIMITED;
    a.used = 0xfffff000u;
    assert_true(kmem_acct_charge(&a, 0xfff));
    assert_false(kmem_acct_charge(&a, 2));     /* no wrap-around */
    assert_int_equal(bugs, 0);
    a.used = 10;
    kmem_acct_sub(&a, 11);
    assert_int_equal(bugs, 1);
    assert_int_equal(a.used, 0);
    kmem_get_stats(&s1);
    assert_memory_equal(s0.bytes, s1.bytes, sizeof(s0.bytes));
    assert_memory_equal(s0.objects, s1.objects, sizeof(s0.objects));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_bad_requests),
        T(test_alloc_free_across_classes),
        T(test_reused_object_is_zeroed),
        T(test_accounting_per_kind),
        T(test_page_reuse),
        T(test_page_source_exhausted),
        T(test_misuse_reported),
        T(test_random_against_model),
        T(test_empty_pages_released),
        T(test_header_misuse),
        T(test_alloc_min),
        T(test_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
