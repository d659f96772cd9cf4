/* TEMPORARY profiling program (not committed). */
#include "../mem/mempager.h"
#include "tap.h"
#define REGION   0x20000000u
#define CHILD_VA 0x40000000u
#ifndef NPAGES
#define NPAGES 256u
#endif
#ifndef NEXC
#define NEXC 256
#endif
static L4_Word_t fstack[1024] __attribute__((aligned(16)));
static void ud2(void) { __asm__ volatile("ud2" ::: "memory"); }
static void faulter_main(void)
{
    L4_Set_ExceptionHandler(root_tid);
    for (int i = 0; i < NEXC; i++)
        ud2();
    L4_LoadMR(0, L4ABI_TAG(0x600, 0, 0));
    L4_Send(root_tid);
    for (;;) L4_Sleep(L4_Never);
}
int main(void)
{
    root_tid = L4_Myself();
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 22, L4_FpageLog2(REGION, 22));
    (void)f;
    L4_ThreadId_t c = L4_GlobalId(100, 1);
    pw_add(c, CHILD_VA, NPAGES * 4096, REGION, L4_FullyAccessible);
    make_child(c, 0);
    L4_KDB_PrintString("PROF-PF-BEGIN\n");
    unsigned long fault = cmd(c, C_TOUCH, CHILD_VA, NPAGES * 4096, 0, 0) / NPAGES;
    L4_KDB_PrintString("PROF-PF-END\n");
    printf("fault %lu\n", fault);
    L4_ThreadId_t ft = L4_GlobalId(60, 1);
    L4_ThreadControl(ft, root_tid, root_tid, L4_nilthread, (void *)(UTCB_AREA + 3 * L4ABI_UTCB_SIZE));
    L4_Start_SpIp(ft, (L4_Word_t)&fstack[1020], (L4_Word_t)faulter_main);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Receive(ft);
    for (;;) {
        if (L4_IpcFailed(tag) || L4_Label(tag) == 0x600) break;
        L4_Word_t w[12];
        L4_StoreMRs(1, 12, w);
        w[L4ABI_EXC_MR_EIP - 1] += 2;
        L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
        L4_LoadMRs(1, 12, w);
        tag = L4_ReplyWait(ft, &from);
    }
    L4_KDB_PrintString("PROF-EXC-END\n");
    L4_KDB_Shutdown(0);
    return 0;
}
