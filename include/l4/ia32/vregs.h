/* Virtual registers on IA-32: MRs, BRs and TCRs all live in the UTCB,
 * addressed as word offsets from the MR0 pointer found at %gs:0. */
#ifndef __L4__IA32__VREGS_H__
#define __L4__IA32__VREGS_H__

#include <l4/types.h>

/* The pointer never changes for a thread, so the asm is deliberately not
 * volatile: the compiler may reuse one load for the whole function. */
L4_INLINE L4_Word_t *__L4_X86_Utcb(void) __attribute__((const));
L4_INLINE L4_Word_t *__L4_X86_Utcb(void)
{
    L4_Word_t *mr0;
    __asm__("movl %%gs:0, %0" : "=r"(mr0));
    return mr0;
}

#define __L4_TCR_THREAD_WORD_0          L4ABI_UTCB_THREADWORD0
#define __L4_TCR_THREAD_WORD_1          L4ABI_UTCB_THREADWORD1
#define __L4_TCR_VIRTUAL_ACTUAL_SENDER  L4ABI_UTCB_VIRTUALSENDER
#define __L4_TCR_INTENDED_RECEIVER      L4ABI_UTCB_INTENDEDRECEIVER
#define __L4_TCR_XFER_TIMEOUT           L4ABI_UTCB_XFERTIMEOUTS
#define __L4_TCR_ERROR_CODE             L4ABI_UTCB_ERRORCODE
#define __L4_TCR_PREEMPT_FLAGS          L4ABI_UTCB_FLAGS
#define __L4_TCR_COP_FLAGS              L4ABI_UTCB_FLAGS
#define __L4_TCR_EXCEPTION_HANDLER      L4ABI_UTCB_EXCEPTIONHANDLER
#define __L4_TCR_PAGER                  L4ABI_UTCB_PAGER
#define __L4_TCR_USER_DEFINED_HANDLE    L4ABI_UTCB_USERDEFINEDHANDLE
#define __L4_TCR_PROCESSOR_NO           L4ABI_UTCB_PROCESSORNO
#define __L4_TCR_MY_GLOBAL_ID           L4ABI_UTCB_MYGLOBALID

#define __L4_TCR_GET(name, idx) \
    L4_INLINE L4_Word_t __L4_TCR_##name(void) { return __L4_X86_Utcb()[idx]; }
#define __L4_TCR_SET(name, idx) \
    L4_INLINE void __L4_TCR_Set_##name(L4_Word_t w) { __L4_X86_Utcb()[idx] = w; }

__L4_TCR_GET(MyGlobalId,        L4ABI_UTCB_MYGLOBALID)
__L4_TCR_GET(ProcessorNo,       L4ABI_UTCB_PROCESSORNO)
__L4_TCR_GET(UserDefinedHandle, L4ABI_UTCB_USERDEFINEDHANDLE)
__L4_TCR_SET(UserDefinedHandle, L4ABI_UTCB_USERDEFINEDHANDLE)
__L4_TCR_GET(Pager,             L4ABI_UTCB_PAGER)
__L4_TCR_SET(Pager,             L4ABI_UTCB_PAGER)
__L4_TCR_GET(ExceptionHandler,  L4ABI_UTCB_EXCEPTIONHANDLER)
__L4_TCR_SET(ExceptionHandler,  L4ABI_UTCB_EXCEPTIONHANDLER)
__L4_TCR_GET(ErrorCode,         L4ABI_UTCB_ERRORCODE)
__L4_TCR_GET(XferTimeout,       L4ABI_UTCB_XFERTIMEOUTS)
__L4_TCR_SET(XferTimeout,       L4ABI_UTCB_XFERTIMEOUTS)
__L4_TCR_GET(IntendedReceiver,  L4ABI_UTCB_INTENDEDRECEIVER)
__L4_TCR_GET(ActualSender,      L4ABI_UTCB_VIRTUALSENDER)
__L4_TCR_SET(VirtualSender,     L4ABI_UTCB_VIRTUALSENDER)

#undef __L4_TCR_GET
#undef __L4_TCR_SET

/* The local ID is the MR0 address itself. */
L4_INLINE L4_Word_t __L4_TCR_MyLocalId(void)
{
    return (L4_Word_t)__L4_X86_Utcb();
}

