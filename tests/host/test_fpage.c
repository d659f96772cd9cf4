/* Tests for kernel/fpage.c: validity, base, complete fpage, the X.2
 * send-fpage/receive-window rule, hardware-page iteration and IO fpages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fpage.h"

#define FP(b, s, r) L4ABI_FPAGE(b, s, r)

static void test_validity(void **state)
{
    (void)state;
    assert_false(fpage_valid(L4ABI_NILPAGE));
    assert_true(fpage_valid(L4ABI_COMPLETE_FPAGE));
    assert_true(fpage_valid(L4ABI_COMPLETE_FPAGE | L4ABI_FPAGE_RWX));
    assert_int_equal(fpage_log2(L4ABI_COMPLETE_FPAGE), 32);
    assert_true(fpage_is_complete(L4ABI_COMPLETE_FPAGE | L4ABI_FPAGE_R));
    /* size field 1 with a nonzero base is not the complete fpage */
    assert_false(fpage_is_complete(FP(0x1000, 1, 0)));
    assert_false(fpage_valid(FP(0x1000, 1, 0)));
    /* 2^10, 2^11: encodable, but below the hardware page: ignored */
    assert_false(fpage_valid(FP(0x400, 10, 7)));
    assert_false(fpage_valid(FP(0x800, 11, 7)));
    assert_int_equal(fpage_log2(FP(0x800, 11, 7)), 0);
    for (unsigned s = 12; s <= 32; s++) {
        assert_true(fpage_valid(FP(0, s, 7)));
        assert_int_equal(fpage_log2(FP(0, s, 7)), s);
    }
    assert_false(fpage_valid(FP(0, 33, 7)));
    assert_false(fpage_valid(FP(0, 63, 7)));
    assert_false(fpage_valid(L4ABI_IOFPAGE(0, 4)));   /* size field 2 */
    assert_int_equal(fpage_rights(FP(0x1000, 12, 5)), 5);
}

static void test_base(void **state)
{
    (void)state;
    assert_int_equal(fpage_base(FP(0x12345000, 12, 7)), 0x12345000);
    assert_true(fpage_aligned(FP(0x12345000, 12, 7)));
    /* misaligned: low bits ignored */
    assert_int_equal(fpage_base(FP(0x12345000, 16, 7)), 0x12340000);
    assert_false(fpage_aligned(FP(0x12345000, 16, 7)));
    assert_int_equal(fpage_base(FP(0xfffff000, 32, 0)), 0);
    assert_false(fpage_aligned(FP(0xfffff000, 32, 0)));
    assert_true(fpage_aligned(FP(0, 32, 0)));
    assert_int_equal(fpage_base(FP(0xffc00000, 22, 0)), 0xffc00000);
    assert_int_equal(fpage_base(L4ABI_COMPLETE_FPAGE), 0);
    assert_true(fpage_aligned(L4ABI_COMPLETE_FPAGE));
    assert_int_equal(fpage_base(L4ABI_NILPAGE), 0);
    assert_false(fpage_aligned(L4ABI_NILPAGE));
}

static void test_make(void **state)
{
    (void)state;
    assert_int_equal(fpage_make(0x400000, 22, 7), FP(0x400000, 22, 7));
    assert_int_equal(fpage_make(0x401000, 22, 7), L4ABI_NILPAGE);
    assert_int_equal(fpage_make(0x400, 10, 7), L4ABI_NILPAGE);
    assert_int_equal(fpage_make(0, 33, 7), L4ABI_NILPAGE);
    uint32_t f = fpage_make(0, 32, 5);
    assert_int_equal(fpage_log2(f), 32);
    assert_int_equal(fpage_base(f), 0);
    assert_int_equal(fpage_rights(f), 5);
}

static void xfer(uint32_t snd, uint32_t hot, uint32_t rcv, uint32_t src,
                 uint32_t dst, unsigned log2)
{
    struct fpage_xfer x;
    assert_true(fpage_xfer(snd, hot, rcv, &x));
    assert_int_equal(x.src, src);
    assert_int_equal(x.dst, dst);
    assert_int_equal(x.log2, log2);
}

static void test_xfer(void **state)
{
    (void)state;
    struct fpage_xfer x;
    /* equal sizes: base to base, hot spot irrelevant */
    xfer(FP(0x10000, 16, 7), 0x12345678, FP(0x80000, 16, 0), 0x10000, 0x80000, 16);
    /* window larger: placed at window base + (hot mod 2^r), aligned to 2^s */
    xfer(FP(0x10000, 12, 7), 0x00005123, FP(0x80000000, 20, 0),
         0x10000, 0x80005000, 12);
    xfer(FP(0x10000, 16, 7), 0xabc5f123, FP(0x80000000, 20, 0),
         0x10000, 0x80050000, 16);
    /* window larger and complete: hot spot is the destination address */
    xfer(FP(0x10000, 12, 7), 0xdead1234, L4ABI_COMPLETE_FPAGE,
         0x10000, 0xdead1000, 12);
    /* send larger: the 2^r part of the send fpage the hot spot names */
    xfer(FP(0x400000, 22, 7), 0x00123456, FP(0x9000, 12, 0),
         0x523000, 0x9000, 12);
    xfer(FP(0x400000, 22, 7), 0xffc23456, FP(0x9000, 12, 0),
         0x423000, 0x9000, 12);
    xfer(FP(0x400000, 22, 7), 0x00123456, FP(0x80000000, 20, 0),
         0x500000, 0x80000000, 20);
    /* send complete, window smaller */
    xfer(L4ABI_COMPLETE_FPAGE | 7, 0xc0801234, FP(0x40000000, 22, 0),
         0xc0800000, 0x40000000, 22);
    /* both complete */
    xfer(L4ABI_COMPLETE_FPAGE | 7, 0x1234, L4ABI_COMPLETE_FPAGE, 0, 0, 32);
    /* misaligned bases are aligned down first */
    xfer(FP(0x10800, 12, 7), 0, FP(0x80123000, 16, 0), 0x10000, 0x80120000, 12);
    /* invalid: nothing */
    assert_false(fpage_xfer(L4ABI_NILPAGE, 0, L4ABI_COMPLETE_FPAGE, &x));
    assert_false(fpage_xfer(FP(0x1000, 12, 7), 0, L4ABI_NILPAGE, &x));
    assert_false(fpage_xfer(FP(0x400, 10, 7), 0, L4ABI_COMPLETE_FPAGE, &x));
}

