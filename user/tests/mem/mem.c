/* In-guest tests of user-level memory management: sigma0, map and grant
 * items, receive windows, Unmap with access bits, revocation through three
 * spaces, bad fpages, and kernel memory returning after space deletion.
 * The root task (space A) gets memory from sigma0 and pages child spaces
 * B, C (three-level tests) and S (fault storm). */
#include "mempager.h"
#include "tap.h"
#include <l4/schedule.h>

#define REGION      0x20000000u     /* the root's 16 MiB from sigma0 */
#define STORM_VA    0x40000000u     /* where S touches 16 MiB */
#define STORM_LEN   (16u << 20)
#define BWIN        0x50000000u
#define CWIN        0x60000000u

static L4_Word_t pages[16][1024] __attribute__((aligned(0x10000)));
static L4_Word_t storm_phys[4];

static L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }
static L4_Word_t pg(int i) { return (L4_Word_t)pages[i]; }

/* ---- sigma0 ---- */

static void test_sigma0(void)
{
    for (int i = 0; i < 4; i++) {
        L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 22,
                                        L4_FpageLog2(REGION + (i << 22), 22));
        storm_phys[i] = L4_Address(f);
        ok(!L4_IsNilFpage(f) && L4_SizeLog2(f) == 22 && !(storm_phys[i] & 0x3fffff),
           "sigma0 hands out a free 4 MiB frame (%lx)", storm_phys[i]);
    }
    ok(storm_phys[0] != storm_phys[1] && storm_phys[1] != storm_phys[2] &&
       storm_phys[0] != storm_phys[3], "each 4 MiB frame handed out once");
    volatile L4_Word_t *r = (volatile L4_Word_t *)REGION;
    r[0] = 0x1234;
    r[(16u << 20) / 4 - 1] = 0x5678;
    ok(r[0] == 0x1234 && r[(16u << 20) / 4 - 1] == 0x5678, "the 16 MiB are usable");

    L4_Fpage_t f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(storm_phys[0], 22),
                                               L4_FpageLog2(REGION, 22));
    ok(L4_Address(f) == storm_phys[0] && L4_SizeLog2(f) == 22,
       "asking again for a frame one owns succeeds");
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(0x00100000, 12),
                                    L4_FpageLog2(0x30000000, 12));
    ok(L4_IsNilFpage(f), "kernel image frame refused with a nil item");
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(0x00000000, 22),
                                    L4_FpageLog2(0x30000000, 22));
    ok(L4_IsNilFpage(f), "4 MiB frame with reserved memory in it refused");
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(0x00000000, 30),
                                    L4_FpageLog2(0x30000000, 30));
    ok(L4_IsNilFpage(f), "1 GiB frame refused");
    /* The KIP frame: sigma0 reads it from the KIP's own memory descriptors as
     * reserved; asking for the 4 KiB frame holding sigma0's own image is
     * refused too (it stays sigma0's). */
    L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
    L4_Word_t s0lo = ((struct l4_kip *)kip)->sigma0.low & ~0xffful;
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(s0lo, 12),
                                    L4_FpageLog2(0x30000000, 12));
    ok(L4_IsNilFpage(f), "sigma0's own frame refused (%lx)", s0lo);
    /* The kernel pool: the last reserved physical range the KIP lists
     * below 3 GiB (the top of RAM, where Pecan carves its pool). */
    struct l4_kip *k = (struct l4_kip *)kip;
    struct l4_memdesc *d = (struct l4_memdesc *)((char *)k + L4ABI_KIP_MEMINFO_PTR(k->memory_info));
    L4_Word_t pool = 0;
    for (L4_Word_t i = 0; i < L4ABI_KIP_MEMINFO_N(k->memory_info); i++)
        if (!(d[i].w0 & L4ABI_MEMDESC_VIRTUAL) &&
            (d[i].w0 & L4ABI_MEMDESC_TYPE_MASK) == L4ABI_MEMDESC_RESERVED &&
            (d[i].w0 & ~0x3fful) >= 0x00200000 && (d[i].w0 & ~0x3fful) < 0xc0000000)
            pool = d[i].w0 & ~0xffful;
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(pool, 12),
                                    L4_FpageLog2(0x30000000, 12));
    ok(pool && L4_IsNilFpage(f), "reserved memory (kernel pool at %lx) refused", pool);
    f = L4_Sigma0_GetAny(L4_nilthread, 12, L4_FpageLog2(0x30000000, 12));
    ok(!L4_IsNilFpage(f) && L4_SizeLog2(f) == 12, "any 4 KiB frame");
    *(volatile L4_Word_t *)0x30000000 = 0xabc;
    ok(*(volatile L4_Word_t *)0x30000000 == 0xabc, "and it is mapped where asked");
    L4_Word_t got = L4_Address(f);
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(got, 12),
                                    L4_FpageLog2(0x30001000, 12));
    ok(!L4_IsNilFpage(f), "the same frame again (same owner)");
    ok(*(volatile L4_Word_t *)0x30001000 == 0xabc, "is the same memory at the second place");

    /* Our own page faults: flushing a page of our image, then touching it,
     * brings back the very same frame from sigma0. */
    pages[15][5] = 0xfeed;
    L4_Fpage_t fl = L4_Flush(fpage(pg(15), 12, L4_FullyAccessible));
    ok(L4_WasWritten(fl), "flush of a page of our image reports it written");
    is(((volatile L4_Word_t *)pages[15])[5], 0xfeed,
       "refault through sigma0 maps the same frame again (idempotent)");
}

/* ---- fault storm; the root task pages S from its 16 MiB ---- */

static void storm(const char *round)
{
    L4_ThreadId_t s = tid(100);
    volatile L4_Word_t *r = (volatile L4_Word_t *)REGION;
    for (L4_Word_t off = 0; off < STORM_LEN; off += 4096)
        r[off / 4] = 0;
    npw = 0;
    pw_add(s, STORM_VA, STORM_LEN, REGION, L4_FullyAccessible);
    ok(make_child(s, 2), "%s: child space S created", round);
    /* S on our CPU, whatever the kernel's homing policy (smp=spread):
     * the fast path hands a fault only to a pager on the same CPU
     * (docs/smp.md, "Fast-path contract"). A no-op on one CPU. */
    L4_Set_ProcessorNo(s, L4_KDB_Stat(L4ABI_KDB_STAT_CPU));
    L4_Word_t n0 = nfaults, f0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_FAULTS);
    L4_Word_t m0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_MAPS);
    L4_Word_t ps0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
    L4_Word_t pr0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES);
    cmd(s, C_TOUCH, STORM_VA, STORM_LEN, 0, 0);
    L4_Word_t maps = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_MAPS) - m0;
    L4_Word_t psends = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - ps0;
    L4_Word_t preplies = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES) - pr0;
    is(nfaults - n0, STORM_LEN / 4096, "fault storm: one fault per fresh page");
    /* We wait for S while it touches: its faults come straight to us, but
     * for those a timer tick's reschedule sends the general way (none
     * without the fast paths, FASTPATH=0). */
    L4_Word_t fast = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_FAULTS) - f0;
    L4_Word_t fp = L4_KDB_Stat(L4ABI_KDB_STAT_FASTPATH);      /* 0 or 1 */
    ok(fp <= 1 && (fp ? fast > STORM_LEN / 4096 / 2 : fast == 0),
       "fault_to_waiting_pager_takes_fast_path (%lu of %lu)", fast,
       (unsigned long)(STORM_LEN / 4096));
    /* Our replies (a call with one 4 KiB map item) to S, waiting in its
     * fault IPC, take the reply's short path (kernel/pf_fast.c). */
    ok(fp <= 1 && (fp ? maps > STORM_LEN / 4096 / 2 : maps == 0),
       "pager_reply_with_map_item_takes_short_path (%lu of %lu)", maps,
       (unsigned long)(STORM_LEN / 4096));
    /* ... both on the page-fault fast path's own ways
     * (kernel/arch/ia32/pffast.c): the fault from the #PF entry with this
     * CPU's word, the reply before the Ipc's general send phase. */
    ok(fp <= 1 && (fp ? psends > STORM_LEN / 4096 / 2 : psends == 0),
       "fault_sent_by_pf_fast_path (%lu of %lu)", psends, (unsigned long)(STORM_LEN / 4096));
    ok(fp <= 1 && (fp ? preplies > STORM_LEN / 4096 / 2 && preplies <= maps : preplies == 0),
       "map_reply_taken_by_pf_fast_path (%lu of %lu)", preplies,
       (unsigned long)(STORM_LEN / 4096));
    L4_Word_t bad = 0;
    for (L4_Word_t off = 0; off < STORM_LEN; off += 4096)
        if (r[off / 4] != ((STORM_VA + off) ^ 0x5a5a5a5au))
            bad++;
    is(bad, 0, "16 MiB of pages hold distinct data, seen through the pager's mapping");
}

