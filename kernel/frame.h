/* Physical frame allocator: a bitmap with one bit per 4 KiB frame below
 * FRAME_LIMIT, built from the available regions of the memory map. */
#ifndef PECAN_FRAME_H
#define PECAN_FRAME_H

#include "types.h"
#include "memmap.h"

#define FRAME_LIMIT 0x20000000u   /* 512 MiB: what the kernel maps directly */

/* Marks every whole frame inside an available region (and below
 * FRAME_LIMIT) free, everything else used. */
void frame_init(const struct memmap *m);

/* Returns a free frame's physical address and marks it used, or 0 when
 * memory is exhausted (frame 0 is never available: low memory is reserved). */
paddr_t frame_alloc(void);

/* Returns a naturally aligned run of 2^order frames, or 0. */
paddr_t frame_alloc_order(unsigned order);

/* Frees one frame, or 2^order frames. Freeing a frame that is not allocated,
 * was never available RAM, or an address not aligned to the run size is a
 * kernel bug and panics (via frame_bug hook); if frame_bug returns (host
 * tests) nothing is freed. */
void frame_free(paddr_t p);
void frame_free_order(paddr_t p, unsigned order);

uint32_t frame_free_count(void);
uint32_t frame_total_count(void);   /* frames that were free after frame_init */

/* Called on a double free / bad free. The kernel defines it as a panic; the
 * host tests define it to record the event. */
void frame_bug(const char *what, paddr_t p);

#endif
