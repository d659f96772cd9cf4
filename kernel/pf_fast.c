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
bool pf_reply_fast(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts)
{
    uint32_t tag = self->mr[0];
    uint32_t u = L4ABI_TAG_U(tag);
    /* A call (from-specifier = destination) or a reply and wait (from
     * anyone, nobody queued on us) to a thread; no receive timeout, no
     * interrupt to take, no string copy of ours in progress. */
    if ((from_spec != to && from_spec != L4ABI_ANYTHREAD &&
         from_spec != L4ABI_ANYLOCALTHREAD) ||
        L4ABI_TIMEOUTS_RCV(timeouts) != L4ABI_TIME_NEVER || irq_pending || self->xfer)
        return false;
    /* The message: two typed words after the untyped ones (one item), no
     * propagation, within the message registers; the item a map item
     * (string items, grants and the rest go the general way) of one 4 KiB
     * memory fpage. */
    if (L4ABI_TAG_T(tag) != 2 || (tag & L4ABI_TAG_PROPAGATED) || u + 2 >= L4ABI_NUM_MRS)
        return false;
    uint32_t item0 = self->mr[u + 1], fpage = self->mr[u + 2];
    if ((item0 & L4ABI_ITEM_TYPE_MASK) != L4ABI_ITEM_MAP || L4ABI_IS_IOFPAGE(fpage) ||
        L4ABI_FPAGE_LOG2(fpage) != PAGE_SHIFT)
        return false;
    struct tcb *dest = tcb_resolve(self, to);   /* nil/any: no thread */
    if (!dest)
        return false;
    uint32_t recv;
    if (from_spec == to)
        recv = dest->gid;
    else if (!self->sq_head)
        recv = from_spec;
    else
        return false;
    /* The receiver waits for us, in no copy, with a window for the page;
     * redirection leaves the send direct; the scheduler would run the
     * receiver next, on this CPU. */
    if (dest->state != TS_RECV_WAIT || !dest->mr || (dest->flags & TF_IRQ) || dest->xfer)
        return false;       /* (the UTCB is read only from here on) */
    uint32_t window = dest->mr[L4ABI_UTCB_BR(0)] & L4ABI_ACCEPT_WINDOW_MASK;
    if (!window || !ipc_accepts(dest, self) || !ipc_redirect_exempt(self, dest) ||
        !event_partner_local(dest) || !sched_can_handoff(dest))
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
    self->ipc_intended = 0;
    dest->mr[0] = tag & (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK | L4ABI_TAG_T_MASK);
    copy_words(dest->mr + 1, self->mr + 1, u + 2);
    dest->ipc_from = tcb_id_for(self, dest);
    dest->ipc_error = 0;
    dest->ipc_done = true;
    sched_cancel_wakeup(dest);
    dest->state = TS_READY;
    fast_events[FAST_MAP]++;        /* before dest runs: it may read it */

    /* Our receive phase, as reply_handoff leaves it, and the switch. */
    self->ipc_done = false;
    self->ipc_error = 0;
    self->ipc_from = L4ABI_NILTHREAD;
    self->state = TS_RECV_WAIT;
    self->partner = recv;
    sched_handoff(dest);
    klock_ensure_full();    /* resumed maybe by a fast path (event_fast.h) */
    if (self->xfer)
        xfer_wait_turns(self);
    return true;
}
#endif