static void test_storm_unmap(void)
{
    L4_ThreadId_t s = tid(100);
    /* Part of a 4 MiB mapping: the child's page below it goes, and only it. */
    L4_Fpage_t f = L4_UnmapFpage(fpage(REGION + 0x5000, 12, L4_FullyAccessible));
    ok(L4_WasWritten(f) && L4_WasReferenced(f),
       "unmap of 4 KiB of a 4 MiB mapping reports the child's write (%lx)", f.raw & 7);
    L4_Word_t n0 = nfaults;
    L4_Word_t v = cmd(s, C_READ, STORM_VA + 0x5000, 0, 0, 0);
    ok(nfaults == n0 + 1 && v == ((STORM_VA + 0x5000) ^ 0x5a5a5a5au),
       "the child's page was revoked (refaulted from the pager)");
    n0 = nfaults;
    cmd(s, C_READ, STORM_VA + 0x6000, 0, 0, 0);
    is(nfaults - n0, 0, "its neighbour was not");

    /* Flush 4 KiB of our own 4 MiB mapping (a split) and get it back. */
    f = L4_Flush(fpage(REGION + 0x7000, 12, L4_FullyAccessible));
    ok(L4_WasWritten(f), "flush of our own page reports it written");
    n0 = nfaults;
    cmd(s, C_READ, STORM_VA + 0x8000, 0, 0, 0);
    ok(nfaults == n0 && ((volatile L4_Word_t *)REGION)[0x8000 / 4] ==
       ((STORM_VA + 0x8000) ^ 0x5a5a5a5au), "split mapping keeps the other pages");
    f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(storm_phys[0] + 0x7000, 12),
                                    L4_FpageLog2(REGION + 0x7000, 12));
    ok(!L4_IsNilFpage(f) && ((volatile L4_Word_t *)REGION)[0x7000 / 4] ==
       ((STORM_VA + 0x7000) ^ 0x5a5a5a5au), "flushed page back from sigma0, data intact");
    n0 = nfaults;
    cmd(s, C_READ, STORM_VA + 0x7000, 0, 0, 0);
    is(nfaults - n0, 1, "the child lost the flushed page too");
}

/* ---- the page-fault reply's short path (kernel/pf_fast.c) ---- */

#define PFVA    0x4a000000u         /* S's pages for these tests */

/* S reads addr; our first answer maps `first` (a 4 KiB page of ours, or
 * one we do not have), later ones follow the pager windows. Returns the
 * number of faults; *val gets what S read. */
static L4_Word_t read_first_answer(L4_ThreadId_t s, L4_Word_t addr, L4_Word_t first,
                                   L4_Word_t *val)
{
    L4_Msg_t m;
    L4_Word_t w[4] = { addr, 0, 0, 0 }, n = 0;
    L4_ThreadId_t from;
    L4_MsgPut(&m, C_READ, 4, w, 0, 0);
    L4_MsgLoad(&m);
    L4_MsgTag_t tag = L4_Call(s);
    while (L4_IpcSucceeded(tag) && answer_fault(s, tag)) {
        if (n++ == 0) {
            L4_MapItem_t mi = L4_MapItem(fpage(first, 12, L4_FullyAccessible), addr & ~0xffful);
            L4_LoadMR(1, mi.raw[0]);
            L4_LoadMR(2, mi.raw[1]);
        }
        tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    }
    *val = ~0ul;
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, val);
    return n;
}

static void test_pf_short_path(void)
{
    L4_ThreadId_t s = tid(100), d = tid(101);
    int np = npw;
    L4_Word_t fp = L4_KDB_Stat(L4ABI_KDB_STAT_FASTPATH);
    for (int i = 10; i < 14; i++)
        pages[i][0] = 0x2000 + i;

    /* Rights in the map item: read-only, then the same frame writable. */
    pw_add(s, PFVA, 4096, pg(10), L4_Readable);
    L4_Word_t m0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_MAPS);
    L4_Word_t n0 = nfaults;
    L4_Word_t v = cmd(s, C_READ, PFVA, 0, 0, 0);
    ok(nfaults - n0 == 1 && v == 0x200a, "short path: a read-only page mapped on a read fault");
    pw[npw - 1].rights = L4_FullyAccessible;
    n0 = nfaults;
    cmd(s, C_WRITE, PFVA, 0x3333, 0, 0);
    ok(nfaults - n0 == 1 && (last_fault_label & L4ABI_FPAGE_W) && pages[10][0] == 0x3333,
       "short path: its write faults once (the item's rights held), then the upgrade lets it");
    n0 = nfaults;
    cmd(s, C_WRITE, PFVA, 0x3334, 0, 0);
    ok(nfaults == n0 && pages[10][0] == 0x3334, "short path: the upgraded page stays writable");
    L4_Word_t m1 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_MAPS);
    ok(fp ? m1 - m0 == 2 : m1 == m0, "short path: both replies took it (%lu)", m1 - m0);

    /* A different frame over an existing mapping: the general path's
     * result (the old one goes, with what was derived from it). */
    pw_add(s, PFVA + 0x1000, 4096, pg(11), L4_Readable);
    v = cmd(s, C_READ, PFVA + 0x1000, 0, 0, 0);
    pw[npw - 1].rbase = pg(12);
    pw[npw - 1].rights = L4_FullyAccessible;
    n0 = nfaults;
    cmd(s, C_WRITE, PFVA + 0x1000, 0x4444, 0, 0);
    ok(v == 0x200b && nfaults - n0 == 1 && pages[12][0] == 0x4444 && pages[11][0] == 0x200b,
       "short path: a write fault answered with another frame replaces the mapping");
    is(cmd(s, C_READ, PFVA + 0x1000, 0, 0, 0), 0x4444, "and S reads the new frame");

    /* A page we do not have: nothing mapped, S faults again. */
    pw_add(s, PFVA + 0x2000, 4096, pg(13), L4_FullyAccessible);
    L4_Word_t faults = read_first_answer(s, PFVA + 0x2000, 0x57000000, &v);
    ok(faults == 2 && v == 0x200d,
       "short path: a page the pager does not have maps nothing (%lu faults)", faults);

    /* Unmap after a short-path map: gone from S and from what S passed on. */
    ok(make_child(d, 3), "short path: space D created");
    cmd(d, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    is(cmd(s, C_MAP, d.raw, fpage(PFVA + 0x2000, 12, L4_FullyAccessible).raw, PFVA, 0), 1,
       "short path: S maps the page on to D");
    is(peek(d, PFVA), 0x200d, "D sees it");
    L4_UnmapFpage(fpage(pg(13), 12, L4_FullyAccessible));
    is(peek(d, PFVA), NOPAGE, "short path: our unmap removed D's mapping");
    n0 = nfaults;
    v = cmd(s, C_READ, PFVA + 0x2000, 0, 0, 0);
    ok(nfaults - n0 == 1 && v == 0x200d, "and S's (it faults again)");
    delete_thread(d);
    npw = np;
}

/* ---- the page-fault round trip's fast path (kernel/arch/ia32/pffast.c) ---- */

#define PF2VA   0x4b000000u         /* S's pages for these tests */

/* Our first answer to S's fault: no item, a grant, two map items, one
 * untyped word before the item, a read-only page. */
enum { A_NOITEM, A_GRANT, A_TWO, A_U1, A_RO };

/* S runs command label (addr, arg); our answer to its first fault is
 * `kind` (the page src), later ones follow the pager windows. Returns the
 * number of faults; *val gets S's result. */
