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

struct cpu_local;

#if MAX_CPUS > 1
#include "smp.h"

/* Word i (struct klock_word, smp.h) is in CPU i's record: cpu_local[i].kw.
 * The whole-lock loops step from word to word by the record's size. */
#define klock_word_of(i) (&cpu_local[i].kw)
static inline struct klock_word *klock_word_step(struct klock_word *w, int by)
{
    return (struct klock_word *)((char *)w + by * (int)sizeof(struct cpu_local));
}

void klock_full(void);          /* from NONE: every word */
void klock_wait_turn(struct klock_word *w, struct cpu_local *me, uint32_t ticket);
void klock_take_all_odd(struct cpu_local *me);

/* Word w, waiting for it (serving requests) if another CPU has it. */
static inline __attribute__((always_inline)) void klock_take_word(struct klock_word *w,
                                                                  struct cpu_local *me)
{
    uint32_t ticket = __atomic_fetch_add(&w->next, 1, __ATOMIC_ACQUIRE);
    if (__builtin_expect(__atomic_load_n(&w->owner, __ATOMIC_ACQUIRE) != ticket, 0))
        klock_wait_turn(w, me, ticket);
}

/* NONE -> FULL: every word in CPU order. The mode test is the
 * self-deadlock check; no request can be pending unless its poster holds
 * the whole lock, and then we serve it while we spin for word 0, but the
 * look is folded into the same compare (klock_take_all_odd serves). */
static inline __attribute__((always_inline)) void klock_take_all(struct cpu_local *me)
{
    if (__builtin_expect(me->lock_mode | (me->req_seq ^ me->ack_seq), 0))
        klock_take_all_odd(me);
    /* Word 0 first, outside the loop: every kernel has it, and with one
     * CPU running threads the loop is never entered. */
    struct klock_word *w = &cpu_local[0].kw, *end = &cpus_sched_end->kw;
    klock_take_word(w, me);
    while ((w = klock_word_step(w, 1)) < end)
        klock_take_word(w, me);
    me->lock_mode = KL_FULL;
}

/* The same for a kernel entry, which must finish an interrupt (EOI) even
 * for a thread being deleted: the caller checks current->dying. Inline:
 * every trap from user mode but an IPC takes it. */
static inline void klock_full_entry(void)
{
    klock_take_all(cpu_self());
}
/* The same where the caller has the CPU record (current->on_cpu). */
static inline void klock_full_entry_on(struct cpu_local *me)
{
    klock_take_all(me);
}
void klock_ensure_full(void);   /* NONE or LOCAL -> FULL (LOCAL: let go, then all) */
/* LOCAL -> FULL where the caller has the record and is not deleted on
 * the way (it checks current->dying itself afterwards): on CPU 0, whose
 * word is first in the lock order, the words above it in order without
 * letting ours go (klock_ensure_full's upgrade in place, inline); on
 * another CPU klock_ensure_full. */
static inline void klock_local_to_full_on(struct cpu_local *me)
{
    if (me->index != 0) {
        klock_ensure_full();
        return;
    }
    struct klock_word *w = &cpu_local[0].kw, *end = &cpus_sched_end->kw;
    while ((w = klock_word_step(w, 1)) < end)
        klock_take_word(w, me);
    me->lock_mode = KL_FULL;
}
void klock_release_slow(struct cpu_local *me);
void klock_local_slow(struct cpu_local *me, uint32_t ticket);

/* from NONE: this CPU's word. Inline: the IPC fast path's whole cost is
 * one atomic add and one compare on a line no other CPU writes unless it
 * waits for us. Requests need no look here: only a holder of the whole
 * lock (ours included) sends them and waits, so if we get our word at
 * once nobody waits for us; while we spin, we serve. */
