/* Multiprocessor tests (docs/smp.md): run on 2 and 4 CPUs. The KIP's
 * processor descriptors, Schedule's processor control (errors; migration
 * of running, ready, halted, receiving and sending threads), IPC between
 * threads on different CPUs with its error paths, ExchangeRegisters and
 * deletion across CPUs, TLB shootdown on Unmap, the FPU state following
 * a migrated thread, the invisible local-APIC timer, an interrupt routed
 * to its handler's CPU (and following it), a driver with I/O ports on
 * an AP, and a thread single-stepping through a sysenter Ipc on an AP.
 * Every check
 * reads the CPU a thread runs on from the kernel (kdebug stat). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include <l4/pecan.h>
#include "libc.h"
#include "tap.h"
#include "thread.h"
#include "rtc.h"
#include "exctest.h"

#define UTCB_AREA   0xbfe00000u
#define STACK_WORDS 1024
#define NSLOTS      14

static L4_ThreadId_t root;
static L4_Word_t ncpus;
static L4_Word_t stacks[NSLOTS][STACK_WORDS] __attribute__((aligned(16)));
static volatile L4_Word_t spin_cpu[NSLOTS], spin_count[NSLOTS];
static volatile L4_Word_t result[NSLOTS];

static L4_ThreadId_t tid(int no) { return L4_GlobalId((L4_Word_t)no, 1); }
static L4_Word_t my_cpu(void) { return L4_KDB_Stat(L4ABI_KDB_STAT_CPU); }
static int slot_of(void) { return (int)(L4_Myself().raw >> 14) - 60; }

static L4_ThreadId_t start(int slot, void (*fn)(void), L4_ThreadId_t pager)
{
    spin_cpu[slot] = ~0ul;
    spin_count[slot] = 0;
    result[slot] = 0;
    return thread_start(tid(60 + slot), pager, fn, stacks[slot], STACK_WORDS,
                        UTCB_AREA + (L4_Word_t)(slot + 1) * L4ABI_UTCB_SIZE);
}

static void stop(L4_ThreadId_t t) { thread_delete(t); }

static void sleep_us(L4_Word_t us) { L4_Sleep(L4_TimePeriod(us)); }

static int set_cpu(L4_ThreadId_t t, L4_Word_t cpu)
{
    return L4_Set_ProcessorNo(t, cpu) != 0;
}

/* Waits up to 200 ms for *v to become `want`. */
static int wait_for(volatile L4_Word_t *v, L4_Word_t want)
{
    for (int i = 0; i < 200 && *v != want; i++)
        sleep_us(1000);
    return *v == want;
}

/* ---- thread bodies ---- */

static void spinner(void)
{
    int s = slot_of();
    for (;;) {
        spin_cpu[s] = my_cpu();
        spin_count[s]++;
    }
}

/* Echo server: replies with MR1 + 1 and its CPU in MR2. */
static void echo(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t w;
        L4_StoreMR(1, &w);
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
        L4_LoadMR(1, w + 1);
        L4_LoadMR(2, my_cpu());
        tag = L4_ReplyWait(from, &from);
    }
}

/* One call to echo (thread sv) with i: 1 if it answered i + 1 from CPU
 * cpu. */
static int echo_call(L4_ThreadId_t sv, L4_Word_t i, L4_Word_t cpu)
{
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, i);
    L4_MsgTag_t tag = L4_Call(sv);
    L4_Word_t a, c;
    L4_StoreMR(1, &a);
    L4_StoreMR(2, &c);
    return L4_IpcSucceeded(tag) && a == i + 1 && c == cpu;
}

/* Receives once from root, answers with its CPU, then sleeps. */
static void receiver(void)
{
    int s = slot_of();
    L4_MsgTag_t tag = L4_Receive(root);
    result[s] = L4_IpcFailed(tag) ? 1000 + L4_ErrorCode() : 1;
    spin_cpu[s] = my_cpu();
    for (;;)
        L4_Sleep(L4_Never);
}

/* Sends once to root (blocking until root receives), then notes its CPU. */
static void sender(void)
{
    int s = slot_of();
    L4_LoadMR(0, L4ABI_TAG(0x5e, 0, 0));
    L4_MsgTag_t tag = L4_Send(root);
    result[s] = L4_IpcFailed(tag) ? 1000 + L4_ErrorCode() : 1;
    spin_cpu[s] = my_cpu();
    for (;;)
        L4_Sleep(L4_Never);
}

/* ---- tests ---- */

static void test_kip(void)
{
    void *kip = L4_GetKernelInterface();
    ncpus = L4_NumProcessors(kip);
    ok(ncpus >= 2, "KIP lists the CPUs that came up (%lu)", ncpus);
    int freqs = 1;
    for (L4_Word_t i = 0; i < ncpus; i++) {
        L4_ProcDesc_t *p = L4_ProcDesc(kip, i);
        freqs &= p && L4_ProcDescInternalFreq(p) > 0;
    }
    ok(freqs, "every processor descriptor has its frequency");
    is(my_cpu(), 0, "the root task starts on CPU 0");
    ok(L4_ProcessorControl(ncpus - 1, 0, 0, 0) == 1, "ProcessorControl accepts the last CPU");
    ok(L4_ProcessorControl(ncpus, 0, 0, 0) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "ProcessorControl refuses CPU %lu", ncpus);
}

