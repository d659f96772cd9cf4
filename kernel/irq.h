/* Hardware interrupts as IPC (X.2 interrupt threads) and Pecan's
 * asynchronous interrupt binding. See docs/interrupts.md. */
#ifndef PECAN_IRQ_H
#define PECAN_IRQ_H

#include "types.h"

struct tcb;

#define IRQ_LINES 24            /* at most: IO-APIC pins (8259: 16) */
/* An interrupt thread's priority until its scheduler (the thread that
 * attached the line) changes it with Schedule: the highest, so by default
 * only the handler's own priority decides whether it preempts. */
#define IRQ_DEFAULT_PRIO 255

void irq_init(void);            /* creates the interrupt threads */
/* ThreadControl on an interrupt thread: attach (pager = handler, scheduler
 * = nil for X.2 synchronous delivery or L4ABI_IRQ_ASYNC(bit)) or detach
 * (pager = the interrupt thread). Returns 0 or an L4ABI_ERR_* code. */
uint32_t irq_control(struct tcb *self, uint32_t irq_tid, uint32_t space_spec,
                     uint32_t scheduler, uint32_t pager);
/* An IPC from `self` to interrupt thread `it`: the acknowledgement.
 * Returns false if self is not the line's handler. */
bool irq_ack(struct tcb *self, struct tcb *it);
/* t is being deleted: its lines are detached (masked, nothing pending),
 * so no stale pending bit keeps the IPC fast path off. */
void irq_handler_deleted(const struct tcb *t);
/* The global ID of the thread attached to line irq, 0 if none. */
uint32_t irq_handler_of(unsigned irq);
/* t's home CPU changed: the lines it handles are routed to it (the
 * IO-APIC's destination) with their interrupt threads. Whole lock held. */
void irq_handler_moved(const struct tcb *t);
/* The CPU index a line's interrupts go to (~0 if there is no such line). */
unsigned irq_line_cpu(unsigned irq);
struct cpu_local;
extern struct cpu_local *irq_stat_cpu_rec;  /* last attached interrupt's CPU */
/* Bitmask of lines with an interrupt waiting for its handler. */
extern uint32_t irq_pending;
/* self starts receiving (partner already set): hands it a pending
 * interrupt if one is waiting for it. Returns true if it did. */
bool irq_deliver_pending(struct tcb *self);

#if KDB
/* The kernel debugger's `irq` command: one line as it stands. */
struct irq_info {
    uint32_t handler;           /* global ID, 0 if none */
    const char *mode;           /* "-", "sync", "async" */
    const char *kernel;         /* the kernel's own use of the line, or NULL */
    uint32_t raised;            /* async: raised since the last notification */
};
bool irq_describe(unsigned irq, struct irq_info *out);  /* false: no such line */
#endif

/* Benchmark probe: TSC at the last interrupt's kernel entry (written by
 * the bench kernel, STATS=1, only: kept off the interrupt paths). */
extern uint64_t irq_entry_tsc;
extern uint32_t irq_stat_raised, irq_stat_delivered, irq_stat_direct;
/* kdebug stats: interrupts delivered by the entry's fast path (irq_fast.S
 * or its C part irq_fast_user: the handler leaves from its frame),
 * acknowledgements by their short path (irq_ack_fast). */
extern uint32_t irq_stat_fast_entry, irq_stat_fast_acks;
extern uint32_t irq_stat_asm_entry;

#endif