static inline void klock_local_on(struct cpu_local *me)
{
    struct klock_word *w = me->kword;
    uint32_t ticket = __atomic_fetch_add(&w->next, 1, __ATOMIC_ACQUIRE);
    if (__builtin_expect(__atomic_load_n(&w->owner, __ATOMIC_ACQUIRE) != ticket, 0))
        klock_local_slow(me, ticket);
    me->lock_mode = KL_LOCAL;
}
/* The same where the caller has no CPU record at hand. */
static inline void klock_local(void)
{
    klock_local_on(cpu_self());
}

/* Lets word w go. Only the holder writes owner, and a store is a
 * release on IA-32 (TSO): one non-atomic increment, as the assembly fast
 * path does; the clobber keeps the critical section's accesses above. */
static inline void klock_give_word(struct klock_word *w)
{
    __asm__ volatile("incl %0" : "+m"(w->owner) : : "memory");
}

/* FULL -> NONE without the shootdown (klock_release does it first). */
static inline void klock_give_all(struct cpu_local *me)
{
    /* In reverse order, word 0 last and outside the loop (as above). */
    struct klock_word *w = &cpus_sched_end->kw, *first = &cpu_local[0].kw;
    while ((w = klock_word_step(w, -1)) != first)
        klock_give_word(w);
    klock_give_word(first);
    me->lock_mode = KL_NONE;
}

/* any -> NONE; flushes other CPUs' TLBs first if due (shoot_mask). */
static inline void klock_release_on(struct cpu_local *me)
{
    if (__builtin_expect(me->lock_mode == KL_LOCAL, 1)) {
        klock_give_word(me->kword);
        me->lock_mode = KL_NONE;
    } else if (me->lock_mode == KL_FULL) {
        if (__builtin_expect(me->shoot_mask != 0, 0))
            klock_release_slow(me);
        else
            klock_give_all(me);
    }
}
/* me: this CPU's record (current->on_cpu) where the caller has it. */
static inline void klock_release(void)
{
    klock_release_on(cpu_self());
}
/* FULL -> LOCAL: every word but this CPU's let go (the shootdown first
 * if due), for a fast path that took the whole lock for its work and
 * leaves by an exit that lets this CPU's word go (pffast.c). */
void klock_full_to_local(struct cpu_local *me);
/* The same inline on CPU 0 with no shootdown due (the counterpart of
 * klock_local_to_full_on): the words above ours in reverse order, ours
 * (word 0) kept; anything else calls klock_full_to_local. */
static inline void klock_full_to_local_on(struct cpu_local *me)
{
    if (__builtin_expect(me->index != 0 || me->shoot_mask != 0, 0)) {
        klock_full_to_local(me);
        return;
    }
    struct klock_word *w = &cpus_sched_end->kw, *first = &cpu_local[0].kw;
    while ((w = klock_word_step(w, -1)) != first)
        klock_give_word(w);
    me->lock_mode = KL_LOCAL;
}
/* FULL -> NONE -> FULL if another CPU waits (a preemption point).
 * Whatever is not owned may change meanwhile. True if it let go. */
bool klock_cycle(void);
/* FULL -> NONE -> FULL unconditionally (waiting for another CPU). */
void klock_cycle_always(void);
bool klock_held_full(void);
#else
static inline void klock_full(void) {}
static inline void klock_full_entry(void) {}
static inline void klock_full_entry_on(struct cpu_local *me) { (void)me; }
static inline void klock_local(void) {}
static inline void klock_local_on(struct cpu_local *me) { (void)me; }
static inline void klock_release_on(struct cpu_local *me) { (void)me; }
static inline void klock_ensure_full(void) {}
static inline void klock_local_to_full_on(struct cpu_local *me) { (void)me; }
static inline void klock_full_to_local(struct cpu_local *me) { (void)me; }
static inline void klock_full_to_local_on(struct cpu_local *me) { (void)me; }
static inline void klock_release(void) {}
static inline bool klock_cycle(void) { return false; }
static inline void klock_cycle_always(void) {}
static inline bool klock_held_full(void) { return true; }
#endif

#endif
