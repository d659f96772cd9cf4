/* In-guest tests of the L4 X.2 core: KIP, threads, IPC, ExchangeRegisters,
 * Schedule, a second address space with the root task as its pager. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define STACK_WORDS 1024

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));

static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }
static L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }
static void *utcb(int slot) { return (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE); }
static L4_Word_t ecode(void) { return L4ABI_IPCERR_CODE(L4_ErrorCode()); }
static L4_Word_t ephase(void) { return L4_ErrorCode() & L4ABI_IPCERR_RECV_PHASE; }

/* Creates thread `no` in our space at UTCB slot `slot`, inactive (no pager). */
static int create_local(int no, int slot)
{
    return (int)L4_ThreadControl(tid(no), root_tid, root_tid, L4_nilthread, utcb(slot));
}

static void delete_thread(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void load_tag(L4_Word_t label, L4_Word_t u, L4_Word_t t)
{
    L4_LoadMR(0, L4ABI_TAG(label, u, t));
}

/* ---- Echo server: reply label+1 and every word +1. Label 0x77 means
 * "send me back 8 words 100..107 as a separate send". ---- */
static volatile L4_Word_t echo_sends;
static void echo_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t u = L4_UntypedWords(tag), w[64];
        L4_StoreMRs(1, (int)u, w);
        if (L4_Label(tag) == 0x77) {
            echo_sends++;
            load_tag(0x78, 8, 0);
            for (int i = 0; i < 8; i++)
                L4_LoadMR(i + 1, 100 + i);
            L4_Send(from);
            tag = L4_Wait(&from);
            continue;
        }
        for (L4_Word_t i = 0; i < u; i++)
            w[i]++;
        load_tag(L4_Label(tag) + 1, u, 0);
        L4_LoadMRs(1, (int)u, w);
        tag = L4_ReplyWait(from, &from);
    }
}

/* ---- Workers for scheduling/exregs tests ---- */
static volatile L4_Word_t counter;
static volatile int order[4], norder;
static volatile L4_Word_t cancel_err;

static void sleep_forever(void) { for (;;) L4_Sleep(L4_Never); }

static void spin_main(void)
{
    for (;;) {
        counter++;
        L4_ThreadSwitch(L4_nilthread);
    }
}

static void bump_main(void) { counter++; sleep_forever(); }

/* Sleeps in 1 ms steps until done() holds, for at most 100 ms. Under
 * -icount the first step always suffices; without it (suite smp-mttcg) a
 * loaded host can end a single 1 ms sleep before the other thread has
 * run at all. */
static int sleep_until(int (*done)(void))
{
    for (int i = 0; i < 100 && !done(); i++)
        L4_Sleep(L4_TimePeriod(1000));
    return done();
}

static L4_Word_t counter_floor;
static int counter_above_floor(void) { return counter > counter_floor; }

static int receiver_receiving(void)
{
    L4_Word_t state;
    __L4_ExregsState(tid(63), L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                     &state, 0, 0, 0, 0, 0);
    return (state & L4ABI_EXREGS_STATE_RECVING) != 0;
}
static void order_hi(void) { order[norder++] = 1; sleep_forever(); }
static void order_lo(void) { order[norder++] = 2; sleep_forever(); }

static void recv_main(void)
{
    L4_Receive(root_tid);
    cancel_err = L4_ErrorCode();
    load_tag(0x55, 1, 0);
    L4_LoadMR(1, cancel_err);
    L4_Send(root_tid);
    sleep_forever();
}

/* Scheduler thread: tries to set its subject's priority above/below its own. */
static L4_ThreadId_t sched_subject;
static volatile L4_Word_t sched_hi_res, sched_hi_err, sched_lo_res;
static void sched_main(void)
{
    sched_hi_res = L4_Set_Priority(sched_subject, 150);
    sched_hi_err = L4_ErrorCode();
    sched_lo_res = L4_Set_Priority(sched_subject, 50);
    load_tag(0x66, 0, 0);
    L4_Send(root_tid);
    sleep_forever();
}

