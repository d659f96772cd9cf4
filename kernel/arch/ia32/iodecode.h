/* A minimal ia32 decoder for the I/O instructions (in, out, ins, outs in
 * every size and port form), enough to turn a #GP into an I/O fault. A
 * full decoder (branch `exc`) may replace it. Pure: host-tested. */
#ifndef PECAN_IA32_IODECODE_H
#define PECAN_IA32_IODECODE_H

#include "../../types.h"

struct io_access {
    uint32_t port;
    uint32_t size;          /* 1, 2 or 4 bytes */
    bool out;               /* out/outs (else in/ins) */
    bool string;            /* ins/outs */
    uint32_t length;        /* instruction bytes */
};

/* Decodes code[0..len) (the bytes at the faulting ip) with %dx = edx.
 * Returns false if it is not an I/O instruction. */
bool io_decode(const uint8_t *code, uint32_t len, uint32_t edx, struct io_access *a);
/* True if code[0..len) could be the start of an I/O instruction that
 * continues beyond len (only prefixes, or an immediate-port opcode
 * without its port byte): the caller may read further. */
bool io_decode_needs_more(const uint8_t *code, uint32_t len);

#endif
