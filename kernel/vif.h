/* The virtual interrupt flag of user threads.
 *
 * A user thread runs with IOPL 0, so cli and sti do not touch the real
 * IF. Instead each thread has a virtual IF (VIF) and a virtual-interrupt-
 * pending flag (VIP, "an interrupt is being held for this thread"):
 *   - without protected-mode virtual interrupts (QEMU), cli/sti raise #GP;
 *     the kernel decodes the instruction, flips the thread's VIF (kept in
 *     the TCB: the CPU does not keep EFLAGS.VIF then) and skips it;
 *   - with CR4.PVI (CPUID.VME, e.g. Bochs) the CPU flips EFLAGS.VIF of
 *     the thread itself and traps (#GP) only on an sti while VIP is set.
 * Either way ExchangeRegisters returns the flags with EFLAGS.VIF/VIP
 * showing the thread's state (user pushf shows them only with PVI).
 * Threads start with the virtual IF set.
 *
 * For interrupt delivery (kernel/irq.c): vif_set_pending(t) returns false
 * if t's virtual IF is set (deliver the interrupt IPC now); otherwise it
 * marks the interrupt held (VIP) and the caller keeps it pending (the line
 * stays masked). When the thread executes sti the kernel clears VIP; the
 * held interrupt is then delivered on the thread's next receive.
 */
#ifndef PECAN_VIF_H
#define PECAN_VIF_H

#include "types.h"

struct tcb;

bool vif_enabled(const struct tcb *t);
/* EFL_VIF | EFL_VIP as the thread has them (for ExchangeRegisters). */
uint32_t vif_flags(const struct tcb *t);
bool vif_set_pending(struct tcb *t);

extern uint32_t vif_traps;      /* kdebug stat: cli/sti emulated after #GP */
extern uint32_t vif_releases;   /* kdebug stat: sti that released a held interrupt */

#endif
