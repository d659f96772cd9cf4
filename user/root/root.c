/* The demo root task: greets, shows what the kernel told it, and stops. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/kdebug.h>
#include "libc.h"

int main(void)
{
    L4_Word_t ver, flags, id;
    L4_KernelInterfacePage_t *kip = L4_KernelInterface(&ver, &flags, &id);
    unsigned cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    printf("root task: hello from ring %u, I am thread %lx\n", cs & 3, L4_Myself().raw);
    printf("root task: KIP at %p, API version %lx, kernel id %lx\n", (void *)kip, ver, id);
    L4_KDB_Shutdown(0);
    return 0;
}
