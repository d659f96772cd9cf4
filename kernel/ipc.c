/* IPC. The rendezvous is synchronous: a message moves only when sender
 * and receiver are both ready, directly from the sender's UTCB to the
 * receiver's (both kernel-owned, reached through the direct map, so the
 * copy cannot fault).
 *
 * A thread blocked in an IPC sleeps in the kernel; whoever completes its
 * IPC (the partner, the timeout, a cancel) stores the outcome in its TCB
 * (ipc_from, ipc_error) and makes it runnable; the thread then only
 * returns. A caller whose send is picked up by a receiver is moved straight
 * into its receive phase by that receiver, so a reply can never find it
 * "not yet receiving". */
#include "ipc.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "string.h"
#include "strxfer.h"
#include "console.h"
#include "timeout.h"
#include "irq.h"
#include "trace.h"
#include "arch/ia32/fastipc.h"
#include "arch/ia32/irq_fast.h"
#include "arch/ia32/klock.h"
#include "event_fast.h"
#include "pf_fast.h"

#define MR0 0

static void finish(struct tcb *t, uint32_t from, uint32_t error)
{
    ipc_complete(t, from, error);
    sched_enqueue(t);
}

/* Send queues: FIFO through sq_next (NULL-terminated); sq_prev runs back,
 * and the head's sq_prev is the tail, so that append and remove are O(1)
 * however many senders wait. */
static void sq_remove(struct tcb *s)
{
    struct tcb *owner = s->sq_owner;
    if (!owner)
        return;
    struct tcb *head = owner->sq_head;
    if (head == s)
        owner->sq_head = s->sq_next;
    else
        s->sq_prev->sq_next = s->sq_next;
    if (s->sq_next)
        s->sq_next->sq_prev = s->sq_prev;
    else if (head != s)
        head->sq_prev = s->sq_prev;     /* s was the tail */
    if (s->sq_prop)
        owner->sq_props--;
    s->sq_prop = false;
    s->sq_owner = s->sq_next = s->sq_prev = NULL;
}

static void sq_append(struct tcb *owner, struct tcb *s)
{
    struct tcb *head = owner->sq_head;
    s->sq_next = NULL;
    s->sq_owner = owner;
    /* Propagated messages are counted: only while some wait does a closed
     * receive have to look past its partner (first_accepted). */
    s->sq_prop = s->mr[MR0] & L4ABI_TAG_PROPAGATED;
    owner->sq_props += s->sq_prop;
    if (!head) {
        owner->sq_head = s;
        s->sq_prev = s;
        return;
    }
    s->sq_prev = head->sq_prev;
    head->sq_prev->sq_next = s;
    head->sq_prev = s;
}

/* X.2 propagation. A message with the p flag in MR0 is sent on behalf of
 * the thread named in the sender's VirtualSender TCR (V). The sender s may
 * speak for V toward receiver r if V is an existing user thread and
 *   - s and V share a space, or
 *   - s and r share a space (r trusts s anyway; Pistachio's rule), or
 *   - s lives in the space of V's space's redirector (the redirector
 *     forwards what it intercepted; docs/ipc.md "Redirection").
 * propagation_for returns V, or NULL if s may not speak for V: the message
 * then goes out as s's own, without p (no error, as in Pistachio). The
 * TCR is user memory, so a message that waited in a queue is judged again
 * when it moves. The receiver gets the p flag, V as the sender (its local
 * ID if they share a space) and s in its ActualSender TCR (UTCB word -6). */
static __attribute__((noinline)) struct tcb *propagation_for(struct tcb *s,
                                                              const struct tcb *r)
{
    struct tcb *v = tcb_resolve(s, UTCB(s, L4ABI_UTCB_VIRTUALSENDER));
    if (!v || !v->space || (v->flags & (TF_KERNEL | TF_IRQ)))
        return NULL;
    if (v->space == s->space || r->space == s->space)
        return v;
    uint32_t rid = v->redirector;
    const struct tcb *red = rid ? tcb_lookup(rid) : NULL;
    return red && red->space == s->space ? v : NULL;
}

/* V for s's message to r, NULL if it is not propagated or not allowed.
 * The common case (no p flag) costs one test. */
static inline struct tcb *virtual_sender(struct tcb *s, const struct tcb *r)
{
    if (__builtin_expect(!(s->mr[MR0] & L4ABI_TAG_PROPAGATED), 1))
        return NULL;
    return propagation_for(s, r);
}

