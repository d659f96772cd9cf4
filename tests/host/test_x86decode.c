/* Tests for kernel/x86decode.c: every supported instruction form, prefixes,
 * 16-bit defaults, memory operands, and rejection of truncated, invalid
 * and unsupported encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>

#include "x86decode.h"

static struct x86_insn in;

static int dec(const char *bytes, size_t n)
{
    return x86_decode((const uint8_t *)bytes, n, false, &in);
}
#define DEC(s) dec(s, sizeof(s) - 1)

static void test_simple(void **state)
{
    (void)state;
    assert_int_equal(DEC("\xfa"), 1); assert_int_equal(in.op, X86_CLI);
    assert_int_equal(DEC("\xfb"), 1); assert_int_equal(in.op, X86_STI);
    assert_int_equal(DEC("\xf4"), 1); assert_int_equal(in.op, X86_HLT);
    assert_int_equal(DEC("\x9c"), 1); assert_int_equal(in.op, X86_PUSHF);
    assert_int_equal(in.size, 4);
    assert_int_equal(DEC("\x66\x9d"), 2); assert_int_equal(in.op, X86_POPF);
    assert_int_equal(in.size, 2);
    assert_int_equal(DEC("\xcf"), 1); assert_int_equal(in.op, X86_IRET);
    assert_int_equal(in.size, 4);
    assert_int_equal(DEC("\xcc"), 1); assert_int_equal(in.op, X86_INT3);
    assert_int_equal(in.vector, 3);
    assert_int_equal(DEC("\xce"), 1); assert_int_equal(in.op, X86_INTO);
    assert_int_equal(DEC("\xcd\x30"), 2); assert_int_equal(in.op, X86_INT);
    assert_int_equal(in.vector, 0x30);
    /* Trailing bytes are not part of the instruction. */
    assert_int_equal(DEC("\xfa\x90\x90"), 1);
    assert_int_equal(in.len, 1);
}

static void test_io(void **state)
{
    (void)state;
    assert_int_equal(DEC("\xe4\x60"), 2);
    assert_int_equal(in.op, X86_IN); assert_int_equal(in.size, 1);
    assert_false(in.port_dx); assert_int_equal(in.port, 0x60);
    assert_int_equal(DEC("\xe5\x71"), 2);
    assert_int_equal(in.op, X86_IN); assert_int_equal(in.size, 4);
    assert_int_equal(DEC("\x66\xe5\x71"), 3);
    assert_int_equal(in.size, 2);
    assert_int_equal(DEC("\xe6\x80"), 2);
    assert_int_equal(in.op, X86_OUT); assert_int_equal(in.size, 1);
    assert_int_equal(DEC("\xe7\x80"), 2);
    assert_int_equal(in.op, X86_OUT); assert_int_equal(in.size, 4);
    assert_int_equal(DEC("\xec"), 1);
    assert_int_equal(in.op, X86_IN); assert_true(in.port_dx); assert_int_equal(in.size, 1);
    assert_int_equal(DEC("\xed"), 1); assert_int_equal(in.size, 4);
    assert_int_equal(DEC("\x66\xed"), 2); assert_int_equal(in.size, 2);
    assert_int_equal(DEC("\xee"), 1);
    assert_int_equal(in.op, X86_OUT); assert_int_equal(in.size, 1);
    assert_int_equal(DEC("\x66\xef"), 2);
    assert_int_equal(in.op, X86_OUT); assert_int_equal(in.size, 2);
}

static void test_string_io(void **state)
{
    (void)state;
    assert_int_equal(DEC("\x6c"), 1);
    assert_int_equal(in.op, X86_INS); assert_int_equal(in.size, 1);
    assert_false(in.rep); assert_int_equal(in.seg, X86_ES);
    assert_int_equal(DEC("\xf3\x6d"), 2);
    assert_int_equal(in.op, X86_INS); assert_int_equal(in.size, 4); assert_true(in.rep);
    assert_int_equal(DEC("\xf3\x66\x6f"), 3);
    assert_int_equal(in.op, X86_OUTS); assert_int_equal(in.size, 2);
    assert_true(in.rep); assert_int_equal(in.seg, X86_DS);
    assert_int_equal(DEC("\x26\x6e"), 2);
    assert_int_equal(in.op, X86_OUTS); assert_int_equal(in.seg, X86_ES);
    assert_int_equal(DEC("\x67\x6e"), 2); assert_true(in.addr16);
    /* ins ignores segment overrides: it always writes es:di. */
    assert_int_equal(DEC("\x64\x6c"), 2); assert_int_equal(in.seg, X86_ES);
}

