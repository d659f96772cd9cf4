/* Interrupts as IPC, driven by the RTC periodic interrupt (IRQ 8) and the
 * COM1 transmitter-empty interrupt (IRQ 4): X.2 synchronous delivery,
 * pending while the handler is busy, ack unmasks, detach, refused
 * attaches, direct switch, Pecan asynchronous binding (coalescing count,
 * several lines in one wait) and an interrupt storm against a slow
 * handler. The root task drives a handler thread H in its own space. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include "libc.h"
#include "tap.h"
#include "rtc.h"
#include "serial.h"
#include "ps2kbd.h"

#define UTCB_AREA 0xbfe00000u
#define H_NO      120

enum { CMD_WAIT, CMD_WAIT_ANY, CMD_CLEAR_RTC, CMD_ACK, CMD_ACK_WAIT, CMD_STORM, CMD_SCHED,
       CMD_ACK_WAIT_NEVER };

static L4_ThreadId_t main_tid, h_tid;
static L4_ThreadId_t irq8, irq4;
static L4_Word_t h_stack[1024] __attribute__((aligned(16)));
static L4_Word_t t2_stack[256] __attribute__((aligned(16)));
static volatile int t2_result;

static void t2_sleep(void)
{
    L4_Sleep(L4_Never);
}

/* A fresh thread with a deleted handler's ID must not inherit its line. */
static void t2_main(void)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(L4_InterruptThread(RTC_IRQ), L4_TimePeriod(5000));
    t2_result = L4_IpcFailed(tag) ? 1 : 2;
    L4_Sleep(L4_Never);
}

static void start_t2(L4_ThreadId_t t2, void (*fn)(void))
{
    L4_ThreadControl(t2, main_tid, main_tid, main_tid, (void *)(UTCB_AREA + 0x400));
    L4_Start_SpIp(t2, (L4_Word_t)&t2_stack[250], (L4_Word_t)fn);
}
static volatile int h_got;          /* set by H when an interrupt arrives */

/* L: a second handler, between us and H in priority, for the nested
 * interrupt test (lazy queueing, kernel/sched.c): woken by the keyboard
 * interrupt it runs without a place in the ready queue; the RTC
 * interrupt for H then preempts it, and the interrupt path must link it,
 * or nothing would run it again once H blocks. */
#define L_NO (H_NO + 2)
static L4_ThreadId_t l_tid;
static L4_Word_t l_stack[1024] __attribute__((aligned(16)));
static volatile int l_state;    /* 1 woken by IRQ 1, 2 saw H's interrupt */

static void l_main(void)
{
    for (;;) {
        L4_Receive(main_tid);               /* go */
        L4_ThreadId_t irq1 = L4_InterruptThread(PS2KBD_IRQ);
        L4_MsgTag_t tag = L4_Receive(irq1);
        if (L4_IpcFailed(tag)) {
            l_state = -1;
            continue;
        }
        l_state = 1;
        rtc_periodic_start(6);              /* H waits for it */
        for (unsigned long n = 0; n < 20000000ul && !h_got; n++)
            ;
        rtc_periodic_stop();
        l_state = h_got ? 2 : -2;
        (void)ps2kbd_read();
        L4_AckInterrupt(irq1);
    }
}

static L4_Word_t stat(L4_Word_t which) { return L4_KDB_Stat(which); }
static void sleep_ms(L4_Word_t ms) { L4_Sleep(L4_TimePeriod(ms * 1000)); }

/* We spin (in user mode, below H's priority) until the line was raised
 * past `raised`, at most `bound` rounds, then a while longer: time for a
 * handler that outranks us to run, which sets h_got. */
static void spin_past_raise(L4_Word_t raised, unsigned long bound)
{
    unsigned long n = 0;
    while (stat(L4ABI_KDB_STAT_IRQ_RAISED) == raised && n < bound)
        n++;
    for (int k = 0; k < 200000 && !h_got; k++)
        ;
}

/* Waits (bounded) for the raised counter to pass `old`. The test runner
 * puts QEMU's RTC on the guest's instruction-counted clock (-rtc
 * clock=vm), so how many ticks pass is the same on every run. */
