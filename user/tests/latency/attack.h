/* Interrupt latency under attack, shared by the latency suite and the
 * latency benchmark. Each attack does, with nothing a hostile task could
 * not do (or, for thread counts, the root task), the kernel operation whose
 * work it controls, and reads the longest stretch the kernel ran with
 * interrupts off meanwhile (kdebug stat L4ABI_KDB_STAT_IRQOFF_MAX, kernel
 * built with IRQOFF_STATS; TSC ticks = guest instructions under -icount):
 *  - map items: messages of 31 map items, each mapping one page again;
 *  - unmap: one page mapped to the task itself n times, then one Unmap
 *    with 64 copies of that page (status query: every copy walks all n
 *    derived mappings), then one that removes them;
 *  - space deletion: a space holding n mappings is deleted;
 *  - thread deletion: with a thread number near the top in use, a thread
 *    is deleted (the kernel looks for receivers waiting for it);
 *  - send queue: k threads block sending to one thread, which is deleted;
 *  - superpage split: a task flushes 4 KiB of a 4 MiB mapping it holds
 *    (the one operation that is not preemptible: reported, not bounded).
 * The attacker threads live in the root task's space; the child space is
 * paged by the root task (mempager.h). */
#ifndef LATENCY_ATTACK_H
#define LATENCY_ATTACK_H

#include "../mem/mempager.h"
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/pecan.h>

#define SELF_REGION     0x60000000u     /* where the page is mapped again */
#define SELF_LOG2       28              /* 65 536 pages */
#define CHILD_REGION    0x40000000u
#define ITEMS           31              /* map items per message */
#define MAX_SENDERS     1024
#define SENDER_WORDS    64
#define HELPER_NO       200             /* thread numbers of helpers */
#define HIGH_NO         65000           /* the high thread number */

static char victim_page[4096] __attribute__((aligned(4096)));
static L4_Word_t helper_stack[1024] __attribute__((aligned(16)));
static L4_Word_t sender_stacks[MAX_SENDERS][SENDER_WORDS] __attribute__((aligned(16)));
static L4_ThreadId_t queue_target;

static inline unsigned long long now_tsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static inline void irqoff_reset(void)
{
    (void)L4_KDB_Stat(L4ABI_KDB_STAT_IRQOFF_RESET);
}

static inline L4_Word_t irqoff_max(void)
{
    return L4_KDB_Stat(L4ABI_KDB_STAT_IRQOFF_MAX);
}

/* A thread in our own space on stack `sp` running fn; UTCB slot `slot`. */
static inline L4_ThreadId_t local_thread(L4_Word_t no, int slot, L4_Word_t sp,
                                         void (*fn)(void))
{
    L4_ThreadId_t t = L4_GlobalId(no, 1);
    if (L4_ThreadControl(t, root_tid, root_tid, L4_nilthread,
                         (void *)(UTCB_AREA + (L4_Word_t)slot * L4ABI_UTCB_SIZE)) != 1)
        return L4_nilthread;
    L4_Start_SpIp(t, sp, (L4_Word_t)fn);
    return t;
}

static void parked(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

/* The receiver of our self-mappings: accepts map items into SELF_REGION
 * and answers every call. */
static void self_receiver(void)
{
    L4_ThreadId_t from;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(SELF_REGION, SELF_LOG2)));
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        (void)tag;
        L4_LoadMR(0, 0);
        L4_Accept(L4_MapGrantItems(L4_FpageLog2(SELF_REGION, SELF_LOG2)));
        tag = L4_ReplyWait(from, &from);
    }
}

/* Sends `to` messages of ITEMS map items until n pages of victim_page are
 * mapped at base + i * 4 KiB (relative to the receiver's window, whose
 * size is 2^wlog2). Returns the worst interrupts-off stretch. */
