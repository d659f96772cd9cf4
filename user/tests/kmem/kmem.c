/* Per-space kernel-memory limit (issue 14, finding 10). Hostile child
 * spaces map one of their pages to themselves at sparse addresses, the
 * most kernel memory per mapping an unprivileged space can cause (a page
 * table, index nodes and a mapping node each). Each must stop at its own
 * limit while another space can still be created, fault in memory, use
 * the FPU and get threads; what a space holds must be what the kernel's
 * counters say; deleting the spaces must give everything back.
 *
 * Spaces: the root task pages every child 1:1 from its own memory
 * (pager.c). Hostile space i has threads H(i) (maps) and P(i) (receives
 * the map items in the same space). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define NHOSTILE    12
#define FIRST_REGION 64                 /* 0x10000000: above our image */
#define LAST_REGION 766                 /* below the KIP/UTCB areas' 4 MiB */
#define PER_REGION  4                   /* mappings per 4 MiB region */
#define STRIDE      (128u << 10)        /* each needs its own index leaf */
#define KIP_AREA    0xbff00000ul
#define UTCB_AREA   0xbfe00000ul
#define SMALL_KB    512                 /* the limit we give hostile 0 */
/* At its limit a space lacks room for the next mapping: at most a page
 * table, two index nodes and a node. */
#define SLACK       (4096ul + 2 * 128 + 32)

#define LBL_DONE    0x61
#define LBL_VICTIM  0x62

static L4_Word_t hstack[NHOSTILE][2][256] __attribute__((aligned(16)));
static L4_Word_t vstack[2][512] __attribute__((aligned(16)));
static char hpage[4096] __attribute__((aligned(4096)));
static char vbuf[64][4096] __attribute__((aligned(4096)));
static L4_ThreadId_t root;

static L4_ThreadId_t hostile(int i) { return L4_GlobalId(200 + 2 * i, 1); }
static L4_ThreadId_t peer(int i) { return L4_GlobalId(201 + 2 * i, 1); }
static L4_ThreadId_t victim(void) { return L4_GlobalId(300, 1); }
static L4_ThreadId_t victim2(void) { return L4_GlobalId(301, 1); }

/* P(i): takes every map item H(i) sends, forever. */
static void peer_main(void)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_LoadMR(0, 0);
        tag = L4_ReplyWait(from, &from);
        (void)tag;
    }
}

/* H(i): maps hpage to P(i) at PER_REGION sparse places in every free
 * 4 MiB region, 31 map items per message, then reports to the root task
 * whether it could read its own kernel memory (it must not: privileged). */
