/* Scheduler. Invariants: a thread is in its priority's ready queue iff
 * TF_QUEUED; queued threads are TS_READY and not halted. The current
 * thread is queued while it is runnable (it sits at the head of its queue
 * until it blocks or its slice ends). */
#include "sched.h"
#include "thread.h"
#include "space.h"
#include "ipc.h"
#include "console.h"
#include "arch.h"
#include "arch/ia32/thread_arch.h"

static struct tcb *ready[NPRIO];        /* circular lists, head = next to run */
static uint32_t ready_bitmap[NPRIO / 32];
static struct tcb *idle_thread;
static struct tcb *wakeup_head;
static bool resched;

void sched_init(struct tcb *idle)
{
    idle_thread = idle;
    current = idle;
}

uint64_t sched_now_us(void)
{
    return arch_clock_us();
}

void sched_enqueue(struct tcb *t)
{
    if ((t->flags & (TF_QUEUED | TF_HALTED | TF_QUANTUM_OUT)) ||
        t->state != TS_READY ||
        t == idle_thread)
        return;
    unsigned p = t->prio;
    struct tcb *h = ready[p];
    if (!h) {
        t->rq_next = t->rq_prev = t;
        ready[p] = t;
        ready_bitmap[p / 32] |= 1u << (p % 32);
    } else {
        t->rq_prev = h->rq_prev;
        t->rq_next = h;
        h->rq_prev->rq_next = t;
        h->rq_prev = t;
    }
    t->flags |= TF_QUEUED;
    if (t->prio > current->prio || current == idle_thread)
        resched = true;
}

void sched_dequeue(struct tcb *t)
{
    if (!(t->flags & TF_QUEUED))
        return;
    unsigned p = t->prio;
    if (t->rq_next == t) {
        ready[p] = NULL;
        ready_bitmap[p / 32] &= ~(1u << (p % 32));
    } else {
        t->rq_prev->rq_next = t->rq_next;
        t->rq_next->rq_prev = t->rq_prev;
        if (ready[p] == t)
            ready[p] = t->rq_next;
    }
    t->flags &= ~TF_QUEUED;
}

static struct tcb *pick_next(void)
{
    for (int w = NPRIO / 32 - 1; w >= 0; w--)
        if (ready_bitmap[w]) {
            int bit = 31 - __builtin_clz(ready_bitmap[w]);
            return ready[w * 32 + bit];
        }
    return idle_thread;
}

static void switch_to(struct tcb *next)
{
    struct tcb *prev = current;
    resched = false;
    if (next == prev)
        return;
    current = next;
    arch_switch_to(prev, next);
}

void schedule(void)
{
    switch_to(pick_next());
}

void sched_switch_to(struct tcb *t)
{
    sched_enqueue(t);
    if ((t->flags & TF_QUEUED) && t->prio >= pick_next()->prio)
        switch_to(t);       /* direct handoff, e.g. to an IPC partner */
    else
        schedule();
}

void sched_run_now(struct tcb *t)
{
    switch_to(t);
}

void sched_block(void)
{
    sched_dequeue(current);
    schedule();
}

/* Round robin: the current thread goes to the tail of its queue. */
void sched_yield(void)
{
    struct tcb *t = current;
    if (t->flags & TF_QUEUED) {
        sched_dequeue(t);
        sched_enqueue(t);
    }
    schedule();
}

bool sched_need_resched(void)
{
    return resched;
}

void sched_set_wakeup(struct tcb *t, uint64_t deadline)
{
    sched_cancel_wakeup(t);
    t->wakeup_us = deadline;
    struct tcb **pp = &wakeup_head, *prev = NULL;
    while (*pp && (*pp)->wakeup_us <= deadline) {
        prev = *pp;
        pp = &(*pp)->wq_next;
    }
    t->wq_next = *pp;
    t->wq_prev = prev;
    if (*pp)
        (*pp)->wq_prev = t;
    *pp = t;
    t->flags |= TF_WAKEUP;
}

void sched_cancel_wakeup(struct tcb *t)
{
    if (!(t->flags & TF_WAKEUP))
        return;
    if (t->wq_prev)
        t->wq_prev->wq_next = t->wq_next;
    else
        wakeup_head = t->wq_next;
    if (t->wq_next)
        t->wq_next->wq_prev = t->wq_prev;
    t->flags &= ~TF_WAKEUP;
}

/* Timer tick: expire timeouts, then charge the running thread. */
void sched_tick(void)
{
    uint64_t now = sched_now_us();
    while (wakeup_head && wakeup_head->wakeup_us <= now) {
        struct tcb *t = wakeup_head;
        sched_cancel_wakeup(t);
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
    if (t->flags & TF_QUEUED) {
        sched_dequeue(t);
        sched_enqueue(t);
    }
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