static void test_bad_cpu(void)
{
    ok(L4_Set_ProcessorNo(L4_Myself(), ncpus) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "Schedule refuses processor %lu (invalid parameter)", ncpus);
    ok(L4_Set_ProcessorNo(L4_Myself(), 0xffff) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "and processor 0xffff");
    is(my_cpu(), 0, "a refused migration leaves the caller where it was");
}

static void test_self(void)
{
    L4_Word_t moved = 0;
    for (L4_Word_t c = 1; c < ncpus; c++) {
        set_cpu(L4_Myself(), c);
        moved += my_cpu() == c;
    }
    is(moved, ncpus - 1, "the root task moved itself to every other CPU");
    set_cpu(L4_Myself(), 0);
    is(my_cpu(), 0, "and back to CPU 0");
}

static void test_running(void)
{
    L4_ThreadId_t t = start(0, spinner, L4_nilthread);
    L4_Set_Priority(t, 50);
    set_cpu(t, 1);
    ok(wait_for(&spin_cpu[0], 1), "a ready thread migrated to CPU 1 runs there");
    /* It runs on CPU 1 now, in user mode: migrate it while it runs. */
    L4_Word_t to = ncpus > 2 ? 2 : 0;
    L4_Word_t before = spin_count[0];
    ok(before > 0 && set_cpu(t, to), "Schedule moves a thread running on another CPU");
    ok(wait_for(&spin_cpu[0], to), "which then runs on CPU %lu", to);
    /* Away and back before its CPU could leave it: it must stay runnable. */
    set_cpu(t, 1);
    wait_for(&spin_cpu[0], 1);
    set_cpu(t, ncpus > 2 ? 2 : 0);
    set_cpu(t, 1);
    L4_Word_t c1 = spin_count[0];
    sleep_us(3000);
    ok(spin_count[0] > c1, "a running thread moved away and back at once keeps running");
    wait_for(&spin_cpu[0], 1);
    stop(t);                    /* while it runs on CPU 1 */
    /* The same thread number again at once: the old CPU must have left
     * the old thread (and its kernel stack) before ThreadControl returned. */
    t = start(0, receiver, L4_nilthread);
    sleep_us(3000);
    is(spin_count[0], 0, "deleting a thread that runs on another CPU stops it");
    L4_LoadMR(0, 0);
    ok(L4_IpcSucceeded(L4_Send_Timeout(t, L4_TimePeriod(100000))) &&
       wait_for(&result[0], 1) && spin_cpu[0] == 0,
       "a new thread with its number runs as itself on CPU 0");
    stop(t);
}

/* Calls the echo server in the slot below its own in a loop (the echo
 * runs on CPU 1: it answers 1), counting failures in result[]. */
static void caller(void)
{
    int s = slot_of();
    for (L4_Word_t i = 0;; i++) {
        if (!echo_call(tid(60 + s - 1), i, 1))
            result[s]++;
        spin_cpu[s] = my_cpu();
        spin_count[s]++;
    }
}

/* A thread that calls a server on its own CPU in a loop (the assembly
 * fast path's case) is moved while it runs: that CPU's reschedule is due
 * from then on, which is all that keeps the fast path, which no longer
 * tests the caller's home, from handing off on the old CPU (docs/smp.md,
 * "Fast-path contract"; ipc_fastpath asserts it). */
static void test_calling_migrated(void)
{
    L4_ThreadId_t e = start(12, echo, L4_nilthread);
    L4_Set_Priority(e, 60);
    set_cpu(e, 1);
    L4_ThreadId_t c = start(13, caller, L4_nilthread);
    L4_Set_Priority(c, 50);
    set_cpu(c, 1);
    ok(wait_for(&spin_cpu[13], 1) && result[13] == 0,
       "a thread calling a server on CPU 1 in a loop runs there");
    L4_Word_t to = ncpus > 2 ? 2 : 0;
    ok(set_cpu(c, to) && wait_for(&spin_cpu[13], to),
       "moved while it calls, it goes on on CPU %lu", to);
    L4_Word_t n = spin_count[13];
    sleep_us(3000);
    ok(spin_count[13] > n && result[13] == 0 && spin_cpu[13] == to,
       "and every call is answered (%lu calls)", spin_count[13]);
    stop(c);
    stop(e);
}

static void test_halted(void)
{
    L4_ThreadId_t t = start(1, spinner, L4_nilthread);
    L4_Set_Priority(t, 50);
    set_cpu(t, 1);
    wait_for(&spin_cpu[1], 1);
    L4_Stop(t);                 /* halted while running on CPU 1 */
    L4_Word_t n = spin_count[1];
    sleep_us(2000);
    is(spin_count[1], n, "ExchangeRegisters halts a thread running on another CPU");
    set_cpu(t, 0);
    sleep_us(2000);
    is(spin_count[1], n, "a halted thread migrated stays halted");
    L4_Start(t);
    ok(wait_for(&spin_cpu[1], 0) && spin_count[1] > n, "and runs on its new CPU once resumed");
    stop(t);
}