/* ---- Child space: runs code of this binary, paged by the root task ---- */
static void child_main(void)
{
    /* Unprivileged ThreadControl must be refused. */
    L4_Word_t r = L4_ThreadControl(L4_GlobalId(200, 1), L4_Myself(), L4_Myself(),
                                   L4_nilthread, (void *)(UTCB_AREA + 0x1000));
    L4_Word_t e = L4_ErrorCode();
    load_tag(0x99, 3, 0);
    L4_LoadMR(1, r);
    L4_LoadMR(2, e);
    L4_LoadMR(3, L4_Myself().raw);
    L4_Call(root_tid);
    echo_main();
}

/* ------------------------------------------------------------------ */

static void test_kip(void)
{
    L4_Word_t ver, flags, id;
    void *kipp = L4_KernelInterface(&ver, &flags, &id);
    const struct l4_kip *k = kipp;
    is(k->magic, L4ABI_KIP_MAGIC, "KIP magic");
    is(ver >> 24, L4ABI_API_VERSION_X2, "API version 0x84");
    ok(k->ipc && k->lipc && k->exchange_registers && k->thread_control &&
       k->system_clock && k->thread_switch && k->schedule && k->unmap &&
       k->space_control && k->memory_control && k->processor_control,
       "system-call links non-zero");
    ok(L4ABI_KIP_MEMINFO_N(k->memory_info) > 0 && L4ABI_KIP_MEMINFO_PTR(k->memory_info) != 0,
       "memory descriptors present");
    ok(L4_UtcbSize(kipp) == L4ABI_UTCB_SIZE && L4_UtcbAreaSizeLog2(kipp) >= 9 &&
       L4_KipAreaSizeLog2(kipp) == 12, "UTCB/KIP area info (utcb %lu, kip 2^%lu)",
       L4_UtcbSize(kipp), L4_KipAreaSizeLog2(kipp));
    ok((L4_Word_t)kipp == KIP_AREA, "KIP at the root task's KIP area");
}

static void test_ids(void)
{
    L4_ThreadId_t g = L4_Myself(), l = L4_MyLocalId();
    ok(L4_ThreadNo(g) == 50 && L4_Version(g) == 1, "Myself is thread 50 version 1");
    ok(L4_IsLocalId(l) && l.raw == L4ABI_UTCB_LOCALID(UTCB_AREA), "MyLocalId is MR0 address");
    ok(L4_GlobalIdOf(l).raw == g.raw && L4_LocalIdOf(g).raw == l.raw,
       "local/global ID conversion consistent");
}

static void test_ipc_local(L4_ThreadId_t echo)
{
    L4_MsgTag_t tag;
    load_tag(0x1234, 0, 0);
    tag = L4_Call(echo);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x1235 && L4_UntypedWords(tag) == 0,
       "call/reply-wait with 0 words, label round trip");

    load_tag(0x200, 8, 0);
    for (int i = 0; i < 8; i++)
        L4_LoadMR(i + 1, 0xa0000000u + i * 0x111);
    tag = L4_Call(echo);
    int good = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x201 && L4_UntypedWords(tag) == 8;
    for (int i = 0; i < 8 && good; i++) {
        L4_Word_t w;
        L4_StoreMR(i + 1, &w);
        good = w == 0xa0000000u + i * 0x111 + 1;
    }
    ok(good, "call/reply-wait with 8 words arrive intact");

    load_tag(0x77, 0, 0);
    tag = L4_Send(echo);
    ok(L4_IpcSucceeded(tag), "send");
    tag = L4_Receive(echo);
    good = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x78 && L4_UntypedWords(tag) == 8;
    for (int i = 0; i < 8 && good; i++) {
        L4_Word_t w;
        L4_StoreMR(i + 1, &w);
        good = w == (L4_Word_t)(100 + i);
    }
    ok(good && echo_sends == 1, "receive of 8 words from a specific thread");
}

