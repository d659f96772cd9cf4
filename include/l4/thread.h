/* Thread control registers and the ExchangeRegisters/ThreadControl
 * convenience interface. */
#ifndef __L4__THREAD_H__
#define __L4__THREAD_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>
#include <l4/ia32/vregs.h>

#define L4_ERROR_OK                 L4ABI_ERR_OK
#define L4_ERROR_NO_PRIVILEGE       L4ABI_ERR_NO_PRIVILEGE
#define L4_ERROR_INVALID_THREAD     L4ABI_ERR_INVALID_THREAD
#define L4_ERROR_INVALID_SPACE      L4ABI_ERR_INVALID_SPACE
#define L4_ERROR_INVALID_SCHEDULER  L4ABI_ERR_INVALID_SCHEDULER
#define L4_ERROR_INVALID_PARAM      L4ABI_ERR_INVALID_PARAM
#define L4_ERROR_UTCB_AREA          L4ABI_ERR_UTCB_AREA
#define L4_ERROR_KIP_AREA           L4ABI_ERR_KIP_AREA
#define L4_ERROR_NO_MEM             L4ABI_ERR_NO_MEM


/* ---- Thread state as returned by ExchangeRegisters ---- */

typedef struct L4_ThreadState {
    L4_Word_t raw;
} L4_ThreadState_t;