static void test_receiving(void)
{
    L4_ThreadId_t t = start(2, receiver, L4_nilthread);
    L4_Set_Priority(t, 50);
    sleep_us(1000);             /* blocks in its receive on CPU 0 */
    ok(set_cpu(t, 1), "Schedule moves a thread blocked receiving");
    L4_LoadMR(0, L4ABI_TAG(0x1, 0, 0));
    L4_MsgTag_t tag = L4_Send(t);
    ok(L4_IpcSucceeded(tag), "a send from CPU 0 reaches it on CPU 1");
    ok(wait_for(&result[2], 1) && spin_cpu[2] == 1, "it received there (cpu %lu)", spin_cpu[2]);
    stop(t);
}

static void test_sending(void)
{
    L4_ThreadId_t t = start(3, sender, L4_nilthread);
    L4_Set_Priority(t, 50);
    sleep_us(1000);             /* blocks sending to us on CPU 0 */
    ok(set_cpu(t, 1), "Schedule moves a thread blocked sending");
    L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(100000));
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x5e, "its message arrives from CPU 1");
    ok(wait_for(&result[3], 1) && spin_cpu[3] == 1, "and it runs on CPU 1 afterwards");
    stop(t);
}

static void test_pingpong(void)
{
    L4_ThreadId_t t = start(4, echo, L4_nilthread);
    set_cpu(t, 1);
    sleep_us(1000);
    int good = 1;
    L4_Word_t ipis = L4_KDB_Stat(L4ABI_KDB_STAT_IPIS);
    for (L4_Word_t i = 0; i < 200 && good; i++)
        good = echo_call(t, i, 1);
    ok(good, "200 calls from CPU 0 to a server on CPU 1");
    ipis = L4_KDB_Stat(L4ABI_KDB_STAT_IPIS) - ipis;
    ok(ipis >= 200, "they cross by IPI (%lu IPIs)", ipis);
    diag("cross-CPU call: %lu IPIs per round trip (x100)", ipis * 100 / 200);

    /* Error paths across CPUs. */
    L4_ThreadId_t r = start(5, receiver, L4_nilthread);     /* waits for root */
    set_cpu(r, 1);
    sleep_us(1000);
    L4_MsgTag_t tag = L4_Receive_Timeout(r, L4_TimePeriod(5000));
    ok(L4_IpcFailed(tag) && (L4_ErrorCode() & 0xf) == (L4ABI_IPCERR_TIMEOUT << 1 | 1),
       "receive from a silent thread on CPU 1 times out (%lx)", L4_ErrorCode());
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(tid(60 + 11), L4_TimePeriod(5000));
    ok(L4_IpcFailed(tag) && (L4_ErrorCode() & 0xe) == L4ABI_IPCERR_NOPARTNER << 1,
       "send to a thread that does not exist fails (%lx)", L4_ErrorCode());
    L4_AbortReceive_and_stop(r);
    L4_Start(r);
    ok(wait_for(&result[5], 1000 + (L4ABI_IPCERR_CANCELED << 1 | 1)),
       "ExchangeRegisters from CPU 0 cancels a receive on CPU 1 (%lu)", result[5]);
    is(spin_cpu[5], 1, "the canceled thread resumes on CPU 1");
    stop(r);
    stop(t);
}

/* A client on CPU 1 calls a server on CPU 0 that we delete: the client's
 * IPC ends with "non-existing partner". */
