/* The short path of a pager's reply with one 4 KiB map item (pf_fast.c). */
#ifndef PECAN_PF_FAST_H
#define PECAN_PF_FAST_H

#include "types.h"
#include "thread.h"

#if FASTPATH
/* The Ipc system call of self (== current, holding the whole kernel lock)
 * when it is a call or reply-and-wait carrying one map item of a 4 KiB
 * page to a receiver that waits for it and may run next on this CPU:
 * the general path's results, by a short way. Returns false with nothing
 * changed otherwise. On true self's IPC is over but for ipc_syscall_end
 * (resumed once its receive phase was completed). */
bool pf_reply_fast(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts);
#endif

#endif
