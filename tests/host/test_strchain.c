/* Tests for kernel/strchain.c: X.2 string descriptor chains (simple,
 * compound, buffer-register direction), malformed chains, addresses
 * outside user space, and byte location checked against a brute-force
 * concatenation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strchain.h"
#include "l4/abi.h"

#define TOP 0xc0000000u
#define HDR(len, n, c) L4ABI_STRITEM_W0(len, n, c, 0)

static void test_simple(void **state)
{
    (void)state;
    uint32_t w[] = { HDR(100, 1, 0), 0x1000, 0xdead };
    uint32_t out[STRCHAIN_MAX], len = 0, addr, left;
    bool bad = false;
    assert_int_equal(strchain_copy(w, 1, 3, TOP, out, &len, &bad), 2);
    assert_int_equal(len, 100);
    assert_false(bad);
    strchain_locate(out, 0, &addr, &left);
    assert_int_equal(addr, 0x1000);
    assert_int_equal(left, 100);
    strchain_locate(out, 99, &addr, &left);
    assert_int_equal(addr, 0x1000 + 99);
    assert_int_equal(left, 1);
}

static void test_compound(void **state)
{
    (void)state;
    /* 3 x 10 bytes, then 2 x 7 bytes: 44 bytes in 7 words. */
    uint32_t w[] = { HDR(10, 3, 1), 0x100, 0x200, 0x300, HDR(7, 2, 0), 0x400, 0x500 };
    uint32_t out[STRCHAIN_MAX], len, addr, left;
    bool bad = false;
    assert_int_equal(strchain_copy(w, 1, 7, TOP, out, &len, &bad), 7);
    assert_int_equal(len, 44);
    assert_false(bad);
    strchain_locate(out, 10, &addr, &left);
    assert_int_equal(addr, 0x200);
    assert_int_equal(left, 10);
    strchain_locate(out, 31, &addr, &left);
    assert_int_equal(addr, 0x401);
    assert_int_equal(left, 6);
    strchain_locate(out, 43, &addr, &left);
    assert_int_equal(addr, 0x506);
    assert_int_equal(left, 1);
}

/* With no output array the chain is only checked and measured; the walk
 * then locates bytes in the (snapshot) words themselves. */
static void test_measure_only(void **state)
{
    (void)state;
    uint32_t w[] = { HDR(10, 3, 1), 0x100, 0x200, 0x300, HDR(7, 2, 0), 0x400, 0x500 };
    uint32_t len = 0, addr, left;
    bool bad = false;
    assert_int_equal(strchain_copy(w, 1, 7, TOP, NULL, &len, &bad), 7);
    assert_int_equal(len, 44);
    assert_false(bad);
    strchain_locate(w, 31, &addr, &left);
    assert_int_equal(addr, 0x401);
    uint32_t far[] = { HDR(0x2000, 1, 0), TOP - 0x1000 };
    assert_int_equal(strchain_copy(far, 1, 2, TOP, NULL, &len, &bad), 2);
    assert_true(bad);
    assert_int_equal(strchain_copy(w, 1, 6, TOP, NULL, &len, &bad), 0);
}

/* Buffer registers run downwards in the UTCB: word k at words[-k]. */
static void test_buffer_direction(void **state)
{
    (void)state;
    uint32_t brs[4] = { 0x3000, 0x2000, HDR(50, 2, 0), 0xffffffff };
    uint32_t out[STRCHAIN_MAX], len;
    bool bad = false;
    assert_int_equal(strchain_copy(&brs[2], -1, 3, TOP, out, &len, &bad), 3);
    assert_int_equal(len, 100);
    assert_int_equal(out[1], 0x2000);
    assert_int_equal(out[2], 0x3000);
    assert_false(bad);
}

