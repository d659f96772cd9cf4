/* Start-up support: filling the system-call table from the KIP. */
#include <l4/kip.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include "syslinks.h"

extern L4_Word_t __l4_syslinks[L4LIB_NSYSCALLS];

void __l4_init(void);
void __l4_main_returned(int rc) __attribute__((noreturn));

void __l4_init(void)
{
    L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();

    if (kip->magic != L4_MAGIC) {
        L4_KDB_Enter("libl4: bad kernel interface page");
        return;
    }

    const L4_Word_t link[L4LIB_NSYSCALLS] = {
        [L4LIB_SYS_IPC]               = kip->Ipc,
        [L4LIB_SYS_LIPC]              = kip->Lipc,
        [L4LIB_SYS_EXCHANGEREGISTERS] = kip->ExchangeRegisters,
        [L4LIB_SYS_THREADCONTROL]     = kip->ThreadControl,
        [L4LIB_SYS_SYSTEMCLOCK]       = kip->SystemClock,
        [L4LIB_SYS_THREADSWITCH]      = kip->ThreadSwitch,
        [L4LIB_SYS_SCHEDULE]          = kip->Schedule,
        [L4LIB_SYS_UNMAP]             = kip->Unmap,
        [L4LIB_SYS_SPACECONTROL]      = kip->SpaceControl,
        [L4LIB_SYS_PROCESSORCONTROL]  = kip->ProcessorControl,
        [L4LIB_SYS_MEMORYCONTROL]     = kip->MemoryControl,
    };

    /* A zero link means "not provided": keep the trapping default. */
    for (int i = 0; i < L4LIB_NSYSCALLS; i++)
        if (link[i] != 0)
            __l4_syslinks[i] = (L4_Word_t)kip + link[i];
}

void __l4_main_returned(int rc)
{
    (void)rc;
    for (;;) {
        L4_KDB_Enter("main returned");
        L4_Sleep(L4_Never);
    }
}
