/* A freestanding IA-32 disassembler: one instruction at a time, printed the
 * way `objdump -d -M i386` (AT&T) or `objdump -d -M i386,intel` (Intel)
 * prints 32-bit code, for the kernel debugger's "disassemble" command.
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

#define X86DIS_BUFLEN 160

#endif
