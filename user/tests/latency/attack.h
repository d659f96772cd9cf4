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
};

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
static void parked(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

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

/* Runs every attack; n mappings, k senders. */
static inline struct attack_result run_attacks(L4_Word_t n, int k)
{
    struct attack_result r = { .ok = 1 };
    root_tid = L4_Myself();
    /* Every stack and page the helpers use is ours before they run (their
     * pager is nil: they must never fault). */
    for (L4_Word_t a = (L4_Word_t)sender_stacks; a < (L4_Word_t)(sender_stacks + MAX_SENDERS);
         a += 4096)
        *(volatile L4_Word_t *)a = 0;
    for (L4_Word_t a = (L4_Word_t)helper_stack; a < (L4_Word_t)(helper_stack + 1024); a += 4096)
        *(volatile L4_Word_t *)a = 0;
    helper_stack[1020] = 0;
    attack_unmap(&r, n);
    attack_space(&r, n);
    attack_thread(&r);
    attack_queue(&r, k);
    attack_split(&r);
    return r;
}

#endif
