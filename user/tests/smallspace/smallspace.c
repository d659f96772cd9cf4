/* Suite smallspace: small address spaces (docs/smallspaces.md, issue 12).
 *
 * The root task makes child spaces that run this binary's code (paged 1:1
 * by us) small or large with SpaceControl's s bit and drives them with
 * commands: IPC between two small spaces and with us (large), page faults
 * and string copies inside small windows, accesses beyond the limit
 * (promotion), demotion, refusals, deletion, unmap (no stale TLB entry),
 * FPU state and hardware breakpoints across small-space switches. The
 * kernel's counters (CR3 writes, promotions) show what happened inside. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/space.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "syslinks.h"
#include "links.h"
#include "thread.h"
#include <l4/sigma0.h>
#include <l4/schedule.h>
#include <l4/pecan.h>
#include "rtc.h"

/* Everything a child uses lies in its 16 MiB window: the binary (linked
 * at 4 MiB), its stack, its KIP and UTCB areas. */
#define KIP_AREA    0x00f00000u
#define UTCB_AREA   0x00e00000u
#define WIN_MB      16
#define FAR         0x03000000u     /* beyond a 16 MiB window (and the others') */
#define SUPER_CHILD 0x00800000u     /* a free 4 MiB slot of a child's window */
#define SUPER_ROOT  0x02000000u     /* where we hold that 4 MiB page */
#define STACK_WORDS 1024
#define NCHILD      8
#define STRLEN      300

enum { C_PING = 1, C_READ, C_WRITE, C_CALL, C_FPU, C_FPUSET, C_WATCH, C_WVAR,
       C_STACK, C_STRSEND, C_STR, C_EXEC, C_REGS, C_CPU, C_LIMITS };

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[NCHILD][STACK_WORDS] __attribute__((aligned(4096)));
static volatile L4_Word_t watch_var;
static volatile L4_Word_t touch_page[1024] __attribute__((aligned(4096)));
static char sbuf[2 * 4096] __attribute__((aligned(4096)));
static char rbuf[2 * 4096] __attribute__((aligned(4096)));

static L4_ThreadId_t tid(int no) { return L4_GlobalId((L4_Word_t)no, 1); }

/* The CPU we run on, from user mode: the initial local APIC ID (CPUID
 * leaf 1), which is the CPU number on QEMU and Bochs (dense IDs from 0;
 * the kernel's statistics call is for privileged threads only). */
static L4_Word_t cpu_now(void)
{
    L4_Word_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return b >> 24;
}
static L4_Word_t stat(L4_Word_t which) { return L4_KDB_Stat(which); }

static L4_ThreadId_t A, B;
static volatile L4_Word_t irq_msgs;     /* interrupts a child received */

/* ---- child side ---- */

static L4_Word_t call_n(L4_ThreadId_t dest, L4_Word_t n)
{
    L4_Word_t good = 0;
    for (L4_Word_t i = 0; i < n; i++) {
        L4_LoadMR(0, L4ABI_TAG(C_PING, 2, 0));
        L4_LoadMR(1, i);
        L4_LoadMR(2, 0);
        L4_MsgTag_t tag = L4_Call(dest);
        L4_Word_t r;
        L4_StoreMR(1, &r);
        good += L4_IpcSucceeded(tag) && r == i + 1;
    }
    return good;
}

static L4_Word_t call1(L4_ThreadId_t dest, L4_Word_t label, L4_Word_t a)
{
    L4_LoadMR(0, L4ABI_TAG(label, 2, 0));
    L4_LoadMR(1, a);
    L4_LoadMR(2, 0);
    L4_MsgTag_t tag = L4_Call(dest);
    L4_Word_t r = 0;
    L4_StoreMR(1, &r);
    return L4_IpcSucceeded(tag) ? r : ~0ul;
}

/* The FPU holds v across a round trip to a partner that loads its own. */
static L4_Word_t fpu_job(L4_ThreadId_t partner, L4_Word_t v)
{
    L4_Word_t out = 0;
    __asm__ volatile("fninit; fildl %0" :: "m"(v));
    (void)call1(partner, C_FPUSET, v + 1000);
    __asm__ volatile("fistpl %0" : "=m"(out));
    return out;
}

/* Pushes and pops on a stack at sp (beyond the window: #SS). */
static L4_Word_t stack_job(L4_Word_t sp)
{
    L4_Word_t r;
    __asm__ volatile("movl %%esp, %%ebx\n\t"
                     "movl %1, %%esp\n\t"
                     "pushl $0x5a5a\n\t"
                     "popl %0\n\t"
                     "movl %%ebx, %%esp"
                     : "=&r"(r) : "r"(sp) : "ebx", "memory");
    return r;
}

/* ud2 (the handler sets a watch on watch_var), the partner writes its own
 * watch_var (not ours: no #DB), then we write ours (#DB after it). */
static L4_Word_t watch_job(L4_ThreadId_t partner)
{
    __asm__ volatile("ud2");
    L4_Word_t r = call1(partner, C_WVAR, 0);
    watch_var = 7;
    return r;
}

static L4_Word_t str_send(L4_ThreadId_t dest)
{
    for (int i = 0; i < STRLEN; i++)
        sbuf[4096 - 100 + i] = (char)('a' + i % 23);
    L4_LoadMR(0, L4ABI_TAG(C_STR, 0, 2));
    L4_LoadMR(1, L4ABI_STRITEM_W0(STRLEN, 1, 0, 0));
    L4_LoadMR(2, (L4_Word_t)&sbuf[4096 - 100]);
    L4_MsgTag_t tag = L4_Call(dest);
    L4_Word_t r = 0;
    L4_StoreMR(1, &r);
    return L4_IpcSucceeded(tag) ? r : 0;
}

