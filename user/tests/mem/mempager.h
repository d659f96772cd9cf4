/* Shared by the memory tests and benchmarks: child spaces that run a small
 * command server in this binary's code, and the root task as their pager.
 *
 * A child runs child_main: it waits for commands from the root task
 * (label C_*, reply MR1 = result) and accepts map/grant items into the
 * receive window the root task last set. Its code, data and stack pages
 * (below PAGER_IDENT_END) are mapped 1:1 from the root task on faults;
 * faults elsewhere are served from the pager windows (pw_add) or, if none
 * matches, with the scratch page, and counted, so that a test can tell
 * whether an access found a mapping. */
#ifndef MEMPAGER_H
#define MEMPAGER_H

#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/kdebug.h>
#include "libc.h"

#define UTCB_AREA       0xbfe00000u
#define KIP_AREA        0xbff00000u
#define PAGER_IDENT_END 0x10000000u
#define STACK_WORDS     1024
#define NOPAGE          0xdeadfa17u

enum { C_NOP = 0x100, C_WINDOW, C_READ, C_WRITE, C_MAP, C_UNMAP, C_TOUCH,
       C_MRS, C_FPU, C_PEER = 0x200 };

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[4][STACK_WORDS] __attribute__((aligned(4096)));
static L4_Word_t scratch[1024] __attribute__((aligned(4096)));
static volatile L4_Word_t nfaults, last_fault, last_fault_label;

struct pwin { L4_Word_t who, vbase, len, rbase, rights; };
static struct pwin pw[8];
static int npw;

static inline L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }
static inline void load_tag(L4_Word_t label, L4_Word_t u, L4_Word_t t)
{
    L4_LoadMR(0, L4ABI_TAG(label, u, t));
}
static inline L4_Fpage_t fpage(L4_Word_t base, int log2, L4_Word_t rights)
{
    L4_Fpage_t f = L4_FpageLog2(base, log2);
    L4_Set_Rights(&f, rights);
    return f;
}

static inline void pw_add(L4_ThreadId_t who, L4_Word_t vbase, L4_Word_t len, L4_Word_t rbase,
                   L4_Word_t rights)
{
    pw[npw++] = (struct pwin){ who.raw, vbase, len, rbase, rights };
}

/* ---- the child's side ---- */

static inline void child_touch(L4_Word_t base, L4_Word_t len)
{
    for (L4_Word_t a = base; a - base < len; a += 4096)
        *(volatile L4_Word_t *)a = a ^ 0x5a5a5a5au;
}

