/* Client side of the sigma0 protocol. */
#ifndef __L4__SIGMA0_H__
#define __L4__SIGMA0_H__

#include <l4/types.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/ipc.h>

/* Sigma0 is the first user thread (version 1). */
L4_INLINE L4_ThreadId_t __L4_Sigma0Id(void)
{
    return L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
}

/* Asks sigma0 (the nil ID means the standard one) for fpage f, to be
 * mapped into RcvWindow. Returns the fpage received, or the nil fpage. */
L4_INLINE L4_Fpage_t L4_Sigma0_GetPage_RcvWindow(L4_ThreadId_t s0, L4_Fpage_t f,
                                                 L4_Fpage_t RcvWindow)
{
    L4_MsgTag_t tag;

    if (L4_IsNilThread(s0))
        s0 = __L4_Sigma0Id();
    tag.raw = L4ABI_TAG(L4ABI_LABEL_SIGMA0, 2, 0);
    L4_LoadMR(0, tag.raw);
    L4_LoadMR(L4ABI_SIGMA0_MR_FPAGE, f.raw);
    L4_LoadMR(L4ABI_SIGMA0_MR_ATTR, L4ABI_MEMATTR_DEFAULT);
    L4_Accept(L4_MapGrantItems(RcvWindow));
    tag = L4_Call(s0);
    if (L4_IpcFailed(tag) || L4_TypedWords(tag) < 2)
        return L4_Nilpage;
    L4_StoreMR(2, &f.raw);      /* the fpage word of the map item */
    return f;
}

L4_INLINE L4_Fpage_t L4_Sigma0_GetPage(L4_ThreadId_t s0, L4_Fpage_t f)
{
    return L4_Sigma0_GetPage_RcvWindow(s0, f, L4_CompleteAddressSpace);
}

/* Any free page of 2^s bytes: the request has all base bits set. */
L4_INLINE L4_Fpage_t L4_Sigma0_GetAny(L4_ThreadId_t s0, L4_Word_t s, L4_Fpage_t RcvWindow)
{
    return L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(~0UL, (int)s), RcvWindow);
}

#endif /* !__L4__SIGMA0_H__ */