static L4_Word_t str_check(void)
{
    L4_Word_t good = 0;
    for (int i = 0; i < STRLEN; i++)
        good += rbuf[4096 - 50 + i] == (char)('a' + i % 23);
    return good;
}

/* One call to dest (a small space's thread), then the limits of the user
 * code and data descriptors this CPU's GDT holds for us: the switch back
 * to us (the fast path's, small to small) loaded them. 1 if both are our
 * window's. */
static L4_Word_t limits_job(L4_ThreadId_t dest)
{
    L4_Word_t cs_lim = 0, ds_lim = 0;
    if (call_n(dest, 1) != 1)
        return 0;
    __asm__ volatile("movl %%cs, %%eax\n\tlsl %%eax, %0\n\t"
                     "movl %%ds, %%eax\n\tlsl %%eax, %1"
                     : "+r"(cs_lim), "+r"(ds_lim) : : "eax", "cc");
    return cs_lim == (WIN_MB << 20) - 1 && ds_lim == (WIN_MB << 20) - 1;
}

/* Busy for a few milliseconds (in user mode, not receiving): an interrupt
 * of a line attached to us stays pending meanwhile. */
static L4_Word_t spin_job(void)
{
    for (volatile L4_Word_t i = 0; i < 10000000; i++)
        ;
    return 1;
}

/* B: calls A, which spins. */
static L4_Word_t pend_job(void)
{
    return call1(A, C_EXEC, (L4_Word_t)spin_job);
}

static L4_Word_t regs_job(L4_ThreadId_t dest);
static L4_Word_t serve(L4_Word_t label, L4_Word_t a, L4_Word_t b)
{
    L4_ThreadId_t t = { .raw = a };
    switch (label) {
    case C_PING:    return a + 1;
    case C_READ:    return *(volatile L4_Word_t *)a;
    case C_WRITE:   *(volatile L4_Word_t *)a = b; return 1;
    case C_CALL:    return call_n(t, b);
    case C_FPU:     return fpu_job(t, b);
    case C_FPUSET:  __asm__ volatile("fninit; fildl %0" :: "m"(a)); return 1;
    case C_WATCH:   return watch_job(t);
    case C_WVAR:    watch_var = 9; return 1;
    case C_STACK:   return stack_job(a);
    case C_STRSEND: return str_send(t);
    case C_STR:     return str_check();
    case C_EXEC:    return ((L4_Word_t (*)(void))a)();
    case C_REGS:    return regs_job(t);
    case C_CPU:     return cpu_now();
    case C_LIMITS:  return limits_job(t);
    }
    return ~0ul;
}

static void accept_string(void)
{
    L4_LoadBR(0, L4ABI_ACCEPT_STRINGS);
    L4_LoadBR(1, L4ABI_STRITEM_W0(STRLEN, 1, 0, 0));
    L4_LoadBR(2, (L4_Word_t)&rbuf[4096 - 50]);
}

static void child_main(void)
{
    L4_Set_ExceptionHandler(root_tid);
    L4_ThreadId_t from;
    pager_hello(root_tid);                  /* ready for commands */
    accept_string();
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag) && from.raw == L4_InterruptThread(RTC_IRQ).raw) {
            irq_msgs++;                 /* test_pending_irq: counted, not acked */
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t a = 0, b = 0;
        L4_StoreMR(1, &a);
        L4_StoreMR(2, &b);
        L4_Word_t r = L4_IpcSucceeded(tag) ? serve(L4_Label(tag), a, b) : ~0ul;
        L4_LoadMR(0, L4ABI_TAG(0x77, 1, 0));
        L4_LoadMR(1, r);
        accept_string();
        /* A reply that waits for its receiver (not ReplyWait's zero
         * timeout): on several CPUs the caller may still be busy with a
         * page fault it received first (rpc below). */
        tag = L4_Ipc(from, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
    }
}

/* ---- root side ---- */

static L4_Word_t faults, last_fault;

/* libl4 keeps the system-call links (absolute KIP addresses) in a table
 * of its data; children share our data pages, but their KIP lies at
 * KIP_AREA, inside their window. So the page holding the table is the
 * one page a child gets as a private copy, with the links moved. */
extern L4_Word_t __l4_syslinks[];
static char child_links[4096] __attribute__((aligned(4096)));
static L4_Word_t links_page;

static void make_child_links(void)
{
    links_page = links_make_copy(child_links, KIP_AREA);
}

/* A raw call (the stub, no libl4 wrapper) to dest, which answers C_PING
 * with a + 1 in MR1: 1 if ebx came back MR1, edi unchanged, %ds and %es
 * the user data segment (our window's: %ss), and ecx, edx as we passed
 * them (a small thread always leaves the kernel by iret, which restores
 * them from its frame, on either path); else 0. */
static L4_Word_t regs_job(L4_ThreadId_t dest)
{
    L4_Word_t *u = __L4_X86_Utcb();
    u[1] = 41;
    u[2] = 0;
    L4_Word_t a = dest.raw, c = L4_Timeouts(L4_Never, L4_Never), d = dest.raw;
    L4_Word_t s = L4ABI_TAG(C_PING, 2, 0), b = __l4_syslinks[L4LIB_SYS_IPC];
    L4_Word_t D = (L4_Word_t)u, ds, es, ss;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "pushl  %%ebx\n\t"
        "call   *(%%esp)\n\t"
        "addl   $4, %%esp\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s), "+b"(b), "+D"(D)
        :
        : "memory");
    __asm__ __volatile__("movl %%ds, %0; movl %%es, %1; movl %%ss, %2"
                         : "=r"(ds), "=r"(es), "=r"(ss));
    return b == 42 && D == (L4_Word_t)u && (ds & 0xffff) == ss && (es & 0xffff) == ss &&
           L4_Label((L4_MsgTag_t){ .raw = s }) == 0x77 &&
           c == L4_Timeouts(L4_Never, L4_Never) && d == dest.raw;
}