static inline L4_Word_t map_many(L4_ThreadId_t to, L4_Word_t n, int call)
{
    L4_Word_t worst = 0;
    for (L4_Word_t k = 0; k < n; k += ITEMS) {
        L4_Msg_t m;
        L4_MsgClear(&m);
        L4_Set_MsgLabel(&m, C_PEER);
        for (L4_Word_t j = 0; j < ITEMS && k + j < n; j++)
            L4_MsgAppendMapItem(&m, L4_MapItem(fpage((L4_Word_t)victim_page, 12,
                                                     L4_FullyAccessible),
                                               (k + j) * 4096));
        irqoff_reset();
        if (call) {
            L4_MsgLoad(&m);
            L4_Call(to);
        } else {
            xfer(to, &m, 0);
        }
        L4_Word_t w = irqoff_max();
        if (w > worst)
            worst = w;
    }
    return worst;
}

struct attack_result {
    L4_Word_t map_items, unmap_query, unmap_remove, space_delete,
              thread_delete, queue_delete, split;
    unsigned long long unmap_query_time;
    int ok;             /* the attacks did what they should */
    int lifetimes;      /* lifetime checks (below) passed; -1: not run */
};

/* ---- lifetimes ended during a pause ----
 * A thread with a priority below a "killer" thread runs a long operation;
 * the killer wakes after 1 ms, preempts it at a pause and deletes its
 * partner (a receiver of a long map item) or the thread itself (in a long
 * Unmap). The kernel must carry on: the operation ends, nothing else is
 * touched, and the kernel answers IPC afterwards. */
static volatile L4_Word_t op_result, op_done, kill_done;
static L4_ThreadId_t kill_victim, map_target;
static L4_Word_t long_map_log2;

static void killer(void)
{
    L4_Sleep(L4_TimePeriod(1000));
    delete_thread(kill_victim);
    kill_done = 1;
    parked();
}

static void long_mapper(void)
{
    L4_Msg_t m;
    L4_MsgClear(&m);
    L4_Set_MsgLabel(&m, C_PEER);
    L4_MsgAppendMapItem(&m, L4_MapItem(fpage(SELF_REGION, (int)long_map_log2,
                                             L4_FullyAccessible), 0));
    L4_MsgLoad(&m);
    L4_MsgTag_t tag = L4_Send_Timeout(map_target, L4_TimePeriod(100000));
    op_result = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    op_done = 1;
    parked();
}

static void long_unmapper(void)
{
    L4_Fpage_t f[64];
    for (int i = 0; i < 64; i++)
        f[i] = fpage((L4_Word_t)victim_page, 12, 0);
    L4_UnmapFpages(64, f);
    op_done = 1;                        /* not reached: deleted meanwhile */
    parked();
}

/* Runs fn at priority 100 and the killer at 150; returns once the killer
 * is done and fn's thread is gone or finished. */
static inline int race(void (*fn)(void), L4_ThreadId_t victim, int fn_is_victim)
{
    op_done = kill_done = 0;
    op_result = ~0ul;
    L4_ThreadId_t w = local_thread(HELPER_NO + 10, 6, (L4_Word_t)&sender_stacks[2][SENDER_WORDS - 4],
                                   fn);
    kill_victim = fn_is_victim ? w : victim;
    L4_ThreadId_t k = local_thread(HELPER_NO + 11, 7, (L4_Word_t)&sender_stacks[3][SENDER_WORDS - 4],
                                   killer);
    if (L4_IsNilThread(w) || L4_IsNilThread(k))
        return 0;
    L4_Set_Priority(k, 150);
    L4_Set_Priority(w, 100);
    for (int i = 0; i < 200 && !(kill_done && (op_done || fn_is_victim)); i++)
        L4_Sleep(L4_TimePeriod(1000));
    int fine = kill_done && (op_done || fn_is_victim);
    if (!fn_is_victim)
        delete_thread(w);
    delete_thread(k);
    return fine;
}

/* The kernel still works: an IPC round trip with a fresh child. */
static inline int kernel_alive(void)
{
    L4_ThreadId_t c = L4_GlobalId(HELPER_NO + 12, 1);
    int fine = make_child(c, 1);
    delete_thread(c);
    return fine;
}

