/* Tests for kernel/frame.c, driven from a memory map with holes, unaligned
 * edges, reserved and kernel regions, and RAM crossing FRAME_LIMIT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"

#define NFRAMES (FRAME_LIMIT / PAGE_SIZE)

/* frame_bug hook: the kernel panics; here the event is recorded. */
static int bugs;
static const char *bug_what;
static paddr_t bug_addr;

void frame_bug(const char *what, paddr_t p)
{
    bugs++;
    bug_what = what;
    bug_addr = p;
}

static struct memmap map;

/* Expected usable frames (see setup):
 *   [0x0, 0x9fc00) avail       -> frames 1..0x9e (frame 0 never; partial 0x9f)
 *   [0x100000, 0x400000) avail, [0x100000, 0x180000) kernel -> 0x180..0x3ff
 *   [0x500800, 0x508800) avail -> whole frames 0x501..0x507
 *   [0x1ff00000, 0x30000000) avail -> 0x1ff00..0x1ffff (clamped at the limit) */
#define EXPECTED_TOTAL (0x9e + 0x280 + 7 + 0x100)

static int setup(void **state)
{
    (void)state;
    memmap_init(&map);
    assert_int_equal(memmap_add(&map, 0x0, 0x9fc00, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x9fc00, 0x60400, MEM_RESERVED), 0);
    assert_int_equal(memmap_add(&map, 0x100000, 0x300000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x100000, 0x80000, MEM_KERNEL), 0);
    assert_int_equal(memmap_add(&map, 0x500800, 0x8000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x1ff00000, 0x10100000, MEM_AVAILABLE), 0);
    frame_init(&map);
    bugs = 0;
    bug_what = NULL;
    bug_addr = 0;
    return 0;
}

/* True if the frame at p is one frame_init should have made usable. */
static bool frame_is_ram(paddr_t p)
{
    return p != 0 && p < FRAME_LIMIT &&
           memmap_range_is(&map, p, PAGE_SIZE, MEM_AVAILABLE);
}

static void test_init_counts(void **state)
{
    (void)state;
    assert_int_equal(frame_total_count(), EXPECTED_TOTAL);
    assert_int_equal(frame_free_count(), EXPECTED_TOTAL);
}

static void test_alloc_all_only_ram_then_exhausted(void **state)
{
    (void)state;
    static uint8_t seen[NFRAMES];
    memset(seen, 0, sizeof(seen));
    uint32_t n = 0;
    paddr_t p;
    while ((p = frame_alloc()) != 0) {
        assert_int_equal(p & (PAGE_SIZE - 1), 0);
        assert_true(frame_is_ram(p));
        assert_int_equal(seen[p / PAGE_SIZE], 0);       /* never twice */
        seen[p / PAGE_SIZE] = 1;
        n++;
        assert_int_equal(frame_free_count(), EXPECTED_TOTAL - n);
        assert_true(n <= EXPECTED_TOTAL);
    }
    assert_int_equal(n, EXPECTED_TOTAL);
    assert_int_equal(frame_free_count(), 0);
    assert_int_equal(frame_alloc(), 0);                 /* stays exhausted */
    assert_int_equal(frame_alloc_order(1), 0);
    assert_int_equal(frame_total_count(), EXPECTED_TOTAL);
    /* every RAM frame was handed out */
    for (uint32_t f = 0; f < NFRAMES; f++)
        if (seen[f] != frame_is_ram(f * PAGE_SIZE))
            fail_msg("frame %#x: seen %d ram %d", f, seen[f],
                     frame_is_ram(f * PAGE_SIZE));
    assert_int_equal(bugs, 0);
}

static void test_free_and_realloc(void **state)
{
    (void)state;
    paddr_t a = frame_alloc(), b = frame_alloc();
    assert_int_equal(a, 0x1000);                        /* lowest first */
    assert_int_equal(b, 0x2000);
    frame_free(a);
    assert_int_equal(frame_free_count(), EXPECTED_TOTAL - 1);
    assert_int_equal(frame_alloc(), a);                 /* reused */

    /* after exhaustion, a freed high frame is found again */
    while (frame_alloc() != 0)
        ;
    frame_free(0x1ff80000);
    assert_int_equal(frame_free_count(), 1);
    assert_int_equal(frame_alloc(), 0x1ff80000);
    /* and a freed low frame too (the search hint moves back down) */
    frame_free(0x3000);
    assert_int_equal(frame_alloc(), 0x3000);
    assert_int_equal(frame_alloc(), 0);
    assert_int_equal(bugs, 0);
}