static volatile L4_Word_t server_got;
static void silent_server(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    server_got = 1;
    for (;;)
        L4_Sleep(L4_Never);     /* never replies */
}
static void client(void)
{
    int s = slot_of();
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Call(tid(60 + 7));
    result[s] = L4_IpcFailed(tag) ? 1000 + L4_ErrorCode() : 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A client and its server both on CPU 1: the fast path on an AP. */
static void local_client(void)
{
    int s = slot_of();
    L4_Word_t good = 0;
    for (L4_Word_t i = 0; i < 100; i++)
        good += echo_call(tid(60 + 4), i, 1);
    result[s] = good;
    spin_cpu[s] = my_cpu();
    for (;;)
        L4_Sleep(L4_Never);
}

/* start (no pager), then moved to cpu. */
static L4_ThreadId_t start_on(int slot, void (*fn)(void), L4_Word_t cpu)
{
    L4_ThreadId_t t = start(slot, fn, L4_nilthread);
    set_cpu(t, cpu);
    return t;
}

static void test_local_on_ap(void)
{
    L4_ThreadId_t sv = start_on(4, echo, 1);
    L4_ThreadId_t cl = start_on(6, local_client, 1);
    ok(wait_for(&result[6], 100) && spin_cpu[6] == 1,
       "100 calls between two threads on CPU 1 (%lu good)", result[6]);
    stop(cl);
    stop(sv);
}

/* The asm IPC fast path's "both homed on this CPU" checks
 * (fastipc_entry.S): a call from CPU 0 to a server homed on CPU 1 must
 * go to the general path, which wakes the server at its home. The
 * server must otherwise meet the fast path's conditions when the call
 * comes: waiting for anyone, still in its ready queue (it blocked by a
 * fast hand-off: local_caller on CPU 1 calls it too and then spins, so
 * that the server's last wait began on CPU 1's fast path), the same
 * priority as ours, untyped words, no timeouts. Without the checks the
 * fast path would switch to it on CPU 0. */
static volatile L4_Word_t homes_stop, homes_cpu;
static void local_caller(void)
{
    int s = slot_of();
    for (L4_Word_t i = 0; !homes_stop; i++) {
        if (echo_call(tid(60 + 4), i, homes_cpu) && my_cpu() == homes_cpu)
            result[s]++;
        else
            spin_count[s]++;                    /* a bad round trip */
        for (volatile int k = 0; k < 2000; k++)
            ;                                   /* the server waits, queued */
    }
    spin_cpu[s] = my_cpu();
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_homes(void)
{
    homes_stop = 0;
    homes_cpu = 1;
    L4_ThreadId_t sv = start_on(4, echo, 1);
    L4_ThreadId_t lc = start_on(6, local_caller, 1);
    wait_for(&result[6], 5);                    /* the local pair runs */
    L4_Word_t good = 0, here = 0;
    for (L4_Word_t i = 0; i < 200; i++) {
        good += echo_call(sv, i, 1);
        here += my_cpu() == 0;
    }
    homes_stop = 1;
    ok(wait_for(&spin_cpu[6], 1) && good == 200 && spin_count[6] == 0,
       "200 calls from CPU 0 to a waiting, queued server homed on CPU 1 (same priority): "
       "it always ran on CPU 1 (%lu of 200; its local caller: %lu good, %lu bad)",
       good, result[6], spin_count[6]);
    ok(here == 200, "the caller always ran on CPU 0 (%lu of 200)", here);
    stop(lc);
    stop(sv);
}

/* Exception and page-fault IPC across CPUs to a busy partner: a thread
 * on CPU 0 raises 100 exceptions (ud2 and divide errors in turn: #UD
 * takes the general trap path, #DE the exception fast path's entry), or
 * 32 page faults, whose handler (pager) is homed on CPU 1, where it also
 * serves local_caller through the IPC fast path (so it is often waiting,
 * still queued, after a fast hand-off when the event comes). The event's
 * send must go to the general path (event_partner_local; excfast.c's
 * home compares), which wakes the handler at home; the handler's reply
 * (a send that waits for its receiver, as a handler may reply before the
 * thread's receive phase) must wake the thread at its home, CPU 0, with
 * an IPI while CPU 1 stays busy. We wait for the thread's report in one
 * receive (no polling that would let CPU 0's scheduler run meanwhile): a
 * lost wakeup fails the check.
 *
 * The mirrored set-up (busy handler on CPU 0, thread on CPU 1) is in
 * suite smpstress: under -icount QEMU 7.2 runs the CPUs in turn and gives
 * CPU 0 all the instructions up to the next timer deadline, so a CPU 0
 * that never halts starves CPU 1 (docs/smp.md, "Tests"). */
static volatile L4_Word_t exc_seen, exc_bad, exc_hcpu, exc_tcpu;
/* The page-fault variant: pf_thread writes into pf_buf (unmapped); its
 * pager, the handler, maps it the page of pf_donor with the same index. */
#define PF_PAGES 32
static volatile L4_Word_t pf_buf[PF_PAGES][1024] __attribute__((aligned(4096)));
static volatile L4_Word_t pf_donor[PF_PAGES][1024] __attribute__((aligned(4096)));
static void exc_echo(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (L4_Label(tag) == L4ABI_LABEL_EXCEPTION && L4_UntypedWords(tag) == 12) {
            if (my_cpu() == exc_hcpu)
                exc_seen++;
            else
                exc_bad++;
            tag = exctest_reply(&from);             /* past the ud2 or div */
            continue;
        }
        if ((L4_Label(tag) & 0xfff0) == L4ABI_LABEL_PAGEFAULT && L4_UntypedWords(tag) == 2) {
            /* The page of pf_donor with the same index, mapped there. */
            L4_Word_t addr;
            L4_StoreMR(1, &addr);
            if (my_cpu() == exc_hcpu)
                exc_seen++;
            else
                exc_bad++;
            L4_Word_t i = ((addr - (L4_Word_t)pf_buf) >> 12) % PF_PAGES;
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)pf_donor[i],
                                                                       12), L4_FullyAccessible),
                                        addr & ~0xffful);
            L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
            L4_LoadMR(1, m.raw[0]);
            L4_LoadMR(2, m.raw[1]);
            tag = L4_Ipc(from, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
            continue;
        }
        L4_Word_t w;                                /* local_caller's call */
        L4_StoreMR(1, &w);
        L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
        L4_LoadMR(1, w + 1);
        L4_LoadMR(2, my_cpu());
        tag = L4_ReplyWait(from, &from);
    }
}

