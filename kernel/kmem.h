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

/* kmem_alloc(32, kind) for a valid kind, quicker (the mapping database's
 * nodes on the one-page map path). */
void *kmem_alloc_min(enum kmem_kind kind);

/* `size` and `kind` must be those given to kmem_alloc. NULL or size 0 is a
 * no-op. A detectable misuse (misaligned pointer, bad size/kind, freeing more
 * than the kind holds, double free of a slab object) calls kmem_bug and frees
 * nothing. */
void kmem_free(void *p, size_t size, enum kmem_kind kind);

/* Called on a detected misuse of kmem_free (or of an account). The kernel
 * defines it as a panic; the host tests define it to record the event. */
void kmem_bug(const char *what, const void *p);

struct kmem_stats {
    uint32_t bytes[KMEM_NKINDS];    /* bytes handed out per kind, counted
                                       as the rounded-up size class */
    uint32_t objects[KMEM_NKINDS];
    uint32_t pages;                 /* frames held by the allocator */
};
void kmem_get_stats(struct kmem_stats *s);
const char *kmem_kind_name(enum kmem_kind k);

/* ---- Accounts ----------------------------------------------------------
 * Kernel memory held on behalf of an address space is charged to the
 * space's account: kmem objects as their size class (what kmem_stats
 * counts), frames taken outside kmem (UTCB pages) as 4 KiB. `limit` is the
 * most that may be charged; a charge that would exceed it fails and
 * changes nothing, like running out of memory. Pure arithmetic: the callers
 * pair every charge with an uncharge of the same amount. */
struct kmem_acct {
    uint32_t used;                  /* bytes charged now */
    uint32_t limit;                 /* most bytes allowed; KMEM_UNLIMITED */
};
#define KMEM_UNLIMITED 0xffffffffu

/* Bytes an object of `size` (1..4096) really takes: its size class. */
static inline uint32_t kmem_class_size(size_t size)
{
    uint32_t c = 32;
    while (c < size)
        c <<= 1;
    return c;
}

static inline bool kmem_acct_room(const struct kmem_acct *a, uint32_t bytes)
{
    return a->used <= a->limit && a->limit - a->used >= bytes;
}

/* Charges `bytes` if that stays within the limit; false (nothing
 * charged) otherwise. */
static inline bool kmem_acct_charge(struct kmem_acct *a, uint32_t bytes)
{
    if (!kmem_acct_room(a, bytes))
        return false;
    a->used += bytes;
    return true;
}

/* Charges memory whose room the caller checked before (allocated in
 * advance so that an operation cannot fail halfway). */
static inline void kmem_acct_add(struct kmem_acct *a, uint32_t bytes)
{
    a->used += bytes;
}

/* Gives a charge back; more than is charged is a kernel bug (kmem_bug,
 * and the account drops to 0). */
static inline void kmem_acct_sub(struct kmem_acct *a, uint32_t bytes)
{
    if (bytes > a->used) {
        kmem_bug("kmem: account uncharged below zero", a);
        a->used = 0;
        return;
    }
    a->used -= bytes;
}

/* kmem_alloc charged to `a` (if a is not NULL): NULL if the charge would
 * exceed the limit or memory is out, with nothing charged. */
static inline void *kmem_alloc_acct(struct kmem_acct *a, size_t size,
                                    enum kmem_kind kind)
{
    if (a && !kmem_acct_room(a, kmem_class_size(size)))
        return NULL;
    void *p = kmem_alloc(size, kind);
    if (p && a)
        kmem_acct_add(a, kmem_class_size(size));
    return p;
}

static inline void kmem_free_acct(struct kmem_acct *a, void *p, size_t size,
                                  enum kmem_kind kind)
{
    if (!p)
        return;
    kmem_free(p, size, kind);
    if (a)
        kmem_acct_sub(a, kmem_class_size(size));
}

/* Page source, provided by the kernel (frames through the direct map) or by
 * the host tests (aligned_alloc). Returns a 4 KiB-aligned zeroed page. */
void *kmem_page_alloc(void);
void kmem_page_free(void *page);

#endif