/* Calls to the echo server's local ID (it waits in its reply-and-wait,
 * blocked by the fast path). tcb_resolve believes the global ID that the
 * UTCB names only if that thread holds the UTCB: a forged word (user-
 * writable: any thread of the space may change it) makes the ID name
 * nobody, on every path (the asm fast path finds the slot's holder in a
 * kernel table and must still compare the word), as does an address off
 * a UTCB boundary or a free slot (one the table covers, one beyond). */
static L4_MsgTag_t call_raw(L4_Word_t to, L4_Word_t label)
{
    L4_ThreadId_t t = { .raw = to };
    load_tag(label, 0, 0);
    return L4_Call(t);
}

/* The same as a send and an open receive (a reply-and-wait): the echo
 * server's reply comes back to it. */
static L4_MsgTag_t replywait_raw(L4_Word_t to, L4_Word_t label)
{
    L4_ThreadId_t t = { .raw = to }, from;
    load_tag(label, 0, 0);
    return L4_ReplyWait(t, &from);
}

static void test_ipc_local_ids(L4_ThreadId_t echo)
{
    L4_Word_t lid = L4ABI_UTCB_LOCALID((L4_Word_t)utcb(1));
    volatile L4_Word_t *gidw = (volatile L4_Word_t *)lid + L4ABI_UTCB_MYGLOBALID;
    /* Our priority (255) for the server, so that our sends to it may take
     * the asm fast path too (dest's priority at least the sender's). */
    L4_Word_t prio_set = L4_Set_Priority(echo, 255);
    L4_MsgTag_t tag = call_raw(echo.raw, 0x400);        /* echo in its ReplyWait */
    tag = call_raw(lid, 0x410);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x411, "call to the echo server's local ID");

    L4_Word_t saved = *gidw;
    *gidw = root_tid.raw;                               /* a thread at another UTCB */
    tag = call_raw(lid, 0x420);
    int bad1 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    *gidw = L4_GlobalId(L4_ThreadNo(echo), L4_Version(echo) + 1).raw;  /* another version */
    tag = call_raw(lid, 0x430);
    int bad2 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    tag = replywait_raw(lid, 0x434);                    /* and as a reply-and-wait */
    int bad3 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    *gidw = root_tid.raw;
    tag = replywait_raw(lid, 0x438);
    int bad4 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    *gidw = saved;
    ok(bad1 && bad2 && bad3 && bad4,
       "its UTCB's global-ID word forged: the local ID names nobody (call, reply-and-wait)");
    tag = call_raw(lid, 0x440);
    L4_MsgTag_t tag2 = replywait_raw(lid, 0x444);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x441 &&
       L4_IpcSucceeded(tag2) && L4_Label(tag2) == 0x445, "... restored: served again (both)");

    tag = call_raw(lid + 64, 0x450);
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0,
       "a local ID off a UTCB boundary (inside the server's UTCB) names nobody");
    tag = call_raw(L4ABI_UTCB_LOCALID((L4_Word_t)utcb(31)), 0x460);
    int free1 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    tag = call_raw(L4ABI_UTCB_LOCALID((L4_Word_t)utcb(40)), 0x470);
    int free2 = L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0;
    ok(free1 && free2, "local IDs of free UTCB slots (31, 40) name nobody");
    tag = call_raw(echo.raw, 0x480);
    prio_set = prio_set && L4_Set_Priority(echo, 100);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x481 && prio_set,
       "the echo server still serves (its priority 255 meanwhile, 100 again)");
}

/* A call entered with foreign data segments: %ds = the UTCB selector
 * (%gs's: small base and limit), %es = null. The kernel must not use
 * them (the assembly fast path leaves them loaded on entry and addresses
 * its memory through %ss), the echo server must not inherit them (its
 * own C code would go astray), and we must get the user data segment back
 * in both. Raw registers: no C between the loads and the restore. */