/* A child's page fault: our page at the same address, or the links copy. */
static int answer(L4_MsgTag_t tag)
{
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT)
        return 0;
    L4_Word_t addr;
    L4_StoreMR(1, &addr);
    if (addr - SUPER_CHILD < (4u << 20)) {      /* our 4 MiB page, there */
        pager_load_map(SUPER_ROOT, 22, SUPER_CHILD);
        return 1;
    }
    return links_answer_fault(tag, child_links, links_page) || pager_answer_fault(tag);
}

/* Handles one received message: a page fault (from anyone) is answered
 * (1: keep waiting), a message from c ends the wait (0, *r = its MR1). */
static int got(L4_MsgTag_t tag, L4_ThreadId_t from, L4_ThreadId_t c, L4_Word_t *r)
{
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT) {
        L4_StoreMR(1, &last_fault);
        faults++;
        answer(tag);
        L4_Reply(from);
        return 1;
    }
    if (from.raw == c.raw) {
        L4_StoreMR(1, r);
        return 0;
    }
    diag("unexpected message %lx from %lx", L4_Label(tag), from.raw);
    return 1;
}

/* Next message from c; page faults from anyone are answered meanwhile. */
static L4_MsgTag_t wait_for(L4_ThreadId_t c, L4_Word_t *r)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag) || !got(tag, from, c, r))
            return tag;
    }
}

/* Sends to c and waits for its answer in one IPC (from anyone: page
 * faults come meanwhile). Not a send followed by a wait: c, on another
 * CPU, may answer in between, and its answer (send timeout zero) would
 * find nobody waiting. */
static L4_Word_t rpc(L4_ThreadId_t c, L4_Word_t label, L4_Word_t a, L4_Word_t b)
{
    L4_Word_t r = ~0ul;
    L4_ThreadId_t from;
    L4_LoadMR(0, L4ABI_TAG(label, 2, 0));
    L4_LoadMR(1, a);
    L4_LoadMR(2, b);
    L4_MsgTag_t tag = L4_Ipc(c, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
    if (L4_IpcFailed(tag))
        return ~0ul;
    if (got(tag, from, c, &r))
        tag = wait_for(c, &r);
    return L4_IpcSucceeded(tag) && L4_Label(tag) == 0x77 ? r : ~0ul;
}

/* SpaceControl with the s bit (control = descriptor | s), areas kept.
 * Returns the old control, ~0 if the call failed. */
static L4_Word_t space_small(L4_ThreadId_t c, L4_Word_t control)
{
    L4_Word_t old;
    if (L4_SpaceControl(c, control, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                        L4_nilthread, &old) != 1)
        return ~0ul;
    return old;
}

#define S_BIT       L4ABI_SPACE_SMALL
#define SMALL(loc)  (S_BIT | L4_SmallSpace((loc), WIN_MB))
#define QUERY       0       /* no s bit: reports the descriptor */

static L4_ThreadId_t start_child(int no, int i)
{
    L4_ThreadId_t c = tid(no);
    L4_Word_t old;
    if (!pager_start_space(c, root_tid, child_main, (L4_Word_t)&stacks[i][STACK_WORDS - 4], 0,
                           KIP_AREA, UTCB_AREA, L4_anythread, &old))
        diag("child %d not started: error %lu", no, L4_ErrorCode());
    pager_greet(c, answer);     /* its faults until its hello */
    return c;
}

static void test_make_and_run(void)
{
    L4_Word_t seg0 = stat(L4ABI_KDB_STAT_SMALL_SEGLOADS);
    is(space_small(A, SMALL(0)), S_BIT, "A made small at 0 MiB, 16 MiB (old control: large | s)");
    is(space_small(B, SMALL(WIN_MB)), S_BIT, "B made small at 16 MiB");
    is(space_small(B, QUERY), L4_SmallSpace(WIN_MB, WIN_MB), "SpaceControl reports B's descriptor");
    is(rpc(A, C_PING, 41, 0), 42, "A runs in its small space");
    is(rpc(B, C_PING, 1, 0), 2, "B runs in its small space");
    ok(stat(L4ABI_KDB_STAT_SMALL_SEGLOADS) > seg0, "user segments were reloaded for them");
}

static void test_ipc(void)
{
    (void)rpc(A, C_CALL, B.raw, 10);        /* warm: faults, FPU-less paths */
    L4_Word_t cr3 = stat(L4ABI_KDB_STAT_CR3_WRITES);
    L4_Word_t r = rpc(A, C_CALL, B.raw, 1000);
    L4_Word_t d = stat(L4ABI_KDB_STAT_CR3_WRITES) - cr3;
    is(r, 1000, "1000 round trips between two small spaces");
    ok(d == 0, "... without a CR3 write (%lu)", d);

    cr3 = stat(L4ABI_KDB_STAT_CR3_WRITES);
    int good = 1;
    for (L4_Word_t i = 0; i < 200; i++)
        good &= rpc(A, C_PING, i, 0) == i + 1;
    d = stat(L4ABI_KDB_STAT_CR3_WRITES) - cr3;
    ok(good, "200 round trips between a large space (us) and a small one");
    ok(d == 0, "... without a CR3 write (%lu)", d);

    /* Twice: B blocked by the general path (its first wait), then by
     * the fast path (its reply). */
    L4_Word_t r1 = rpc(A, C_REGS, B.raw, 0), r2 = rpc(A, C_REGS, B.raw, 0);
    ok(r1 == 1 && r2 == 1, "raw calls small to small: ebx = MR1, edi, ecx, edx kept, "
       "%%ds/%%es the window's");
    is(rpc(A, C_LIMITS, B.raw, 0), 1, "after a call small to small: the caller's window's "
       "code and data limits in the GDT");
}

/* A's reply-and-wait in a small space (the IPC fast path's small-space
 * instance) while an interrupt of IRQ 8, attached to A, is pending: it
 * was raised while A was busy. The receive phase takes that interrupt at
 * once (ipc.c), so it is delivered before B, which called, answers us
 * (B runs first: the reply hands the CPU to it); a fast path that missed
 * the pending bit (lines 8 and up) blocked A with the interrupt still
 * pending. */
static void test_pending_irq(void)
{
    L4_ThreadId_t irq8 = L4_InterruptThread(RTC_IRQ);
    if (!L4_PecanSigma0GetPorts(L4_GlobalId(48, 1), RTC_PORT, 1) ||
        L4_AssociateInterrupt(irq8, A) != 1) {
        ok(0, "RTC ports and IRQ 8 for A");
        return;
    }
    /* No time slice runs out while A spins: the scheduler would meet B
     * (blocked, still queued) and drop it from the queue, and a dest off
     * the queue takes the general path anyway. */
    L4_Set_Timeslice(A, L4_Never, L4_Never);
    L4_Word_t m0 = irq_msgs, d0 = stat(L4ABI_KDB_STAT_IRQ_DELIVERED);
    rtc_periodic_start(6);      /* 1024 Hz: a tick while A spins */
    L4_Word_t r = rpc(B, C_EXEC, (L4_Word_t)pend_job, 0);
    L4_Word_t d = stat(L4ABI_KDB_STAT_IRQ_DELIVERED) - d0;
    L4_Sleep(L4_TimePeriod(2000));      /* A takes the message */
    rtc_periodic_stop();
    rtc_ack();
    L4_DeassociateInterrupt(irq8);
    L4_Set_Timeslice(A, L4_TimePeriod(10000), L4_Never);
    ok(r == 1 && d == 1 && irq_msgs - m0 == 1,
       "a small handler's reply-and-wait takes its pending interrupt (IRQ 8) at once "
       "(%lu delivered)", d);
}

static void test_faults_strings(void)
{
    L4_Word_t f0 = faults;
    touch_page[5] = 0x1234;
    is(rpc(A, C_READ, (L4_Word_t)&touch_page[5], 0), 0x1234, "page fault inside a small space");
    ok(faults > f0 && last_fault == (L4_Word_t)&touch_page[5],
       "... reported with the space's own address (%lx)", last_fault);
    is(rpc(A, C_WRITE, (L4_Word_t)&touch_page[6], 0x777), 1, "write inside a small space");
    is(touch_page[6], 0x777, "... reached the shared page");
    is(rpc(A, C_STRSEND, B.raw, 0), STRLEN, "string copy between two small spaces, across pages");
}

static void test_unmap(void)
{
    L4_Word_t page = (L4_Word_t)&touch_page[0];
    touch_page[9] = 1;
    (void)rpc(A, C_READ, page + 36, 0);
    is(rpc(A, C_READ, page + 36, 0), 1, "A reads the page (now in its TLB)");
    L4_Word_t f0 = faults;
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible));
    touch_page[9] = 2;
    is(rpc(A, C_READ, page + 36, 0), 2, "A reads it after the unmap");
    ok(faults == f0 + 1 && last_fault == page + 36,
       "... through a new page fault, no stale TLB entry (%lu faults)", faults - f0);
}

