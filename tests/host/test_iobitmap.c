/* Tests for kernel/iobitmap.c (I/O bitmap updates, I/O fpage ranges,
 * reserved ports) and for decoding I/O instructions the way the I/O-fault
 * path does (kernel/x86decode.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "iobitmap.h"
#include "x86decode.h"
#include "l4/abi.h"

static uint8_t pages[2][IOBM_PAGE_BYTES] __attribute__((aligned(4096)));
static struct iobm bm = { { pages[0], pages[1] } };

static void deny_all(void)
{
    memset(pages, 0xff, sizeof(pages));
}

static void test_set_and_query(void **state)
{
    (void)state;
    deny_all();
    assert_false(iobm_allowed(&bm, 0x3f8, 1));
    iobm_set(&bm, 0x3f8, 8, true);
    assert_true(iobm_allowed(&bm, 0x3f8, 8));
    assert_false(iobm_allowed(&bm, 0x3f7, 2));
    assert_false(iobm_allowed(&bm, 0x3ff, 2));
    assert_int_equal(pages[0][0x3f8 / 8], 0x00);      /* one whole byte */
    assert_int_equal(pages[0][0x3f0 / 8], 0xff);
    iobm_set(&bm, 0x3fa, 1, false);
    assert_false(iobm_allowed(&bm, 0x3f8, 8));
    assert_true(iobm_allowed(&bm, 0x3f8, 2));
    assert_int_equal(pages[0][0x3f8 / 8], 0x04);
}

static void test_page_boundary(void **state)
{
    (void)state;
    deny_all();
    /* ports 32764..32771 straddle the two bitmap pages */
    iobm_set(&bm, 32764, 8, true);
    assert_true(iobm_allowed(&bm, 32764, 8));
    assert_int_equal(pages[0][IOBM_PAGE_BYTES - 1], 0x0f);
    assert_int_equal(pages[1][0], 0xf0);
}

static void test_end_of_space(void **state)
{
    (void)state;
    deny_all();
    iobm_set(&bm, 0xfff8, 100, true);       /* clipped at 0x10000 */
    assert_true(iobm_allowed(&bm, 0xfff8, 8));
    assert_int_equal(pages[1][IOBM_PAGE_BYTES - 1], 0x00);
    assert_false(iobm_allowed(&bm, 0xfffe, 4));     /* leaves the space */
    assert_false(iobm_allowed(&bm, 0x10000, 1));
    iobm_set(&bm, 0x10000, 1, false);               /* ignored */
    iobm_set(&bm, 0, 0x10000, true);
    assert_true(iobm_allowed(&bm, 0, 0x10000));
    iobm_set(&bm, 0, 0x10000, false);
    for (unsigned i = 0; i < IOBM_PAGE_BYTES; i++)
        assert_int_equal(pages[0][i] & pages[1][i], 0xff);
}

static void test_fpage_range(void **state)
{
    (void)state;
    uint32_t first, n;
    assert_true(io_fpage_range(L4ABI_IOFPAGE(0x3f8, 3), &first, &n));
    assert_int_equal(first, 0x3f8);
    assert_int_equal(n, 8);
    assert_true(io_fpage_range(L4ABI_IOFPAGE(0x3fb, 3), &first, &n));
    assert_int_equal(first, 0x3f8);                 /* aligned down */
    assert_true(io_fpage_range(L4ABI_IOFPAGE(0, 16), &first, &n));
    assert_int_equal(first, 0);
    assert_int_equal(n, 0x10000);
    assert_false(io_fpage_range(L4ABI_IOFPAGE(0, 17), &first, &n));
    assert_false(io_fpage_range(L4ABI_FPAGE(0x1000, 12, 7), &first, &n));
}

static void test_fpage_cover(void **state)
{
    (void)state;
    assert_int_equal(io_fpage_cover(0x71, 1), L4ABI_IOFPAGE(0x71, 0));
    assert_int_equal(io_fpage_cover(0x80, 2), L4ABI_IOFPAGE(0x80, 1));
    assert_int_equal(io_fpage_cover(0x80, 4), L4ABI_IOFPAGE(0x80, 2));
    assert_int_equal(io_fpage_cover(0xfff9, 2), L4ABI_IOFPAGE(0xfff8, 2));
    assert_int_equal(io_fpage_cover(0x3ff, 2), L4ABI_IOFPAGE(0x0, 11));
    assert_int_equal(io_fpage_cover(0xfffc, 4), L4ABI_IOFPAGE(0xfffc, 2));
}