extern L4_Word_t __l4_syslinks[];
static int foreign_call(L4_ThreadId_t echo, L4_Word_t label);
static void test_ipc_foreign_segments(L4_ThreadId_t echo)
{
    /* Twice: the first call finds echo blocked by the general path (its
     * L4_Wait), the second blocked by the fast path (its reply). */
    int r1 = foreign_call(echo, 0x300), r2 = foreign_call(echo, 0x310);
    ok((r1 & 1) && (r2 & 1), "a call entered with foreign %%ds/%%es is served (3 words), twice");
    ok((r1 & 2) && (r2 & 2), "... and returns with the user data segment in %%ds and %%es");
}

/* Bit 0: the reply is right; bit 1: the segments we got back are. */
static int foreign_call(L4_ThreadId_t echo, L4_Word_t label)
{
    load_tag(label, 3, 0);
    for (int i = 0; i < 3; i++)
        L4_LoadMR(i + 1, 0x5000u + i);
    L4_Word_t *u = __L4_X86_Utcb();
    L4_Word_t a = echo.raw, c = L4_Timeouts(L4_Never, L4_Never), d = echo.raw;
    L4_Word_t s = u[0], b = __l4_syslinks[0];   /* L4LIB_SYS_IPC's stub */
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "pushl  %%ebx\n\t"                   /* the stub, %ss-relative */
        "movl   %%gs, %%ebp\n\t"
        "movl   %%ebp, %%ds\n\t"
        "xorl   %%ebp, %%ebp\n\t"
        "movl   %%ebp, %%es\n\t"
        "call   *(%%esp)\n\t"
        "movl   %%ds, %%ecx\n\t"             /* what we got back */
        "movl   %%es, %%edx\n\t"
        "movl   %%ss, %%ebx\n\t"             /* the user data segment */
        "movl   %%ebx, %%ds\n\t"
        "movl   %%ebx, %%es\n\t"
        "addl   $4, %%esp\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s), "+b"(b)
        : "D"(u)
        : "memory");
    L4_Word_t ss;
    __asm__ __volatile__("movl %%ss, %0" : "=r"(ss));
    L4_Word_t w[3] = { 0, 0, 0 };
    L4_StoreMRs(1, 3, w);
    L4_MsgTag_t tag = { .raw = s };
    int good = L4_IpcSucceeded(tag) && L4_Label(tag) == label + 1 && a != 0 &&
               w[0] == 0x5001 && w[1] == 0x5002 && w[2] == 0x5003;
    return good | ((c & 0xffff) == ss && (d & 0xffff) == ss) << 1;
}

/* ---- Flags across a call (the sysenter frame, sysenter.h): the caller
 * enters with AC and DF set; the inspector, while the caller waits for
 * its reply, reads the caller's registers with ExchangeRegisters (an odd
 * label: it also clears the caller's AC), and reports them with its own
 * flags. ---- */
#define FL_DF 0x400u
#define FL_NT 0x4000u
#define FL_AC 0x40000u
static void inspect_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t mine, state = 0, sp = 0, ip = 0, fl = 0, fl2 = 0;
        __asm__ __volatile__("pushfl; popl %0" : "=r"(mine));
        __L4_ExregsState(from, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                         &state, &sp, &ip, &fl, 0, 0);
        if (L4_Label(tag) & 1) {
            __L4_ExregsState(from, L4ABI_EXREGS_SET_FLAGS | L4ABI_EXREGS_DELIVER, 0, 0,
                             fl & ~FL_AC, 0, L4_nilthread, 0, 0, 0, 0, 0, 0);
            __L4_ExregsState(from, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                             0, 0, 0, &fl2, 0, 0);
        }
        load_tag(L4_Label(tag) + 1, 6, 0);
        L4_LoadMR(1, sp);
        L4_LoadMR(2, ip);
        L4_LoadMR(3, fl);
        L4_LoadMR(4, mine);
        L4_LoadMR(5, fl2);
        L4_LoadMR(6, state);
        tag = L4_ReplyWait(from, &from);
    }
}