/* Writes one word into each page of pf_buf (each write faults to its
 * pager, the handler), then reports. */
static void pf_thread(void)
{
    L4_Word_t resumed = 0;
    L4_Receive(root);                               /* go */
    for (int p = 0; p < PF_PAGES; p++) {
        pf_buf[p][p] = (L4_Word_t)p + 1;
        resumed += my_cpu() == exc_tcpu;
    }
    exctest_report(root, resumed);
}

static void ud2_thread(void)
{
    L4_Set_ExceptionHandler(tid(60 + 4));
    L4_Receive(root);                               /* go */
    exctest_report(root, exctest_raise(100, exc_tcpu));
}

static void test_exc_homes(L4_Word_t hcpu, L4_Word_t tcpu, int faults)
{
    L4_Word_t n = faults ? PF_PAGES : 100;
    exc_seen = exc_bad = 0;
    exc_hcpu = hcpu;
    exc_tcpu = tcpu;
    homes_stop = 0;
    homes_cpu = hcpu;
    L4_ThreadId_t h = start_on(4, exc_echo, hcpu);
    L4_ThreadId_t lc = start_on(6, local_caller, hcpu);
    wait_for(&result[6], 5);                    /* the local pair runs */
    L4_ThreadId_t t;
    if (faults) {
        for (int p = 0; p < PF_PAGES; p++) {
            pf_donor[p][p] = 0;                 /* mapped here */
            L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)pf_buf[p], 12),
                                       L4_FullyAccessible));
        }
        t = start(7, pf_thread, tid(60 + 4));   /* its pager: the handler */
        set_cpu(t, tcpu);
    } else {
        t = start_on(7, ud2_thread, tcpu);
    }
    L4_LoadMR(0, 0);
    L4_Send(t);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, L4_TimePeriod(500000)),
                             &from);
    L4_Word_t resumed = 0;
    L4_StoreMR(1, &resumed);
    homes_stop = 1;
    int good = 1;                               /* the writes landed */
    for (int p = 0; faults && p < PF_PAGES; p++)
        good &= pf_donor[p][p] == (L4_Word_t)p + 1;
    ok(L4_IpcSucceeded(tag) && exc_seen == n && exc_bad == 0 && resumed == n && good,
       "%lu %s on CPU %lu to a %s homed on CPU %lu that serves a local caller: "
       "it ran there (%lu, elsewhere %lu), the thread resumed on CPU %lu (%lu)",
       n, faults ? "page faults" : "exceptions", tcpu, faults ? "pager" : "handler", hcpu,
       exc_seen, exc_bad, tcpu, L4_IpcSucceeded(tag) ? resumed : 0);
    ok(wait_for(&spin_cpu[6], hcpu) && spin_count[6] == 0,
       "meanwhile the local caller's calls all succeeded on CPU %lu (%lu good, %lu bad)",
       hcpu, result[6], spin_count[6]);
    stop(t);
    stop(lc);
    stop(h);
}

static void test_delete_partner(void)
{
    server_got = 0;
    L4_ThreadId_t sv = start(7, silent_server, L4_nilthread);
    L4_ThreadId_t cl = start(8, client, L4_nilthread);
    set_cpu(cl, 1);
    ok(wait_for(&server_got, 1), "a client on CPU 1 called a server on CPU 0");
    stop(sv);
    ok(wait_for(&result[8], 1000 + (L4ABI_IPCERR_NOPARTNER << 1 | 1)),
       "deleting the server ends the client's receive phase on CPU 1 (%lu)", result[8]);
    stop(cl);
}

/* A string copy from a sender on CPU 1 to a receiver on CPU 0, with both
 * buffers unmapped: each side faults during the copy, and we (on CPU 0)
 * are the pager of both. */
