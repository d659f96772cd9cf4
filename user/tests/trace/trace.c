/* The kernel's trace buffer and profiler (docs/kdb.md) through the kdebug
 * extension L4_KDB_Trace: a known IPC sequence is recorded in order with
 * its partners and tags; kind and thread filters; a page fault round trip
 * through a pager; the ring's overwrite; argument checks; unprivileged
 * callers get a #BP exception instead; the profiler finds a hot loop. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "kdbchild.h"
#include "rtc.h"
#include <l4/pecan.h>

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define K(kind)     (1ul << (kind))
#define LBL_DONE    0x5a0

struct rec { L4_Word_t seq, type, thread, a, b, c, tsc; };

static L4_ThreadId_t me, srv, child;
static L4_Word_t srv_stack[1024] __attribute__((aligned(16)));
static L4_Word_t child_stack[1024] __attribute__((aligned(16)));
static volatile char pf_target[4096] __attribute__((aligned(4096)));

static L4_Word_t tr(L4_Word_t op, L4_Word_t a1, L4_Word_t a2)
{
    return L4_KDB_Trace(op, a1, a2, NULL);
}

static int nrecs(void)
{
    return (int)tr(L4ABI_TRACE_COUNT, 0, 0);
}

static int get(int i, struct rec *r)
{
    if (tr(L4ABI_TRACE_READ, 0, (L4_Word_t)i) != 0)
        return 0;
    L4_StoreMRs(1, 7, &r->seq);
    return 1;
}

/* Echo server: replies with label + 0x100. */
static void server_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_LoadMR(0, L4ABI_TAG(L4_Label(tag) + 0x100, 0, 0));
        tag = L4_ReplyWait(from, &from);
    }
}

static L4_Word_t call(L4_Word_t label)
{
    L4_LoadMR(0, L4ABI_TAG(label, 0, 0));
    L4_MsgTag_t t = L4_Call(srv);
    return L4_IpcFailed(t) ? 0 : L4_Label(t);
}

/* Checks one record against what is expected; prints it on mismatch. */
static int rec_is(const struct rec *r, L4_Word_t type, L4_ThreadId_t th,
                  L4_ThreadId_t partner, L4_Word_t label)
{
    int good = r->type == type && r->thread == th.raw && r->a == partner.raw &&
               (r->b >> 16) == label;
    if (!good)
        diag("record %lu: type %lu thread %lx a %lx b %lx; expected %lu %lx %lx label %lx",
             r->seq, r->type, r->thread, r->a, r->b, type, th.raw, partner.raw, label);
    return good;
}

static void test_ipc_sequence(void)
{
    ok(tr(L4ABI_TRACE_SET_MASK, 0, 0) == 0, "trace is off at boot");
    tr(L4ABI_TRACE_SET_THREAD, me.raw, 0);
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    ok(nrecs() == 0, "cleared: no records");
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC), 0);
    L4_Word_t r1 = call(0x101), r2 = call(0x102), r3 = call(0x103);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    ok(r1 == 0x201 && r2 == 0x202 && r3 == 0x203, "three calls answered");
    int n = nrecs();
    ok(n == 12, "12 IPC records (send and receive of 3 calls and 3 replies): %d", n);
    int good = n == 12;
    L4_Word_t last_tsc = 0;
    for (int i = 0; good && i < 3; i++) {
        struct rec r[4];
        for (int j = 0; j < 4; j++)
            good &= get(4 * i + j, &r[j]);
        L4_Word_t l = 0x101 + (L4_Word_t)i;
        good = good && rec_is(&r[0], L4ABI_TRACE_T_SEND, me, srv, l) &&
               rec_is(&r[1], L4ABI_TRACE_T_RECV, srv, me, l) &&
               rec_is(&r[2], L4ABI_TRACE_T_SEND, srv, me, l + 0x100) &&
               rec_is(&r[3], L4ABI_TRACE_T_RECV, me, srv, l + 0x100);
        for (int j = 0; good && j < 4; j++) {
            good = r[j].seq == (L4_Word_t)(4 * i + j) && r[j].tsc >= last_tsc;
            last_tsc = r[j].tsc;
        }
    }
    ok(good, "the records are call, delivery, reply, delivery, in order, with "
       "partners, tags, consecutive sequence numbers and rising timestamps");
    struct rec r;
    ok(get(0, &r) && r.c == 0 && get(4, &r) && r.c == 1,
       "the first call (server not waiting yet) took the general path, the next the fast path");
}