static void hostile_main(void)
{
    L4_ThreadId_t p = L4_GlobalId(L4_ThreadNo(L4_Myself()) + 1, 1);
    L4_Word_t used, limit;
    L4_Word_t snoop = L4_PecanSpaceKmem(L4_Myself(), 1, L4ABI_SPACE_KMEM_UNLIMITED,
                                        &used, &limit);
    L4_Word_t snoop_err = L4_ErrorCode();
    /* Everything used after the loop is faulted in before it: at its
     * limit the space has no room for another page table, so a later
     * fault's mapping would fail and the fault repeat for ever (the
     * space only stalls itself). `root` may sit on a page of its own. */
    (void)*(volatile char *)hpage;
    (void)*(volatile L4_ThreadId_t *)&root;
    L4_Word_t k = 0, sent = 0;
    for (L4_Word_t r = FIRST_REGION; r <= LAST_REGION; r++) {
        for (L4_Word_t j = 0; j < PER_REGION; j++) {
            L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)hpage, 12),
                                                          L4_Readable),
                                        (r << 22) + j * STRIDE);
            L4_LoadMR(1 + 2 * k, m.raw[0]);
            L4_LoadMR(2 + 2 * k, m.raw[1]);
            if (++k == 31 || (r == LAST_REGION && j == PER_REGION - 1)) {
                L4_LoadMR(0, L4ABI_TAG(0, 0, 2 * k));
                if (L4_IpcSucceeded(L4_Call(p)))
                    sent += k;
                k = 0;
            }
        }
    }
    L4_LoadMR(0, L4ABI_TAG(LBL_DONE, 3, 0));
    L4_LoadMR(1, sent);
    L4_LoadMR(2, snoop);
    L4_LoadMR(3, snoop_err);
    L4_Send(root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* The victim: faults in 64 pages, uses the FPU, reports. */
static void victim_main(void)
{
    L4_Word_t sum = 0;
    for (int i = 0; i < 64; i++) {
        vbuf[i][0] = (char)i;
        sum += (L4_Word_t)vbuf[i][0];
    }
    L4_LoadMR(0, L4ABI_TAG(LBL_VICTIM, 1, 0));
    L4_LoadMR(1, sum);
    L4_Call(root);
    L4_Word_t three = 0;                    /* first FPU use: a save area */
    __asm__ volatile("fninit; fld1; fld1; faddp; fld1; faddp; fistpl %0" : "=m"(three));
    L4_LoadMR(0, L4ABI_TAG(LBL_VICTIM, 1, 0));
    L4_LoadMR(1, three);
    L4_Call(root);
    for (;;)
        L4_Sleep(L4_Never);
}

static void victim2_main(void)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_VICTIM, 1, 0));
    L4_LoadMR(1, 77);
    L4_Call(root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Creates a space for `first` (UTCB slot 0) and, if `second` is not nil,
 * a second thread in it (UTCB slot 1); starts second, then first. */
static int start_space(L4_ThreadId_t first, void (*f1)(void), L4_Word_t sp1,
                       L4_ThreadId_t second, void (*f2)(void), L4_Word_t sp2, L4_Word_t limit_kb)
{
    L4_Word_t old, used, limit;
    if (L4_ThreadControl(first, first, root, L4_nilthread, (void *)~0ul) != 1)
        return 0;
    if (L4_SpaceControl(first, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                        L4_nilthread, &old) != 1)
        return 0;
    if (limit_kb && L4_PecanSpaceKmem(first, 1, limit_kb, &used, &limit) != 1)
        return 0;
    if (L4_ThreadControl(first, first, root, root, (void *)UTCB_AREA) != 1)
        return 0;
    if (!L4_IsNilThread(second)) {
        if (L4_ThreadControl(second, first, root, root,
                             (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) != 1)
            return 0;
        L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
        L4_LoadMR(1, (L4_Word_t)f2);
        L4_LoadMR(2, sp2);
        if (!L4_IpcSucceeded(L4_Send(second)))
            return 0;
    }
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)f1);
    L4_LoadMR(2, sp1);
    return L4_IpcSucceeded(L4_Send(first));
}

static void delete(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

/* Serves page faults of anyone until a message with `label` arrives;
 * returns its tag (the sender in *from), or a failed tag after `ms`
 * quiet milliseconds. */
static L4_MsgTag_t serve_until(L4_Word_t label, L4_ThreadId_t *from, L4_Word_t ms)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(ms * 1000), from);
        if (L4_IpcFailed(tag) || L4_Label(tag) == label)
            return tag;
        if (pager_answer_fault(tag))
            L4_Reply(*from);
    }
}

static L4_Word_t kmem_used(L4_ThreadId_t t, L4_Word_t *limit)
{
    L4_Word_t used = 0;
    *limit = 0;
    if (L4_PecanSpaceKmem(t, 0, 0, &used, limit) != 1)
        return ~0ul;
    return used;
}

/* ---- the extension's interface ---------------------------------------- */

static void test_interface(void)
{
    L4_Word_t used = 0, limit = 0, old = 0;
    L4_Word_t r = L4_PecanSpaceKmem(L4_Myself(), 0, 0, &used, &limit);
    ok(r == 1 && limit == 0xffffffffu && used > 0,
       "the root task reads its own kernel memory: %lu bytes, unlimited", used);
    L4_ThreadId_t t = L4_GlobalId(310, 1);
    int made = L4_ThreadControl(t, t, root, L4_nilthread, (void *)~0ul) == 1;
    L4_Word_t u0 = kmem_used(t, &limit), dflt = limit;
    ok(made && u0 != ~0ul && u0 >= 4096 + 512 && limit >= (256u << 10) && limit < 0xffffffffu,
       "a new space is charged for itself (%lu bytes) and limited (%lu KiB)", u0, limit >> 10);
    L4_Word_t c = L4ABI_SPACE_KMEM | L4ABI_SPACE_KMEM_SET | 100;
    L4_ThreadId_t nil = L4_nilthread;
    r = L4_SpaceControl(t, c, L4_Nilpage, L4_Nilpage, nil, &old);
    ok(r == 1 && old == (L4ABI_SPACE_KMEM | (dflt >> 10)) && kmem_used(t, &limit) == u0 &&
       limit == 100u << 10, "setting the limit returns the old one in the control word (%lx)",
       old);
    ok(L4_PecanSpaceKmem(t, 1, L4ABI_SPACE_KMEM_UNLIMITED, &used, &limit) == 1 &&
       limit == 0xffffffffu, "the limit can be lifted");
    ok(L4_SpaceControl(t, L4ABI_SPACE_KMEM | (1u << 31), L4_Nilpage, L4_Nilpage, nil, &old) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "Pistachio's small-space bit is not taken for the extension");
    delete(t);
    ok(L4_PecanSpaceKmem(t, 0, 0, &used, &limit) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_SPACE, "a deleted space has no account");
}

