/* Control transfers by their bytes (see branch.h). Prefixes are skipped;
 * the opcode, and for ff the ModRM reg field, decide. */
#include "branch.h"

static bool prefix(uint8_t b)
{
    return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
           b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
}

enum kdb_insn_kind kdb_insn_kind(const uint8_t *b, int len)
{
    int i = 0;
    while (i < len - 1 && prefix(b[i]))
        i++;
    if (i >= len)
        return KDB_INSN_OTHER;
    uint8_t op = b[i], op2 = i + 1 < len ? b[i + 1] : 0, reg = (op2 >> 3) & 7;
    if (op == 0xe8 || op == 0x9a || (op == 0xff && (reg == 2 || reg == 3)) ||
        op == 0xcc || op == 0xcd || op == 0xce || op == 0xf1)
        return KDB_INSN_CALL;
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) || op == 0xe9 ||
        op == 0xea || op == 0xeb || op == 0xc2 || op == 0xc3 || op == 0xca || op == 0xcb ||
        op == 0xcf || (op == 0xff && (reg == 4 || reg == 5)))
        return KDB_INSN_JUMP;
    if (op == 0x0f && ((op2 >= 0x80 && op2 <= 0x8f) || op2 == 0x34 || op2 == 0x35 ||
                       op2 == 0x05 || op2 == 0x07))
        return KDB_INSN_JUMP;
    return KDB_INSN_OTHER;
}
