/* Cross-CPU requests carried by inter-processor interrupts (docs/smp.md).
 * Only the holder of the whole kernel lock sends requests; the target
 * serves them without any lock (smp_serve: on every kernel entry and
 * while it spins for the lock), so the holder can wait for the answer. */
#ifndef PECAN_IA32_SMP_IPI_H
#define PECAN_IA32_SMP_IPI_H

#include "types.h"

struct cpu_local;
struct tcb;

/* Serves what other CPUs asked of `me` (cheap when nothing is asked). */
void smp_serve(struct cpu_local *me);
/* Asks c for `flags` (REQ_*) and waits until it has done it. */
void smp_request(struct cpu_local *c, uint32_t flags, struct tcb *fpu);
/* Asks every CPU in mask (bit = index, not this one) for `flags` at
 * once, then waits for all. */
void smp_request_mask(uint32_t mask, uint32_t flags);
/* Makes c enter the kernel (reschedule); does not wait. */
void smp_poke(struct cpu_local *c);

/* Page-table changes (paging.c): the CPUs with this directory loaded, or
 * every CPU for a global kernel mapping, are flushed before the lock
 * holder lets the lock go (smp_shootdown, from klock_release). */
void smp_tlb_changed(const uint32_t *pd);
void smp_tlb_global_changed(void);
void smp_shootdown(struct cpu_local *me);
/* At once: for a page table about to be reused. */
void smp_tlb_flush_now(const uint32_t *pd);

/* t's FPU registers, wherever they are, go to memory (save) or are
 * dropped; no CPU owns them afterwards. */
void smp_fpu_flush(struct tcb *t, bool save);

/* t runs in user mode on another CPU: make that CPU enter the kernel
 * (its user frame is then saved in t's TCB) and wait for that. */
void smp_stop_user(struct tcb *t);
/* t is the running thread of another CPU: wait (letting the lock go)
 * until that CPU has left it for good; t->dying must be set. False if t
 * was deleted or reused meanwhile. */
bool smp_evict(struct tcb *t);
/* True if t is the running thread of a CPU other than this one. */
bool smp_running_elsewhere(const struct tcb *t);

/* Counters for the benchmarks (kdebug stats). */
uint32_t smp_ipis_sent(void);
extern uint32_t smp_shootdowns;     /* TLB flush requests sent */

#endif