static void test_bad_frees_reported(void **state)
{
    (void)state;
    paddr_t a = frame_alloc();
    assert_int_not_equal(a, 0);
    frame_free(a);
    uint32_t free_before = frame_free_count();

    frame_free(a);                                      /* double free */
    assert_int_equal(bugs, 1);
    assert_int_equal(bug_addr, a);
    assert_non_null(strstr(bug_what, "double free"));
    assert_int_equal(frame_free_count(), free_before);

    a = frame_alloc();
    frame_free(a + 0x10);                               /* unaligned */
    assert_int_equal(bugs, 2);
    assert_int_equal(bug_addr, a + 0x10);
    assert_non_null(strstr(bug_what, "unaligned"));
    assert_int_equal(frame_free_count(), free_before - 1);

    frame_free(0x150000);                               /* kernel image: not RAM */
    assert_int_equal(bugs, 3);
    assert_int_equal(bug_addr, 0x150000);
    frame_free(0);                                      /* frame 0 */
    assert_int_equal(bugs, 4);
    frame_free(FRAME_LIMIT);                            /* beyond the bitmap */
    assert_int_equal(bugs, 5);
    frame_free(0xfffff000u);
    assert_int_equal(bugs, 6);
    assert_int_equal(frame_free_count(), free_before - 1);

    /* the kernel-image frame is still never handed out */
    paddr_t p;
    while ((p = frame_alloc()) != 0)
        assert_true(frame_is_ram(p));
    assert_int_equal(bugs, 6);
}

static void test_alloc_order_alignment(void **state)
{
    (void)state;
    for (unsigned order = 1; order <= 8; order++) {
        uint32_t before = frame_free_count();
        paddr_t p = frame_alloc_order(order);
        uint32_t n = 1u << order;
        assert_int_not_equal(p, 0);
        assert_int_equal(p & ((n * PAGE_SIZE) - 1), 0);  /* naturally aligned */
        assert_true(memmap_range_is(&map, p, n * PAGE_SIZE, MEM_AVAILABLE));
        assert_int_equal(frame_free_count(), before - n);
        /* every frame of the run is now allocated: freeing one then the
         * run again would be a double free */
        frame_free_order(p, order);
        assert_int_equal(frame_free_count(), before);
        assert_int_equal(frame_alloc_order(order), p);  /* same run again */
    }
    /* 4 MiB aligned runs: none (low memory has holes, top region is 1 MiB) */
    assert_int_equal(frame_alloc_order(10), 0);
    assert_int_equal(frame_alloc_order(18), 0);          /* beyond any run */
    assert_int_equal(bugs, 0);
}

static void test_alloc_order_exact_runs(void **state)
{
    (void)state;
    /* The only 512-frame aligned run is 0x200000..0x400000; after it, the
     * only 256-frame run left is the top region. */
    assert_int_equal(frame_alloc_order(10), 0);
    paddr_t p = frame_alloc_order(9);
    assert_int_equal(p, 0x200000);
    assert_int_equal(frame_alloc_order(9), 0);
    assert_int_equal(frame_alloc_order(8), 0x1ff00000);
    assert_int_equal(frame_alloc_order(8), 0);
    assert_int_equal(frame_alloc_order(7), 0x180000);
    frame_free_order(p, 9);
    assert_int_equal(frame_alloc_order(8), 0x200000);
    assert_int_equal(frame_alloc_order(8), 0x300000);
    assert_int_equal(bugs, 0);

    /* 7 frames at 0x501..0x507: order 2 runs only at 0x504 there */
    memmap_init(&map);
    assert_int_equal(memmap_add(&map, 0x500800, 0x8000, MEM_AVAILABLE), 0);
    frame_init(&map);
    assert_int_equal(frame_total_count(), 7);
    assert_int_equal(frame_alloc_order(2), 0x504000);
    assert_int_equal(frame_alloc_order(2), 0);
    assert_int_equal(frame_alloc_order(1), 0x502000);
    assert_int_equal(frame_alloc_order(1), 0);          /* 0x500 is not RAM */
    assert_int_equal(frame_alloc(), 0x501000);
    assert_int_equal(frame_alloc(), 0);
}

