/* Small spaces vs large spaces: IPC round trip (L4_Call + L4_ReplyWait)
 * between two small spaces and between two large ones, measured inside
 * the caller with rdtsc (guest instructions under -icount, host time
 * without: `make bench` runs it both ways), with the kernel's CR3 writes
 * per round trip (docs/smallspaces.md). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "links.h"

#define KIP_AREA    0x00f00000u     /* inside a 16 MiB window */
#define UTCB_AREA   0x00e00000u
#define STACK_WORDS 1024
#define N           200         /* round trips per batch */
#define ROUNDS      40          /* batches of each kind, alternating */
#define WARMUP      20
enum { C_PING = 1, C_BENCH };

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[4][STACK_WORDS] __attribute__((aligned(4096)));

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static L4_Word_t calls(L4_ThreadId_t dest, L4_Word_t n)
{
    for (L4_Word_t i = 0; i < n; i++) {
        L4_LoadMR(0, L4ABI_TAG(C_PING, 0, 0));
        if (L4_IpcFailed(L4_Call(dest)))
            return 0;
    }
    return 1;
}

/* Mean round trip to dest in TSC ticks over one batch (0: an IPC
 * failed). */
static L4_Word_t bench(L4_ThreadId_t dest)
{
    if (!calls(dest, WARMUP))
        return 0;
    unsigned long long t0 = rdtsc();
    if (!calls(dest, N))
        return 0;
    return (L4_Word_t)(rdtsc() - t0) / N;     /* fits: no 64-bit division here */
}

static void child_main(void)
{
    L4_ThreadId_t from;
    pager_hello(root_tid);                  /* ready for commands */
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t a = 0, r = 0;
        L4_StoreMR(1, &a);
        if (L4_Label(tag) == C_BENCH)
            r = bench((L4_ThreadId_t){ .raw = a });
        L4_LoadMR(0, L4ABI_TAG(0x77, 1, 0));
        L4_LoadMR(1, r);
        tag = L4_ReplyWait(from, &from);
    }
}

/* The children share our pages 1:1, except the page of libl4's link
 * table: theirs points into their own KIP area (links.h; as in suite
 * smallspace). */
static char child_links[4096] __attribute__((aligned(4096)));
static L4_Word_t links_page;

static int answer(L4_MsgTag_t tag)
{
    return links_answer_fault(tag, child_links, links_page) || pager_answer_fault(tag);
}

static L4_Word_t rpc(L4_ThreadId_t c, L4_Word_t label, L4_Word_t a)
{
    L4_LoadMR(0, L4ABI_TAG(label, 1, 0));
    L4_LoadMR(1, a);
    if (L4_IpcFailed(L4_Send(c)))
        return 0;
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            return 0;
        if (answer(tag)) {
            L4_Reply(from);
            continue;
        }
        L4_Word_t r = 0;
        L4_StoreMR(1, &r);
        if (from.raw == c.raw)
            return r;
    }
}

static L4_ThreadId_t child(int no, int i, L4_Word_t small)
{
    L4_ThreadId_t c = L4_GlobalId((L4_Word_t)no, 1);
    L4_Word_t old;
    pager_start_space(c, root_tid, child_main, (L4_Word_t)&stacks[i][STACK_WORDS - 4], small,
                      KIP_AREA, UTCB_AREA, L4_anythread, &old);
    pager_greet(c, answer);
    return c;
}

/* One batch from a to b: its mean round trip; *cr3 += the CR3 writes
 * (the two switches between us and a included). */
static L4_Word_t batch(L4_ThreadId_t a, L4_ThreadId_t b, L4_Word_t *cr3)
{
    L4_Word_t c0 = L4_KDB_Stat(L4ABI_KDB_STAT_CR3_WRITES);
    L4_Word_t r = rpc(a, C_BENCH, b.raw);
    *cr3 += L4_KDB_Stat(L4ABI_KDB_STAT_CR3_WRITES) - c0;
    return r;
}

static void report(const char *kind, L4_Word_t best, L4_Word_t cr3)
{
    L4_Word_t x100 = cr3 * 100 / (ROUNDS * (N + WARMUP));
    printf("bench: ipc-roundtrip %s: %lu ticks (best of %d batches), %lu.%02lu CR3 writes per round trip\n",
           kind, best, ROUNDS, x100 / 100, x100 % 100);
}

int main(void)
{
    root_tid = L4_Myself();
    links_page = links_make_copy(child_links, KIP_AREA);

    L4_ThreadId_t l1 = child(300, 0, 0), l2 = child(301, 1, 0);
    L4_ThreadId_t s1 = child(302, 2, L4ABI_SPACE_SMALL | L4_SmallSpace(0, 16));
    L4_ThreadId_t s2 = child(303, 3, L4ABI_SPACE_SMALL | L4_SmallSpace(16, 16));
    /* Alternating batches, the best of each kind: host time (without
     * -icount) is noisy on a loaded machine, its minimum much less so. */
    L4_Word_t lc = 0, sc = 0, large = ~0ul, small = ~0ul;
    for (int i = 0; i < ROUNDS; i++) {
        L4_Word_t l = batch(l1, l2, &lc), s = batch(s1, s2, &sc);
        if (l < large)
            large = l;
        if (s < small)
            small = s;
    }
    report("large-large", large, lc);
    report("small-small", small, sc);
    if (small && small != ~0ul)
        printf("bench: ipc-roundtrip large/small ratio: %lu.%02lu\n",
               large / small, large * 100 / small % 100);
    tap_plan(1);
    ok(large && small && large != ~0ul, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
