/* The demo root task: greets, shows what the kernel told it, then starts
 * a user-level serial input driver in its own unprivileged address space,
 * a small one by default (docs/smallspaces.md; module option `nosmall`
 * keeps it large).
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
#include <l4/bootinfo.h>
#include <l4/sigma0.h>
#include "libc.h"
#include "serial.h"
#include "rtc.h"

/* The driver's areas lie inside a 32 MiB window at offset 0 of the
 * small-space region, with our binary (linked at 16 MiB), which it runs. */
#define UTCB_AREA   0x01e00000u
#define KIP_AREA    0x01f00000u
#define DRIVER_WINDOW_MB 32
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

/* libl4's system-call links are absolute addresses in our KIP; the
 * driver shares our pages, but its KIP is at KIP_AREA. The page holding
 * the link table is the one page it gets as a private copy, links moved. */
extern L4_Word_t __l4_syslinks[];
#define NLINKS 11       /* user/lib/syslinks.h */
static char driver_links[4096] __attribute__((aligned(4096)));
static L4_Word_t links_page;

static void make_driver_links(void)
{
    L4_Word_t kip = (L4_Word_t)L4_GetKernelInterface();
    links_page = (L4_Word_t)__l4_syslinks & ~0xffful;
    memcpy(driver_links, (void *)links_page, 4096);
    L4_Word_t *t = (L4_Word_t *)(driver_links + ((L4_Word_t)__l4_syslinks & 0xfff));
    for (int i = 0; i < NLINKS; i++)
        t[i] = t[i] - kip + KIP_AREA;
}

/* Our module command line (the second module's BootInfo record). */
static const char *own_cmdline(void)
{
    L4_Word_t bi = L4_BootInfo(L4_GetKernelInterface());
    if (!bi || (bi & 4095))
        return "";
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(bi, 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IsNilFpage(got) || !L4_BootInfo_Valid((void *)bi))
        return "";
    L4_BootRec_t *r = L4_BootInfo_FirstEntry((void *)bi);
    int mod = 0;
    for (L4_Word_t i = 0; i < L4_BootInfo_Entries((void *)bi); i++, r = L4_BootRec_Next(r)) {
        if ((L4_Word_t)r - bi > 4000)
            break;
        if (L4_BootRec_Type(r) == L4_BootInfo_Module && mod++ == 1) {
            const char *c = L4_Module_Cmdline(r);
            return c ? c : "";
        }
    }
    return "";
}

/* Is w one of the space-separated words of s? */
static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && !strncmp(p, w, n) && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
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
        } else if (kind == L4ABI_LABEL_PAGEFAULT && (mr1 & ~0xffful) == links_page) {
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)driver_links, 12),
                                                          L4_FullyAccessible), links_page);
            L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
            L4_LoadMR(1, m.raw[0]);
            L4_LoadMR(2, m.raw[1]);
            L4_Reply(drv);
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

    make_driver_links();
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
    /* Policy: servers that fit go into small spaces (no CR3 write when
     * we switch to them); `nosmall` on our command line keeps them large. */
    if (has_word(own_cmdline(), "nosmall")) {
        printf("root task: driver in a large space (nosmall)\n");
    } else if (L4_SpaceControl(drv, L4ABI_SPACE_SMALL | L4_SmallSpace(0, DRIVER_WINDOW_MB),
                               L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                               L4_nilthread, &old) == 1 && (old & L4ABI_SPACE_SMALL)) {
        printf("root task: driver in a small space (%u MiB at 0)\n", DRIVER_WINDOW_MB);
    } else {
        printf("root task: small space refused, driver in a large space\n");
    }
    L4_ThreadControl(drv, drv, me, me, (void *)UTCB_AREA);
    if (!L4_PecanAssociateAsync(L4_InterruptThread(SERIAL_IRQ), drv, BIT_SERIAL) ||
        !L4_PecanAssociateAsync(L4_InterruptThread(RTC_IRQ), drv, BIT_RTC)) {
        printf("root task: cannot attach the driver's interrupts\n");
        L4_KDB_Shutdown(1);
    }
    /* One TAP line, so that `make test` can boot the demo (suites
     * root-small, root-nosmall). */
    printf("1..1\nok 1 - root task set up the driver\n");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)driver_main);
    L4_LoadMR(2, (L4_Word_t)&driver_stack[1020]);
    L4_Send(drv);
    serve(drv);
    return 0;
}
