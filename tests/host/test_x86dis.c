/* Tests for lib/x86dis.c: the objdump corpus (x86dis_corpus.inc, made by
 * tools/gen-x86dis-corpus.sh) in both syntaxes, its hand-written part as
 * 16-bit code (x86dis_corpus16.inc), truncated input, small output
 * buffers, and random bytes (which must never crash, and whose lengths
 * must agree with kernel/x86decode.c, 32- and 16-bit, wherever that
 * decoder knows the instruction). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "x86dis.h"
#include "x86decode.h"

struct corpus_insn {
    uint32_t addr;
    const char *hex;            /* the bytes given to the disassembler */
    int len;                    /* expected result: length or -1 */
    const char *att, *intel;    /* objdump's texts, blanks squeezed */
};

static const struct corpus_insn corpus[] = {
#include "x86dis_corpus.inc"
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

/* The hand-written corpus assembled as 16-bit code (x86dis_code16). */
static const struct corpus_insn corpus16[] = {
#include "x86dis_corpus16.inc"
};
#define NCORPUS16 (sizeof corpus16 / sizeof corpus16[0])

static int dis(bool code16, const uint8_t *code, size_t n, uint32_t addr,
               enum x86dis_syntax syn, char *out, size_t outlen)
{
    return code16 ? x86dis_code16(code, n, addr, syn, out, outlen)
                  : x86dis(code, n, addr, syn, out, outlen);
}

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* objdump separates mnemonic and operands by padding: compare with runs of
 * blanks squeezed to one (the only normalization, besides the ones the
 * generator made: no <symbol> annotations). */
static void squeeze(char *s)
{
    char *d = s, *start = s;
    int sp = 0;
    for (; *s; s++) {
        if (*s == ' ') {
            sp = 1;
            continue;
        }
        if (sp && d != start)
            *d++ = ' ';
        sp = 0;
        *d++ = *s;
    }
    *d = 0;
}

static void run_corpus(const struct corpus_insn *corp, size_t ncorp, bool code16,
                       enum x86dis_syntax syn)
{
    int bad = 0;
    for (size_t i = 0; i < ncorp; i++) {
        const struct corpus_insn *c = &corp[i];
        uint8_t code[32];
        char buf[X86DIS_BUFLEN];
        size_t n = unhex(c->hex, code);
        int len = dis(code16, code, n, c->addr, syn, buf, sizeof buf);
        squeeze(buf);
        const char *want = syn == X86DIS_ATT ? c->att : c->intel;
        if (len != c->len || strcmp(buf, want) != 0) {
            if (bad++ < 20)
                print_error("%08x %s: want %d \"%s\", got %d \"%s\"\n", c->addr, c->hex,
                            c->len, want, len, buf);
        }
    }
    if (bad)
        print_error("%d of %zu corpus instructions differ\n", bad, ncorp);
    assert_int_equal(bad, 0);
}

static void test_corpus_att(void **state)
{
    (void)state;
    assert_true(NCORPUS > 5000);
    run_corpus(corpus, NCORPUS, false, X86DIS_ATT);
}

static void test_corpus_intel(void **state)
{
    (void)state;
    run_corpus(corpus, NCORPUS, false, X86DIS_INTEL);
}

static void test_corpus16(void **state)
{
    (void)state;
    assert_true(NCORPUS16 > 800);
    run_corpus(corpus16, NCORPUS16, true, X86DIS_ATT);
    run_corpus(corpus16, NCORPUS16, true, X86DIS_INTEL);
}

/* Every proper prefix of a valid instruction is truncated: -1, "(bad)",
 * and nothing read beyond it (ASan checks the heap copy's end). The one
 * exception: fwait (9b) before an x87 instruction is an instruction on its
 * own. */
static void test_truncated(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPUS; i++) {
        const struct corpus_insn *c = &corpus[i];
        uint8_t code[32];
        char buf[X86DIS_BUFLEN];
        if (c->len < 0)
            continue;
        unhex(c->hex, code);
        for (size_t k = 0; k < (size_t)c->len; k++) {
            uint8_t *heap = malloc(k ? k : 1);
            memcpy(heap, code, k);
            int len = x86dis(heap, k, c->addr, X86DIS_ATT, buf, sizeof buf);
            free(heap);
            if (len > 0 && code[len - 1] == 0x9b && strstr(buf, "fwait"))
                continue;       /* fwait is complete without its x87 instruction */
            if (len != -1)
                print_error("%s truncated to %zu: %d \"%s\"\n", c->hex, k, len, buf);
            assert_int_equal(len, -1);
            assert_string_equal(buf, "(bad)");
        }
    }
}