static L4_Word_t wait_raised(L4_Word_t old)
{
    for (int i = 0; i < 2000 && stat(L4ABI_KDB_STAT_IRQ_RAISED) <= old; i++)
        sleep_ms(1);
    return stat(L4ABI_KDB_STAT_IRQ_RAISED);
}

struct res { L4_Word_t err, label, from, u, mr1, mr2; };

static void load_res(const struct res *r)
{
    L4_LoadMR(0, L4ABI_TAG(0x66, 6, 0));
    L4_LoadMR(1, r->err);
    L4_LoadMR(2, r->label);
    L4_LoadMR(3, r->from);
    L4_LoadMR(4, r->u);
    L4_LoadMR(5, r->mr1);
    L4_LoadMR(6, r->mr2);
}

static void got(struct res *r, L4_MsgTag_t tag, L4_ThreadId_t from)
{
    r->err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    r->label = L4_Label(tag);
    r->from = from.raw;
    r->u = L4_UntypedWords(tag);
    L4_StoreMR(1, &r->mr1);
    L4_StoreMR(2, &r->mr2);
    h_got = 1;
}

/* H: executes commands from the main thread, reports a result each. */
static void h_main(void)
{
    struct res r = { 0, 0, 0, 0, 0, 0 };
    for (;;) {
        load_res(&r);
        L4_MsgTag_t tag = L4_Call(main_tid);
        L4_Word_t cmd, arg;
        L4_StoreMR(1, &cmd);
        L4_StoreMR(2, &arg);
        L4_ThreadId_t it = L4_InterruptThread(arg), from = L4_nilthread;
        struct res z = { 0, 0, 0, 0, 0, 0 };
        r = z;
        if (L4_IpcFailed(tag))
            continue;
        switch (cmd) {
        case CMD_ACK_WAIT:
            tag = L4_AckInterrupt(it);
            /* fall through */
        case CMD_WAIT:
            tag = L4_Receive_Timeout(it, L4_TimePeriod(2000000));
            got(&r, tag, it);
            break;
        case CMD_WAIT_ANY:
            tag = L4_Wait_Timeout(L4_TimePeriod(2000000), &from);
            got(&r, tag, from);
            break;
        case CMD_CLEAR_RTC:
            r.mr1 = rtc_ack();
            break;
        case CMD_ACK:
            tag = L4_AckInterrupt(it);
            r.err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
            break;
        case CMD_ACK_WAIT_NEVER:    /* ack, then a receive with no timeout */
            L4_AckInterrupt(it);
            tag = L4_Receive(it);
            got(&r, tag, it);
            break;
        case CMD_SCHED:         /* Schedule on the line's interrupt thread */
            r.mr1 = L4_Set_Priority(it, 10);
            r.err = r.mr1 ? 0 : L4_ErrorCode();
            break;
        case CMD_STORM: {
            /* arg interrupts, each served slowly, then acknowledged. */
            for (L4_Word_t n = 0; n < arg; n++) {
                tag = L4_Receive_Timeout(irq8, L4_TimePeriod(2000000));
                if (L4_IpcFailed(tag)) {
                    r.err = L4_ErrorCode();
                    break;
                }
                r.mr1++;
                for (volatile int spin = 0; spin < 20000; spin++)
                    ;
                rtc_ack();
                L4_AckInterrupt(irq8);
            }
            break;
        }
        }
    }
}

/* H's report of the command it was sent last. */
static struct res rcv_res(void)
{
    struct res r;
    L4_Receive(h_tid);
    L4_StoreMR(1, &r.err);
    L4_StoreMR(2, &r.label);
    L4_StoreMR(3, &r.from);
    L4_StoreMR(4, &r.u);
    L4_StoreMR(5, &r.mr1);
    L4_StoreMR(6, &r.mr2);
    return r;
}

/* Command c with its argument to H, not waiting for its result. */
static void cmd_send(L4_Word_t c, L4_Word_t arg)
{
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, c);
    L4_LoadMR(2, arg);
    L4_Send(h_tid);
}

static struct res cmd(L4_Word_t c, L4_Word_t arg)
{
    cmd_send(c, arg);
    return rcv_res();
}

