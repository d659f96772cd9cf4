/* A freestanding IA-32 disassembler: one instruction at a time, printed the
 * way `objdump -d -M i386` (AT&T) or `objdump -d -M i386,intel` (Intel)
 * prints 32-bit code (and `-M i8086` 16-bit code), for the kernel
 * debugger's "disassemble" command.
 * It uses no libc and no allocation: the caller supplies the code bytes and
 * the output buffer. Coverage and the tests against objdump: docs/kdb.md. */
#ifndef PECAN_X86DIS_H
#define PECAN_X86DIS_H

/* Only freestanding compiler headers: builds into the kernel, user
 * programs and the host tests alike. */
#include <stddef.h>
#include <stdint.h>

enum x86dis_syntax { X86DIS_ATT, X86DIS_INTEL };

/* Disassembles the instruction at code[0..avail), which sits at address
 * `addr` (used for relative branch targets). Writes the text into
 * out[0..outlen) (always NUL-terminated when outlen > 0; truncated if too
 * small; X86DIS_BUFLEN always suffices: the longest texts, about 125
 * characters, come from a dozen unused prefixes before a string
 * instruction). Returns the instruction length (1..15),
 * or -1 if the bytes are not a valid instruction or end inside it: then the
 * text is "(bad)". Never reads code[avail] or beyond. */
int x86dis(const uint8_t *code, size_t avail, uint32_t addr,
           enum x86dis_syntax syntax, char *out, size_t outlen);

/* The same for code in a 16-bit segment (real mode, virtual-8086 mode, a
 * 16-bit protected-mode segment, the AP start-up trampoline): 16-bit
 * operand and address size by default, 0x66/0x67 select 32 bits, as
 * `objdump -d -M i8086` prints it. A near branch with a 16-bit
 * displacement wraps within the 64 KiB-aligned block holding addr (as a
 * 16-bit ip wraps in its segment); short branches do not wrap (objdump). */
int x86dis_code16(const uint8_t *code, size_t avail, uint32_t addr,
                  enum x86dis_syntax syntax, char *out, size_t outlen);

#define X86DIS_BUFLEN 160

#endif