/* ---- hostile spaces --------------------------------------------------- */

static void test_hostile(void)
{
    L4_Word_t k0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    L4_Word_t f0 = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    int started = 0, done = 0, snooped = 0;
    L4_Word_t sent[NHOSTILE] = { 0 };
    for (int i = 0; i < NHOSTILE; i++) {
        if (!start_space(hostile(i), hostile_main, (L4_Word_t)&hstack[i][0][252],
                         peer(i), peer_main, (L4_Word_t)&hstack[i][1][252],
                         i == 0 ? SMALL_KB : 0))
            continue;
        started++;
        L4_ThreadId_t from;
        L4_MsgTag_t tag = serve_until(LBL_DONE, &from, 2000);
        if (L4_IpcFailed(tag))
            continue;
        done++;
        L4_Word_t s, snoop, err;
        L4_StoreMR(1, &s);
        L4_StoreMR(2, &snoop);
        L4_StoreMR(3, &err);
        sent[i] = s;
        snooped += snoop != 0 || err != L4ABI_ERR_NO_PRIVILEGE;
    }
    diag("%d hostile spaces started, %d finished; kernel objects %lu -> %lu bytes",
         started, done, k0, L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES));
    ok(started == NHOSTILE && done == NHOSTILE, "all %d hostile spaces ran (%d started)",
       NHOSTILE, started);
    ok(!snooped, "a space cannot read or lift its own limit (no privilege)");

    /* Each stopped at its own limit. */
    L4_Word_t sum = 0, at_limit = 0, limit, limit0 = 0;
    for (int i = 0; i < NHOSTILE; i++) {
        L4_Word_t u = kmem_used(hostile(i), &limit);
        if (i == 0)
            limit0 = limit;
        if (u == ~0ul)
            continue;
        sum += u;
        at_limit += u <= limit && u + SLACK > limit;
        if (i < 2)
            diag("hostile %d: %lu of %lu bytes, %lu mappings sent", i, u, limit, sent[i]);
    }
    ok(at_limit == NHOSTILE, "every hostile space stopped at its own limit (%lu of %d)",
       at_limit, NHOSTILE);
    ok(limit0 == SMALL_KB << 10, "the limit the root task set is the one applied (%lu KiB)",
       limit0 >> 10);
    /* What the spaces hold is what the kernel holds: their kmem objects
     * plus one UTCB frame each (the rest of the system did not change). */
    L4_Word_t k1 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    ok(k1 - k0 + NHOSTILE * 4096ul == sum,
       "the reported use matches the kernel's counters (%lu + %d UTCB pages vs %lu)",
       k1 - k0, NHOSTILE, sum);

    /* Others keep working: a new space faults in memory, uses the FPU,
     * gets a second thread. */
    int vstarted = start_space(victim(), victim_main, (L4_Word_t)&vstack[0][508],
                               L4_nilthread, 0, 0, 0);
    ok(vstarted, "a new space can still be created");
    L4_ThreadId_t from;
    L4_MsgTag_t tag = serve_until(LBL_VICTIM, &from, 1000);
    L4_Word_t v = 0;
    L4_StoreMR(1, &v);
    ok(vstarted && L4_IpcSucceeded(tag) && v == 63 * 64 / 2,
       "... and fault in 64 pages (sum %lu)", v);
    L4_Word_t u1 = kmem_used(victim(), &limit);
    L4_LoadMR(0, 0);
    L4_Reply(from);
    tag = serve_until(LBL_VICTIM, &from, 1000);
    L4_StoreMR(1, &v);
    L4_Word_t u2 = kmem_used(victim(), &limit);
    ok(L4_IpcSucceeded(tag) && v == 3 && u2 - u1 == 512,
       "... and use the FPU (%lu), its 512-byte save area charged to the space (%lu)", v,
       u2 - u1);
    int v2 = L4_ThreadControl(victim2(), victim(), root, root,
                              (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) == 1;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)victim2_main);
    L4_LoadMR(2, (L4_Word_t)&vstack[1][508]);
    v2 = v2 && L4_IpcSucceeded(L4_Send(victim2()));
    tag = serve_until(LBL_VICTIM, &from, 1000);
    L4_StoreMR(1, &v);
    ok(v2 && L4_IpcSucceeded(tag) && v == 77, "... and get a second thread that runs");

    /* Deleting gives everything back. */
    for (int i = 0; i < NHOSTILE; i++) {
        delete(peer(i));
        delete(hostile(i));
    }
    delete(victim2());
    delete(victim());
    L4_Word_t k2 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    L4_Word_t f2 = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    diag("after deletion: kernel objects %lu bytes, free frames %lu -> %lu", k2, f0, f2);
    is(k2, k0, "deleting the spaces gives every kernel object back");
    /* Their frames come back too, but for one TCB frame per new thread
     * number (kept for the number) and at most one spare page per slab
     * size class (7), instead of staying with a size class. */
    L4_Word_t tcbs = 2 * NHOSTILE + 2;
    ok(f2 <= f0 && f0 - f2 <= tcbs + 7,
       "deleting the spaces gives their frames back (%lu kept, %lu of them TCBs)",
       f0 - f2, tcbs);
}