static void test_reserved(void **state)
{
    (void)state;
    const uint32_t kernel[] = { 0x20, 0x21, 0xa0, 0xa1, 0x40, 0x43, 0x61, 0xf4, 0xf7, 0x8900 };
    const uint32_t free_ports[] = { 0x1f, 0x22, 0x60, 0x64, 0x70, 0x3f8, 0xf8, 0x8901, 0xffff };
    for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
        assert_true(io_port_reserved(kernel[i]));
    for (size_t i = 0; i < sizeof(free_ports) / sizeof(free_ports[0]); i++)
        assert_false(io_port_reserved(free_ports[i]));
}

/* The I/O-fault path decodes with x86_decode (kernel/x86decode.c); the
 * port comes from dx or the immediate as in io_fault (ioport.c). */
static bool is_io(enum x86_op op)
{
    return op == X86_IN || op == X86_OUT || op == X86_INS || op == X86_OUTS;
}

static void decode_ok(const uint8_t *code, uint32_t len, uint32_t edx, uint32_t port,
                      uint32_t size, bool out, bool string, uint32_t ilen)
{
    struct x86_insn in;
    assert_int_equal(x86_decode(code, len, false, &in), ilen);
    assert_true(is_io(in.op));
    assert_int_equal(in.port_dx ? (edx & 0xffff) : in.port, port);
    assert_int_equal(in.size, size);
    assert_int_equal(in.op == X86_OUT || in.op == X86_OUTS, out);
    assert_int_equal(in.op == X86_INS || in.op == X86_OUTS, string);
}

static void test_decode(void **state)
{
    (void)state;
    const uint8_t inb_imm[] = { 0xe4, 0x71 }, inw_imm[] = { 0x66, 0xe5, 0x80 },
                  inl_imm[] = { 0xe5, 0x80 }, outb_imm[] = { 0xe6, 0x80 },
                  outl_imm[] = { 0xe7, 0x40 }, inb_dx[] = { 0xec }, inw_dx[] = { 0x66, 0xed },
                  outl_dx[] = { 0xef }, outb_dx[] = { 0xee }, insb[] = { 0x6c },
                  rep_insw[] = { 0xf3, 0x66, 0x6d }, outsl[] = { 0x6f },
                  seg_outsb[] = { 0x2e, 0x6e };
    decode_ok(inb_imm, 2, 0, 0x71, 1, false, false, 2);
    decode_ok(inw_imm, 3, 0, 0x80, 2, false, false, 3);
    decode_ok(inl_imm, 2, 0, 0x80, 4, false, false, 2);
    decode_ok(outb_imm, 2, 0, 0x80, 1, true, false, 2);
    decode_ok(outl_imm, 2, 0, 0x40, 4, true, false, 2);
    decode_ok(inb_dx, 1, 0x123403f8, 0x3f8, 1, false, false, 1);   /* only %dx */
    decode_ok(inw_dx, 2, 0xfffe, 0xfffe, 2, false, false, 2);
    decode_ok(outl_dx, 1, 0xfffc, 0xfffc, 4, true, false, 1);
    decode_ok(outb_dx, 1, 0x3ff, 0x3ff, 1, true, false, 1);
    decode_ok(insb, 1, 0xfff9, 0xfff9, 1, false, true, 1);
    decode_ok(rep_insw, 3, 0xfffe, 0xfffe, 2, false, true, 3);
    decode_ok(outsl, 1, 0x60, 0x60, 4, true, true, 1);
    decode_ok(seg_outsb, 2, 0xffff, 0xffff, 1, true, true, 2);
}

