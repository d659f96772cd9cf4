/* The demo root task: greets, shows what the kernel told it, then starts
 * a user-level serial input driver in its own unprivileged address space.
 * The driver gets COM1's and the RTC's ports (I/O fpages, mapped by us as
 * its pager when it faults on them) and IRQs 4 and 8 (attached by us), and
 * nothing else: we are its redirector, so it reaches no one but us;
 * it echoes typed keys, quits on 'q', and ends the demo by itself after
 * about five seconds without input (RTC periodic interrupt at 2 Hz). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include "libc.h"
#include "serial.h"
#include "rtc.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define DRIVER_NO   100
#define IDLE_TICKS  10          /* RTC ticks at 2 Hz */

enum { BIT_SERIAL = 0, BIT_RTC = 1 };
#define LBL_END_DEMO 0x5d0      /* driver -> root: end the demo (Shutdown is privileged) */

static L4_Word_t driver_stack[1024] __attribute__((aligned(16)));

/* Only privileged threads may shut the machine down (docs/abi.md): the
 * driver asks us, its pager. */
static void end_demo(void)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_END_DEMO, 0, 0));
    L4_Send(L4_Pager());
}

/* Runs in the driver's space: one thread waits for both interrupts. */
static void driver_main(void)
{
    L4_ThreadId_t irq4 = L4_InterruptThread(SERIAL_IRQ), irq8 = L4_InterruptThread(RTC_IRQ);
    int idle = 0, c;
    serial_irq_enable(SERIAL_IER_RX);
    rtc_periodic_start(15);
    printf("serial driver: type keys (echoed); 'q' quits; %d s without input ends the demo\n",
           IDLE_TICKS / 2);
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (!L4_IsAsyncInterrupt(tag))
            continue;
        L4_Word_t mask;
        L4_StoreMR(1, &mask);
        if (mask & (1u << BIT_SERIAL)) {
            while ((c = serial_getc()) >= 0) {
                idle = 0;
                if (c == 'q') {
                    printf("\nserial driver: 'q' typed, bye\n");
                    end_demo();
                }
                printf("%c", c == '\r' ? '\n' : c);
            }
            L4_AckInterrupt(irq4);
        }
        if (mask & (1u << BIT_RTC)) {
            rtc_ack();
            if (++idle >= IDLE_TICKS) {
                printf("\nserial driver: no input for %d s, ending the demo\n", IDLE_TICKS / 2);
                end_demo();
            }
            L4_AckInterrupt(irq8);
        }
    }
}

/* Is the I/O fpage one the driver may have? */
static int driver_port(L4_Word_t fp)
{
    L4_Word_t port = L4ABI_IOFPAGE_PORT(fp), n = 1ul << L4ABI_IOFPAGE_LOG2(fp);
    return (port >= SERIAL_PORT && port + n <= SERIAL_PORT + 8) ||
           (port >= RTC_PORT && port + n <= RTC_PORT + 2);
}

/* We are the driver's pager and redirector: its pages 1:1 from our space,
 * its ports if they are the ones it is meant to drive; whatever it sends
 * to others (redirected to us) is refused. */
static void serve(L4_ThreadId_t drv)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Receive(drv);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t kind = L4_Label(tag) & L4ABI_LABEL_KIND_MASK, mr1;
        L4_StoreMR(1, &mr1);
        if (L4_Label(tag) == LBL_END_DEMO) {
            L4_KDB_Shutdown(0);
        } else if (kind == L4ABI_LABEL_PAGEFAULT) {
            L4_Word_t page = mr1 & ~0xffful;
            volatile char *p = (volatile char *)page;
            char c = *p;
            *p = c;
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12),
                                                          L4_FullyAccessible), page);
            L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
            L4_LoadMR(1, m.raw[0]);
            L4_LoadMR(2, m.raw[1]);
            L4_Reply(drv);
        } else if (kind == L4ABI_LABEL_IOFAULT && driver_port(mr1)) {
            L4_PecanMapPorts(drv, L4ABI_IOFPAGE_PORT(mr1), (int)L4ABI_IOFPAGE_LOG2(mr1), 0);
        } else if (L4_IpcRedirected(tag)) {
            printf("root task: the driver may not send to %lx: refused\n",
                   L4_IntendedReceiver().raw);
        } else {
            printf("root task: refusing request %lx from the driver\n", L4_Label(tag));
        }
    }
}

int main(void)
{
    L4_Word_t ver, flags, id, old;
    L4_KernelInterfacePage_t *kip = L4_KernelInterface(&ver, &flags, &id);
    unsigned cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    printf("root task: hello from ring %u, I am thread %lx\n", cs & 3, L4_Myself().raw);
    printf("root task: KIP at %p, API version %lx, kernel id %lx\n", (void *)kip, ver, id);

    L4_ThreadId_t me = L4_Myself(), s0 = L4_GlobalId(48, 1), drv = L4_GlobalId(DRIVER_NO, 1);
    if (!L4_PecanSigma0GetPorts(s0, SERIAL_PORT, 3) || !L4_PecanSigma0GetPorts(s0, RTC_PORT, 1)) {
        printf("root task: no ports from sigma0\n");
        L4_KDB_Shutdown(1);
    }
    L4_ThreadControl(drv, drv, me, L4_nilthread, (void *)~0ul);
    /* Confined: the driver's IPC to anyone but us (and its own space)
     * comes to us instead; it cannot ask sigma0 or anyone else for more
     * than we give it (X.2 redirection, docs/ipc.md). */
    L4_SpaceControl(drv, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                    me, &old);
    L4_ThreadControl(drv, drv, me, me, (void *)UTCB_AREA);
    if (!L4_PecanAssociateAsync(L4_InterruptThread(SERIAL_IRQ), drv, BIT_SERIAL) ||
        !L4_PecanAssociateAsync(L4_InterruptThread(RTC_IRQ), drv, BIT_RTC)) {
        printf("root task: cannot attach the driver's interrupts\n");
        L4_KDB_Shutdown(1);
    }
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)driver_main);
    L4_LoadMR(2, (L4_Word_t)&driver_stack[1020]);
    L4_Send(drv);
    serve(drv);
    return 0;
}