/* A call through the KIP's Ipc stub with AC and DF set (raw registers: no
 * C code runs with them); returns the flags we got back, and the sp and
 * ip the kernel must have saved. */
static L4_Word_t fc_sp, fc_ip;
static L4_Word_t flags_call(L4_ThreadId_t to, L4_Word_t label)
{
    load_tag(label, 0, 0);
    L4_Word_t *u = __L4_X86_Utcb();
    L4_Word_t a = to.raw, c = L4_Timeouts(L4_Never, L4_Never), d = to.raw;
    L4_Word_t s = u[0], b = __l4_syslinks[0];   /* L4LIB_SYS_IPC's stub */
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "pushl  %%ebx\n\t"                   /* the stub */
        "pushfl\n\t"                         /* our flags, back below */
        "pushfl\n\t"
        "orl    $0x40400, (%%esp)\n\t"       /* AC and DF for the call */
        "popfl\n\t"
        "movl   %%esp, %[sp]\n\t"            /* the stub's sysenter saves */
        "movl   $1f, %[ip]\n\t"              /* this sp and ip */
        "call   *4(%%esp)\n"
        "1:\n\t"
        "pushfl\n\t"
        "popl   %%ecx\n\t"                   /* the flags we got back */
        "popfl\n\t"
        "addl   $4, %%esp\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s), "+b"(b), [sp] "=m"(fc_sp), [ip] "=m"(fc_ip)
        : "D"(u)
        : "memory", "cc");
    L4_MsgTag_t tag = { .raw = s };
    if (!L4_IpcSucceeded(tag) || L4_Label(tag) != label + 1)
        return 0;
    return c;
}

static void test_ipc_flags(void)
{
    L4_ThreadId_t t = tid(69);
    ok(create_local(69, 9), "create inspector thread");
    L4_Start_SpIp(t, stack_top(6), (L4_Word_t)inspect_main);
    /* The first call finds the inspector blocked by the general path (its
     * L4_Wait), the others blocked by the fast path (its ReplyWait): the
     * caller then waits in a frame the fast path's entry built. */
    int served = 1, where = 1, flags = 1, own = 1, back = 1;
    for (int i = 0; i < 3; i++) {
        L4_Word_t label = 0x600 + 0x10 * (L4_Word_t)i;
        L4_Word_t got = flags_call(t, label), w[6];
        L4_StoreMRs(1, 6, w);
        served &= got != 0;
        where &= w[0] == fc_sp && w[1] == fc_ip && (w[5] & L4ABI_EXREGS_STATE_RECVING);
        flags &= (w[2] & (0x200 | FL_AC | FL_DF)) == (0x200 | FL_AC | FL_DF);
        own &= (w[3] & (FL_AC | FL_DF | FL_NT)) == 0 && (w[3] & 0x200);
        back &= (got & (0x200 | FL_AC | FL_DF)) == (0x200 | FL_AC | FL_DF);
    }
    ok(served, "calls entered with AC and DF set are served, three times");
    ok(where, "ExchangeRegisters finds the waiting caller receiving, at its sysenter's sp and ip");
    ok(flags, "... and reads its flags as it entered: AC, DF, and IF on");
    ok(own, "the callee runs with its own flags (no AC, DF, NT of the caller; IF on)");
    ok(back, "the caller gets its AC and DF back, with IF on");
    /* ExchangeRegisters changes a waiting caller's flags (clears AC). */
    int changed = 1;
    for (int i = 0; i < 2; i++) {
        L4_Word_t label = 0x641 + 0x10 * (L4_Word_t)i, w[6];
        L4_Word_t got = flags_call(t, label);
        L4_StoreMRs(1, 6, w);
        changed &= (w[4] & (0x200 | FL_AC | FL_DF)) == (0x200 | FL_DF) &&
                   (got & (0x200 | FL_AC | FL_DF)) == (0x200 | FL_DF);
    }
    ok(changed, "flags set by ExchangeRegisters on a waiting caller: read back with IF on, "
                "and the call returns with them");
    delete_thread(t);
}

