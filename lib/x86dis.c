/* IA-32 disassembler printing objdump's AT&T or Intel syntax for 32-bit
 * and 16-bit code (x86dis.h, docs/kdb.md). Decoding: prefixes, then the opcode through one
 * of the maps below (one-byte, 0F two-byte, 0F 38 / 0F 3A three-byte, x87,
 * SSE by mandatory prefix), then the ModRM/SIB memory operand and the
 * immediates; printing: operand texts are made in Intel order and reversed
 * for AT&T, after the mnemonic and any prefix the instruction did not
 * consume (objdump's "data16", "cs", "repz", ...). All of it written from
 * the Intel SDM opcode maps and objdump's observed output. */
#include "x86dis.h"
#include <stdbool.h>

#define MAXLEN 15

/* ---- operand kinds ------------------------------------------------------ */
enum {
    NO = 0,
    Eb, Ev, Ew, Ed, Ewv, Ewl,   /* ModRM r/m: byte, osize, word, dword, reg osize/mem word
                                   (Ewl: lar/lsl, whose 0x66 counts for memory too) */
    Ej,                         /* r/m of an indirect near call/jmp (AT&T '*') */
    Gb, Gv, Gw, Gd,             /* ModRM reg */
    Ib, Iv, Iw, Ibs, Ibx,       /* immediates: byte, osize, word, sign-extended byte; byte
                                   printed as is (enter's level) */
    Jb, Jv,                     /* relative branch targets */
    M, Mp, Mpj, Mq, Mw, Md, Mt, Mb, Ma, Mx, /* memory only: none, far ptr, far indirect,
                                   qword, word, dword, tbyte, byte, bound pair, xmmword */
    Ap,                         /* direct far pointer */
    Ob, Ov,                     /* moffs */
    Sw, Cd, Dd, Td, Rd,         /* segment, control, debug, test register; r/m as 32-bit reg */
    Rv, Rw16,                   /* r/m register of osize / 16 bits (mod must be 3) */
    DXP,                        /* dx as a port: (%dx) / dx */
    CLR,                        /* cl as a shift count (does not give the size) */
    ONE,                        /* the implicit 1 of shifts (Intel only) */
    Xb, Xv, Yb, Yv, XL,         /* ds:esi, es:edi, xlat's ds:ebx */
    ST0, STi,                   /* x87 stack */
    V, W, P, Q, Ux, Nq, Ey,     /* xmm reg, xmm r/m, mm reg, mm r/m, xmm/mm r/m register only,
                                   32-bit GPR r/m (movd) */
    Gy,                         /* 32-bit GPR from reg */
    KINDS_END,
    RB = 0x40,                  /* RB+n: al..bh */
    RV = 0x48,                  /* RV+n: eax..edi (osize) */
    RS = 0x50,                  /* RS+n: es..gs */
    RW = 0x58,                  /* RW+n: ax..di, fixed 16-bit */
    RW32 = 0x60,                /* RW32+n: eax..edi, fixed 32-bit */
};

_Static_assert(KINDS_END <= RB, "operand kinds overlap the register kinds");

/* ---- entry flags -------------------------------------------------------- */
#define SFX    0x01     /* AT&T b/w/l suffix when no register gives the size */
#define SFXW   0x02     /* 'w' suffix in both syntaxes under 0x66 */
#define SFXWA  0x04     /* 'w' suffix in AT&T under 0x66 when no register operand */
#define STR    0x08     /* string instruction: f3 = rep */
#define STRZ   0x10     /* cmps/scas: f3 = repz, f2 = repnz */
#define NOREV  0x20     /* AT&T keeps the Intel operand order */
#define JCC    0x40     /* conditional branch: 2e/3e are hints */

struct entry {
    const char *name;           /* "att|intel" when the two differ */
    uint8_t op[3];
    uint8_t flags;
};

struct ctx {
    const uint8_t *code;
    size_t avail, pos;
    uint32_t addr;
    bool intel;
    /* prefixes */
    uint8_t pfx[MAXLEN];
    bool pfx_used[MAXLEN];
    int npfx;
    bool code16;                /* 16-bit code segment: 66/67 select 32 bits */
    bool opsize, adsize, fwait; /* 66 / 67 present; fwait (9b) before x87 */
    bool a16;                   /* 16-bit addressing (code16 != adsize) */
    int seg;                    /* -1 or 0..5 */
    int last66, last67, lastseg, lastrep, lastlock;
    uint8_t rep;                /* 0, 0xf2, 0xf3 */
    /* ModRM */
    bool have_modrm;
    uint8_t modrm;
    uint8_t op2;                /* second opcode byte after 0F */
    /* memory operand */
    bool mem_decoded;
    int base, index, scale;     /* -1 when absent; index 4 = eiz */
    int32_t disp;
    bool hasdisp;
    bool bad;
    int memsize;                /* Intel PTR size for W/Q when not the default */
    /* mnemonic and operands */
    char mnem[32];
    char ops[4][64];
    int nops;
    bool sized_reg;             /* some operand is a register that gives the size */
    int suffix_size;            /* size of the first memory/immediate-sized operand */
    bool used_os;               /* an operand's size came from the operand-size attribute */
};

static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const reg16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const reg8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const sreg[8] = { "es", "cs", "ss", "ds", "fs", "gs", "?", "?" };
static const char *const cc[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                    "s", "ns", "p", "np", "l", "ge", "le", "g" };

/* ---- little string helpers --------------------------------------------- */
struct sbuf {
    char *p;
    size_t n, len;
};

static void sput(struct sbuf *s, char c)
{
    if (s->len + 1 < s->n)
        s->p[s->len] = c;
    s->len++;
    if (s->n)
        s->p[s->len < s->n ? s->len : s->n - 1] = '\0';
}

static void sputs(struct sbuf *s, const char *t)
{
    while (*t)
        sput(s, *t++);
}