static L4_Word_t serve_first(L4_ThreadId_t s, L4_Word_t label, L4_Word_t addr, L4_Word_t arg,
                             int kind, L4_Word_t src, L4_Word_t *val)
{
    L4_Msg_t m;
    L4_Word_t w[4] = { addr, arg, 0, 0 }, n = 0, page = addr & ~0xffful;
    L4_ThreadId_t from;
    L4_MsgPut(&m, label, 4, w, 0, 0);
    L4_MsgLoad(&m);
    L4_MsgTag_t tag = L4_Call(s);
    while (L4_IpcSucceeded(tag) && answer_fault(s, tag)) {
        if (n++ == 0) {
            L4_MapItem_t mi = L4_MapItem(fpage(src, 12, kind == A_RO ? L4_Readable
                                                                    : L4_FullyAccessible), page);
            L4_MsgClear(&m);
            if (kind == A_GRANT)
                L4_MsgAppendGrantItem(&m, L4_GrantItem(fpage(src, 12, L4_FullyAccessible), page));
            if (kind == A_U1)
                L4_MsgAppendWord(&m, 0x1234);
            if (kind == A_TWO || kind == A_U1 || kind == A_RO)
                L4_MsgAppendMapItem(&m, mi);
            if (kind == A_TWO)
                L4_MsgAppendMapItem(&m, mi);
            L4_MsgLoad(&m);
        }
        tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    }
    *val = ~0ul;
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, val);
    return n;
}

static void test_pf_fast(void)
{
    L4_ThreadId_t s = tid(100);
    int np = npw;
    L4_Word_t v, n0, faults;
    for (int i = 10; i < 15; i++)
        pages[i][0] = 0x3000 + i;

    /* A resolved fault leaves the faulting thread's UTCB as it was:
     * MR0..MR7, BR0, ErrorCode. */
    pw_add(s, PF2VA, 4096, pg(10), L4_FullyAccessible);
    n0 = nfaults;
    v = cmd(s, C_MRS, PF2VA, 0xa003, 0, 0);
    ok(nfaults - n0 == 1 && v == 0,
       "pf fast path: MR0..MR7, BR0 and ErrorCode unchanged by a resolved fault (%lx)", v);
    /* A reply with one word before its item: MR3 gets what the general
     * path leaves there (the item's second word), MR0..MR2 come back. */
    pw_add(s, PF2VA + 0x1000, 4096, pg(11), L4_FullyAccessible);
    faults = serve_first(s, C_MRS, PF2VA + 0x1000, fpage(pg(11), 12, L4_FullyAccessible).raw,
                         A_U1, pg(11), &v);
    ok(faults == 1 && v == 0,
       "pf fast path: a reply with a word before its map item, UTCB as the general path's "
       "(%lu faults, %lx)", faults, v);
    /* Replies the fast reply does not take: the general path's results. */
    pw_add(s, PF2VA + 0x2000, 4096, pg(12), L4_FullyAccessible);
    faults = serve_first(s, C_READ, PF2VA + 0x2000, 0, A_NOITEM, 0, &v);
    ok(faults == 2 && v == 0x300c, "pf fast path: a reply without an item: it faults again "
       "(%lu faults, %lx)", faults, v);
    faults = serve_first(s, C_READ, PF2VA + 0x3000, 0, A_GRANT, pg(14), &v);
    ok(faults == 1 && v == 0x300e, "pf fast path: a reply with a grant item maps the page "
       "(%lu faults, %lx)", faults, v);
    pw_add(s, PF2VA + 0x4000, 4096, pg(12), L4_FullyAccessible);
    faults = serve_first(s, C_READ, PF2VA + 0x4000, 0, A_TWO, pg(12), &v);
    ok(faults == 1 && v == 0x300c, "pf fast path: a reply with two map items "
       "(%lu faults, %lx)", faults, v);
    pw_add(s, PF2VA + 0x5000, 4096, pg(13), L4_FullyAccessible);
    faults = serve_first(s, C_WRITE, PF2VA + 0x5000, 0x55, A_RO, pg(13), &v);
    ok(faults == 2 && pages[13][0] == 0x55, "pf fast path: a read-only page to a write fault: "
       "it faults again (%lu faults)", faults);
    /* A reply with the map item to a stale ID of S (its thread number,
     * another version; then waiting for anyone, as the fast reply takes
     * it): no such partner (the general path's send error, nothing
     * mapped), S still waits; the same reply to S resolves it. */
    pw_add(s, PF2VA + 0x6000, 4096, pg(10), L4_Readable);
    {
        L4_Msg_t m;
        L4_Word_t w[4] = { PF2VA + 0x6000, 0, 0, 0 }, i1 = 0, i2 = 0, e;
        L4_ThreadId_t from, stale = L4_GlobalId(L4_ThreadNo(s), L4_Version(s) ^ 0x100);
        L4_MsgPut(&m, C_READ, 4, w, 0, 0);
        L4_MsgLoad(&m);
        n0 = nfaults;
        L4_Word_t s0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
        L4_MsgTag_t tag = L4_Call(s);
        L4_Word_t ds = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - s0;
        int fault = L4_IpcSucceeded(tag) && answer_fault(s, tag);
        L4_StoreMR(1, &i1);
        L4_StoreMR(2, &i2);
        tag = L4_Ipc(stale, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
        e = L4_ErrorCode();
        ok(fault && L4_IpcFailed(tag) && e == (L4ABI_IPCERR_NOPARTNER << L4ABI_IPCERR_CODE_SHIFT),
           "pf fast path: a map reply to a stale ID of the faulting thread: no such partner "
           "(%lx, %lu fast sends)", e, ds);
        load_tag(0, 0, 2);
        L4_LoadMR(1, i1);
        L4_LoadMR(2, i2);
        tag = call_serving_faults(s);
        v = ~0ul;
        if (L4_IpcSucceeded(tag))
            L4_StoreMR(1, &v);
        ok(v == 0x300a && nfaults - n0 == 1,
           "pf fast path: and the thread still waited: the reply to it maps the page "
           "(%lx, %lu faults)", v, nfaults - n0);
    }

    /* S on another CPU than its pager (smp2-mem): neither the fault nor
     * the reply takes the fast path (docs/smp.md, "Fast-path contract"),
     * the general path resolves it. One CPU: nothing to test. */
    L4_Word_t ncpus = L4_NumProcessors(L4_GetKernelInterface());
    L4_Word_t here = L4_KDB_Stat(L4ABI_KDB_STAT_CPU);
    if (ncpus > 1 && L4_Set_ProcessorNo(s, (here + 1) % ncpus)) {
        pw_add(s, PF2VA + 0x7000, 4096, pg(12), L4_FullyAccessible);
        L4_Word_t s0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
        L4_Word_t r0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES);
        n0 = nfaults;
        v = cmd(s, C_READ, PF2VA + 0x7000, 0, 0, 0);
        L4_Word_t ds = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - s0;
        L4_Word_t dr = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES) - r0;
        L4_Set_ProcessorNo(s, here);
        ok(nfaults - n0 == 1 && v == 0x300c && ds == 0 && dr == 0,
           "pf fast path: a fault on another CPU than the pager's goes the general way "
           "(%lu, %lu sent/replied fast)", ds, dr);
    } else {
        ok(1, "# SKIP pf fast path across CPUs: one CPU");
    }

    npw = np;
}

/* S loads a value into its FPU, faults at addr (our answer: the pager
 * window's page), stores the value back (C_FPU). With pager_fpu we use
 * the FPU ourselves before answering. Returns S's result (1: the value
 * changed) plus twice the #NM traps meanwhile; *fast is 1 if the fault
 * and the reply took the fast path exactly on a kernel that has it (none
 * on one that has not). */
