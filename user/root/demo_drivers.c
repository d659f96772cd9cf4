/* Demos: user-level drivers, each a task of its own that owns nothing but
 * its device's ports (mapped by us, its pager, when it faults on them) and
 * interrupt lines (attached by us, asynchronous), in a small space unless
 * `nosmall` (task.c). The task is confined: we
 * are its redirector, so it reaches no one else. It reports its end with
 * task_done; we then delete it, which detaches its lines.
 *
 * serial: COM1 input, echoes typed keys; 'q' or 5 s without input ends it.
 *         The shell does not read the console meanwhile.
 * kbd:    the PS/2 keyboard; the shell types "pecan" and Enter into the
*         8042 itself (controller command 0xd2; QEMU's -display none has
 *         no keyboard); Enter or 3 s without input ends it. */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/pecan.h>
#include "libc.h"
#include "shell.h"
#include "serial.h"
#include "rtc.h"
#include "ps2kbd.h"
#include "portio.h"

#define SERIAL_IDLE_TICKS   10      /* RTC ticks at 2 Hz */
#define KBD_IDLE_US         3000000

enum { BIT_SERIAL = 0, BIT_RTC = 1, BIT_KBD = 2 };

static L4_Word_t drv_stack[1024] __attribute__((aligned(16)));

/* ---- in the driver tasks ---- */

static void serial_main(void)
{
    L4_ThreadId_t irq4 = L4_InterruptThread(SERIAL_IRQ), irq8 = L4_InterruptThread(RTC_IRQ);
    int idle = 0, c;
    serial_irq_enable(SERIAL_IER_RX);
    rtc_periodic_start(15);
    printf("serial driver: type keys (echoed); 'q' quits; %d s without input ends the demo\n",
           SERIAL_IDLE_TICKS / 2);
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
                    task_done(0);
                }
                printf("%c", c == '\r' ? '\n' : c);
            }
            L4_AckInterrupt(irq4);
        }
        if (mask & (1u << BIT_RTC)) {
            rtc_ack();
            if (++idle >= SERIAL_IDLE_TICKS) {
                printf("\nserial driver: no input for %d s, bye\n", SERIAL_IDLE_TICKS / 2);
                task_done(1);
            }
            L4_AckInterrupt(irq8);
        }
    }
}

static void kbd_main(void)
{
    L4_ThreadId_t irq1 = L4_InterruptThread(PS2KBD_IRQ);
    int sc;
    while (ps2kbd_read() >= 0)          /* whatever was waiting */
        ;
    printf("kbd driver: waiting for keys; Enter or %d s without input ends the demo\n",
           KBD_IDLE_US / 1000000);
    L4_LoadMR(0, L4ABI_TAG(LBL_TASK_READY, 0, 0));
    L4_Call(L4_Pager());
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(KBD_IDLE_US), &from);
        if (L4_IpcFailed(tag)) {
            printf("kbd driver: no input for %d s, bye\n", KBD_IDLE_US / 1000000);
            task_done(1);
        }
        if (!L4_IsAsyncInterrupt(tag))
            continue;
        while ((sc = ps2kbd_read()) >= 0) {
            char c = ps2kbd_ascii(sc);
            if (c == '\n') {
                printf("\nkbd driver: Enter, bye\n");
                task_done(0);
            }
            if (c)
                printf("kbd driver: scancode %02x '%c'\n", sc, c);
        }
        L4_AckInterrupt(irq1);
    }
}

/* ---- in the shell ---- */

struct portrange { L4_Word_t base, n; };

static int port_ok(L4_Word_t fp, const struct portrange *r)
{
    L4_Word_t port = L4ABI_IOFPAGE_PORT(fp), n = 1ul << L4ABI_IOFPAGE_LOG2(fp);
    for (; r->n; r++)
        if (port >= r->base && port + n <= r->base + r->n)
            return 1;
    return 0;
}

