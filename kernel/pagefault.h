#ifndef PECAN_PAGEFAULT_H
#define PECAN_PAGEFAULT_H
#include "types.h"
#include <l4/abi.h>
struct tcb;
/* A user page fault: sigma0's are resolved invisibly; everyone else's
 * become an IPC to the pager. rwx is the access (L4ABI_FPAGE_R/W/X). */
void pagefault(struct tcb *t, uint32_t addr, unsigned rwx, uint32_t ip);
/* The page-fault IPC itself (t == current, not sigma0): calls t's pager
 * with the X.2 fault message, t's MR0..2, BR0 and ErrorCode preserved.
 * Returns 0 or the IPC ErrorCode (e.g. timeout; NOPARTNER if there is no
 * pager). Used by pagefault() and by string copies (with timeouts). */
uint32_t pagefault_ipc(struct tcb *t, uint32_t addr, unsigned rwx, uint32_t ip,
                       uint32_t timeouts);
/* A fault message from t (== current) to its pager: MR0 = label, u = 2,
 * MR1, MR2; receive window the whole space; t's MR0..2, BR0 and ErrorCode
 * preserved. Returns 0 or the IPC ErrorCode (NOPARTNER: no pager). Page
 * faults and I/O faults both go through it. */
uint32_t fault_ipc(struct tcb *t, uint32_t label, uint32_t mr1, uint32_t mr2,
                   uint32_t timeouts);
/* True if a fault or exception IPC ended because another thread canceled
 * or aborted it (ExchangeRegisters): the thread then restarts the
 * faulting instruction from its (possibly rewritten) user registers, so
 * the fault comes again and goes to the pager or handler again. */
static inline bool fault_ipc_interrupted(uint32_t err)
{
    uint32_t code = (err & L4ABI_IPCERR_CODE_MASK) >> L4ABI_IPCERR_CODE_SHIFT;
    return code == L4ABI_IPCERR_CANCELED || code == L4ABI_IPCERR_ABORTED;
}
/* Stops a thread that cannot go on and says why on the console. */
void thread_stop(struct tcb *t, const char *why, uint32_t addr, uint32_t ip);
#endif
