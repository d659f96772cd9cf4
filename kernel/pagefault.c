/* Page faults as IPC. The faulting thread "calls" its pager with the
 * X.2 page-fault message; its own message registers are saved around the
 * exchange so the fault stays invisible to it. The receive window is the
 * whole address space. A fault on a page the mapping database says is
 * mapped (only its PTE is missing) is refilled without the pager. When
 * the pager's reply arrives the thread simply retries the access: no
 * mapping means another fault. A fault IPC that another thread cancels or
 * aborts (ExchangeRegisters) ends the same way, as in Pistachio: the
 * instruction runs again (or the new ip that ExchangeRegisters set). */
#include "pagefault.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "ipc.h"
#include "map.h"
#include "mdb_pt.h"
#include "console.h"
#include "event_fast.h"

void thread_stop(struct tcb *t, const char *why, uint32_t addr, uint32_t ip)
{
    kprintf("pecan: thread %x stopped: %s (address %08x, ip %08x)\n",
            t->gid, why, addr, ip);
    t->flags |= TF_HALTED;
    sched_dequeue(t);
    sched_kick_running(t);
    if (t == current)
        schedule();
}

/* fault_ipc to the pager p, already resolved from t's Pager TCR. */
static uint32_t fault_ipc_to(struct tcb *t, struct tcb *p, uint32_t label, uint32_t mr1,
                             uint32_t mr2, uint32_t timeouts)
{
    uint32_t pager = UTCB(t, L4ABI_UTCB_PAGER);
    uint32_t saved[3] = { t->mr[0], t->mr[1], t->mr[2] };
    uint32_t saved_br0 = t->mr[L4ABI_UTCB_BR(0)];
    uint32_t saved_err = t->mr[L4ABI_UTCB_ERRORCODE];
    uint32_t err;

#if FASTPATH
    /* The pager already waits for us (the usual case): straight to it.
     * Only without timeouts: a bounded fault (string copies) takes the
     * general path, which arms them. */
    uint32_t w[2] = { mr1, mr2 };
    if (timeouts == L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_NEVER) &&
        event_fast_call(t, p, L4ABI_TAG(label, 2, 0), w, 2, L4ABI_COMPLETE_FPAGE, FAST_FAULT,
                        &err))
        goto done;
#else
    (void)p;        /* the general path names the pager by its ID */
#endif
    t->mr[0] = L4ABI_TAG(label, 2, 0);
    t->mr[1] = mr1;
    t->mr[2] = mr2;
    t->mr[L4ABI_UTCB_BR(0)] = L4ABI_COMPLETE_FPAGE;
    err = ipc_kernel_call_timeouts(pager, timeouts);
#if FASTPATH
done:
#endif

    t->mr[0] = saved[0];
    t->mr[1] = saved[1];
    t->mr[2] = saved[2];
    t->mr[L4ABI_UTCB_BR(0)] = saved_br0;
    t->mr[L4ABI_UTCB_ERRORCODE] = saved_err;
    return err;
}

uint32_t fault_ipc(struct tcb *t, uint32_t label, uint32_t mr1, uint32_t mr2,
                   uint32_t timeouts)
{
    struct tcb *p = tcb_resolve(t, UTCB(t, L4ABI_UTCB_PAGER));
    if (!p)
        return L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 0, 0);
    return fault_ipc_to(t, p, label, mr1, mr2, timeouts);
}

uint32_t pagefault_ipc(struct tcb *t, uint32_t addr, unsigned rwx, uint32_t ip,
                       uint32_t timeouts)
{
    if (t->space->sigma0)       /* no pager: physical memory, 1:1 */
        return sigma0_map(t->space, addr, rwx) ? 0 : L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 0, 0);
    if (mdb_refill(t->space, addr, rwx))
        return 0;               /* the mdb had it: only the PTE was missing */
    return fault_ipc(t, L4ABI_LABEL_PAGEFAULT | rwx, addr, ip, timeouts);
}

void pagefault(struct tcb *t, uint32_t addr, unsigned rwx, uint32_t ip)
{
    if (t->space->sigma0) {
        if (!sigma0_map(t->space, addr, rwx))
            thread_stop(t, "sigma0 touched memory it does not own", addr, ip);
        return;
    }
    if (mdb_refill(t->space, addr, rwx))
        return;     /* the mdb had it: only the PTE was missing */
    struct tcb *p = tcb_resolve(t, UTCB(t, L4ABI_UTCB_PAGER));
    if (!p) {
        thread_stop(t, "page fault, and the pager does not exist", addr, ip);
        return;
    }
    /* sigma0 and the mdb refill were tried above: the IPC itself. */
    uint32_t err = fault_ipc_to(t, p, L4ABI_LABEL_PAGEFAULT | rwx, addr, ip,
                                L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_NEVER));
    if (err && !fault_ipc_interrupted(err))
        thread_stop(t, "page-fault IPC to the pager failed", addr, ip);
}
