/* The scheduler: 256 fixed priorities, round robin within a priority,
 * time slices and total quanta charged by the timer tick, and the wakeup
 * queue for IPC timeouts. */
#ifndef PECAN_SCHED_H
#define PECAN_SCHED_H

#include "types.h"

struct tcb;

#define NPRIO 256
#define DEFAULT_PRIO 100
#define ROOT_PRIO 255
#define DEFAULT_TIMESLICE_US 10000

void sched_init(struct tcb *idle);      /* the boot processor's idle thread */
struct cpu_local;
void sched_init_cpu(struct cpu_local *c, struct tcb *idle);
/* Moves t to CPU `to` (docs/smp.md, "Migration"): at once if it does not
 * run; a running thread is left by its CPU at its next kernel entry (an
 * IPI) and queued at home then. Whole kernel lock held. */
void sched_migrate(struct tcb *t, struct cpu_local *to);
/* t may be running on some CPU right now (and must stop, or look at its
 * state again): that CPU reschedules before it returns to user mode. */
void sched_kick_running(struct tcb *t);
/* current is being deleted by another CPU: switch away for good. */
NORETURN void sched_abandon(void);
void sched_enqueue(struct tcb *t);      /* make runnable (tail of its queue) */
void sched_dequeue(struct tcb *t);
/* Picks the highest-priority runnable thread and switches to it; the
 * current thread competes if it is still runnable (linked first if it
 * ran unlinked: sched.c, lazy queueing). */
void schedule(void);
/* Switches to t directly if it may run now (IPC handoff). */
void sched_switch_to(struct tcb *t);
/* Current thread blocks (its state was set by the caller). */
void sched_block(void);
void sched_run_now(struct tcb *t);
/* IPC fast path: true if t, once runnable, would be the thread to run
 * after current blocks (t outranks or ties with current, which is the
 * highest-priority runnable thread while no reschedule is pending). */
bool sched_can_handoff(const struct tcb *t);
/* current blocks (its state already set) and the ready thread t runs,
 * unlinked (lazy queueing). Only the fast paths call it: its one trace
 * hook (trace_handoff) records the message and the switch. */
void sched_handoff(struct tcb *t);
/* The same for a current that stays runnable (an interrupt's direct
 * switch): current is linked first if it ran unlinked. */
void sched_preempt_to(struct tcb *t);
void sched_yield(void);
void sched_tick(void);                  /* from the timer interrupt */
bool sched_need_resched(void);

/* Preemption point inside long kernel work (unmap, space and thread
 * deletion, map items): pending interrupts are taken, and if a
 * higher-priority thread or the end of the time slice is due, current
 * yields the CPU there (it stays queued and resumes at this point). Any
 * other thread may run meanwhile, so the caller must hold only what
 * nobody else can end (see docs/architecture.md, "Latency"). Returns true
 * if others may have run. */
bool sched_preempt_point(void);
/* The same as an mdb yield function (always goes on), and a ready-made
 * struct mdb_yield for it. */
struct mdb_yield;
bool sched_yield_work(void *arg);
extern const struct mdb_yield sched_work_yield;

/* Wakeup queue: sorted by deadline; the tick looks only at the head, so
 * the per-tick cost is O(1 + expired) and an insert is O(n). */
void sched_set_wakeup(struct tcb *t, uint64_t deadline_us);
void sched_cancel_wakeup(struct tcb *t);
uint64_t sched_now_us(void);

#endif
