/* Scheduler (queue mechanics in queue.c). Invariants: a thread is in its
 * priority's ready queue iff TF_QUEUED; every runnable thread (TS_READY,
 * not halted, quantum left) except idle is queued. Queues are cleaned
 * lazily: a thread that blocks stays queued until pick_next meets it, so
 * an IPC ping-pong between two threads touches no queue at all. */
#include "sched.h"
#include "thread.h"
#include "space.h"
#include "ipc.h"
#include "mdb.h"
#include "console.h"
#include "kernel.h"
#include "arch.h"
#include "trace.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/cpu.h"

#define TICK_EXPIRE 32u

static struct prioq ready;
static struct timeq wakeups;
static struct tcb *idle_thread;
bool resched;                  /* also read by the IPC fast path (fastipc_entry.S) */
uint32_t context_switches;

void sched_init(struct tcb *idle)
{
    idle_thread = idle;
    current = idle;
}

uint64_t sched_now_us(void)
{
    return arch_clock_us();
}

static bool runnable(const struct tcb *t)
{
    return t->state == TS_READY && !(t->flags & (TF_HALTED | TF_QUANTUM_OUT));
}

void sched_enqueue(struct tcb *t)
{
    if (!runnable(t) || t == idle_thread)
        return;
    if (!(t->flags & TF_QUEUED)) {      /* else it kept its place (lazy) */
        prioq_insert_tail(&ready, &t->rq, t->prio);
        t->flags |= TF_QUEUED;
    }
    if (t->prio > current->prio || current == idle_thread)
        resched = true;
}

void sched_dequeue(struct tcb *t)
{
    if (!(t->flags & TF_QUEUED))
        return;
    prioq_remove(&ready, &t->rq, t->prio);
    t->flags &= ~TF_QUEUED;
}

/* The first runnable thread of the highest level; threads that blocked
 * while queued are dropped here, when the scheduler meets them. */
static struct tcb *pick_next(void)
{
    struct qlink *l;
    while ((l = prioq_highest(&ready, NULL))) {
        struct tcb *t = container_of(l, struct tcb, rq);
        if (runnable(t))
            return t;
        sched_dequeue(t);
    }
    return idle_thread;
}

/* `traced`: record the switch here (a constant at each call; the IPC
 * fast path records its own, trace_handoff). */
static inline __attribute__((always_inline)) void switch_to(struct tcb *next, bool traced)
{
    struct tcb *prev = current;
    resched = false;
    if (next == prev)
        return;
    if (traced && TRACE_ON(TRACE_SWITCH))
        trace_switch(prev, next);
    current = next;
    context_switches++;
    arch_switch_to(prev, next);
}

void schedule(void)
{
    switch_to(pick_next(), true);
}

void sched_switch_to(struct tcb *t)
{
    sched_enqueue(t);
    if ((t->flags & TF_QUEUED) && t->prio >= pick_next()->prio)
        switch_to(t, true); /* direct handoff, e.g. to an IPC partner */
    else
        schedule();
}

bool sched_can_handoff(const struct tcb *t)
{
    if (resched || (t->flags & (TF_HALTED | TF_QUANTUM_OUT)))
        return false;
    if (t->prio >= current->prio)
        return true;
    /* A lower-priority partner runs next only if nobody else is queued
     * above it once current leaves (stale entries make this conservative:
     * the general path then lets the scheduler sort them out). */
    bool alone = (current->flags & TF_QUEUED) && current->rq.next == &current->rq;
    unsigned p = current->prio;
    if (alone && ready.summary == 1u << (p / 32) && ready.bitmap[p / 32] == 1u << (p % 32))
        return true;        /* current is the only runnable thread */
    return prioq_top(&ready, p, alone) <= (int)t->prio;
}

void sched_handoff(struct tcb *t)
{
    /* current (blocked) stays queued until the scheduler meets it; t is
     * often still queued from before it blocked. */
    if (!(t->flags & TF_QUEUED)) {
        prioq_insert_tail(&ready, &t->rq, t->prio);
        t->flags |= TF_QUEUED;
    }
    if (TRACE_ON_ANY(TRACE_HANDOFF_KINDS))
        trace_handoff(current, t);
    switch_to(t, false);    /* traced just above */
}

void sched_run_now(struct tcb *t)
{
    switch_to(t, true);
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
    return resched;
}

bool sched_preempt_point(void)
{
    irq_window();
    if (!resched)
        return false;
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
    timeq_insert(&wakeups, &t->wq, deadline);
    t->flags |= TF_WAKEUP;
}

void sched_cancel_wakeup(struct tcb *t)
{
    if (!(t->flags & TF_WAKEUP))
        return;
    timeq_remove(&wakeups, &t->wq);
    t->flags &= ~TF_WAKEUP;
}

/* Timer tick: expire timeouts, then charge the running thread. */
void sched_tick(void)
{
    uint64_t now = sched_now_us();
    struct timeq_link *l;
    /* At most TICK_EXPIRE timeouts per tick: the rest (same or earlier
     * deadline) expire on the next ticks, so the tick's cost does not
     * grow with the number of threads waiting for the same moment. */
    for (unsigned n = 0; n < TICK_EXPIRE && (l = timeq_pop_expired(&wakeups, now)); n++) {
        struct tcb *t = container_of(l, struct tcb, wq);
        t->flags &= ~TF_WAKEUP;
        ipc_timeout(t);
    }

    struct tcb *t = current;
    if (t == idle_thread)
        return;
    if (t->quantum_left_us) {
        if (t->quantum_left_us <= TICK_US) {
            /* Total quantum used up: the thread stops until its
             * scheduler grants a new one with Schedule. */
            t->quantum_left_us = 0;
            t->flags |= TF_QUANTUM_OUT;
            sched_dequeue(t);
            resched = true;
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
    resched = true;
}

/* Called on every return to user mode: preempt if a higher-priority
 * thread became runnable or the slice ended. */
void return_to_user_checks(struct trap_frame *f)
{
    (void)f;
    if (resched)
        schedule();
}
