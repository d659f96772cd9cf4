/* The exception round trip's fast path (kernel/arch/ia32/excfast.c): an
 * exception (#DE) to a handler that already waits goes straight to it,
 * and the handler's 12-word reply (with a receive phase) goes straight
 * into the thread's registers. Every check here holds on both kernels
 * (FASTPATH=0 takes the general path: exc-same compares the logs); the
 * counters say which path ran (fp = 1 with the fast paths, 0 without). */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "exc.h"

/* excfast_asm.S */
extern unsigned long xf_div(void), xf_abort_div(void), do_ud(void);
extern char xf_insn[], xf_land[], xf_abort_after[];
extern volatile L4_Word_t xf_regs[9];   /* eax ebx ecx edx esi edi ebp esp eflags */
extern L4_Word_t xf_stack[64];

#define NMARK 18    /* MR0..MR17: what the kernel saves around an exception */
static L4_Word_t mark(int i) { return 0x3c000000ul + (L4_Word_t)i; }

/* The faulting job: its own MR0..MR17 and BR0 hold markers, which the
 * exception IPCs must not change (the kernel saves them around the
 * exchange, on either path). Returns xf_div's result (1: it landed where
 * the handler said), plus 0x100 if a marker changed. */
static unsigned long xf_job(void)
{
    for (int i = 0; i < NMARK; i++)
        L4_LoadMR(i, mark(i));
    L4_LoadBR(0, 0x5b5b0000ul);
    unsigned long r = xf_div();
    int same = 1;
    for (int i = 0; i < NMARK; i++) {
        L4_Word_t v;
        L4_StoreMR(i, &v);
        same &= v == mark(i);
    }
    L4_Word_t br0;
    L4_StoreBR(0, &br0);
    same &= br0 == 0x5b5b0000ul;
    return r | (same ? 0 : 0x100);
}

/* Replies w[1..u] with a Call: the reply and our wait for t in one Ipc
 * (timeout never), so t's next exception finds us waiting. */
static L4_MsgTag_t call_regs(L4_ThreadId_t t, int u)
{
    load_tag(0, (L4_Word_t)u, 0);
    L4_LoadMRs(1, u, &w[1]);
    L4_MsgTag_t tag = L4_Call(t);
    for (int i = 1; i <= 12; i++)
        w[i] = 0;
    if (L4_IpcSucceeded(tag))
        L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
    return tag;
}

static int xf_image(void)
{
    return M_EIP == (L4_Word_t)xf_insn && M_EXCNO == 0 && M_ERR == 0 && M_EAX == 7 &&
           w[L4ABI_EXC_MR_EBX] == 0xb1 && w[L4ABI_EXC_MR_ECX] == 0 &&
           w[L4ABI_EXC_MR_EDX] == 0xd1 && w[L4ABI_EXC_MR_ESI] == 0x51 &&
           w[L4ABI_EXC_MR_EDI] == 0xd2 && w[L4ABI_EXC_MR_EBP] == 0xb2 &&
           (M_EFLAGS & EFL_IF) && !(M_EFLAGS & (EFL_IOPL | EFL_VM));
}

static void test_exc_fast_roundtrip(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);
    L4_ThreadId_t t = start_worker(160, xf_job, root_tid);
    /* Its first #DE came while we did not wait: queued, the general way. */
    L4_MsgTag_t tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && xf_image(), "#DE: the register image arrives");
    /* Unchanged registers: it runs the divl again, now while we wait. */
    L4_Word_t s0 = stat(L4ABI_KDB_STAT_FAST_EXC_SENDS);
    L4_Word_t r0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES);
    tag = call_regs(t, 12);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && xf_image(),
       "#DE to a waiting handler: all 12 words arrive");
    ok(fp <= 1 && stat(L4ABI_KDB_STAT_FAST_EXC_SENDS) - s0 == fp,
       "exception_to_waiting_handler_takes_exception_fast_path (#DE)");
    ok(stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES) - r0 == 0,
       "a reply to a thread not in the fast path's wait takes the general path");

    /* Two words: no register image. The thread resumes unchanged (the
     * general path ends the fast path's wait): the same #DE again. */
    r0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES);
    s0 = stat(L4ABI_KDB_STAT_FAST_EXC_SENDS);
    tag = call_regs(t, 2);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && xf_image(),
       "a 2-word reply resumes it unchanged: the same #DE again");
    ok(stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES) - r0 == 0 &&
       stat(L4ABI_KDB_STAT_FAST_EXC_SENDS) - s0 == fp,
       "the 2-word reply took the general path, the #DE the fast one");

    /* A new value in every register, esp included, and EFLAGS bits a user
     * may set (CF, DF) and may not (IOPL, NT, VM, RF; IF clear). */
    L4_Word_t fl = M_EFLAGS;
    M_EIP = (L4_Word_t)xf_land;
    M_EFLAGS = (fl | EFL_CF | EFL_DF | EFL_IOPL | EFL_NT | EFL_VM | EFL_RF) & ~EFL_IF;
    M_EAX = 0xa0;
    w[L4ABI_EXC_MR_EBX] = 0xa1;
    w[L4ABI_EXC_MR_ECX] = 0xa2;
    w[L4ABI_EXC_MR_EDX] = 0xa3;
    w[L4ABI_EXC_MR_ESI] = 0xa4;
    w[L4ABI_EXC_MR_EDI] = 0xa5;
    w[L4ABI_EXC_MR_EBP] = 0xa6;
    M_ESP = (L4_Word_t)&xf_stack[48];
    M_EXCNO = 0x77;                 /* ignored */
    M_ERR = 0x88;                   /* ignored */
    r0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES);
    tag = call_regs(t, 12);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 1,
       "the 12-word reply resumes it at the new eip, MR0..MR17 and BR0 kept (result %lx)",
       w[1]);
    ok(stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES) - r0 == fp,
       "exception_reply_takes_exception_fast_path");
    ok(xf_regs[0] == 0xa0 && xf_regs[1] == 0xa1 && xf_regs[2] == 0xa2 && xf_regs[3] == 0xa3 &&
       xf_regs[4] == 0xa4 && xf_regs[5] == 0xa5 && xf_regs[6] == 0xa6 &&
       xf_regs[7] == (L4_Word_t)&xf_stack[48], "the reply set every register, esp included");
    L4_Word_t e = xf_regs[8];
    ok((e & (EFL_CF | EFL_DF | EFL_IF)) == (EFL_CF | EFL_DF | EFL_IF) &&
       !(e & (EFL_IOPL | EFL_NT | EFL_VM)),
       "eflags: CF and DF taken; IOPL, NT, VM refused, IF kept (%lx)", e);
    delete_thread(t);
}