int main(void)
{
    tap_plan(54);
    main_tid = L4_Myself();
    h_tid = L4_GlobalId(H_NO, 1);
    irq8 = L4_InterruptThread(RTC_IRQ);
    irq4 = L4_InterruptThread(SERIAL_IRQ);
    L4_ThreadId_t s0 = L4_GlobalId(48, 1);

    ok(L4_PecanSigma0GetPorts(s0, RTC_PORT, 1) && L4_PecanSigma0GetPorts(s0, SERIAL_PORT, 3),
       "RTC and COM1 ports from sigma0");

    /* H: a thread of our space, above us in priority. */
    L4_ThreadControl(h_tid, main_tid, main_tid, main_tid, (void *)(UTCB_AREA + 0x200));
    L4_Start_SpIp(h_tid, (L4_Word_t)&h_stack[1020], (L4_Word_t)h_main);
    L4_Set_Priority(h_tid, 200);
    l_tid = L4_GlobalId(L_NO, 1);
    L4_ThreadControl(l_tid, main_tid, main_tid, main_tid, (void *)(UTCB_AREA + 0x600));
    L4_Start_SpIp(l_tid, (L4_Word_t)&l_stack[1020], (L4_Word_t)l_main);
    L4_Set_Priority(l_tid, 150);
    L4_Set_Priority(main_tid, 100);
    L4_ThreadId_t f;
    L4_Receive(h_tid);          /* H's first (empty) report */
    (void)f;

    L4_Word_t r = L4_AssociateInterrupt(L4_InterruptThread(0), h_tid);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_THREAD, "attach to the timer line refused");
    r = L4_AssociateInterrupt(L4_InterruptThread(2), h_tid);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_THREAD, "attach to the PIC cascade refused");
    r = L4_AssociateInterrupt(L4_InterruptThread(40), h_tid);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_THREAD, "attach to a nonexistent line refused");
    r = L4_AssociateInterrupt(irq8, L4_GlobalId(3000, 1));
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_THREAD, "attach of a nonexistent handler refused");
    r = L4_ThreadControl(irq8, main_tid, L4_nilthread, h_tid, (void *)~0ul);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_SPACE, "space must be the interrupt thread");

    ok(L4_AssociateInterrupt(irq8, h_tid) == 1, "attach IRQ 8 to H");
    rtc_periodic_start(6);      /* 1024 Hz */
    L4_Word_t d0 = stat(L4ABI_KDB_STAT_IRQ_DELIVERED);
    struct res x = cmd(CMD_WAIT, RTC_IRQ);
    ok(x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.u == 0 && x.from == irq8.raw,
       "interrupt IPC: label %lx, u %lu, from %lx", x.label, x.u, x.from);
    ok(stat(L4ABI_KDB_STAT_IRQ_DELIVERED) == d0 + 1, "one delivery counted");

    /* Not acknowledged: no second delivery. On the IO-APIC (24 lines:
     * line 20 has a destination) the RTC's edge-triggered line is masked
     * lazily: it stays unmasked while its interrupt is in service, and
     * the next interrupt, raised before the ack, masks it and is held
     * pending (counted once, delivered after the ack, below). The 8259's
     * lines are masked at every interrupt: nothing is raised. */
    int lazy = stat(L4ABI_KDB_STAT_IRQ_DEST(20)) != ~0ul;
    cmd(CMD_CLEAR_RTC, 0);
    L4_Word_t raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    d0 = stat(L4ABI_KDB_STAT_IRQ_DELIVERED);
    sleep_ms(30);
    ok(stat(L4ABI_KDB_STAT_IRQ_RAISED) == raised + (lazy ? 1 : 0) &&
       stat(L4ABI_KDB_STAT_IRQ_DELIVERED) == d0,
       "interrupt_before_ack_held_pending: raised %lu, delivered %lu (lazy %d)",
       stat(L4ABI_KDB_STAT_IRQ_RAISED) - raised, stat(L4ABI_KDB_STAT_IRQ_DELIVERED) - d0, lazy);

    /* Acked while H is busy (waiting for us): exactly one stays pending. */
    x = cmd(CMD_ACK, RTC_IRQ);
    ok(x.err == 0, "ack by the handler succeeds");
    d0 = stat(L4ABI_KDB_STAT_IRQ_DELIVERED);
    wait_raised(raised);
    sleep_ms(30);
    ok(stat(L4ABI_KDB_STAT_IRQ_RAISED) == raised + 1 &&
       stat(L4ABI_KDB_STAT_IRQ_DELIVERED) == d0, "ack unmasks; interrupt pending while H is busy");
    x = cmd(CMD_WAIT, RTC_IRQ);
    ok(x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT &&
       stat(L4ABI_KDB_STAT_IRQ_DELIVERED) == d0 + 1, "pending interrupt delivered when H waits");
    /* Once: the line stays masked until the next ack (its edges are
     * dropped by the controller), nothing more is raised or delivered. */
    L4_Word_t r1 = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    sleep_ms(30);
    ok(stat(L4ABI_KDB_STAT_IRQ_RAISED) == r1 && stat(L4ABI_KDB_STAT_IRQ_DELIVERED) == d0 + 1,
       "held_interrupt_delivered_once");

    L4_MsgTag_t tag = L4_AckInterrupt(irq8);
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_NOPARTNER,
       "ack by a thread other than the handler refused");

    /* Direct switch: H waits, we run; the interrupt switches to H. If the
     * interrupt beat H to its receive (no spin), that round proves
     * nothing: try again. */
    unsigned long spins = 0;
    L4_Word_t dir0 = 0, fi0 = stat(L4ABI_KDB_STAT_FAST_IRQS);
    for (int round = 0; round < 5 && spins == 0; round++) {
        cmd(CMD_CLEAR_RTC, 0);
        dir0 = stat(L4ABI_KDB_STAT_IRQ_DIRECT);
        h_got = 0;
        cmd_send(CMD_ACK_WAIT, RTC_IRQ);
        while (!h_got && spins < 400000000ul)
            spins++;
        L4_Receive(h_tid);
    }
    ok(h_got && spins > 0 && stat(L4ABI_KDB_STAT_IRQ_DIRECT) > dir0,
       "interrupt switches directly to the waiting handler (%lu spins)", spins);
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);       /* 0 or 1 */
    ok(fp <= 1 && (fp ? stat(L4ABI_KDB_STAT_FAST_IRQS) > fi0 : stat(L4ABI_KDB_STAT_FAST_IRQS) == 0),
       "interrupt_to_waiting_handler_takes_fast_path");
    /* The entry's own path (irq_fast.S): H acks (the acknowledgement's
     * short path) and waits in a sysenter receive with no timeout, we spin
     * in user mode below it. The RTC restarts only once H waits. */
    L4_Word_t fe0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY), fa0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ACKS);
    rtc_periodic_stop();
    cmd(CMD_CLEAR_RTC, 0);
    h_got = 0;
    cmd_send(CMD_ACK_WAIT_NEVER, RTC_IRQ); /* H runs at once: it outranks us */
    rtc_periodic_start(6);
    spins = 0;
    while (!h_got && spins < 400000000ul)
        spins++;
    x = rcv_res();
    L4_Word_t fe = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY), fa = stat(L4ABI_KDB_STAT_FAST_IRQ_ACKS);
    ok(h_got && x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.u == 0 && x.from == irq8.raw,
       "interrupt to a handler waiting without timeout: label %lx from %lx", x.label, x.from);
    ok(fp ? fe != ~0ul && fe > fe0 : fe == 0, "interrupt_from_user_takes_entry_fast_path");
    ok(fp ? fa != ~0ul && fa > fa0 : fa == 0, "interrupt_ack_takes_short_path");
    /* The same with a trace kind on that no interrupt delivery records
     * (mappings): the entry's path (its assembly, which refuses only the
     * interrupt, IPC and switch kinds; before, its C part) delivers the
     * same message and counts the same entry-path delivery. */
    L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 1u << L4ABI_TRACE_K_MAP, 0, NULL);
    rtc_periodic_stop();
    cmd(CMD_CLEAR_RTC, 0);
    fe0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    h_got = 0;
    cmd_send(CMD_ACK_WAIT_NEVER, RTC_IRQ);
    rtc_periodic_start(6);
    spins = 0;
    while (!h_got && spins < 400000000ul)
        spins++;
    x = rcv_res();
    fe = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 0, 0, NULL);
    ok(h_got && x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.u == 0 && x.from == irq8.raw &&
       (fp ? fe != ~0ul && fe > fe0 : fe == 0),
       "interrupt_with_other_trace_kind_takes_entry_c_path: label %lx from %lx", x.label, x.from);

    /* Asynchronous through the entry's assembly path: H acks and waits
     * without timeout, we spin in user mode below it; MR1 is the bit
     * given at the attach (the line record's mask, set there). */
    rtc_periodic_stop();
    cmd(CMD_CLEAR_RTC, 0);
    ok(L4_PecanAssociateAsync(irq8, h_tid, 7) == 1, "async attach of IRQ 8, bit 7");
    fe0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    h_got = 0;
    cmd_send(CMD_ACK_WAIT_NEVER, RTC_IRQ); /* H acks and waits at once: it outranks us */
    rtc_periodic_start(6);
    spins = 0;
    while (!h_got && spins < 400000000ul)
        spins++;
    x = rcv_res();
    fe = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    ok(h_got && x.err == 0 && x.label == L4ABI_LABEL_ASYNC_IRQ && x.u == 2 &&
       x.mr1 == (1u << 7) && x.mr2 >= 1 && x.from == irq8.raw &&
       (fp ? fe != ~0ul && fe > fe0 : fe == 0),
       "async_interrupt_from_user_takes_entry_fast_path: mask %lx", x.mr1);
    rtc_periodic_stop();
    cmd(CMD_CLEAR_RTC, 0);
    ok(L4_AssociateInterrupt(irq8, h_tid) == 1, "IRQ 8 synchronous again");

    cmd(CMD_CLEAR_RTC, 0);
    cmd(CMD_ACK, RTC_IRQ);

    /* Detach: the line is masked, H's ack is refused. */
    ok(L4_DeassociateInterrupt(irq8) == 1, "detach IRQ 8");
    cmd(CMD_CLEAR_RTC, 0);
    x = cmd(CMD_ACK, RTC_IRQ);
    ok(x.err != 0, "ack after detach refused");
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    sleep_ms(30);
    is(stat(L4ABI_KDB_STAT_IRQ_RAISED), raised, "detached line raises nothing");

    /* Asynchronous: three interrupts coalesce into one notification. */
    rtc_periodic_stop();
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);  /* an old edge may fire at attach */
    ok(L4_PecanAssociateAsync(irq8, h_tid, 3) == 1, "async attach of IRQ 8, bit 3");
    rtc_periodic_start(6);
    L4_Word_t now = wait_raised(raised);
    for (int i = 0; i < 2; i++) {
        cmd(CMD_CLEAR_RTC, 0);
        cmd(CMD_ACK, RTC_IRQ);
        now = wait_raised(now);
    }
    x = cmd(CMD_WAIT_ANY, 0);
    L4_Word_t n = stat(L4ABI_KDB_STAT_IRQ_RAISED) - raised;
    ok(x.err == 0 && x.label == L4ABI_LABEL_ASYNC_IRQ && x.mr1 == (1u << 3) && x.from == irq8.raw,
       "async notification: label %lx mask %lx", x.label, x.mr1);
    ok(n >= 3 && x.mr2 == n, "coalesced count %lu = interrupts raised %lu", x.mr2, n);

    /* Two lines, one wait: IRQ 8 and COM1's transmitter-empty IRQ 4. */
    ok(L4_PecanAssociateAsync(irq4, h_tid, 5) == 1, "async attach of IRQ 4, bit 5");
    cmd(CMD_CLEAR_RTC, 0);
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    cmd(CMD_ACK, RTC_IRQ);
    serial_irq_enable(SERIAL_IER_THRE);
    wait_raised(wait_raised(raised));
    x = cmd(CMD_WAIT_ANY, 0);
    serial_irq_disable();
    ok(x.err == 0 && x.label == L4ABI_LABEL_ASYNC_IRQ && x.mr1 == ((1u << 3) | (1u << 5)),
       "one wait learns both lines: mask %lx", x.mr1);
    L4_DeassociateInterrupt(irq4);


    /* PS/2 keyboard: a scancode injected through the 8042 raises IRQ 1. */
    ok(L4_PecanSigma0GetPorts(s0, PS2KBD_DATA, 0) && L4_PecanSigma0GetPorts(s0, PS2KBD_STATUS, 0),
       "8042 ports from sigma0");
    while (ps2kbd_read() >= 0)
        ;
    L4_ThreadId_t irq1 = L4_InterruptThread(PS2KBD_IRQ);
    ok(L4_AssociateInterrupt(irq1, h_tid) == 1, "attach IRQ 1 to H");
    ps2kbd_inject(0x10);
    x = cmd(CMD_WAIT, PS2KBD_IRQ);
    int sc = ps2kbd_read();
    ok(x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.from == irq1.raw,
       "keyboard interrupt delivered (from %lx)", x.from);
    ok(sc == 0x10 && ps2kbd_ascii(sc) == 'q', "scancode %#x reads as '%c'", sc,
       sc >= 0 && ps2kbd_ascii(sc) ? ps2kbd_ascii(sc) : '?');
    cmd(CMD_ACK, PS2KBD_IRQ);
    L4_DeassociateInterrupt(irq1);

    /* Deleting a handler detaches its line, pending interrupt included. */
    L4_ThreadId_t t2 = L4_GlobalId(H_NO + 1, 1);
    start_t2(t2, t2_sleep);
    rtc_periodic_stop();
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    ok(L4_PecanAssociateAsync(irq8, t2, 0) == 1, "attach IRQ 8 to a thread that never waits");
    rtc_periodic_start(6);
    ok(wait_raised(raised) > raised, "interrupt pending for it");
    L4_ThreadControl(t2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    t2_result = 0;
    start_t2(t2, t2_main);
    for (int i = 0; i < 100 && !t2_result; i++)
        sleep_ms(1);
    ok(t2_result == 1, "deleted handler's line detached: new thread with its ID gets nothing");
    L4_ThreadControl(t2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);

    /* Nested interrupts: L (150), woken by IRQ 1, is interrupted by IRQ 8
     * for H (200); once H blocks, L must run on. H waits with and without
     * a receive timeout: the interrupt entry's C part and its assembly. */
    L4_DeassociateInterrupt(irq1);
    ok(L4_AssociateInterrupt(irq1, l_tid) == 1 && L4_AssociateInterrupt(irq8, h_tid) == 1,
       "attach IRQ 1 to L and IRQ 8 to H");
    for (int variant = 0; variant < 2; variant++) {
        cmd(CMD_CLEAR_RTC, 0);
        while (ps2kbd_read() >= 0)
            ;
        h_got = 0;
        l_state = 0;
        cmd_send(variant ? CMD_ACK_WAIT_NEVER : CMD_WAIT, RTC_IRQ);
        L4_LoadMR(0, 0);
        L4_Send(l_tid);                     /* L waits for IRQ 1 */
        ps2kbd_inject(0x10);
        /* We run only when L and H do not: after L's end, or if L was
         * lost. */
        for (unsigned long n = 0; n < 20000000ul && l_state < 2 && l_state >= 0; n++)
            ;
        int seen = l_state;
        x = rcv_res();
        ok(seen == 2 && x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.from == irq8.raw,
           "nested_interrupt_preempted_handler_runs_on (%s: L %d, H err %lx)",
           variant ? "no timeout" : "timeout", seen, x.err);
        rtc_periodic_stop();
        cmd(CMD_ACK, RTC_IRQ);
    }
    L4_DeassociateInterrupt(irq1);
    L4_DeassociateInterrupt(irq8);

    /* Storm: 8192 Hz against a slow synchronous handler. */
    rtc_periodic_stop();
    ok(L4_AssociateInterrupt(irq8, h_tid) == 1, "back to synchronous delivery");
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    d0 = stat(L4ABI_KDB_STAT_IRQ_DELIVERED);
    rtc_periodic_start(3);
    L4_Word_t t0 = (L4_Word_t)L4_SystemClock().raw;
    x = cmd(CMD_STORM, 300);
    rtc_periodic_stop();
    L4_Word_t dr = stat(L4ABI_KDB_STAT_IRQ_DELIVERED) - d0;
    L4_Word_t rr = stat(L4ABI_KDB_STAT_IRQ_RAISED) - raised;
    /* Every raised interrupt reaches the handler exactly once (one may
     * still be pending at the end, or have come before the attach). */
    ok(x.err == 0 && x.mr1 == 300 && dr == 300 && rr >= 299 && rr <= 301,
       "storm: handler got %lu, delivered %lu, raised %lu", x.mr1, dr, rr);
    ok((L4_Word_t)L4_SystemClock().raw > t0, "kernel clock still advances");
    L4_DeassociateInterrupt(irq8);
    L4_Sleep(L4_TimePeriod(1000));
    ok(1, "kernel responsive after the storm (we run)");

    /* X.2: the scheduler of an interrupt thread (here: whoever attached
     * the line) sets its priority, and that priority decides whether the
     * interrupt preempts the running thread. We run at 100, H at 200. */
    ok(L4_AssociateInterrupt(irq8, h_tid) == 1, "attach IRQ 8 to H once more");
    ok(L4_Set_Priority(irq8, 50) != 0,
       "interrupt_thread_priority_set_by_its_scheduler (Schedule on IRQ 8)");
    x = cmd(CMD_SCHED, RTC_IRQ);
    ok(x.err == L4ABI_ERR_NO_PRIVILEGE, "Schedule on an interrupt thread by another thread refused");
    ok(L4_Set_Priority(L4_GlobalId(32, 1), 10) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_THREAD,
       "Schedule on the kernel's own (idle) thread refused");
    cmd(CMD_CLEAR_RTC, 0);
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    dir0 = stat(L4ABI_KDB_STAT_IRQ_DIRECT);
    h_got = 0;
    cmd_send(CMD_WAIT, RTC_IRQ);
    rtc_periodic_start(6);
    spin_past_raise(raised, 400000000ul);
    int preempted = h_got || stat(L4ABI_KDB_STAT_IRQ_DIRECT) != dir0;
    L4_Word_t raised_now = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    x = rcv_res();              /* we block: the interrupt thread may send */
    rtc_periodic_stop();
    ok(!preempted && raised_now > raised && x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT &&
       x.from == irq8.raw,
       "interrupt_thread_below_current_priority_delivers_after_current_blocks");
    L4_DeassociateInterrupt(irq8);

    /* A handler below the interrupted thread: no switch, no fast path; it
     * gets the interrupt once we block. Last: at 100 we could not raise H
     * back to 200. The interrupt thread ranks with us (not below), so
     * that only the handler's rank keeps it waiting. */
    ok(L4_AssociateInterrupt(irq8, h_tid) == 1 && L4_Set_Priority(irq8, 100) != 0,
       "IRQ 8 to H once more, its interrupt thread at our priority");
    L4_Set_Priority(h_tid, 50);
    rtc_periodic_stop();
    cmd(CMD_CLEAR_RTC, 0);
    fe0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    dir0 = stat(L4ABI_KDB_STAT_IRQ_DIRECT);
    h_got = 0;
    cmd_send(CMD_ACK_WAIT_NEVER, RTC_IRQ);
    sleep_ms(2);                /* H acks and waits */
    raised = stat(L4ABI_KDB_STAT_IRQ_RAISED);
    rtc_periodic_start(6);
    spin_past_raise(raised, 200000ul);
    int early = h_got;
    x = rcv_res();
    ok(!early && x.err == 0 && x.label == L4ABI_LABEL_INTERRUPT && x.from == irq8.raw &&
       stat(L4ABI_KDB_STAT_IRQ_DIRECT) == dir0,
       "interrupt_to_lower_priority_handler_waits_for_current");
    fe = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    ok(fe == fe0, "lower-priority handler: no entry fast path");
    L4_DeassociateInterrupt(irq8);

    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