static char str_src[8192] __attribute__((aligned(4096)));
static char str_dst[8192] __attribute__((aligned(4096)));
static void str_sender(void)
{
    int s = slot_of();
    L4_LoadMR(0, L4ABI_TAG(0x57, 0, 2));
    L4_LoadMR(1, L4ABI_STRITEM_W0(4096, 1, 0, 0));
    L4_LoadMR(2, (L4_Word_t)str_src + 100);
    L4_MsgTag_t tag = L4_Send(tid(60 + 2));
    result[s] = L4_IpcFailed(tag) ? 1000 + L4_ErrorCode() : 1;
    for (;;)
        L4_Sleep(L4_Never);
}
static void str_receiver(void)
{
    int s = slot_of();
    L4_LoadBR(0, L4ABI_ACCEPT_STRINGS);
    L4_LoadBR(1, L4ABI_STRITEM_W0(4096, 1, 0, 0));
    L4_LoadBR(2, (L4_Word_t)str_dst + 200);
    L4_MsgTag_t tag = L4_Receive(tid(60 + 3));
    L4_LoadBR(0, 0);
    result[s] = L4_IpcFailed(tag) ? 1000 + L4_ErrorCode() : 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_string_faults(void)
{
    for (int i = 0; i < 8192; i++) {
        str_src[i] = (char)(i * 7 + 1);
        str_dst[i] = 0;
    }
    for (int p = 0; p < 2; p++) {
        L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)str_src + p * 4096u, 12), L4_FullyAccessible));
        L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)str_dst + p * 4096u, 12), L4_FullyAccessible));
    }
    L4_ThreadId_t r = start(2, str_receiver, root), sd = start(3, str_sender, root);
    L4_Set_Priority(r, 50);
    L4_Set_Priority(sd, 50);
    set_cpu(sd, 1);
    int from_s = 0, from_r = 0;
    for (int i = 0; i < 20 && !(result[2] && result[3]); i++) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(50000), &from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t addr;
        L4_StoreMR(1, &addr);
        volatile char *pg = (volatile char *)(addr & ~0xfffu);
        *pg = *pg;              /* ours again (sigma0), so theirs too */
        /* (from is a local ID: same space) */
        from_s += addr - (L4_Word_t)str_src < sizeof(str_src);
        from_r += addr - (L4_Word_t)str_dst < sizeof(str_dst);
        L4_LoadMR(0, 0);
        L4_Reply(from);
    }
    wait_for(&result[2], 1);
    int same = 1;
    for (int i = 0; i < 4096; i++)
        same &= str_dst[200 + i] == str_src[100 + i];
    ok(result[2] == 1 && result[3] == 1 && same,
       "string copy CPU 1 -> CPU 0 with faults on both sides (%lu %lu, data %s)",
       result[3], result[2], same ? "intact" : "wrong");
    ok(from_s >= 1 && from_r >= 1, "both sides faulted during the copy (%d, %d)", from_s, from_r);
    stop(sd);
    stop(r);
}

/* FPU: a thread loads a value into the x87 stack, blocks, is migrated,
 * and reads it back on the other CPU. */
static volatile L4_Word_t fpu_ok;
static void fpu_thread(void)
{
    static const double in = 1234.5;
    union { double d; unsigned long long u; } a = { .d = in }, b = { .u = 0 };
    __asm__ volatile("fldl %0" :: "m"(in));
    L4_LoadMR(0, 0);
    L4_Call(root);              /* we are migrated meanwhile */
    __asm__ volatile("fstpl %0" : "=m"(b.d));
    fpu_ok = (a.u == b.u ? 1 : 2) + 10 * my_cpu();
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_fpu(void)
{
    fpu_ok = 0;
    L4_ThreadId_t t = start(9, fpu_thread, L4_nilthread);
    L4_MsgTag_t tag = L4_Receive(t);
    /* Its registers are in CPU 0's FPU (lazy switching). Move ourselves
     * to CPU 1 so that CPU 0 must be asked to save them. */
    set_cpu(L4_Myself(), 1);
    double z = 2.0;
    __asm__ volatile("fldl %0; fstp %%st(0)" :: "m"(z));   /* our FPU use on CPU 1 */
    ok(L4_IpcSucceeded(tag) && set_cpu(t, 1), "a thread with live FPU state is migrated");
    L4_LoadMR(0, 0);
    L4_Reply(t);
    ok(wait_for(&fpu_ok, 11), "its FPU registers follow it to CPU 1 (%lu)", fpu_ok);
    set_cpu(L4_Myself(), 0);
    stop(t);
}

/* TLB shootdown: a thread on CPU 1 keeps reading a page of our space; we
 * flush the page on CPU 0. Its next read must fault (to us, its pager)
 * right after Unmap returns. */
static char tlb_page[4096] __attribute__((aligned(4096)));
static void reader(void)
{
    int s = slot_of();
    for (;;) {
        (void)*(volatile char *)tlb_page;
        spin_count[s]++;
    }
}

static void test_shootdown(void)
{
    tlb_page[0] = 1;
    L4_ThreadId_t t = start(10, reader, root);
    set_cpu(t, 1);
    L4_Word_t n0 = 0;
    for (int i = 0; i < 100 && (n0 = spin_count[10]) < 1000; i++)
        sleep_us(1000);
    ok(n0 >= 1000, "a reader on CPU 1 reads our page (%lu)", n0);
    L4_Word_t sd = L4_KDB_Stat(L4ABI_KDB_STAT_SHOOTDOWNS);
    L4_Flush(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)tlb_page, 12), L4_FullyAccessible));
    L4_Word_t n1 = spin_count[10];
    L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(100000));
    L4_Word_t n2 = spin_count[10];
    L4_Word_t addr = 0;
    L4_StoreMR(1, &addr);
    ok(L4_IpcSucceeded(tag) && (addr & ~0xfffu) == (L4_Word_t)tlb_page,
       "its next read faults right after Unmap returns (address %lx)", addr);
    ok(n2 - n1 <= 1, "no read succeeds after Unmap returned (%lu)", n2 - n1);
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_SHOOTDOWNS) > sd, "the kernel asked CPU 1 to flush");
    stop(t);
}