static L4_Word_t fpu_across_fault(L4_ThreadId_t s, L4_Word_t addr, int pager_fpu, int *fast)
{
    L4_Msg_t m;
    L4_Word_t w[4] = { addr, 0x12345, 0, 0 }, v = ~0ul;
    L4_ThreadId_t from;
    L4_Word_t s0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
    L4_Word_t r0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES);
    L4_Word_t n0 = L4_KDB_Stat(L4ABI_KDB_STAT_FPU_TRAPS);
    L4_MsgPut(&m, C_FPU, 4, w, 0, 0);
    L4_MsgLoad(&m);
    L4_MsgTag_t tag = L4_Call(s);
    while (L4_IpcSucceeded(tag) && answer_fault(s, tag)) {
        if (pager_fpu) {
            L4_Word_t x = 7, y;
            __asm__ volatile("fninit; fildl %1; fistpl %0" : "=m"(y) : "m"(x) : "memory");
        }
        tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    }
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &v);
    v += (L4_KDB_Stat(L4ABI_KDB_STAT_FPU_TRAPS) - n0) << 1;
    L4_Word_t ds = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - s0;
    L4_Word_t dr = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_REPLIES) - r0;
    L4_Word_t want = L4_KDB_Stat(L4ABI_KDB_STAT_FASTPATH) ? 1 : 0;
    *fast = ds == want && dr == want;
    return v;
}

/* The switches of the fault's fast path both ways keep the lazy FPU
 * switching's state (excfast_exit.S's direct switch): CR0.TS set for a
 * pager that does not own the FPU, clear again for the faulting thread
 * that does. */
static void test_pf_fast_fpu(void)
{
    L4_ThreadId_t s = tid(100);
    int np = npw, fast;
    pw_add(s, PF2VA + 0x8000, 0x2000, pg(12), L4_FullyAccessible);
    /* S's first use traps (#NM), nothing after the fault does. */
    L4_Word_t v = fpu_across_fault(s, PF2VA + 0x8000, 0, &fast);
    ok(v == 2 && fast, "pf fast path: the FPU across a resolved fault: its value kept, "
       "no #NM after it (%lx)", v);
    /* S owns the FPU now: our use traps and saves S's registers, S's
     * store after the fault traps and restores them. */
    v = fpu_across_fault(s, PF2VA + 0x9000, 1, &fast);
    ok(v == 4 && fast, "pf fast path: a pager that uses the FPU meanwhile: the value "
       "kept, one #NM for each (%lx)", v);
    npw = np;
}

/* Threads of our own space for the wait's other ends: ExchangeRegisters
 * works within a space, and a pager there can be deleted. */
#define PF3VA   0x4c000000u         /* unmapped in our space until a test maps it */
static L4_Word_t tstacks[2][STACK_WORDS] __attribute__((aligned(16)));
static volatile L4_Word_t t_addr, t_read;

static void *own_utcb(int slot) { return (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE); }
static L4_Word_t exregs_state(L4_ThreadId_t t)
{
    L4_Word_t state;
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread, &state, 0, 0, 0, 0, 0);
    return state;
}