/* Does receiver r take s's message? Waiting for s (or for any), or, if
 * the message is propagated, for its virtual sender. */
static inline bool accepts_msg(const struct tcb *r, struct tcb *s)
{
    if (ipc_accepts(r, s))
        return true;
    struct tcb *v = virtual_sender(s, r);
    return v && r->partner == v->gid;
}

/* The first sender in self's queue that self (receiving) accepts. A
 * receive from one thread looks at that thread alone, and anythread takes
 * the head: O(1). Only anylocalthread scans, past senders of other spaces,
 * and a closed receive while messages propagated to self wait (one of
 * them may be for the thread it receives from): at most one per thread
 * the root task created. */
static struct tcb *first_accepted(struct tcb *self)
{
    uint32_t p = self->partner;
    struct tcb *s;
    if (p != L4ABI_ANYTHREAD && p != L4ABI_ANYLOCALTHREAD) {
        s = tcb_lookup_inline(p);
        if (s && s->sq_owner == self)
            return s;
        if (!self->sq_props)
            return NULL;
    }
    s = self->sq_head;
    while (s && !accepts_msg(self, s))
        s = s->sq_next;
    return s;
}

/* After s's propagated message reached r without error: a closed receive
 * of V that waits for s (V's call that s is handling) waits for r instead,
 * so r's answer goes straight to V. Any other state of V is left alone.
 * V is looked up again: a string copy may have let s's space run. */
static void propagate_wait(struct tcb *s, struct tcb *r, uint32_t serr, uint32_t rerr)
{
    struct tcb *v = serr || rerr ? NULL : virtual_sender(s, r);
    if (v && v != r && v->state == TS_RECV_WAIT && v->partner == s->gid)
        v->partner = r->gid;
}

/* Copies the message of s into r's UTCB; one of them is current, the
 * other (the partner) is blocked and in no queue. *serr and *rerr get 0 or
 * the ErrorCode of each side (phase bit and offset included). String items
 * may block current meanwhile (strxfer.c); the partner then stays blocked
 * in TS_XFER until the caller releases it. Returns false if the partner
 * left during the copy (deleted, or its IPC already ended by an abort or
 * transfer timeout): the caller must not touch it. v: the virtual sender
 * if the message is propagated (virtual_sender), else NULL. */
static bool transfer(struct tcb *s, struct tcb *r, const struct tcb *v,
                     uint32_t *serr, uint32_t *rerr)
{
    uint32_t tag = s->mr[MR0];
    uint32_t u = L4ABI_TAG_U(tag), t = L4ABI_TAG_T(tag);
    *serr = *rerr = 0;
    if (u + t >= L4ABI_NUM_MRS) {
        *serr = L4ABI_IPCERR(L4ABI_IPCERR_OVERFLOW, 0, 0);
        *rerr = L4ABI_IPCERR(L4ABI_IPCERR_OVERFLOW, 1, 0);
        return true;
    }
    r->mr[MR0] = tag & (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK | L4ABI_TAG_T_MASK);
    if (__builtin_expect(s->ipc_intended != 0, 0)) {
        /* Redirected: the redirector learns whom the sender meant. */
        r->mr[MR0] |= L4ABI_TAG_REDIRECTED;
        UTCB(r, L4ABI_UTCB_INTENDEDRECEIVER) = s->ipc_intended;
    }
    if (__builtin_expect(v != NULL, 0)) {
        /* Propagated: r learns who actually sent it. */
        r->mr[MR0] |= L4ABI_TAG_PROPAGATED;
        UTCB(r, L4ABI_UTCB_VIRTUALSENDER) = s->gid;
    }
    copy_words(r->mr + 1, s->mr + 1, u + t);
    if (TRACE_ON(TRACE_IPC))
        trace_ipc(s->gid, r->gid, tag, false);
    if (t)
        return xfer_typed_items(s, r, u + 1, t, serr, rerr);
    return true;
}


/* Blocks current in its IPC; a string copy may hand it turns meanwhile. */
static void ipc_block(struct tcb *self)
{
    sched_block();
    if (self->xfer)
        xfer_wait_turns(self);
}

/* Puts t into its receive phase after its send phase finished. A zero
 * receive timeout ends the IPC at once (nothing can have arrived yet). */
