/* The request loop and reply builders shared by the dataspace managers. */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include "dataspace.h"
#include "dm.h"

void dm_serve(dm_handler_t h)
{
    L4_ThreadId_t from;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 0) {
            /* A failed receive, or a failed reply whose receive phase then
             * never ran: wait afresh. Typed requests are malformed. */
            if (L4_IpcSucceeded(tag)) {
                dm_load_error(DS_ERR_PROTO);
                L4_Reply(from);
            }
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t w[L4ABI_NUM_MRS];
        L4_Word_t u = L4_UntypedWords(tag);
        L4_StoreMRs(1, (int)u, w);
        h(L4_Label(tag), u, w);
        L4_Accept(L4_UntypedWordsAcceptor);
        tag = L4_ReplyWait(from, &from);
    }
}

void dm_load_error(L4_Word_t code)
{
    L4_LoadMR(0, L4ABI_TAG(code, 0, 0));
}

void dm_load_words(int n, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2)
{
    L4_Word_t w[3] = { w0, w1, w2 };
    L4_LoadMR(0, L4ABI_TAG(DS_OK, n, 0));
    L4_LoadMRs(1, n, w);
}

void dm_load_map(L4_Word_t page, L4_Word_t rights, L4_Word_t snd_base)
{
    L4_Fpage_t fp = L4_FpageLog2(page, 12);
    L4_Set_Rights(&fp, rights);
    L4_MapItem_t m = L4_MapItem(fp, snd_base & ~(DS_PAGE_SIZE - 1));
    L4_LoadMR(0, L4ABI_TAG(DS_OK, 1, 2));
    L4_LoadMR(1, rights);
    L4_LoadMR(2, m.raw[0]);
    L4_LoadMR(3, m.raw[1]);
}

int dm_sigma0_page(L4_ThreadId_t s0, L4_Word_t phys, L4_Word_t dest)
{
    L4_Fpage_t win = dest == ~0ul ? L4_CompleteAddressSpace : L4_FpageLog2(dest, 12);
    L4_Fpage_t got = L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(phys, 12), win);
    L4_Accept(L4_UntypedWordsAcceptor);
    return !L4_IsNilFpage(got);
}
