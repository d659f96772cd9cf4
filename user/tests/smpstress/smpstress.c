/* Multiprocessor stress (docs/smp.md): meant for QEMU's multi-threaded
 * TCG without -icount, where the CPUs really run at the same time. For a
 * bounded time: ping-pong pairs whose client and server sit on different
 * CPUs, a thread that keeps migrating them (migration storm), and a page
 * that we keep flushing while a thread on another CPU writes it (unmap
 * race; its faults come to us: we refault the page from sigma0 and let
 * it retry). Afterwards every counter must
 * balance and no IPC may have failed. Then exceptions raised on CPU 1 go
 * to a handler on CPU 0 that a local caller keeps busy. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "thread.h"
#include "exctest.h"

#define UTCB_AREA   0xbfe00000u
#define STACK_WORDS 1024
#define PAIRS       2
#define RUN_US      1000000     /* at least */
#define MAX_US      30000000    /* at most (a loaded host) */
#define ENOUGH      200         /* flushes and migrations */

static L4_ThreadId_t root;
static L4_Word_t ncpus;
static L4_Word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));
static volatile L4_Word_t calls[PAIRS], replies[PAIRS], bad[PAIRS], served[PAIRS];
static volatile L4_Word_t migrations, writes, stop_all;
static volatile L4_Word_t race_page[1024] __attribute__((aligned(4096)));

static L4_ThreadId_t tid(int no) { return L4_GlobalId((L4_Word_t)no, 1); }
static L4_ThreadId_t server_of(int p) { return tid(70 + 2 * p); }
static L4_ThreadId_t client_of(int p) { return tid(71 + 2 * p); }
static int me_no(void) { return (int)(L4_Myself().raw >> 14); }

static L4_ThreadId_t start(int no, int slot, void (*fn)(void), L4_ThreadId_t pager)
{
    return thread_start(tid(no), pager, fn, stacks[slot], STACK_WORDS,
                        UTCB_AREA + (L4_Word_t)(slot + 1) * L4ABI_UTCB_SIZE);
}

static void server(void)
{
    int p = (me_no() - 70) / 2;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t w;
        L4_StoreMR(1, &w);
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        served[p]++;
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, w * 3 + 1);
        tag = L4_ReplyWait(from, &from);
    }
}

static void client(void)
{
    int p = (me_no() - 71) / 2;
    for (L4_Word_t i = 1; !stop_all; i++) {
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, i);
        calls[p]++;
        L4_MsgTag_t tag = L4_Call(server_of(p));
        L4_Word_t w;
        L4_StoreMR(1, &w);
        if (L4_IpcFailed(tag) || w != i * 3 + 1)
            bad[p]++;
        else
            replies[p]++;
    }
    L4_Sleep(L4_Never);
}

/* Migration storm: every thread of the pairs to a pseudo-random CPU. */
static void migrator(void)
{
    unsigned long x = 12345;
    while (!stop_all) {
        x = x * 1103515245 + 12345;
        L4_ThreadId_t t = (x >> 8) & 1 ? server_of((int)(x >> 9) % PAIRS)
                                       : client_of((int)(x >> 9) % PAIRS);
        if (L4_Set_ProcessorNo(t, (x >> 12) % ncpus))
            migrations++;
        if ((x >> 20) & 1)
            L4_Sleep(L4_TimePeriod(100));
    }
    L4_Sleep(L4_Never);
}

static void writer(void)
{
    while (!stop_all) {
        race_page[(writes * 7) % 1024] = writes;
        writes++;
    }
    L4_Sleep(L4_Never);
}

/* Exception IPC across CPUs to a busy handler (the smp suite's
 * test_exc_homes, mirrored): the handler and busy_caller, which keeps
 * calling it through the IPC fast path and spins in between, both on
 * CPU 0, so that CPU 0 never idles; raiser on CPU 1 raises 100
 * exceptions (ud2 and divide errors in turn). The handler must run on
 * CPU 0 and its replies (sends that wait for their receiver) must wake
 * raiser on CPU 1 while CPU 0 stays busy. Here and not in suite smp:
 * under -icount QEMU 7.2 runs the CPUs in turn and gives CPU 0 every
 * instruction up to the next timer deadline, so a CPU 0 that never
 * idles starves CPU 1 (docs/smp.md, "Tests"). */
#define EXC_HANDLER 82
static volatile L4_Word_t exc_seen, exc_bad, busy_good, busy_bad, busy_stop;
static L4_Word_t my_cpu(void) { return L4_KDB_Stat(L4ABI_KDB_STAT_CPU); }

static void exc_handler(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (L4_Label(tag) == L4ABI_LABEL_EXCEPTION && L4_UntypedWords(tag) == 12) {
            if (my_cpu() == 0)
                exc_seen++;
            else
                exc_bad++;
            tag = exctest_reply(&from);             /* past the ud2 or div */
            continue;
        }
        L4_Word_t w;                                /* busy_caller's call */
        L4_StoreMR(1, &w);
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, w + 1);
        tag = L4_ReplyWait(from, &from);
    }
}

static void busy_caller(void)
{
    for (L4_Word_t i = 0; !busy_stop; i++) {
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, i);
        L4_MsgTag_t tag = L4_Call(tid(EXC_HANDLER));
        L4_Word_t w;
        L4_StoreMR(1, &w);
        if (L4_IpcSucceeded(tag) && w == i + 1)
            busy_good++;
        else
            busy_bad++;
        for (volatile int k = 0; k < 2000; k++)
            ;                                   /* the handler waits, queued */
    }
    L4_Sleep(L4_Never);
}