static void prepare_receive(struct tcb *t, uint32_t spec, uint16_t timeout,
                            uint64_t now)
{
    /* Never (the usual call and reply-and-wait) without the call. */
    uint64_t dl = timeout == L4ABI_TIME_NEVER ? DEADLINE_NEVER : timeout_deadline(timeout, now);
    if (dl == DEADLINE_NOW) {
        finish(t, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 1, 0));
        return;
    }
    t->state = TS_RECV_WAIT;
    t->partner = spec;
    if (dl != DEADLINE_NEVER)
        sched_set_wakeup(t, dl);
}

/* Tries to take a message from a sender blocked on `self`. Returns true if
 * one was taken (self's result is then set). */
static bool take_from_queue(struct tcb *self)
{
    struct tcb *s = first_accepted(self);
    if (s) {
        sq_remove(s);
        sched_cancel_wakeup(s);
        uint32_t serr, rerr;
        struct tcb *v = virtual_sender(s, self);
        self->ipc_from = tcb_id_for(v ? v : s, self);
        bool alive = transfer(s, self, v, &serr, &rerr);
        self->ipc_error = rerr;
        self->ipc_done = true;
        if (!alive) {
            self->ipc_from = L4ABI_NILTHREAD;
            return true;
        }
        if (__builtin_expect(v != NULL, 0))
            propagate_wait(s, self, serr, rerr);
        if (!serr && s->recv_spec != L4ABI_NILTHREAD) {
            /* A call: the sender waits for our reply from now on. */
            prepare_receive(s, s->recv_spec, s->recv_timeout,
                            (s->recv_timeout & 0xfbffu) ? sched_now_us() : 0);
        } else {
            finish(s, L4ABI_NILTHREAD, serr);
        }
        return true;
    }
    return false;
}

/* Resolves a from-specifier to what `partner` holds while receiving (and
 * the thread it names into *t_out, left alone for anythread/anylocalthread):
 * anythread, anylocalthread or a global ID. 0 if the thread does not exist. */
static uint32_t resolve_from(struct tcb *self, uint32_t spec, struct tcb **t_out)
{
    if (spec == L4ABI_ANYTHREAD || spec == L4ABI_ANYLOCALTHREAD)
        return spec;
    struct tcb *t = tcb_resolve_inline(self, spec);
    *t_out = t;
    return t ? t->gid : 0;
}

/* X.2 redirection of a send phase to `to` (dest: the thread it names, NULL
 * if none). Returns the thread that gets the message. If that is the
 * sender's redirector, self->ipc_intended records `to` for the transfer
 * and a closed receive phase that waits for the intended receiver (a call)
 * waits for the redirector instead, which is who answers. A redirector
 * that no longer exists yields NULL: the send fails with "no partner" and
 * nothing leaves the space (fail closed). Local IDs, threads of the
 * sender's or the redirector's space and interrupt threads (the
 * handler's acknowledgement) are exempt. */
static struct tcb *redirect(struct tcb *self, uint32_t to, struct tcb *dest,
                            uint32_t from_spec, uint32_t *recv_gid)
{
    if (__builtin_expect(!self->redirector, 1) || L4ABI_TID_IS_LOCAL(to) ||
        to == L4ABI_ANYTHREAD)
        return dest;
    if (dest && ((dest->flags & TF_IRQ) || ipc_redirect_exempt(self, dest)))
        return dest;
    struct tcb *r = tcb_lookup(self->redirector);
    if (r) {
        self->ipc_intended = to;
        if (from_spec == to)
            *recv_gid = r->gid;
    }
    return r;
}

void ipc_set_redirector(struct space *s, uint32_t redirector)
{
    s->redirector = redirector;
    /* Privileged and rare: a scan up to the highest thread number used,
     * like a deletion's. */
    for (uint32_t no = USER_BASE; no < thread_no_limit; no++) {
        struct tcb *t = tcb_of_no(no);
        if (t->state != TS_FREE && t->space == s)
            t->redirector = redirector;
    }
}


#if FASTPATH
/* The short tail of a send that moved typed items (the pager's reply with
 * a map item, the usual case) to a waiting receiver, when a receive phase
 * follows: instead of finish() (dest to the ready queue), the receive
 * phase's checks and a trip through the scheduler, current blocks and
 * dest runs at once, as ipc_fastpath does for untyped messages. Taken
 * only where the general path ends the same way: no error on either side,
 * dest still waiting in no copy, a receive phase without timeout that
 * finds nothing to take (no pending interrupt, no queued sender), and the
 * scheduler would run dest next. */