static void test_filters(void)
{
    /* Kinds: switches only. */
    tr(L4ABI_TRACE_SET_THREAD, 0, 0);
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_SWITCH), 0);
    call(0x111);
    call(0x112);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    int n = nrecs(), sw = 0, other = 0;
    struct rec r;
    for (int i = 0; i < n && get(i, &r); i++) {
        if (r.type == L4ABI_TRACE_T_SWITCH && ((r.thread == me.raw && r.a == srv.raw) ||
                                               (r.thread == srv.raw && r.a == me.raw)))
            sw++;
        else if (r.type != L4ABI_TRACE_T_SWITCH)
            other++;
    }
    ok(sw >= 4 && other == 0, "kind filter: switches only, 4 between us and the server (%d, %d other)",
       sw, other);

    /* Thread: another thread's ID filters our IPC out. */
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_THREAD, L4_GlobalId(77, 1).raw, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC) | K(L4ABI_TRACE_K_SWITCH), 0);
    call(0x113);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    ok(nrecs() == 0, "thread filter: a call between two other threads leaves no record");
    tr(L4ABI_TRACE_SET_THREAD, srv.raw, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC), 0);
    call(0x114);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    ok(nrecs() == 4, "thread filter on the server: its 4 IPC records (%d)", nrecs());
    tr(L4ABI_TRACE_SET_THREAD, 0, 0);
}

static void test_overwrite(void)
{
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC), 0);
    for (int i = 0; i < 400; i++)
        call(0x120);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    int n = nrecs();
    struct rec first, last;
    ok(n > 0 && n < 1600 && get(0, &first) && get(n - 1, &last) &&
       last.seq == 1599 && first.seq == 1600 - (L4_Word_t)n,
       "a full ring keeps the newest %d of 1600 records", n);
}

/* ---- page fault round trip through a pager, and the unprivileged ---- */

static void child_main(void)
{
    L4_Set_ExceptionHandler(me);
    pf_target[100] = 1;                             /* write fault to us */
    L4_Word_t got[3];
    got[0] = L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 0x7f, 0, NULL);
    got[1] = L4_KDB_Trace(L4ABI_TRACE_READ, 0, 0, NULL);
    got[2] = L4_KDB_Trace(L4ABI_TRACE_PROF_START, 0, 0, NULL);
    kdbchild_done(me, LBL_DONE, 3, got);
}