static void raiser(void)
{
    L4_Set_ExceptionHandler(tid(EXC_HANDLER));
    L4_Receive(root);                               /* go */
    exctest_report(root, exctest_raise(100, 1));
}

static void test_exc_busy_cpu0(void)
{
    L4_ThreadId_t h = start(EXC_HANDLER, 0, exc_handler, L4_nilthread);
    L4_Set_ProcessorNo(h, 0);
    L4_ThreadId_t bc = start(EXC_HANDLER + 1, 1, busy_caller, L4_nilthread);
    L4_Set_ProcessorNo(bc, 0);
    while (busy_good < 5)
        L4_Sleep(L4_TimePeriod(1000));          /* the local pair runs */
    L4_ThreadId_t r = start(EXC_HANDLER + 2, 2, raiser, L4_nilthread);
    L4_Set_ProcessorNo(r, 1);
    L4_LoadMR(0, 0);
    L4_Send(r);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, r, L4_Timeouts(L4_Never, L4_TimePeriod(MAX_US)),
                             &from);
    L4_Word_t resumed = 0;
    L4_StoreMR(1, &resumed);
    busy_stop = 1;
    ok(L4_IpcSucceeded(tag) && exc_seen == 100 && exc_bad == 0 && resumed == 100 &&
       busy_bad == 0,
       "100 exceptions on CPU 1 to a handler on a busy CPU 0: handled there (%lu, elsewhere "
       "%lu), resumed on CPU 1 (%lu); the local pair: %lu good, %lu bad calls", exc_seen,
       exc_bad, L4_IpcSucceeded(tag) ? resumed : 0, busy_good, busy_bad);
    L4_Sleep(L4_TimePeriod(20000));
    thread_delete(r);
    thread_delete(bc);
    thread_delete(h);
}

int main(void)
{
    root = L4_Myself();
    tap_plan(7);
    L4_Set_Priority(root, 200);
    ncpus = L4_NumProcessors(L4_GetKernelInterface());
    ok(ncpus >= 2, "%lu CPUs", ncpus);
    race_page[0] = 0;
    L4_ThreadId_t th[8];
    int n = 0;
    for (int p = 0; p < PAIRS; p++) {
        th[n] = start(70 + 2 * p, n, server, L4_nilthread);
        L4_Set_ProcessorNo(th[n], (L4_Word_t)(p + 1) % ncpus);
        n++;
        th[n] = start(71 + 2 * p, n, client, L4_nilthread);
        L4_Set_ProcessorNo(th[n], (L4_Word_t)p % ncpus);
        n++;
    }
    th[n] = start(80, n, migrator, L4_nilthread);
    L4_Set_Priority(th[n], 160);
    L4_Set_ProcessorNo(th[n], ncpus - 1);     /* away from us (we flush a lot) */
    /* The migrator becomes the pairs' scheduler (Schedule needs that). */
    for (int i = 0; i < n; i++) {
        L4_Set_Priority(th[i], 150);
        L4_ThreadControl(th[i], root, th[n], L4_nilthread, (void *)~0ul);
    }
    n++;
    writes = 0;
    L4_ThreadId_t wr = th[n] = start(81, n, writer, root);
    L4_Set_Priority(wr, 50);
    L4_Set_ProcessorNo(wr, 1);
    n++;
    /* Unmap race: flush the page the writer writes, again and again. */
    L4_Word_t flushes = 0, faults = 0, wild = 0;
    L4_Word_t t0 = (L4_Word_t)L4_SystemClock().raw, t;
    while ((t = (L4_Word_t)L4_SystemClock().raw - t0) < MAX_US &&
           (t < RUN_US || flushes < ENOUGH || migrations < ENOUGH)) {
        L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)race_page, 12), L4_FullyAccessible));
        (void)race_page[0];     /* refault it from sigma0 */
        flushes++;
        L4_MsgTag_t tag = L4_Receive_Timeout(wr, L4_TimePeriod(200));
        if (L4_IpcSucceeded(tag)) {
            L4_Word_t addr;
            L4_StoreMR(1, &addr);
            faults++;
            if ((addr & ~0xfffu) != (L4_Word_t)race_page)
                wild++;
            (void)race_page[0]; /* ours again: the writer retries */
            L4_LoadMR(0, 0);
            L4_Reply(wr);
        }
    }
    stop_all = 1;
    L4_Sleep(L4_TimePeriod(20000));
    for (int i = 0; i < n; i++)
        thread_delete(th[i]);
    L4_Word_t c = 0, r = 0, b = 0, s = 0;
    for (int p = 0; p < PAIRS; p++) {
        c += calls[p];
        r += replies[p];
        b += bad[p];
        s += served[p];
    }
    diag("%lu calls, %lu migrations, %lu flushes, %lu writes, %lu IPIs",
         c, migrations, flushes, writes, L4_KDB_Stat(L4ABI_KDB_STAT_IPIS));
    ok(c > 1000 && migrations >= ENOUGH, "the pairs and the migrator ran (%lu calls)", c);
    is(b, 0, "no call failed or got a wrong answer");
    ok(c - r <= PAIRS && s >= r && s - r <= PAIRS,
       "calls, replies and served messages balance (%lu %lu %lu)", c, r, s);
    /* On a loaded host with more vCPUs than cores a shootdown waits for
     * descheduled vCPUs: fewer flushes fit the time cap (still a race). */
    ok(flushes >= ENOUGH / 10 && writes > 1000 && wild == 0,
       "unmap race ran (%lu flushes, %lu faults, %lu elsewhere)", flushes, faults, wild);
    ok(race_page[((writes - 1) * 7) % 1024] == writes - 1, "the page kept the writer's last value");
    test_exc_busy_cpu0();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
