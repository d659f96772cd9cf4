/* Kernel object allocator with accounting. Objects come from size classes
 * (32 bytes .. 4 KiB) carved out of frames; every allocation is charged to
 * a kind so that `kmem_stats` can say where kernel memory went and tests
 * can check that nothing leaks. */
#ifndef PECAN_KMEM_H
#define PECAN_KMEM_H

#include "types.h"

enum kmem_kind {
    KMEM_MISC, KMEM_PGTABLE, KMEM_SPACE, KMEM_TCB, KMEM_MAPNODE, KMEM_FPU,
    KMEM_IOBITMAP, KMEM_IRQ, KMEM_NKINDS
};

/* Returns a zeroed object of at least `size` bytes (1..4096), aligned to its
 * power-of-two size class, or NULL (also for size 0, size > 4096 or a bad
 * kind). */
void *kmem_alloc(size_t size, enum kmem_kind kind);

/* `size` and `kind` must be those given to kmem_alloc. NULL or size 0 is a
 * no-op. A detectable misuse (misaligned pointer, bad size/kind, freeing more
 * than the kind holds, double free of a slab object) calls kmem_bug and frees
 * nothing. */
void kmem_free(void *p, size_t size, enum kmem_kind kind);

struct kmem_stats {
    uint32_t bytes[KMEM_NKINDS];    /* bytes handed out per kind, counted
                                       as the rounded-up size class */
    uint32_t objects[KMEM_NKINDS];
    uint32_t pages;                 /* frames held by the allocator */
};
void kmem_get_stats(struct kmem_stats *s);
const char *kmem_kind_name(enum kmem_kind k);

/* Page source, provided by the kernel (frames through the direct map) or by
 * the host tests (aligned_alloc). Returns a 4 KiB-aligned zeroed page. */
void *kmem_page_alloc(void);
void kmem_page_free(void *page);

/* Called on a detected misuse of kmem_free. The kernel defines it as a panic;
 * the host tests define it to record the event. */
void kmem_bug(const char *what, const void *p);

#endif