static void test_ipc_errors(void)
{
    L4_MsgTag_t tag;
    load_tag(0, 0, 0);
    tag = L4_Send_Timeout(L4_GlobalId(3000, 7), L4_ZeroTime);
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0,
       "send to nonexistent thread: non-existing partner, send phase");

    L4_ThreadId_t from;
    tag = L4_Wait_Timeout(L4_ZeroTime, &from);
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_TIMEOUT && ephase() == 1,
       "receive with zero timeout: timeout, receive phase");

    L4_Clock_t t0 = L4_SystemClock();
    tag = L4_Wait_Timeout(L4_TimePeriod(2000), &from);
    L4_Clock_t t1 = L4_SystemClock();
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_TIMEOUT && ephase() == 1,
       "2 ms receive timeout expires");
    ok(t1.raw - t0.raw >= 2000, "clock advanced by >= 2 ms (%lu us)",
       (L4_Word_t)(t1.raw - t0.raw));

    /* 10 000 IPCs to random invalid IDs (LCG); never an existing thread. */
    L4_Word_t seed = 12345, bad = 0;
    for (int i = 0; i < 10000; i++) {
        seed = seed * 1103515245u + 12345u;
        L4_Word_t no = 1024 + (seed >> 8) % ((1u << 18) - 1024);
        L4_Word_t ver = 1 + (seed & 0x3ffe);
        load_tag(0, 0, 0);
        tag = L4_Send_Timeout(L4_GlobalId(no, ver), L4_ZeroTime);
        if (!(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER && ephase() == 0))
            bad++;
    }
    is(bad, 0, "10000 IPCs to random invalid thread IDs all fail with non-existing partner");
}

static void test_tc_errors(void)
{
    L4_Word_t r;
    r = L4_ThreadControl(tid(90), L4_GlobalId(3000, 1), root_tid, L4_nilthread, utcb(20));
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_SPACE, "ThreadControl nonexistent space");
    r = L4_ThreadControl(tid(91), root_tid, root_tid, L4_nilthread, (void *)0x00800000);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_UTCB_AREA, "ThreadControl UTCB outside area");
    r = L4_ThreadControl(tid(91), L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    ok(r == 0, "failed creation leaves no thread behind");
    r = L4_ThreadControl(tid(92), root_tid, root_tid, L4_nilthread,
                         (void *)(UTCB_AREA + 21 * 512 + 0x40));
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_UTCB_AREA, "ThreadControl misaligned UTCB");
    r = L4_ThreadControl(tid(93), root_tid, root_tid, L4_nilthread, utcb(0));
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_UTCB_AREA, "ThreadControl UTCB in use");
    r = L4_ThreadControl(tid(94), root_tid, L4_GlobalId(3000, 1), L4_nilthread, utcb(22));
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_SCHEDULER, "ThreadControl bad scheduler");
}

