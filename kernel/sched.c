/* Scheduler (queue mechanics in queue.c). Invariants:
 *  - TF_QUEUED: the thread has its place in its priority's ready queue,
 *    either linked there (rq.next != NULL) or, while it runs, not yet
 *    (rq.next == NULL: lazy queueing). A linked thread is TF_QUEUED.
 *  - Every runnable thread (TS_READY, not halted, quantum left) except
 *    idle is TF_QUEUED, and linked unless it is running: a thread switched
 *    to directly (sched_handoff, the interrupt fast paths) is not linked
 *    at wake-up; its CPU links it when it switches away from it while it
 *    is still runnable (link_running: schedule, sched_switch_to,
 *    sched_run_now, sched_preempt_to; irq_fast.S's prev), and most often
 *    it blocks first, so it never costs a queue operation.
 * Queues are cleaned lazily too: a thread that blocks stays linked until
 * pick_next meets it, so an IPC ping-pong between two threads touches no
 * queue at all.
 *
 * Multiprocessor (docs/smp.md): every CPU has its own ready queues,
 * wakeup queue, idle thread and reschedule flag in its record; a thread
 * sits only in its home CPU's queues (t->cpu). The CPU's own code and
 * the IPC fast path (holding the CPU's lock word) use them; the holder of
 * the whole kernel lock may queue a thread on any CPU and pokes that CPU
 * with an IPI. A running thread whose home changed (migration) is not
 * queued anywhere until its CPU has switched away from it. */
#include "sched.h"
#include "sched_handoff.h"
#include "thread.h"
#include "space.h"
#include "ipc.h"
#include "mdb.h"
#include "console.h"
#include "kernel.h"
#include "arch.h"
#include "trace.h"
#include "irq.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/cpu.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/smp_ipi.h"
#include "arch/ia32/klock.h"
#include "arch/ia32/fpu.h"

#define TICK_EXPIRE 32u

void sched_init_cpu(struct cpu_local *c, struct tcb *idle)
{
    c->idle = idle;
    idle->cpu = idle->on_cpu = c;
    c->running = idle;
}

void sched_init(struct tcb *idle)
{
    sched_init_cpu(&cpu_local[0], idle);
}

uint32_t sched_context_switches(void)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < cpus_sched; i++)
        n += cpu_local[i].context_switches;
    return n;
}

uint64_t sched_now_us(void)
{
    return arch_clock_us();
}

static bool runnable(const struct tcb *t)
{
    return t->state == TS_READY && !(t->flags & (TF_HALTED | TF_QUANTUM_OUT)) && !t->dying;
}

/* t is running on a CPU that is not its home (migrated while running):
 * that CPU queues it at home when it switches away. */
static bool leaving(const struct tcb *t)
{
    struct cpu_local *on = t->on_cpu;
    return on != t->cpu && on && on->running == t;
}

/* c must look at its queues again (an IPI if it is another CPU). */
static void kick(struct cpu_local *c)
{
    if (c->resched)
        return;
    c->resched = true;
    smp_poke(c);
}

void sched_enqueue(struct tcb *t)
{
    struct cpu_local *c = t->cpu;
    if (!runnable(t) || t == c->idle || leaving(t))
        return;
    if (!t->rq.next) {          /* else it kept its place (lazy) */
        prioq_insert_tail(&c->ready, &t->rq, t->prio);
        t->flags |= TF_QUEUED;
    }
    if (t->prio > c->running->prio || c->running == c->idle)
        kick(c);
}

void sched_dequeue(struct tcb *t)
{
    if (t->rq.next)
        prioq_remove(&t->cpu->ready, &t->rq, t->prio);     /* rq.next = NULL */
    t->flags &= ~TF_QUEUED;
}

/* This CPU is about to switch away from its running thread, or to look
 * for the next (pick_next): if that thread is still runnable but was
 * switched to without being linked (lazy queueing), it takes its place
 * at its level's tail now, as if it had been queued when it woke. Idle
 * is never queued (tested first: an idle CPU's every schedule() passes
 * here); a thread migrated while running is queued at home by switch_to
 * (sched_enqueue leaves it alone here). */
static inline void link_running(struct cpu_local *me)
{
    struct tcb *cur = me->running;
    if (!cur->rq.next && cur != me->idle && runnable(cur))
        sched_enqueue(cur);
}