static void test_cr(void **state)
{
    (void)state;
    assert_int_equal(DEC("\x0f\x22\xd8"), 3);   /* mov %eax, %cr3 */
    assert_int_equal(in.op, X86_MOV_TO_CR);
    assert_int_equal(in.cr, 3); assert_int_equal(in.gpr, 0);
    assert_int_equal(DEC("\x0f\x20\xc3"), 3);   /* mov %cr0, %ebx */
    assert_int_equal(in.op, X86_MOV_FROM_CR);
    assert_int_equal(in.cr, 0); assert_int_equal(in.gpr, 3);
    assert_int_equal(DEC("\x0f\x22\xe7"), 3);   /* mov %edi, %cr4 */
    assert_int_equal(in.cr, 4); assert_int_equal(in.gpr, 7);
    assert_int_equal(DEC("\x0f\x20\xd0"), 3);   /* mov %cr2, %eax */
    assert_int_equal(in.cr, 2);
    assert_int_equal(DEC("\x0f\x22\xc8"), X86D_INVALID);   /* cr1 */
    assert_int_equal(DEC("\x0f\x22\xe8"), X86D_INVALID);   /* cr5 */
    assert_int_equal(DEC("\x0f\x20\xf8"), X86D_INVALID);   /* cr7 */
}

static void test_lidt(void **state)
{
    (void)state;
    assert_int_equal(DEC("\x0f\x01\x18"), 3);   /* lidt (%eax) */
    assert_int_equal(in.op, X86_LIDT);
    assert_int_equal(in.mem.base, 0); assert_int_equal(in.mem.index, X86_REG_NONE);
    assert_int_equal(in.mem.disp, 0); assert_int_equal(in.mem.seg, X86_DS);
    assert_int_equal(DEC("\x0f\x01\x1d\x78\x56\x34\x12"), 7);  /* lidt 0x12345678 */
    assert_int_equal(in.mem.base, X86_REG_NONE);
    assert_int_equal(in.mem.disp, 0x12345678);
    assert_int_equal(DEC("\x0f\x01\x5d\xf8"), 4);               /* lidt -8(%ebp) */
    assert_int_equal(in.mem.base, 5); assert_int_equal(in.mem.disp, -8);
    assert_int_equal(in.mem.seg, X86_SS);
    assert_int_equal(DEC("\x0f\x01\x9c\x8e\x00\x01\x00\x00"), 8); /* lidt 0x100(%esi,%ecx,4) */
    assert_int_equal(in.mem.base, 6); assert_int_equal(in.mem.index, 1);
    assert_int_equal(in.mem.scale, 4); assert_int_equal(in.mem.disp, 0x100);
    assert_int_equal(DEC("\x0f\x01\x1c\x24"), 4);               /* lidt (%esp) */
    assert_int_equal(in.mem.base, 4); assert_int_equal(in.mem.index, X86_REG_NONE);
    assert_int_equal(in.mem.seg, X86_SS);
    assert_int_equal(DEC("\x0f\x01\x1c\x25\x00\x10\x00\x00"), 8); /* lidt 0x1000(,%eiz) */
    assert_int_equal(in.mem.base, X86_REG_NONE); assert_int_equal(in.mem.disp, 0x1000);
    assert_int_equal(DEC("\x65\x0f\x01\x10"), 4);               /* lgdt %gs:(%eax) */
    assert_int_equal(in.op, X86_LGDT); assert_int_equal(in.mem.seg, X86_GS);
    /* Register form (0f 01 d8 is vmrun on AMD): not ours. */
    assert_int_equal(DEC("\x0f\x01\xd8"), X86D_UNSUPPORTED);
    assert_int_equal(DEC("\x0f\x01\x08"), X86D_UNSUPPORTED);   /* sidt */
}

static void test_16bit(void **state)
{
    (void)state;
    assert_int_equal(x86_decode((const uint8_t *)"\x9c", 1, true, &in), 1);
    assert_int_equal(in.size, 2);
    assert_int_equal(x86_decode((const uint8_t *)"\x66\x9c", 2, true, &in), 2);
    assert_int_equal(in.size, 4);
    assert_int_equal(x86_decode((const uint8_t *)"\xed", 1, true, &in), 1);
    assert_int_equal(in.size, 2);
    /* lidt [bp+si+0x10] in 16-bit addressing */
    assert_int_equal(x86_decode((const uint8_t *)"\x0f\x01\x5a\x10", 4, true, &in), 4);
    assert_true(in.mem.addr16);
    assert_int_equal(in.mem.base, 5); assert_int_equal(in.mem.index, 6);
    assert_int_equal(in.mem.disp, 0x10); assert_int_equal(in.mem.seg, X86_SS);
    /* lidt [0x1234] */
    assert_int_equal(x86_decode((const uint8_t *)"\x0f\x01\x1e\x34\x12", 5, true, &in), 5);
    assert_int_equal(in.mem.base, X86_REG_NONE); assert_int_equal(in.mem.disp, 0x1234);
    /* 0x67 switches a 16-bit segment to 32-bit addressing */
    assert_int_equal(x86_decode((const uint8_t *)"\x67\x0f\x01\x18", 4, true, &in), 4);
    assert_false(in.mem.addr16); assert_int_equal(in.mem.base, 0);
}