static void test_exregs(void)
{
    L4_ThreadId_t s = tid(62);
    ok(create_local(62, 2), "create spinner thread");
    L4_Start_SpIp(s, stack_top(1), (L4_Word_t)spin_main);
    counter_floor = 0;
    ok(sleep_until(counter_above_floor), "started thread runs (L4_Start_SpIp)");

    L4_Word_t sp, ip, fl;
    L4_ThreadState_t st = L4_Stop_SpIpFlags(s, &sp, &ip, &fl);
    (void)st;
    L4_Word_t c0 = counter;
    L4_Sleep(L4_TimePeriod(2000));
    ok(counter == c0, "halted thread does not run");
    st = L4_Stop_SpIpFlags(s, &sp, &ip, &fl);
    ok(L4_ThreadWasHalted(st), "state reports halted");
    ok(sp > (L4_Word_t)stacks[1] && sp <= stack_top(1), "read back sp %lx", sp);
    /* In our text, or in a system-call stub in the KIP page. */
    ok((ip >= 0x01000000 && ip < 0x02000000) || (ip & ~0xffful) == KIP_AREA,
       "read back ip %lx", ip);
    ok((fl & 0x200) != 0, "read back flags (IF set: %lx)", fl);

    L4_Set_UserDefinedHandleOf(s, 0xdeadbeef);
    is(L4_UserDefinedHandleOf(s), 0xdeadbeef, "user handle write/read back");
    L4_Set_PagerOf(s, root_tid);
    is(L4_PagerOf(s).raw, root_tid.raw, "pager write/read back");

    L4_Start(s);
    counter_floor = c0;
    ok(sleep_until(counter_above_floor), "resumed thread runs again");

    /* Deletion. */
    ok(L4_ThreadControl(s, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1,
       "delete thread");
    load_tag(0, 0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(s, L4_ZeroTime);
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER, "IPC to deleted thread fails");
    L4_Word_t c1 = counter;
    L4_Sleep(L4_TimePeriod(1000));
    ok(counter == c1, "deleted thread no longer runs");

    /* Cancel a blocked receive. */
    ok(create_local(63, 3), "create receiver thread");
    L4_Start_SpIp(tid(63), stack_top(2), (L4_Word_t)recv_main);
    sleep_until(receiver_receiving);
    L4_Word_t state;
    __L4_ExregsState(tid(63), L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_DELIVER, 0, 0, 0, 0,
                     L4_nilthread, &state, 0, 0, 0, 0, 0);
    ok(state & L4ABI_EXREGS_STATE_RECVING, "exregs sees thread receiving");
    tag = L4_Receive(tid(63));
    L4_Word_t w;
    L4_StoreMR(1, &w);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x55 &&
       L4ABI_IPCERR_CODE(w) == L4ABI_IPCERR_CANCELED && (w & 1),
       "canceled receive seen by the partner (err %lx)", w);
    delete_thread(tid(63));
}

static void test_schedule(void)
{
    ok(create_local(64, 4) && create_local(65, 5), "create two threads");
    ok(L4_Set_Priority(tid(64), 200) != 0, "set priority as scheduler");
    ok(L4_Set_Priority(tid(65), 150) != 0, "set second priority");
    /* Start the lower one first: the higher must still run first. */
    L4_Start_SpIp(tid(65), stack_top(4), (L4_Word_t)order_lo);
    L4_Start_SpIp(tid(64), stack_top(3), (L4_Word_t)order_hi);
    L4_Sleep(L4_TimePeriod(2000));
    ok(norder == 2 && order[0] == 1 && order[1] == 2, "higher-priority thread runs first");
    delete_thread(tid(64));
    delete_thread(tid(65));

    /* Thread 66 (prio 100) schedules 67: above its own prio is refused. */
    ok(L4_ThreadControl(tid(67), root_tid, root_tid, L4_nilthread, utcb(7)) == 1 &&
       L4_ThreadControl(tid(66), root_tid, root_tid, L4_nilthread, utcb(6)) == 1 &&
       L4_ThreadControl(tid(67), root_tid, tid(66), L4_nilthread, (void *)~0ul) == 1,
       "create scheduler and subject threads");
    sched_subject = tid(67);
    L4_Start_SpIp(tid(66), stack_top(5), (L4_Word_t)sched_main);
    L4_MsgTag_t tag = L4_Receive(tid(66));
    ok(L4_IpcSucceeded(tag) && sched_hi_res == 0 && sched_hi_err == L4ABI_ERR_INVALID_PARAM,
       "priority above own refused (err %lu)", sched_hi_err);
    ok(sched_lo_res != 0, "priority below own accepted");
    ok(L4_Set_Priority(tid(67), 10) == 0 && L4_ErrorCode() == L4ABI_ERR_NO_PRIVILEGE,
       "non-scheduler cannot set priority");
    delete_thread(tid(66));
    delete_thread(tid(67));

    /* ThreadSwitch(t) donates the CPU to a ready lower-priority thread. */
    L4_ThreadSwitch(L4_nilthread);
    ok(create_local(68, 8), "create donation target");
    counter = 0;
    L4_Start_SpIp(tid(68), stack_top(7), (L4_Word_t)bump_main);
    ok(counter == 0, "lower-priority thread has not run yet");
    L4_ThreadSwitch(tid(68));
    ok(counter == 1, "ThreadSwitch(dest) ran dest");
    delete_thread(tid(68));
}