/* Needs the n self-mappings at SELF_REGION (n a power of two). */
static inline int lifetime_checks(L4_Word_t n)
{
    int fine = 1;
    long_map_log2 = 12;
    while ((1ul << long_map_log2) < n * 4096)
        long_map_log2++;
    /* 1: the receiver of a long map item is deleted mid-transfer. */
    map_target = L4_GlobalId(HELPER_NO + 13, 1);
    fine &= make_child(map_target, 0);
    cmd(map_target, C_WINDOW, L4_FpageLog2(CHILD_REGION, (int)long_map_log2).raw, 0, 0, 0);
    fine &= race(long_mapper, map_target, 0);
    printf("# long map item: sender's result %lx (%s)\n", op_result,
           op_result == ~0ul ? "still blocked" : op_result ? "error" : "sent");
    fine &= op_result == ~0ul || op_result == 0 ||
            L4ABI_IPCERR_CODE(op_result) == L4ABI_IPCERR_ABORTED;
    fine &= kernel_alive();
    /* 2: a thread is deleted in the middle of its own long Unmap. */
    fine &= race(long_unmapper, L4_nilthread, 1);
    fine &= !op_done;
    fine &= *(volatile char *)(SELF_REGION + (n - 1) * 4096) == 1;   /* intact */
    fine &= kernel_alive();
    return fine;
}

/* Attacks 1 and 2: n self-mappings, then Unmap with 64 copies. */
static inline void attack_unmap(struct attack_result *r, L4_Word_t n)
{
    victim_page[0] = 1;
    L4_ThreadId_t b = local_thread(HELPER_NO, 1, (L4_Word_t)&helper_stack[1020],
                                   self_receiver);
    r->ok &= !L4_IsNilThread(b);
    r->map_items = map_many(b, n, 1);
    /* The last copy is really there. */
    r->ok &= *(volatile char *)(SELF_REGION + (n - 1) * 4096) == 1;

    L4_Fpage_t f[64];
    for (int i = 0; i < 64; i++)
        f[i] = fpage((L4_Word_t)victim_page, 12, 0);
    irqoff_reset();
    unsigned long long t0 = now_tsc();
    L4_UnmapFpages(64, f);
    r->unmap_query_time = now_tsc() - t0;
    r->unmap_query = irqoff_max();
    r->ok &= L4_WasReferenced(f[0]);        /* the copies were touched */
    r->ok &= *(volatile char *)(SELF_REGION + (n - 1) * 4096) == 1;
    if (r->lifetimes == 0)
        r->lifetimes = lifetime_checks(n);

    irqoff_reset();
    L4_UnmapFpage(fpage((L4_Word_t)victim_page, 12, L4_FullyAccessible));
    r->unmap_remove = irqoff_max();
    delete_thread(b);
}

/* Attack 3: a child space with n mappings is deleted. */
static inline void attack_space(struct attack_result *r, L4_Word_t n)
{
    L4_ThreadId_t c = L4_GlobalId(HELPER_NO + 1, 1);
    r->ok &= make_child(c, 0);
    /* The full-scale attack's 65 000 mappings (~2.6 MiB of mapping nodes)
     * are more than a space's default kernel-memory limit: the root task
     * lifts it for this space, so that the deletion has them all. */
    L4_Word_t used, limit;
    r->ok &= L4_PecanSpaceKmem(c, 1, L4ABI_SPACE_KMEM_UNLIMITED, &used, &limit) == 1;
    cmd(c, C_WINDOW, L4_FpageLog2(CHILD_REGION, SELF_LOG2).raw, 0, 0, 0);
    L4_Word_t w = map_many(c, n, 0);
    if (w > r->map_items)
        r->map_items = w;
    r->ok &= peek(c, CHILD_REGION + (n - 1) * 4096) == (L4_Word_t)victim_page[0];
    irqoff_reset();
    delete_thread(c);
    r->space_delete = irqoff_max();
}

/* Attack 6: a task holding a 4 MiB mapping flushes 4 KiB of it, which
 * splits the mapping into 1024 (not preemptible, see mdb.c). */