L4_INLINE L4_Word_t __L4_TCR_ThreadWord(L4_Word_t n)
{
    return __L4_X86_Utcb()[L4ABI_UTCB_THREADWORD0 - (int)n];
}

L4_INLINE void __L4_TCR_Set_ThreadWord(L4_Word_t n, L4_Word_t w)
{
    __L4_X86_Utcb()[L4ABI_UTCB_THREADWORD0 - (int)n] = w;
}

/* The kernel updates the flags word asynchronously (pending bit), so each
 * change is one read-modify-write instruction. */
L4_INLINE L4_Bool_t __L4_FlagBit(int set, L4_Word_t bit)
{
    L4_Word_t *w = &__L4_X86_Utcb()[L4ABI_UTCB_FLAGS];
    L4_Word8_t old;
    if (set)
        __asm__ __volatile__("btsl %2, %1; setc %0" : "=q"(old), "+m"(*w) : "Ir"(bit) : "cc");
    else
        __asm__ __volatile__("btrl %2, %1; setc %0" : "=q"(old), "+m"(*w) : "Ir"(bit) : "cc");
    return old;
}

L4_INLINE void L4_Set_CopFlag(L4_Word_t n)
{
    (void)__L4_FlagBit(1, L4ABI_COPFLAG_SHIFT + n);
}

L4_INLINE void L4_Clr_CopFlag(L4_Word_t n)
{
    (void)__L4_FlagBit(0, L4ABI_COPFLAG_SHIFT + n);
}

/* Each returns the previous state of the flag it changes. */
L4_INLINE L4_Bool_t L4_EnablePreemptionFaultException(void)
{
    return __L4_FlagBit(1, L4ABI_PREEMPT_SIGNAL_BIT);
}

L4_INLINE L4_Bool_t L4_DisablePreemptionFaultException(void)
{
    return __L4_FlagBit(0, L4ABI_PREEMPT_SIGNAL_BIT);
}

/* "Enable preemption" clears the delay request; returns whether it was set. */
L4_INLINE L4_Bool_t L4_EnablePreemption(void)
{
    return __L4_FlagBit(0, L4ABI_PREEMPT_DELAY_BIT);
}

L4_INLINE L4_Bool_t L4_DisablePreemption(void)
{
    return __L4_FlagBit(1, L4ABI_PREEMPT_DELAY_BIT);
}

/* Reads and clears the kernel's "preemption was delayed" bit. */
L4_INLINE L4_Bool_t L4_PreemptionPending(void)
{
    return __L4_FlagBit(0, L4ABI_PREEMPT_PENDING_BIT);
}


/* ---- Message registers ---- */

L4_INLINE void L4_StoreMR(int i, L4_Word_t *w)
{
    *w = __L4_X86_Utcb()[L4ABI_UTCB_MR(i)];
}

L4_INLINE void L4_LoadMR(int i, L4_Word_t w)
{
    __L4_X86_Utcb()[L4ABI_UTCB_MR(i)] = w;
}

L4_INLINE void L4_StoreMRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *mr = &__L4_X86_Utcb()[L4ABI_UTCB_MR(i)];
    for (int n = 0; n < k; n++)
        w[n] = mr[n];
}

L4_INLINE void L4_LoadMRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *mr = &__L4_X86_Utcb()[L4ABI_UTCB_MR(i)];
    for (int n = 0; n < k; n++)
        mr[n] = w[n];
}


/* ---- Buffer registers (BRi lies below BRi-1) ---- */

L4_INLINE void L4_StoreBR(int i, L4_Word_t *w)
{
    *w = __L4_X86_Utcb()[L4ABI_UTCB_BR(i)];
}

L4_INLINE void L4_LoadBR(int i, L4_Word_t w)
{
    __L4_X86_Utcb()[L4ABI_UTCB_BR(i)] = w;
}

L4_INLINE void L4_StoreBRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *utcb = __L4_X86_Utcb();
    for (int n = 0; n < k; n++)
        w[n] = utcb[L4ABI_UTCB_BR(i + n)];
}

L4_INLINE void L4_LoadBRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *utcb = __L4_X86_Utcb();
    for (int n = 0; n < k; n++)
        utcb[L4ABI_UTCB_BR(i + n)] = w[n];
}

#endif /* !__L4__IA32__VREGS_H__ */
