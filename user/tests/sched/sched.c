/* Scheduler and kernel-memory tests: timer preemption, round robin among
 * equal priorities, total quantum exhaustion, lazy queueing (a thread
 * switched to by an IPC handoff is linked when it is preempted), invalid
 * thread IDs costing no memory, and the lazy kernel-space sync being
 * taken. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define STACK_WORDS 1024

static L4_ThreadId_t root;
static L4_Word_t stacks[6][STACK_WORDS] __attribute__((aligned(16)));
static volatile unsigned long spins[4];
static volatile int last_runner, switches;
static volatile int woke;

static L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }

static L4_ThreadId_t start(int no, int slot, void (*fn)(void))
{
    L4_ThreadId_t t = tid(no);
    if (L4_ThreadControl(t, root, root, L4_nilthread,
                         (void *)(UTCB_AREA + (slot + 1) * L4ABI_UTCB_SIZE)) != 1)
        return L4_nilthread;
    L4_Start_SpIp(t, (L4_Word_t)&stacks[slot][STACK_WORDS - 4], (L4_Word_t)fn);
    return t;
}

static void stop(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void sleep_us(L4_Word_t us)
{
    L4_Sleep(L4_TimePeriod(us));
}

/* Spinner i counts forever and notes when the CPU passed to it. */
static void spin(int i)
{
    for (;;) {
        if (last_runner != i) {
            last_runner = i;
            switches++;
        }
        spins[i]++;
    }
}
static void spin0(void) { spin(0); }
static void spin1(void) { spin(1); }
static void spin2(void) { spin(2); }

static void sleeper(void)
{
    sleep_us(5000);
    woke = 1;                   /* preempts spinner 2 when the timer fires */
    woke = 2 + (int)(spins[2] != 0);
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_round_robin(void)
{
    last_runner = -1;
    switches = 0;
    L4_ThreadId_t a = start(60, 0, spin0), b = start(61, 1, spin1);
    L4_Set_Priority(a, 50);
    L4_Set_Priority(b, 50);
    sleep_us(60000);            /* ~6 time slices of 10 ms */
    unsigned long sa = spins[0], sb = spins[1];
    int sw = switches;
    stop(a);
    stop(b);
    ok(sa > 0 && sb > 0, "both equal-priority spinners ran (%lu, %lu)", sa, sb);
    ok(sw >= 4, "equal priorities alternate on the timer tick (%d switches)", sw);
}

static void test_preemption(void)
{
    woke = 0;
    spins[2] = 0;
    L4_ThreadId_t lo = start(62, 2, spin2);
    L4_Set_Priority(lo, 40);
    L4_ThreadId_t hi = start(63, 3, sleeper);
    L4_Set_Priority(hi, 60);
    sleep_us(20000);
    ok(woke == 3, "a woken higher-priority thread preempts a busy lower one (%d)", woke);
    stop(lo);
    stop(hi);
}

static void test_quantum(void)
{
    spins[0] = 0;
    L4_ThreadId_t t = start(64, 4, spin0);
    L4_Word_t old;
    /* time slice 2 ms, total quantum 20 ms */
    L4_Word_t tc = (L4_Word_t)L4_TimePeriod(2000).raw << 16 | L4_TimePeriod(20000).raw;
    L4_Word_t r = L4_Schedule(t, tc, ~0ul, 30, ~0ul, &old);
    ok(r != 0, "Schedule sets a 20 ms total quantum (result %lu)", r);
    sleep_us(60000);
    unsigned long s1 = spins[0];
    sleep_us(20000);
    unsigned long s2 = spins[0];
    ok(s1 > 0 && s1 == s2, "thread stops once its total quantum is used (%lu, %lu)", s1, s2);
    r = L4_Schedule(t, L4_TimePeriod(20000).raw, ~0ul, ~0ul, ~0ul, &old);
    sleep_us(10000);
    ok(spins[0] > s2, "a new quantum lets it run again (%lu > %lu)", spins[0], s2);
    stop(t);
}

/* Lazy queueing (kernel/sched.c): a thread the IPC handoff switched to
 * runs without a place in the ready queue; preempted by a thread woken by
 * its timeout, it must be linked then, or nothing would run it again. */
static L4_ThreadId_t lazy_root;
static volatile int lazy_woke, lazy_seen;

static void lazy_waker(void)
{
    sleep_us(5000);
    lazy_woke = 1;              /* preempts lazy_worker, which spins */
    for (;;)
        L4_Sleep(L4_Never);
}

static void lazy_worker(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);             /* blocks with nobody else to run: dropped */
    /* Switched to by root's call, unlinked; spin until the waker ran. */
    for (unsigned long n = 0; n < 50000000ul && !lazy_woke; n++)
        ;
    lazy_seen = lazy_woke;
    L4_LoadMR(0, 0);
    L4_Reply(from);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Below both: if the worker were lost, ends root's call instead of a hang. */
static void lazy_watchdog(void)
{
    sleep_us(300000);
    __L4_EXREGS(lazy_root, L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_ABORT_SEND);
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_lazy_queueing(void)
{
    lazy_root = root;
    lazy_woke = lazy_seen = 0;
    L4_ThreadId_t k = start(66, 3, lazy_waker);
    L4_Set_Priority(k, 70);
    L4_ThreadId_t w = start(65, 2, lazy_worker);
    L4_Set_Priority(w, 60);
    L4_ThreadId_t d = start(67, 4, lazy_watchdog);
    L4_Set_Priority(d, 50);
    /* While we sleep, each blocks in turn with nothing above it runnable,
     * so the scheduler drops all three from the ready queues: nothing
     * queued above w, and w's own place not linked. */
    sleep_us(2000);
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Call(w);
    ok(L4_IpcSucceeded(tag) && lazy_seen == 1,
       "a thread switched to by a handoff and preempted runs again (ipc %s, saw %d)",
       L4_IpcSucceeded(tag) ? "ok" : "aborted", lazy_seen);
    stop(d);
    stop(k);
    stop(w);
}

static unsigned long lcg = 12345;
static L4_Word_t rnd(void)
{
    lcg = lcg * 1103515245 + 12345;
    return lcg >> 8;
}

static void test_invalid_ids(void)
{
    L4_Word_t frames = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    L4_Word_t kmem = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    L4_Word_t zero = L4_KDB_Stat(L4ABI_KDB_STAT_TCB_ZERO);
    int bad = 0;
    for (int i = 0; i < 10000; i++) {
        /* thread numbers 1000..65535 (none exist), random versions */
        L4_ThreadId_t t = L4_GlobalId(1000 + rnd() % 64536, 1 + rnd() % 1000);
        L4_LoadMR(0, 0);
        L4_MsgTag_t tag = L4_Send_Timeout(t, L4_ZeroTime);
        if (!L4_IpcFailed(tag) || L4ABI_IPCERR_CODE(L4_ErrorCode()) != L4ABI_IPCERR_NOPARTNER)
            bad++;
    }
    ok(bad == 0, "10000 IPCs to random invalid IDs fail with non-existing partner");
    is(L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES), frames,
       "free kernel frames unchanged after 10000 invalid IDs");
    is(L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES), kmem, "kernel object memory unchanged");
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_TCB_ZERO) > zero,
       "unused TCB slots were read through the shared zero page");
}

