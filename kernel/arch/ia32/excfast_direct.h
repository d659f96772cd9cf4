/* The pieces the exception fast path (excfast.c) and the page-fault fast
 * path (pffast.c) share: the inline thread lookup, and the direct switch
 * with its two exits (excfast_exit.S). Each is what the general path does
 * for the case its comment names, with the tests the callers made. */
#ifndef PECAN_IA32_EXCFAST_DIRECT_H
#define PECAN_IA32_EXCFAST_DIRECT_H

#include "smp.h"
#include "smallspace.h"
#include "space_switch.h"
#include "fastipc.h"
#include "fpu.h"
#include "debug.h"
#include "trap.h"
#include "thread_arch.h"
#include "../../thread.h"
#include "../../trace.h"
#include "../../sched.h"
#include "../../ipc.h"
#include "../../strxfer.h"
#include "klock.h"
#include "excfast.h"

#if FASTPATH

/* tcb_id_for, inline: t as viewer sees it (local within a space). */
static inline uint32_t id_for(const struct tcb *t, const struct tcb *viewer)
{
    if (t->space == viewer->space && t->mr)
        return L4ABI_UTCB_LOCALID(t->utcb_uaddr);
    return t->gid;
}

/* The global ID's thread, inline (tcb_lookup's test folded into one
 * compare: a slot of another version, unused or dead never matches), or
 * tcb_resolve for anything else (local IDs). */
static inline struct tcb *resolve(const struct tcb *self, uint32_t id)
{
    struct tcb *t = tcb_of_no(L4ABI_TID_THREADNO(id) & (MAX_THREADS - 1));
    if (t->gid == id && !L4ABI_TID_IS_LOCAL(id) && t->state != TS_FREE && t->state != TS_DEAD)
        return t;
    return tcb_resolve(self, id);
}

#if IPC_FASTPATH
/* excfast_exit.S: prev's context saved as arch_switch saves it, this
 * CPU's lock word let go, next in user mode through sysexit from its
 * frame with its Ipc's results. Returns when prev is switched to. */
void exc_fast_exit(struct tcb *prev, struct tcb *next, struct cpu_local *me);

/* May h, which exc_fast_send (or pf_fast_send) just made runnable,
 * leave straight to user mode (exc_fast_exit)? It blocked in a sysenter
 * Ipc that only has to
 * return (the ipc_fast_resume mark under its frame: its kernel stack
 * holds nothing else we need), is queued with no other flag (no queue or
 * wakeup work), has no string copy, leaves by sysexit (no TF; fast_off's mode byte:
 * not under CR4.PVI or eager FPU),
 * its space is large on a directory without region copies and no iret is
 * forced here (small spaces, space_switch.h), and no handoff is traced. */
static inline bool direct_ok(struct cpu_local *me, struct tcb *h)
{
    const struct trap_frame *hf = tcb_frame(h);
    const struct small_cpu *c = &small_cpus[me->index];
    const struct space *s = h->space;
    return ((const uint32_t *)hf)[-1] == (uint32_t)(uintptr_t)ipc_fast_resume &&
           h->flags == TF_QUEUED && !h->xfer && !(hf->eflags & EFL_TF) &&
           !me->fast_off.why[FAST_OFF_MODE] &&
           !(s->small.base | c->seg_base | (uint32_t)c->iret_forced | s->small.polluted) &&
           !TRACE_ON_ANY(TRACE_HANDOFF_KINDS);
}

/* sched_handoff's switch (switch_to, arch_switch_to) from t to h, both
 * homed here, h queued (direct_ok; exc_fast_reply, pf_fast_reply: sched_can_handoff
 * refuses a thread that is not runnable, and one that blocked stays
 * queued), no handoff traced. */
static inline __attribute__((always_inline)) void direct_switch(struct cpu_local *me,
                                                                struct tcb *t, struct tcb *h)
{
    struct small_cpu *c = &small_cpus[me->index];
    struct space *s = h->space;
    me->running = h;
    h->on_cpu = me;
    me->context_switches++;
    /* space_switch, its common case inline with one test: h's space
     * large and unpolluted, no small segments loaded here, no iret
     * forced (direct_ok checked all of it for a sysexit exit; the iret
     * exits check it here). Anything else: space_switch itself, which
     * then takes exactly the same steps. */
    if (__builtin_expect(s->small.base | c->seg_base | (uint32_t)c->iret_forced |
                         s->small.polluted, 0)) {
        space_switch(me, t, h);
    } else {
        if (s != c->pd_space) {
            space_load_pd(c, s, t, h);
            if (s != t->space && s->io.bm.page[0] != me->io_bm)
                io_switch(me, s);
        }
        if (!(h->flags & TF_KERNEL))
            gdt_set_utcb(me->gdt, h->gs_desc);
    }
    me->tss.esp0 = tcb_stack_top(h);
    fpu_switch_to(me, h);
    debug_switch_to(me, h);
}

