#include "pager.h"
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/message.h>
#include <l4/abi.h>

int pager_answer_fault(L4_MsgTag_t tag)
{
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT)
        return 0;
    L4_Word_t addr;
    L4_StoreMR(1, &addr);
    L4_Word_t page = addr & ~0xffful;
    volatile char *p = (volatile char *)page;
    char c = *p;                    /* fault it into our own space first */
    if (L4_Label(tag) & L4ABI_FPAGE_W)
        *p = c;
    pager_load_map(page, 12, page);
    return 1;
}

void pager_load_map(L4_Word_t base, int log2, L4_Word_t at)
{
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(base, log2),
                                                  L4_FullyAccessible), at);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
}

void pager_drain(L4_ThreadId_t who)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(who, L4_TimePeriod(1000));
        if (L4_IpcFailed(tag) || !pager_answer_fault(tag))
            return;
        L4_Reply(who);
    }
}

static L4_MsgTag_t serve_until_message(L4_ThreadId_t who, L4_MsgTag_t tag,
                                       int (*answer)(L4_MsgTag_t))
{
    L4_ThreadId_t from;
    while (L4_IpcSucceeded(tag) && answer(tag))
        tag = L4_Ipc(who, who, L4_Timeouts(L4_Never, L4_Never), &from);
    return tag;
}

L4_MsgTag_t pager_call(L4_ThreadId_t to)
{
    return serve_until_message(to, L4_Call(to), pager_answer_fault);
}

L4_MsgTag_t pager_receive(L4_ThreadId_t who)
{
    return serve_until_message(who, L4_Receive(who), pager_answer_fault);
}

L4_MsgTag_t pager_receive_with(L4_ThreadId_t who, int (*answer)(L4_MsgTag_t))
{
    return serve_until_message(who, L4_Receive(who), answer);
}

void pager_hello(L4_ThreadId_t pager)
{
    L4_LoadMR(0, L4ABI_TAG(PAGER_HELLO, 0, 0));
    L4_Call(pager);
}

L4_MsgTag_t pager_greet(L4_ThreadId_t child, int (*answer)(L4_MsgTag_t))
{
    L4_MsgTag_t tag = pager_receive_with(child, answer);
    L4_LoadMR(0, 0);
    L4_Reply(child);
    return tag;
}

int pager_start_child(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void),
                      L4_Word_t sp, L4_Word_t kip_area, L4_Word_t utcb_area)
{
    /* Confined: every IPC the child's space sends outside itself and our
     * space comes to us (X.2 redirection, docs/ipc.md). */
    return pager_start_child_redir(child, pager, fn, sp, kip_area, utcb_area, L4_Myself());
}

int pager_start_child_redir(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void),
                            L4_Word_t sp, L4_Word_t kip_area, L4_Word_t utcb_area,
                            L4_ThreadId_t redirector)
{
    L4_Word_t old;
    return pager_start_space(child, pager, fn, sp, 0, kip_area, utcb_area, redirector, &old);
}

int pager_start_space(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void), L4_Word_t sp,
                      L4_Word_t control, L4_Word_t kip_area, L4_Word_t utcb_area,
                      L4_ThreadId_t redirector, L4_Word_t *old_control)
{
    /* The space exists once its first thread does; it gets its areas
     * before the thread gets its UTCB and pager (X.2's order). */
    if (L4_ThreadControl(child, child, L4_Myself(), L4_nilthread, (void *)~0ul) != 1)
        return 0;
    if (L4_SpaceControl(child, control, L4_FpageLog2(kip_area, 12), L4_FpageLog2(utcb_area, 20),
                        redirector, old_control) != 1)
        return 0;
    if (L4_ThreadControl(child, child, L4_Myself(), pager, (void *)utcb_area) != 1)
        return 0;
    /* The start message (pager protocol): ip, sp. */
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)fn);
    L4_LoadMR(2, sp);
    return L4_IpcSucceeded(L4_Send(child));
}
