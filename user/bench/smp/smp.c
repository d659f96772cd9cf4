/* Multiprocessor figures (docs/smp.md), guest instructions under -icount
 * (the CPUs run in turn; the TSC counts every CPU's instructions):
 *  - IPC round trip (Call + ReplyWait, 0 words) with both threads on one
 *    CPU and across two CPUs, with the IPIs per round trip;
 *  - Unmap (flush) of one page with the space loaded on 0, 1 and 3 other
 *    CPUs: the TLB shootdown's cost;
 *  - k independent ping-pong pairs on k CPUs (k = 1, 2, 4): guest time
 *    per IPC per CPU, the same for every k if the local path shares
 *    nothing.
 * On one CPU (a MAX_CPUS=1 kernel) only the local round trip is printed. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"

#define UTCB_AREA   0xbfe00000u
#define STACK_WORDS 1024
#define N           5000
#define PAIR_US     400000     /* several of QEMU's round-robin slices */

static L4_ThreadId_t root;
static L4_Word_t ncpus;
static L4_Word_t stacks[12][STACK_WORDS] __attribute__((aligned(16)));
static volatile L4_Word_t pair_calls[4], pair_fails[4], go, halt_pairs;
static char page[4096] __attribute__((aligned(4096)));

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static L4_ThreadId_t tid(int no) { return L4_GlobalId((L4_Word_t)no, 1); }
static int my_no(void) { return (int)(L4_Myself().raw >> 14); }

static L4_ThreadId_t start(int no, int slot, void (*fn)(void), L4_Word_t cpu, L4_Word_t prio)
{
    L4_ThreadId_t t = tid(no);
    for (int i = 0; i < STACK_WORDS; i += 1024 / sizeof(L4_Word_t))
        stacks[slot][i] = 0;
    L4_ThreadControl(t, root, root, L4_nilthread,
                     (void *)(UTCB_AREA + (L4_Word_t)(slot + 1) * L4ABI_UTCB_SIZE));
    L4_Set_Priority(t, prio);
    L4_Set_ProcessorNo(t, cpu);
    L4_Start_SpIp(t, (L4_Word_t)&stacks[slot][STACK_WORDS - 4], (L4_Word_t)fn);
    return t;
}

static void stop(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void echo(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_LoadMR(0, 0);
        tag = L4_ReplyWait(from, &from);
        if (L4_IpcFailed(tag))
            tag = L4_Wait(&from);
    }
}

static void spinner(void)
{
    for (;;)
        ;                       /* keeps our space loaded on its CPU */
}

/* Mean round trip to `server` in TSC ticks; IPIs per 100 round trips. */
static unsigned long round_trip(L4_ThreadId_t server, unsigned long *ipis)
{
    for (int i = 0; i < 100; i++) {
        L4_LoadMR(0, 0);
        L4_Call(server);
    }
    L4_Word_t i0 = L4_KDB_Stat(L4ABI_KDB_STAT_IPIS);
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        L4_LoadMR(0, 0);
        if (L4_IpcFailed(L4_Call(server)))
            return 0;
    }
    unsigned long long t = rdtsc() - t0;
    *ipis = (L4_KDB_Stat(L4ABI_KDB_STAT_IPIS) - i0) * 100 / N;
    return (unsigned long)t / N;
}

static unsigned long flush_cost(void)
{
    const int n = 200;
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < n; i++) {
        L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)page, 12), L4_FullyAccessible));
        page[0] = 1;            /* refault from sigma0 */
    }
    return (unsigned long)(rdtsc() - t0) / (unsigned long)n;
}

/* Pair client: calls its server until told to stop. */
static void pair_client(void)
{
    int p = (my_no() - 90) / 2;
    L4_ThreadId_t s = tid(91 + 2 * p);
    while (!go)
        ;
    while (!halt_pairs) {
        L4_LoadMR(0, 0);
        if (L4_IpcFailed(L4_Call(s)))
            pair_fails[p]++;
        else
            pair_calls[p]++;
    }
    L4_Sleep(L4_Never);
}

