/* Tests for the kernel debugger's control-transfer classifier
 * (kernel/arch/ia32/kdb/branch.c), which branch stepping and step-over
 * rely on: every instruction of the x86dis corpus is classified by its
 * bytes and compared with what objdump's AT&T mnemonic says it is. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/ia32/kdb/branch.h"

struct corpus_insn {
    uint32_t addr;
    const char *hex;
    int len;
    const char *att, *intel;
};

static const struct corpus_insn corpus[] = {
#include "x86dis_corpus.inc"
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

static int unhex(const char *hex, uint8_t *out)
{
    int n = 0;
    for (; hex[0] && hex[1] && n < 16; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* objdump's mnemonic, after prefix words (rep, lock, data16, cs, bnd...). */
static const char *mnemonic(const char *att, char *buf, size_t n)
{
    static const char *const skip[] = {
        "rep", "repz", "repnz", "repe", "repne", "lock", "data16", "data32", "addr16",
        "addr32", "cs", "ds", "es", "ss", "fs", "gs", "bnd", "notrack", "xacquire",
        "xrelease", NULL,
    };
    for (;;) {
        size_t w = strcspn(att, " ");
        bool pfx = false;
        for (int i = 0; skip[i]; i++)
            if (strlen(skip[i]) == w && !strncmp(att, skip[i], w))
                pfx = true;
        if (!pfx || !att[w]) {
            snprintf(buf, n, "%.*s", (int)w, att);
            char *comma = strchr(buf, ',');     /* jne,pt */
            if (comma)
                *comma = 0;
            return buf;
        }
        att += w + 1;
    }
}

static enum kdb_insn_kind expected(const char *m)
{
    static const char *const calls[] = { "call", "calll", "callw", "lcall", "lcalll", "lcallw",
                                         "int", "int3", "into", "int1", "icebp", NULL };
    static const char *const jumps[] = { "ret", "retl", "retw", "lret", "lretl", "lretw",
                                         "iret", "iretw", "iretl", "sysenter", "sysexit",
                                         "syscall", "sysret", "sysretl", "ljmp", "ljmpl",
                                         "ljmpw", "loop", "loope", "loopne", "loopl", "loopel",
                                         "loopnel", "loopw", "loopew", "loopnew", "jecxz",
                                         "jcxz", NULL };
    for (int i = 0; calls[i]; i++)
        if (!strcmp(m, calls[i]))
            return KDB_INSN_CALL;
    for (int i = 0; jumps[i]; i++)
        if (!strcmp(m, jumps[i]))
            return KDB_INSN_JUMP;
    if (m[0] == 'j')
        return KDB_INSN_JUMP;       /* jmp, jmpw, jcc */
    return KDB_INSN_OTHER;
}

static void test_corpus_agrees_with_objdump(void **state)
{
    (void)state;
    unsigned checked = 0, bad = 0, branches = 0;
    for (size_t i = 0; i < NCORPUS; i++) {
        const struct corpus_insn *c = &corpus[i];
        if (c->len <= 0)
            continue;
        uint8_t b[16];
        int n = unhex(c->hex, b);
        char m[32];
        mnemonic(c->att, m, sizeof m);
        enum kdb_insn_kind want = expected(m), got = kdb_insn_kind(b, c->len < n ? c->len : n);
        checked++;
        branches += want != KDB_INSN_OTHER;
        if (got != want && bad++ < 20)
            print_message("%s (%s): kind %d, objdump says %d\n", c->hex, c->att, got, want);
    }
    print_message("%u instructions, %u control transfers, %u disagree\n", checked, branches,
                  bad);
    assert_true(checked > 8000);
    assert_true(branches > 100);
    assert_int_equal(bad, 0);
}

static void test_prefixes_only(void **state)
{
    (void)state;
    const uint8_t pfx[3] = { 0x66, 0xf3, 0x2e };
    assert_int_equal(kdb_insn_kind(pfx, 3), KDB_INSN_OTHER);    /* never past len */
    const uint8_t ret[2] = { 0xf3, 0xc3 };
    assert_int_equal(kdb_insn_kind(ret, 2), KDB_INSN_JUMP);     /* repz ret */
    const uint8_t call[2] = { 0xff, 0xd0 };
    assert_int_equal(kdb_insn_kind(call, 2), KDB_INSN_CALL);    /* call *%eax */
    const uint8_t push[2] = { 0xff, 0xf0 };
    assert_int_equal(kdb_insn_kind(push, 2), KDB_INSN_OTHER);   /* push %eax */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_agrees_with_objdump),
        cmocka_unit_test(test_prefixes_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
