/* The short path of a pager's reply with one 4 KiB map item (pf_fast.c). */
#ifndef PECAN_PF_FAST_H
#define PECAN_PF_FAST_H

#include "types.h"
#include "thread.h"

#if FASTPATH
/* In the Ipc system call of self (== current, holding the whole kernel
 * lock), once the general path has resolved the destination dest (an
 * existing, active thread, not an interrupt thread) and the receive phase
 * recv (its from-specifier as the general path holds it, not nilthread:
 * the thread it names exists) and the Ipc's timeouts:
 * if the message is one map item of a 4 KiB page to a receiver that waits
 * for it and may run next on this CPU, and a receive phase follows, the
 * general path's results by a short way. Returns false with nothing
 * changed otherwise. On true self's IPC is over but for ipc_syscall_end
 * (resumed once its receive phase was completed). */
bool pf_reply_fast(struct tcb *self, struct tcb *dest, uint32_t recv, uint32_t timeouts);

/* Its first tests, inline where ipc_syscall tests the tag for propagation
 * (PF_FAST_TAG_MASK joins that test): one typed item, a map item of a
 * 4 KiB memory fpage (the size field of an I/O fpage is 2), a receive
 * phase from a thread that exists or from anyone. */
#define PF_FAST_TAG_MASK L4ABI_TAG_T_MASK
static inline bool pf_reply_candidate(const struct tcb *self, uint32_t recv)
{
    /* Read again (not the caller's tested value): the caller's test
     * stays one instruction on a memory operand. */
    uint32_t tag = *(volatile const uint32_t *)&self->mr[0], u = L4ABI_TAG_U(tag);
    return (tag & (L4ABI_TAG_T_MASK | L4ABI_TAG_PROPAGATED)) == (2u << L4ABI_TAG_T_SHIFT) &&
           u + 2 < L4ABI_NUM_MRS && recv != L4ABI_NILTHREAD &&
           (self->mr[u + 1] & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_MAP &&
           L4ABI_FPAGE_LOG2(self->mr[u + 2]) == PAGE_SHIFT;
}
#else
#define PF_FAST_TAG_MASK 0u
#endif

#endif