static void test_timer(void)
{
    L4_ThreadId_t t = start(11, spinner, L4_nilthread);
    L4_Set_Priority(t, 50);
    set_cpu(t, 1);
    set_cpu(L4_Myself(), 1);
    L4_Word_t t0 = L4_KDB_Stat(L4ABI_KDB_STAT_LAPIC_TICKS);
    sleep_us(5000);             /* the spinner runs, we wake on CPU 1's tick */
    L4_Word_t t1 = L4_KDB_Stat(L4ABI_KDB_STAT_LAPIC_TICKS);
    ok(t1 - t0 >= 3, "CPU 1's local-APIC timer ticks and wakes a sleeper there (%lu ticks)",
       t1 - t0);
    set_cpu(L4_Myself(), 0);
    stop(t);
}


/* ---- interrupts routed to the handler's CPU; I/O ports on an AP ---- */

static volatile L4_Word_t irq_got, irq_seen_cpu, irq_took_cpu;

/* The RTC's handler: receives IRQ 8, notes where it runs and which CPU
 * took the interrupt, acknowledges the RTC through its ports (from
 * whatever CPU it is on) and the line. */
static void rtc_handler(void)
{
    L4_ThreadId_t it = L4_InterruptThread(RTC_IRQ);
    for (;;) {
        if (L4_IpcFailed(L4_Receive(it)))
            continue;
        irq_seen_cpu = my_cpu();
        irq_took_cpu = L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_CPU);
        rtc_ack();
        irq_got++;
        L4_LoadMR(0, 0);
        L4_Send(it);
    }
}

/* Waits up to 200 ms for n more interrupts; resets the CPUs seen first. */
static int wait_irqs(L4_Word_t n)
{
    L4_Word_t want = irq_got + n;
    irq_seen_cpu = irq_took_cpu = ~0ul;
    for (int i = 0; i < 200 && irq_got < want; i++)
        sleep_us(1000);
    return irq_got >= want;
}

static void test_irq_route(void)
{
    L4_ThreadId_t s0 = L4_GlobalId(48, 1);
    L4_ThreadId_t it = L4_InterruptThread(RTC_IRQ);
    ok(L4_PecanSigma0GetPorts(s0, RTC_PORT, 1), "RTC ports from sigma0");
    L4_ThreadId_t h = start(9, rtc_handler, root);
    L4_Set_Priority(h, 150);
    ok(set_cpu(h, 1), "a thread of a space with I/O ports moves to CPU 1");
    ok(L4_AssociateInterrupt(it, h) == 1, "IRQ 8 attached to a handler on CPU 1");
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_DEST(RTC_IRQ)) == 1,
       "the IO-APIC sends IRQ 8 to CPU 1 (%lu)", L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_DEST(RTC_IRQ)));
    rtc_periodic_start(6);          /* 1024 Hz */
    int got = wait_irqs(1);
    L4_Word_t n0 = irq_got, ipis = L4_KDB_Stat(L4ABI_KDB_STAT_IPIS);
    got = got && wait_irqs(8);
    ipis = L4_KDB_Stat(L4ABI_KDB_STAT_IPIS) - ipis;
    ok(got && irq_seen_cpu == 1 && irq_took_cpu == 1,
       "CPU 1 takes the interrupt and runs the handler (took %lu, ran %lu)",
       irq_took_cpu, irq_seen_cpu);
    ok(ipis < (irq_got - n0) / 2, "delivery there needs no IPI (%lu IPIs, %lu interrupts)",
       ipis, irq_got - n0);

    L4_Word_t to = ncpus > 2 ? 2 : 0;
    ok(set_cpu(h, to) && L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_DEST(RTC_IRQ)) == to,
       "the route follows the handler to CPU %lu", to);
    got = wait_irqs(3);
    ok(got && irq_seen_cpu == to && irq_took_cpu == to,
       "CPU %lu takes it now (took %lu, ran %lu)", to, irq_took_cpu, irq_seen_cpu);

    ok(L4_DeassociateInterrupt(it) == 1 &&
       L4_KDB_Stat(L4ABI_KDB_STAT_IRQ_DEST(RTC_IRQ)) == 0, "detached: back to CPU 0");
    rtc_periodic_stop();
    stop(h);
}