static void test_child(void)
{
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_THREAD, 0, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC) | K(L4ABI_TRACE_K_PF) |
       K(L4ABI_TRACE_K_MAP) | K(L4ABI_TRACE_K_EXC) | K(L4ABI_TRACE_K_THREAD), 0);
    int started = pager_start_child(child, me, child_main, (L4_Word_t)&child_stack[1020],
                                    KIP_AREA, UTCB_AREA);
    ok(started, "unprivileged child space started");
    int bps = started ? kdbchild_answer_bps(child, 3, 0x1000) : 0;
    L4_Word_t res[4] = { 0 };
    if (bps == 3)
        kdbchild_report(child, LBL_DONE, 3, res);
    L4_Word_t mask = tr(L4ABI_TRACE_SET_MASK, 0, 0);
    ok(bps == 3 && res[1] == 0x1000 && res[2] == 0x1001 && res[3] == 0x1002,
       "an unprivileged thread's trace enable, read and profiler start are #BP "
       "exceptions to its handler (%d of 3)", bps);
    ok(mask == (K(L4ABI_TRACE_K_IPC) | K(L4ABI_TRACE_K_PF) | K(L4ABI_TRACE_K_MAP) |
                K(L4ABI_TRACE_K_EXC) | K(L4ABI_TRACE_K_THREAD)),
       "... and did not change the mask (%lx)", mask);

    /* The fault on pf_target: PF, fault IPC to us, our map, the reply. */
    int n = nrecs(), step = 0, creates = 0, bpexc = 0;
    struct rec r;
    for (int i = 0; i < n && get(i, &r); i++) {
        if (r.type == L4ABI_TRACE_T_CREATE && r.a == child.raw)
            creates++;
        if (r.type == L4ABI_TRACE_T_EXC && r.thread == child.raw && r.a == 3)
            bpexc++;
        switch (step) {
        case 0: step += r.type == L4ABI_TRACE_T_PF && r.thread == child.raw &&
                        r.a == (L4_Word_t)&pf_target[100] && (r.c & L4ABI_FPAGE_W); break;
        case 1: step += r.type == L4ABI_TRACE_T_SEND && r.thread == child.raw &&
                        r.a == me.raw && (r.b >> 20) == 0xffe; break;
        case 2: step += r.type == L4ABI_TRACE_T_RECV && r.thread == me.raw &&
                        r.a == child.raw; break;
        case 3: step += r.type == L4ABI_TRACE_T_MAP && r.thread == me.raw &&
                        r.a == child.raw && (r.b >> 12) == (L4_Word_t)pf_target >> 12; break;
        case 4: step += r.type == L4ABI_TRACE_T_RECV && r.thread == child.raw &&
                        r.a == me.raw; break;
        }
    }
    ok(step == 5, "page fault round trip: fault, fault IPC to the pager, its receipt, "
       "the map, the reply's delivery (%d of 5 in order)", step);
    ok(creates == 1, "thread creation recorded");
    ok(bpexc == 3, "the child's three breakpoint exceptions recorded (%d)", bpexc);
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_THREAD), 0);
    L4_ThreadControl(child, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    ok(nrecs() == 1 && get(0, &r) && r.type == L4ABI_TRACE_T_DELETE && r.a == child.raw &&
       r.thread == me.raw, "thread deletion recorded");
}

static void test_bad_input(void)
{
    L4_Word_t r2 = 0;
    ok(tr(L4ABI_TRACE_SET_MASK, 0x100, 0) == ~0ul, "unknown kind bits refused");
    ok(tr(L4ABI_TRACE_SET_MASK, 0, 0) == 0, "... and the mask unchanged");
    ok(tr(L4ABI_TRACE_READ, 0, 1u << 30) == ~0ul && tr(L4ABI_TRACE_READ, 9999, 0) == ~0ul &&
       tr(L4ABI_TRACE_COUNT, 9999, 0) == ~0ul, "read past the end or of a CPU that does not exist refused");
    ok(tr(77, 0, 0) == ~0ul && tr(~0ul, 1, 1) == ~0ul, "unknown operations refused");
    ok(L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 2, 0, &r2) == ~0ul &&
       L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 0, 100000, &r2) == ~0ul &&
       tr(L4ABI_TRACE_PROF_START, 2000000, 0) == ~0ul, "profiler arguments checked");
}

/* ---- an interrupt: the line's entry, then its message to the handler ---- */

static void test_interrupt(void)
{
    L4_ThreadId_t irq8 = L4_InterruptThread(RTC_IRQ);
    int ready = L4_PecanSigma0GetPorts(L4_GlobalId(48, 1), RTC_PORT, 1) &&
                L4_AssociateInterrupt(irq8, me) == 1;
    tr(L4ABI_TRACE_CLEAR, 0, 0);
    tr(L4ABI_TRACE_SET_THREAD, 0, 0);
    tr(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IRQ) | K(L4ABI_TRACE_K_IPC), 0);
    rtc_periodic_start(6);                          /* 1024 Hz */
    L4_MsgTag_t tag = L4_Receive_Timeout(irq8, L4_TimePeriod(100000));
    tr(L4ABI_TRACE_SET_MASK, 0, 0);
    rtc_periodic_stop();
    rtc_ack();
    L4_AckInterrupt(irq8);
    L4_DeassociateInterrupt(irq8);
    int n = nrecs(), step = 0;
    struct rec r;
    for (int i = 0; i < n && get(i, &r) && step < 3; i++) {
        switch (step) {
        case 0: step += r.type == L4ABI_TRACE_T_IRQ && r.a == RTC_IRQ; break;
        case 1: step += r.type == L4ABI_TRACE_T_SEND && r.thread == irq8.raw && r.a == me.raw &&
                        (r.b >> 16) == L4ABI_LABEL_INTERRUPT; break;
        case 2: step += r.type == L4ABI_TRACE_T_RECV && r.thread == me.raw && r.a == irq8.raw; break;
        }
    }
    ok(ready && L4_IpcSucceeded(tag) && step == 3,
       "interrupt: the line's entry, then its message from the interrupt thread (%d of 3)", step);
}