static inline void attack_split(struct attack_result *r)
{
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 22, L4_FpageLog2(0x20000000u, 22));
    if (L4_IsNilFpage(f)) {
        r->ok = 0;
        return;
    }
    L4_ThreadId_t c = L4_GlobalId(HELPER_NO + 1, 2);
    r->ok &= make_child(c, 0);
    cmd(c, C_WINDOW, L4_FpageLog2(CHILD_REGION, 22).raw, 0, 0, 0);
    r->ok &= give(c, fpage(0x20000000u, 22, L4_FullyAccessible), 0, 0);
    r->ok &= peek(c, CHILD_REGION + 0x6000) != NOPAGE;
    irqoff_reset();
    cmd(c, C_UNMAP, fpage(CHILD_REGION + 0x5000, 12, L4_FullyAccessible).raw,
        L4ABI_UNMAP_FLUSH, 0, 0);
    r->split = irqoff_max();
    r->ok &= peek(c, CHILD_REGION + 0x6000) != NOPAGE;     /* kept: split */
    delete_thread(c);
}

/* Attack 4: a high thread number in use, then a deletion. */

static inline void attack_thread(struct attack_result *r)
{
    L4_ThreadId_t hi = local_thread(HIGH_NO, 2, (L4_Word_t)&sender_stacks[0][SENDER_WORDS - 4],
                                    parked);
    L4_ThreadId_t lo = local_thread(HELPER_NO + 2, 3, (L4_Word_t)&sender_stacks[1][SENDER_WORDS - 4],
                                    parked);
    r->ok &= !L4_IsNilThread(hi) && !L4_IsNilThread(lo);
    L4_ThreadSwitch(lo);
    irqoff_reset();
    delete_thread(lo);
    r->thread_delete = irqoff_max();
    delete_thread(hi);
}

/* Attack 5: k senders blocked on one thread, which is deleted. */
static void sender(void)
{
    L4_LoadMR(0, 0);
    L4_Send(queue_target);
    parked();
}

static inline void attack_queue(struct attack_result *r, int k)
{
    queue_target = local_thread(HELPER_NO + 3, 4, (L4_Word_t)&helper_stack[1020], parked);
    L4_ThreadId_t s[MAX_SENDERS];
    for (int i = 0; i < k; i++) {
        s[i] = local_thread(HELPER_NO + 4 + i, 5 + i,
                            (L4_Word_t)&sender_stacks[i][SENDER_WORDS - 4], sender);
        r->ok &= !L4_IsNilThread(s[i]);
    }
    L4_Sleep(L4_TimePeriod(50000));         /* all of them queue up */
    irqoff_reset();
    delete_thread(queue_target);
    r->queue_delete = irqoff_max();
    for (int i = 0; i < k; i++)
        delete_thread(s[i]);
}

/* Runs every attack; n mappings, k senders; lifetimes 0 runs the lifetime
 * checks too (-1: not). */
static inline struct attack_result run_attacks(L4_Word_t n, int k, int lifetimes)
{
    struct attack_result r = { .ok = 1, .lifetimes = lifetimes };
    root_tid = L4_Myself();
    /* Every stack and page the helpers use is ours before they run (their
     * pager is nil: they must never fault). */
    for (L4_Word_t a = (L4_Word_t)sender_stacks; a < (L4_Word_t)(sender_stacks + MAX_SENDERS);
         a += 4096)
        *(volatile L4_Word_t *)a = 0;
    for (L4_Word_t a = (L4_Word_t)helper_stack; a < (L4_Word_t)(helper_stack + 1024); a += 4096)
        *(volatile L4_Word_t *)a = 0;
    helper_stack[1020] = 0;
    printf("# attack: unmap (%lu mappings)\n", n);
    attack_unmap(&r, n);
    printf("# attack: space deletion\n");
    attack_space(&r, n);
    printf("# attack: thread deletion\n");
    attack_thread(&r);
    printf("# attack: send queue (%d senders)\n", k);
    attack_queue(&r, k);
    printf("# attack: superpage split\n");
    attack_split(&r);
    return r;
}

#endif