L4_INLINE L4_Bool_t L4_ThreadWasHalted(L4_ThreadState_t s)
{
    return (s.raw & L4ABI_EXREGS_STATE_HALTED) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasReceiving(L4_ThreadState_t s)
{
    return (s.raw & L4ABI_EXREGS_STATE_RECVING) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasSending(L4_ThreadState_t s)
{
    return (s.raw & L4ABI_EXREGS_STATE_SENDING) != 0;
}

L4_INLINE L4_Bool_t L4_ThreadWasIpcing(L4_ThreadState_t s)
{
    return (s.raw & (L4ABI_EXREGS_STATE_RECVING | L4ABI_EXREGS_STATE_SENDING)) != 0;
}


/* ---- Own thread control registers ---- */

L4_INLINE L4_ThreadId_t __L4_AsTid(L4_Word_t w)
{
    L4_ThreadId_t t;
    t.raw = w;
    return t;
}

L4_INLINE L4_ThreadId_t L4_MyGlobalId(void)   { return __L4_AsTid(__L4_TCR_MyGlobalId()); }
L4_INLINE L4_ThreadId_t L4_MyLocalId(void)    { return __L4_AsTid(__L4_TCR_MyLocalId()); }
L4_INLINE L4_ThreadId_t L4_Myself(void)       { return L4_MyGlobalId(); }
L4_INLINE L4_Word_t L4_ProcessorNo(void)      { return __L4_TCR_ProcessorNo(); }

L4_INLINE L4_Word_t L4_UserDefinedHandle(void)
{
    return __L4_TCR_UserDefinedHandle();
}

L4_INLINE void L4_Set_UserDefinedHandle(L4_Word_t NewValue)
{
    __L4_TCR_Set_UserDefinedHandle(NewValue);
}

L4_INLINE L4_ThreadId_t L4_Pager(void)
{
    return __L4_AsTid(__L4_TCR_Pager());
}

L4_INLINE void L4_Set_Pager(L4_ThreadId_t NewPager)
{
    __L4_TCR_Set_Pager(NewPager.raw);
}

L4_INLINE L4_ThreadId_t L4_ExceptionHandler(void)
{
    return __L4_AsTid(__L4_TCR_ExceptionHandler());
}

L4_INLINE void L4_Set_ExceptionHandler(L4_ThreadId_t NewHandler)
{
    __L4_TCR_Set_ExceptionHandler(NewHandler.raw);
}

L4_INLINE L4_Word_t L4_ErrorCode(void)
{
    return __L4_TCR_ErrorCode();
}

L4_INLINE const char *L4_ErrorCode_String(L4_Word_t err)
{
    static const char *const names[] = {
        "no error", "no privilege", "invalid thread", "invalid space",
        "invalid scheduler", "invalid parameter", "invalid UTCB area",
        "invalid KIP area", "out of memory",
    };
    return err < sizeof names / sizeof names[0] ? names[err] : "unknown error";
}

L4_INLINE L4_Word_t L4_XferTimeouts(void)
{
    return __L4_TCR_XferTimeout();
}

L4_INLINE void L4_Set_XferTimeouts(L4_Word_t NewValue)
{
    __L4_TCR_Set_XferTimeout(NewValue);
}

L4_INLINE L4_ThreadId_t L4_IntendedReceiver(void)
{
    return __L4_AsTid(__L4_TCR_IntendedReceiver());
}

L4_INLINE L4_ThreadId_t L4_ActualSender(void)
{
    return __L4_AsTid(__L4_TCR_ActualSender());
}

L4_INLINE void L4_Set_VirtualSender(L4_ThreadId_t t)
{
    __L4_TCR_Set_VirtualSender(t.raw);
}

/* All 32 bits are significant on IA-32. */
L4_INLINE L4_Word_t L4_WordSizeMask(void)    { return ~0UL; }
L4_INLINE void L4_Reset_WordSizeMask(void)   { }


/* ---- ExchangeRegisters shorthands ---- */

/* ExchangeRegisters touching only what `control` selects; returns the
 * result ID and the old state. */
L4_INLINE L4_ThreadId_t __L4_ExregsState(L4_ThreadId_t t, L4_Word_t control,
                                         L4_Word_t sp, L4_Word_t ip, L4_Word_t flags,
                                         L4_Word_t handle, L4_ThreadId_t pager,
                                         L4_Word_t *state, L4_Word_t *osp, L4_Word_t *oip,
                                         L4_Word_t *oflags, L4_Word_t *ohandle,
                                         L4_ThreadId_t *opager)
{
    L4_Word_t w0, w1, w2, w3, w4;
    L4_ThreadId_t p;
    return L4_ExchangeRegisters(t, control, sp, ip, flags, handle, pager,
                                state ? state : &w0, osp ? osp : &w1, oip ? oip : &w2,
                                oflags ? oflags : &w3, ohandle ? ohandle : &w4,
                                opager ? opager : &p);
}

#define __L4_EXREGS(t, ctl) \
    __L4_ExregsState((t), (ctl), 0, 0, 0, 0, L4_nilthread, 0, 0, 0, 0, 0, 0)

/* Converts between local and global IDs of a thread in this space. */
L4_INLINE L4_ThreadId_t L4_GlobalIdOf(L4_ThreadId_t t)
{
    return L4_IsLocalId(t) ? __L4_EXREGS(t, 0) : t;
}

L4_INLINE L4_ThreadId_t L4_LocalIdOf(L4_ThreadId_t t)
{
    return L4_IsGlobalId(t) ? __L4_EXREGS(t, 0) : t;
}

L4_INLINE L4_Bool_t L4_SameThreads(L4_ThreadId_t l, L4_ThreadId_t r)
{
    return L4_GlobalIdOf(l).raw == L4_GlobalIdOf(r).raw;
}

L4_INLINE L4_Word_t L4_UserDefinedHandleOf(L4_ThreadId_t t)
{
    L4_Word_t h;
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                     0, 0, 0, 0, &h, 0);
    return h;
}

L4_INLINE void L4_Set_UserDefinedHandleOf(L4_ThreadId_t t, L4_Word_t handle)
{
    __L4_ExregsState(t, L4ABI_EXREGS_SET_UHANDLE, 0, 0, 0, handle, L4_nilthread,
                     0, 0, 0, 0, 0, 0);
}

L4_INLINE L4_ThreadId_t L4_PagerOf(L4_ThreadId_t t)
{
    L4_ThreadId_t p;
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                     0, 0, 0, 0, 0, &p);
    return p;
}

L4_INLINE void L4_Set_PagerOf(L4_ThreadId_t t, L4_ThreadId_t p)
{
    __L4_ExregsState(t, L4ABI_EXREGS_SET_PAGER, 0, 0, 0, 0, p, 0, 0, 0, 0, 0, 0);
}