static unsigned pieces(uint32_t src, uint32_t dst, unsigned log2,
                       unsigned *big, uint64_t *bytes)
{
    struct fpage_xfer x = { src, dst, log2 };
    struct fpage_iter it;
    uint32_t s, d;
    unsigned l, n = 0;
    uint64_t expect_s = src, expect_d = dst;
    *big = 0;
    *bytes = 0;
    fpage_iter_init(&it, &x);
    while (fpage_iter_next(&it, &s, &d, &l)) {
        assert_int_equal(s, (uint32_t)expect_s);     /* contiguous */
        assert_int_equal(d, (uint32_t)expect_d);
        assert_true(l == 12 || l == 22);
        if (l == 22) {
            assert_int_equal(s & 0x3fffff, 0);
            assert_int_equal(d & 0x3fffff, 0);
            (*big)++;
        }
        expect_s += 1ull << l;
        expect_d += 1ull << l;
        *bytes += 1ull << l;
        n++;
    }
    return n;
}

static void test_iter(void **state)
{
    (void)state;
    unsigned big;
    uint64_t bytes;
    assert_int_equal(pieces(0x1000, 0x5000, 12, &big, &bytes), 1);
    assert_int_equal(big, 0);
    assert_int_equal(pieces(0x10000, 0x20000, 16, &big, &bytes), 16);
    assert_int_equal(bytes, 0x10000);
    /* both 4 MiB aligned: superpages */
    assert_int_equal(pieces(0x800000, 0x400000, 23, &big, &bytes), 2);
    assert_int_equal(big, 2);
    /* the whole space: 1024 superpages, no wrap */
    assert_int_equal(pieces(0, 0, 32, &big, &bytes), 1024);
    assert_int_equal(bytes, 1ull << 32);
    /* the last 4 MiB of the space */
    assert_int_equal(pieces(0xffc00000, 0xffc00000, 22, &big, &bytes), 1);
    assert_int_equal(big, 1);
    assert_int_equal(pieces(0xfffff000, 0x1000, 12, &big, &bytes), 1);
}

static void test_io(void **state)
{
    (void)state;
    struct fpage_io io;
    assert_true(fpage_is_io(L4ABI_IOFPAGE(0x3f8, 3)));
    assert_false(fpage_is_io(FP(0x1000, 12, 7)));
    assert_false(fpage_is_io(L4ABI_COMPLETE_FPAGE));
    assert_true(fpage_io_decode(L4ABI_IOFPAGE(0x3f8, 3), &io));
    assert_int_equal(io.port, 0x3f8);
    assert_int_equal(io.count, 8);
    assert_true(fpage_io_decode(L4ABI_IOFPAGE_COMPLETE, &io));
    assert_int_equal(io.port, 0);
    assert_int_equal(io.count, 65536);
    /* at the end of the port space */
    assert_true(fpage_io_decode(L4ABI_IOFPAGE(0xffff, 0), &io));
    assert_int_equal(io.port, 0xffff);
    assert_int_equal(io.count, 1);
    assert_true(fpage_io_decode(L4ABI_IOFPAGE(0xff00, 8), &io));
    assert_int_equal(io.count, 256);
    assert_false(fpage_io_decode(L4ABI_IOFPAGE(0xff01, 8), &io));
    assert_false(fpage_io_decode(L4ABI_IOFPAGE(0xffff, 1), &io));
    assert_false(fpage_io_decode(L4ABI_IOFPAGE(1, 16), &io));
    assert_false(fpage_io_decode(L4ABI_IOFPAGE(0, 17), &io));
    assert_false(fpage_io_decode(L4ABI_IOFPAGE(0, 63), &io));
    /* unaligned but in range: accepted */
    assert_true(fpage_io_decode(L4ABI_IOFPAGE(0x3f9, 2), &io));
    assert_int_equal(io.port, 0x3f9);
    assert_int_equal(io.count, 4);
    assert_false(fpage_io_decode(FP(0x1000, 12, 7), &io));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_base),
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_xfer),
        cmocka_unit_test(test_iter),
        cmocka_unit_test(test_io),
    };
    return cmocka_run_group_tests_name("fpage", tests, NULL, NULL);
}
