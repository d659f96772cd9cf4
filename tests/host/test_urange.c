/* Tests for lib/urange.h, the range rule of map items (kernel/map.c's
 * range_ok and page_ok are urange_ok): against a 64-bit reference on edge
 * cases and random inputs within the rule's preconditions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "urange.h"

#define USER_LIMIT 0xC0000000u  /* kernel/arch/ia32/layout.h's */
#define K4 0x1000u

/* The rule written with 64-bit ends: [va, end) inside [0, limit), not
 * overlapping the KIP page [kip, kip + 4 KiB) nor [ub, ub + us). */
static bool ref_ok(uint32_t va, unsigned log2, uint32_t limit, bool kip_set, uint32_t kip,
                   uint32_t ub, uint32_t us)
{
    uint64_t end = (uint64_t)va + ((uint64_t)1 << log2);
    if (end > limit)
        return false;
    if (kip_set && kip < end && (uint64_t)kip + K4 > va)
        return false;
    if (us && ub < end && (uint64_t)ub + us > va)
        return false;
    return true;
}

static unsigned checked, refused;

static void check(uint32_t va, unsigned log2, uint32_t limit, bool kip_set, uint32_t kip,
                  uint32_t ub, uint32_t us)
{
    bool want = ref_ok(va, log2, limit, kip_set, kip, ub, us);
    bool got = urange_ok(va, log2, limit, kip_set, kip, ub, us);
    if (got != want)
        fail_msg("urange_ok(va %#x, log2 %u, limit %#x, kip %d %#x, utcb %#x+%#x) = %d, "
                 "want %d", va, log2, limit, kip_set, kip, ub, us, got, want);
    checked++;
    refused += !want;
}

/* Every piece size and a spread of places: the ends of user space, the
 * last aligned piece of the address space, and the areas just before, at,
 * inside, across and just after the piece. */
static void test_edges(void **state)
{
    (void)state;
    const uint32_t limits[] = { USER_LIMIT, 0xfffff000u, 0x80000000u, K4, 0x400000u };
    for (unsigned li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
        uint32_t limit = limits[li];
        for (unsigned log2 = 12; log2 <= 32; log2++) {
            uint64_t size = (uint64_t)1 << log2;
            uint32_t mask = (uint32_t)(size - 1);
            uint64_t vas[] = { 0, limit - size, limit, (uint64_t)limit - 2 * size,
                               0xffffffffu & ~mask, 0x80000000u & ~mask, size, 2 * size };
            for (unsigned vi = 0; vi < sizeof(vas) / sizeof(vas[0]); vi++) {
                if (vas[vi] > 0xffffffffu || (vas[vi] & mask))
                    continue;
                uint32_t va = (uint32_t)vas[vi];
                /* Places for the KIP page and the UTCB area's start. */
                uint64_t at[] = { (uint64_t)va - K4, va, (uint64_t)va + size - K4, (uint64_t)va + size,
                                  (uint64_t)va + K4, 0, (uint64_t)limit - K4, (uint64_t)va - 2 * K4 };
                const uint32_t sizes[] = { K4, 2 * K4, 0x10000u, 0x400000u, 0x40000000u };
                check(va, log2, limit, false, 0, 0, 0);
                for (unsigned ki = 0; ki < sizeof(at) / sizeof(at[0]); ki++) {
                    uint64_t k = at[ki];
                    if (k + K4 <= limit)
                        check(va, log2, limit, true, (uint32_t)k, 0, 0);
                    for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
                        /* The area starting at k, and the area ending at
                         * k + 4 KiB (reaching down over the piece). */
                        uint64_t us = sizes[si];
                        if (k + us <= limit)
                            check(va, log2, limit, false, 0, (uint32_t)k, (uint32_t)us);
                        if (k + K4 >= us && k + K4 <= limit)
                            check(va, log2, limit, true, 0,
                                  (uint32_t)(k + K4 - us), (uint32_t)us);
                    }
                }
            }
        }
    }
    /* Both answers must have come up plenty of times. */
    assert_true(refused > 1000 && checked - refused > 1000);
}

static uint32_t rnd(void)
{
    return ((uint32_t)rand() << 16) ^ (uint32_t)rand();
}

/* A page below limit, near x with probability 1/2. */
static uint32_t page_near(uint32_t x, uint32_t limit)
{
    uint64_t p;
    if (rand() & 1)
        p = (uint64_t)x + (uint64_t)(int32_t)((rnd() % 64) * K4 - 32 * K4);
    else
        p = rnd();
    p &= ~(uint64_t)(K4 - 1);
    return p + K4 <= limit ? (uint32_t)p : (uint32_t)(limit - K4);
}

static void test_random(void **state)
{
    (void)state;
    srand(11);
    checked = refused = 0;
    for (int i = 0; i < 2000000; i++) {
        uint32_t limit = (i & 3) ? USER_LIMIT : ((rnd() | K4) & ~(K4 - 1));
        unsigned log2 = 12 + rnd() % 21;
        if (rand() % 4 == 0)
            log2 = 12 + rnd() % 3;              /* mostly pages, as in the kernel */
        uint64_t size = (uint64_t)1 << log2;
        uint32_t va = rnd() & ~(uint32_t)(size - 1);
        if (rand() & 1)                          /* near the limit */
            va = (uint32_t)((limit - size * (rnd() % 4)) & ~(size - 1));
        bool kip_set = rand() & 1;
        uint32_t kip = page_near(va, limit);
        uint32_t ub = page_near(va, limit), us = 0;
        if (rand() & 3) {
            uint32_t room = limit - ub;     /* at least a page */
            us = (uint32_t)((((uint64_t)rnd() % (room / K4)) + 1) * K4);
            if (rand() & 1 && room >= 4 * K4)
                us = K4 << (rnd() % 3);     /* small areas, often */
        }
        check(va, log2, limit, kip_set, kip, ub, us);
    }
    assert_true(refused > 100000 && checked - refused > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
