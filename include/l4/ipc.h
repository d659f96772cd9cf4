/* IPC result tests, timeouts and the derived IPC operations. */
#ifndef __L4__IPC_H__
#define __L4__IPC_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>
#include <l4/message.h>
#include <l4/thread.h>

L4_INLINE L4_Bool_t L4_IpcSucceeded(L4_MsgTag_t t)
{
    return (t.raw & L4ABI_TAG_ERROR) == 0;
}

L4_INLINE L4_Bool_t L4_IpcFailed(L4_MsgTag_t t)
{
    return (t.raw & L4ABI_TAG_ERROR) != 0;
}

L4_INLINE L4_Bool_t L4_IpcPropagated(L4_MsgTag_t t)
{
    return (t.raw & L4ABI_TAG_PROPAGATED) != 0;
}

L4_INLINE L4_Bool_t L4_IpcRedirected(L4_MsgTag_t t)
{
    return (t.raw & L4ABI_TAG_REDIRECTED) != 0;
}

L4_INLINE L4_Bool_t L4_IpcXcpu(L4_MsgTag_t t)
{
    return (t.raw & L4ABI_TAG_XCPU) != 0;
}

L4_INLINE void L4_Set_Propagation(L4_MsgTag_t *t)
{
    t->raw |= L4ABI_TAG_PROPAGATED;
}

L4_INLINE L4_Word_t L4_Timeouts(L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
    return L4ABI_TIMEOUTS(SndTimeout.raw, RcvTimeout.raw);
}

/* An absolute timeout names clock bits e..e+9 (m) plus the parity of bit
 * e+10 (c), so it is only usable less than 2^(e+10) us ahead; the
 * smallest sufficient exponent gives the best precision. */
L4_INLINE L4_Time_t L4_TimePoint(L4_Clock_t at)
{
    L4_Clock_t now = L4_SystemClock();
    L4_Time_t t;
    unsigned e = 0;

    if (at.raw <= now.raw)
        return L4_ZeroTime;
    while (e < 16 && ((at.raw - now.raw) >> (e + 10)) != 0)
        e++;
    if (e >= 16)
        return L4_Never;
    t.raw = (L4_Word16_t)(L4ABI_TIME_POINT |
                          (e << L4ABI_TIME_POINT_E_SHIFT) |
                          (((at.raw >> (e + 10)) & 1) ? L4ABI_TIME_POINT_C : 0) |
                          ((at.raw >> e) & L4ABI_TIME_M_MASK));
    return t;
}


/* ---- Derived operations (C names carry the overload suffix) ----
 * The timeout of a phase that does not happen is passed as 0 (never). */

L4_INLINE L4_MsgTag_t L4_Call_Timeouts(L4_ThreadId_t to, L4_Time_t SndTimeout,
                                       L4_Time_t RcvTimeout)
{
    L4_ThreadId_t from;
    return L4_Ipc(to, to, L4_Timeouts(SndTimeout, RcvTimeout), &from);
}

L4_INLINE L4_MsgTag_t L4_Call(L4_ThreadId_t to)
{
    return L4_Call_Timeouts(to, L4_Never, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Send_Timeout(L4_ThreadId_t to, L4_Time_t SndTimeout)
{
    return L4_Ipc(to, L4_nilthread, L4_Timeouts(SndTimeout, L4_Never),
                  (L4_ThreadId_t *)0);
}

L4_INLINE L4_MsgTag_t L4_Send(L4_ThreadId_t to)
{
    return L4_Send_Timeout(to, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Reply(L4_ThreadId_t to)
{
    return L4_Send_Timeout(to, L4_ZeroTime);
}

L4_INLINE L4_MsgTag_t L4_Receive_Timeout(L4_ThreadId_t from, L4_Time_t RcvTimeout)
{
    L4_ThreadId_t sender;
    return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, RcvTimeout), &sender);
}

L4_INLINE L4_MsgTag_t L4_Receive(L4_ThreadId_t from)
{
    return L4_Receive_Timeout(from, L4_Never);
}

L4_INLINE L4_MsgTag_t L4_Wait_Timeout(L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, RcvTimeout), from);
}

L4_INLINE L4_MsgTag_t L4_Wait(L4_ThreadId_t *from)
{
    return L4_Wait_Timeout(L4_Never, from);
}

L4_INLINE L4_MsgTag_t L4_ReplyWait_Timeout(L4_ThreadId_t to, L4_Time_t RcvTimeout,
                                           L4_ThreadId_t *from)
{
    return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, RcvTimeout), from);
}

L4_INLINE L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_ReplyWait_Timeout(to, L4_Never, from);
}

/* Waits for a message from ourselves, which never comes. */
L4_INLINE void L4_Sleep(L4_Time_t t)
{
    L4_LoadMR(0, L4_Receive_Timeout(L4_MyGlobalId(), t).raw);
}

L4_INLINE L4_MsgTag_t L4_Lcall(L4_ThreadId_t to)
{
    L4_ThreadId_t from;
    return L4_Lipc(to, to, L4_Timeouts(L4_Never, L4_Never), &from);
}

L4_INLINE L4_MsgTag_t L4_LreplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_Lipc(to, L4_anylocalthread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}

#endif /* !__L4__IPC_H__ */
