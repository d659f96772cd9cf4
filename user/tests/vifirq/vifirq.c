/* The virtual interrupt flag against real interrupts: while a handler's
 * virtual IF is clear (user cli), the RTC interrupt attached to it is held
 * (the line is masked by then, VIP shows it, nothing is lost); after sti
 * the next receive gets it at once. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "rtc.h"

#define EFL_VIF (1ul << 19)
#define EFL_VIP (1ul << 20)

static L4_Word_t my_flags(void)
{
    L4_Word_t ctl, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(L4_MyLocalId(), 0, 0, 0, 0, 0, L4_nilthread,
                         &ctl, &sp, &ip, &flags, &handle, &pager);
    return flags;
}

int main(void)
{
    tap_plan(8);
    L4_ThreadId_t me = L4_Myself(), irq8 = L4_InterruptThread(RTC_IRQ);
    L4_ThreadId_t s0 = L4_GlobalId(48, 1);
    ok(L4_PecanSigma0GetPorts(s0, RTC_PORT, 1) && L4_AssociateInterrupt(irq8, me) == 1,
       "RTC ports and IRQ 8 attached to this thread");

    __asm__ volatile("cli");
    ok(!(my_flags() & EFL_VIF), "user cli cleared the virtual IF (flags %lx)", my_flags());
    L4_Word_t raised = L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_RAISED);
    rtc_periodic_start(6);                      /* 1024 Hz */
    L4_MsgTag_t tag = L4_Receive_Timeout(irq8, L4_TimePeriod(20000));
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_TIMEOUT,
       "no interrupt IPC while the virtual IF is clear");
    /* One held; the IO-APIC's edge-triggered line is masked lazily, by
     * the next interrupt (counted, joining the held one: QEMU's RTC raises
     * its line every period), the 8259's at the first. */
    L4_Word_t n = L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_RAISED) - raised;
    ok(n >= 1 && n <= 2, "one interrupt held, the line masked meanwhile (raised %lu)", n);
    ok(my_flags() & EFL_VIP, "VIP shows the held interrupt");

    L4_Word_t releases = L4_KDB_Stat(L4ABI_KDB_STAT_VIF_RELEASES);
    __asm__ volatile("sti");
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_VIF_RELEASES) == releases + 1 && !(my_flags() & EFL_VIP),
       "sti released the held interrupt");
    tag = L4_Receive_Timeout(irq8, L4_ZeroTime);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == L4ABI_LABEL_INTERRUPT,
       "the held interrupt arrives on the next receive, without waiting");
    rtc_ack();
    L4_AckInterrupt(irq8);
    tag = L4_Receive_Timeout(irq8, L4_TimePeriod(20000));
    ok(L4_IpcSucceeded(tag), "after the ack interrupts flow again");
    rtc_ack();
    rtc_periodic_stop();
    L4_AckInterrupt(irq8);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
