/* The page-fault round trip's fast path (pffast.c; docs/fastpaths-events.md,
 * "Page-fault round trip"): a user page fault that needs nothing but the
 * page-fault IPC, to a pager that already waits for the thread, and the
 * pager's reply with one 4 KiB map item to it. FASTPATH=0 builds neither. */
#ifndef PECAN_IA32_PFFAST_H
#define PECAN_IA32_PFFAST_H

#include "trap.h"
#include "excfast.h"
#include "fastipc.h"
#include "../../thread.h"

/* kdebug stats: page faults the fast path sent, pagers' map replies it
 * took (always 0 with FASTPATH=0). */
extern uint32_t pf_fast_sends, pf_fast_replies;

#if FASTPATH
/* entry.S's pf_common, for every #PF not from v86 mode, holding nothing:
 * for a fault from user mode the fast send with this CPU's word. True:
 * the fault is over, the frame holds what the thread runs next, the lock
 * (whichever) is left to trap_return. False: nothing changed, nothing
 * held; trap_pf (trap.c) follows. */
bool trap_pf_fast(struct trap_frame *f);

#if !IPC_FASTPATH
/* Without the assembly IPC path (IRQOFF_STATS): syscall.c, before the
 * Ipc's own paths, this CPU's word held: the pager's reply with one map
 * item of a 4 KiB page to a thread waiting in the fast path's page-fault
 * IPC. False, having changed nothing (but maybe taken the whole lock,
 * which the general path takes anyway), if the Ipc is not that one. The
 * first tests inline (pf_fast_reply), so other Ipcs pay a few
 * instructions for it. */
bool pf_fast_reply_slow(struct trap_frame *f);
#else
/* pffast_entry.S, for a sysenter Ipc that passed its tests (one typed
 * item, a receive phase, `to`'s slot waiting in the fast path's
 * page-fault IPC), with the
 * kernel's segments and no lock: the reply as sysenter_ipc would make it
 * (true: the Ipc is over, its results in f, the lock let go), or false,
 * nothing changed but the lock taken (lock mode LOCAL or FULL), for the
 * general path. */
bool pf_reply_sysenter(struct trap_frame *f);
/* The same with this CPU's word already held (mode LOCAL) and the token
 * set (pffast_entry.S, for a dest its commit does not take). */
bool pf_reply_locked(struct trap_frame *f);
/* pffast_entry.S, once its tests (every one of the C reply's before the
 * mapping) and map_item_page passed, one CPU scheduling threads, the
 * whole lock held, a reschedule due: the commit in C (pffast.c). */
__attribute__((regparm(2))) void pf_reply_resched(struct tcb *dest, struct trap_frame *f);
#endif
#if !IPC_FASTPATH
static inline bool pf_fast_reply(struct trap_frame *f)
{
    /* exactly one typed item (two words), not propagated */
    if ((f->esi & (L4ABI_TAG_T_MASK | L4ABI_TAG_PROPAGATED)) != (2u << L4ABI_TAG_T_SHIFT))
        return false;
    /* The TCB slot `to` names as a global ID (any value selects a slot;
     * unused ones read as zeros) waits in the fast path's page-fault IPC:
     * a reply to any other thread leaves here. */
    const struct tcb *d = tcb_of_no(L4ABI_TID_THREADNO(f->eax) & (MAX_THREADS - 1));
    if (d->exc_wait != EXC_WAIT_PAGEFAULT || f->edx == L4ABI_NILTHREAD)
        return false;       /* (a send-only reply: nothing to receive) */
    return pf_fast_reply_slow(f);
}
#endif
#endif

#endif