/* A 4 MiB mapping in a small window: its directory entry is copied into
 * the region; unmapping it must clear the copy (and the TLB). */
static void test_unmap_superpage(void)
{
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(SUPER_ROOT, 22));
    if (!ok(!L4_IsNilFpage(got), "a 4 MiB page from sigma0 at %x", SUPER_ROOT)) {
        ok(0, "skipped");
        ok(0, "skipped");
        return;
    }
    volatile L4_Word_t *w = (volatile L4_Word_t *)(SUPER_ROOT + 0x1230);
    *w = 11;
    L4_Word_t f0 = faults, p0 = stat(L4ABI_KDB_STAT_SMALL_PURGES);
    (void)rpc(A, C_READ, SUPER_CHILD + 0x1230, 0);
    is(rpc(A, C_READ, SUPER_CHILD + 0x1230, 0), 11, "A reads a 4 MiB page mapped into its window");
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(SUPER_ROOT, 22), L4_FullyAccessible));
    *w = 12;
    L4_Word_t r = rpc(A, C_READ, SUPER_CHILD + 0x1230, 0);
    ok(r == 12 && faults == f0 + 2 && stat(L4ABI_KDB_STAT_SMALL_PURGES) > p0,
       "after the unmap: a new fault (%lu), the region copy purged, the new value (%lu)",
       faults - f0, r);
}

static void test_fpu(void)
{
    is(rpc(A, C_FPU, B.raw, 4242), 4242, "FPU state kept across switches between small spaces");
    is(rpc(B, C_FPU, A.raw, 777), 777, "... both ways");
}

static L4_Word_t mr[18];