/* ---- dense mappings: the limit also bounds what the old mapping quota
 * (MAP_QUOTA) did ---------------------------------------------------- */
#define DBASE       0x40000000ul
#define DADDR(i)    (DBASE + (i) * 4096ul)
#define DENSE_MAX   16384ul
#define DENSE_KB    256
#define LBL_MORE    0x63
#define LBL_STOP    0x64
static char dpage[4096] __attribute__((aligned(4096)));
static L4_Word_t dstack[512] __attribute__((aligned(16)));

/* Asks for batches of map items until told to stop, then reads its pages
 * in order: the first one it lacks faults to the root task. */
static void dense_child(void)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag;
    do {
        L4_LoadMR(0, L4ABI_TAG(LBL_MORE, 0, 0));
        tag = L4_Call(root);
    } while (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MORE);
    for (L4_Word_t i = 0; i <= DENSE_MAX; i++)
        (void)*(volatile char *)DADDR(i);
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_dense(void)
{
    L4_ThreadId_t child = L4_GlobalId(320, 1);
    L4_Word_t k0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    dpage[0] = 1;
    int started = start_space(child, dense_child, (L4_Word_t)&dstack[508], L4_nilthread, 0, 0,
                              DENSE_KB);
    L4_Word_t next = 0, fault = 0;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = started ? L4_Receive(child) : L4_MsgTag();
    while (started && L4_IpcSucceeded(tag)) {
        L4_Word_t label = L4_Label(tag);
        if ((label & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT) {
            L4_Word_t addr;
            L4_StoreMR(1, &addr);
            if (addr >= DBASE && addr <= DADDR(DENSE_MAX)) {
                fault = addr;
                break;          /* leave it blocked: we delete it below */
            }
            pager_answer_fault(tag);
        } else if (label == LBL_MORE) {
            L4_Word_t k = 0;    /* up to 31 map items of our page to the next pages */
            for (; k < 31 && next < DENSE_MAX; k++, next++) {
                L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)dpage, 12),
                                                              L4_Readable), DADDR(next));
                L4_LoadMR(1 + 2 * k, m.raw[0]);
                L4_LoadMR(2 + 2 * k, m.raw[1]);
            }
            L4_LoadMR(0, L4ABI_TAG(k ? LBL_MORE : LBL_STOP, 0, 2 * k));
        } else {
            break;
        }
        tag = L4_ReplyWait(child, &from);
    }
    L4_Word_t limit, used = kmem_used(child, &limit);
    L4_Word_t mapped = (fault - DBASE) / 4096;
    diag("dense: %lu pages mapped in %lu of %lu bytes", mapped, used, limit);
    ok(started && fault && mapped > 1000 && mapped < DENSE_MAX && used <= limit &&
       used + SLACK > limit,
       "dense mappings stop at the space's limit too: page %lu faults", mapped);
    delete(child);
    is(L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES), k0, "... and all of it comes back");
}

int main(void)
{
    root = L4_Myself();
    tap_plan(19);
    hpage[0] = 1;
    test_interface();
    test_hostile();
    test_dense();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
