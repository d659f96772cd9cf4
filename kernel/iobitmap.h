/* I/O permission bitmaps and I/O fpages, as pure functions (host-tested).
 * A bitmap covers the 65536 ports with one bit each, 1 = denied, exactly
 * as the TSS wants it; it is split over two 4 KiB pages that need not be
 * contiguous. */
#ifndef PECAN_IOBITMAP_H
#define PECAN_IOBITMAP_H

#include "types.h"

#define IO_PORTS        65536u
#define IOBM_PAGE_BYTES 4096u

struct iobm {
    uint8_t *page[2];           /* ports 0..32767, 32768..65535; 4-byte aligned */
};

/* Allows (allow = true) or denies ports [first, first + n) (clipped to
 * the port space). */
void iobm_set(struct iobm *bm, uint32_t first, uint32_t n, bool allow);
/* True if every port of [first, first + n) is allowed (false if the range
 * leaves the port space). */
bool iobm_allowed(const struct iobm *bm, uint32_t first, uint32_t n);
/* Ports the kernel keeps for itself (PIC, PIT, port 0x61, emulator exit
 * ports): never mapped to anyone. */
bool io_port_reserved(uint32_t port);
/* The first run of unreserved ports at or after *first and below end:
 * sets *first to its start and *run_end to its end and returns true, or
 * returns false if there is none. At most 6 steps (the reserved ranges). */
bool io_free_run(uint32_t *first, uint32_t end, uint32_t *run_end);
/* The X.2 I/O fpage range: base aligned down to its size. Returns false
 * for a malformed fpage (not an I/O fpage, or size above 2^16). */
bool io_fpage_range(uint32_t fpage, uint32_t *first, uint32_t *n);
/* The smallest I/O fpage (aligned, as X.2 wants) covering [port, port +
 * size). */
uint32_t io_fpage_cover(uint32_t port, uint32_t size);

#endif