static void test_debug_regs(void)
{
    L4_Word_t r = 0;
    L4_LoadMR(0, L4ABI_TAG(C_WATCH, 2, 0));
    L4_LoadMR(1, B.raw);
    L4_LoadMR(2, 0);
    L4_Send(A);
    L4_MsgTag_t tag = wait_for(A, &r);
    L4_StoreMRs(1, 12, &mr[1]);
    ok(L4_Label(tag) == L4ABI_LABEL_EXCEPTION && mr[L4ABI_EXC_MR_EXCNO] == 6,
       "ud2 in a small space: exception IPC (excno %lu)", mr[L4ABI_EXC_MR_EXCNO]);
    mr[L4ABI_EXC_MR_EIP] += 2;
    L4_LoadMR(0, L4ABI_TAG(0, 17, 0));
    L4_LoadMRs(1, 12, &mr[1]);
    L4_LoadMR(13, 0);
    L4_LoadMR(14, (L4_Word_t)&watch_var);
    L4_LoadMR(15, 0);
    L4_LoadMR(16, 0);
    L4_LoadMR(17, 0x4u | (1u << 20) | (3u << 22));     /* L1, write, 4 bytes */
    L4_Reply(A);
    tag = wait_for(A, &r);
    L4_StoreMRs(1, 12, &mr[1]);
    ok(L4_Label(tag) == L4ABI_LABEL_EXCEPTION && mr[L4ABI_EXC_MR_EXCNO] == 1 &&
       (mr[L4ABI_EXC_MR_ERRCODE] & 2),
       "data breakpoint at a small-space address trips after B ran (excno %lu dr6 %lx)",
       mr[L4ABI_EXC_MR_EXCNO], mr[L4ABI_EXC_MR_ERRCODE]);
    L4_LoadMR(0, L4ABI_TAG(0, 17, 0));
    L4_LoadMRs(1, 12, &mr[1]);
    for (int i = 13; i <= 17; i++)
        L4_LoadMR(i, 0);
    L4_Reply(A);
    tag = wait_for(A, &r);
    ok(L4_Label(tag) == 0x77 && r == 1, "B's write to its own variable did not trip it");
}

static void test_promotion(void)
{
    L4_Word_t p0 = stat(L4ABI_KDB_STAT_SMALL_PROMOTIONS);
    volatile L4_Word_t *far = (volatile L4_Word_t *)FAR;
    far[0] = 0xfa4;
    is(rpc(A, C_READ, FAR, 0), 0xfa4, "read beyond the limit: A continues with the right value");
    is(stat(L4ABI_KDB_STAT_SMALL_PROMOTIONS) - p0, 1, "... after one promotion");
    is(space_small(A, QUERY), 0, "A is large now");
    is(rpc(A, C_PING, 5, 0), 6, "A keeps running as large");

    is(space_small(A, SMALL(0)), S_BIT, "A made small again at the same place");
    is(rpc(A, C_STACK, FAR + 0x1000, 0), 0x5a5a, "stack beyond the limit (#SS) promotes and continues");
    is(space_small(A, QUERY), 0, "... A is large");
    is(space_small(A, SMALL(0)), S_BIT, "A small again");

    /* Code past the limit: mov $0x77, %eax; ret, placed beyond the window. */
    static const unsigned char code[] = { 0xb8, 0x77, 0, 0, 0, 0xc3 };
    memcpy((void *)(FAR + 0x2000), code, sizeof(code));
    is(rpc(A, C_EXEC, FAR + 0x2000, 0), 0x77, "a call to code past the limit promotes and runs it");
    is(space_small(A, QUERY), 0, "... A is large");
    is(space_small(A, SMALL(0)), S_BIT, "A small again");
}

static void test_demotion(void)
{
    is(space_small(B, S_BIT | L4_LargeSpace), S_BIT | L4_SmallSpace(WIN_MB, WIN_MB),
       "B made large by SpaceControl (old: its descriptor | s)");
    is(space_small(B, QUERY), 0, "B reports large");
    is(rpc(B, C_PING, 9, 0), 10, "B runs as large");
    is(rpc(A, C_CALL, B.raw, 50), 50, "IPC small (A) to large (B)");
    is(space_small(B, SMALL(WIN_MB)), S_BIT, "B small again");
    is(rpc(A, C_CALL, B.raw, 50), 50, "and IPC between them still works");
}

static void test_refusals(void)
{
    is(space_small(B, S_BIT | L4_SmallSpace(8, 8)), L4_SmallSpace(WIN_MB, WIN_MB),
       "window overlapping A's refused (no s bit), B unchanged");
    is(space_small(B, S_BIT | L4_SmallSpace(0, 512)), L4_SmallSpace(WIN_MB, WIN_MB),
       "512 MiB: larger than the region, refused");
    is(space_small(B, S_BIT | L4_SmallSpace(128, 4)), L4_SmallSpace(WIN_MB, WIN_MB),
       "a window past the region's end refused");
    is(space_small(B, S_BIT | L4_SmallSpace(96, 4)), L4_SmallSpace(WIN_MB, WIN_MB),
       "a 4 MiB window that would not hold B's KIP and UTCB areas refused");
    L4_Word_t old;
    int r = (int)L4_SpaceControl(B, S_BIT | (1u << 30) | 0x04, L4_Nilpage, L4_Nilpage, L4_nilthread, &old);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM, "bits 30..8 set: invalid parameter");
    r = (int)L4_SpaceControl(B, 0x04, L4_Nilpage, L4_Nilpage, L4_nilthread, &old);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM, "a descriptor without s: invalid parameter");
}

static void test_areas_outside(void)
{
    /* A child with the usual areas high up: they are outside any window. */
    L4_ThreadId_t c = tid(230);
    L4_Word_t old;
    int good = L4_ThreadControl(c, c, root_tid, L4_nilthread, (void *)~0ul) == 1;
    good &= L4_SpaceControl(c, 0, L4_FpageLog2(0xbff00000u, 12), L4_FpageLog2(0xbfe00000u, 20),
                            L4_anythread, &old) == 1;
    good &= L4_SpaceControl(c, SMALL(64), L4_FpageLog2(0xbff00000u, 12),
                            L4_FpageLog2(0xbfe00000u, 20), L4_nilthread, &old) == 1;
    ok(good && old == 0, "areas outside the window: refused (old %lx)", old);
    thread_delete(c);
}

