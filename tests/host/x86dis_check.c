/* Compares lib/x86dis.c with objdump over a listing made by
 * tools/x86dis-objdump.sh (read from stdin): for every instruction, the
 * disassembler runs on the section's bytes at that offset (so it sees the
 * bytes that follow, as in memory) and its length and both syntaxes must
 * match objdump's (-16: 16-bit code, x86dis_code16). Prints each
 * disagreement (up to -n N, default 50) and a
 * summary line; exits non-zero on any disagreement. Normalization: runs of
 * blanks count as one; any objdump text containing "(bad)" (also "data16
 * (bad)" or "(bad) (%eax)") means the instruction is undecodable: x86dis
 * must return -1 and print just "(bad)". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "x86dis.h"

struct insn {
    uint32_t addr;
    size_t off, len;
    char *att, *intel;
};

/* Runs of blanks become one space; leading and trailing blanks go. */
static void squeeze(char *s)
{
    char *d = s, *start = s;
    int sp = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') {
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

/* With -u: instructions of extensions x86dis leaves out (docs/kdb.md) are
 * counted apart instead of as disagreements, found by their bytes: VEX and
 * EVEX (c4/c5/62 before a register ModRM), AMD XOP (8f with ModRM reg
 * != 0), 3DNow! (0f 0f), VIA PadLock
 * (0f a6/a7), MPX (0f 1a/1b with a prefix or memory), SSE4a (66/f2 0f
 * 78/79) and the three-byte opcodes the sweep skips. */
static int uncovered(const uint8_t *p, size_t n)
{
    size_t i = 0;
    int opsize = 0, rep = 0;
    while (i < n && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf0 || p[i] == 0xf2 ||
                     p[i] == 0xf3 || p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 ||
                     p[i] == 0x3e || p[i] == 0x64 || p[i] == 0x65 || p[i] == 0x9b)) {
        opsize |= p[i] == 0x66;
        rep |= p[i] == 0xf2 || p[i] == 0xf3;
        i++;
    }
    if (i + 1 >= n)
        return 0;
    if ((p[i] == 0xc4 || p[i] == 0xc5 || p[i] == 0x62) && p[i + 1] >= 0xc0)
        return 1;
    if (p[i] == 0x8f && (p[i + 1] & 0x38))
        return 1;                                   /* AMD XOP */
    if (p[i] != 0x0f)
        return 0;
    uint8_t b = p[i + 1];
    if (b == 0x0f || b == 0xa6 || b == 0xa7)
        return 1;
    if ((b == 0x1a || b == 0x1b) && (opsize || rep || (i + 2 < n && p[i + 2] < 0xc0)))
        return 1;
    if ((b == 0x78 || b == 0x79) && (opsize || rep))
        return 1;
    if ((b == 0x38 || b == 0x3a) && i + 2 < n) {
        static const uint8_t skip38[] = { 0x80, 0x81, 0x82, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd,
                                          0xcf, 0xd8, 0xdc, 0xdd, 0xde, 0xdf, 0xf5, 0xf6, 0xf8,
                                          0xf9, 0xfa, 0xfb, 0xfc };
        static const uint8_t skip3a[] = { 0xcc, 0xce, 0xcf };
        const uint8_t *t = b == 0x38 ? skip38 : skip3a;
        size_t m = b == 0x38 ? sizeof skip38 : sizeof skip3a;
        for (size_t k = 0; k < m; k++)
            if (p[i + 2] == t[k])
                return 1;
    }
    return 0;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static char pool[64 << 20];
static size_t pool_used;
static int skip_uncovered, nuncovered, code16;

static int dis(const uint8_t *code, size_t n, uint32_t addr, enum x86dis_syntax syn, char *buf,
               size_t len)
{
    return code16 ? x86dis_code16(code, n, addr, syn, buf, len)
                  : x86dis(code, n, addr, syn, buf, len);
}
static int skipped, total, bad_att, bad_intel, bad_len, shown, maxshow = 50;

static void check_section(const uint8_t *bytes, size_t n, struct insn *v, size_t cnt)
{
    char buf[X86DIS_BUFLEN];
    for (size_t i = 0; i < cnt; i++) {
        struct insn *in = &v[i];
        /* objdump's "data16 (bad)", "(bad) (%eax)": x86dis just fails. */
        int bad = strstr(in->att, "(bad)") != NULL;
        int want_len = bad ? -1 : (int)in->len;
        if (strncmp(in->att, ".byte", 5) == 0) {
            skipped++;          /* objdump shows data (e.g. a cut-off instruction) */
            continue;
        }
        if (skip_uncovered && uncovered(bytes + in->off, n - in->off)) {
            char buf2[X86DIS_BUFLEN];
            int len = dis(bytes + in->off, n - in->off, in->addr, X86DIS_ATT, buf2,
                             sizeof buf2);
            squeeze(buf2);
            if (len != want_len || strcmp(buf2, bad ? "(bad)" : in->att) != 0) {
                nuncovered++;
                continue;
            }
        }
        total++;
        for (int syn = 0; syn < 2; syn++) {
            int len = dis(bytes + in->off, n - in->off, in->addr,
                             syn ? X86DIS_INTEL : X86DIS_ATT, buf, sizeof buf);
            squeeze(buf);
            const char *want = bad ? "(bad)" : syn ? in->intel : in->att;
            int ok_text = strcmp(buf, want) == 0;
            int ok_len = len == want_len;
            if (!ok_text)
                syn ? bad_intel++ : bad_att++;
            if (!ok_len && !syn)
                bad_len++;
            if ((!ok_text || !ok_len) && shown < maxshow) {
                shown++;
                printf("%08x ", in->addr);
                for (size_t k = 0; k < in->len && k < 15; k++)
                    printf("%02x", bytes[in->off + k]);
                printf(" [%s] want(%d) \"%s\" got(%d) \"%s\"\n", syn ? "intel" : "att",
                       want_len, want, len, buf);
            }
        }
    }
}

int main(int argc, char **argv)
{
    static char line[4096];
    size_t cap = 1 << 16, n = 0, icap = 1 << 12, cnt = 0;
    uint8_t *bytes = malloc(cap);
    struct insn *v = malloc(icap * sizeof *v);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            maxshow = atoi(argv[++i]);
        else if (strcmp(argv[i], "-u") == 0)
            skip_uncovered = 1;
        else if (strcmp(argv[i], "-16") == 0)
            code16 = 1;
    }
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 'S') {
            check_section(bytes, n, v, cnt);
            n = cnt = 0;
            continue;
        }
        char *addr = strtok(line, "|"), *hex = strtok(NULL, "|");
        char *att = strtok(NULL, "|"), *intel = strtok(NULL, "|");
        if (!addr || !hex || !att || !intel)
            continue;
        size_t len = strlen(hex) / 2;
        while (n + len > cap)
            bytes = realloc(bytes, cap *= 2);
        if (cnt == icap)
            v = realloc(v, (icap *= 2) * sizeof *v);
        for (size_t k = 0; k < len; k++)
            bytes[n + k] = (uint8_t)(hexval(hex[2 * k]) << 4 | hexval(hex[2 * k + 1]));
        squeeze(att);
        squeeze(intel);
        /* Keep the texts in the line pool: no per-line allocation. */
        size_t la = strlen(att) + 1, li = strlen(intel) + 1;
        if (pool_used + la + li > sizeof pool) {
            fprintf(stderr, "x86dis_check: listing too large\n");
            return 2;
        }
        char *pa = pool + pool_used, *pi = pa + la;
        memcpy(pa, att, la);
        memcpy(pi, intel, li);
        pool_used += la + li;
        v[cnt++] = (struct insn){ (uint32_t)strtoul(addr, NULL, 16), n, len, pa, pi };
        n += len;
    }
    check_section(bytes, n, v, cnt);
    free(bytes);
    free(v);        /* the strings are left to exit */
    printf("x86dis vs objdump: %d instructions; AT&T %d agree (%.2f%%), Intel %d agree (%.2f%%), "
           "length %d agree; %d .byte lines skipped", total, total - bad_att, total ? 100.0 * (total - bad_att) / total : 100.0,
           total - bad_intel, total ? 100.0 * (total - bad_intel) / total : 100.0, total - bad_len,
           skipped);
    if (skip_uncovered)
        printf("; %d in extensions not covered", nuncovered);
    printf("\n");
    return bad_att || bad_intel || bad_len;
}
