/* Address spaces: a page directory plus the X.2 per-space areas (KIP area,
 * UTCB area) and bookkeeping for the UTCB slots in use. */
#ifndef PECAN_SPACE_H
#define PECAN_SPACE_H

#include "types.h"
#include "mdb.h"
#include "kmem.h"
#include "arch/ia32/ioport.h"
#include "arch/ia32/smallspace.h"

/* The UTCB area may span at most 1 MiB: 2048 UTCB slots of 512 bytes, whose
 * usage bitmap lives inside the space object (bounded kernel memory). */
#define UTCB_AREA_MAX_LOG2 20
#define UTCB_SLOTS (1u << (UTCB_AREA_MAX_LOG2 - 9))
#define UTCB_TCB_SLOTS 32

struct space {
    uint32_t *pd;               /* page directory (kernel virtual) */
    uint32_t kip_area;          /* fpage, or 0 if not set yet */
    uint32_t utcb_area;         /* fpage, or 0 if not set yet */
    uint32_t utcb_base, utcb_size;  /* the same, decoded (size 0 if unset) */
    uint32_t redirector;        /* global ID of the IPC redirector, 0 = none (ipc.c) */
    uint32_t threads;           /* threads living in this space */
    uint32_t active_threads;    /* threads with a UTCB */
    bool privileged;            /* sigma0 and root task spaces */
    bool sigma0;                /* faults map physical memory 1:1 */
    uint32_t utcb_used[UTCB_SLOTS / 32];
    void *mdb;                  /* the mapping database's index (mdb.c) */
    struct kmem_acct kmem;      /* kernel memory held for this space, and
                                   its limit (see space_create) */
    struct io_space io;         /* I/O ports (ioport.c) */
    struct small_state small;   /* small-space window (arch/ia32/smallspace.c) */
    /* The thread holding each of the first UTCB_TCB_SLOTS slots, NULL if
     * the slot is free (set and cleared with utcb_used's bit, thread.c):
     * the IPC fast path's local-ID lookup reads no user memory to find
     * the thread (fastipc_entry.S local_to). Invariant: a holder's
     * utcb_uaddr is exactly its slot's location (utcb_base + slot *
     * L4ABI_UTCB_SIZE), its space this one and its mr set, so local_to
     * compares no UTCB address. Kept within the space's
     * kmem size class (512 bytes). */
    struct tcb *utcb_tcb[UTCB_TCB_SLOTS];
};

extern struct space kernel_space;

/* Kernel-memory limit of a new space (set at boot from the pool size, or
 * KMEM_SPACE_LIMIT_KB); the root servers are unlimited. */
extern uint32_t space_kmem_default_limit;

/* A new space, charged for its own object and page directory. Charged to
 * it later: its page tables, mapping-database nodes and index, UTCB
 * pages, I/O bitmap and its threads' FPU areas. NULL if out of memory. */
struct space *space_create(void);
void space_destroy(struct space *s);
/* Sets the areas; refuses overlap, kernel-space reach, too-small or
 * too-large areas, or changes after a thread got its UTCB. Returns 0 or an
 * L4ABI_ERR_* code. */
int space_set_areas(struct space *s, uint32_t kip_area, uint32_t utcb_area);
static inline bool space_in_utcb_area(const struct space *s, uint32_t addr, uint32_t len)
{
    uint32_t off = addr - s->utcb_base;
    return addr >= s->utcb_base && off < s->utcb_size && len <= s->utcb_size - off;
}
bool space_in_kip_area(const struct space *s, uint32_t addr);

#endif