/* direct_switch, out of line: excfast_exit.S's switch calls it for
 * whatever is not its common case (pffast.c). */
void direct_switch_out(struct cpu_local *me, struct tcb *t, struct tcb *h);

/* excfast_exit.S: exc_fast_exit with direct_switch(me, prev, next) done
 * first, its common case in assembly (direct_switch_out otherwise);
 * direct_ok(me, next) must have passed. */
void exc_fast_switch_exit(struct tcb *prev, struct tcb *next, struct cpu_local *me);

/* ... then the exit: t blocked, h runs. */
static inline void direct_handoff(struct cpu_local *me, struct tcb *t, struct tcb *h)
{
    exc_fast_switch_exit(t, h, me);
}

/* excfast_exit.S: prev saved, the word let go, next out by iret from its
 * trap frame; the second with direct_switch(me, prev, next) first, as
 * exc_fast_switch_exit. */
void exc_fast_iret(struct tcb *prev, struct tcb *next, struct cpu_local *me);
void exc_fast_switch_iret(struct tcb *prev, struct tcb *next, struct cpu_local *me);
#endif

/* t, which just sent its kernel IPC (exception or page fault) straight
 * into h's UTCB, waits for h's reply: BR0 is br0 while it waits (the
 * user's kept in exc_br0, which a reply that ends the wait itself puts
 * back), its receive phase from h alone with no timeout
 * (prepare_receive), wait the fast path's state; then straight to h
 * (through sysexit when direct_ok) or sched_handoff. Resumed by whoever
 * ended the wait, t is ready again; returns how it ended
 * (EXC_WAIT_REPLIED: that path's fast reply; else the general path). */
static inline __attribute__((always_inline)) uint8_t fast_send_wait(struct cpu_local *me,
                                                                    struct tcb *t,
                                                                    struct tcb *h,
                                                                    uint32_t br0, uint8_t wait)
{
    t->exc_br0 = t->mr[L4ABI_UTCB_BR(0)];
    t->mr[L4ABI_UTCB_BR(0)] = br0;
    ipc_wait_for(t, h->gid);
    t->exc_wait = wait;
#if IPC_FASTPATH
    if (direct_ok(me, h))
        direct_handoff(me, t, h);
    else
#else
    (void)me;
#endif
        sched_handoff(h);
    uint8_t how = t->exc_wait;
    t->exc_wait = EXC_WAIT_NONE;
    t->state = TS_READY;
    return how;
}

/* The end of a fast reply (excfast.c's exception reply, pffast.c's map
 * reply) to dest, a thread waiting in that path's kernel IPC whose wait
 * the reply completed; self is in its receive phase. Self's sysenter Ipc
 * is marked resumable by the assembly path, and dest leaves at once by
 * iret from its frame (its wait over: BR0 back) when nothing else is due
 * (queued with no other flag, no handoff traced; with held_whole, the
 * whole lock that the map reply took, also no reschedule that came up
 * meanwhile: that lock is let go first); otherwise sched_handoff. Then,
 * resumed, the end of self's Ipc. */
static inline __attribute__((always_inline)) void fast_reply_end(struct cpu_local *me,
                                                                 struct tcb *self,
                                                                 struct tcb *dest,
                                                                 struct trap_frame *f,
                                                                 bool held_whole)
{
#if IPC_FASTPATH
    void *w = arch_ipc_wait_take(me, self);
    arch_ipc_wait_mark(w);
    if (dest->flags == TF_QUEUED && !(held_whole && me->resched) &&
        !TRACE_ON_ANY(TRACE_HANDOFF_KINDS)) {
        dest->mr[L4ABI_UTCB_BR(0)] = dest->exc_br0;
        dest->exc_wait = EXC_WAIT_NONE;
        if (held_whole)
            klock_full_to_local_on(me);
        exc_fast_switch_iret(self, dest, me);   /* direct_switch, iret */
    } else {
        sched_handoff(dest);
    }
    arch_ipc_wait_unmark(w);
#else
    (void)me;
    (void)held_whole;
    sched_handoff(dest);
#endif
    if (self->xfer) {
        klock_ensure_full();
        xfer_wait_turns(self);  /* the reply copies strings to us */
    }
    ipc_syscall_end(self);      /* ipc_syscall_end, do_ipc's registers */
    ipc_results_to_frame(self, f);
}

#endif

#endif
