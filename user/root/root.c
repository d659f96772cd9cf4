/* The demo root task: greets, shows what the kernel told it, takes the
 * I/O ports its demos need from sigma0 (COM1, RTC, PS/2 controller), then
 * starts the launcher shell (shell.c) as a thread of its own space, which
 * runs every demo as a task of its own. The shell ends the machine on
 * `exit`; this thread has nothing more to do.
 *
 * Policy (docs/smallspaces.md): small servers, the driver tasks and the
 * echo server, run in small spaces; the module option `nosmall` (our
 * command line, e.g. `make run ROOT_ARGS=nosmall`) keeps them large. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include <l4/sigma0.h>
#include "bootargs.h"
#include "dm.h"
#include "libc.h"
#include "shell.h"
#include "serial.h"
#include "rtc.h"
#include "ps2kbd.h"

L4_ThreadId_t shell_tid, sigma0_tid;
static L4_Word_t shell_stack[2048] __attribute__((aligned(16)));

int main(void)
{
    L4_Word_t ver, flags, id;
    L4_KernelInterfacePage_t *kip = L4_KernelInterface(&ver, &flags, &id);
    unsigned cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    printf("root task: hello from ring %u, I am thread %lx\n", cs & 3, L4_Myself().raw);
    printf("root task: KIP at %p, API version %lx, kernel id %lx\n", (void *)kip, ver, id);

    /* The BootInfo page is then ours from sigma0: the file manager
     * (dm_file.c), a thread of our space that would ask sigma0 for it
     * later, is told so. */
    task_small = !boot_has_word(boot_own_cmdline(&dm_file_bootinfo_mapped), "nosmall");
    printf("root task: driver tasks and the echo server in %s\n",
           task_small ? "small spaces (option nosmall: large)" : "large spaces (nosmall)");

    L4_ThreadId_t me = L4_Myself();
    sigma0_tid = L4_Pager();
    shell_tid = L4_GlobalId(SHELL_NO, 1);
    if (!L4_PecanSigma0GetPorts(sigma0_tid, SERIAL_PORT, 3) ||
        !L4_PecanSigma0GetPorts(sigma0_tid, RTC_PORT, 1) ||
        !L4_PecanSigma0GetPorts(sigma0_tid, PS2KBD_DATA, 0) ||
        !L4_PecanSigma0GetPorts(sigma0_tid, PS2KBD_STATUS, 0)) {
        printf("root task: no ports from sigma0\n");
        L4_KDB_Shutdown(1);
    }
    if (L4_ThreadControl(shell_tid, me, me, sigma0_tid,
                         (void *)(UTCB_AREA + SHELL_UTCB * L4ABI_UTCB_SIZE)) != 1) {
        printf("root task: cannot create the shell thread (error %lu)\n", L4_ErrorCode());
        L4_KDB_Shutdown(1);
    }
    L4_Start_SpIp(shell_tid, (L4_Word_t)&shell_stack[2044], (L4_Word_t)shell_main);
    printf("root task: launcher shell started as thread %lx\n", shell_tid.raw);
    for (;;)
        L4_Sleep(L4_Never);
    return 0;
}