/* The thread's exception IPC, fast-sent, is aborted by ExchangeRegisters
 * before any reply; it goes on at the IP that set. */
static void test_exc_fast_abort(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);
    L4_ThreadId_t t = start_worker(161, xf_abort_div, root_tid);
    L4_MsgTag_t tag = receive(t);           /* the first: queued */
    L4_Word_t s0 = stat(L4ABI_KDB_STAT_FAST_EXC_SENDS);
    tag = call_regs(t, 12);                 /* unchanged: faults again */
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 0 &&
       stat(L4ABI_KDB_STAT_FAST_EXC_SENDS) - s0 == fp, "#DE again, to the waiting handler");
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_ABORT_SEND |
                         L4ABI_EXREGS_SET_IP, 0, (L4_Word_t)xf_abort_after, 0, 0,
                         L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    int good;
    L4_Word_t r = result(t, &good);
    ok(good && r == 5, "an aborted exception IPC: it goes on at the new IP (result %lu)", r);
    delete_thread(t);
}

/* A handler thread that waits for any thread, reports what it got to
 * the root thread, and never replies. */
static unsigned long silent_handler(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    L4_Word_t excno = 0;
    L4_StoreMR(L4ABI_EXC_MR_EXCNO, &excno);
    load_tag(LBL_MID, 2, 0);
    L4_LoadMR(1, L4_Label(tag));
    L4_LoadMR(2, excno);
    L4_Send(root_tid);
    for (;;)
        L4_Sleep(L4_Never);
    return 0;
}

/* The handler is deleted while the thread waits for its reply: the
 * thread's exception IPC ends (the general path's end of the wait), it
 * faults again with no handler and is stopped at the divl. */
static void test_exc_fast_handler_deleted(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);
    L4_ThreadId_t h = start_worker(162, silent_handler, root_tid);
    L4_Word_t s0 = stat(L4ABI_KDB_STAT_FAST_EXC_SENDS);
    L4_ThreadId_t t = start_worker(163, xf_div, h);
    L4_MsgTag_t tag = receive(h);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID && w[1] == L4ABI_LABEL_EXCEPTION &&
       w[2] == 0 && stat(L4ABI_KDB_STAT_FAST_EXC_SENDS) - s0 == fp,
       "#DE to a handler thread waiting for anythread");
    delete_thread(h);
    L4_Sleep(L4_TimePeriod(2000));
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    ok((ctl & L4ABI_EXREGS_STATE_HALTED) && ip == (L4_Word_t)xf_insn,
       "handler deleted mid-way: the thread is stopped at the fault (ip %lx)", ip);
    delete_thread(t);
}

/* #UD takes event_fast_call (KernelInterface is checked first), whose
 * wait for a 12-word image the reply fast path answers just as well. */
static void test_exc_fast_ud_reply(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);
    L4_ThreadId_t t = start_worker(164, do_ud, root_tid);
    L4_MsgTag_t tag = receive(t);           /* the first: queued */
    tag = call_regs(t, 12);                 /* unchanged: #UD again, to us waiting */
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 6 && M_EAX == 1,
       "#UD to a waiting handler: the register image arrives");
    L4_Word_t r0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES);
    M_EIP += 2;
    M_EAX = 99;
    tag = call_regs(t, 12);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 99 &&
       stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES) - r0 == fp,
       "exception_reply_takes_exception_fast_path (#UD; result %lu)", w[1]);
    delete_thread(t);
}