static void test_space(void)
{
    L4_ThreadId_t child = tid(70);
    L4_Word_t old, r;
    r = L4_ThreadControl(child, child, root_tid, L4_nilthread, (void *)~0ul);
    ok(r == 1, "ThreadControl creates a new space");
    r = L4_SpaceControl(child, 0, L4_FpageLog2(UTCB_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                        L4_nilthread, &old);
    ok(r == 0 && L4_ErrorCode() == L4ABI_ERR_KIP_AREA, "SpaceControl: KIP area inside UTCB area");
    r = L4_SpaceControl(child, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                        L4_nilthread, &old);
    ok(r == 1, "SpaceControl sets KIP and UTCB area");
    r = L4_ThreadControl(child, child, root_tid, root_tid, utcb(0));
    ok(r == 1, "child thread gets UTCB and pager");

    load_tag(0, 2, 0);
    L4_LoadMR(1, (L4_Word_t)child_main);
    L4_LoadMR(2, stack_top(6));
    ok(L4_IpcSucceeded(L4_Send(child)), "start message sent");

    L4_MsgTag_t tag = pager_receive(child);
    L4_Word_t w[3];
    L4_StoreMRs(1, 3, w);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x99, "child runs, paged by the root task");
    ok(w[0] == 0 && w[1] == L4ABI_ERR_NO_PRIVILEGE, "unprivileged ThreadControl refused (%lu/%lu)",
       w[0], w[1]);
    is(w[2], child.raw, "child knows its global ID");

    /* Reply to the child's call, then it is an echo server. */
    load_tag(0, 0, 0);
    L4_Reply(child);
    pager_drain(child);
    load_tag(0x300, 8, 0);
    for (int i = 0; i < 8; i++)
        L4_LoadMR(i + 1, 0x5000 + i);
    tag = pager_call(child);
    int good = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x301 && L4_UntypedWords(tag) == 8;
    for (int i = 0; i < 8 && good; i++) {
        L4_Word_t v;
        L4_StoreMR(i + 1, &v);
        good = v == (L4_Word_t)(0x5000 + i + 1);
    }
    ok(good, "inter-space call with 8 words intact");
    load_tag(0x400, 0, 0);
    tag = pager_call(child);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x401, "inter-space call with 0 words");

    delete_thread(child);
    load_tag(0, 0, 0);
    tag = L4_Send_Timeout(child, L4_ZeroTime);
    ok(L4_IpcFailed(tag) && ecode() == L4ABI_IPCERR_NOPARTNER, "deleted child space gone");
}

int main(void)
{
    root_tid = L4_Myself();
    tap_plan(79);
    test_kip();
    test_ids();

    /* Echo thread started with the X.2 start message from its pager. */
    L4_ThreadId_t echo = tid(61);
    ok(L4_ThreadControl(echo, root_tid, root_tid, root_tid, utcb(1)) == 1,
       "ThreadControl creates thread in own space");
    load_tag(0, 2, 0);
    L4_LoadMR(1, (L4_Word_t)echo_main);
    L4_LoadMR(2, stack_top(0));
    ok(L4_IpcSucceeded(L4_Send(echo)), "start message to new thread");
    test_ipc_local(echo);
    test_ipc_foreign_segments(echo);
    test_ipc_local_ids(echo);
    test_ipc_errors();
    test_tc_errors();
    test_exregs();
    test_schedule();
    test_space();
    /* Last: one more thread created would move the later tests' threads
     * to other CPUs under smp=spread (suite spread-core). */
    test_ipc_flags();
    delete_thread(echo);
    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