static inline void child_main(void)
{
    L4_Fpage_t window = L4_Nilpage;
    L4_ThreadId_t from;
    L4_Accept(L4_MapGrantItems(window));
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag) || L4_Label(tag) == C_PEER) {
            L4_Accept(L4_MapGrantItems(window));    /* items arrived: wait on */
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t w[4], r = 0;
        L4_StoreMRs(1, 4, w);
        switch (L4_Label(tag)) {
        case C_WINDOW:
            window.raw = w[0];
            break;
        case C_READ:
            r = *(volatile L4_Word_t *)w[0];
            break;
        case C_WRITE:
            *(volatile L4_Word_t *)w[0] = w[1];
            break;
        case C_MAP: {
            L4_Msg_t m;
            L4_Fpage_t f = { .raw = w[1] };
            L4_MsgClear(&m);
            L4_Set_MsgLabel(&m, C_PEER);
            if (w[3])
                L4_MsgAppendGrantItem(&m, L4_GrantItem(f, w[2]));
            else
                L4_MsgAppendMapItem(&m, L4_MapItem(f, w[2]));
            L4_MsgLoad(&m);
            L4_ThreadId_t to = { .raw = w[0] };
            r = L4_IpcSucceeded(L4_Send_Timeout(to, L4_TimePeriod(100000)));
            break;
        }
        case C_UNMAP:
            L4_LoadMR(0, w[0]);
            L4_Unmap(w[1]);
            L4_StoreMR(0, &r);
            break;
        case C_MRS: {
            /* The page fault is invisible in the UTCB: MR0..MR7, BR0
             * and ErrorCode loaded, w[0] read (a fault), then compared.
             * MR3 is expected to be w[1] (a pager's reply with untyped
             * words before its item reaches MR3 and up). Result: a
             * bit per register that changed (MR0..MR7, BR0 8, ErrorCode 9). */
            volatile L4_Word_t *u = __L4_X86_Utcb();
            for (int i = 0; i < 8; i++)
                L4_LoadMR(i, 0xa000u + i);
            L4_LoadBR(0, 0xb0u);
            u[L4ABI_UTCB_ERRORCODE] = 0xe0u;
            __asm__ volatile("" ::: "memory");     /* all loaded before the fault */
            r = *(volatile L4_Word_t *)w[0];
            __asm__ volatile("" ::: "memory");
            r = 0;
            for (int i = 0; i < 8; i++) {
                L4_Word_t v, want = i == 3 ? w[1] : 0xa000u + i;
                L4_StoreMR(i, &v);
                r |= (L4_Word_t)(v != want) << i;
            }
            L4_Word_t br0;
            L4_StoreBR(0, &br0);
            r |= (L4_Word_t)(br0 != 0xb0u) << 8;
            r |= (L4_Word_t)(u[L4ABI_UTCB_ERRORCODE] != 0xe0u) << 9;
            break;
        }
        case C_FPU: {
            /* The FPU across a page fault: w[1] loaded into st(0) (the
             * FPU is ours from here), w[0] read (a fault), st(0) stored
             * back. Result: 1 if it changed. */
            L4_Word_t v = w[1], got = 0;
            __asm__ volatile("fildl %0" :: "m"(v) : "memory");
            r = *(volatile L4_Word_t *)w[0];
            __asm__ volatile("fistpl %0" : "=m"(got) :: "memory");
            r = got != v;
            break;
        }
        case C_TOUCH: {
            unsigned long long t0, t1;
            __asm__ volatile("rdtsc" : "=A"(t0));
            child_touch(w[0], w[1]);
            __asm__ volatile("rdtsc" : "=A"(t1));
            r = (L4_Word_t)(t1 - t0);
            break;
        }
        }
        load_tag(0, 1, 0);
        L4_LoadMR(1, r);
        L4_Accept(L4_MapGrantItems(window));
        tag = L4_ReplyWait(from, &from);
    }
}

/* ---- the root task's side ---- */

/* Loads the answer to a page fault of `from` (tag) into the MRs; returns 0
 * if tag is not a page fault. */
static inline int answer_fault(L4_ThreadId_t from, L4_MsgTag_t tag)
{
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT)
        return 0;
    L4_Word_t addr, page, src, rights = L4_FullyAccessible;
    L4_StoreMR(1, &addr);
    page = addr & ~0xffful;
    if (page < PAGER_IDENT_END) {
        volatile char *p = (volatile char *)page;
        char c = *p;                    /* make sure we have it ourselves */
        if (L4_Label(tag) & L4ABI_FPAGE_W)
            *p = c;
        src = page;
    } else {
        nfaults++;
        last_fault = addr;
        last_fault_label = L4_Label(tag);
        src = (L4_Word_t)scratch;
        for (int i = 0; i < npw; i++)
            if (pw[i].who == from.raw && page - pw[i].vbase < pw[i].len) {
                src = pw[i].rbase + (page - pw[i].vbase);
                rights = pw[i].rights;
                break;
            }
    }
    L4_MapItem_t m = L4_MapItem(fpage(src, 12, rights), page);
    load_tag(0, 0, 2);
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    return 1;
}

/* Sends the loaded message to s and receives from s, answering s's page
 * faults until s sends anything else or the Ipc fails: that tag. */
static inline L4_MsgTag_t call_serving_faults(L4_ThreadId_t s)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    while (L4_IpcSucceeded(tag) && answer_fault(s, tag))
        tag = L4_Ipc(s, s, L4_Timeouts(L4_Never, L4_Never), &from);
    return tag;
}

/* Serves c's pending page faults until it is quiet for 1 ms. */
static inline void drain_faults(L4_ThreadId_t c)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(c, L4_TimePeriod(1000));
        if (L4_IpcFailed(tag) || !answer_fault(c, tag))
            return;
        L4_Reply(c);
    }
}