static bool reply_handoff(struct tcb *self, struct tcb *dest, uint32_t from, uint32_t errs,
                          uint32_t recv_gid, uint16_t rcv_to)
{
    if (errs || recv_gid == L4ABI_NILTHREAD || rcv_to != L4ABI_TIME_NEVER ||
        irq_pending || self->sq_head || self->xfer || dest->state != TS_RECV_WAIT ||
        !event_partner_local(dest) || !sched_can_handoff(dest))
        return false;
    ipc_complete(dest, from, 0);
    ipc_wait_for(self, recv_gid);
    event_handoff_wait(self, dest);
    return true;
}
#endif

void ipc_syscall(uint32_t to, uint32_t from_spec, uint32_t timeouts)
{
    ipc_syscall_self(current, to, from_spec, timeouts);
}

void ipc_general(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts)
{
    /* The clock is read only when a timeout needs it (not on the usual
     * never/zero timeouts of call and reply-and-wait). */
    uint64_t now = (timeouts & 0xfbfffbffu) ? sched_now_us() : 0;
    uint16_t snd_to = L4ABI_TIMEOUTS_SND(timeouts);
    uint16_t rcv_to = L4ABI_TIMEOUTS_RCV(timeouts);

    klock_ensure_full();        /* the general path: the whole kernel lock */

#if IPC_FASTPATH
    /* A top-level sysenter Ipc: its mark (kernel IPCs nested in ours do
     * not see it). */
    void *user_wait = arch_ipc_wait_take(self->on_cpu, self);
#endif

    self->ipc_done = false;
    self->ipc_error = 0;
    self->ipc_from = L4ABI_NILTHREAD;

    uint32_t recv_gid = L4ABI_NILTHREAD;
    struct tcb *from_t = NULL;      /* the thread from_spec names, if one */
    if (from_spec != L4ABI_NILTHREAD) {
        recv_gid = resolve_from(self, from_spec, &from_t);
        if (!recv_gid) {
            if (to == L4ABI_NILTHREAD) {
                self->ipc_error = L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 1, 0);
                goto out;
            }
            /* The send still happens; the receive phase then fails. */
        }
    }

    if (to != L4ABI_NILTHREAD) {
        /* A call names one thread twice: resolved once. */
        struct tcb *dest = (to == L4ABI_ANYTHREAD || to == L4ABI_ANYLOCALTHREAD)
                           ? NULL : to == from_spec ? from_t : tcb_resolve_inline(self, to);
        self->ipc_intended = 0;
        dest = redirect(self, to, dest, from_spec, &recv_gid);
        if (dest && (dest->flags & TF_IRQ)) {
            /* To an interrupt thread: the handler's acknowledgement. */
            if (!irq_ack(self, dest)) {
                self->ipc_error = L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 0, 0);
                goto out;
            }
            if (from_spec == L4ABI_NILTHREAD)
                goto out;
            goto receive;
        }
        if (!dest || dest->state == TS_INACTIVE || !dest->mr) {
            self->ipc_error = L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 0, 0);
            goto out;
        }
        struct tcb *v = NULL;
        /* The tag's test for propagation; with FASTPATH the same test
         * catches typed items, for a pager's reply (pf_fast.c). */
        if (__builtin_expect(self->mr[MR0] & (L4ABI_TAG_PROPAGATED | PF_FAST_TAG_MASK), 0)) {
#if FASTPATH
            if (pf_reply_candidate(self, recv_gid) &&
                pf_reply_fast(self, dest, recv_gid, timeouts))
                goto out;
            if (self->mr[MR0] & L4ABI_TAG_PROPAGATED) {
#endif
            v = propagation_for(self, dest);
            /* Not allowed: sent as our own; our MR0 comes back without p
             * (as Pistachio's), which tells us. */
            if (!v)
                self->mr[MR0] &= ~L4ABI_TAG_PROPAGATED;
#if FASTPATH
            }
#endif
        }
        if (dest->state == TS_RECV_WAIT &&
            (ipc_accepts(dest, self) || (v && dest->partner == v->gid))) {
            uint32_t serr, rerr, from = tcb_id_for(v ? v : self, dest);
            if (transfer(self, dest, v, &serr, &rerr)) {
                if (__builtin_expect(v != NULL, 0))
                    propagate_wait(self, dest, serr, rerr);
#if FASTPATH
                if (reply_handoff(self, dest, from, serr | rerr, recv_gid, rcv_to))
                    goto out;
#endif
                finish(dest, from, rerr);
            }
            if (serr) {
                self->ipc_error = serr;
                goto out;
            }
            if (from_spec == L4ABI_NILTHREAD) {
                self->ipc_done = true;
                goto out;
            }
        } else {
            uint64_t dl = timeout_deadline(snd_to, now);
            if (dl == DEADLINE_NOW) {
                self->ipc_error = L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0);
                goto out;
            }
            self->state = TS_SEND_WAIT;
            self->partner = dest->gid;
            self->recv_spec = from_spec == L4ABI_NILTHREAD ? L4ABI_NILTHREAD
                              : (recv_gid ? recv_gid : L4ABI_NILTHREAD);
            self->recv_timeout = rcv_to;
            sq_append(dest, self);
            if (dl)
                sched_set_wakeup(self, dl);
            ipc_block(self);
            /* Back here only when the whole IPC is over. */
            goto out;
        }
    }

