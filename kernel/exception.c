/* Exception IPC, the architecture-neutral half (the register image is the
 * arch layer's business). Like a page fault, the exchange is a kernel call
 * on the thread's behalf: MR0..MR12, BR0 and the ErrorCode TCR are saved
 * and restored around it; BR0 is nil so a handler cannot map anything into
 * the faulting thread with its reply. */
#include "exception.h"
#include "thread.h"
#include "ipc.h"
#include "pagefault.h"
#include "console.h"
#include "string.h"
#include "arch.h"
#include "event_fast.h"
#include "arch/ia32/excfast.h"

uint32_t exception_ipcs;

/* exception_ipc_end's work, inlined into exception_ipc (the general
 * path pays no call for it). */
static inline __attribute__((always_inline)) enum exc_outcome
ipc_end(struct tcb *t, uint32_t err, uint32_t *words, unsigned n_send, unsigned N,
        unsigned *n_got, const uint32_t *saved, uint32_t saved_br0, uint32_t saved_err,
        const char *what, uint32_t ip)
{
    uint32_t tag = t->mr[0];
    enum exc_outcome out = EXC_RESUMED;
    *n_got = 0;
    if (!err && L4ABI_TAG_U(tag) >= n_send) {
        unsigned u = L4ABI_TAG_U(tag) < N ? L4ABI_TAG_U(tag) : N;
        copy_words(words, t->mr + 1, u);
        *n_got = u;
        out = EXC_REPLIED;
    }
    copy_words(t->mr, saved, N + 1);
    t->mr[L4ABI_UTCB_BR(0)] = saved_br0;
    t->mr[L4ABI_UTCB_ERRORCODE] = saved_err;
    if (fault_ipc_interrupted(err))
        return EXC_RESUMED;     /* as for faults: run again, refault, resend */
    if (err) {
        kprintf("pecan: thread %x: %s, and the exception IPC failed (error %x)\n",
                t->gid, what, err);
        arch_dump_user_frame(t);
        thread_stop(t, what, 0, ip);
        return EXC_STOPPED;
    }
    return out;
}

enum exc_outcome exception_ipc(struct tcb *t, uint32_t label, uint32_t *words,
                               unsigned n_send, unsigned n_max, unsigned *n_got,
                               const char *what, uint32_t ip)
{
    unsigned N = n_max > EXC_MAX_WORDS ? EXC_MAX_WORDS : n_max;
    if (n_send > N)
        n_send = N;
    *n_got = 0;
    uint32_t handler_id = UTCB(t, L4ABI_UTCB_EXCEPTIONHANDLER);
    struct tcb *h = tcb_resolve(t, handler_id);
    if (!h || h == t) {
        kprintf("pecan: thread %x: %s, and %s\n", t->gid, what,
                h ? "it is its own exception handler" : "no exception handler exists");
        arch_dump_user_frame(t);
        thread_stop(t, what, 0, ip);
        return EXC_STOPPED;
    }

    uint32_t saved[EXC_MAX_WORDS + 1];
    copy_words(saved, t->mr, N + 1);
    uint32_t saved_br0 = t->mr[L4ABI_UTCB_BR(0)];
    uint32_t saved_err = t->mr[L4ABI_UTCB_ERRORCODE];

    exception_ipcs++;
    uint32_t err;
#if FASTPATH
    /* The handler already waits for us: the words go straight to it. A
     * 12-word register image's wait is marked for the reply fast path
     * (arch/ia32/excfast.c), which may write the reply into our frame
     * itself: then we either never come back here (it left through iret)
     * or find REPLIED. */
    bool image = n_send == EXC_FAST_IMAGE_WORDS;
    if (image) {
        t->exc_br0 = saved_br0;
        t->exc_wait = EXC_WAIT_WAITING;
    }
    bool fast = event_fast_call(t, h, L4ABI_TAG(label, n_send, 0), words, n_send, 0, FAST_EXC,
                                &err);
    uint8_t how = t->exc_wait;
    t->exc_wait = EXC_WAIT_NONE;
    if (fast && how == EXC_WAIT_REPLIED) {
        /* Our MRs as the general path leaves them (event_fast_call's end
         * touched MR0's error bit). */
        copy_words(t->mr, saved, N + 1);
        t->mr[L4ABI_UTCB_BR(0)] = saved_br0;
        t->mr[L4ABI_UTCB_ERRORCODE] = saved_err;
        return EXC_APPLIED;
    }
    if (!fast)
#endif
    {
        t->mr[0] = L4ABI_TAG(label, n_send, 0);
        copy_words(t->mr + 1, words, n_send);
        t->mr[L4ABI_UTCB_BR(0)] = 0;
        err = ipc_kernel_call(handler_id);
    }

    return ipc_end(t, err, words, n_send, N, n_got, saved, saved_br0, saved_err, what, ip);
}

enum exc_outcome exception_ipc_end(struct tcb *t, uint32_t err, uint32_t *words,
                                   unsigned n_send, unsigned N, unsigned *n_got,
                                   const uint32_t *saved, uint32_t saved_br0,
                                   uint32_t saved_err, const char *what, uint32_t ip)
{
    return ipc_end(t, err, words, n_send, N, n_got, saved, saved_br0, saved_err, what, ip);
}