static void test_free_order_checks(void **state)
{
    (void)state;
    paddr_t p = frame_alloc_order(3);
    assert_int_not_equal(p, 0);
    uint32_t before = frame_free_count();

    frame_free_order(p + PAGE_SIZE, 3);                 /* misaligned for order */
    assert_int_equal(bugs, 1);
    assert_int_equal(frame_free_count(), before);

    frame_free(p + 3 * PAGE_SIZE);                      /* hole in the run */
    assert_int_equal(frame_free_count(), before + 1);
    frame_free_order(p, 3);                             /* partly free: bug */
    assert_int_equal(bugs, 2);
    assert_int_equal(bug_addr, p + 3 * PAGE_SIZE);
    assert_int_equal(frame_free_count(), before + 1);   /* nothing freed */

    frame_free_order(p, 99);                            /* bad order */
    assert_int_equal(bugs, 3);

    /* orders 0 and 1 of the rest are fine */
    frame_free_order(p, 1);
    frame_free(p + 2 * PAGE_SIZE);
    frame_free_order(p + 4 * PAGE_SIZE, 2);
    assert_int_equal(frame_free_count(), before + 8);
    assert_int_equal(bugs, 3);
}

/* Random alloc/free sequence checked against a per-frame model. */
static void test_random_against_model(void **state)
{
    (void)state;
    static uint8_t owned[NFRAMES];
    struct block { paddr_t p; unsigned order; } held[4096];
    int nheld = 0;
    uint32_t in_use = 0;
    uint32_t x = 0xc0ffee;
    memset(owned, 0, sizeof(owned));

    for (int step = 0; step < 50000; step++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        bool do_alloc = nheld == 0 || (nheld < (int)ARRAY_SIZE(held) &&
                                        (x & 0xff) < (step % 4000 < 2000 ? 170 : 90));
        if (do_alloc) {
            unsigned order = (x >> 8) % 8 == 0 ? (x >> 11) % 5 : 0;
            paddr_t p = frame_alloc_order(order);
            uint32_t n = 1u << order;
            if (p == 0) {
                /* order 0 fails only when truly exhausted */
                if (order == 0)
                    assert_int_equal(in_use, EXPECTED_TOTAL);
                continue;
            }
            assert_int_equal(p & (n * PAGE_SIZE - 1), 0);
            for (uint32_t i = 0; i < n; i++) {
                assert_true(frame_is_ram(p + i * PAGE_SIZE));
                assert_int_equal(owned[p / PAGE_SIZE + i], 0);
                owned[p / PAGE_SIZE + i] = 1;
            }
            in_use += n;
            held[nheld++] = (struct block){ p, order };
        } else {
            int k = (int)((x >> 8) % (uint32_t)nheld);
            struct block b = held[k];
            held[k] = held[--nheld];
            frame_free_order(b.p, b.order);
            for (uint32_t i = 0; i < (1u << b.order); i++)
                owned[b.p / PAGE_SIZE + i] = 0;
            in_use -= 1u << b.order;
        }
        assert_int_equal(frame_free_count(), EXPECTED_TOTAL - in_use);
    }
    while (nheld > 0) {
        nheld--;
        frame_free_order(held[nheld].p, held[nheld].order);
    }
    assert_int_equal(frame_free_count(), EXPECTED_TOTAL);
    assert_int_equal(frame_total_count(), EXPECTED_TOTAL);
    assert_int_equal(bugs, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_counts),
        T(test_alloc_all_only_ram_then_exhausted),
        T(test_free_and_realloc),
        T(test_bad_frees_reported),
        T(test_alloc_order_alignment),
        T(test_alloc_order_exact_runs),
        T(test_free_order_checks),
        T(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