static void test_rejects(void **state)
{
    (void)state;
    assert_int_equal(dec("", 0), X86D_TRUNCATED);
    assert_int_equal(DEC("\x66"), X86D_TRUNCATED);
    assert_int_equal(DEC("\xcd"), X86D_TRUNCATED);
    assert_int_equal(DEC("\xe4"), X86D_TRUNCATED);
    assert_int_equal(DEC("\x0f"), X86D_TRUNCATED);
    assert_int_equal(DEC("\x0f\x22"), X86D_TRUNCATED);
    assert_int_equal(DEC("\x0f\x01\x1d\x78\x56"), X86D_TRUNCATED);
    assert_int_equal(DEC("\x0f\x01\x1c"), X86D_TRUNCATED);     /* SIB missing */
    assert_int_equal(DEC("\x0f\x01\x5d"), X86D_TRUNCATED);     /* disp8 missing */
    assert_int_equal(DEC("\xf0\xfa"), X86D_INVALID);           /* lock cli */
    assert_int_equal(DEC("\xf0\x0f\x22\xd8"), X86D_INVALID);
    assert_int_equal(DEC("\x90"), X86D_UNSUPPORTED);
    assert_int_equal(DEC("\x0f\x0b"), X86D_UNSUPPORTED);
    assert_int_equal(DEC("\xf0\x90"), X86D_UNSUPPORTED);
    /* 15 bytes is the limit: 14 prefixes + cli decodes, 15 + cli does not. */
    char buf[20];
    memset(buf, 0x66, sizeof(buf));
    buf[14] = (char)0xfa;
    assert_int_equal(dec(buf, 15), 15);
    memset(buf, 0x66, sizeof(buf));
    buf[15] = (char)0xfa;
    assert_int_equal(dec(buf, 16), X86D_INVALID);
    assert_int_equal(dec(buf, 20), X86D_INVALID);
    /* A prefix-only buffer shorter than 15 is merely truncated. */
    assert_int_equal(dec(buf, 5), X86D_TRUNCATED);
}

/* Every buffer prefix of a valid instruction is reported truncated, never
 * decoded to something shorter or read past its end (ASan checks that). */
static void test_all_prefixes_truncated(void **state)
{
    (void)state;
#define I(s) { s, sizeof(s) - 1 }
    static const struct { const char *b; size_t n; } insns[] = {
        I("\x0f\x01\x9c\x8e\x00\x01\x00\x00"), I("\x0f\x01\x1d\x78\x56\x34\x12"),
        I("\xf3\x66\x6f"), I("\x66\xe5\x71"), I("\xcd\x80"), I("\x0f\x22\xd8"),
        I("\x65\x0f\x01\x10"),
    };
    for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
        size_t n = insns[i].n;
        for (size_t k = 0; k < n; k++) {
            uint8_t *copy = malloc(k ? k : 1);
            memcpy(copy, insns[i].b, k);
            assert_int_equal(x86_decode(copy, k, false, &in), X86D_TRUNCATED);
            free(copy);
        }
        assert_int_equal(dec(insns[i].b, n), (int)n);
    }
}

/* Random bytes, biased towards the opcodes and prefixes the decoder knows:
 * a decoded length never exceeds the buffer; the length does not depend
 * on bytes after the instruction; every shorter buffer is "truncated";
 * results are one of the documented values. Buffers are exact-size heap
 * copies, so ASan catches any read past the end. */
static void test_random(void **state)
{
    (void)state;
    static const uint8_t pool[] = { 0x66, 0x67, 0xf3, 0xf2, 0xf0, 0x26, 0x2e, 0x36, 0x3e,
        0x64, 0x65, 0xfa, 0xfb, 0xf4, 0x9c, 0x9d, 0xcf, 0xcc, 0xcd, 0xce, 0xe4, 0xe5,
        0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0x6c, 0x6d, 0x6e, 0x6f, 0x0f, 0x01, 0x20,
        0x22, 0x18, 0x1c, 0x1d, 0x5d, 0x9c, 0x04, 0x24, 0x25, 0xc0, 0xd8, 0x90 };
    srand(12345);
    int decoded = 0;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t full[X86_MAX_INSN + 1];
        for (size_t i = 0; i < sizeof(full); i++)
            full[i] = (rand() & 3) ? pool[rand() % sizeof(pool)] : (uint8_t)rand();
        bool code16 = rand() & 1;
        int whole = x86_decode(full, sizeof(full), code16, &in);
        assert_true(whole > 0 || whole == X86D_INVALID || whole == X86D_UNSUPPORTED ||
                    whole == X86D_TRUNCATED);
        if (whole > 0) {
            decoded++;
            assert_true(whole <= X86_MAX_INSN);
            assert_int_equal(in.len, whole);
            assert_true(in.op >= X86_CLI && in.op <= X86_IRET);
        }
        for (size_t n = 0; n <= X86_MAX_INSN; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, full, n);
            int r = x86_decode(copy, n, code16, &in);
            free(copy);
            if (whole > 0)
                assert_int_equal(r, (int)n < whole ? X86D_TRUNCATED : whole);
            else if (r > 0)
                fail_msg("decoded %d bytes of a buffer that does not decode", r);
        }
    }
    assert_true(decoded > 1000);    /* the generator does reach real instructions */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_string_io),
        cmocka_unit_test(test_cr),
        cmocka_unit_test(test_lidt),
        cmocka_unit_test(test_16bit),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_all_prefixes_truncated),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
