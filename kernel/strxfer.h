/* Typed message items: the walker over map, grant and string items, and
 * the X.2 string copy between address spaces (see docs/strings.md). */
#ifndef PECAN_STRXFER_H
#define PECAN_STRXFER_H

#include "types.h"

struct tcb;
struct xfer;

/* Processes the t typed words of s's message starting at MR `first`
 * (already copied to r's MRs). current is s or r, the other one (the
 * partner) is blocked and no longer in any queue. String copies may block
 * current and run parts of the copy on the partner (which then sits in
 * TS_XFER); on return both are out of the copy and the partner is still
 * TS_XFER (or unchanged if nothing blocked) for the caller to release.
 * *serr / *rerr receive 0 or the sender's / receiver's ErrorCode (phase bit
 * included). Returns false if the partner left the copy meanwhile (it was
 * deleted, or aborted / timed out, and its IPC has already ended): the
 * caller must then not touch it any more. */
bool xfer_typed_items(struct tcb *s, struct tcb *r, uint32_t first, uint32_t t,
                      uint32_t *serr, uint32_t *rerr);

/* For a thread woken while blocked in an IPC (ipc.c, ipc_fast.c): runs the
 * copy turns handed to it until its part in the copy is over. If the copy
 * was torn down under it, its IPC ends with the error left in xfer_err. */
void xfer_wait_turns(struct tcb *self);

/* ExchangeRegisters abort of t's send (send) or receive phase while t is
 * in a string copy: both sides end with "aborted"; the partner at once,
 * the owner when it next runs, whatever state the other side is in.
 * Returns false if t is in no copy in that phase. */
bool xfer_abort(struct tcb *t, bool send, bool recv);

/* t's wait in TS_XFER reached the transfer deadline (wakeup queue): the
 * copy ends with a transfer timeout, charged to the side holding the turn. */
void xfer_timeout(struct tcb *t);

/* t is being deleted: its copy partner, if any, ends its IPC with
 * "aborted" and never touches t again. */
void xfer_cancel(struct tcb *t);

/* ExchangeRegisters state bits (sending/receiving) of a thread in a copy. */
uint32_t xfer_exregs_state(const struct tcb *t);

#endif