/* Reads t_addr (a fault), keeps what it read, sleeps. */
static void faulter_main(void)
{
    t_read = *(volatile L4_Word_t *)t_addr;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A pager that takes one fault, tells the root task its address, and
 * never answers. */
static void silent_pager_main(void)
{
    L4_ThreadId_t from;
    L4_Word_t a = 0;
    L4_MsgTag_t tag = L4_Wait(&from);
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &a);
    load_tag(0, 1, 0);
    L4_LoadMR(1, a);
    L4_Send(root_tid);
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_pf_fast_wait_ends(void)
{
    L4_ThreadId_t t = tid(110), p = tid(111);
    L4_Word_t fp = L4_KDB_Stat(L4ABI_KDB_STAT_FASTPATH);

    /* ExchangeRegisters aborts the wait: the access runs again and
     * faults again, now to a pager that does not wait (general path). */
    t_addr = PF3VA;
    t_read = 0;
    L4_Word_t s0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
    L4_Word_t here = L4_KDB_Stat(L4ABI_KDB_STAT_CPU);
    ok(L4_ThreadControl(t, root_tid, root_tid, root_tid, own_utcb(8)) == 1,
       "pf wait: a thread of our space, paged by us");
    /* On our CPU, whatever the homing policy (smp=spread): the fast path
     * needs both threads homed on one CPU. A no-op on one CPU. */
    L4_Set_ProcessorNo(t, here);
    L4_Start_SpIp(t, (L4_Word_t)&tstacks[0][STACK_WORDS - 4], (L4_Word_t)faulter_main);
    L4_Word_t a1 = 0, a2 = 0;
    L4_MsgTag_t tag = L4_Receive(t);
    L4_StoreMR(1, &a1);
    L4_Word_t sends = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - s0;
    int first = L4_IpcSucceeded(tag) &&
                (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT;
    ok(first && a1 == PF3VA && (fp ? sends == 1 : sends == 0),
       "pf wait: its fault reached us waiting, by the fast path (%lu)", sends);
    __L4_EXREGS(t, L4ABI_EXREGS_ABORT_RECV);
    tag = L4_Receive(t);
    L4_StoreMR(1, &a2);
    ok(L4_IpcSucceeded(tag) && (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT &&
       a2 == PF3VA, "pf wait: aborted by ExchangeRegisters, the access faults again");
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 12, L4_FpageLog2(PF3VA, 12));
    *(volatile L4_Word_t *)PF3VA = 0x6060;
    load_tag(0, 0, 0);                  /* no item: the page is there now */
    L4_Reply(t);
    L4_Sleep(L4_TimePeriod(1000));
    ok(!L4_IsNilFpage(f) && t_read == 0x6060, "pf wait: then it reads the page (%lx)", t_read);
    delete_thread(t);

    /* The pager is deleted while the thread waits for its reply: the
     * thread is stopped, as pagefault() stops it. */
    t_addr = PF3VA + 0x1000;
    t_read = 0;
    ok(L4_ThreadControl(p, root_tid, root_tid, root_tid, own_utcb(9)) == 1 &&
       L4_ThreadControl(t, root_tid, root_tid, p, own_utcb(8)) == 1,
       "pf wait: a pager thread and a thread it pages");
    L4_Set_ProcessorNo(p, here);
    L4_Set_ProcessorNo(t, here);
    L4_Start_SpIp(p, (L4_Word_t)&tstacks[1][STACK_WORDS - 4], (L4_Word_t)silent_pager_main);
    L4_Sleep(L4_TimePeriod(1000));     /* the pager waits first */
    s0 = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS);
    L4_Start_SpIp(t, (L4_Word_t)&tstacks[0][STACK_WORDS - 4], (L4_Word_t)faulter_main);
    tag = L4_Receive(p);
    a1 = 0;
    L4_StoreMR(1, &a1);
    sends = L4_KDB_Stat(L4ABI_KDB_STAT_FAST_PF_SENDS) - s0;
    ok(L4_IpcSucceeded(tag) && a1 == PF3VA + 0x1000 && (fp ? sends == 1 : sends == 0),
       "pf wait: the fault went to the waiting pager by the fast path (%lu)", sends);
    delete_thread(p);
    L4_Sleep(L4_TimePeriod(1000));
    ok((exregs_state(t) & L4ABI_EXREGS_STATE_HALTED) && t_read == 0,
       "pf wait: its pager deleted mid-wait, the thread is stopped");
    delete_thread(t);
}

/* ---- the map reply's tests in assembly (pffast_entry.S): each reply the
 * fast reply must refuse gets the general path's result ---- */

#define PF4VA   0x4d000000u         /* S's pages for these tests */
#define DEFAULT_PRIO_USER 100       /* every thread's priority here (kernel sched.h) */

/* S reads addr; true when its fault reached us (our call's receive). */
static int pf_start(L4_ThreadId_t s, L4_Word_t addr)
{
    L4_Msg_t m;
    L4_Word_t w[4] = { addr, 0, 0, 0 };
    L4_MsgPut(&m, C_READ, 4, w, 0, 0);
    L4_MsgLoad(&m);
    L4_MsgTag_t tag = L4_Call(s);
    return L4_IpcSucceeded(tag) && (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT;
}

/* One map item of src (2^log2 bytes, full rights), hot spot at page. */
static void load_map(L4_Word_t src, unsigned log2, L4_Word_t page)
{
    L4_MapItem_t mi = L4_MapItem(fpage(src, log2, L4_FullyAccessible), page);
    load_tag(0, 0, 2);
    L4_LoadMR(1, mi.raw[0]);
    L4_LoadMR(2, mi.raw[1]);
}

/* S's result once it is done (its later faults served by the windows);
 * *faults gets their number. */
static L4_Word_t pf_finish(L4_ThreadId_t s, L4_Word_t *faults)
{
    L4_ThreadId_t from;
    L4_Word_t n0 = nfaults, v = ~0ul;
    L4_MsgTag_t tag = L4_Receive(s);
    while (L4_IpcSucceeded(tag) && answer_fault(s, tag))
        tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &v);
    *faults = nfaults - n0;
    return v;
}

/* A thread of our space that sends one word (or S a map item) to whom
 * the test says, then reports its send's error code to us and sleeps. */
static volatile L4_Word_t h_kind, h_err;
static volatile L4_ThreadId_t h_to;
static void helper_main(void)
{
    L4_MsgTag_t tag;
    if (h_kind == 0) {
        load_tag(0, 1, 0);
        L4_LoadMR(1, 0x7777);
        tag = L4_Send(root_tid);
    } else {
        /* with a receive phase (the fast reply's kind of message) */
        L4_ThreadId_t from;
        load_map(pg(12), 12, PF4VA + 0x5000);
        tag = L4_Ipc(h_to, L4_anythread, L4_Timeouts(L4_ZeroTime, L4_Never), &from);
    }
    h_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    load_tag(0, 1, 0);
    L4_LoadMR(1, h_err);
    if (h_kind != 0)
        L4_Send(root_tid);
    for (;;)
        L4_Sleep(L4_Never);
}

static L4_ThreadId_t start_helper(int kind, L4_ThreadId_t to)
{
    L4_ThreadId_t h = tid(112);
    h_kind = kind;
    h_to = to;
    h_err = ~0ul;
    L4_ThreadControl(h, root_tid, root_tid, root_tid, own_utcb(10));
    L4_Set_ProcessorNo(h, L4_KDB_Stat(L4ABI_KDB_STAT_CPU));
    L4_Start_SpIp(h, (L4_Word_t)&tstacks[1][STACK_WORDS - 4], (L4_Word_t)helper_main);
    return h;
}

static void test_pf_asm_refusals(void)
{
    L4_ThreadId_t s = tid(100), from;
    int np = npw;
    L4_Word_t v, e, faults;
    L4_MsgTag_t tag;
    for (int i = 10; i < 14; i++)
        pages[i][0] = 0x3000 + i;

    /* A reply-and-receive from S with a zero receive timeout: the map is
     * delivered, our receive times out at once (S has not run). */
    pw_add(s, PF4VA, 4096, pg(10), L4_FullyAccessible);
    int f = pf_start(s, PF4VA);
    load_map(pg(10), 12, PF4VA);
    tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_ZeroTime), &from);
    e = L4_ErrorCode();
    ok(f && L4_IpcFailed(tag) && e == L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 1, 0),
       "pf asm reply: a zero receive timeout: the page mapped, our receive timed out (%lx)", e);
    v = pf_finish(s, &faults);
    ok(v == 0x300a && faults == 0, "and S read the page (%lx, %lu faults)", v, faults);

    /* Receiving from a thread that does not exist: the map is
     * delivered, our receive fails at once (no such partner). */
    pw_add(s, PF4VA + 0x1000, 4096, pg(11), L4_FullyAccessible);
    f = pf_start(s, PF4VA + 0x1000);
    load_map(pg(11), 12, PF4VA + 0x1000);
    tag = L4_Ipc(s, tid(250), L4_Timeouts(L4_Never, L4_Never), &from);
    e = L4_ErrorCode();
    ok(f && L4_IpcFailed(tag) && e == L4ABI_IPCERR(L4ABI_IPCERR_NOPARTNER, 1, 0),
       "pf asm reply: receiving from a thread that does not exist: no partner (%lx)", e);
    v = pf_finish(s, &faults);
    ok(v == 0x300b && faults == 0, "and S read the page (%lx, %lu faults)", v, faults);

    /* An 8 KiB send fpage (pages 10 and 11), hot spot at the fault's
     * page, the odd half of its 8 KiB: both pages mapped there, S reads
     * page 11 (a 4 KiB reading of the item would give it page 10). */
    f = pf_start(s, PF4VA + 0x3000);
    load_map(pg(10), 13, PF4VA + 0x3000);
    v = ~0ul;
    tag = call_serving_faults(s);
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &v);
    ok(f && v == 0x300b, "pf asm reply: an 8 KiB send fpage maps the fault's half (%lx)", v);

    /* Reply and wait for anyone with a sender queued on us: the general
     * path receives it at once. */
    L4_ThreadId_t h = start_helper(0, L4_nilthread);
    L4_Sleep(L4_TimePeriod(1000));      /* the helper blocks sending to us */
    pw_add(s, PF4VA + 0x4000, 4096, pg(12), L4_FullyAccessible);
    f = pf_start(s, PF4VA + 0x4000);
    load_map(pg(12), 12, PF4VA + 0x4000);
    tag = L4_Ipc(s, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
    v = ~0ul;
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &v);
    ok(f && L4_IpcSucceeded(tag) && v == 0x7777,
       "pf asm reply: reply and wait with a sender queued on us: its message first (%lx)", v);
    v = pf_finish(s, &faults);
    ok(v == 0x300c && faults == 0, "and S read the page (%lx, %lu faults)", v, faults);
    delete_thread(h);

    /* A map item to S, which waits for us, from another thread of ours
     * (zero send timeout, then a receive phase): S does not accept it (send timeout, nothing
     * mapped); our own reply then resolves the fault. */
    pw_add(s, PF4VA + 0x5000, 4096, pg(13), L4_FullyAccessible);
    /* S below the helper's priority (ours): S's queue entry then stays
     * while the helper runs, and the handoff rule holds for it (the
     * helper alone at its level once we block), so only the partner
     * test stands between the helper's message and the fast reply. */
    L4_Set_Priority(s, DEFAULT_PRIO_USER - 50);
    f = pf_start(s, PF4VA + 0x5000);
    h = start_helper(1, s);
    tag = L4_Receive_Timeout(h, L4_TimePeriod(5000));
    e = ~0ul;
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &e);
    ok(f && e == L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0),
       "pf asm reply: a map item to the faulting thread from another thread: send timeout "
       "(%lx)", e);
    delete_thread(h);
    load_map(pg(13), 12, PF4VA + 0x5000);
    tag = call_serving_faults(s);
    v = ~0ul;
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &v);
    ok(v == 0x300d, "and our reply then maps our page (%lx)", v);
    L4_Set_Priority(s, DEFAULT_PRIO_USER);
    npw = np;
}

static void test_kernel_memory(void)
{
    L4_ThreadId_t s = tid(100);
    delete_thread(s);
    L4_Word_t f0 = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    L4_Word_t k0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    storm("round 2");
    L4_Word_t k1 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    ok(k1 > k0 + (STORM_LEN / 4096) * 32, "4096 mappings use kernel memory (%lu bytes)",
       k1 - k0);
    delete_thread(s);
    is(L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES), k0,
       "kernel object bytes back to the start after deleting the space");
    is(L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES), f0,
       "free kernel frames back to the start after deleting the space");
}

/* ---- three levels: A (root) -> B -> C ---- */

static L4_ThreadId_t B, C;