static void pairs(L4_Word_t k)
{
    L4_ThreadId_t th[8];
    go = halt_pairs = 0;
    for (L4_Word_t p = 0; p < k; p++) {
        pair_calls[p] = 0;
        th[2 * p + 1] = start(91 + 2 * (int)p, 2 + 2 * (int)p + 1, echo, p, 150);
        th[2 * p] = start(90 + 2 * (int)p, 2 + 2 * (int)p, pair_client, p, 150);
    }
    L4_Sleep(L4_TimePeriod(2000));
    go = 1;
    L4_Word_t c0[4];
    for (L4_Word_t p = 0; p < k; p++)
        c0[p] = pair_calls[p];
    unsigned long long t0 = rdtsc();
    L4_Sleep(L4_TimePeriod(PAIR_US));
    unsigned long long t = rdtsc() - t0;
    L4_Word_t worst = ~0ul, total = 0;
    for (L4_Word_t p = 0; p < k; p++) {
        L4_Word_t c = pair_calls[p] - c0[p];
        total += c;
        if (c < worst)
            worst = c;
    }
    halt_pairs = 1;
    for (L4_Word_t p = 0; p < k; p++)
        if (pair_fails[p] || pair_calls[p] == c0[p])
            printf("# pair %lu: %lu calls, %lu failed\n", p, pair_calls[p] - c0[p], pair_fails[p]);
    for (L4_Word_t i = 0; i < 2 * k; i++)
        stop(th[i]);
    /* Under -icount the CPUs run in turn, so the guest's instructions
     * are shared among them: per CPU, an IPC costs t / (IPCs of all). */
    unsigned long per = worst ? (unsigned long)t / (2 * total) : 0;
    printf("bench: smp %lu pair(s) on %lu CPU(s): %lu instructions per IPC per CPU "
           "(%lu calls in all, the slowest pair %lu)\n", k, k, per, total, worst);
}

int main(void)
{
    root = L4_Myself();
    ncpus = L4_NumProcessors(L4_GetKernelInterface());
    L4_Set_Priority(root, 200);
    page[0] = 1;
    unsigned long ipis;

    L4_ThreadId_t s0 = start(80, 0, echo, 0, 200);
    unsigned long local = round_trip(s0, &ipis);
    printf("bench: smp local round trip: %lu instructions (%lu CPU(s))\n", local, ncpus);
    stop(s0);
    if (ncpus < 2) {
        L4_KDB_Shutdown(0);
        return 0;
    }
    L4_ThreadId_t s1 = start(81, 1, echo, 1, 200);
    unsigned long cross = round_trip(s1, &ipis);
    printf("bench: smp cross-CPU round trip: %lu instructions, %lu.%02lu IPIs per round trip\n",
           cross, ipis / 100, ipis % 100);
    stop(s1);

    unsigned long f0 = flush_cost();
    L4_ThreadId_t sp[3];
    L4_Word_t nsp = ncpus - 1 < 3 ? ncpus - 1 : 3;
    unsigned long f1 = 0, f3 = 0;
    for (L4_Word_t i = 0; i < nsp; i++) {
        sp[i] = start(84 + (int)i, 8 + (int)i, spinner, i + 1, 100);
        L4_Sleep(L4_TimePeriod(1000));
        if (i == 0)
            f1 = flush_cost();
        if (i == 2)
            f3 = flush_cost();
    }
    for (L4_Word_t i = 0; i < nsp; i++)
        stop(sp[i]);

    printf("bench: smp unmap one page: %lu instructions; shootdown to 1 CPU +%lu",
           f0, f1 > f0 ? f1 - f0 : 0);
    if (nsp == 3)
        printf(", to 3 CPUs +%lu", f3 > f0 ? f3 - f0 : 0);
    printf("\n");

    for (L4_Word_t k = 1; k <= ncpus && k <= 4; k *= 2)
        pairs(k);
    L4_KDB_Shutdown(0);
    return 0;
}
