/* The exception round trip's fast path (docs/fastpaths-events.md,
 * "Exception round trip"): a user exception that needs nothing but the
 * exception IPC, to a handler that already waits for the thread, and the
 * handler's 12-word reply to it. FASTPATH=0 builds neither. */
#ifndef PECAN_IA32_EXCFAST_H
#define PECAN_IA32_EXCFAST_H

#include "trap.h"
#include "cpu.h"
#include "debug.h"
#include "../../thread.h"
#include "../../string.h"

/* tcb.exc_wait: where a thread stands in a fast-path exception IPC (the
 * exception fast path's, or event_fast_call's from exception_ipc for a
 * 12-word image). NONE outside it; WAITING while it waits for its
 * handler's reply with its register image in its trap frame (only the fast reply looks at
 * this, together with state TS_RECV_WAIT: any other end of the wait makes
 * the thread runnable first); REPLIED once the fast reply wrote the new
 * register image into that frame. The thread itself sets it back to NONE
 * when it resumes. */
enum { EXC_WAIT_NONE = 0, EXC_WAIT_WAITING = 1, EXC_WAIT_REPLIED = 2,
       /* the page-fault fast path's wait (pffast.c), the same way: NONE,
        * PAGEFAULT while the thread waits for its pager's reply with
        * exc_br0 holding its own BR0, REPLIED once the fast reply mapped
        * the page. Only pf_fast_reply looks at PAGEFAULT. */
       EXC_WAIT_PAGEFAULT = 3 };
/* The register image whose wait is marked: ia32's 12 words. */
#define EXC_FAST_IMAGE_WORDS L4ABI_EXC_UNTYPED

/* The handler's register image w (got >= 12 words) into the thread's
 * frame f, as both paths apply a reply: the exception-number and
 * error-code words ignored, EFLAGS only within EFL_USER_MASK (never IOPL,
 * IF, VM, VIF, VIP, NT, RF), segments never; u = 17 also sets the debug
 * registers (of current: the general path's caller is the thread). */
_Static_assert(L4ABI_EXC_MR_ESI == L4ABI_EXC_MR_EDI + 1 && L4ABI_EXC_MR_EBP == L4ABI_EXC_MR_EDI + 2 &&
               L4ABI_EXC_MR_ESP == L4ABI_EXC_MR_EDI + 3 && L4ABI_EXC_MR_EBX == L4ABI_EXC_MR_EDI + 4 &&
               L4ABI_EXC_MR_EDX == L4ABI_EXC_MR_EDI + 5 && L4ABI_EXC_MR_ECX == L4ABI_EXC_MR_EDI + 6 &&
               L4ABI_EXC_MR_EAX == L4ABI_EXC_MR_EDI + 7, "exception image: pushal order");
static inline __attribute__((always_inline)) void
exc_apply_reply(struct trap_frame *__restrict f, const uint32_t *__restrict w, unsigned got)
{
    if (got >= L4ABI_EXC_UNTYPED_DEBUG)
        debug_set_user(current, &w[L4ABI_EXC_MR_DR(0) - 1], w[L4ABI_EXC_MR_DR7 - 1]);
    f->eip = w[L4ABI_EXC_MR_EIP - 1];
    f->eflags = (f->eflags & ~EFL_USER_MASK) | (w[L4ABI_EXC_MR_EFLAGS - 1] & EFL_USER_MASK);
    f->edi = w[L4ABI_EXC_MR_EDI - 1];
    f->esi = w[L4ABI_EXC_MR_ESI - 1];
    f->ebp = w[L4ABI_EXC_MR_EBP - 1];
    f->esp = w[L4ABI_EXC_MR_ESP - 1];
    f->ebx = w[L4ABI_EXC_MR_EBX - 1];
    f->edx = w[L4ABI_EXC_MR_EDX - 1];
    f->ecx = w[L4ABI_EXC_MR_ECX - 1];
    f->eax = w[L4ABI_EXC_MR_EAX - 1];
}

/* kdebug stats: exceptions the fast path sent, replies it applied (always
 * 0 with FASTPATH=0). */
extern uint32_t exc_fast_sends, exc_fast_replies;
/* ... of those replies, the ones the assembly reply applied
 * (excfast_reply.S; 0 without the assembly IPC path). */
extern uint32_t exc_fast_replies_asm;

#if FASTPATH
/* entry.S: the vectors that need nothing but the exception IPC (#DE, #OF,
 * #BR, #MF, #AC, #XM) enter here instead of trap_dispatch. */
void trap_exc_fast(struct trap_frame *f);
/* syscall.c, before the Ipc's own paths: the handler's reply with exactly
 * 12 untyped words to a thread waiting in the fast path's exception IPC.
 * False, having changed nothing, if the Ipc is not that one. The tag's,
 * the receive timeout's and the destination's first test inline, so
 * other Ipcs pay a few instructions for it. */
bool exc_fast_reply_slow(struct trap_frame *f);
static inline bool exc_fast_reply(struct trap_frame *f)
{
    /* exactly 12 untyped words, no typed items, not propagated; the
     * receive phase with timeout never */
    if ((uint8_t)f->esi != L4ABI_EXC_UNTYPED)  /* one byte compare: most leave here */
        return false;
    if ((f->esi & (L4ABI_TAG_U_MASK | L4ABI_TAG_T_MASK | L4ABI_TAG_PROPAGATED)) !=
        L4ABI_EXC_UNTYPED || L4ABI_TIMEOUTS_RCV(f->ecx) != L4ABI_TIME_NEVER)
        return false;
    /* The TCB slot `to` names as a global ID (any value selects a slot;
     * unused ones read as zeros) waits in the fast path's exception IPC:
     * a reply to any other thread leaves here. */
    const struct tcb *d = tcb_of_no(L4ABI_TID_THREADNO(f->eax) & (MAX_THREADS - 1));
    if (d->exc_wait != EXC_WAIT_WAITING)
        return false;
    return exc_fast_reply_slow(f);
}
#endif

#endif