enum { SERVED, NOTHING, DONE, READY };

/* Serves one message of the driver's (waiting at most timeout_us, 0:
 * forever): page faults, I/O faults on its ports; refuses the rest. */
static int serve_one(L4_ThreadId_t drv, const struct portrange *ports, L4_Word_t timeout_us)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = task_wait(drv, timeout_us, &from);
    if (L4_IpcFailed(tag))
        return NOTHING;
    L4_Word_t mr1;
    L4_StoreMR(1, &mr1);
    if (L4_Label(tag) == LBL_TASK_DONE)
        return DONE;
    if (L4_Label(tag) == LBL_TASK_READY) {
        L4_LoadMR(0, 0);
        L4_Reply(drv);
        return READY;
    }
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_IOFAULT && port_ok(mr1, ports))
        L4_PecanMapPorts(drv, L4ABI_IOFPAGE_PORT(mr1), (int)L4ABI_IOFPAGE_LOG2(mr1), 0);
    else if (L4_IpcRedirected(tag))
        printf("shell: the driver may not send to %lx: refused\n", L4_IntendedReceiver().raw);
    else
        printf("shell: refusing request %lx from the driver\n", L4_Label(tag));
    return SERVED;
}

static int attach(L4_ThreadId_t drv, unsigned irq, unsigned bit)
{
    if (L4_PecanAssociateAsync(L4_InterruptThread(irq), drv, bit))
        return 1;
    printf("shell: cannot attach interrupt %u to the driver\n", irq);
    return 0;
}

void demo_serial(void)
{
    static const struct portrange ports[] = {
        { SERIAL_PORT, 8 }, { RTC_PORT, 2 }, { 0, 0 },
    };
    L4_ThreadId_t drv = task_tid(TASK_SERIAL);
    /* The task must exist before its lines can be attached: started at
     * its entry, it faults on its first page and waits for us. */
    if (!task_start_server(drv, serial_main, (L4_Word_t)&drv_stack[1020], "serial")) {
        printf("serial: cannot start the driver task\n");
        return;
    }
    if (attach(drv, SERIAL_IRQ, BIT_SERIAL) && attach(drv, RTC_IRQ, BIT_RTC))
        while (serve_one(drv, ports, 0) != DONE)
            ;
    task_space_note(drv, "serial");
    task_kill(drv);     /* the kernel takes IRQ 4 and the UART back */
    rtc_periodic_stop();
}

/* Types "pecan" and Enter into the 8042's output buffer once the driver
 * is ready, each scancode when the driver has taken the previous one,
 * serving the driver meanwhile; then waits for the driver's end. */
static void type_text(L4_ThreadId_t drv, const struct portrange *ports)
{
    static const unsigned char codes[] = { 0x19, 0x12, 0x2e, 0x1e, 0x31, 0x1c };
    int r;
    while ((r = serve_one(drv, ports, 0)) != READY)
        if (r == DONE)
            return;
    for (unsigned i = 0; i < sizeof(codes); i++) {
        for (int w = 0; w < 100 && (inb(PS2KBD_STATUS) & 1); w++)
            if (serve_one(drv, ports, 10000) == DONE)
                return;
        ps2kbd_inject(codes[i]);
    }
    while (serve_one(drv, ports, 0) != DONE)
        ;
}

void demo_kbd(void)
{
    static const struct portrange ports[] = {
        { PS2KBD_DATA, 1 }, { PS2KBD_STATUS, 1 }, { 0, 0 },
    };
    L4_ThreadId_t drv = task_tid(TASK_KBD);
    if (!task_start_server(drv, kbd_main, (L4_Word_t)&drv_stack[1020], "kbd")) {
        printf("kbd: cannot start the driver task\n");
        return;
    }
    if (attach(drv, PS2KBD_IRQ, BIT_KBD))
        type_text(drv, ports);
    task_space_note(drv, "kbd");
    task_kill(drv);
}