static void test_delete(void)
{
    thread_delete(A);
    is(space_small(B, SMALL(0)), S_BIT | L4_SmallSpace(WIN_MB, WIN_MB),
       "deleting A gave its window back: B moves there");
    is(rpc(B, C_PING, 3, 0), 4, "B runs at its new place");
    L4_ThreadId_t c = start_child(210, 2);
    is(space_small(c, SMALL(WIN_MB)), S_BIT, "a new space takes B's old window");
    is(rpc(c, C_CALL, B.raw, 20), 20, "IPC between the new small space and B");
    thread_delete(c);
    thread_delete(B);
}

/* ---- several CPUs (docs/smallspaces.md "SMP") ----
 *
 * A spinner is a second thread of a small child space, run on another
 * CPU than the child's first thread; it loops over memory of its window
 * and reports into our data (the same pages): how often it ran, the limit
 * of its code segment in its CPU's GDT (lsl), what it read of touch_page,
 * and on command a word far beyond its window. Its CPU sees the child's
 * mode changes, unmaps and deletions made by another CPU while it runs. */
#define NSPIN       2
#define SPIN_NO     240             /* thread numbers of the spinners */
#define SPIN_PRIO   50              /* below everyone else: IPC partners on its CPU run first */
#define SP_WORD     700             /* the word of touch_page it reads */
#define FAR_SP      (FAR + 0x3000)  /* the far word it reads on command */
#define LIMIT_WIN   ((WIN_MB << 20) - 1)
#define LIMIT_LARGE 0xbfffffffu

static volatile L4_Word_t sp_count[NSPIN], sp_limit[NSPIN], sp_seen[NSPIN], sp_cmd[NSPIN],
    sp_far[NSPIN], sp_cpu[NSPIN], sp_bad[NSPIN];
static L4_Word_t sp_stacks[NSPIN][STACK_WORDS] __attribute__((aligned(4096)));
static volatile L4_Word_t canary[1024] __attribute__((aligned(4096)));
static L4_Word_t ncpus, sp_faults[NSPIN], sp_fault_addr[NSPIN];
static L4_ThreadId_t R1;            /* a thread of ours (large) on CPU 1 */
#define CANARY      0x5ca1ab1eu

static void spinner(void)
{
    int k = (int)(L4_Myself().raw >> 14) - SPIN_NO;
    sp_cpu[k] = cpu_now();
    for (L4_Word_t n = 1;; n++) {
        L4_Word_t lim = 0;
        __asm__ volatile("movl %%cs, %%eax\n\tlsl %%eax, %0" : "+r"(lim) : : "eax", "cc");
        sp_limit[k] = lim;
        sp_seen[k] = touch_page[SP_WORD];
        if (canary[k] != CANARY)
            sp_bad[k]++;
        if (sp_cmd[k] == 1) {
            sp_far[k] = *(volatile L4_Word_t *)FAR_SP;
            sp_cmd[k] = 0;
        }
        if ((n & 1023) == 0)
            sp_cpu[k] = cpu_now();
        sp_count[k] = n;
    }
}

/* Our large helper on CPU 1: each call makes that CPU load our directory. */
static void helper(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, L4_KDB_Stat(L4ABI_KDB_STAT_CPU));
        (void)tag;
        tag = L4_ReplyWait(from, &from);
    }
}

/* Answers page faults (the spinners' too) for about ms milliseconds. */
static void pump(int ms)
{
    for (int i = 0; i < ms; i++) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(1000), &from);
        if (L4_IpcFailed(tag))
            continue;
        if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT) {
            diag("unexpected message %lx from %lx", L4_Label(tag), from.raw);
            continue;
        }
        L4_Word_t addr;
        L4_StoreMR(1, &addr);
        int k = (int)(from.raw >> 14) - SPIN_NO;
        if (k >= 0 && k < NSPIN) {
            sp_faults[k]++;
            sp_fault_addr[k] = addr;
        }
        faults++;
        answer(tag);
        L4_Reply(from);
    }
}

/* Pumps until cond holds (at most about 2 s of guest time). */
#define PUMP_UNTIL(cond) do { for (int i_ = 0; i_ < 400 && !(cond); i_++) pump(5); } while (0)

static int set_cpu(L4_ThreadId_t t, L4_Word_t cpu) { return L4_Set_ProcessorNo(t, cpu) != 0; }

/* A spinner: thread SPIN_NO + k in c's space, on CPU cpu. Every page it
 * touches is mapped before (by c's first thread), so it needs us only
 * when a test makes it fault. */
static L4_ThreadId_t start_spinner(L4_ThreadId_t c, int k, L4_Word_t cpu)
{
    L4_ThreadId_t t = tid(SPIN_NO + k);
    canary[k] = CANARY;
    L4_Word_t pages[] = { (L4_Word_t)spinner, (L4_Word_t)&sp_count[k], (L4_Word_t)&sp_limit[k],
                          (L4_Word_t)&sp_cmd[k], (L4_Word_t)&sp_bad[k], (L4_Word_t)&sp_cpu[k],
                          (L4_Word_t)&canary[k], (L4_Word_t)&touch_page[SP_WORD],
                          (L4_Word_t)&sp_stacks[k][STACK_WORDS - 4],
                          (L4_Word_t)&sp_stacks[k][STACK_WORDS - 1024] };
    for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        (void)rpc(c, C_READ, pages[i] & ~3ul, 0);
    int good = L4_ThreadControl(t, c, root_tid, root_tid,
                                (void *)(UTCB_AREA + (L4_Word_t)(k + 1) * L4ABI_UTCB_SIZE)) == 1;
    good = good && set_cpu(t, cpu) && L4_Set_Priority(t, SPIN_PRIO) != 0;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)spinner);
    L4_LoadMR(2, (L4_Word_t)&sp_stacks[k][STACK_WORDS - 4]);
    good = good && L4_IpcSucceeded(L4_Send(t));
    if (!good)
        diag("spinner %d not started: error %lu", k, L4_ErrorCode());
    return t;
}

