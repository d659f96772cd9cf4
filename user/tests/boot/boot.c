/* Boot suite: the root task runs in ring 3, finds the KIP through
 * KernelInterface, prints through kdebug, and was paged by sigma0. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"

static int n, failed;

static void check(int cond, const char *name)
{
    n++;
    if (!cond)
        failed++;
    printf("%sok %d - %s\n", cond ? "" : "not ", n, name);
}

static volatile char page_touch[3 * 4096];

int main(void)
{
    L4_Word_t ver, flags, id;
    struct l4_kip *kip = (struct l4_kip *)L4_KernelInterface(&ver, &flags, &id);
    unsigned cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));

    printf("1..9\n");
    check((cs & 3) == 3, "root task runs in ring 3");
    check(kip->magic == L4ABI_KIP_MAGIC, "KernelInterface returns the KIP (magic L4\\xe6K)");
    check(ver == kip->api_version && (ver >> 24) == L4ABI_API_VERSION_X2,
          "API version is X.2 and matches the KIP");
    check(kip->ipc != 0 && kip->exchange_registers != 0 && kip->thread_control != 0,
          "system-call links are set");
    check(L4ABI_TID_THREADNO(L4_Myself().raw) == L4ABI_KIP_THREADINFO_USERBASE(kip->thread_info) + 2,
          "root task has thread number UserBase + 2");
    check(L4ABI_KIP_MEMINFO_N(kip->memory_info) > 0, "KIP lists memory descriptors");
    /* Touch fresh pages: each fault goes to sigma0 by IPC and comes back. */
    for (unsigned i = 0; i < sizeof(page_touch); i += 4096)
        page_touch[i] = (char)i;
    check(page_touch[4096] == (char)4096, "page faults are served by sigma0");
    L4_KDB_PrintString("# kdebug PrintString reaches the console\n");
    check(1, "kdebug PrintString returned");
    /* The kernel refuses to let user code read kernel memory. The read
     * faults, the fault goes to our pager (sigma0), which refuses: so we
     * only check the address lies outside what the KIP calls user space. */
    check((L4_Word_t)kip < 0xc0000000u, "KIP is mapped in user space");
    L4_KDB_Shutdown(failed ? 1 : 0);
    return 0;
}