static void port_prober(void)
{
    int s = slot_of();
    while (my_cpu() != 1)                   /* until Schedule moved us */
        L4_Yield();
    spin_cpu[s] = my_cpu();
    result[s] = rtc_ack() != ~0u;           /* ports 0x70-0x71: ours */
    __asm__ volatile("inb $0x80, %%al" ::: "eax");  /* not ours */
    result[s] = 2;
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_ports_on_ap(void)
{
    L4_ThreadId_t t = start(10, port_prober, root);
    ok(set_cpu(t, 1), "a driver thread placed on CPU 1");
    L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(200000));
    L4_Word_t fp = 0;
    L4_StoreMR(1, &fp);
    ok(spin_cpu[10] == 1 && result[10] == 1, "it reaches its ports from CPU 1 (cpu %lu)",
       spin_cpu[10]);
    ok(L4_IpcSucceeded(tag) && (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_IOFAULT &&
       L4ABI_IOFPAGE_PORT(fp) == 0x80 && result[10] == 1,
       "and not others: port 0x80 faults to its pager");
    stop(t);
}

/* A thread on CPU 1 single-steps through an Ipc (sysenter on every CPU
 * QEMU emulates). sysenter does not clear TF: the #DB comes on the
 * kernel's first instruction, with %esp still what MSR_SYSENTER_ESP says
 * (CPU 1's tss.esp0), and the CPU pushes its frame, and the kernel's #DB
 * handler runs, below that word: on the guard in front of CPU 1's TSS
 * (docs/ipc.md). Without that guard the frame lands on CPU 1's GDT and
 * whatever precedes its page. The stepped thread's exception handler, a
 * thread on CPU 1 too, answers every step; the Ipc goes to an echo
 * server there. */
#define STEP_ECHO       11
#define STEP_HANDLER    12
#define STEP_THREAD     13
static volatile L4_Word_t step_seen_sysenter;

static void set_tf(void) { __asm__ volatile("pushfl; orl $0x100, (%%esp); popfl" ::: "memory", "cc"); }
static void clear_tf(void) { __asm__ volatile("pushfl; andl $~0x100, (%%esp); popfl" ::: "memory", "cc"); }

static void stepped(void)
{
    int s = slot_of();
    L4_Set_ExceptionHandler(tid(60 + STEP_HANDLER));
    L4_Receive(root);                           /* go: it is on CPU 1 now */
    spin_cpu[s] = my_cpu();
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, 41);
    set_tf();
    L4_MsgTag_t tag = L4_Call(tid(60 + STEP_ECHO));
    clear_tf();
    L4_Word_t a, c;
    L4_StoreMR(1, &a);
    L4_StoreMR(2, &c);
    result[s] = L4_IpcSucceeded(tag) && a == 42 && c == 1 && my_cpu() == 1 ? 1 : 2;
    for (;;)
        L4_Sleep(L4_Never);
}

/* Answers the stepped thread's #DB messages with its registers unchanged
 * (TF stays set), counting them; notes a step that stopped on a sysenter
 * instruction (0f 34), so that the next instruction was the kernel's. */
static void step_handler(void)
{
    int s = slot_of();
    L4_ThreadId_t t = tid(60 + STEP_THREAD);
    L4_Word_t mr[13];
    for (;;) {
        L4_MsgTag_t tag = L4_Receive(t);
        if (L4_IpcFailed(tag) || L4_Label(tag) != (L4ABI_LABEL_EXCEPTION & 0xffff) ||
            L4_UntypedWords(tag) != 12)
            break;
        L4_StoreMRs(1, 12, &mr[1]);
        if (mr[L4ABI_EXC_MR_EXCNO] != 1)
            break;
        if (*(volatile unsigned short *)mr[L4ABI_EXC_MR_EIP] == 0x340f)
            step_seen_sysenter = 1;
        spin_cpu[s] = my_cpu();
        result[s]++;
        L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
        L4_LoadMRs(1, 12, &mr[1]);
        L4_Reply(t);
    }
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_step_sysenter_on_ap(void)
{
    step_seen_sysenter = 0;
    L4_ThreadId_t e = start(STEP_ECHO, echo, L4_nilthread);
    L4_ThreadId_t h = start(STEP_HANDLER, step_handler, L4_nilthread);
    L4_ThreadId_t t = start(STEP_THREAD, stepped, L4_nilthread);
    set_cpu(e, 1);
    set_cpu(h, 1);
    set_cpu(t, 1);
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_TimePeriod(100000));
    int done = L4_IpcSucceeded(tag) && wait_for(&result[STEP_THREAD], 1);
    ok(done && spin_cpu[STEP_THREAD] == 1 && spin_cpu[STEP_HANDLER] == 1,
       "a thread on CPU 1 single-steps through a Call and gets its reply (result %lu)",
       result[STEP_THREAD]);
    ok(step_seen_sysenter && result[STEP_HANDLER] > 3,
       "its handler saw a step stop on the sysenter instruction (%lu steps)",
       result[STEP_HANDLER]);
    stop(t);
    stop(h);
    stop(e);
}

int main(void)
{
    root = L4_Myself();
    tap_plan(66);
    L4_Set_Priority(root, 100);
    test_kip();
    test_bad_cpu();
    test_self();
    test_running();
    test_calling_migrated();
    test_halted();
    test_receiving();
    test_sending();
    test_pingpong();
    test_local_on_ap();
    test_homes();
    test_exc_homes(1, 0, 0);
    test_exc_homes(1, 0, 1);
    test_delete_partner();
    test_string_faults();
    test_fpu();
    test_shootdown();
    test_timer();
    test_irq_route();
    test_ports_on_ap();
    test_step_sysenter_on_ap();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