static void shex(struct sbuf *s, uint32_t v)
{
    char d[8];
    int n = 0;
    sputs(s, "0x");
    do {
        d[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        sput(s, d[--n]);
}

/* Signed hex: -0x4 or 0x4 (with a '+' first when `plus`). */
static void sshex(struct sbuf *s, int32_t v, bool plus)
{
    if (v < 0) {
        sput(s, '-');
        shex(s, (uint32_t)0 - (uint32_t)v);
    } else {
        if (plus)
            sput(s, '+');
        shex(s, (uint32_t)v);
    }
}

static struct sbuf opbuf(struct ctx *c)
{
    if (c->nops == 4) {
        struct sbuf none = { c->ops[3], 0, 0 };    /* cannot happen: writes nothing */
        return none;
    }
    struct sbuf s = { c->ops[c->nops], sizeof c->ops[0], 0 };
    s.p[0] = '\0';
    c->nops++;
    return s;
}

/* ---- byte fetching ------------------------------------------------------ */
static bool fetch(struct ctx *c, uint8_t *b)
{
    if (c->pos >= c->avail || c->pos >= MAXLEN) {
        c->bad = true;
        return false;
    }
    *b = c->code[c->pos++];
    return true;
}

static uint32_t fetch_n(struct ctx *c, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b = 0;
        fetch(c, &b);
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static bool get_modrm(struct ctx *c)
{
    if (!c->have_modrm) {
        if (!fetch(c, &c->modrm))
            return false;
        c->have_modrm = true;
    }
    return true;
}

static unsigned mod_(const struct ctx *c) { return c->modrm >> 6; }
static unsigned reg_(const struct ctx *c) { return (c->modrm >> 3) & 7; }
static unsigned rm_(const struct ctx *c) { return c->modrm & 7; }

static void use_seg(struct ctx *c)
{
    if (c->lastseg >= 0)
        c->pfx_used[c->lastseg] = true;
}

static void use_opsize(struct ctx *c)
{
    if (c->last66 >= 0)
        c->pfx_used[c->last66] = true;
}

static void use_adsize(struct ctx *c)
{
    if (c->last67 >= 0)
        c->pfx_used[c->last67] = true;
}

static int osize(struct ctx *c)
{
    return c->code16 != c->opsize ? 2 : 4;
}

/* Reads the SIB byte and displacement of a ModRM memory operand. */
static void decode_mem(struct ctx *c)
{
    unsigned mod = mod_(c), rm = rm_(c);
    if (c->mem_decoded)
        return;
    c->mem_decoded = true;
    c->base = c->index = -1;
    c->scale = 0;
    c->disp = 0;
    c->hasdisp = false;
    /* A 0x67 counts as used by a memory operand (objdump: except a
     * disp32-only one in 16-bit code, still shown as addr32). */
    if (!(c->code16 && !c->a16 && mod == 0 && rm == 5))
        use_adsize(c);
    if (c->a16) {
        if (mod == 0 && rm == 6) {
            c->disp = (int16_t)fetch_n(c, 2);
            c->hasdisp = true;
        } else {
            c->base = (int)rm;          /* rm form, printed from a table */
            if (mod == 1) {
                c->disp = (int8_t)fetch_n(c, 1);
                c->hasdisp = true;
            } else if (mod == 2) {
                c->disp = (int16_t)fetch_n(c, 2);
                c->hasdisp = true;
            }
        }
        return;
    }
    unsigned base = rm;
    if (rm == 4) {
        uint8_t sib = 0;
        fetch(c, &sib);
        unsigned idx = (sib >> 3) & 7;
        base = sib & 7;
        c->scale = sib >> 6;
        /* objdump shows a SIB without index as %eiz unless it is the
         * plain (%esp) form. */
        if (idx != 4 || base != 4 || c->scale != 0)
            c->index = (int)idx;
        if (mod == 0 && base == 5)
            base = 8;
    } else if (mod == 0 && rm == 5) {
        base = 8;
    }
    if (base != 8)
        c->base = (int)base;
    if (mod == 1) {
        c->disp = (int8_t)fetch_n(c, 1);
        c->hasdisp = true;
    } else if (mod == 2 || base == 8) {
        c->disp = (int32_t)fetch_n(c, 4);
        c->hasdisp = true;
    }
}

static const char *ptr_name(int size)
{
    switch (size) {
    case 1: return "BYTE PTR ";
    case 2: return "WORD PTR ";
    case 4: return "DWORD PTR ";
    case 6: return "FWORD PTR ";
    case 8: return "QWORD PTR ";
    case 10: return "TBYTE PTR ";
    case 16: return "XMMWORD PTR ";
    }
    return "";
}

static void print_mem(struct ctx *c, struct sbuf *s, int size)
{
    static const char *const b16[8] = { "bx", "bx", "bp", "bp", "si", "di", "bp", "bx" };
    static const char *const i16[8] = { "si", "di", "si", "di", NULL, NULL, NULL, NULL };
    bool att = !c->intel;

    decode_mem(c);
    if (c->seg >= 0)
        use_seg(c);
    if (!att)
        sputs(s, ptr_name(size));
    if (c->seg >= 0) {
        if (att)
            sput(s, '%');
        sputs(s, sreg[c->seg]);
        sput(s, ':');
    }
    if (c->a16) {
        if (c->base < 0) {
            if (att) {
                sshex(s, c->disp, false);
            } else {
                if (c->seg < 0)
                    sputs(s, "ds:");
                shex(s, (uint16_t)c->disp);
            }
            return;
        }
        const char *b = b16[c->base], *i = i16[c->base];
        if (att) {
            if (c->hasdisp)
                sshex(s, c->disp, false);
            sputs(s, "(%");
            sputs(s, b);
            if (i) {
                sputs(s, ",%");
                sputs(s, i);
            }
            sput(s, ')');
        } else {
            sput(s, '[');
            sputs(s, b);
            if (i) {
                sput(s, '+');
                sputs(s, i);
            }
            if (c->hasdisp)
                sshex(s, c->disp, true);
            sput(s, ']');
        }
        return;
    }
    if (c->base < 0 && c->index < 0) {
        if (!att && c->seg < 0)
            sputs(s, "ds:");
        shex(s, (uint32_t)c->disp);
        return;
    }
    const char *idx = c->index < 0 ? NULL : c->index == 4 ? "eiz" : reg32[c->index];
    char scale = (char)('0' + (1 << c->scale));
    if (att) {
        if (c->hasdisp)
            sshex(s, c->disp, false);
        sput(s, '(');
        if (c->base >= 0) {
            sput(s, '%');
            sputs(s, reg32[c->base]);
        }
        if (idx) {
            sputs(s, ",%");
            sputs(s, idx);
            sput(s, ',');
            sput(s, scale);
        }
        sput(s, ')');
    } else {
        sput(s, '[');
        if (c->base >= 0)
            sputs(s, reg32[c->base]);
        if (idx) {
            if (c->base >= 0)
                sput(s, '+');
            sputs(s, idx);
            sput(s, '*');
            sput(s, scale);
        }
        if (c->hasdisp)
            sshex(s, c->disp, true);
        sput(s, ']');
    }
}

static void print_reg(struct ctx *c, struct sbuf *s, const char *name)
{
    if (!c->intel)
        sput(s, '%');
    sputs(s, name);
}

static void print_imm(struct ctx *c, struct sbuf *s, uint32_t v)
{
    if (!c->intel)
        sput(s, '$');
    shex(s, v);
}

static const char *gpr(int size, unsigned n)
{
    return size == 1 ? reg8[n] : size == 2 ? reg16[n] : reg32[n];
}

/* Register or memory operand of the ModRM r/m field. */
static void print_rm(struct ctx *c, struct sbuf *s, int regsize, int memsize)
{
    if (mod_(c) == 3) {
        print_reg(c, s, gpr(regsize, rm_(c)));
        c->sized_reg = true;
    } else {
        print_mem(c, s, memsize);
        if (!c->suffix_size)
            c->suffix_size = memsize;
    }
}

static void print_sti(struct ctx *c, struct sbuf *s, unsigned i)
{
    if (!c->intel)
        sput(s, '%');
    sputs(s, "st(");
    sput(s, (char)('0' + i));
    sput(s, ')');
}

static void print_string_mem(struct ctx *c, struct sbuf *s, int size, int seg, int reg)
{
    /* es:edi cannot be overridden; ds:esi and xlat's ds:ebx can. */
    if (seg == 3 && c->seg >= 0) {
        seg = c->seg;
        use_seg(c);
    }
    if (c->intel) {
        sputs(s, ptr_name(size));
        sputs(s, sreg[seg]);
        sputs(s, ":[");
        sputs(s, c->a16 ? reg16[reg] : reg32[reg]);
        sput(s, ']');
    } else {
        sput(s, '%');
        sputs(s, sreg[seg]);
        sputs(s, ":(%");
        sputs(s, c->a16 ? reg16[reg] : reg32[reg]);
        sput(s, ')');
    }
    if (c->adsize)
        use_adsize(c);
    if (!c->suffix_size)
        c->suffix_size = size;
}

/* Formats one operand; returns false on an invalid encoding. */
static bool operand(struct ctx *c, uint8_t kind)
{
    struct sbuf s = opbuf(c);
    int os = osize(c);
    uint32_t v;

    switch (kind) {
    case Ev: case Gv: case Iv: case Ibs: case Ej: case Xv: case Yv: case Rv: case Mp:
    case Mpj: case Ma: case Ap:
        c->used_os = true;
        break;
    case Ewv:
        if (mod_(c) == 3)
            c->used_os = true;      /* a register is osize, memory a word */
        break;
    case Ewl:
        c->used_os = true;
        break;
    default:
        if (kind >= RV && kind < RV + 8)
            c->used_os = true;
    }

    if (kind >= RB && kind < RB + 8) {
        print_reg(c, &s, reg8[kind - RB]);
        c->sized_reg = true;
        return true;
    }
    if (kind >= RV && kind < RV + 8) {
        print_reg(c, &s, gpr(os, kind - RV));
        c->sized_reg = true;
        return true;
    }
    if (kind >= RS && kind < RS + 8) {
        print_reg(c, &s, sreg[kind - RS]);
        return true;
    }
    if (kind >= RW32 && kind < RW32 + 8) {
        print_reg(c, &s, reg32[kind - RW32]);
        c->sized_reg = true;
        return true;
    }
    if (kind >= RW && kind < RW + 8) {
        print_reg(c, &s, reg16[kind - RW]);
        c->sized_reg = true;
        return true;
    }
    switch (kind) {
    case Eb: print_rm(c, &s, 1, 1); break;
    case Ev: print_rm(c, &s, os, os); break;
    case Ew: print_rm(c, &s, 2, 2); break;
    case Ed: print_rm(c, &s, 4, 4); break;
    case Ewv: case Ewl: print_rm(c, &s, os, 2); break;
    case Ej:
        if (!c->intel)
            sput(&s, '*');
        print_rm(c, &s, os, os);
        break;
    case Rv:
        print_reg(c, &s, gpr(os, rm_(c)));
        c->sized_reg = true;
        break;
    case Rd:
        print_reg(c, &s, reg32[rm_(c)]);
        break;
    case Rw16:
        print_reg(c, &s, reg16[rm_(c)]);
        break;
    case Gb: print_reg(c, &s, reg8[reg_(c)]); c->sized_reg = true; break;
    case Gv: print_reg(c, &s, gpr(os, reg_(c))); c->sized_reg = true; break;
    case Gw: print_reg(c, &s, reg16[reg_(c)]); c->sized_reg = true; break;
    case Gd: case Gy: print_reg(c, &s, reg32[reg_(c)]); c->sized_reg = true; break;
    case Ey: print_rm(c, &s, 4, 4); break;
    case M: case Mp: case Mpj: case Mq: case Mw: case Md: case Mt: case Mb: case Ma: case Mx: {
        static const uint8_t size[] = { [M] = 0, [Mq] = 8, [Mw] = 2, [Md] = 4, [Mt] = 10,
                                        [Mb] = 1, [Mx] = 16 };
        int sz = kind == Mp || kind == Mpj ? os + 2 : kind == Ma ? 2 * os : size[kind];
        if (mod_(c) == 3)
            return false;
        if (kind == Mpj && !c->intel)
            sput(&s, '*');
        print_mem(c, &s, sz);
        if (!c->suffix_size)
            c->suffix_size = sz;
        break;
    }
    case Ib: case Ibx:
        v = fetch_n(c, 1);
        print_imm(c, &s, v);
        if (!c->suffix_size)
            c->suffix_size = 1;
        break;
    case Ibs:
        v = (uint32_t)(int32_t)(int8_t)fetch_n(c, 1);
        if (os == 2)
            v &= 0xffff;
        print_imm(c, &s, v);
        break;
    case Iv:
        v = fetch_n(c, (unsigned)os);
        print_imm(c, &s, v);
        break;
    case Iw:
        v = fetch_n(c, 2);
        print_imm(c, &s, v);
        break;
    case Jb: case Jv: {
        int32_t d;
        if (kind == Jb)
            d = (int8_t)fetch_n(c, 1);
        else if (os == 2)
            d = (int16_t)fetch_n(c, 2);
        else
            d = (int32_t)fetch_n(c, 4);
        v = c->addr + (uint32_t)c->pos + (uint32_t)d;
        if (kind == Jv && c->opsize)
            use_opsize(c);
        if (kind == Jv && os == 2) {
            /* A 16-bit ip wraps within its 64 KiB segment (objdump: in
             * 32-bit code with 0x66, to the first 64 KiB). */
            uint32_t next = c->addr + (uint32_t)c->pos;
            v = (v & 0xffff) | (c->code16 ? next & ~0xffffu : 0);
        }
        shex(&s, v);
        break;
    }
    case Ap: {
        uint32_t off = fetch_n(c, (unsigned)os);
        uint32_t sel = fetch_n(c, 2);
        if (c->intel) {
            shex(&s, sel);
            sput(&s, ':');
            shex(&s, off);
        } else {
            print_imm(c, &s, sel);
            sput(&s, ',');
            print_imm(c, &s, off);
        }
        break;
    }
    case Ob: case Ov:
        v = fetch_n(c, c->a16 ? 2 : 4);
        if (c->seg >= 0) {
            use_seg(c);
            if (!c->intel)
                sput(&s, '%');
            sputs(&s, sreg[c->seg]);
            sput(&s, ':');
        } else if (c->intel) {
            sputs(&s, "ds:");
        }
        shex(&s, v);
        break;
    case Sw: print_reg(c, &s, sreg[reg_(c)]); break;
    case Cd: {
        char n[4] = { 'c', 'r', (char)('0' + reg_(c)), 0 };
        print_reg(c, &s, n);
        break;
    }
    case Dd: {
        char n[4] = { 'd', c->intel ? 'r' : 'b', (char)('0' + reg_(c)), 0 };
        print_reg(c, &s, n);
        break;
    }
    case Td: {
        char n[4] = { 't', 'r', (char)('0' + reg_(c)), 0 };
        print_reg(c, &s, n);
        break;
    }
    case DXP:
        if (c->intel) {
            sputs(&s, "dx");
        } else {
            sputs(&s, "(%dx)");
        }
        break;
    case CLR:
        print_reg(c, &s, "cl");
        break;
    case ONE:
        if (!c->intel) {
            c->nops--;          /* AT&T leaves the 1 implicit */
            break;
        }
        sputs(&s, "1");
        break;
    case Xb: print_string_mem(c, &s, 1, 3, 6); break;
    case Xv: print_string_mem(c, &s, os, 3, 6); break;
    case Yb: print_string_mem(c, &s, 1, 0, 7); break;
    case Yv: print_string_mem(c, &s, os, 0, 7); break;
    case XL: print_string_mem(c, &s, 1, 3, 3); break;
    case ST0: print_reg(c, &s, "st"); break;
    case STi: print_sti(c, &s, rm_(c)); break;
    case V: case P: {
        char n[5] = { 'x', 'm', 'm', (char)('0' + reg_(c)), 0 };
        print_reg(c, &s, kind == V ? n : n + 1);
        c->sized_reg = true;
        break;
    }
    case W: case Q: case Ux: case Nq: {
        bool x = kind == W || kind == Ux;
        if (mod_(c) == 3) {
            char n[5] = { 'x', 'm', 'm', (char)('0' + rm_(c)), 0 };
            print_reg(c, &s, x ? n : n + 1);
            c->sized_reg = true;
        } else {
            if (kind == Ux || kind == Nq)
                return false;
            print_mem(c, &s, c->memsize ? c->memsize : x ? 16 : 8);
        }
        break;
    }
    default:
        return false;
    }
    return true;
}

/* ---- opcode maps -------------------------------------------------------- */
#define A(n) { n, { Eb, Gb, 0 }, 0 }, { n, { Ev, Gv, 0 }, 0 }, { n, { Gb, Eb, 0 }, 0 }, \
             { n, { Gv, Ev, 0 }, 0 }, { n, { RB, Ib, 0 }, 0 }, { n, { RV, Iv, 0 }, 0 }
#define R8(n, k, f) { n, { k, 0, 0 }, f }, { n, { k + 1, 0, 0 }, f }, { n, { k + 2, 0, 0 }, f }, \
                    { n, { k + 3, 0, 0 }, f }, { n, { k + 4, 0, 0 }, f }, { n, { k + 5, 0, 0 }, f }, \
                    { n, { k + 6, 0, 0 }, f }, { n, { k + 7, 0, 0 }, f }
#define R8I(n, k, i) { n, { k, i, 0 }, 0 }, { n, { k + 1, i, 0 }, 0 }, { n, { k + 2, i, 0 }, 0 }, \
                     { n, { k + 3, i, 0 }, 0 }, { n, { k + 4, i, 0 }, 0 }, { n, { k + 5, i, 0 }, 0 }, \
                     { n, { k + 6, i, 0 }, 0 }, { n, { k + 7, i, 0 }, 0 }
#define PFX { NULL, { 0, 0, 0 }, 0 }
#define BAD { "(bad)", { 0, 0, 0 }, 0 }
#define GRP(n) { NULL, { n, 0, 0 }, 0 }

/* Group markers in the one-byte map (name NULL, op[0] = group). */
enum { G_NONE, G1b, G1v, G1s, G2b1, G2v1, G2bc, G2vc, G2bi, G2vi, G3b, G3v, G4, G5,
       G8F, GC6, GC7, G0F, GX87, GCBW, GCWD, GNOP, GFWAIT };

static const struct entry onebyte[256] = {
    /* 00 */ A("add"), { "push", { RS + 0 }, SFXW }, { "pop", { RS + 0 }, SFXW },
    /* 08 */ A("or"), { "push", { RS + 1 }, SFXW }, GRP(G0F),
    /* 10 */ A("adc"), { "push", { RS + 2 }, SFXW }, { "pop", { RS + 2 }, SFXW },
    /* 18 */ A("sbb"), { "push", { RS + 3 }, SFXW }, { "pop", { RS + 3 }, SFXW },
    /* 20 */ A("and"), PFX, { "daa", { 0 }, 0 },
    /* 28 */ A("sub"), PFX, { "das", { 0 }, 0 },
    /* 30 */ A("xor"), PFX, { "aaa", { 0 }, 0 },
    /* 38 */ A("cmp"), PFX, { "aas", { 0 }, 0 },
    /* 40 */ R8("inc", RV, 0), R8("dec", RV, 0),
    /* 50 */ R8("push", RV, 0), R8("pop", RV, 0),
    /* 60 */ { "pusha", { 0 }, SFXW }, { "popa", { 0 }, SFXW },
             { "bound", { Gv, Ma, 0 }, NOREV }, { "arpl", { Ew, Gw, 0 }, 0 },
             PFX, PFX, PFX, PFX,
    /* 68 */ { "push", { Iv }, SFXW }, { "imul", { Gv, Ev, Iv }, 0 },
             { "push", { Ibs }, SFXW }, { "imul", { Gv, Ev, Ibs }, 0 },
             { "ins", { Yb, DXP }, SFX | STR }, { "ins", { Yv, DXP }, SFX | STR },
             { "outs", { DXP, Xb }, SFX | STR }, { "outs", { DXP, Xv }, SFX | STR },
    /* 70 */ { "jo", { Jb }, JCC }, { "jno", { Jb }, JCC }, { "jb", { Jb }, JCC },
             { "jae", { Jb }, JCC }, { "je", { Jb }, JCC }, { "jne", { Jb }, JCC },
             { "jbe", { Jb }, JCC }, { "ja", { Jb }, JCC }, { "js", { Jb }, JCC },
             { "jns", { Jb }, JCC }, { "jp", { Jb }, JCC }, { "jnp", { Jb }, JCC },
             { "jl", { Jb }, JCC }, { "jge", { Jb }, JCC }, { "jle", { Jb }, JCC },
             { "jg", { Jb }, JCC },
    /* 80 */ GRP(G1b), GRP(G1v), GRP(G1b), GRP(G1s),
             { "test", { Eb, Gb }, 0 }, { "test", { Ev, Gv }, 0 },
             { "xchg", { Eb, Gb }, 0 }, { "xchg", { Ev, Gv }, 0 },
    /* 88 */ { "mov", { Eb, Gb }, 0 }, { "mov", { Ev, Gv }, 0 },
             { "mov", { Gb, Eb }, 0 }, { "mov", { Gv, Ev }, 0 },
             { "mov", { Ewv, Sw }, 0 }, { "lea", { Gv, M }, 0 },
             { "mov", { Sw, Ewv }, 0 }, GRP(G8F),
    /* 90 */ GRP(GNOP), { "xchg", { RV + 1, RV }, 0 }, { "xchg", { RV + 2, RV }, 0 },
             { "xchg", { RV + 3, RV }, 0 }, { "xchg", { RV + 4, RV }, 0 },
             { "xchg", { RV + 5, RV }, 0 }, { "xchg", { RV + 6, RV }, 0 },
             { "xchg", { RV + 7, RV }, 0 },
    /* 98 */ GRP(GCBW), GRP(GCWD), { "lcall|call", { Ap }, SFXWA }, GRP(GFWAIT),
             { "pushf", { 0 }, SFXW }, { "popf", { 0 }, SFXW },
             { "sahf", { 0 }, 0 }, { "lahf", { 0 }, 0 },
    /* a0 */ { "mov", { RB, Ob }, 0 }, { "mov", { RV, Ov }, 0 },
             { "mov", { Ob, RB }, 0 }, { "mov", { Ov, RV }, 0 },
             { "movs", { Yb, Xb }, SFX | STR }, { "movs", { Yv, Xv }, SFX | STR },
             { "cmps", { Xb, Yb }, SFX | STRZ }, { "cmps", { Xv, Yv }, SFX | STRZ },
    /* a8 */ { "test", { RB, Ib }, 0 }, { "test", { RV, Iv }, 0 },
             { "stos", { Yb, RB }, STR }, { "stos", { Yv, RV }, STR },
             { "lods", { RB, Xb }, STR }, { "lods", { RV, Xv }, STR },
             { "scas", { RB, Yb }, STRZ }, { "scas", { RV, Yv }, STRZ },
    /* b0 */ R8I("mov", RB, Ib), R8I("mov", RV, Iv),
    /* c0 */ GRP(G2bi), GRP(G2vi), { "ret", { Iw }, SFXW }, { "ret", { 0 }, SFXW },
             { "les", { Gv, Mp }, 0 }, { "lds", { Gv, Mp }, 0 }, GRP(GC6), GRP(GC7),
    /* c8 */ { "enter", { Iw, Ibx }, NOREV | SFXW }, { "leave", { 0 }, SFXW },
             { "lret|retf", { Iw }, SFXW }, { "lret|retf", { 0 }, SFXW },
             { "int3", { 0 }, 0 }, { "int", { Ib }, 0 }, { "into", { 0 }, 0 },
             { "iret", { 0 }, SFXW },
    /* d0 */ GRP(G2b1), GRP(G2v1), GRP(G2bc), GRP(G2vc),
             { "aam", { Ib }, 0 }, { "aad", { Ib }, 0 }, BAD, { "xlat", { XL }, 0 },
    /* d8 */ GRP(GX87), GRP(GX87), GRP(GX87), GRP(GX87),
             GRP(GX87), GRP(GX87), GRP(GX87), GRP(GX87),
    /* e0 */ { "loopne", { Jb }, JCC }, { "loope", { Jb }, JCC }, { "loop", { Jb }, JCC },
             { "jecxz", { Jb }, JCC },    /* jcxz with 16-bit addressing */
             { "in", { RB, Ib }, 0 }, { "in", { RV, Ib }, 0 },
             { "out", { Ib, RB }, 0 }, { "out", { Ib, RV }, 0 },
    /* e8 */ { "call", { Jv }, SFXW }, { "jmp", { Jv }, SFXW },
             { "ljmp|jmp", { Ap }, SFXWA }, { "jmp", { Jb }, 0 },
             { "in", { RB, DXP }, 0 }, { "in", { RV, DXP }, 0 },
             { "out", { DXP, RB }, 0 }, { "out", { DXP, RV }, 0 },
    /* f0 */ PFX, { "int1", { 0 }, 0 }, PFX, PFX, { "hlt", { 0 }, 0 }, { "cmc", { 0 }, 0 },
             GRP(G3b), GRP(G3v),
    /* f8 */ { "clc", { 0 }, 0 }, { "stc", { 0 }, 0 }, { "cli", { 0 }, 0 },
             { "sti", { 0 }, 0 }, { "cld", { 0 }, 0 }, { "std", { 0 }, 0 },
             GRP(G4), GRP(G5),
};

static const char *const g1[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const g2[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "shl", "sar" };
static const char *const g3[8] = { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" };

/* ---- x87 ------------------------------------------------------------------ */
struct x87m {
    const char *name;           /* Intel name; NULL = (bad) */
    const char *att;            /* AT&T suffix */
    uint8_t size;               /* Intel PTR size */
};

static const struct x87m x87mem[8][8] = {
    { { "fadd", "s", 4 }, { "fmul", "s", 4 }, { "fcom", "s", 4 }, { "fcomp", "s", 4 },
      { "fsub", "s", 4 }, { "fsubr", "s", 4 }, { "fdiv", "s", 4 }, { "fdivr", "s", 4 } },
    { { "fld", "s", 4 }, { NULL, 0, 0 }, { "fst", "s", 4 }, { "fstp", "s", 4 },
      { "fldenv", "", 0 }, { "fldcw", "", 2 }, { "fnstenv", "", 0 }, { "fnstcw", "", 2 } },
    { { "fiadd", "l", 4 }, { "fimul", "l", 4 }, { "ficom", "l", 4 }, { "ficomp", "l", 4 },
      { "fisub", "l", 4 }, { "fisubr", "l", 4 }, { "fidiv", "l", 4 }, { "fidivr", "l", 4 } },
    { { "fild", "l", 4 }, { "fisttp", "l", 4 }, { "fist", "l", 4 }, { "fistp", "l", 4 },
      { NULL, 0, 0 }, { "fld", "t", 10 }, { NULL, 0, 0 }, { "fstp", "t", 10 } },
    { { "fadd", "l", 8 }, { "fmul", "l", 8 }, { "fcom", "l", 8 }, { "fcomp", "l", 8 },
      { "fsub", "l", 8 }, { "fsubr", "l", 8 }, { "fdiv", "l", 8 }, { "fdivr", "l", 8 } },
    { { "fld", "l", 8 }, { "fisttp", "ll", 8 }, { "fst", "l", 8 }, { "fstp", "l", 8 },
      { "frstor", "", 0 }, { NULL, 0, 0 }, { "fnsave", "", 0 }, { "fnstsw", "", 2 } },
    { { "fiadd", "s", 2 }, { "fimul", "s", 2 }, { "ficom", "s", 2 }, { "ficomp", "s", 2 },
      { "fisub", "s", 2 }, { "fisubr", "s", 2 }, { "fidiv", "s", 2 }, { "fidivr", "s", 2 } },
    { { "fild", "s", 2 }, { "fisttp", "s", 2 }, { "fist", "s", 2 }, { "fistp", "s", 2 },
      { "fbld", "", 10 }, { "fild", "ll", 8 }, { "fbstp", "", 10 }, { "fistp", "ll", 8 } },
};

static const char *const d9_e0[32] = {
    "fchs", "fabs", NULL, NULL, "ftst", "fxam", NULL, NULL,
    "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
    "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp",
    "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos",
};

static void set_mnem(struct ctx *c, const char *name);
static void append_mnem(struct ctx *c, const char *t);

/* The register forms' operand shapes. */
enum { X_NONE, X_STI, X_ST_STI, X_STI_ST, X_AX };

/* Names of fwait-able control instructions lose the 'n' after 9b. */
static const char *x87_fwait_name(struct ctx *c, const char *n, char *tmp /* [24] */)
{
    if (!c->fwait || n[0] != 'f' || n[1] != 'n' || n[2] == 'o')
        return n;                   /* fnop is not a no-wait form */
    unsigned k = 0;
    tmp[k++] = 'f';
    for (const char *p = n + 2; *p && k < 23; p++)
        tmp[k++] = *p;
    tmp[k] = 0;
    return tmp;
}

static bool x87(struct ctx *c, uint8_t op)
{
    char tmp[24];
    unsigned t = op - 0xd8;
    if (!get_modrm(c))
        return false;
    unsigned reg = reg_(c), rm = rm_(c);
    if (mod_(c) != 3) {
        const struct x87m *e = &x87mem[t][reg];
        if (!e->name)
            return false;
        const char *n = x87_fwait_name(c, e->name, tmp);
        if (e->size == 0 && c->opsize) {
            /* 16-bit environment/state layout: objdump's fnsaves/fnsavew */
            set_mnem(c, n);
            if (osize(c) == 2)
                append_mnem(c, c->intel ? "w" : "s");
            else
                append_mnem(c, c->intel ? "d" : "l");
            use_opsize(c);
        } else if (c->intel) {
            set_mnem(c, n);
        } else {
            char m[24];
            unsigned k = 0;
            for (const char *p = n; *p; p++)
                m[k++] = *p;
            for (const char *p = e->att; *p; p++)
                m[k++] = *p;
            m[k] = 0;
            set_mnem(c, m);
        }
        struct sbuf s = opbuf(c);
        print_mem(c, &s, e->size);
        return true;
    }
    const char *n = NULL;
    int shape = X_NONE;
    switch (t) {
    case 0: {
        static const char *const d8[8] = { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr",
                                           "fdiv", "fdivr" };
        n = d8[reg];
        shape = reg == 2 || reg == 3 ? X_STI : X_ST_STI;
        break;
    }
    case 1:
        if (reg == 0) { n = "fld"; shape = X_STI; }
        else if (reg == 1) { n = "fxch"; shape = X_STI; }
        else if (c->modrm == 0xd0) n = "fnop";
        else if (reg >= 4) n = d9_e0[c->modrm - 0xe0];
        break;
    case 2: {
        static const char *const da[4] = { "fcmovb", "fcmove", "fcmovbe", "fcmovu" };
        if (reg < 4) { n = da[reg]; shape = X_ST_STI; }
        else if (c->modrm == 0xe9) n = "fucompp";
        break;
    }
    case 3: {
        static const char *const db[4] = { "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu" };
        static const char *const dbe[6] = { "fneni(8087 only)", "fndisi(8087 only)", "fnclex",
                                            "fninit", "fnsetpm(287 only)", "frstpm(287 only)" };
        if (reg < 4) { n = db[reg]; shape = X_ST_STI; }
        else if (reg == 4 && rm < 6) n = dbe[rm];
        else if (reg == 5) { n = "fucomi"; shape = X_ST_STI; }
        else if (reg == 6) { n = "fcomi"; shape = X_ST_STI; }
        break;
    }
    case 4: {
        /* objdump's AT&T names of the reversed-operand subtract/divide
         * forms are swapped against Intel's (the historical Unix
         * assembler convention). */
        static const char *const dci[8] = { "fadd", "fmul", NULL, NULL, "fsubr", "fsub",
                                            "fdivr", "fdiv" };
        static const char *const dca[8] = { "fadd", "fmul", NULL, NULL, "fsub", "fsubr",
                                            "fdiv", "fdivr" };
        n = c->intel ? dci[reg] : dca[reg];
        shape = X_STI_ST;
        break;
    }
    case 5: {
        static const char *const dd[8] = { "ffree", NULL, "fst", "fstp", "fucom", "fucomp",
                                           NULL, NULL };
        n = dd[reg];
        shape = X_STI;
        break;
    }
    case 6: {
        static const char *const dei[8] = { "faddp", "fmulp", NULL, NULL, "fsubrp", "fsubp",
                                            "fdivrp", "fdivp" };
        static const char *const dea[8] = { "faddp", "fmulp", NULL, NULL, "fsubp", "fsubrp",
                                            "fdivp", "fdivrp" };
        if (c->modrm == 0xd9) n = "fcompp";
        else { n = c->intel ? dei[reg] : dea[reg]; shape = X_STI_ST; }
        break;
    }
    case 7:
        if (reg == 0) { n = "ffreep"; shape = X_STI; }
        else if (c->modrm == 0xe0) { n = "fnstsw"; shape = X_AX; }
        else if (reg == 5) { n = "fucomip"; shape = X_ST_STI; }
        else if (reg == 6) { n = "fcomip"; shape = X_ST_STI; }
        break;
    }
    if (!n)
        return false;
    set_mnem(c, x87_fwait_name(c, n, tmp));
    struct sbuf s;
    switch (shape) {
    case X_STI:
        s = opbuf(c);
        print_sti(c, &s, rm);
        break;
    case X_ST_STI:
    case X_STI_ST: {
        /* Stored in Intel order; AT&T reverses at print time. */
        s = opbuf(c);
        if (shape == X_ST_STI)
            print_reg(c, &s, "st");
        else
            print_sti(c, &s, rm);
        s = opbuf(c);
        if (shape == X_ST_STI)
            print_sti(c, &s, rm);
        else
            print_reg(c, &s, "st");
        break;
    }
    case X_AX:
        s = opbuf(c);
        print_reg(c, &s, "ax");
        break;
    }
    return true;
}

/* ---- mnemonic helpers ---------------------------------------------------- */
static void set_mnem(struct ctx *c, const char *name)
{
    /* "att|intel" picks one half. */
    const char *bar = name;
    while (*bar && *bar != '|')
        bar++;
    const char *from = name, *to = bar;
    if (*bar && c->intel) {
        from = bar + 1;
        to = from;
        while (*to)
            to++;
    }
    unsigned k = 0;
    while (from < to && k + 1 < sizeof c->mnem)
        c->mnem[k++] = *from++;
    c->mnem[k] = 0;
}

static void append_mnem(struct ctx *c, const char *t)
{
    unsigned k = 0;
    while (c->mnem[k])
        k++;
    while (*t && k + 1 < sizeof c->mnem)
        c->mnem[k++] = *t++;
    c->mnem[k] = 0;
}

static bool ops3(struct ctx *c, const uint8_t *op)
{
    for (int i = 0; i < 3 && op[i]; i++) {
        if (!operand(c, op[i]))
            return false;
    }
    return true;
}

static bool needs_modrm(uint8_t k)
{
    return (k >= Eb && k <= Gd) || (k >= M && k <= Mx) || (k >= Sw && k <= Rw16) || k == STi ||
           (k >= V && k <= Gy);
}

static bool run_ops(struct ctx *c, const uint8_t *op)
{
    for (int i = 0; i < 3 && op[i]; i++) {
        if (needs_modrm(op[i]) && !get_modrm(c))
            return false;
    }
    return ops3(c, op);
}

/* ---- two-byte map ---------------------------------------------------------- */
/* twobyte() sets the mnemonic and returns the operand kinds and flags in
 * *tmp (SSE instructions format their operands at once). */
/* MMX/SSE2 integer operations: none = mm registers, 66 = xmm registers. */
static const char *const mmx60[16] = {
    "punpcklbw", "punpcklwd", "punpckldq", "packsswb", "pcmpgtb", "pcmpgtw", "pcmpgtd",
    "packuswb", "punpckhbw", "punpckhwd", "punpckhdq", "packssdw", "punpcklqdq",
    "punpckhqdq", NULL, NULL,
};
static const char *const mmxd0[48] = {
    NULL, "psrlw", "psrld", "psrlq", "paddq", "pmullw", NULL, NULL,
    "psubusb", "psubusw", "pminub", "pand", "paddusb", "paddusw", "pmaxub", "pandn",
    "pavgb", "psraw", "psrad", "pavgw", "pmulhuw", "pmulhw", NULL, NULL,
    "psubsb", "psubsw", "pminsw", "por", "paddsb", "paddsw", "pmaxsw", "pxor",
    NULL, "psllw", "pslld", "psllq", "pmuludq", "pmaddwd", "psadbw", NULL,
    "psubb", "psubw", "psubd", "psubq", "paddb", "paddw", "paddd", NULL,
};

/* SSE floating point 0F 50..5F: ps, pd, ss, sd name stems. */
static const char *const sse50[16] = {
    NULL, "sqrt", "rsqrt", "rcp", "and", "andn", "or", "xor",
    "add", "mul", NULL, NULL, "sub", "min", "div", "max",
};

static bool sse(struct ctx *c, uint8_t op)
{
    /* Mandatory prefix: 66 > f3 > f2 by the last one seen; objdump uses the
     * rep prefix when present, else 66. */
    int p = c->rep == 0xf3 ? 2 : c->rep == 0xf2 ? 3 : c->opsize ? 1 : 0;
    const char *n = NULL;
    uint8_t o[3] = { 0, 0, 0 };
    char buf[24];

    if (op == 0x77) {
        if (p)
            return false;
        set_mnem(c, "emms");
        return true;
    }
    if (!get_modrm(c))
        return false;
    bool reg = mod_(c) == 3;
    if (op >= 0x50 && op <= 0x5f && sse50[op & 15]) {
        static const char *const sfx[4] = { "ps", "pd", "ss", "sd" };
        if ((op >= 0x54 && op <= 0x57) && p >= 2)
            return false;
        if ((op == 0x52 || op == 0x53) && (p == 1 || p == 3))
            return false;
        unsigned k = 0;
        for (const char *q = sse50[op & 15]; *q; q++)
            buf[k++] = *q;
        buf[k++] = sfx[p][0];
        buf[k++] = sfx[p][1];
        buf[k] = 0;
        n = buf;
        o[0] = V; o[1] = W;
        c->memsize = p == 2 ? 4 : p == 3 ? 8 : 0;
    } else if ((op >= 0x60 && op <= 0x6d && mmx60[op & 15]) ||
               (op >= 0xd0 && mmxd0[op - 0xd0]) || (op >= 0x74 && op <= 0x76)) {
        if (p >= 2)
            return false;
        if ((op == 0x6c || op == 0x6d) && p != 1)
            return false;
        static const char *const pcmpeq[3] = { "pcmpeqb", "pcmpeqw", "pcmpeqd" };
        n = op < 0x70 ? mmx60[op & 15] : op < 0x80 ? pcmpeq[op - 0x74] : mmxd0[op - 0xd0];
        o[0] = p ? V : P; o[1] = p ? W : Q;
        if (op >= 0x60 && op <= 0x62 && !p)
            c->memsize = 4;         /* the mm forms read the low half only */
    } else {
        switch (op) {
        case 0x10: case 0x11: {
            static const char *const m[4] = { "movups", "movupd", "movss", "movsd" };
            n = m[p];
            c->memsize = p == 2 ? 4 : p == 3 ? 8 : 0;
            o[0] = op == 0x10 ? V : W; o[1] = op == 0x10 ? W : V;
            break;
        }
        case 0x12: case 0x13: case 0x16: case 0x17:
            if ((op == 0x12 && p >= 2) || (op == 0x16 && p == 2)) {
                n = p == 3 ? "movddup" : op == 0x12 ? "movsldup" : "movshdup";
                c->memsize = p == 3 ? 8 : 0;
                o[0] = V; o[1] = W;
                break;
            }
            if (p >= 2)
                return false;
            if (op == 0x12 || op == 0x16) {
                if (reg && p == 0)
                    n = op == 0x12 ? "movhlps" : "movlhps";
                else if (reg)
                    return false;
                else
                    n = op == 0x12 ? (p ? "movlpd" : "movlps") : (p ? "movhpd" : "movhps");
                o[0] = V; o[1] = reg ? W : Mq;
            } else {
                if (reg)
                    return false;
                n = op == 0x13 ? (p ? "movlpd" : "movlps") : (p ? "movhpd" : "movhps");
                o[0] = Mq; o[1] = V;
            }
            break;
        case 0x14: case 0x15:
            if (p >= 2)
                return false;
            n = op == 0x14 ? (p ? "unpcklpd" : "unpcklps") : (p ? "unpckhpd" : "unpckhps");
            o[0] = V; o[1] = W;
            break;
        case 0x28: case 0x29:
            if (p >= 2)
                return false;
            n = p ? "movapd" : "movaps";
            o[0] = op == 0x28 ? V : W; o[1] = op == 0x28 ? W : V;
            break;
        case 0x2b:
            if (reg)
                return false;
            if (p >= 2) {
                n = p == 2 ? "movntss" : "movntsd";
                o[0] = p == 2 ? Md : Mq; o[1] = V;
                break;
            }
            n = p ? "movntpd" : "movntps";
            o[0] = Mx; o[1] = V;
            break;
        case 0x2e: case 0x2f:
            if (p >= 2)
                return false;
            n = op == 0x2e ? (p ? "ucomisd" : "ucomiss") : (p ? "comisd" : "comiss");
            c->memsize = p ? 8 : 4;
            o[0] = V; o[1] = W;
            break;
        case 0x2a:
            if (p < 2) {
                n = p ? "cvtpi2pd" : "cvtpi2ps";
                o[0] = V; o[1] = Q;
                break;
            }
            n = p == 2 ? "cvtsi2ss" : "cvtsi2sd";
            o[0] = V; o[1] = Ey;
            break;
        case 0x2c: case 0x2d:
            if (p < 2) {
                n = op == 0x2c ? (p ? "cvttpd2pi" : "cvttps2pi") : (p ? "cvtpd2pi" : "cvtps2pi");
                c->memsize = p ? 16 : 8;
                o[0] = P; o[1] = W;
                break;
            }
            n = op == 0x2c ? (p == 2 ? "cvttss2si" : "cvttsd2si") : (p == 2 ? "cvtss2si" : "cvtsd2si");
            c->memsize = p == 2 ? 4 : 8;
            o[0] = Gy; o[1] = W;
            break;
        case 0x50:
            if (p >= 2 || !reg)
                return false;
            n = p ? "movmskpd" : "movmskps";
            o[0] = Gy; o[1] = Ux;
            break;
        case 0x5a: {
            static const char *const m[4] = { "cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss" };
            n = m[p];
            c->memsize = p == 0 ? 8 : p == 2 ? 4 : p == 3 ? 8 : 0;
            o[0] = V; o[1] = W;
            break;
        }
        case 0x5b: {
            static const char *const m[4] = { "cvtdq2ps", "cvtps2dq", "cvttps2dq", NULL };
            n = m[p];
            o[0] = V; o[1] = W;
            break;
        }
        case 0x6e:
            if (p >= 2)
                return false;
            n = "movd";
            o[0] = p ? V : P; o[1] = Ey;
            break;
        case 0x7e:
            if (p == 3)
                return false;
            if (p == 2) {
                n = "movq";
                c->memsize = 8;
                o[0] = V; o[1] = W;
            } else {
                n = "movd";
                o[0] = Ey; o[1] = p ? V : P;
            }
            break;
        case 0x6f: case 0x7f: {
            static const char *const m[4] = { "movq", "movdqa", "movdqu", NULL };
            n = m[p];
            bool x = p != 0;
            o[0] = op == 0x6f ? (x ? V : P) : (x ? W : Q);
            o[1] = op == 0x6f ? (x ? W : Q) : (x ? V : P);
            break;
        }
        case 0x70: {
            static const char *const m[4] = { "pshufw", "pshufd", "pshufhw", "pshuflw" };
            n = m[p];
            o[0] = p ? V : P; o[1] = p ? W : Q; o[2] = Ib;
            break;
        }
        case 0x71: case 0x72: case 0x73: {
            static const char *const m[3][8] = {
                { NULL, NULL, "psrlw", NULL, "psraw", NULL, "psllw", NULL },
                { NULL, NULL, "psrld", NULL, "psrad", NULL, "pslld", NULL },
                { NULL, NULL, "psrlq", "psrldq", NULL, NULL, "psllq", "pslldq" },
            };
            if (p >= 2 || !reg)
                return false;
            n = m[op - 0x71][reg_(c)];
            if ((reg_(c) == 3 || reg_(c) == 7) && !p)
                return false;
            o[0] = p ? Ux : Nq; o[1] = Ib;
            break;
        }
        case 0xc2: {
            static const char *const pred[8] = { "eq", "lt", "le", "unord", "neq", "nlt",
                                                 "nle", "ord" };
            static const char *const sfx[4] = { "ps", "pd", "ss", "sd" };
            c->memsize = p == 2 ? 4 : p == 3 ? 8 : 0;
            o[0] = V; o[1] = W;
            if (!operand(c, o[0]) || !operand(c, o[1]))
                return false;
            uint8_t imm = 0;
            if (!fetch(c, &imm))
                return false;
            unsigned k = 0;
            for (const char *q = "cmp"; *q; q++)
                buf[k++] = *q;
            if (imm < 8) {
                for (const char *q = pred[imm]; *q; q++)
                    buf[k++] = *q;
            }
            buf[k++] = sfx[p][0];
            buf[k++] = sfx[p][1];
            buf[k] = 0;
            set_mnem(c, buf);
            if (imm >= 8) {
                struct sbuf s = opbuf(c);
                print_imm(c, &s, imm);
            }
            goto used;
        }
        case 0x7c: case 0x7d: case 0xd0:
            if (p != 1 && p != 3)
                return false;
            n = op == 0x7c ? (p == 1 ? "haddpd" : "haddps") :
                op == 0x7d ? (p == 1 ? "hsubpd" : "hsubps") : (p == 1 ? "addsubpd" : "addsubps");
            o[0] = V; o[1] = W;
            break;
        case 0xf0:
            if (p != 3 || reg)
                return false;
            n = "lddqu";
            o[0] = V; o[1] = M;
            break;
        case 0xc4:
            if (p >= 2)
                return false;
            n = "pinsrw";
            c->memsize = 2;
            o[0] = p ? V : P; o[1] = reg ? Ey : Mw; o[2] = Ib;
            break;
        case 0xc5:
            if (p >= 2 || !reg)
                return false;
            n = "pextrw";
            o[0] = Gy; o[1] = p ? Ux : Nq; o[2] = Ib;
            break;
        case 0xc3:
            if (p || reg)
                return false;
            n = "movnti";
            o[0] = Md; o[1] = Gd;
            break;
        case 0xc6:
            if (p >= 2)
                return false;
            n = p ? "shufpd" : "shufps";
            o[0] = V; o[1] = W; o[2] = Ib;
            break;
        case 0xd6:
            if (p >= 2) {
                if (!reg)
                    return false;
                n = p == 2 ? "movq2dq" : "movdq2q";
                o[0] = p == 2 ? V : P; o[1] = p == 2 ? Nq : Ux;
                break;
            }
            if (p != 1)
                return false;
            n = "movq";
            c->memsize = 8;
            o[0] = W; o[1] = V;
            break;
        case 0xd7:
            if (!reg)
                return false;
            if (p >= 2)
                p = -1;             /* objdump: a repz/repnz prefix on the mm form */
            n = "pmovmskb";
            o[0] = Gy; o[1] = p > 0 ? Ux : Nq;
            break;
        case 0xe6: {
            static const char *const m[4] = { NULL, "cvttpd2dq", "cvtdq2pd", "cvtpd2dq" };
            n = m[p];
            c->memsize = p == 2 ? 8 : 0;
            o[0] = V; o[1] = W;
            break;
        }
        case 0xe7:
            if (p >= 2 || reg)
                return false;
            n = p ? "movntdq" : "movntq";
            o[0] = p ? Mx : Mq; o[1] = p ? V : P;
            break;
        case 0xf7:
            if (p >= 2 || !reg)
                return false;
            n = p ? "maskmovdqu" : "maskmovq";
            o[0] = p ? V : P; o[1] = p ? Ux : Nq;
            break;
        default:
            return false;
        }
    }
    if (!n)
        return false;
    set_mnem(c, n);
    if (!ops3(c, o))
        return false;
used:
    /* The mandatory prefix is part of the opcode. */
    if (p == 1)
        use_opsize(c);
    else if (p >= 2 && c->lastrep >= 0)
        c->pfx_used[c->lastrep] = true;
    return true;
}

static bool is_sse(uint8_t op)
{
    return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) ||
           (op >= 0x50 && op <= 0x77) || (op >= 0x7c && op <= 0x7f) ||
           (op >= 0xc2 && op <= 0xc6) || (op >= 0xd0 && op <= 0xfe);
}

/* ---- three-byte maps 0F 38 and 0F 3A ------------------------------------- */
#define T_MMX  0x01     /* also without 66, on mm registers (SSSE3) */
#define T_XMM0 0x02     /* implicit xmm0 third operand (blendv) */
#define T_EXT  0x04     /* 0F 3A extract: r/m (GPR or memory) <- xmm, imm8 */
#define T_INS  0x08     /* 0F 3A insert: xmm <- r/m (GPR or memory), imm8 */

struct op3 {
    const char *name;
    uint8_t memsize;            /* Intel PTR size of the memory operand (0: full) */
    uint8_t flags;
};

static const struct op3 map38[256] = {
    [0x00] = { "pshufb", 0, T_MMX }, [0x01] = { "phaddw", 0, T_MMX },
    [0x02] = { "phaddd", 0, T_MMX }, [0x03] = { "phaddsw", 0, T_MMX },
    [0x04] = { "pmaddubsw", 0, T_MMX }, [0x05] = { "phsubw", 0, T_MMX },
    [0x06] = { "phsubd", 0, T_MMX }, [0x07] = { "phsubsw", 0, T_MMX },
    [0x08] = { "psignb", 0, T_MMX }, [0x09] = { "psignw", 0, T_MMX },
    [0x0a] = { "psignd", 0, T_MMX }, [0x0b] = { "pmulhrsw", 0, T_MMX },
    [0x10] = { "pblendvb", 0, T_XMM0 }, [0x14] = { "blendvps", 0, T_XMM0 },
    [0x15] = { "blendvpd", 0, T_XMM0 }, [0x17] = { "ptest", 0, 0 },
    [0x1c] = { "pabsb", 0, T_MMX }, [0x1d] = { "pabsw", 0, T_MMX },
    [0x1e] = { "pabsd", 0, T_MMX },
    [0x20] = { "pmovsxbw", 8, 0 }, [0x21] = { "pmovsxbd", 4, 0 }, [0x22] = { "pmovsxbq", 2, 0 },
    [0x23] = { "pmovsxwd", 8, 0 }, [0x24] = { "pmovsxwq", 4, 0 }, [0x25] = { "pmovsxdq", 8, 0 },
    [0x28] = { "pmuldq", 0, 0 }, [0x29] = { "pcmpeqq", 0, 0 }, [0x2b] = { "packusdw", 0, 0 },
    [0x30] = { "pmovzxbw", 8, 0 }, [0x31] = { "pmovzxbd", 4, 0 }, [0x32] = { "pmovzxbq", 2, 0 },
    [0x33] = { "pmovzxwd", 8, 0 }, [0x34] = { "pmovzxwq", 4, 0 }, [0x35] = { "pmovzxdq", 8, 0 },
    [0x37] = { "pcmpgtq", 0, 0 }, [0x38] = { "pminsb", 0, 0 }, [0x39] = { "pminsd", 0, 0 },
    [0x3a] = { "pminuw", 0, 0 }, [0x3b] = { "pminud", 0, 0 }, [0x3c] = { "pmaxsb", 0, 0 },
    [0x3d] = { "pmaxsd", 0, 0 }, [0x3e] = { "pmaxuw", 0, 0 }, [0x3f] = { "pmaxud", 0, 0 },
    [0x40] = { "pmulld", 0, 0 }, [0x41] = { "phminposuw", 0, 0 },
    [0xdb] = { "aesimc", 0, 0 }, [0xdc] = { "aesenc", 0, 0 }, [0xdd] = { "aesenclast", 0, 0 },
    [0xde] = { "aesdec", 0, 0 }, [0xdf] = { "aesdeclast", 0, 0 },
};

static const struct op3 map3a[256] = {
    [0x08] = { "roundps", 0, 0 }, [0x09] = { "roundpd", 0, 0 }, [0x0a] = { "roundss", 4, 0 },
    [0x0b] = { "roundsd", 8, 0 }, [0x0c] = { "blendps", 0, 0 }, [0x0d] = { "blendpd", 0, 0 },
    [0x0e] = { "pblendw", 0, 0 }, [0x0f] = { "palignr", 0, T_MMX },
    [0x14] = { "pextrb", 1, T_EXT }, [0x15] = { "pextrw", 2, T_EXT },
    [0x16] = { "pextrd", 4, T_EXT }, [0x17] = { "extractps", 4, T_EXT },
    [0x20] = { "pinsrb", 1, T_INS }, [0x21] = { "insertps", 4, 0 }, [0x22] = { "pinsrd", 4, T_INS },
    [0x40] = { "dpps", 0, 0 }, [0x41] = { "dppd", 0, 0 }, [0x42] = { "mpsadbw", 0, 0 },
    [0x44] = { "pclmulqdq", 0, 0 },
    [0x60] = { "pcmpestrm", 0, 0 }, [0x61] = { "pcmpestri", 0, 0 },
    [0x62] = { "pcmpistrm", 0, 0 }, [0x63] = { "pcmpistri", 0, 0 },
    [0xdf] = { "aeskeygenassist", 0, 0 },
};

static bool threebyte(struct ctx *c, uint8_t map)
{
    uint8_t op;
    if (!fetch(c, &op))
        return false;
    if (map == 0x38 && (op == 0xf0 || op == 0xf1)) {
        if (!get_modrm(c))
            return false;
        if (c->rep == 0xf2) {
            /* crc32: AT&T gives a memory source's size as a suffix */
            set_mnem(c, "crc32");
            if (!c->intel && mod_(c) != 3)
                append_mnem(c, op == 0xf0 ? "b" : osize(c) == 2 ? "w" : "l");
            c->pfx_used[c->lastrep] = true;
            return operand(c, Gd) && operand(c, op == 0xf0 ? Eb : Ev);
        }
        if (c->rep || mod_(c) == 3)
            return false;
        set_mnem(c, "movbe");
        return op == 0xf0 ? operand(c, Gv) && operand(c, Ev) : operand(c, Ev) && operand(c, Gv);
    }
    if (map == 0x38 && op == 0x2a) {
        if (!c->opsize || c->rep || !get_modrm(c) || mod_(c) == 3)
            return false;
        set_mnem(c, "movntdqa");
        use_opsize(c);
        return operand(c, V) && operand(c, Mx);
    }
    const struct op3 *e = map == 0x38 ? &map38[op] : &map3a[op];
    if (!e->name || c->rep || (!c->opsize && !(e->flags & T_MMX)))
        return false;
    if (!get_modrm(c))
        return false;
    bool x = c->opsize;
    if (x)
        use_opsize(c);
    c->memsize = e->memsize;
    if (e->flags & T_EXT) {
        if (!operand(c, mod_(c) == 3 ? Rd : e->memsize == 1 ? Mb : e->memsize == 2 ? Mw : Md) ||
            !operand(c, V))
            return false;
    } else if (e->flags & T_INS) {
        if (!operand(c, V) ||
            !operand(c, mod_(c) == 3 ? Rd : e->memsize == 1 ? Mb : Md))
            return false;
    } else {
        if (!operand(c, x ? V : P) || !operand(c, x ? W : Q))
            return false;
    }
    set_mnem(c, e->name);
    if (e->flags & T_XMM0) {
        struct sbuf s = opbuf(c);
        print_reg(c, &s, "xmm0");
    }
    if (map == 0x3a) {
        uint8_t imm;
        if (!fetch(c, &imm))
            return false;
        if (op == 0x44 && (imm & ~0x11) == 0) {
            /* objdump names the four pclmulqdq selections */
            static const char *const q[4] = { "pclmullqlqdq", "pclmulhqlqdq", "pclmullqhqdq",
                                              "pclmulhqhqdq" };
            set_mnem(c, q[(imm & 1) | (imm >> 3)]);
        } else {
            struct sbuf s = opbuf(c);
            print_imm(c, &s, imm);
        }
    }
    return true;
}

/* 0F 01 with mod == 3, other than monitor/mwait, smsw and lmsw. */
static const char *const g7reg[64] = {
    [0x00] = "enclv", [0x05] = "pconfig", [0x06] = "wrmsrns",
    [0x18] = "vmrun", [0x1a] = "vmload", [0x1b] = "vmsave", [0x1e] = "skinit",
    [0x1f] = "invlpga", [0x3c] = "clzero", [0x3d] = "rdpru",
    [0x01] = "vmcall", [0x02] = "vmlaunch", [0x03] = "vmresume", [0x04] = "vmxoff",
    [0x0a] = "clac", [0x0b] = "stac", [0x0f] = "encls",
    [0x10] = "xgetbv", [0x11] = "xsetbv", [0x14] = "vmfunc", [0x15] = "xend", [0x16] = "xtest",
    [0x17] = "enclu", [0x19] = "vmmcall", [0x1c] = "stgi", [0x1d] = "clgi",
    [0x28] = "serialize", [0x2e] = "rdpkru", [0x2f] = "wrpkru",
    [0x38] = "swapgs", [0x39] = "rdtscp", [0x3e] = "invlpgb", [0x3f] = "tlbsync",
};

static bool twobyte(struct ctx *c, const struct entry **e_out, struct entry *tmp)
{
    uint8_t op;
    if (!fetch(c, &op))
        return false;
    c->op2 = op;
    *e_out = tmp;
    *tmp = (struct entry){ NULL, { 0, 0, 0 }, 0 };
    if (op >= 0x80 && op <= 0x8f) {
        set_mnem(c, "j");
        append_mnem(c, cc[op & 15]);
        tmp->op[0] = Jv;
        tmp->flags = JCC;
        return true;
    }
    if (op >= 0x90 && op <= 0x9f) {
        set_mnem(c, "set");
        append_mnem(c, cc[op & 15]);
        tmp->op[0] = Eb;
        return true;
    }
    if (op >= 0x40 && op <= 0x4f) {
        set_mnem(c, "cmov");
        append_mnem(c, cc[op & 15]);
        tmp->op[0] = Gv;
        tmp->op[1] = Ev;
        return true;
    }
    if (op >= 0xc8 && op <= 0xcf) {
        set_mnem(c, "bswap");
        tmp->op[0] = (uint8_t)(RV + (op & 7));
        return true;
    }
    /* Prefixed forms outside the SSE space. */
    if (c->rep == 0xf3 && (op == 0xb8 || op == 0xbc || op == 0xbd)) {
        set_mnem(c, op == 0xb8 ? "popcnt" : op == 0xbc ? "tzcnt" : "lzcnt");
        c->pfx_used[c->lastrep] = true;
        tmp->op[0] = Gv;
        tmp->op[1] = Ev;
        return true;
    }
    if (c->rep == 0xf3 && op == 0x1e && c->pos < c->avail && c->code[c->pos] == 0xfb) {
        c->pos++;
        c->pfx_used[c->lastrep] = true;
        set_mnem(c, "endbr32");
        return true;
    }
    if (op == 0x38 || op == 0x3a)
        return threebyte(c, op);    /* formats its operands itself */
    if (is_sse(op))
        return sse(c, op);          /* formats its operands itself */
    const char *n = NULL;
    bool named = false;             /* the mnemonic is set already */
    uint8_t a = 0, b = 0, d = 0, f = 0;
    switch (op) {
    case 0x00: {
        static const char *const g[8] = { "sldt", "str", "lldt", "ltr", "verr", "verw", NULL, NULL };
        if (!get_modrm(c))
            return false;
        n = g[reg_(c)];
        a = reg_(c) < 2 ? Ewv : Ew;
        break;
    }
    case 0x01:
        if (!get_modrm(c))
            return false;
        if (mod_(c) != 3) {
            static const char *const g[8] = { "sgdt", "sidt", "lgdt", "lidt", "smsw", NULL,
                                              "lmsw", "invlpg" };
            unsigned r = reg_(c);
            n = g[r];
            if (r < 4) {
                set_mnem(c, n);
                append_mnem(c, osize(c) == 2 ? "w" : c->intel ? "d" : "l");
                use_opsize(c);
                tmp->op[0] = M;
                return true;
            }
            a = r == 4 ? Ewv : r == 6 ? Ew : Mb;
        } else {
            switch (c->modrm) {
            case 0xc8: /* objdump names the implicit registers in AT&T only */
                n = "monitor";
                if (!c->intel) { a = c->a16 ? RW : RW32; b = RW32 + 1; d = RW32 + 2; f = NOREV; }
                break;
            case 0xc9:
                n = "mwait";
                if (!c->intel) { a = RW32 + 0; b = RW32 + 1; f = NOREV; }
                break;
            case 0xfa:
                n = "monitorx";
                if (!c->intel) { a = c->a16 ? RW : RW32; b = RW32 + 1; d = RW32 + 2; f = NOREV; }
                break;
            case 0xfb:
                n = "mwaitx";
                if (!c->intel) { a = RW32 + 0; b = RW32 + 1; d = RW32 + 3; f = NOREV; }
                break;
            default:
                n = g7reg[c->modrm - 0xc0];
                if (n)
                    break;
                if (reg_(c) == 4) { n = "smsw"; a = Rv; }
                else if (reg_(c) == 6) { n = "lmsw"; a = Ew; }
            }
        }
        break;
    case 0x02: n = "lar"; a = Gv; b = Ewl; break;
    case 0x03: n = "lsl"; a = Gv; b = Ewl; break;
    case 0x05: n = "syscall"; break;
    case 0x06: n = "clts"; break;
    case 0x07: n = "sysret"; break;
    case 0x08: n = "invd"; break;
    case 0x09:
        if (c->rep == 0xf2 || (c->opsize && c->rep != 0xf3))
            return false;
        n = c->rep == 0xf3 ? "wbnoinvd" : "wbinvd";
        if (c->rep == 0xf3)
            c->pfx_used[c->lastrep] = true;
        break;
    case 0x0b: n = "ud2"; break;
    case 0x0e: n = "femms"; break;
    case 0x37: n = "getsec"; break;
    case 0xb9: n = "ud1"; a = Gv; b = Ev; break;
    case 0xff: n = "ud0"; a = Gv; b = Ev; break;
    case 0x1a: case 0x1b:
        /* MPX bnd* instructions are not covered; without a prefix, the
         * register forms are hint nops */
        if (!get_modrm(c) || mod_(c) != 3 || c->opsize || c->rep)
            return false;
        n = "nop";
        a = Ev;
        f = SFX;
        break;
    case 0x1c:
        if (!get_modrm(c))
            return false;
        if (reg_(c) == 0 && mod_(c) != 3 && !c->opsize && !c->rep) {
            n = "cldemote";
            a = Mb;
            break;
        }
        /* fall through */
    case 0x19: case 0x1d: case 0x1e:
        n = "nop";                  /* hint space */
        a = Ev;
        f = SFX;
        break;
    case 0x24: n = "mov"; a = Rd; b = Td; break;
    case 0x26: n = "mov"; a = Td; b = Rd; break;
    case 0x78: case 0x79:
        if (c->opsize || c->rep)
            return false;
        n = op == 0x78 ? "vmread" : "vmwrite";
        a = op == 0x78 ? Ed : Gd;
        b = op == 0x78 ? Gd : Ed;
        break;
    case 0x0d:
        if (!get_modrm(c))
            return false;
        n = reg_(c) == 1 ? "prefetchw" : reg_(c) == 2 ? "prefetchwt1" : "prefetch";
        a = Mb;
        break;
    case 0x18: {
        static const char *const g[4] = { "prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2" };
        if (!get_modrm(c))
            return false;
        if (reg_(c) < 4 && mod_(c) != 3) {
            n = g[reg_(c)];
            a = Mb;
        } else {
            n = "nop";              /* reserved hint space: a nop */
            a = Ev;
            f = SFX;
        }
        break;
    }
    case 0x1f: n = "nop"; a = Ev; f = SFX; break;
    case 0x20: n = "mov"; a = Rd; b = Cd; break;
    case 0x21: n = "mov"; a = Rd; b = Dd; break;
    case 0x22: n = "mov"; a = Cd; b = Rd; break;
    case 0x23: n = "mov"; a = Dd; b = Rd; break;
    case 0x30: n = "wrmsr"; break;
    case 0x31: n = "rdtsc"; break;
    case 0x32: n = "rdmsr"; break;
    case 0x33: n = "rdpmc"; break;
    case 0x34: n = "sysenter"; break;
    case 0x35: n = "sysexit"; break;
    case 0xa0: n = "push"; a = RS + 4; f = SFXW; break;
    case 0xa1: n = "pop"; a = RS + 4; f = SFXW; break;
    case 0xa2: n = "cpuid"; break;
    case 0xa3: n = "bt"; a = Ev; b = Gv; break;
    case 0xa4: n = "shld"; a = Ev; b = Gv; d = Ib; break;
    case 0xa5: n = "shld"; a = Ev; b = Gv; d = CLR; break;
    case 0xa8: n = "push"; a = RS + 5; f = SFXW; break;
    case 0xa9: n = "pop"; a = RS + 5; f = SFXW; break;
    case 0xaa: n = "rsm"; break;
    case 0xab: n = "bts"; a = Ev; b = Gv; break;
    case 0xac: n = "shrd"; a = Ev; b = Gv; d = Ib; break;
    case 0xad: n = "shrd"; a = Ev; b = Gv; d = CLR; break;
    case 0xae:
        if (!get_modrm(c))
            return false;
        if (mod_(c) != 3) {
            static const char *const g[8] = { "fxsave", "fxrstor", "ldmxcsr", "stmxcsr", "xsave",
                                              "xrstor", "xsaveopt", "clflush" };
            static const uint8_t k[8] = { M, M, Md, Md, M, M, M, Mb };
            n = g[reg_(c)];
            a = k[reg_(c)];
        } else {
            static const char *const fsgs[4] = { "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase" };
            if (c->rep == 0xf3 && reg_(c) < 4) {
                n = fsgs[reg_(c)];
                a = Rv;
                c->pfx_used[c->lastrep] = true;
            } else if (reg_(c) == 6 && (c->rep || c->opsize)) {
                n = c->rep == 0xf3 ? "umonitor" : c->rep == 0xf2 ? "umwait" : "tpause";
                a = c->rep == 0xf3 && c->a16 ? Rw16 : Rd;   /* umonitor: an address */
                if (c->rep)
                    c->pfx_used[c->lastrep] = true;
                else
                    use_opsize(c);
            } else {
                n = reg_(c) == 5 ? "lfence" : c->modrm == 0xf0 ? "mfence" :
                    c->modrm == 0xf8 ? "sfence" : NULL;
            }
        }
        break;
    case 0xaf: n = "imul"; a = Gv; b = Ev; break;
    case 0xb0: n = "cmpxchg"; a = Eb; b = Gb; break;
    case 0xb1: n = "cmpxchg"; a = Ev; b = Gv; break;
    case 0xb2: n = "lss"; a = Gv; b = Mp; break;
    case 0xb3: n = "btr"; a = Ev; b = Gv; break;
    case 0xb4: n = "lfs"; a = Gv; b = Mp; break;
    case 0xb5: n = "lgs"; a = Gv; b = Mp; break;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf:
        if (!get_modrm(c))
            return false;
        if (c->intel) {
            n = op < 0xb8 ? "movzx" : "movsx";
        } else {
            set_mnem(c, op < 0xb8 ? "movz" : "movs");
            append_mnem(c, (op & 1) ? "w" : "b");
            append_mnem(c, osize(c) == 2 ? "w" : "l");
            named = true;
        }
        a = Gv;
        b = (op & 1) ? Ew : Eb;
        break;
    case 0xba: {
        static const char *const g[8] = { NULL, NULL, NULL, NULL, "bt", "bts", "btr", "btc" };
        if (!get_modrm(c))
            return false;
        n = g[reg_(c)];
        a = Ev; b = Ib; f = SFX;
        break;
    }
    case 0xbb: n = "btc"; a = Ev; b = Gv; break;
    case 0xbc: case 0xbd:
        if (c->rep == 0xf2)
            return false;
        n = op == 0xbc ? "bsf" : "bsr";
        a = Gv;
        b = Ev;
        break;
    case 0xc0: n = "xadd"; a = Eb; b = Gb; break;
    case 0xc1: n = "xadd"; a = Ev; b = Gv; break;
    case 0xc7:
        if (!get_modrm(c))
            return false;
        if (mod_(c) != 3) {
            static const char *const g[8] = { NULL, "cmpxchg8b", NULL, "xrstors", "xsavec",
                                              "xsaves", "vmptrld", "vmptrst" };
            n = g[reg_(c)];
            a = reg_(c) == 1 ? Mq : M;
            if (reg_(c) == 6 && (c->opsize || c->rep == 0xf3)) {
                n = c->rep == 0xf3 ? "vmxon" : "vmclear";
                if (c->rep == 0xf3)
                    c->pfx_used[c->lastrep] = true;
                else
                    use_opsize(c);
            }
            a = reg_(c) >= 6 ? Mq : a;
        } else if (c->rep) {
            return false;
        } else if (reg_(c) == 6 || reg_(c) == 7) {
            n = reg_(c) == 6 ? "rdrand" : "rdseed";
            a = Rv;
        }
        break;
    }
    if (!named) {
        if (!n)
            return false;
        set_mnem(c, n);
    }
    tmp->op[0] = a;
    tmp->op[1] = b;
    tmp->op[2] = d;
    tmp->flags = f;
    return true;
}

/* ---- driver ------------------------------------------------------------- */
static bool is_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    }
    return false;
}

/* A prefix's name; f2/f3 are named by the string instruction they
 * precede (flags STR/STRZ). */
/* Instructions a lock prefix applies to (with a memory destination). */
static bool lockable(const struct ctx *c, uint8_t op)
{
    unsigned r = reg_(c);
    if (op < 0x38 && op != 0x0f)
        return (op & 7) < 2;                        /* add..xor Eb/Ev,Gb/Gv */
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return r != 7;                              /* not cmp */
    case 0x86: case 0x87:
        return true;
    case 0xf6: case 0xf7:
        return r == 2 || r == 3;                    /* not, neg */
    case 0xfe: case 0xff:
        return r < 2;                               /* inc, dec */
    case 0x0f:
        switch (c->op2) {
        case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1: case 0xc0: case 0xc1:
            return true;                            /* bts btr btc cmpxchg xadd */
        case 0xba:
            return r >= 5;
        case 0xc7:
            return r == 1;                          /* cmpxchg8b */
        }
    }
    return false;
}

static const char *prefix_name(const struct ctx *c, uint8_t b, int flags)
{
    switch (b) {
    case 0x26: return "es";
    case 0x2e: return "cs";
    case 0x36: return "ss";
    case 0x3e: return "ds";
    case 0x64: return "fs";
    case 0x65: return "gs";
    case 0x66: return c->code16 ? "data32" : "data16";
    case 0x67: return c->code16 ? "addr32" : "addr16";
    case 0xf0: return "lock";
    case 0xf2:
        return "repnz";
    case 0xf3:
        return (flags & STR) ? "rep" : "repz";
    }
    return "?";
}

static int finish_bad(char *out, size_t outlen)
{
    struct sbuf s = { out, outlen, 0 };
    if (outlen)
        out[0] = 0;
    sputs(&s, "(bad)");
    return -1;
}

static int disassemble(const uint8_t *code, size_t avail, uint32_t addr,
                       enum x86dis_syntax syntax, bool code16, char *out, size_t outlen)
{
    struct ctx c;
    struct entry tmp;
    const struct entry *e;
    uint8_t op = 0;
    bool bnd = false, notrack = false;

    /* Zero only what needs it; the operand buffers are written before use. */
    c.code = code;
    c.avail = avail;
    c.pos = 0;
    c.addr = addr;
    c.intel = syntax == X86DIS_INTEL;
    c.code16 = code16;
    c.npfx = 0;
    c.opsize = c.adsize = c.fwait = false;
    c.seg = -1;
    c.last66 = c.last67 = c.lastseg = c.lastrep = c.lastlock = -1;
    c.rep = 0;
    c.have_modrm = false;
    c.modrm = 0;
    c.op2 = 0;
    c.mem_decoded = false;
    c.bad = false;
    c.memsize = 0;
    c.mnem[0] = 0;
    c.nops = 0;
    c.sized_reg = false;
    c.suffix_size = 0;
    c.used_os = false;

    for (;;) {
        if (c.npfx == MAXLEN - 1) {
            /* objdump takes at most 14 prefixes: then the prefixes
             * alone are the "instruction". */
            struct sbuf s = { out, outlen, 0 };
            if (outlen)
                out[0] = 0;
            for (int i = 0; i < c.npfx; i++) {
                if (i)
                    sput(&s, ' ');
                sputs(&s, prefix_name(&c, c.pfx[i], 0));
            }
            return (int)c.pos;
        }
        if (!fetch(&c, &op))
            return finish_bad(out, outlen);
        if (op == 0x9b && c.npfx == 0 && !c.fwait) {
            /* objdump: prefixes between two fwaits go with the first */
            size_t k = c.pos;
            while (k < avail && k < MAXLEN && is_prefix(code[k]))
                k++;
            if (k > c.pos && k < avail && code[k] == 0x9b) {
                struct sbuf s = { out, outlen, 0 };
                if (outlen)
                    out[0] = 0;
                for (size_t i = c.pos; i < k; i++) {
                    sputs(&s, prefix_name(&c, code[i], 0));
                    sput(&s, ' ');
                }
                sputs(&s, "fwait");
                return (int)k;
            }
        }
        if (op == 0x9b && c.pos < avail) {
            /* fwait is a prefix of a following x87 instruction (objdump:
             * not when a segment prefix follows a later fwait) */
            size_t k = c.pos;
            bool more = false, segp = false;
            while (k < avail && k < MAXLEN && (is_prefix(code[k]) || code[k] == 0x9b)) {
                more |= code[k] == 0x9b;
                segp |= (code[k] & 0xe7) == 0x26 || code[k] == 0x64 || code[k] == 0x65;
                k++;
            }
            if (k < avail && code[k] >= 0xd8 && code[k] <= 0xdf && !(more && segp)) {
                c.fwait = true;
                continue;
            }
        }
        if (!is_prefix(op))
            break;
        int i = c.npfx++;
        c.pfx[i] = op;
        c.pfx_used[i] = false;
        switch (op) {
        case 0x66: c.opsize = true; c.last66 = i; break;
        case 0x67: c.adsize = true; c.last67 = i; break;
        case 0xf0: c.lastlock = i; c.pfx_used[i] = true; break;
        case 0xf2: case 0xf3: c.rep = op; c.lastrep = i; break;
        case 0x26: c.seg = 0; c.lastseg = i; break;
        case 0x2e: c.seg = 1; c.lastseg = i; break;
        case 0x36: c.seg = 2; c.lastseg = i; break;
        case 0x3e: c.seg = 3; c.lastseg = i; break;
        case 0x64: c.seg = 4; c.lastseg = i; break;
        case 0x65: c.seg = 5; c.lastseg = i; break;
        }
    }

    c.a16 = c.code16 != c.adsize;
    e = &onebyte[op];
    int flags = e->flags;
    if (e->name) {
        if (e->name[0] == '(')
            return finish_bad(out, outlen);
        set_mnem(&c, e->name);
        if (!run_ops(&c, e->op))
            return finish_bad(out, outlen);
    } else {
        int g = e->op[0];
        uint8_t o[3] = { 0, 0, 0 };
        switch (g) {
        case G1b: case G1v: case G1s:
            if (!get_modrm(&c))
                return finish_bad(out, outlen);
            set_mnem(&c, g1[reg_(&c)]);
            o[0] = g == G1b ? Eb : Ev;
            o[1] = g == G1b ? Ib : g == G1v ? Iv : Ibs;
            flags = SFX;
            break;
        case G2b1: case G2v1: case G2bc: case G2vc: case G2bi: case G2vi:
            if (!get_modrm(&c))
                return finish_bad(out, outlen);
            set_mnem(&c, g2[reg_(&c)]);
            o[0] = (g == G2b1 || g == G2bc || g == G2bi) ? Eb : Ev;
            o[1] = (g == G2b1 || g == G2v1) ? ONE : (g == G2bc || g == G2vc) ? CLR : Ib;
            flags = SFX;
            break;
        case G3b: case G3v:
            if (!get_modrm(&c))
                return finish_bad(out, outlen);
            set_mnem(&c, g3[reg_(&c)]);
            o[0] = g == G3b ? Eb : Ev;
            if (reg_(&c) < 2)
                o[1] = g == G3b ? Ib : Iv;
            flags = SFX;
            break;
        case G4:
            if (!get_modrm(&c) || reg_(&c) > 1)
                return finish_bad(out, outlen);
            set_mnem(&c, reg_(&c) ? "dec" : "inc");
            o[0] = Eb;
            flags = SFX;
            break;
        case G5:
            if (!get_modrm(&c))
                return finish_bad(out, outlen);
            if ((reg_(&c) == 2 || reg_(&c) == 4) && c.seg == 3) {
                notrack = true;     /* CET: 3e on an indirect branch */
                c.seg = -1;
            }
            switch (reg_(&c)) {
            case 0: set_mnem(&c, "inc"); o[0] = Ev; flags = SFX; break;
            case 1: set_mnem(&c, "dec"); o[0] = Ev; flags = SFX; break;
            case 2: set_mnem(&c, "call"); o[0] = Ej; flags = SFXWA; break;
            case 3: set_mnem(&c, "lcall|call"); o[0] = Mpj; flags = SFXWA; break;
            case 4: set_mnem(&c, "jmp"); o[0] = Ej; flags = SFXWA; break;
            case 5: set_mnem(&c, "ljmp|jmp"); o[0] = Mpj; flags = SFXWA; break;
            case 6: set_mnem(&c, "push"); o[0] = Ev; flags = SFXWA; break;
            default: return finish_bad(out, outlen);
            }
            break;
        case G8F:
            if (!get_modrm(&c) || reg_(&c) != 0)
                return finish_bad(out, outlen);
            set_mnem(&c, "pop");
            o[0] = Ev;
            flags = SFXWA;
            break;
        case GC6: case GC7:
            if (!get_modrm(&c))
                return finish_bad(out, outlen);
            if (c.modrm == 0xf8) {
                set_mnem(&c, g == GC6 ? "xabort" : "xbegin");
                o[0] = g == GC6 ? Ib : Jv;
                break;
            }
            if (reg_(&c) != 0)
                return finish_bad(out, outlen);
            set_mnem(&c, "mov");
            o[0] = g == GC6 ? Eb : Ev;
            o[1] = g == GC6 ? Ib : Iv;
            flags = SFX;
            break;
        case GCBW:
            set_mnem(&c, osize(&c) == 2 ? "cbtw|cbw" : "cwtl|cwde");
            use_opsize(&c);
            break;
        case GCWD:
            set_mnem(&c, osize(&c) == 2 ? "cwtd|cwd" : "cltd|cdq");
            use_opsize(&c);
            break;
        case GNOP:
            if (c.rep == 0xf3) {
                set_mnem(&c, "pause");
                c.pfx_used[c.lastrep] = true;
            } else if (c.opsize) {
                set_mnem(&c, "xchg");
                o[0] = RV;
                o[1] = RV;
            } else {
                set_mnem(&c, "nop");
            }
            break;
        case GFWAIT:
            set_mnem(&c, "fwait");
            break;
        case GX87:
            if (!x87(&c, op))
                return finish_bad(out, outlen);
            break;
        case G0F:
            if (!twobyte(&c, &e, &tmp))
                return finish_bad(out, outlen);
            flags = e->flags;
            if (c.nops == 0 && !run_ops(&c, e->op))
                return finish_bad(out, outlen);
            break;
        default:
            return finish_bad(out, outlen);
        }
        if (g != G0F && g != GX87 && !run_ops(&c, o))
            return finish_bad(out, outlen);
    }
    if (c.bad)
        return finish_bad(out, outlen);

    /* Operand size: consumed by anything sized by it. */
    if (c.used_os || (flags & SFXW))
        use_opsize(&c);
    if (op == 0x0f && c.mnem[0] == 'm' && c.mnem[1] == 'o' && c.mnem[2] == 'v' &&
        (c.mnem[3] == 'z' || c.mnem[3] == 's'))
        use_opsize(&c);

    /* AT&T size suffixes. */
    if (!c.intel && (flags & SFX) && !c.sized_reg && c.suffix_size) {
        append_mnem(&c, c.suffix_size == 1 ? "b" : c.suffix_size == 2 ? "w" : "l");
    }
    /* Suffixes for the non-default operand size (0x66 present). */
    if ((flags & SFXW) && c.opsize)
        append_mnem(&c, osize(&c) == 2 ? "w" : c.intel ? "d" : "l");
    if ((flags & SFXWA) && c.opsize && !c.intel && !c.sized_reg)
        append_mnem(&c, osize(&c) == 2 ? "w" : "l");
    if (op == 0xe3) {
        set_mnem(&c, c.a16 ? "jcxz" : "jecxz");
        use_adsize(&c);
    }
    if (op >= 0xe0 && op <= 0xe2 && c.adsize && !c.intel) {
        append_mnem(&c, c.a16 ? "w" : "l"); /* the counter's size; Intel says addr16 */
        use_adsize(&c);
    }

    /* Branch hints and bnd. */
    /* objdump (AT&T): a cs or a ds prefix anywhere (not both) makes the
     * hint, and it is the last segment prefix that counts as used by it. */
    const char *hint = NULL;
    if ((flags & JCC) && c.lastseg >= 0 && !c.intel) {
        bool cs = false, ds = false;
        for (int i = 0; i < c.npfx; i++) {
            cs |= c.pfx[i] == 0x2e;
            ds |= c.pfx[i] == 0x3e;
        }
        if (cs != ds) {
            hint = cs ? ",pn" : ",pt";
            c.pfx_used[c.lastseg] = true;
        }
    }
    if (c.rep == 0xf2 && !(flags & (STR | STRZ)) && !c.pfx_used[c.lastrep] &&
        (op == 0xe8 || op == 0xe9 || op == 0xeb || op == 0xc3 || op == 0xc2 ||
         ((flags & JCC) && (op == 0x0f || op < 0xe0)) ||
         (op == 0xff && (reg_(&c) == 2 || reg_(&c) == 4)))) {
        bnd = true;                 /* printed in its place among the prefixes */
    }

    /* Hardware lock elision hints: f2/f3 on a locked memory operation
     * (lock prefix, or xchg with memory), f3 on a store by mov. */
    const char *hle = NULL;
    if (c.rep && !bnd && !c.pfx_used[c.lastrep] && !(flags & (STR | STRZ)) && c.have_modrm &&
        mod_(&c) != 3) {
        if ((c.lastlock >= 0 && lockable(&c, op)) || op == 0x86 || op == 0x87)
            hle = c.rep == 0xf2 ? "xacquire" : "xrelease";
        else if (c.rep == 0xf3 && (op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7))
            hle = "xrelease";
    }

    /* ---- print ---- */
    struct sbuf s = { out, outlen, 0 };
    if (outlen)
        out[0] = 0;
    for (int i = 0; i < c.npfx; i++) {
        uint8_t b = c.pfx[i];
        bool used = c.pfx_used[i];
        if (b == 0xf0) {
            sputs(&s, "lock ");
            continue;
        }
        if ((b == 0xf2 || b == 0xf3) && i == c.lastrep && (flags & (STR | STRZ))) {
            sputs(&s, prefix_name(&c, b, flags));
            sput(&s, ' ');
            continue;
        }
        if (used)
            continue;
        if (hle && i == c.lastrep) {
            sputs(&s, hle);
            sput(&s, ' ');
            continue;
        }
        if (bnd && i == c.lastrep) {
            sputs(&s, "bnd ");
            continue;
        }
        if (notrack && i == c.lastseg) {
            sputs(&s, "notrack ");
            continue;
        }
        sputs(&s, prefix_name(&c, b, flags & (STR | STRZ)));
        sput(&s, ' ');
    }
    sputs(&s, c.mnem);
    if (hint)
        sputs(&s, hint);
    if (c.nops) {
        /* objdump pads the mnemonic (with its prefixes) to 6 columns. */
        do
            sput(&s, ' ');
        while (s.len < 7);
        bool rev = !c.intel && !(flags & NOREV);
        for (int i = 0; i < c.nops; i++) {
            if (i)
                sput(&s, ',');
            sputs(&s, c.ops[rev ? c.nops - 1 - i : i]);
        }
    }
    return (int)c.pos;
}

int x86dis(const uint8_t *code, size_t avail, uint32_t addr,
           enum x86dis_syntax syntax, char *out, size_t outlen)
{
    return disassemble(code, avail, addr, syntax, false, out, outlen);
}

int x86dis_code16(const uint8_t *code, size_t avail, uint32_t addr,
                  enum x86dis_syntax syntax, char *out, size_t outlen)
{
    return disassemble(code, avail, addr, syntax, true, out, outlen);
}