receive:
    if (from_spec != L4ABI_NILTHREAD) {
        if (!recv_gid) {
            self->ipc_error = L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 1, 0);
            goto out;
        }
        self->partner = recv_gid;
        if (irq_pending && irq_deliver_pending(self))
            goto out;
        if (take_from_queue(self))
            goto out;
        prepare_receive(self, recv_gid, rcv_to, now);
        if (self->ipc_done)
            goto out;       /* zero timeout */
#if IPC_FASTPATH
        /* Only the return is left once the wait ends: the interrupt fast
         * path may deliver and leave from the frame (arch/ia32/irq_fast.h). */
        arch_recv_wait_mark(user_wait);
        ipc_block(self);
        arch_ipc_wait_unmark(user_wait);
#else
        ipc_block(self);
#endif
    }
out:
    ipc_syscall_end(self);
}


uint32_t ipc_kernel_call_timeouts(uint32_t dest, uint32_t timeouts)
{
    struct tcb *self = current;
    ipc_syscall_self(self, dest, dest, timeouts);
    return self->ipc_error;
}

void ipc_timeout(struct tcb *t)
{
    if (t->state == TS_SEND_WAIT) {
        sq_remove(t);
        finish(t, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0));
    } else if (t->state == TS_RECV_WAIT) {
        finish(t, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 1, 0));
    } else if (t->state == TS_XFER) {
        xfer_timeout(t);    /* waited for a string copy's turn too long */
    }
}

bool ipc_abort(struct tcb *t, bool send, bool recv)
{
    if (t->xfer)
        return xfer_abort(t, send, recv);
    return ipc_end_wait(t, send, recv);
}

bool ipc_end_wait(struct tcb *t, bool send, bool recv)
{
    if (send && t->state == TS_SEND_WAIT) {
        sq_remove(t);
        finish(t, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_CANCELED, 0, 0));
        return true;
    }
    if (recv && t->state == TS_RECV_WAIT) {
        finish(t, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_CANCELED, 1, 0));
        return true;
    }
    return false;
}

/* Work units (finished partners, scanned thread numbers) between two
 * preemption points of ipc_cancel_all. */
#define CANCEL_FINISH_CHUNK 16u
#define CANCEL_SCAN_CHUNK   64u     /* a never-used slot costs a fault */

/* t is being deleted: it leaves its partner's queue, and every thread
 * blocked sending to it or receiving from it alone learns that its
 * partner no longer exists. t becomes TS_DEAD first: from then on no
 * lookup finds it, so nobody can queue on it or start waiting for it, and
 * both loops below may pause (sched_preempt_point) without ever seeing new
 * work. Their positions are the queue head and a thread number: nothing a
 * thread running meanwhile can free. */
void ipc_cancel_all(struct tcb *t)
{
    uint32_t gid = t->gid;
    xfer_cancel(t);
    if (t->state == TS_SEND_WAIT)
        sq_remove(t);
    t->state = TS_DEAD;
    for (unsigned n = 1; t->sq_head; n++) {
        struct tcb *s = t->sq_head;
        sq_remove(s);
        finish(s, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 0, 0));
        if (n % CANCEL_FINISH_CHUNK == 0)
            (void)sched_preempt_point();
    }
    /* Receivers waiting for t specifically: the scan runs up to the highest
     * thread number ever used, in preemptible chunks. */
    for (uint32_t no = USER_BASE; no < thread_no_limit; no++) {
        struct tcb *r = tcb_of_no(no);
        if (r->state == TS_RECV_WAIT && r->partner == gid)
            finish(r, L4ABI_NILTHREAD, L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 1, 0));
        if (no % CANCEL_SCAN_CHUNK == 0)
            (void)sched_preempt_point();
    }
}