/* Did spinner k run on (at least 100 more turns)? */
static int runs_on(int k)
{
    L4_Word_t n0 = sp_count[k];
    PUMP_UNTIL(sp_count[k] > n0 + 100);
    return sp_count[k] > n0 + 100;
}

static L4_ThreadId_t C, D, C1;

static void test_smp_two_cpus(void)
{
    C = start_child(220, 3);
    is(space_small(C, SMALL(0)), S_BIT, "SMP: C made small while another CPU runs threads");
    C1 = start_spinner(C, 0, 1);
    ok(runs_on(0), "C's second thread runs (%lu turns)", sp_count[0]);
    is(sp_cpu[0], 1, "... on CPU 1");
    ok(sp_limit[0] == LIMIT_WIN, "... with C's window in CPU 1's GDT (limit %lx)", sp_limit[0]);
    is(rpc(C, C_PING, 7, 0), 8, "C's first thread answers on CPU 0 meanwhile");
    is(space_small(C, QUERY), L4_SmallSpace(0, WIN_MB), "C is still small");
}

static void test_smp_ipc(void)
{
    L4_Word_t other = 1;    /* with the spinner: see test_smp_stress */
    D = start_child(221, 4);
    is(space_small(D, SMALL(WIN_MB)), S_BIT, "SMP: D made small");
    ok(set_cpu(D, other), "D moved to CPU %lu", other);
    is(rpc(D, C_CPU, 0, 0), other, "D runs there");
    ok(rpc(C, C_CALL, D.raw, 200) == 200, "200 round trips between small spaces on CPUs 0 and %lu", other);
    is(rpc(D, C_CALL, C.raw, 200), 200, "... and back");
    ok(sp_bad[0] == 0 && runs_on(0), "the spinner went on meanwhile");
}

static void test_smp_promotion(void)
{
    L4_Word_t p0 = stat(L4ABI_KDB_STAT_SMALL_PROMOTIONS);
    *(volatile L4_Word_t *)FAR = 0xfa1;
    *(volatile L4_Word_t *)FAR_SP = 0xfa2;
    is(rpc(C, C_READ, FAR, 0), 0xfa1, "SMP: C's first thread reads beyond the limit on CPU 0");
    is(stat(L4ABI_KDB_STAT_SMALL_PROMOTIONS) - p0, 1, "... C promoted");
    is(space_small(C, QUERY), 0, "... C is large");
    PUMP_UNTIL(sp_limit[0] == LIMIT_LARGE);
    ok(sp_limit[0] == LIMIT_LARGE, "the spinner on CPU 1 goes on with large segments (limit %lx)",
       sp_limit[0]);
    sp_cmd[0] = 1;
    PUMP_UNTIL(sp_cmd[0] == 0);
    ok(sp_cmd[0] == 0 && sp_far[0] == 0xfa2,
       "... and reads beyond its old window (%lx, faults %lu at %lx)", sp_far[0],
       sp_faults[0], sp_fault_addr[0]);
    ok(sp_bad[0] == 0 && runs_on(0), "... and keeps running");

    is(space_small(C, SMALL(0)), S_BIT, "C made small again while the spinner runs");
    PUMP_UNTIL(sp_limit[0] == LIMIT_WIN);
    ok(sp_limit[0] == LIMIT_WIN, "the spinner on CPU 1 follows: its window again (limit %lx)",
       sp_limit[0]);
    ok(runs_on(0), "... and keeps running");
    is(space_small(C, QUERY), L4_SmallSpace(0, WIN_MB), "C is still small (no promotion by it)");
}

static void test_smp_unmap(void)
{
    /* CPU 1 loads our directory (our helper runs there); the spinner
     * then runs on it, through its region copies. */
    L4_Word_t hcpu = ~0ul;
    L4_LoadMR(0, 0);
    L4_MsgTag_t htag = L4_Call(R1);
    if (L4_IpcSucceeded(htag))
        L4_StoreMR(1, &hcpu);
    else
        diag("helper call: error %lx", L4_ErrorCode());
    is(hcpu, 1, "SMP: our helper ran on CPU 1 (our directory loaded there)");
    touch_page[SP_WORD] = 1;
    PUMP_UNTIL(sp_seen[0] == 1);
    ok(sp_seen[0] == 1 && runs_on(0), "the spinner reads the page on CPU 1");
    L4_Word_t f0 = sp_faults[0];
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)touch_page, 12), L4_FullyAccessible));
    touch_page[SP_WORD] = 2;
    PUMP_UNTIL(sp_faults[0] > f0 && sp_seen[0] == 2);
    ok(sp_faults[0] > f0 && sp_fault_addr[0] == (L4_Word_t)&touch_page[SP_WORD],
       "after an unmap on CPU 0 the spinner on CPU 1 faults again: no stale TLB entry "
       "(%lu faults, at %lx)", sp_faults[0] - f0, sp_fault_addr[0]);
    is(sp_seen[0], 2, "... and reads the new value");
}

