/* kmem's smallest class popped inline (kmem_alloc_min_inline), for the
 * one-page map path's node (mdb.c's node_alloc). Only kmem.c and that
 * caller include this: the free lists stay kmem.c's business otherwise,
 * and nothing here changes them but the pop kmem_alloc would make. */
#ifndef PECAN_KMEM_FAST_H
#define PECAN_KMEM_FAST_H

#include "kmem.h"

#define KMEM_MIN_SHIFT 5                    /* 32 bytes: the smallest class */
#define KMEM_FREE_MAGIC ((uintptr_t)0x6b6d4652u)   /* "kmFR" */

/* A free object: on its class's doubly linked list, KMEM_FREE_MAGIC in
 * its third word. */
struct free_obj {
    struct free_obj *next, *prev;
    uintptr_t magic;                        /* KMEM_FREE_MAGIC while on the list */
};

/* Slot 0 of every slab page. */
struct slab {
    uint32_t magic;                         /* SLAB_MAGIC */
    uint32_t cls;                           /* size class index */
    uint32_t live;                          /* objects handed out */
};

/* kmem.c's state: per class the free list and the cached empty page; the
 * counts kmem_get_stats reports. */
extern struct free_obj *kmem_freelist[];
extern struct slab *kmem_spare[];
extern struct kmem_stats kmem_counts;

/* The slab page an object lies in (its header in slot 0). */
static inline struct slab *kmem_slab_of(const void *p)
{
    return (struct slab *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));
}

/* kmem_alloc(32, kind) for a valid kind: the list's first object, zeroed
 * and counted as kmem_alloc does; an empty list takes kmem_alloc (which
 * grows the class). */
static inline void *kmem_alloc_min_inline(enum kmem_kind kind)
{
    struct free_obj *o = kmem_freelist[0];
    if (__builtin_expect(!o, 0))
        return kmem_alloc((size_t)1 << KMEM_MIN_SHIFT, kind);
    struct free_obj *next = o->next;
    kmem_freelist[0] = next;
    if (next)
        next->prev = NULL;
    struct slab *h = kmem_slab_of(o);
    if (h == kmem_spare[0])
        kmem_spare[0] = NULL;               /* no longer empty */
    h->live++;
    /* Zeroed as kmem_alloc zeroes: eight word stores, no loop. */
    uint32_t *w = (uint32_t *)o;
    w[0] = 0, w[1] = 0, w[2] = 0, w[3] = 0, w[4] = 0, w[5] = 0, w[6] = 0, w[7] = 0;
    kmem_counts.bytes[kind] += 1u << KMEM_MIN_SHIFT;
    kmem_counts.objects[kind]++;
    return o;
}

#endif
