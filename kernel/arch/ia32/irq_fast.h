/* The interrupt fast path (irq_fast.S, irq.c irq_fast_user; docs/
 * fastpaths-events.md "Interrupts"): a device interrupt that arrives in
 * user mode for a handler blocked in a sysenter Ipc that only has to
 * return is delivered without the generic dispatch, and the handler
 * leaves the kernel from its own sysenter frame.
 *
 * IRQ_FASTPATH: built with the assembly IPC path (its sysenter frames and
 * marks; FASTPATH=1, not the interrupt-latency kernel). */
#ifndef PECAN_IA32_IRQ_FAST_H
#define PECAN_IA32_IRQ_FAST_H

#include "fastipc.h"

#define IRQ_FASTPATH IPC_FASTPATH

/* Constants the assembly needs (checked against the C definitions in
 * irq.c, apic.c, irqchip.c). */
#define IRQF_VECTORS        40          /* IRQ_BASE .. APIC_VECTOR_BASE + 23 */
#define IRQF_IRQ_BASE       0x20
#define IRQF_APIC_FIRST     0x10        /* APIC_VECTOR_BASE - IRQ_BASE: pin 0's */
#define IRQF_LAPIC_VA       0xFF000000  /* DEVICE_AREA */
#define IRQF_LAPIC_EOI      0xb0
#define IRQF_IOAPIC_VA      0xFF001000
#define IRQF_RTE_MASKED     0x00010000
/* struct irq_line (irq.c) */
#define IRQL_HANDLER        0
#define IRQL_MODE           4           /* byte */
#define IRQL_BIT            5           /* byte */
#define IRQL_REGSEL         7           /* byte: the pin's low word's register, 0x10 + 2 * pin */
#define IRQL_RAISED         8
#define IRQL_GID            12          /* the interrupt thread's ID */
#define IRQL_ITCB           16          /* the interrupt thread's TCB */
#define IRQL_HTCB           20          /* the handler's TCB slot */
#define IRQL_BITMASK        24          /* async: 1 << bit */
#define IRQL_EAGER          28          /* byte: 1 masked at every interrupt, 0 lazily */
#define IRQL_INSVC          29          /* byte: delivered, not acked */
#define IRQL_SIZE_LOG2      5
#define IRQL_MODE_SYNC      1
/* struct tcb, struct cpu_local beyond fastipc.h's */
#define TCB_RQ              28          /* struct qlink: next, prev */
#define TCB_XFER            128
#define TCB_VIF             7           /* byte: VIF_CLEAR 1 (vif.c) */
#define IRQF_VIF_CLEAR      1
#define CPU_READY           68          /* struct prioq: head[256], bitmap[8], summary */
#define PRIOQ_BITMAP        1024
#define PRIOQ_SUMMARY       1056
#define FRAME_VECTOR        32
/* The messages (X.2 interrupt; Pecan asynchronous, 2 words) and the
 * trace kinds that keep the fast path off (IPC, interrupt, switch). */
#define IRQF_TAG_SYNC       0xfff00000
#define IRQF_TAG_ASYNC      0xff700002
#define IRQF_TRACE_KINDS    0x19
#define IRQF_FAST_IRQ_SLOT  8           /* &fast_events[FAST_IRQ] - fast_events */

/* IRQ_RECV_WAIT_MARK, the word under a sysenter frame while its thread
 * sleeps in a general receive: fastipc.h, with the mark's promise. */

#ifndef __ASSEMBLER__
#include "types.h"

struct tcb;
struct trap_frame;


static inline void arch_recv_wait_mark(void *w)
{
#if IRQ_FASTPATH
    if (w)
        *(volatile uint32_t *)w = IRQ_RECV_WAIT_MARK;
#else
    (void)w;
#endif
}

/* Blocked in a sysenter Ipc that only has to return: the word under its
 * frame is one of the two marks. Meaningful only while t is in
 * TS_RECV_WAIT (every kernel entry overwrites the word). */
bool irq_fast_resumable(const struct tcb *t);

/* The entry's vector table (irqchip.c fast_table, at boot and on the
 * fallback to the 8259): vector IRQF_IRQ_BASE + i is the plain IO-APIC
 * line `line` on its own pin, or -1 for none. irq_fast.S reads the line's
 * record from irq_fast_rec[i] (NULL: the general path). */
void irq_fast_vector(unsigned i, int line);

/* irq_fast.S's mask undone (irq_ack_fast) for a plain IO-APIC line
 * (irq_fast_rec's): the pin's cached low word and the chip, through the
 * IO-APIC's window under its lock (irqchip_unmask_fast's work, inline). */
extern uint32_t irqchip_fast_lock;
extern uint32_t ioapic_rte_low[];
static inline void irq_fast_pin_unmask(unsigned regsel)
{
    unsigned pin = (regsel - 0x10) / 2;
#if MAX_CPUS > 1
    while (__atomic_exchange_n(&irqchip_fast_lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
#endif
    uint32_t v = ioapic_rte_low[pin] & ~IRQF_RTE_MASKED;
    ioapic_rte_low[pin] = v;
    *(volatile uint32_t *)IRQF_IOAPIC_VA = regsel;                 /* IOREGSEL */
    *(volatile uint32_t *)(IRQF_IOAPIC_VA + 0x10) = v;             /* IOWIN */
#if MAX_CPUS > 1
    __atomic_store_n(&irqchip_fast_lock, 0, __ATOMIC_RELEASE);
#endif
}

/* A device interrupt from user mode, vector v (irq_fast.S). Returns the
 * handler to leave by (the interrupt delivered, the switch done but for
 * the stack), or NULL when the general path ran (trap_dispatch's work
 * for it, return_to_user_checks included). Takes the whole kernel lock. */
struct tcb *trap_irq(struct trap_frame *f);
/* irq.c: the delivery itself; NULL having changed nothing. */
struct tcb *irq_fast_user(unsigned irq);
/* A send-only sysenter Ipc to an interrupt thread from its line's
 * handler, with this CPU's lock word held (syscall.c): the ack done and
 * the frame's results set, or false having changed nothing (irq.c). */
bool irq_ack_fast(struct trap_frame *f);
/* Where a thread the interrupt fast path interrupted resumes (its switch
 * frame's return address; never called). */
void irq_fast_resume(void);
#endif

#endif