/* The output is cut to the buffer, always terminated, and the length is
 * still returned; a NULL buffer of size 0 is fine. */
static void test_small_buffer(void **state)
{
    (void)state;
    static const uint8_t insn[] = { 0xf0, 0x0f, 0xb1, 0x8c, 0x88, 0x78, 0x56, 0x34, 0x12 };
    char full[X86DIS_BUFLEN], buf[X86DIS_BUFLEN + 8];
    int len = x86dis(insn, sizeof insn, 0, X86DIS_INTEL, full, sizeof full);
    assert_int_equal(len, 9);
    assert_string_equal(full, "lock cmpxchg DWORD PTR [eax+ecx*4+0x12345678],ecx");
    for (size_t size = 1; size < strlen(full) + 3; size++) {
        memset(buf, 'x', sizeof buf);
        assert_int_equal(x86dis(insn, sizeof insn, 0, X86DIS_INTEL, buf, size), 9);
        size_t want = size - 1 < strlen(full) ? size - 1 : strlen(full);
        assert_int_equal(strlen(buf), want);
        assert_memory_equal(buf, full, want);
        assert_int_equal(buf[size], 'x');
    }
    assert_int_equal(x86dis(insn, sizeof insn, 0, X86DIS_ATT, NULL, 0), 9);
    assert_int_equal(x86dis(insn, 0, 0, X86DIS_ATT, NULL, 0), -1);
}

/* A few texts spelled out, independent of the generated corpus. */
static void test_examples(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        uint32_t addr;
        const char *att, *intel;
    } ex[] = {
        { "\xe8\xfb\xff\xff\xff", 5, 0xc0100000, "call   0xc0100000", "call   0xc0100000" },
        { "\xeb\xfe", 2, 0xfffffffe, "jmp    0xfffffffe", "jmp    0xfffffffe" },
        { "\x75\x10", 2, 0xfffffff0, "jne    0x2", "jne    0x2" },
        { "\x8b\x44\x24\x04", 4, 0, "mov    0x4(%esp),%eax", "mov    eax,DWORD PTR [esp+0x4]" },
        { "\x64\xa1\x00\x00\x00\x00", 6, 0, "mov    %fs:0x0,%eax", "mov    eax,fs:0x0" },
        { "\xf3\xab", 2, 0, "rep stos %eax,%es:(%edi)", "rep stos DWORD PTR es:[edi],eax" },
        { "\x0f\x22\xd8", 3, 0, "mov    %eax,%cr3", "mov    cr3,eax" },
        { "\xdd\x1c\x24", 3, 0, "fstpl  (%esp)", "fstp   QWORD PTR [esp]" },
        { "\xde\xe9", 2, 0, "fsubrp %st,%st(1)", "fsubp  st(1),st" },
        { "\x9b\xdf\xe0", 3, 0, "fstsw  %ax", "fstsw  ax" },
        { "\x66\x0f\xef\xc0", 4, 0, "pxor   %xmm0,%xmm0", "pxor   xmm0,xmm0" },
        { "\x0f\x0b", 2, 0, "ud2", "ud2" },
        { "\x8d\xc0", 2, 0, "(bad)", "(bad)" },
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char buf[X86DIS_BUFLEN];
        int want = strcmp(ex[i].att, "(bad)") ? (int)ex[i].n : -1;
        assert_int_equal(x86dis((const uint8_t *)ex[i].bytes, ex[i].n, ex[i].addr, X86DIS_ATT,
                                buf, sizeof buf), want);
        assert_string_equal(buf, ex[i].att);
        assert_int_equal(x86dis((const uint8_t *)ex[i].bytes, ex[i].n, ex[i].addr, X86DIS_INTEL,
                                buf, sizeof buf), want);
        assert_string_equal(buf, ex[i].intel);
    }
}

/* Where kernel/x86decode.c decodes an instruction, both agree on its
 * length. */
