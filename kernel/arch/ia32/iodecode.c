/* I/O instruction decoder (see iodecode.h). Accepts any number of legacy
 * prefixes up to the architectural 15-byte limit; only the operand-size
 * prefix changes the meaning (word instead of dword). */
#include "iodecode.h"

static bool is_prefix(uint8_t b)
{
    return b == 0x66 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x67 || b == 0x26 ||
           b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

bool io_decode_needs_more(const uint8_t *code, uint32_t len)
{
    uint32_t i = 0;
    if (len >= 15)
        return false;
    while (i < len && is_prefix(code[i]))
        i++;
    return i == len || (i == len - 1 && code[i] >= 0xe4 && code[i] <= 0xe7);
}

bool io_decode(const uint8_t *code, uint32_t len, uint32_t edx, struct io_access *a)
{
    bool opsize = false;
    uint32_t i = 0;
    if (len > 15)
        len = 15;
    for (; i < len && is_prefix(code[i]); i++)
        if (code[i] == 0x66)
            opsize = true;
    if (i >= len)
        return false;
    uint8_t op = code[i++];
    uint32_t wide = opsize ? 2 : 4;
    switch (op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:     /* in/out imm8 */
        if (i >= len)
            return false;
        a->port = code[i++];
        a->size = (op & 1) ? wide : 1;
        a->out = op & 2;
        a->string = false;
        break;
    case 0xec: case 0xed: case 0xee: case 0xef:     /* in/out dx */
        a->port = edx & 0xffff;
        a->size = (op & 1) ? wide : 1;
        a->out = op & 2;
        a->string = false;
        break;
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:     /* ins/outs */
        a->port = edx & 0xffff;
        a->size = (op & 1) ? wide : 1;
        a->out = op & 2;
        a->string = true;
        break;
    default:
        return false;
    }
    a->length = i;
    return true;
}