static void test_three_levels(void)
{
    B = tid(80);
    C = tid(90);
    npw = 0;
    for (int i = 0; i < 16; i++)
        pages[i][0] = 0x1000 + i;
    ok(make_child(B, 0) && make_child(C, 1), "spaces B and C created");
    cmd(B, C_WINDOW, L4_FpageLog2(BWIN, 16).raw, 0, 0, 0);
    cmd(C, C_WINDOW, L4_FpageLog2(CWIN, 16).raw, 0, 0, 0);
    ok(give(B, fpage(pg(0), 14, L4_FullyAccessible), pg(0), 0), "A maps 16 KiB to B");
    int good = 1;
    for (int k = 0; k < 4; k++)
        good &= peek(B, BWIN + k * 4096) == 0x1000u + k;
    ok(good, "B sees A's four pages in order");
    is(peek(B, BWIN + 0x4000), NOPAGE, "nothing beyond the fpage");
    is(cmd(B, C_MAP, C.raw, fpage(BWIN, 14, L4_FullyAccessible).raw, BWIN, 0), 1,
       "B maps them on to C");
    good = 1;
    for (int k = 0; k < 4; k++)
        good &= peek(C, CWIN + k * 4096) == 0x1000u + k;
    ok(good, "C sees the same four frames");

    /* Access bits travel up: C writes, A asks. */
    L4_GetStatus(fpage(pg(1), 12, 0));
    is(poke(C, CWIN + 0x1000, 0x77), 0, "C writes through its mapping");
    L4_Fpage_t st = L4_GetStatus(fpage(pg(1), 12, 0));
    ok(L4_WasWritten(st) && L4_WasReferenced(st), "A's Unmap reports C's write (bits %lx)",
       st.raw & 7);
    st = L4_GetStatus(fpage(pg(1), 12, 0));
    is(st.raw & 7, 0, "reported bits are reset");
    is(pages[1][0], 0x77, "A sees C's write");

    /* Unmap in the middle level: C's subtree goes, B keeps its pages. */
    L4_Word_t r = cmd(B, C_UNMAP, fpage(BWIN, 14, L4_FullyAccessible).raw, 0, 0, 0);
    is(r & ~7ul, fpage(BWIN, 14, 0).raw, "B's Unmap returns its fpage");
    is(peek(C, CWIN), NOPAGE, "B's unmap removed C's mapping");
    is(peek(C, CWIN + 0x3000), NOPAGE, "all of them");
    is(peek(B, BWIN), 0x1000, "B kept its own");

    /* Grant moves B's mapping to C; A can still revoke it there. */
    is(cmd(B, C_MAP, C.raw, fpage(BWIN + 0x2000, 12, L4_FullyAccessible).raw, BWIN + 0x2000, 1),
       1, "B grants a page to C");
    is(peek(C, CWIN + 0x2000), 0x1002, "C has the granted page where the window says");
    is(peek(B, BWIN + 0x2000), NOPAGE, "B no longer has it");
    L4_UnmapFpage(fpage(pg(2), 12, L4_FullyAccessible));
    is(peek(C, CWIN + 0x2000), NOPAGE, "A's unmap reaches the granted page");

    /* Revocation from the top reaches every level. */
    cmd(B, C_MAP, C.raw, fpage(BWIN, 14, L4_FullyAccessible).raw, BWIN, 0);
    is(peek(C, CWIN + 0x3000), 0x1003, "C mapped again from B");
    L4_UnmapFpage(fpage(pg(0), 14, L4_FullyAccessible));
    ok(peek(B, BWIN) == NOPAGE && peek(B, BWIN + 0x3000) == NOPAGE,
       "A's unmap removed B's mappings");
    ok(peek(C, CWIN + 0x1000) == NOPAGE && peek(C, CWIN + 0x3000) == NOPAGE,
       "and C's, two levels down");
    is(pages[3][0], 0x1003, "A keeps its own pages");

    /* Rights reduction: revoke only W, the mapping stays readable. */
    give(B, fpage(pg(5), 12, L4_FullyAccessible), pg(5), 0);
    L4_UnmapFpage(fpage(pg(5), 12, L4ABI_FPAGE_W));
    is(peek(B, BWIN + 0x5000), 0x1005, "after revoking W, B still reads");
    L4_Word_t n = poke(B, BWIN + 0x5000, 1);
    ok(n == 1 && (last_fault_label & L4ABI_FPAGE_W) && pages[5][0] == 0x1005,
       "but its write faults (%lu faults) and does not reach the frame", n);
}

static void test_rights(void)
{
    /* Read-only, then the pager maps the same page writable: an upgrade. */
    pages[8][0] = 0x1008;
    give(B, fpage(pg(8), 12, L4_Readable), pg(8), 0);
    is(peek(B, BWIN + 0x8000), 0x1008, "read-only mapping readable");
    cmd(B, C_MAP, C.raw, fpage(BWIN + 0x8000, 12, L4_FullyAccessible).raw, BWIN + 0x8000, 0);
    is(peek(C, CWIN + 0x8000), 0x1008, "B passed it on to C");
    pw_add(B, BWIN + 0x8000, 4096, pg(8), L4_FullyAccessible);
    L4_Word_t n = poke(B, BWIN + 0x8000, 0x88);
    ok(n == 1 && (last_fault_label & L4ABI_FPAGE_W), "write to it faults once (%lu)", n);
    is(pages[8][0], 0x88, "after the upgrade the write reached the frame");
    is(poke(B, BWIN + 0x8000, 0x89), 0, "and further writes do not fault");
    is(peek(C, CWIN + 0x8000), 0x89, "the upgrade kept C's mapping derived from B's");
    npw = 0;

    /* B cannot pass on more rights than it has. */
    pages[9][0] = 0x1009;
    give(B, fpage(pg(9), 12, L4_Readable), pg(9), 0);
    cmd(B, C_MAP, C.raw, fpage(BWIN + 0x9000, 12, L4_FullyAccessible).raw, BWIN + 0x9000, 0);
    is(peek(C, CWIN + 0x9000), 0x1009, "C got B's read-only page");
    n = poke(C, CWIN + 0x9000, 0x99);
    ok(n == 1 && pages[9][0] == 0x1009, "mapped on with RWX it is still read-only for C");
}

/* 4 MiB mappings: made where both sides allow, split when partly revoked. */
static void test_superpages(void)
{
    L4_Word_t big = REGION + (4u << 20), bwin = 0x48000000u;
    cmd(B, C_WINDOW, L4_FpageLog2(bwin, 23).raw, 0, 0, 0);
    L4_Word_t k0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    give(B, fpage(big, 22, L4_FullyAccessible), big, 0);
    L4_Word_t k1 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    if (L4_PageSizeMask(L4_GetKernelInterface()) & (1u << 22))
        ok(k1 - k0 <= 1024, "4 MiB mapped as one mapping, no page table (%lu bytes)",
           k1 - k0);
    else
        ok(1, "# SKIP no 4 MiB pages on this CPU (KIP page-size mask)");
    ok(peek(B, bwin + (4u << 20) + 0x3000) == ((STORM_VA + (4u << 20) + 0x3000) ^ 0x5a5a5a5au) &&
       peek(B, bwin + (8u << 20) - 4096) == ((STORM_VA + (8u << 20) - 4096) ^ 0x5a5a5a5au),
       "B sees the 4 MiB at the window's upper half (hot spot)");
    is(peek(B, bwin), NOPAGE, "lower half of the window empty");
    L4_UnmapFpage(fpage(big + 0x3000, 12, L4_FullyAccessible));
    is(peek(B, bwin + (4u << 20) + 0x3000), NOPAGE,
       "revoking 4 KiB of A's 4 MiB page removes that page from B");
    ok(peek(B, bwin + (4u << 20) + 0x4000) == ((STORM_VA + (4u << 20) + 0x4000) ^ 0x5a5a5a5au) &&
       peek(B, bwin + (4u << 20) + 0x2000) != NOPAGE,
       "and only that page (B's mapping was split)");
    L4_Word_t want5 = (STORM_VA + (4u << 20) + 0x5000) ^ 0x5a5a5a5au;
    cmd(B, C_MAP, C.raw, fpage(bwin + (4u << 20) + 0x5000, 12, L4_FullyAccessible).raw,
        bwin + (4u << 20) + 0x5000, 1);
    ok(peek(C, CWIN + 0x5000) == want5 && peek(B, bwin + (4u << 20) + 0x5000) == NOPAGE,
       "B grants a piece of its split 4 MiB page to C");
    L4_Word_t r = cmd(B, C_UNMAP, fpage(bwin, 23, L4_FullyAccessible).raw, L4ABI_UNMAP_FLUSH,
                      0, 0);
    ok((r & L4ABI_FPAGE_R) && peek(B, bwin + (4u << 20) + 0x4000) == NOPAGE,
       "B flushes all its pieces (referenced bit %lx)", r & 7);
    is(peek(C, CWIN + 0x5000), want5, "the granted piece is C's now: B's flush left it");
    L4_UnmapFpage(fpage(big + 0x5000, 12, L4_FullyAccessible));
    is(peek(C, CWIN + 0x5000), NOPAGE, "A's unmap still reaches it");
    L4_Word_t k2 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    /* Page tables stay until the space goes: one for the pieces, one for
     * the probe at the window's base. */
    ok(k2 <= k1 + 2 * 4096, "the split pieces are freed again (%ld bytes of page "
       "tables stay)", (long)(k2 - k1));
}