static int check_against_x86decode(const uint8_t *code, size_t n, bool code16)
{
    struct x86_insn in;
    char buf[X86DIS_BUFLEN];
    int dlen = x86_decode(code, n, code16, &in);
    if (dlen <= 0)
        return 0;
    int len = dis(code16, code, n, 0, X86DIS_ATT, buf, sizeof buf);
    if (len != dlen)
        print_error("x86decode says %d, x86dis %d \"%s\" for %02x %02x %02x %02x\n", dlen, len,
                    buf, code[0], code[1], code[2], code[3]);
    assert_int_equal(len, dlen);
    return 1;
}

static void test_x86decode_lengths(void **state)
{
    (void)state;
    int known = 0;
    for (size_t i = 0; i < NCORPUS; i++) {
        uint8_t code[32];
        size_t n = unhex(corpus[i].hex, code);
        known += check_against_x86decode(code, n, false);
    }
    for (size_t i = 0; i < NCORPUS16; i++) {
        uint8_t code[32];
        size_t n = unhex(corpus16[i].hex, code);
        known += check_against_x86decode(code, n, true);
    }
    assert_true(known > 50);
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random bytes, biased toward prefixes, the 0F escape and x87, in heap
 * buffers of random length: never a crash or an out-of-bounds read (ASan),
 * a length in 1..min(15, avail) or -1, a terminated text, and agreement
 * with x86decode's lengths. */
static void test_fuzz(void **state)
{
    (void)state;
    static const uint8_t hot[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64,
                                   0x65, 0x0f, 0x9b, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde,
                                   0xdf, 0xc4, 0xc5, 0x62, 0x8f, 0xff, 0x01, 0xae, 0xc7 };
    int known = 0;
    for (int iter = 0; iter < 300000; iter++) {
        size_t n = rng() % 18;
        uint8_t *code = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++)
            code[k] = (rng() & 3) ? (uint8_t)rng() : hot[rng() % sizeof hot];
        char buf[X86DIS_BUFLEN + 1];
        buf[X86DIS_BUFLEN] = 'x';
        for (int syn = 0; syn < 4; syn++) {
            int len = dis(syn >= 2, code, n, rng(), (syn & 1) ? X86DIS_INTEL : X86DIS_ATT, buf,
                          X86DIS_BUFLEN);
            assert_true(len == -1 || (len >= 1 && len <= 15 && (size_t)len <= n));
            assert_true(strlen(buf) < X86DIS_BUFLEN);
            assert_true(buf[X86DIS_BUFLEN] == 'x');
            if (len == -1)
                assert_string_equal(buf, "(bad)");
        }
        known += check_against_x86decode(code, n, false);
        known += check_against_x86decode(code, n, true);
        free(code);
    }
    assert_true(known > 1000);
}

/* Many prefixes before string and memory instructions give the longest
 * texts: X86DIS_BUFLEN must hold all of them. */
static void test_longest_text(void **state)
{
    (void)state;
    static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e,
                                   0x64, 0x65 };
    size_t longest = 0;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t code[15];
        size_t np = 1 + rng() % 14;
        for (size_t k = 0; k < 15; k++)
            code[k] = k < np ? pfx[rng() % sizeof pfx] : (uint8_t)rng();
        if (iter & 1)
            code[np] = (uint8_t)(0xa4 + rng() % 12);       /* string instructions */
        for (int syn = 0; syn < 2; syn++) {
            char buf[512];
            if (x86dis(code, sizeof code, rng(), syn ? X86DIS_INTEL : X86DIS_ATT, buf,
                       sizeof buf) > 0 && strlen(buf) > longest)
                longest = strlen(buf);
        }
    }
    /* The worst case by construction: 12 unused 0x66 before movsw with a
     * segment override. */
    uint8_t worst[15];
    char buf[512];
    memset(worst, 0x66, 13);
    worst[12] = 0x64;
    worst[13] = 0xa5;
    for (int syn = 0; syn < 2; syn++) {
        assert_int_equal(x86dis(worst, 14, 0, syn ? X86DIS_INTEL : X86DIS_ATT, buf, sizeof buf),
                         14);
        if (strlen(buf) > longest)
            longest = strlen(buf);
    }
    print_message("longest text: %zu characters\n", longest);
    assert_true(longest < X86DIS_BUFLEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_att),
        cmocka_unit_test(test_corpus_intel),
        cmocka_unit_test(test_corpus16),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_x86decode_lengths),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_longest_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