/* Resume: clear halt and abort any pending IPC. */
#define __L4_EXREGS_RESUME \
    (L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_ABORT_RECV)

L4_INLINE void L4_Start(L4_ThreadId_t t)
{
    (void)__L4_EXREGS(t, __L4_EXREGS_RESUME);
}

L4_INLINE void L4_Start_SpIp(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
    __L4_ExregsState(t, __L4_EXREGS_RESUME | L4ABI_EXREGS_SET_SP | L4ABI_EXREGS_SET_IP,
                     sp, ip, 0, 0, L4_nilthread, 0, 0, 0, 0, 0, 0);
}

L4_INLINE void L4_Start_SpIpFlags(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip,
                                  L4_Word_t flags)
{
    __L4_ExregsState(t, __L4_EXREGS_RESUME | L4ABI_EXREGS_SET_SP | L4ABI_EXREGS_SET_IP |
                     L4ABI_EXREGS_SET_FLAGS,
                     sp, ip, flags, 0, L4_nilthread, 0, 0, 0, 0, 0, 0);
}

/* Halt the thread, optionally aborting its IPC, and report its state. */
L4_INLINE L4_ThreadState_t __L4_HaltThread(L4_ThreadId_t t, L4_Word_t abort,
                                           L4_Word_t *sp, L4_Word_t *ip, L4_Word_t *flags)
{
    L4_ThreadState_t s;
    __L4_ExregsState(t, L4ABI_EXREGS_HALT | L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_DELIVER | abort,
                     0, 0, 0, 0, L4_nilthread, &s.raw, sp, ip, flags, 0, 0);
    return s;
}

L4_INLINE L4_ThreadState_t L4_Stop(L4_ThreadId_t t)
{
    return __L4_HaltThread(t, 0, 0, 0, 0);
}

L4_INLINE L4_ThreadState_t L4_Stop_SpIpFlags(L4_ThreadId_t t, L4_Word_t *sp,
                                             L4_Word_t *ip, L4_Word_t *flags)
{
    return __L4_HaltThread(t, 0, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop(L4_ThreadId_t t)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_RECV, 0, 0, 0);
}

L4_INLINE L4_ThreadState_t L4_AbortReceive_and_stop_SpIpFlags(L4_ThreadId_t t,
                                                              L4_Word_t *sp, L4_Word_t *ip,
                                                              L4_Word_t *flags)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_RECV, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop(L4_ThreadId_t t)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_SEND, 0, 0, 0);
}

L4_INLINE L4_ThreadState_t L4_AbortSend_and_stop_SpIpFlags(L4_ThreadId_t t,
                                                           L4_Word_t *sp, L4_Word_t *ip,
                                                           L4_Word_t *flags)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_SEND, sp, ip, flags);
}

L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop(L4_ThreadId_t t)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_ABORT_RECV, 0, 0, 0);
}

L4_INLINE L4_ThreadState_t L4_AbortIpc_and_stop_SpIpFlags(L4_ThreadId_t t,
                                                          L4_Word_t *sp, L4_Word_t *ip,
                                                          L4_Word_t *flags)
{
    return __L4_HaltThread(t, L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_ABORT_RECV,
                           sp, ip, flags);
}

#undef __L4_EXREGS_RESUME


/* ---- Interrupt association (ThreadControl on an interrupt thread) ---- */

L4_INLINE L4_Word_t L4_AssociateInterrupt(L4_ThreadId_t InterruptThread,
                                          L4_ThreadId_t HandlerThread)
{
    return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread,
                            HandlerThread, (void *)L4ABI_UTCB_UNCHANGED);
}

L4_INLINE L4_Word_t L4_DeassociateInterrupt(L4_ThreadId_t InterruptThread)
{
    return L4_ThreadControl(InterruptThread, InterruptThread, L4_nilthread,
                            InterruptThread, (void *)L4ABI_UTCB_UNCHANGED);
}

#endif /* !__L4__THREAD_H__ */