/* The first runnable thread of the highest level; threads that blocked
 * while queued are dropped here, when the scheduler meets them. */
static struct tcb *pick_next(struct cpu_local *me)
{
    struct qlink *l;
    while ((l = prioq_highest(&me->ready, NULL))) {
        struct tcb *t = container_of(l, struct tcb, rq);
        if (runnable(t))
            return t;
        sched_dequeue(t);
    }
    return me->idle;
}

/* `general`: the thread that resumes here continues in general kernel
 * code, which needs the whole kernel lock, and the switch is recorded
 * here (trace); the IPC fast path's own hand-off is the only caller
 * content with this CPU's word, and it records its own (trace_handoff). */
static inline __attribute__((always_inline)) void switch_to_on(struct cpu_local *me,
                                                                struct tcb *next, bool general)
{
    struct tcb *prev = me->running;
    me->resched = false;
    if (next == prev)
        return;
    if (general && TRACE_ON(TRACE_SWITCH))
        trace_switch(prev, next);
    if (prev->cpu != me) {
        /* Migrated while running: it goes home now, its FPU registers
         * with it. Its new CPU cannot take it before this CPU lets the
         * lock go, i.e. after the switch. */
        fpu_flush_local(me, prev, true);
        me->running = next;
        sched_enqueue(prev);
    }
    me->running = next;
    next->on_cpu = me;
    me->context_switches++;
    arch_switch_to(me, prev, next);
    /* Resumed, maybe on another CPU (me is stale): its record again, and
     * klock_ensure_full's own test inline (the lock is usually whole). */
    if (general && cpu_self()->lock_mode != KL_FULL)
        klock_ensure_full();
}

static inline __attribute__((always_inline)) void switch_to(struct tcb *next, bool general)
{
    switch_to_on(cpu_self(), next, general);
}

void schedule(void)
{
    struct cpu_local *me = cpu_self();
    link_running(me);
    switch_to_on(me, pick_next(me), true);
}

void sched_abandon(void)
{
    /* current is dying: not runnable, so never picked again. */
    schedule();
    panic("sched: a dying thread was resumed");
}

/* sched_switch_to and sched_run_now: t runs on another CPU, or is homed
 * there (it is only queued), when its home is not me. me = cpu_self(),
 * computed once: none of these steps switches. */
void sched_switch_to(struct tcb *t)
{
    struct cpu_local *me = cpu_self();
    link_running(me);
    sched_enqueue(t);
    if (t->cpu != me)
        schedule();
    else if ((t->flags & TF_QUEUED) && t->prio >= pick_next(me)->prio)
        switch_to_on(me, t, true);  /* direct handoff, e.g. to an IPC partner */
    else
        schedule();
}

bool sched_can_handoff(const struct tcb *t)
{
    return sched_can_handoff_on(cpu_self(), t);
}

void sched_handoff(struct tcb *t)
{
    /* current (blocked) stays linked until the scheduler meets it; t runs
     * now, so it takes its place but is linked only if it is still
     * runnable when this CPU switches away from it (lazy queueing); it is
     * often still linked from before it blocked. Both are homed here (the
     * fast path checked). */
    t->flags |= TF_QUEUED;
    if (TRACE_ON_ANY(TRACE_HANDOFF_KINDS))
        trace_handoff(current, t);
    switch_to(t, false);    /* traced just above */
}

void sched_preempt_to(struct tcb *t)
{
    link_running(cpu_self());
    sched_handoff(t);
}

void sched_run_now(struct tcb *t)
{
    struct cpu_local *me = cpu_self();
    link_running(me);
    if (t->cpu != me)
        schedule();
    else
        switch_to_on(me, t, true);
}

void sched_block(void)
{
    schedule();     /* pick_next drops current: it is no longer runnable */
}

/* Round robin: the current thread goes to the tail of its queue. */
static void requeue(struct tcb *t)
{
    if (t->flags & TF_QUEUED) {
        sched_dequeue(t);
        sched_enqueue(t);
    }
}

void sched_yield(void)
{
    requeue(current);
    schedule();
}

bool sched_need_resched(void)
{
    return cpu_self()->resched;
}

bool sched_preempt_point(void)
{
    irq_window();
    /* Other CPUs' kernel entries wait for us: let them in. */
    bool others = klock_cycle();
    if (!cpu_self()->resched)
        return others;
    schedule();
    return true;
}