static void test_smp_migration(void)
{
    int good = 1;
    for (int i = 0; i < 6; i++) {
        L4_Word_t cpu = (L4_Word_t)i % ncpus;     /* ends on CPU 1 */
        good &= set_cpu(C1, cpu);
        L4_Word_t n0 = sp_count[0];
        PUMP_UNTIL(sp_count[0] > n0 + 2048 && sp_cpu[0] == cpu);
        good &= sp_cpu[0] == cpu && sp_limit[0] == LIMIT_WIN;
    }
    ok(good && sp_bad[0] == 0, "SMP: the spinner migrated 6 times while running, always in its window");
    good = set_cpu(C, 1);
    good = good && rpc(C, C_CPU, 0, 0) == 1 && rpc(C, C_PING, 1, 0) == 2;
    good &= set_cpu(C, 0) && rpc(C, C_CPU, 0, 0) == 0;
    ok(good, "C's first thread migrated to CPU 1 and back");
    is(space_small(C, QUERY), L4_SmallSpace(0, WIN_MB), "C stayed small");
}

/* CPU 1 loads E's directory (E large, on CPU 1); the spinner (small)
 * then runs on it. E is deleted: CPU 1 must leave the directory. */
static void test_smp_delete(void)
{
    ok(set_cpu(C1, 1), "SMP: spinner back on CPU 1");
    L4_ThreadId_t E = start_child(222, 5);
    ok(set_cpu(E, 1) && rpc(E, C_CPU, 0, 0) == 1, "a large space E ran on CPU 1");
    ok(runs_on(0), "the spinner runs on CPU 1 after it (on E's directory)");
    thread_delete(E);
    ok(runs_on(0) && sp_bad[0] == 0, "E deleted: the spinner goes on");
    L4_ThreadId_t F = start_child(223, 6);
    is(space_small(F, SMALL(32)), S_BIT, "a new space (F) made small");
    ok(set_cpu(F, 1) && rpc(F, C_CALL, C.raw, 50) == 50, "F on CPU 1 calls C on CPU 0");
    ok(runs_on(0) && sp_limit[0] == LIMIT_WIN, "the spinner still runs in its window");
    thread_delete(F);
    thread_delete(D);
}

/* Many changes in a row while the spinner runs (multi-threaded TCG:
 * really in parallel): promotion by the first thread, demotion, unmap and
 * remap, migration, cross-CPU IPC. Only CPUs 0 and 1 take part, and the
 * spinner never spins on a CPU other than the one C runs on while C has
 * work on a third: under -icount QEMU's round robin gives a CPU woken by
 * an IPI its turn only when the running one halts or its slice (100 ms of
 * guest time) ends, so a CPU spinning for good starves the wake-ups of
 * IPC partners elsewhere (seen: an AP woken for C got no turn for
 * minutes while another CPU ran the spinner). */
static void test_smp_stress(void)
{
    int good = 1;
    L4_Word_t lost = 0;
    for (int i = 0; i < 40; i++) {
        *(volatile L4_Word_t *)FAR = 0x1000 + (L4_Word_t)i;
        good &= rpc(C, C_READ, FAR, 0) == 0x1000 + (L4_Word_t)i;
        good &= space_small(C, QUERY) == 0;
        good &= space_small(C, SMALL((i & 1) ? 64 : 0)) == S_BIT;
        touch_page[SP_WORD] = 100 + (L4_Word_t)i;
        L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)touch_page, 12), L4_FullyAccessible));
        L4_Word_t sc = (L4_Word_t)i % 2;
        good &= set_cpu(C1, sc);
        good &= set_cpu(C, sc == 0 ? 0 : (L4_Word_t)(i / 2) % 2);
        good &= rpc(C, C_PING, (L4_Word_t)i, 0) == (L4_Word_t)i + 1;
        PUMP_UNTIL(sp_seen[0] == 100 + (L4_Word_t)i);
        lost += sp_seen[0] != 100 + (L4_Word_t)i;
    }
    ok(good, "SMP stress: 40 rounds of promotion, demotion, unmap, migration");
    ok(lost == 0 && sp_bad[0] == 0 && runs_on(0), "... the spinner saw every new value (%lu missed)", lost);
    is(space_small(C, QUERY), L4_SmallSpace(64, WIN_MB), "... C small at its last place");
}

#define SMP_TESTS 39

static void test_smp(void)
{
    R1 = tid(250);
    int good = L4_ThreadControl(R1, root_tid, root_tid, root_tid,
                                (void *)(0xbfe00000u + 32 * L4ABI_UTCB_SIZE)) == 1;
    good = good && set_cpu(R1, 1);
    L4_Start_SpIp(R1, (L4_Word_t)&sp_stacks[NSPIN - 1][STACK_WORDS / 2], (L4_Word_t)helper);
    if (!good)
        diag("helper not started: error %lu", L4_ErrorCode());
    test_smp_two_cpus();
    test_smp_ipc();
    test_smp_promotion();
    test_smp_unmap();
    test_smp_migration();
    test_smp_delete();
    test_smp_stress();
    thread_delete(C1);
    thread_delete(C);
    thread_delete(R1);
}

int main(void)
{
    root_tid = L4_Myself();
    make_child_links();
    ncpus = L4_NumProcessors(L4_GetKernelInterface());
    tap_plan(57 + (ncpus > 1 ? SMP_TESTS : 0));
    A = start_child(200, 0);
    B = start_child(201, 1);
    test_make_and_run();
    test_ipc();
    test_pending_irq();
    test_faults_strings();
    test_unmap();
    test_unmap_superpage();
    test_fpu();
    test_debug_regs();
    test_promotion();
    test_demotion();
    test_refusals();
    test_areas_outside();
    test_delete();
    if (ncpus > 1)
        test_smp();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
