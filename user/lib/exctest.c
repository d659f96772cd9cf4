#include "exctest.h"
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/abi.h>

L4_Word_t exctest_cpu(void)
{
    return L4_KDB_Stat(L4ABI_KDB_STAT_CPU);
}

L4_Word_t exctest_raise(int n, L4_Word_t cpu)
{
    L4_Word_t resumed = 0;
    for (int i = 0; i < n; i++) {
        if (i & 1) {
            L4_Word_t a = 1, d = 0;
            __asm__ volatile("divl %%ecx" : "+a"(a), "+d"(d) : "c"(0ul));
        } else {
            __asm__ volatile("ud2");
        }
        resumed += exctest_cpu() == cpu;
    }
    return resumed;
}

L4_MsgTag_t exctest_reply(L4_ThreadId_t *from)
{
    L4_Word_t r[13];
    L4_StoreMRs(1, 12, &r[1]);
    r[L4ABI_EXC_MR_EIP] += 2;
    L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
    L4_LoadMRs(1, 12, &r[1]);
    return L4_Ipc(*from, L4_anythread, L4_Timeouts(L4_Never, L4_Never), from);
}

void exctest_report(L4_ThreadId_t to, L4_Word_t w)
{
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, w);
    L4_Send(to);
    for (;;)
        L4_Sleep(L4_Never);
}
