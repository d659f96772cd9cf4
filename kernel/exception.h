/* Exception IPC: a user exception the kernel does not handle invisibly
 * becomes an IPC from the faulting thread to its exception handler
 * (ExceptionHandler TCR). The message is the architecture's register image
 * (ia32: L4ABI_EXC_MR_*, u = 12); the handler's reply in the same layout
 * is the thread's new register image. The thread's own message registers
 * are saved around the exchange, so it never sees it. */
#ifndef PECAN_EXCEPTION_H
#define PECAN_EXCEPTION_H

#include "types.h"
#include <l4/abi.h>

struct tcb;

enum exc_outcome {
    EXC_REPLIED,        /* words[] hold the handler's register image (*n_got words) */
    EXC_RESUMED,        /* the handler replied without one: registers unchanged */
    EXC_STOPPED,        /* no usable handler: the thread was stopped */
    EXC_APPLIED,        /* the reply fast path wrote the handler's register image
                         * into the thread's frame itself (arch/ia32/excfast.c) */
};

#define EXC_MAX_WORDS 32

/* Sends label + words[0..n_send) (MR1..) from t (= current) to its
 * exception handler and waits for the handler alone. A reply with at
 * least n_send untyped words counts (EXC_REPLIED): its first
 * min(u, n_max) words are copied back to words[], their number to *n_got.
 * A nil, nonexistent or self handler, or a failed IPC, stops the thread
 * (thread_stop; `what` names the exception on the console); an IPC that
 * another thread canceled or aborted counts as EXC_RESUMED: the thread
 * goes on from its registers as they are (a fault happens again). */
enum exc_outcome exception_ipc(struct tcb *t, uint32_t label, uint32_t *words,
                               unsigned n_send, unsigned n_max, unsigned *n_got,
                               const char *what, uint32_t ip);

/* The second half of exception_ipc, once t's wait for the handler ended
 * with IPC error `err` (0: the reply is in t's message registers): the
 * reply's words to words[] (at most N), t's MR0..MR[N], BR0 and ErrorCode
 * restored from saved[], saved_br0, saved_err, and the outcome. Also the
 * end of the exception fast path's wait when the general path ended it
 * (arch/ia32/excfast.c). */
enum exc_outcome exception_ipc_end(struct tcb *t, uint32_t err, uint32_t *words,
                                   unsigned n_send, unsigned N, unsigned *n_got,
                                   const uint32_t *saved, uint32_t saved_br0,
                                   uint32_t saved_err, const char *what, uint32_t ip);

extern uint32_t exception_ipcs;     /* kdebug stat: exception IPCs sent */

#endif
