/* x86 decoder for the instructions listed in x86decode.h. Prefixes are
 * read first (at most one of each group is meaningful; repeats are legal),
 * then the opcode. A lock prefix on any of these instructions is #UD. */
#include "x86decode.h"

struct cursor {
    const uint8_t *p;
    size_t left, used;
};

static bool next(struct cursor *c, uint8_t *b)
{
    if (!c->left || c->used >= X86_MAX_INSN)
        return false;
    *b = c->p[c->used++];
    c->left--;
    return true;
}

static bool next_n(struct cursor *c, unsigned n, uint32_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        if (!next(c, &b))
            return false;
        *v |= (uint32_t)b << (8 * i);
    }
    return true;
}

/* Truncated when we ran out of bytes before the 15-byte limit; an
 * instruction longer than 15 bytes is invalid (#GP on hardware). */
static int short_of(const struct cursor *c)
{
    return c->used >= X86_MAX_INSN ? X86D_INVALID : X86D_TRUNCATED;
}

/* ModRM memory operand (mod != 3 checked by the caller). */
static int decode_mem(struct cursor *c, uint8_t modrm, bool addr16, int seg_override,
                      struct x86_mem *m)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    uint32_t disp = 0;
    bool ss_default = false;

    m->base = m->index = X86_REG_NONE;
    m->scale = 1;
    m->addr16 = addr16;
    if (addr16) {
        static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };   /* bx bx bp bp si di bp bx */
        static const uint8_t index16[8] = { 6, 7, 6, 7, X86_REG_NONE, X86_REG_NONE,
                                            X86_REG_NONE, X86_REG_NONE };
        if (mod == 0 && rm == 6) {
            if (!next_n(c, 2, &disp))
                return short_of(c);
            m->disp = (int16_t)disp;
        } else {
            m->base = base16[rm];
            m->index = index16[rm];
            ss_default = rm == 2 || rm == 3 || rm == 6;
            if (mod == 1 && !next_n(c, 1, &disp))
                return short_of(c);
            if (mod == 2 && !next_n(c, 2, &disp))
                return short_of(c);
            m->disp = mod == 1 ? (int8_t)disp : (int16_t)disp;
        }
    } else {
        unsigned base = rm;
        if (rm == 4) {
            uint8_t sib;
            if (!next(c, &sib))
                return short_of(c);
            base = sib & 7;
            unsigned index = (sib >> 3) & 7;
            m->scale = (uint8_t)(1u << (sib >> 6));
            if (index != 4)
                m->index = (uint8_t)index;
            if (base == 5 && mod == 0) {
                base = 8;   /* no base, disp32 */
            }
        } else if (rm == 5 && mod == 0) {
            base = 8;
        }
        if (base != 8) {
            m->base = (uint8_t)base;
            ss_default = base == 4 || base == 5;
        }
        unsigned dsize = mod == 1 ? 1 : (mod == 2 || base == 8) ? 4 : 0;
        if (dsize && !next_n(c, dsize, &disp))
            return short_of(c);
        m->disp = dsize == 1 ? (int8_t)disp : (int32_t)disp;
    }
    m->seg = seg_override >= 0 ? (uint8_t)seg_override : ss_default ? X86_SS : X86_DS;
    return 0;
}

int x86_decode(const uint8_t *buf, size_t len, bool code16, struct x86_insn *out)
{
    struct cursor c = { buf, len, 0 };
    bool opsize = false, adsize = false, rep = false, lock = false;
    int seg = -1;
    uint8_t b;

    *out = (struct x86_insn){ 0 };
    for (;;) {
        if (!next(&c, &b))
            return short_of(&c);
        switch (b) {
        case 0x66: opsize = true; continue;
        case 0x67: adsize = true; continue;
        case 0xf3: rep = true; continue;
        case 0xf2: continue;                        /* repne: no meaning here */
        case 0xf0: lock = true; continue;
        case 0x26: seg = X86_ES; continue;
        case 0x2e: seg = X86_CS; continue;
        case 0x36: seg = X86_SS; continue;
        case 0x3e: seg = X86_DS; continue;
        case 0x64: seg = X86_FS; continue;
        case 0x65: seg = X86_GS; continue;
        }
        break;
    }
    uint8_t osize = (code16 != opsize) ? 2 : 4;    /* 0x66 toggles the default */
    bool addr16 = code16 != adsize;
    switch (b) {
    case 0xfa: out->op = X86_CLI; break;
    case 0xfb: out->op = X86_STI; break;
    case 0xf4: out->op = X86_HLT; break;
    case 0x9c: out->op = X86_PUSHF; out->size = osize; break;
    case 0x9d: out->op = X86_POPF; out->size = osize; break;
    case 0xcf: out->op = X86_IRET; out->size = osize; break;
    case 0xcc: out->op = X86_INT3; out->vector = 3; break;
    case 0xce: out->op = X86_INTO; out->vector = 4; break;
    case 0xcd:
        if (!next(&c, &b))
            return short_of(&c);
        out->op = X86_INT;
        out->vector = b;
        break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: {
        uint8_t port;
        if (!next(&c, &port))
            return short_of(&c);
        out->op = (b & 2) ? X86_OUT : X86_IN;
        out->port = port;
        out->size = (b & 1) ? osize : 1;
        break;
    }
    case 0xec: case 0xed: case 0xee: case 0xef:
        out->op = (b & 2) ? X86_OUT : X86_IN;
        out->port_dx = true;
        out->size = (b & 1) ? osize : 1;
        break;
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
        out->op = (b & 2) ? X86_OUTS : X86_INS;
        out->port_dx = true;
        out->size = (b & 1) ? osize : 1;
        out->rep = rep;
        out->addr16 = addr16;
        /* ins always writes es:di; outs reads ds:si unless overridden. */
        out->seg = (b & 2) ? (seg >= 0 ? (uint8_t)seg : X86_DS) : X86_ES;
        break;
    case 0x0f: {
        uint8_t op2, modrm;
        if (!next(&c, &op2))
            return short_of(&c);
        if (op2 != 0x01 && op2 != 0x20 && op2 != 0x22)
            return X86D_UNSUPPORTED;
        if (!next(&c, &modrm))
            return short_of(&c);
        unsigned reg = (modrm >> 3) & 7;
        if (op2 == 0x01) {
            if (reg != 2 && reg != 3)
                return X86D_UNSUPPORTED;            /* sgdt, sidt, lmsw, ... */
            if ((modrm >> 6) == 3)
                return X86D_UNSUPPORTED;            /* register forms are other instructions */
            int r = decode_mem(&c, modrm, addr16, seg, &out->mem);
            if (r < 0)
                return r;
            out->op = reg == 2 ? X86_LGDT : X86_LIDT;
            out->size = osize;                      /* 16-bit form loads a 24-bit base */
            break;
        }
        /* mov to/from crN: the mod bits are ignored, the operand is
         * always a 32-bit register; only cr0, cr2, cr3 and cr4 exist. */
        if (reg == 1 || reg > 4)
            return X86D_INVALID;
        out->op = op2 == 0x22 ? X86_MOV_TO_CR : X86_MOV_FROM_CR;
        out->cr = (uint8_t)reg;
        out->gpr = modrm & 7;
        out->size = 4;
        break;
    }
    default:
        return X86D_UNSUPPORTED;
    }
    if (lock)
        return X86D_INVALID;
    out->len = (uint8_t)c.used;
    return (int)c.used;
}