/* A thread in a fresh space looks up a TCB in a 4 MiB region of the TCB
 * array its page directory has not seen: the kernel syncs the slot. */
static void child(void)
{
    L4_LoadMR(0, 0);
    L4_Send_Timeout(L4_GlobalId(40000, 1), L4_ZeroTime);
    L4_LoadMR(0, 0);
    L4_Send(root);
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_lazy_sync(void)
{
    L4_ThreadId_t c = tid(70);
    L4_Word_t before = L4_KDB_Stat(L4ABI_KDB_STAT_LAZY_SYNCS);
    int okc = pager_start_child(c, root, child, (L4_Word_t)&stacks[5][STACK_WORDS - 4],
                                0xbff00000, UTCB_AREA);
    okc = okc && L4_IpcSucceeded(pager_receive(c));
    ok(okc, "child space created and started");
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_LAZY_SYNCS) > before,
       "the lazy kernel-space sync was taken and counted (%lu -> %lu)",
       before, L4_KDB_Stat(L4ABI_KDB_STAT_LAZY_SYNCS));
    stop(c);
}

/* Exhausting the kernel pool with thread creations gives "out of memory",
 * never a kernel crash; freed numbers can be reused. Runs last: the TCB
 * frames stay with their thread numbers. */
static void test_pool_exhaustion(void)
{
    L4_Word_t no, err = 0;
    for (no = 1000; no < 65536; no++) {
        if (L4_ThreadControl(tid((int)no), root, root, L4_nilthread, (void *)~0ul) != 1) {
            err = L4_ErrorCode();
            break;
        }
    }
    ok(no < 65536 && err == L4ABI_ERR_NO_MEM,
       "creating threads until the pool is empty ends with out-of-memory (%lu threads, error %lu)",
       no - 1000, err);
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES) < 16, "the kernel pool is (nearly) empty");
    for (L4_Word_t n = 1000; n < no; n++)
        stop(tid((int)n));
    ok(L4_ThreadControl(tid(1000), root, root, L4_nilthread, (void *)~0ul) == 1,
       "after deleting them a thread can be created again");
    stop(tid(1000));
    L4_MsgTag_t tag = L4_Receive_Timeout(root, L4_TimePeriod(1000));
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_TIMEOUT,
       "the kernel still serves IPC and timeouts");
}

int main(void)
{
    root = L4_Myself();
    tap_plan(17);
    test_invalid_ids();
    test_lazy_sync();
    test_round_robin();
    test_preemption();
    test_quantum();
    test_lazy_queueing();
    test_pool_exhaustion();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
