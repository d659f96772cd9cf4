/* Control transfers by their bytes, for branch stepping and step-over
 * (pure: the host test checks it against objdump's mnemonics). */
#ifndef PECAN_IA32_KDB_BRANCH_H
#define PECAN_IA32_KDB_BRANCH_H

#include "types.h"

enum kdb_insn_kind {
    KDB_INSN_OTHER,     /* falls through to the next instruction */
    KDB_INSN_JUMP,      /* jmp, jcc, loop, jecxz, ret, iret, sysenter/exit, syscall/sysret */
    KDB_INSN_CALL,      /* call, and the traps that come back after it: int n, int3, into, int1 */
};

/* The kind of the instruction in b[0..len), len its decoded length. */
enum kdb_insn_kind kdb_insn_kind(const uint8_t *b, int len);

#endif
