/* Small address spaces on ia32 (docs/smallspaces.md).
 *
 * A small space of size S (4 MiB .. 128 MiB, a power of two) owns the
 * slots [O, O + S) of the small-space region SMALL_AREA (layout.h). Its
 * threads run with user code and data segments of base SMALL_AREA + O and
 * limit S - 1, on whatever page directory is loaded: its page-directory
 * entries for [0, S) are copied on demand (a fault in the region) into
 * the region of the loaded directory, so switching to a small space needs
 * no CR3 write and keeps the TLB.
 *
 * Invariants:
 *  - small_owner[i] is the space owning region slot i (or NULL); a space
 *    is small iff small.base != 0.
 *  - A region entry in any directory is either absent or equal to the
 *    owner's entry it was copied from: every change of a present entry of
 *    a small space's window clears the copies (small_pde_changed), and a
 *    space leaving the region clears all of its copies (make_large).
 *  - Directories that ever got a copy are on the polluted list; a large
 *    thread running on such a directory leaves the kernel by iret (its
 *    3 GiB segments keep it out of the region; sysexit would load flat
 *    4 GiB ones).
 *  - The kernel's master directory never gets a copy: a small thread
 *    never runs on kernel_pd. */
#ifndef PECAN_IA32_SMALLSPACE_H
#define PECAN_IA32_SMALLSPACE_H

#include "types.h"
#include "layout.h"

#define SMALL_SLOTS (SMALL_AREA_SIZE >> 22)

struct space;
struct tcb;

/* A space's small-space state (inside struct space). */
struct small_state {
    uint32_t base;              /* linear base of the window; 0 = large */
    uint32_t size;              /* window size in bytes; 0 = large */
    uint32_t id;                /* the SpaceControl descriptor (0 = large) */
    uint64_t ucode, udata;      /* its user segment descriptors (if small) */
    bool polluted;              /* this directory holds region copies */
    struct space *next_polluted;
    bool dead;                  /* being deleted: no CPU may keep its directory
                                 * loaded (small_space_destroy, small_serve) */
};

struct small_stats {
    uint32_t cr3_writes;        /* CR3 loads by switches and small-space changes */
    uint32_t syncs;             /* region entries copied on a fault */
    uint32_t promotions;        /* small spaces made large by a fault */
    uint32_t purges;            /* region-entry purges (full TLB flush each) */
    uint32_t seg_loads;         /* user-segment rewrites on a switch */
};
extern struct small_stats small_stats;

/* SpaceControl's s bit: id 0 makes s large, else small at the place id
 * names (X.2 ia32 encoding). False (nothing changed) if the window lies
 * outside the region, overlaps another small space, or would not hold
 * s's KIP or UTCB area. */
bool small_control(struct space *s, uint32_t id);
/* s must become large (it is being deleted, or its areas move out of the
 * window); also forgets s's directory as a polluted one. */
void small_make_large(struct space *s);
void small_space_destroy(struct space *s);
/* True if areas [kip, kip+4K) and the UTCB area fit s's window (always
 * true for a large space). */
bool small_areas_fit(const struct space *s, uint32_t kip_base, uint32_t utcb_base,
                     uint32_t utcb_size);

/* What one CPU has loaded, one record per CPU. Written only by its own
 * CPU (on a switch, or serving a REQ_SMALL request for the holder of the
 * whole kernel lock, small_serve); read by that CPU, and by the holder of
 * the whole lock, which then excludes every writer. */
struct small_cpu {
    struct space *pd_space;     /* whose directory CR3 holds */
    uint32_t seg_base, seg_size;    /* the user segments in its GDT (0 = large);
                                     * descriptors are a function of the two */
    bool iret_forced;           /* this CPU's exits must use iret (sysexit_iret_mask) */
    bool stale;                 /* the running thread's segments were changed
                                 * under it (small_serve): its next fault that
                                 * does not fit its space may be an access made
                                 * with the old ones and is retried once */
} __attribute__((aligned(32)));     /* the IPC fast path indexes it (fastipc.h) */
/* Indexed like cpu_local (smp.h): one record per CPU; space_switch.h
 * has the helpers that go from one to the other. */
extern struct small_cpu small_cpus[];      /* [MAX_CPUS] */

/* The context switch: space_switch() in space_switch.h (inline, its
 * common case: a large space, nothing small loaded); these do the rest. */
void small_switch_slow(struct small_cpu *c, struct tcb *prev, struct tcb *next);
void small_load_pd(struct small_cpu *c, struct space *s, struct tcb *prev, struct tcb *next);
/* current's space changed mode: redo what space_switch did for it. */
void small_refresh_current(void);
/* The directory loaded on this CPU is going away (its space is deleted):
 * load current's own (or kernel_pd). */
void small_leave_pd(struct space *s);

/* Faults. small_user_addr: a fault address (linear) of current; if it is
 * in current's window, either copies the missing region entry (true: the
 * access can be retried) or turns *addr into the space's own address.
 * small_promote_fault: current's space is small: make it large (true),
 * the faulting instruction restarts. */
bool small_user_addr(uint32_t *addr);
/* A user-mode page fault of current at linear *addr: as small_user_addr
 * inside the window; outside it (past the limit, where the CPU did not
 * check it) the space is made large and the access restarts (true). */
bool small_user_fault(uint32_t *addr);
bool small_promote_fault(void);
/* Kernel access to current's user memory: the linear address of user
 * address ua (n bytes). A range beyond a small window makes the space
 * large first (transparent, like a user access would). */
uint32_t small_user_linear(uint32_t ua, uint32_t n);

/* Paging hooks (paging.c): the entry for va in directory pd changed. A
 * PTE change flushes va's alias in the window; a change of a present
 * directory entry purges its copies (and the TLB). */
void small_pte_changed(uint32_t *pd, uint32_t va);
void small_pde_changed(uint32_t *pd, uint32_t va);

/* SMP (docs/smallspaces.md "SMP"). small_serve: a REQ_SMALL request from
 * the holder of the whole lock (smp_ipi.c): leave a dead directory, redo
 * the running thread's segments, %gs, debug registers and iret forcing.
 * small_alias_cpus: the other CPUs whose loaded directory holds a copy of
 * pd's owner's window (they may cache its translations through the region;
 * smp_tlb_changed adds them to the shootdown). */
struct cpu_local;
void small_serve(struct cpu_local *me);
uint32_t small_alias_cpus(const uint32_t *pd);

/* Linear offset of t's user addresses (0 for a large space). */
uint32_t small_linear_base(const struct tcb *t);

#endif