/* Sends msg to c (with `call`, waits for its reply, serving its page faults
 * meanwhile). A child busy with a page fault is served first. */
static inline L4_MsgTag_t xfer(L4_ThreadId_t c, L4_Msg_t *msg, int call)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag;
    for (;;) {
        L4_MsgLoad(msg);
        tag = L4_Ipc(c, call ? c : L4_nilthread,
                     L4_Timeouts(L4_TimePeriod(2000), L4_Never), &from);
        if (L4_IpcSucceeded(tag) || (L4_ErrorCode() & 1) ||
            L4ABI_IPCERR_CODE(L4_ErrorCode()) != L4ABI_IPCERR_TIMEOUT)
            break;
        drain_faults(c);
    }
    while (call && L4_IpcSucceeded(tag) && answer_fault(c, tag))
        tag = L4_Ipc(c, c, L4_Timeouts(L4_Never, L4_Never), &from);
    return tag;
}

/* Command with up to 4 words; returns the child's result (MR1). */
static inline L4_Word_t cmd(L4_ThreadId_t c, L4_Word_t label, L4_Word_t a, L4_Word_t b,
                     L4_Word_t d, L4_Word_t e)
{
    L4_Msg_t m;
    L4_Word_t w[4] = { a, b, d, e }, r = ~0ul;
    L4_MsgPut(&m, label, 4, w, 0, 0);
    L4_MsgTag_t tag = xfer(c, &m, 1);
    if (L4_IpcSucceeded(tag))
        L4_StoreMR(1, &r);
    return r;
}

/* Sends c one map (or grant) item. */
static inline int give(L4_ThreadId_t c, L4_Fpage_t f, L4_Word_t sndbase, int grant)
{
    L4_Msg_t m;
    L4_MsgClear(&m);
    L4_Set_MsgLabel(&m, C_PEER);
    if (grant)
        L4_MsgAppendGrantItem(&m, L4_GrantItem(f, sndbase));
    else
        L4_MsgAppendMapItem(&m, L4_MapItem(f, sndbase));
    return L4_IpcSucceeded(xfer(c, &m, 0));
}

/* Removes the scratch page from everyone it was mapped to. */
static inline void unscratch(void)
{
    L4_UnmapFpage(fpage((L4_Word_t)scratch, 12, L4_FullyAccessible));
}

/* The word c reads at addr, or NOPAGE if c had no mapping there. */
static inline L4_Word_t peek(L4_ThreadId_t c, L4_Word_t addr)
{
    L4_Word_t n0 = nfaults;
    L4_Word_t v = cmd(c, C_READ, addr, 0, 0, 0);
    if (nfaults != n0) {
        unscratch();
        return NOPAGE;
    }
    return v;
}

/* Lets c write v at addr; returns the number of page faults it took. */
static inline L4_Word_t poke(L4_ThreadId_t c, L4_Word_t addr, L4_Word_t v)
{
    L4_Word_t n0 = nfaults;
    cmd(c, C_WRITE, addr, v, 0, 0);
    if (nfaults != n0)
        unscratch();
    return nfaults - n0;
}

/* Creates thread t in a new space, paged by us, running child_main on
 * stack `stack`, and waits until it serves commands. */
static inline int make_child(L4_ThreadId_t t, int stack)
{
    L4_Word_t old;
    if (L4_ThreadControl(t, t, root_tid, L4_nilthread, (void *)~0ul) != 1 ||
        L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 12),
                        L4_nilthread, &old) != 1 ||
        L4_ThreadControl(t, t, root_tid, root_tid, (void *)UTCB_AREA) != 1)
        return 0;
    load_tag(0, 2, 0);
    L4_LoadMR(1, (L4_Word_t)child_main);
    L4_LoadMR(2, stack_top(stack));
    if (L4_IpcFailed(L4_Send(t)))
        return 0;
    return cmd(t, C_NOP, 0, 0, 0, 0) == 0;
}

static inline void delete_thread(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

#endif
