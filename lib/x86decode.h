/* A small, pure x86 instruction decoder for the few instructions the
 * kernel emulates or inspects on behalf of user threads (and, later, a
 * virtual machine monitor): interrupt-flag and flags instructions, port
 * I/O, descriptor-table loads, control-register moves, hlt, int and iret.
 * It knows nothing but the bytes it is given; anything else it reports as
 * unsupported, and it never reads past `len`. */
#ifndef PECAN_X86DECODE_H
#define PECAN_X86DECODE_H

#include "types.h"

#define X86_MAX_INSN 15             /* architectural limit */

/* Error results of x86_decode (lengths are positive). */
#define X86D_TRUNCATED   (-1)       /* the buffer ends inside the instruction */
#define X86D_INVALID     (-2)       /* #UD encoding (bad prefix, CR number, mod) */
#define X86D_UNSUPPORTED (-3)       /* some other instruction */

enum x86_op {
    X86_CLI = 1, X86_STI, X86_PUSHF, X86_POPF, X86_HLT,
    X86_IN, X86_OUT, X86_INS, X86_OUTS,
    X86_LGDT, X86_LIDT,
    X86_MOV_TO_CR, X86_MOV_FROM_CR,
    X86_INT, X86_INT3, X86_INTO, X86_IRET,
};

#define X86_REG_NONE 0xff
/* Segment registers in encoding order, for overrides. */
enum x86_seg { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS };

/* A memory operand: seg:[base + index * scale + disp], with a 16- or
 * 32-bit effective address. Registers are numbered eax=0 .. edi=7; in
 * 16-bit addressing base/index name bx, bp, si, di the same way. */
struct x86_mem {
    uint8_t base, index;            /* X86_REG_NONE if absent */
    uint8_t scale;                  /* 1, 2, 4, 8 */
    uint8_t seg;                    /* enum x86_seg, defaults applied */
    int32_t disp;
    bool addr16;
};

struct x86_insn {
    enum x86_op op;
    uint8_t len;                    /* bytes, prefixes included */
    uint8_t size;                   /* operand size in bytes: I/O 1/2/4; pushf/popf/iret 2/4 */
    bool rep;                       /* rep (f3) prefix on ins/outs */
    bool port_dx;                   /* in/out: port in dx, else `port` */
    uint8_t port;                   /* in/out imm8 port */
    uint8_t vector;                 /* int n (3 for int3, 4 for into) */
    uint8_t cr, gpr;                /* mov to/from crN: N and the general register */
    uint8_t seg;                    /* outs: source segment (override or ds) */
    bool addr16;                    /* ins/outs: 16-bit si/di/cx */
    struct x86_mem mem;             /* lgdt/lidt operand */
};

/* Decodes one instruction from buf[0..len). code16: the code segment's
 * default operand and address size is 16 bits (real/virtual-8086 mode or
 * a 16-bit segment), else 32. Returns the length (> 0) with *out filled,
 * or one of the X86D_ errors (then *out is unspecified). */
int x86_decode(const uint8_t *buf, size_t len, bool code16, struct x86_insn *out);

#endif