static void test_decode_rejects(void **state)
{
    (void)state;
    struct x86_insn in;
    const uint8_t cli[] = { 0xfa }, hlt[] = { 0xf4 }, truncated[] = { 0xe4 },
                  only_prefixes[] = { 0x66, 0xf3, 0x66 }, mov[] = { 0x89, 0xc0 };
    uint8_t long_prefix[16];
    memset(long_prefix, 0x66, sizeof(long_prefix));
    long_prefix[15] = 0xec;                 /* beyond the 15-byte limit */
    assert_true(x86_decode(cli, 1, false, &in) == 1 && !is_io(in.op));
    assert_true(x86_decode(hlt, 1, false, &in) == 1 && !is_io(in.op));
    assert_int_equal(x86_decode(truncated, 1, false, &in), X86D_TRUNCATED);
    assert_int_equal(x86_decode(only_prefixes, 3, false, &in), X86D_TRUNCATED);
    assert_int_equal(x86_decode(mov, 2, false, &in), X86D_UNSUPPORTED);
    assert_true(x86_decode(long_prefix, 16, false, &in) < 0);
    assert_int_equal(x86_decode(cli, 0, false, &in), X86D_TRUNCATED);
}

/* io_fault reads into the next page only while the result is TRUNCATED. */
static void test_decode_needs_more(void **state)
{
    (void)state;
    struct x86_insn in;
    const uint8_t pre[] = { 0x66, 0xf3 }, imm[] = { 0x66, 0xe5 }, dx[] = { 0xec },
                  cli[] = { 0xfa }, pre_cli[] = { 0x66, 0xfa };
    uint8_t many[15];
    memset(many, 0x66, sizeof(many));
    assert_int_equal(x86_decode(pre, 2, false, &in), X86D_TRUNCATED);
    assert_int_equal(x86_decode(imm, 2, false, &in), X86D_TRUNCATED);
    assert_int_equal(x86_decode(cli, 0, false, &in), X86D_TRUNCATED);
    assert_int_equal(x86_decode(dx, 1, false, &in), 1);
    assert_int_equal(x86_decode(cli, 1, false, &in), 1);
    assert_int_equal(x86_decode(pre_cli, 2, false, &in), 2);
    assert_true(x86_decode(many, 15, false, &in) != X86D_TRUNCATED);
    assert_int_equal(x86_decode(many, 14, false, &in), X86D_TRUNCATED);
}

/* iobm_set (word-wise, masks at the edges) against a bit-by-bit model,
 * random ranges across the page boundary and the ends. */
static void test_set_random(void **state)
{
    (void)state;
    static bool model[IO_PORTS];
    uint32_t seed = 14;
    deny_all();
    memset(model, 0, sizeof(model));        /* false = denied */
    for (int i = 0; i < 4000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t first = (seed >> 8) % IO_PORTS;
        if (i % 3 == 0)
            first = 32768 - 40 + (first % 80);  /* around the page boundary */
        seed = seed * 1103515245u + 12345u;
        uint32_t n = (seed >> 8) % (i % 7 == 0 ? 70000 : 200);
        bool allow = (seed >> 4) & 1;
        iobm_set(&bm, first, n, allow);
        for (uint32_t p = first; p < first + n && p < IO_PORTS; p++)
            model[p] = allow;
        if (i % 50 == 0)
            for (uint32_t p = 0; p < IO_PORTS; p++)
                assert_int_equal(iobm_allowed(&bm, p, 1), model[p]);
    }
}

/* The unreserved runs of the whole port space: the complement of the
 * reserved ranges, in order. */
static void test_free_runs(void **state)
{
    (void)state;
    uint32_t p = 0, e, count = 0, ports = 0, reserved = 0;
    while (io_free_run(&p, IO_PORTS, &e)) {
        assert_true(p < e);
        for (uint32_t q = p; q < e; q++)
            assert_false(io_port_reserved(q));
        assert_true(e == IO_PORTS || io_port_reserved(e));
        ports += e - p;
        count++;
        p = e;
    }
    for (uint32_t q = 0; q < IO_PORTS; q++)
        reserved += io_port_reserved(q);
    assert_int_equal(count, 7);
    assert_int_equal(ports + reserved, IO_PORTS);
    p = 0x20;                                   /* starts inside a reserved range */
    assert_true(io_free_run(&p, 0x30, &e));
    assert_int_equal(p, 0x22);
    assert_int_equal(e, 0x30);
    p = 0x40;
    assert_false(io_free_run(&p, 0x44, &e));    /* nothing but reserved */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_query),
        cmocka_unit_test(test_set_random),
        cmocka_unit_test(test_free_runs),
        cmocka_unit_test(test_page_boundary),
        cmocka_unit_test(test_end_of_space),
        cmocka_unit_test(test_fpage_range),
        cmocka_unit_test(test_fpage_cover),
        cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_decode_needs_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