/* A reply that lands at xf_land with new registers (base + 0..6 in eax,
 * ebx, ecx, edx, esi, edi, ebp), sent with a receive from anythread (a
 * reply and wait); returns what arrived. */
static L4_MsgTag_t reply_wait_land(L4_ThreadId_t t, L4_Word_t base, L4_ThreadId_t *from)
{
    M_EIP = (L4_Word_t)xf_land;
    M_EAX = base;
    w[L4ABI_EXC_MR_EBX] = base + 1;
    w[L4ABI_EXC_MR_ECX] = base + 2;
    w[L4ABI_EXC_MR_EDX] = base + 3;
    w[L4ABI_EXC_MR_ESI] = base + 4;
    w[L4ABI_EXC_MR_EDI] = base + 5;
    w[L4ABI_EXC_MR_EBP] = base + 6;
    M_ESP = (L4_Word_t)&xf_stack[40];
    load_tag(0, 12, 0);
    L4_LoadMRs(1, 12, &w[1]);
    L4_MsgTag_t tag = L4_ReplyWait(t, from);
    for (int i = 1; i <= 12; i++)
        w[i] = 0;
    if (L4_IpcSucceeded(tag))
        L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
    return tag;
}

static int landed(L4_Word_t base)
{
    return xf_regs[0] == base && xf_regs[1] == base + 1 && xf_regs[2] == base + 2 &&
           xf_regs[3] == base + 3 && xf_regs[4] == base + 4 && xf_regs[5] == base + 5 &&
           xf_regs[6] == base + 6 && xf_regs[7] == (L4_Word_t)&xf_stack[40];
}

/* A thread at our priority that yields to us until it is done. */
static unsigned long yielder(void)
{
    for (int i = 0; i < 2000; i++)
        L4_ThreadSwitch(L4_nilthread);
    return 9;
}

/* The assembly reply (kernel/arch/ia32/excfast_reply.S), entered from
 * the IPC fast path's entry: a 12-word reply and wait (receive from
 * anythread) to a lower-priority thread (workers run at 100, we at 255)
 * in the fast wait. Round 0: nothing else ready, so the handoff rule lets
 * it run next and the assembly applies the reply. Round 1: a thread at
 * our own level is ready, so the rule refuses (as the C rule does) and
 * the general path replies; that thread runs first and its message is
 * the one our receive phase gets. Both kernels give the same results;
 * the counters say which path ran (asm_fp: the assembly IPC path runs). */
static void test_exc_fast_asm_reply(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);
    /* The assembly IPC path (and so its reply) never runs with PVI or
     * eager FPU switching (fast_off's mode byte): the C reply then. */
    L4_Word_t asm_fp = fp && !stat(L4ABI_KDB_STAT_PVI) && !stat(L4ABI_KDB_STAT_FPU_EAGER);
    for (int round = 0; round < 2; round++) {
        L4_Word_t base = 0xc0 + 0x10 * (L4_Word_t)round;
        L4_ThreadId_t t = start_worker(168 + 2 * round, xf_job, root_tid);
        L4_MsgTag_t tag = receive(t);       /* the first: queued */
        L4_Word_t s0 = stat(L4ABI_KDB_STAT_FAST_EXC_SENDS);
        tag = call_regs(t, 12);             /* unchanged: #DE again, to us waiting */
        ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && xf_image() &&
           stat(L4ABI_KDB_STAT_FAST_EXC_SENDS) - s0 == fp,
           "round %d: #DE to the waiting handler", round);
        L4_ThreadId_t y = L4_nilthread;
        if (round == 1) {
            y = start_worker(169 + 2 * round, yielder, root_tid);
            L4_Set_Priority(y, 255);        /* ready at our level */
        }
        L4_Word_t r0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES);
        L4_Word_t a0 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES_ASM);
        L4_ThreadId_t from = L4_nilthread;     /* (a local ID: w[1] tells) */
        tag = reply_wait_land(t, base, &from);
        L4_Word_t r1 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES) - r0;
        L4_Word_t a1 = stat(L4ABI_KDB_STAT_FAST_EXC_REPLIES_ASM) - a0;
        if (round == 0) {
            ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 1 && landed(base),
               "reply and wait: it resumes at the new eip with every register set (%lx)", w[1]);
            ok(r1 == fp && a1 == asm_fp,
               "exception_reply_takes_assembly_reply (lower priority, reply and wait: %lu, %lu)",
               r1, a1);
        } else {
            ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 9,
               "a thread at our level is ready: its message (9) comes first (%lx)", w[1]);
            ok(r1 == 0 && a1 == 0,
               "... and the reply took the general path (%lu, %lu)", r1, a1);
            tag = receive(t);
            ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 1 && landed(base),
               "... which resumed the thread at the new eip with every register set");
            delete_thread(y);
        }
        delete_thread(t);
    }
}

void test_exc_fast(void)
{
    test_exc_fast_roundtrip();
    test_exc_fast_abort();
    test_exc_fast_handler_deleted();
    test_exc_fast_ud_reply();
    test_exc_fast_asm_reply();
}