static void test_windows(void)
{
    /* Window smaller than the fpage: the hot spot picks the part. */
    cmd(B, C_WINDOW, L4_FpageLog2(0x51000000, 12).raw, 0, 0, 0);
    give(B, fpage(pg(4), 14, L4_FullyAccessible), pg(4) + 0x2000, 0);
    is(peek(B, 0x51000000), 0x1006, "16 KiB into a 4 KiB window: the hot spot's page lands");
    cmd(B, C_WINDOW, L4_FpageLog2(0x51000000, 13).raw, 0, 0, 0);
    give(B, fpage(pg(4), 14, L4_FullyAccessible), pg(4) + 0x3000, 0);
    ok(peek(B, 0x51000000) == 0x1006 && peek(B, 0x51001000) == 0x1007,
       "16 KiB into an 8 KiB window: the hot spot's half lands");

    /* Window larger than the fpage: the hot spot picks the place. */
    cmd(B, C_WINDOW, L4_FpageLog2(0x52000000, 16).raw, 0, 0, 0);
    give(B, fpage(pg(9), 12, L4_FullyAccessible), 0x3000, 0);
    is(peek(B, 0x52003000), 0x1009, "4 KiB into a 64 KiB window at hot spot 0x3000");
    is(peek(B, 0x52000000), NOPAGE, "not at the window's base");
    give(B, fpage(pg(10), 12, L4_FullyAccessible), 0x12347abc, 0);
    is(peek(B, 0x52007000), 0x100a, "hot spot taken modulo the window (0x12347abc -> +0x7000)");
    /* Overlap: a new mapping replaces what was there. */
    give(B, fpage(pg(10), 12, L4_FullyAccessible), 0x3000, 0);
    is(peek(B, 0x52003000), 0x100a, "mapping over an existing one replaces it");
    give(B, fpage(pg(4), 14, L4_FullyAccessible), 0x4000, 0);
    ok(peek(B, 0x52004000) == 0x1004 && peek(B, 0x52007000) == 0x1007,
       "16 KiB over a window part holding a page: whole fpage lands");
    /* X.2 (Pistachio): a map or grant item into a nil receive window
     * ends the IPC with message overflow, so the sender learns that
     * nothing was mapped. */
    cmd(B, C_WINDOW, 0, 0, 0, 0);
    int sent = give(B, fpage(pg(11), 12, L4_FullyAccessible), 0xe000, 0);
    L4_Word_t err = L4_ErrorCode();
    cmd(B, C_WINDOW, L4_FpageLog2(0x52000000, 16).raw, 0, 0, 0);
    ok(!sent && L4ABI_IPCERR_CODE(err) == L4ABI_IPCERR_OVERFLOW && !(err & 1) && (err >> 4) == 0,
       "X.2: map item into a nil receive window: the send fails with message overflow, "
       "offset 0 (%lx)", err);
    is(peek(B, 0x5200e000), NOPAGE, "nil receive window: nothing mapped");
    cmd(B, C_WINDOW, 0, 0, 0, 0);
    sent = give(B, fpage(pg(11), 12, L4_FullyAccessible), 0xe000, 1);
    err = L4_ErrorCode();
    cmd(B, C_WINDOW, L4_FpageLog2(0x52000000, 16).raw, 0, 0, 0);
    ok(!sent && L4ABI_IPCERR_CODE(err) == L4ABI_IPCERR_OVERFLOW && !(err & 1) &&
       peek(B, 0x5200e000) == NOPAGE,
       "X.2: grant item into a nil receive window: message overflow, nothing granted (%lx)", err);
    /* B grants into C's nil window: the IPC fails and B keeps the page. */
    cmd(C, C_WINDOW, 0, 0, 0, 0);
    L4_Word_t r = cmd(B, C_MAP, C.raw, fpage(0x52003000, 12, L4_FullyAccessible).raw,
                      0x52003000, 1);
    cmd(C, C_WINDOW, L4_FpageLog2(CWIN, 16).raw, 0, 0, 0);
    ok(r == 0 && peek(B, 0x52003000) == 0x100a && peek(C, CWIN + 0x3000) == NOPAGE,
       "X.2: a child's grant into another's nil window fails, the granter keeps its page");
}