static void test_malformed(void **state)
{
    (void)state;
    uint32_t out[STRCHAIN_MAX], len;
    bool bad = false;
    /* pointers run past the limit */
    uint32_t a[] = { HDR(8, 3, 0), 1, 2 };
    assert_int_equal(strchain_copy(a, 1, 3, TOP, out, &len, &bad), 0);
    /* c set but nothing follows */
    uint32_t b[] = { HDR(8, 1, 1), 0x10 };
    assert_int_equal(strchain_copy(b, 1, 2, TOP, out, &len, &bad), 0);
    /* a continuation that is a map item, not a string header */
    uint32_t c[] = { HDR(8, 1, 1), 0x10, L4ABI_MAPITEM_W0(0, 0), 0 };
    assert_int_equal(strchain_copy(c, 1, 4, TOP, out, &len, &bad), 0);
    /* limit 0 */
    assert_int_equal(strchain_copy(a, 1, 0, TOP, out, &len, &bad), 0);
    /* the limit is capped at STRCHAIN_MAX even if the caller says more */
    uint32_t big[70];
    for (int i = 0; i < 70; i++)
        big[i] = HDR(1, 1, 1);
    assert_int_equal(strchain_copy(big, 1, 70, TOP, out, &len, &bad), 0);
}

static void test_addresses(void **state)
{
    (void)state;
    uint32_t out[STRCHAIN_MAX], len;
    struct { uint32_t len, addr; bool bad; } cases[] = {
        { 16, 0xc0000000u, true },          /* kernel space */
        { 16, 0xbffffff0u, false },         /* ends exactly at the top */
        { 17, 0xbffffff0u, true },          /* one byte over */
        { 0x2000, 0xfffff000u, true },      /* wraps around */
        { 0, 0xc0000000u, false },          /* empty: never touched */
        { 0, 0, false },
        { L4ABI_STRITEM_MAX_LEN, 0, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t w[] = { HDR(cases[i].len, 1, 0), cases[i].addr };
        bool bad = false;
        assert_int_equal(strchain_copy(w, 1, 2, TOP, out, &len, &bad), 2);
        assert_int_equal(bad, cases[i].bad);
        assert_int_equal(len, cases[i].len);
    }
    /* one bad substring among good ones taints the chain */
    uint32_t w[] = { HDR(4, 2, 1), 0x10, 0x20, HDR(4, 1, 0), 0xbffffffe };
    bool bad = false;
    assert_int_equal(strchain_copy(w, 1, 5, TOP, out, &len, &bad), 5);
    assert_true(bad);
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random chains: every byte located where the concatenation puts it. */
static void test_random_locate(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        uint32_t w[STRCHAIN_MAX], k = 0, total = 0;
        uint32_t flat_addr[2048];
        for (;;) {
            uint32_t n = 1 + rnd() % 4, sl = rnd() % 9;
            bool more = k + 1 + n + 6 < STRCHAIN_MAX && rnd() % 3;
            w[k] = HDR(sl, n, more);
            for (uint32_t i = 1; i <= n; i++) {
                w[k + i] = 0x10000u * (k + i);
                for (uint32_t b = 0; b < sl; b++)
                    flat_addr[total + (i - 1) * sl + b] = w[k + i] + b;
            }
            total += n * sl;
            k += 1 + n;
            if (!more)
                break;
        }
        uint32_t out[STRCHAIN_MAX], len;
        bool bad = false;
        assert_int_equal(strchain_copy(w, 1, k, TOP, out, &len, &bad), k);
        assert_int_equal(len, total);
        for (uint32_t off = 0; off < total; off++) {
            uint32_t addr, left;
            strchain_locate(out, off, &addr, &left);
            assert_int_equal(addr, flat_addr[off]);
            /* the substring runs contiguously to its end, inside the string */
            assert_true(left >= 1 && off + left <= total);
            assert_int_equal(flat_addr[off + left - 1], addr + left - 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_compound),
        cmocka_unit_test(test_measure_only),
        cmocka_unit_test(test_buffer_direction),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_random_locate),
    };
    return cmocka_run_group_tests_name("strchain", tests, NULL, NULL);
}
