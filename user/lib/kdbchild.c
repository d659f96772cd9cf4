#include "kdbchild.h"
#include "pager.h"
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/abi.h>

int kdbchild_answer_bps(L4_ThreadId_t child, int n, L4_Word_t eax0)
{
    int bps = 0;
    for (int i = 0; i < n; i++) {
        L4_Word_t r[13] = { 0 };        /* r[1..12]: the exception MRs */
        L4_MsgTag_t tag = pager_receive(child);
        if (L4_IpcFailed(tag) || L4_Label(tag) != L4ABI_LABEL_EXCEPTION ||
            L4_UntypedWords(tag) != 12)
            break;
        L4_StoreMRs(1, 12, &r[1]);
        if (r[L4ABI_EXC_MR_EXCNO] != 3)
            break;
        bps++;
        /* The reply's words become its registers: the call returns eax. */
        r[L4ABI_EXC_MR_EAX] = eax0 + (L4_Word_t)i;
        L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
        L4_LoadMRs(1, 12, &r[1]);
        L4_Reply(child);
    }
    return bps;
}

void kdbchild_report(L4_ThreadId_t child, L4_Word_t label, int n, L4_Word_t *res)
{
    L4_MsgTag_t tag = pager_receive(child);
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == label)
        L4_StoreMRs(1, n, &res[1]);
}

void kdbchild_done(L4_ThreadId_t to, L4_Word_t label, int n, const L4_Word_t *w)
{
    L4_LoadMR(0, L4ABI_TAG(label, n, 0));
    for (int i = 0; i < n; i++)
        L4_LoadMR(1 + i, w[i]);
    L4_Call(to);
    for (;;)
        L4_Sleep(L4_Never);
}
