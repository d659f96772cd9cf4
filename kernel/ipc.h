/* Synchronous IPC (X.2): send, receive, call and reply-and-wait between
 * threads, with timeouts, and the kernel's own IPCs on a thread's behalf
 * (page faults, exceptions). */
#ifndef PECAN_IPC_H
#define PECAN_IPC_H

#include "types.h"
#include "thread.h"
#include "space.h"
#include "sched.h"

/* The Ipc system call for `current`. Message registers are in the UTCB;
 * results (MR0 tag, ErrorCode TCR, sender) are left in the UTCB and in
 * current->ipc_from. */
void ipc_syscall(uint32_t to, uint32_t from_spec, uint32_t timeouts);
/* Its last step, once the IPC is over: current runs again and its result
 * goes into MR0 and the ErrorCode TCR. Also the end of an Ipc the
 * assembly fast path blocked and the general path completed. Inline:
 * every Ipc ends here. */
static inline void ipc_syscall_end(struct tcb *self)
{
    uint32_t *mr = self->mr;
    self->state = TS_READY;
    if (__builtin_expect(self->ipc_error != 0, 0)) {
        mr[L4ABI_UTCB_ERRORCODE] = self->ipc_error;
        mr[0] |= L4ABI_TAG_ERROR;
    } else {
        mr[0] &= ~L4ABI_TAG_ERROR;
    }
}
/* ipc_fast.c: the common case of call and reply-and-wait, done with a
 * direct switch. Returns false (having changed nothing) if the case is not
 * the common one; the general path (ipc_general, which ends with
 * ipc_syscall_end) then handles it. self = current. */
bool ipc_fastpath(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts);
void ipc_general(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts);
/* ipc_syscall for a caller that has current at hand (the system-call
 * entry): the C fast path's attempt and its end inline, no frame of
 * their own. */
static inline __attribute__((always_inline)) void ipc_syscall_self(struct tcb *self, uint32_t to,
                                                                   uint32_t from_spec,
                                                                   uint32_t timeouts)
{
    if (ipc_fastpath(self, to, from_spec, timeouts))
        ipc_syscall_end(self);
    else
        ipc_general(self, to, from_spec, timeouts);
}

/* A kernel-originated call from `current` to `dest` (e.g. a page fault to
 * the pager): sends MR0..MR(u) already placed in the UTCB, then waits for
 * dest alone, bounded by IPC timeouts (send and receive phase each).
 * Returns 0 or the IPC ErrorCode. ipc_kernel_call: the same with no
 * timeouts (inline: one call less on every exception IPC). */
uint32_t ipc_kernel_call_timeouts(uint32_t dest, uint32_t timeouts);
static inline uint32_t ipc_kernel_call(uint32_t dest)
{
    return ipc_kernel_call_timeouts(dest, L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_NEVER));
}

void ipc_timeout(struct tcb *t);           /* wakeup queue expiry */
void ipc_cancel_all(struct tcb *t);        /* t is going away */
/* ExchangeRegisters cancel/abort: ends t's pending send or receive with
 * the "canceled" error in that phase. Returns true if it did. */
bool ipc_abort(struct tcb *t, bool send, bool recv);
/* The same for a plain send or receive wait, ignoring string copies (used
 * to cut a copying thread's page-fault IPC short). */
bool ipc_end_wait(struct tcb *t, bool send, bool recv);

/* Does receiver r, blocked with from-specifier r->partner, accept s? */
static inline bool ipc_accepts(const struct tcb *r, const struct tcb *s)
{
    if (r->partner == L4ABI_ANYTHREAD)
        return true;
    if (r->partner == L4ABI_ANYLOCALTHREAD)
        return r->space == s->space;
    return r->partner == s->gid;
}

/* X.2 redirection (docs/ipc.md): is a send from s to the existing thread
 * dest delivered to dest itself? Yes unless s's space has a redirector and
 * dest lies outside both s's space and the redirector's. A redirector that
 * no longer exists exempts nothing. The fast path's whole cost for a space
 * without redirector is the first test, on the sender's TCB copy. */
static inline bool ipc_redirect_exempt(const struct tcb *s, const struct tcb *dest)
{
    uint32_t rid = s->redirector;
    if (!rid || dest->space == s->space)
        return true;
    const struct tcb *r = tcb_of_no(L4ABI_TID_THREADNO(rid));
    return r->gid == rid && r->space == dest->space;
}

/* SpaceControl: sets s's redirector (a global ID, 0 = none) in the space
 * and in each of its threads' copy. */
void ipc_set_redirector(struct space *s, uint32_t redirector);


/* Set by the arch's Ipc system-call entry just before ipc_syscall when
 * nothing but the return to user mode follows the Ipc (ia32: the sysenter
 * entry). ipc_fastpath takes it when it blocks the caller: while that
 * thread waits for its partner's answer, the arch's IPC fast path may end
 * its Ipc itself, going straight to user mode (arch/ia32/fastipc.h).
 * ipc_syscall clears it otherwise, so a kernel IPC inside the Ipc (a
 * string copy's page fault) never sees it. Per CPU (the CPU record's
 * field): two CPUs may be inside an Ipc at once. */
/* The end of t's Ipc by a message (or error): `from` as t sees the sender,
 * runnable (the caller queues it or hands the CPU to it). Every path that
 * completes a receive writes all three results. */
static inline void ipc_complete(struct tcb *t, uint32_t from, uint32_t error)
{
    t->ipc_from = from;
    t->ipc_error = error;
    t->ipc_done = true;
    if (t->flags & TF_WAKEUP)       /* (sched_cancel_wakeup's own test) */
        sched_cancel_wakeup(t);
    t->state = TS_READY;
}

/* t enters a receive phase from `partner` with no timeout armed: what
 * prepare_receive leaves for the paths that block t themselves. */
static inline void ipc_wait_for(struct tcb *t, uint32_t partner)
{
    t->ipc_done = false;
    t->ipc_error = 0;
    t->ipc_from = L4ABI_NILTHREAD;
    t->state = TS_RECV_WAIT;
    t->partner = partner;
}

#include "arch/ia32/smp.h"

#endif