bool sched_yield_work(void *arg)
{
    (void)arg;
    (void)sched_preempt_point();
    return true;
}

const struct mdb_yield sched_work_yield = { sched_yield_work, NULL };

void sched_set_wakeup(struct tcb *t, uint64_t deadline)
{
    sched_cancel_wakeup(t);
    timeq_insert(&t->cpu->wakeups, &t->wq, deadline);
    t->flags |= TF_WAKEUP;
}

void sched_cancel_wakeup(struct tcb *t)
{
    if (!(t->flags & TF_WAKEUP))
        return;
    timeq_remove(&t->cpu->wakeups, &t->wq);
    t->flags &= ~TF_WAKEUP;
}

/* Moves t (not running anywhere but maybe on its way out of its old CPU)
 * with its queue places and timeout to CPU `to`. Whole lock held. */
static void move(struct tcb *t, struct cpu_local *to)
{
    bool timed = t->flags & TF_WAKEUP;
    uint64_t deadline = t->wq.deadline;
    sched_dequeue(t);
    sched_cancel_wakeup(t);
    t->cpu = to;
    if (timed)
        sched_set_wakeup(t, deadline);
}

void sched_migrate(struct tcb *t, struct cpu_local *to)
{
    struct cpu_local *on = t->on_cpu;
    if (t->cpu == to)
        return;
    bool running = on && on->running == t;
    move(t, to);
    irq_handler_moved(t);       /* its interrupts follow it (IO-APIC) */
    if (running && to == on) {
        sched_enqueue(t);       /* moved back before it left: home again */
        return;
    }
    if (running) {
        /* Its CPU leaves it at the next kernel entry (this one, if it is
         * ours) and queues it at home then. */
        on->resched = true;
        smp_poke(on);
        return;
    }
    /* Lazy FPU switching may have left its registers in a CPU. */
    smp_fpu_flush(t, true);
    sched_enqueue(t);
}

/* Timer tick: expire timeouts, then charge the running thread. */
void sched_tick(void)
{
    struct cpu_local *me = cpu_self();
    uint64_t now = sched_now_us();
    struct timeq_link *l;
    /* A local-APIC tick holds this CPU's lock word only: enough for its
     * own queues and current. An expiring timeout touches partners and
     * senders' queues anywhere: the whole lock. */
    if (me->wakeups.head && me->wakeups.head->deadline <= now)
        klock_ensure_full();
    /* At most TICK_EXPIRE timeouts per tick: the rest (same or earlier
     * deadline) expire on the next ticks, so the tick's cost does not
     * grow with the number of threads waiting for the same moment. */
    for (unsigned n = 0; n < TICK_EXPIRE && (l = timeq_pop_expired(&me->wakeups, now)); n++) {
        struct tcb *t = container_of(l, struct tcb, wq);
        t->flags &= ~TF_WAKEUP;
        ipc_timeout(t);
    }

    struct tcb *t = me->running;
    if (t == me->idle)
        return;
    if (t->quantum_left_us) {
        if (t->quantum_left_us <= TICK_US) {
            /* Total quantum used up: the thread stops until its
             * scheduler grants a new one with Schedule. */
            t->quantum_left_us = 0;
            t->flags |= TF_QUANTUM_OUT;
            sched_dequeue(t);
            me->resched = true;
            return;
        }
        t->quantum_left_us -= TICK_US;
    }
    if (t->ts_left_us > TICK_US) {
        t->ts_left_us -= TICK_US;
        return;
    }
    t->ts_left_us = t->timeslice_us;
    requeue(t);
    me->resched = true;
}

/* Called on every return to user mode: preempt if a higher-priority
 * thread became runnable or the slice ended, or if current may not run
 * here any more (halted, migrated, deleted meanwhile by another CPU). */
void return_to_user_checks(struct trap_frame *f)
{
    (void)f;
    /* Whoever halts, migrates or deletes a running thread sets its CPU's
     * resched flag (sched_kick_running): one test in the common case. */
    if (__builtin_expect(cpu_self()->resched, 0)) {
        klock_ensure_full();
        schedule();
    }
}

void sched_kick_running(struct tcb *t)
{
    struct cpu_local *on = t->on_cpu;
    if (on && on->running == t) {
        on->resched = true;
        smp_poke(on);
    }
}