/* ---- profiler: a known hot loop comes out on top ---- */

void hot_spin(L4_Word_t n);
extern char hot_spin_end[];
__asm__(".text\n.globl hot_spin\n.type hot_spin, @function\nhot_spin:\n"
        "    movl 4(%esp), %ecx\n1:  decl %ecx\n    jnz 1b\n    ret\n"
        ".globl hot_spin_end\nhot_spin_end:\n");

static void test_profiler(void)
{
    L4_Word_t src = tr(L4ABI_TRACE_PROF_START, 1, 0);
    ok(src == 1 || src == 2, "profiler started (source %s)",
       src == 2 ? "performance-counter NMI" : "timer interrupt");
    /* Asleep: the samples fall into the kernel's idle loop (the first
     * dump; make test checks its symbol with tools/prof-top). */
    L4_Sleep(L4_TimePeriod(30000));
    L4_Word_t s0 = tr(L4ABI_TRACE_PROF_STOP, 0, 0), c0 = 0;
    L4_Word_t k = L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 0, 0, &c0);
    ok(s0 >= 20 && k >= 0xc0000000ul && c0 * 10 >= s0 * 9,
       "sleeping: the top address is in the kernel (%lx, %lu of %lu samples)", k, c0, s0);
    tr(L4ABI_TRACE_PROF_DUMP, 0, 0);
    tr(L4ABI_TRACE_PROF_CLEAR, 0, 0);
    tr(L4ABI_TRACE_PROF_START, 1, 0);
    hot_spin(20000000);                     /* ~40 M instructions: ~40 ticks */
    L4_Word_t samples = tr(L4ABI_TRACE_PROF_STOP, 0, 0);
    L4_Word_t cnt = 0, cnt2 = 0;
    L4_Word_t top = L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 0, 0, &cnt);
    L4_Word_t top2 = L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 0, 1, &cnt2);
    diag("%lu samples; top %lx (%lu), %lx (%lu); hot_spin %p..%p", samples, top, cnt,
         top2, cnt2, (void *)hot_spin, (void *)hot_spin_end);
    ok(samples >= 20 && top >= (L4_Word_t)hot_spin && top < (L4_Word_t)hot_spin_end &&
       cnt2 <= cnt, "the hot loop is the top address");
    L4_Word_t th = L4_KDB_Trace(L4ABI_TRACE_PROF_TOP, 1, 0, &cnt);
    ok(th == me.raw && cnt * 10 >= samples * 9, "this thread is the top thread (%lu of %lu)",
       cnt, samples);
    ok(tr(L4ABI_TRACE_PROF_DUMP, 0, 0) == samples, "dump printed");
}

int main(void)
{
    tap_plan(28);
    me = L4_Myself();
    srv = L4_GlobalId(L4_ThreadNo(me) + 1, 1);
    child = L4_GlobalId(91, 1);
    L4_ThreadControl(srv, me, me, me, (void *)(UTCB_AREA + 3 * L4ABI_UTCB_SIZE));
    L4_Start_SpIp(srv, (L4_Word_t)&srv_stack[1020], (L4_Word_t)server_main);
    test_ipc_sequence();
    test_filters();
    test_overwrite();
    test_child();
    test_bad_input();
    test_interrupt();
    test_profiler();
    tr(L4ABI_TRACE_DUMP, 0, 0);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