static void test_bad_fpages(void)
{
    cmd(B, C_WINDOW, L4_FpageLog2(0x53000000, 16).raw, 0, 0, 0);
    L4_Fpage_t f;
    f.raw = (pg(11) & ~0x3fful) | (0 << 4) | 7;
    give(B, f, 0x1000, 0);
    is(peek(B, 0x53001000), NOPAGE, "size-0 fpage maps nothing");
    f.raw = (pg(11) & ~0x3fful) | (40 << 4) | 7;
    give(B, f, 0x2000, 0);
    is(peek(B, 0x53002000), NOPAGE, "size 2^40 fpage maps nothing");
    f.raw = (pg(11) & ~0x3fful) | (11 << 4) | 7;
    give(B, f, 0x3000, 0);
    is(peek(B, 0x53003000), NOPAGE, "2 KiB fpage (smaller than a page) maps nothing");
    f.raw = (pg(11) + 0x400) | (12 << 4) | 7;
    give(B, f, 0x4000, 0);
    is(peek(B, 0x53004000), 0x100b, "unaligned base is aligned down (X.2 ignores low bits)");
    give(B, fpage(0xc0000000, 12, L4_FullyAccessible), 0x5000, 0);
    is(peek(B, 0x53005000), NOPAGE, "kernel-space fpage maps nothing");
    give(B, fpage(0xbfc00000, 22, L4_FullyAccessible), 0, 0);
    ok(peek(B, 0x53000000) == NOPAGE, "fpage over our KIP and UTCB areas maps nothing");
    cmd(B, C_WINDOW, L4_FpageLog2(0xc0000000, 22).raw, 0, 0, 0);
    give(B, fpage(pg(12), 12, L4_FullyAccessible), 0, 0);
    cmd(B, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    give(B, fpage(pg(12), 12, L4_FullyAccessible), 0xc0001000, 0);
    give(B, fpage(pg(12), 12, L4_FullyAccessible), UTCB_AREA, 0);
    give(B, fpage(pg(12), 12, L4_FullyAccessible), KIP_AREA, 0);
    is(cmd(B, C_NOP, 0, 0, 0, 0), 0,
       "windows in kernel space, on the UTCB and the KIP: B still runs");
    L4_Word_t kip_magic = peek(B, KIP_AREA);
    is(kip_magic, L4ABI_KIP_MAGIC, "B's KIP was not replaced");

    /* Unmap with bad fpages: nothing happens, bits 0, we survive. */
    L4_Fpage_t v[6];
    v[0] = L4_Nilpage;
    v[1].raw = L4ABI_IOFPAGE(0x60, 4) | 7;
    v[2].raw = (pg(12) & ~0x3fful) | (40 << 4) | 7;
    v[3] = fpage(0xc0000000, 30, 7);
    v[4] = fpage(0x80000000, 31, 7);
    v[5].raw = (pg(12) & ~0x3fful) | (11 << 4) | 7;
    pages[12][0] = 0x100c;
    L4_FlushFpages(6, v);
    int zero = 1;
    for (int i = 0; i < 6; i++)
        zero &= (v[i].raw & 7) == 0;
    ok(zero, "bad fpages in Unmap report no bits");
    ok(pages[12][0] == 0x100c && L4_Myself().raw == root_tid.raw &&
       ((struct l4_kip *)L4_GetKernelInterface())->magic == L4ABI_KIP_MAGIC,
       "flushing up to the kernel left our UTCB, KIP and pages alone");

    /* An unaligned Unmap fpage is aligned down. */
    cmd(B, C_WINDOW, L4_FpageLog2(0x54000000, 16).raw, 0, 0, 0);
    give(B, fpage(pg(13), 12, L4_FullyAccessible), 0xd000, 0);
    pages[13][0] = 0x100d;
    is(peek(B, 0x5400d000), 0x100d, "page mapped to B");
    f.raw = (pg(13) + 0x800) | (12 << 4) | 7;
    L4_UnmapFpage(f);
    is(peek(B, 0x5400d000), NOPAGE, "unaligned Unmap fpage revoked it");
}

static void test_not_owned(void)
{
    cmd(C, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    cmd(B, C_MAP, C.raw, fpage(0x57000000, 12, 7).raw, 0x57000000, 0);
    is(peek(C, 0x57000000), NOPAGE, "B maps memory it does not have: C gets nothing");
    cmd(B, C_MAP, C.raw, fpage(0x57000000, 12, 7).raw, 0x57000000, 1);
    is(peek(C, 0x57000000), NOPAGE, "nor by grant");
    cmd(B, C_MAP, C.raw, fpage(0x00100000, 22, 7).raw, 0x70000000, 0);
    is(peek(C, 0x70100000), NOPAGE, "physical kernel addresses are not B's");
    cmd(B, C_MAP, C.raw, fpage(0xc0000000, 28, 7).raw, 0x80000000, 0);
    is(peek(C, 0x80000000), NOPAGE, "kernel space is not B's");
    cmd(B, C_MAP, C.raw, fpage(KIP_AREA, 12, 7).raw, 0x71000000, 0);
    is(peek(C, 0x71000000), NOPAGE, "B's KIP page does not move");
    cmd(B, C_MAP, C.raw, fpage(UTCB_AREA, 12, 7).raw, 0x72000000, 0);
    is(peek(C, 0x72000000), NOPAGE, "B's UTCB page does not move");
    cmd(B, C_MAP, C.raw, L4_CompleteAddressSpace.raw | 7, 0, 0);
    is(cmd(C, C_NOP, 0, 0, 0, 0), 0, "B maps its whole space to C: C still runs");
    is(cmd(B, C_NOP, 0, 0, 0, 0), 0, "and so does B");
    delete_thread(B);
    delete_thread(C);
}

/* Random map, grant, unmap and flush among A, B2 and C2 (4 KiB pages and
 * parts of a 4 MiB page), checking that whatever B2 and C2 can read is a
 * frame that was really passed to that place, that A's unmap then takes
 * everything back, and that kernel memory returns after deleting them. */
static L4_Word_t seed = 4711;
static L4_Word_t rnd(L4_Word_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

#define NSLOT   32
#define SLOTB   0x50000000u
#define SLOTC   0x60000000u
#define CHUNK   (REGION + (12u << 20))
#define CHUNKB  0x48000000u
#define CHUNKC  0x68000000u

static int marker_ok(L4_Word_t v, L4_Word_t allowed)
{
    return v == NOPAGE || (v - 0x1000 < 16 && (allowed & (1u << (v - 0x1000))));
}

static void test_random(void)
{
    L4_ThreadId_t b = tid(81), c = tid(91);
    L4_Word_t allowB[NSLOT] = { 0 }, allowC[NSLOT] = { 0 }, bad = 0, seen = 0;
    volatile L4_Word_t *chunk = (volatile L4_Word_t *)CHUNK;
    for (int i = 0; i < 16; i++)
        pages[i][0] = 0x1000 + i;
    for (L4_Word_t p = 0; p < 1024; p++)
        chunk[p * 1024] = 0xc0de0000u + p;
    npw = 0;
    L4_Word_t k0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    ok(make_child(b, 0) && make_child(c, 1), "random: spaces B2 and C2 created");
    cmd(b, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    cmd(c, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    for (int step = 0; step < 400; step++) {
        L4_Word_t i = rnd(16), j = rnd(NSLOT), k = rnd(NSLOT), r = 1 + rnd(7);
        L4_Word_t log2 = 12 + rnd(5), off = rnd(1024) << 12;
        off &= ~((1ul << log2) - 1);
        switch (rnd(10)) {
        case 0:
            give(b, fpage(pg(i), 12, r), SLOTB + j * 4096, 0);
            allowB[j] |= 1u << i;
            break;
        case 1:
            cmd(b, C_MAP, c.raw, fpage(SLOTB + j * 4096, 12, r).raw, SLOTC + k * 4096, rnd(2));
            allowC[k] |= allowB[j];
            break;
        case 2:
            L4_LoadMR(0, fpage(pg(i), 12, r).raw);
            L4_Unmap(rnd(2) ? L4ABI_UNMAP_FLUSH : 0);
            pages[i][0] = 0x1000 + i;       /* back from sigma0 if flushed */
            break;
        case 3:
            cmd(b, C_UNMAP, fpage(SLOTB + j * 4096, 12, r).raw, rnd(2) ? L4ABI_UNMAP_FLUSH : 0,
                0, 0);
            break;
        case 4:
            cmd(c, C_UNMAP, fpage(SLOTC + k * 4096, 12 + rnd(2), r).raw,
                rnd(2) ? L4ABI_UNMAP_FLUSH : 0, 0, 0);
            break;
        case 5:
            give(b, fpage(CHUNK + off, (int)(rnd(3) ? log2 : 22), r), CHUNKB + off, 0);
            break;
        case 6:
            L4_UnmapFpage(fpage(CHUNK + off, (int)log2, r));
            break;
        case 7:
            cmd(b, C_MAP, c.raw, fpage(CHUNKB + off, (int)log2, r).raw, CHUNKC + off, rnd(2));
            break;
        case 8:
            cmd(rnd(2) ? b : c, C_UNMAP, fpage((rnd(2) ? CHUNKB : CHUNKC) + off, (int)log2, r).raw,
                rnd(2) ? L4ABI_UNMAP_FLUSH : 0, 0, 0);
            break;
        default: {
            L4_Word_t v = peek(b, SLOTB + j * 4096), w = peek(c, SLOTC + k * 4096);
            L4_Word_t x = peek(b, CHUNKB + off), y = peek(c, CHUNKC + off);
            bad += !marker_ok(v, allowB[j]) + !marker_ok(w, allowC[k]);
            bad += (x != NOPAGE && x != 0xc0de0000u + (off >> 12)) +
                   (y != NOPAGE && y != 0xc0de0000u + (off >> 12));
            seen += (v != NOPAGE) + (w != NOPAGE) + (x != NOPAGE) + (y != NOPAGE);
            if (rnd(2))
                poke(rnd(2) ? b : c, (rnd(2) ? SLOTB + j * 4096 : CHUNKB + off) + 4, step);
        }
        }
    }
    is(bad, 0, "random: B2 and C2 only ever read frames passed to that place");
    ok(seen > 20, "random: the checks saw mappings (%lu)", seen);
    L4_UnmapFpage(fpage(pg(0), 16, L4_FullyAccessible));
    L4_UnmapFpage(fpage(CHUNK, 22, L4_FullyAccessible));
    L4_Word_t left = 0;
    for (L4_Word_t s2 = 0; s2 < NSLOT; s2++)
        left += (peek(b, SLOTB + s2 * 4096) != NOPAGE) + (peek(c, SLOTC + s2 * 4096) != NOPAGE);
    for (L4_Word_t o = 0; o < (4u << 20); o += 0x3b000)
        left += (peek(b, CHUNKB + o) != NOPAGE) + (peek(c, CHUNKC + o) != NOPAGE);
    is(left, 0, "random: A's unmap took back everything derived from it");
    delete_thread(b);
    delete_thread(c);
    for (int i = 0; i < 16; i++)
        pages[i][0] = 0x1000 + i;           /* A's own pages are all mapped again */
    is(L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES), k0,
       "random: kernel object bytes back after deleting B2 and C2");
}

int main(void)
{
    root_tid = L4_Myself();
    tap_plan(159);
    test_sigma0();
    storm("round 1");
    test_storm_unmap();
    test_pf_short_path();
    test_pf_fast();
    test_pf_fast_wait_ends();
    test_pf_fast_fpu();
    test_pf_asm_refusals();
    test_three_levels();
    test_rights();
    test_superpages();
    test_windows();
    test_bad_fpages();
    test_not_owned();
    test_kernel_memory();
    test_random();          /* after S is gone: A's final unmap would take S's pages */
    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
