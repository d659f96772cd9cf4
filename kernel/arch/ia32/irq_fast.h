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

#ifndef __ASSEMBLER__
#include "types.h"

struct tcb;
struct trap_frame;

/* The word under a sysenter frame (fastipc.h, arch_ipc_wait_mark) while
 * its thread sleeps in the general receive phase of a top-level user Ipc
 * (ipc.c): what remains of that Ipc is its return alone. Odd, so never
 * the frame address the word otherwise holds, nor ipc_fast_resume (the
 * asm IPC path's mark, which it keeps for itself). */
#define IRQ_RECV_WAIT_MARK 1u

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

/* A device interrupt from user mode, vector v (irq_fast.S). Returns the
 * handler to leave by (the interrupt delivered, the switch done but for
 * the stack), or NULL when the general path ran (trap_dispatch's work
 * for it, return_to_user_checks included). Takes the whole kernel lock. */
struct tcb *trap_irq(struct trap_frame *f);
/* irq.c: the delivery itself; NULL having changed nothing. */
struct tcb *irq_fast_user(unsigned irq);
/* Where a thread the interrupt fast path interrupted resumes (its switch
 * frame's return address; never called). */
void irq_fast_resume(void);
#endif

#endif
