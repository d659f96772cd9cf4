/* Pecan extensions to the X.2 API (see docs/abi.md, docs/interrupts.md):
 * asynchronous interrupts and helpers for interrupt and I/O-port users. */
#ifndef __L4__PECAN_H__
#define __L4__PECAN_H__

#include <l4/types.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/abi.h>
#include <l4/space.h>

/* The interrupt thread of line `irq` (X.2: thread number = line). */
L4_INLINE L4_ThreadId_t L4_InterruptThread(L4_Word_t irq)
{
    return L4_GlobalId(irq, 1);
}

/* Binds an interrupt asynchronously: raising it sets bit `bit` in the
 * handler's pending mask instead of queueing an IPC. Privileged, like
 * L4_AssociateInterrupt. Returns 1 on success. */
L4_INLINE L4_Word_t L4_PecanAssociateAsync(L4_ThreadId_t irq_thread,
                                           L4_ThreadId_t handler, L4_Word_t bit)
{
    L4_ThreadId_t sched = { .raw = L4ABI_IRQ_ASYNC(bit) };
    return L4_ThreadControl(irq_thread, irq_thread, sched, handler,
                            (void *)L4ABI_UTCB_UNCHANGED);
}

/* Acknowledges (unmasks) an interrupt: a send to its interrupt thread. */
L4_INLINE L4_MsgTag_t L4_AckInterrupt(L4_ThreadId_t irq_thread)
{
    L4_LoadMR(0, 0);
    return L4_Send(irq_thread);
}

/* Is tag an asynchronous interrupt notification? Its mask is in MR1, the
 * number of interrupts it stands for in MR2. */
L4_INLINE int L4_IsAsyncInterrupt(L4_MsgTag_t tag)
{
    return L4_Label(tag) == L4ABI_LABEL_ASYNC_IRQ;
}

L4_INLINE int L4_IsInterrupt(L4_MsgTag_t tag)
{
    return L4_Label(tag) == L4ABI_LABEL_INTERRUPT;
}

/* I/O ports from sigma0 (X.2 sigma0 protocol with an I/O fpage), mapped
 * into our own space. Returns true if the kernel mapped them. */
L4_INLINE int L4_PecanSigma0GetPorts(L4_ThreadId_t sigma0, L4_Word_t port, int log2)
{
    L4_LoadMR(0, L4ABI_TAG(L4ABI_LABEL_SIGMA0, 2, 0));
    L4_LoadMR(1, L4ABI_IOFPAGE(port, log2));
    L4_LoadMR(2, 0);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call(sigma0);
    L4_Accept(L4_MapGrantItems(L4_Nilpage));
    return !L4_IpcFailed(tag) && L4_TypedWords(tag) == 2;
}

/* Sends I/O ports to `to` as a map item (`to` must accept map items). */
L4_INLINE L4_MsgTag_t L4_PecanMapPorts(L4_ThreadId_t to, L4_Word_t port, int log2,
                                       L4_Word_t label)
{
    L4_Msg_t msg;
    L4_Fpage_t fp = { .raw = L4ABI_IOFPAGE(port, log2) };
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, label);
    L4_MsgAppendMapItem(&msg, L4_MapItem(fp, 0));
    L4_MsgLoad(&msg);
    return L4_Send(to);
}

/* Revokes ports from everyone we gave them to (and from us if flush). */
L4_INLINE void L4_PecanUnmapPorts(L4_Word_t port, int log2, int flush)
{
    L4_LoadMR(0, L4ABI_IOFPAGE(port, log2));
    L4_Unmap(flush ? L4ABI_UNMAP_FLUSH : 0);
}

/* Kernel memory of the space of thread `space` (Pecan extension of
 * SpaceControl, privileged; docs/abi.md). With set, the limit first
 * becomes limit_kb KiB (L4ABI_SPACE_KMEM_UNLIMITED: none). Returns 1 with
 * *used = the bytes charged to the space now and *limit = its limit in
 * bytes (0xffffffff: none), or 0 with ErrorCode set. */
L4_INLINE L4_Word_t L4_PecanSpaceKmem(L4_ThreadId_t space, int set, L4_Word_t limit_kb,
                                      L4_Word_t *used, L4_Word_t *limit)
{
    L4_Word_t c = L4ABI_SPACE_KMEM | (set ? L4ABI_SPACE_KMEM_SET : 0) |
                  (limit_kb & L4ABI_SPACE_KMEM_KB_MASK);
    L4_Word_t d = 0, s = 0;
    L4_Word_t a = __L4_SpaceControlRegs(space.raw, &c, &d, &s, L4_nilthread.raw);
    *used = d;
    *limit = s;
    return a;
}

#endif
