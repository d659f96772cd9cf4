/* The kernel lock (docs/smp.md, "Concurrency"): a big-reader lock made of
 * one ticket lock per CPU, each in its own cache line.
 *
 *  - LOCAL: a CPU's own word. Taken by the IPC fast path, which then
 *    touches only threads homed on this CPU and this CPU's record.
 *  - FULL: every word, in CPU order. Every other kernel entry takes it
 *    and so sees a quiescent kernel, as on one CPU: no other CPU runs
 *    kernel code meanwhile (they run user code, idle, or spin here).
 *
 * The lock belongs to the CPU, not to a thread: a switch inside the
 * kernel passes it on, and whichever thread leaves for user mode (or
 * halts in the idle loop) lets it go. A CPU spinning for a word serves
 * the holder's requests (TLB flush, FPU flush, kick) meanwhile, so a
 * holder that waits for another CPU never deadlocks. Lock order: the
 * words in CPU index order; the fast path holds one word only and never
 * waits for a second. */
#ifndef PECAN_IA32_KLOCK_H
#define PECAN_IA32_KLOCK_H

#include "types.h"

enum { KL_NONE = 0, KL_LOCAL, KL_FULL };

#if MAX_CPUS > 1
void klock_full(void);          /* from NONE: every word */
void klock_local(void);         /* from NONE: this CPU's word */
void klock_ensure_full(void);   /* NONE or LOCAL -> FULL (LOCAL: let go, then all) */
void klock_release(void);       /* any -> NONE; flushes other CPUs' TLBs first if due */
/* FULL -> NONE -> FULL if another CPU waits (a preemption point).
 * Whatever is not owned may change meanwhile. True if it let go. */
bool klock_cycle(void);
/* FULL -> NONE -> FULL unconditionally (waiting for another CPU). */
void klock_cycle_always(void);
bool klock_held_full(void);
#else
static inline void klock_full(void) {}
static inline void klock_local(void) {}
static inline void klock_ensure_full(void) {}
static inline void klock_release(void) {}
static inline bool klock_cycle(void) { return false; }
static inline void klock_cycle_always(void) {}
static inline bool klock_held_full(void) { return true; }
#endif

#endif
