/* The short path of a pager's reply (docs/fastpaths-events.md, "Page-fault
 * round trip"): a call or reply-and-wait that carries exactly one map item
 * of one 4 KiB page to a thread waiting for the sender (the faulting
 * thread, blocked in its page-fault IPC). It does what the general path
 * (ipc_syscall: send phase, transfer, xfer_typed_items, map_item,
 * mdb_map, then reply_handoff) does for that message, without the
 * general machinery in between: the words are copied, the page is mapped
 * by mdb_map_page (one node, linked where mdb_map links it, the same
 * kernel-memory charge, the PTE), the receiver's IPC is completed, the
 * sender enters its receive phase and the CPU goes straight to the
 * receiver.
 *
 * Every check comes before the first change; what it refuses (and a
 * mapping mdb_map_page cannot do alone: something else in the receiver's
 * way, out of kernel memory) goes on in the general path with nothing
 * changed. Taken only where the general path would end with
 * reply_handoff: no error on either side, no timeout to arm, nothing to
 * take in the receive phase, a receiver the scheduler would run next on
 * this CPU. */
#include "pf_fast.h"
#include "ipc.h"
#include "irq.h"
#include "map.h"
#include "string.h"
#include "strxfer.h"
#include "trace.h"
#include "event_fast.h"
#include "arch/ia32/klock.h"

#if FASTPATH
bool pf_reply_fast(struct tcb *self, struct tcb *dest, uint32_t recv, uint32_t timeouts)
{
    uint32_t tag = self->mr[0];
    uint32_t u = L4ABI_TAG_U(tag);          /* u + 2 < L4ABI_NUM_MRS: tested */
    uint32_t item0 = self->mr[u + 1], fpage = self->mr[u + 2];
    /* The item (a map item of one 4 KiB memory fpage) and the receive
     * phase's partner were tested inline (pf_reply_candidate). The receive
     * phase: no timeout, nothing to take (no interrupt, no sender queued
     * on us), no string copy of ours in progress. The send went where it
     * was aimed (no redirection). */
    if (L4ABI_TIMEOUTS_RCV(timeouts) != L4ABI_TIME_NEVER || irq_pending || self->sq_head || self->xfer ||
        self->ipc_intended)
        return false;
    /* The receiver waits for us, in no copy, with a window for the page;
     * the scheduler would run it next, on this CPU. */
    if (dest->state != TS_RECV_WAIT || dest->xfer || !ipc_accepts(dest, self))
        return false;       /* (the UTCB is read only from here on) */
    uint32_t window = dest->mr[L4ABI_UTCB_BR(0)] & L4ABI_ACCEPT_WINDOW_MASK;
    if (!window || !event_partner_local(dest) || !sched_can_handoff(dest))
        return false;
    /* The mapping: the only step that may still refuse (unchanged). */
    if (!map_item_page(self, dest, item0, fpage, window))
        return false;
    /* The trace records transfer() and map_item make, in their order. */
    if (TRACE_ON(TRACE_IPC))
        trace_ipc(self->gid, dest->gid, tag, false);
    if (TRACE_ON(TRACE_MAP))
        trace_record(TT_MAP, self->gid, dest->gid, fpage, false);

    /* The send phase's results (transfer, finish): the words, the tag,
     * the sender's ID. */
    dest->mr[0] = tag & (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK | L4ABI_TAG_T_MASK);
    copy_words(dest->mr + 1, self->mr + 1, u + 2);
    ipc_complete(dest, tcb_id_for(self, dest), 0);
    fast_events[FAST_MAP]++;        /* before dest runs: it may read it */

    /* Our receive phase, as reply_handoff leaves it, and the switch. */
    ipc_wait_for(self, recv);
    event_handoff_wait(self, dest);
    return true;
}
#endif
