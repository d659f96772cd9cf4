/* Exception IPC, system-call exceptions, virtual IF, lazy FPU switching and
 * single-stepping, seen from user space. The root task is the exception
 * handler of worker threads in its own space. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "exc.h"
#include "rtc.h"
#include <l4/pecan.h>

#define UTCB_AREA   0xbfe00000u
#define STACK_WORDS 1024
#define NSTACKS     8


/* faults.S */
extern unsigned long do_de(void), do_ud(void), do_gp(void), do_bp(void),
    do_int30(void), do_int90(void), do_into(void), do_bound(void), do_ac(void),
    do_flags(void), do_tf(void), do_cli(void), do_sti(void),
    do_cli_prefixed(void), do_sti_prefixed(void);
extern void set_tf(void), clear_tf(void);
extern unsigned long do_mf(void), do_xm(void), do_hw(void), do_tf_cli(void);
extern char tfc_insn[], tfc_cli[], tfc_after_cli[], tfc_after_sti[];
extern char hw_setup_insn[], hw_insn[], hw_after_write[];
extern volatile unsigned hw_var;
extern char mf_insn[], xm_insn[];
extern char de_insn[], ud_insn[], gp_insn[], bp_after[], int30_after[], int90_after[],
    into_after[], bound_insn[], ac_insn[], flags_insn[], tf_insn[], tf_1[], tf_2[];

L4_ThreadId_t root_tid;
static L4_Word_t stacks[NSTACKS][STACK_WORDS] __attribute__((aligned(16)));
static int next_stack;

L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }
static void *utcb(int slot) { return (void *)(UTCB_AREA + slot * 512); }
void load_tag(L4_Word_t label, L4_Word_t u, L4_Word_t t) { L4_LoadMR(0, L4ABI_TAG(label, u, t)); }
L4_Word_t stat(L4_Word_t which) { return L4_KDB_Stat(which); }
static void sleep_forever(void) { for (;;) L4_Sleep(L4_Never); }

/* ---- workers: set the exception handler, run a job, report its result ---- */
static unsigned long (*volatile job)(void);
static volatile L4_Word_t worker_handler;

static void worker_main(void)
{
    L4_ThreadId_t h = { .raw = worker_handler };
    L4_Set_ExceptionHandler(h);
    L4_Word_t r = job();
    load_tag(LBL_DONE, 1, 0);
    L4_LoadMR(1, r);
    L4_Send(root_tid);
    sleep_forever();
}

static int slot_no;
/* Starts thread `no` running fn with exception handler `handler`. Workers
 * are started one at a time: each reads job/worker_handler on start. */
L4_ThreadId_t start_worker(int no, unsigned long (*fn)(void), L4_ThreadId_t handler)
{
    L4_ThreadId_t t = tid(no);
    job = fn;
    worker_handler = handler.raw;
    int slot = 1 + (slot_no++ % 60);
    if (L4_ThreadControl(t, root_tid, root_tid, L4_nilthread, utcb(slot)) != 1)
        diag("ThreadControl failed for %d: %lu", no, L4_ErrorCode());
    L4_Start_SpIp(t, (L4_Word_t)&stacks[next_stack++ % NSTACKS][STACK_WORDS - 4],
                  (L4_Word_t)worker_main);
    /* Let it pick up job/worker_handler before they change. */
    L4_ThreadSwitch(t);
    return t;
}

void delete_thread(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

L4_Word_t w[13];     /* w[1..12] = MR1..MR12 of the last message */

L4_MsgTag_t receive(L4_ThreadId_t from)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(from, L4_TimePeriod(500000));
    for (int i = 1; i <= 12; i++)
        w[i] = 0;
    if (L4_IpcSucceeded(tag))
        L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
    return tag;
}

void reply_regs(L4_ThreadId_t to)
{
    load_tag(0, 12, 0);
    L4_LoadMRs(1, 12, &w[1]);
    L4_Reply(to);
}

int is_exc(L4_MsgTag_t tag, L4_Word_t label)
{
    return L4_IpcSucceeded(tag) && L4_Label(tag) == label && L4_UntypedWords(tag) == 12 &&
           L4_TypedWords(tag) == 0;
}

/* Receives the worker's final report; returns its result word. */
L4_Word_t result(L4_ThreadId_t t, int *good)
{
    L4_MsgTag_t tag = receive(t);
    *good = L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE;
    return w[1];
}

/* One exception class: the handler sees excno/err/eip, replies with eax
 * = 40 + excno and eip = resume; the job returns that eax. */
static void one_class(int no, const char *name, unsigned long (*fn)(void), L4_Word_t label,
                      L4_Word_t excno, L4_Word_t err, L4_Word_t eip, L4_Word_t eax,
                      L4_Word_t resume)
{
    L4_ThreadId_t t = start_worker(no, fn, root_tid);
    L4_MsgTag_t tag = receive(t);
    int good = is_exc(tag, label) && M_EXCNO == excno && M_EIP == eip && M_EAX == eax &&
               (err == ~0ul || M_ERR == err) && (M_EFLAGS & EFL_IF);
    if (!good)
        diag("label %lx u %lu excno %lu err %lx eip %lx (want %lx) eax %lx", L4_Label(tag),
             L4_UntypedWords(tag), M_EXCNO, M_ERR, M_EIP, eip, M_EAX);
    ok(good, "%s reaches the handler with its registers", name);
    M_EIP = resume;
    M_EAX = 40 + excno;
    reply_regs(t);
    L4_Word_t r = result(t, &good);
    ok(good && r == 40 + excno, "%s: reply sets eax and resumes (eax %lu)", name, r);
    delete_thread(t);
}

static void test_classes(void)
{
    L4_Word_t n0 = stat(L4ABI_KDB_STAT_EXC_IPCS);
    one_class(100, "divide error", do_de, L4ABI_LABEL_EXCEPTION, 0, 0,
              (L4_Word_t)de_insn, 7, (L4_Word_t)de_insn + 2);
    one_class(101, "#UD (ud2)", do_ud, L4ABI_LABEL_EXCEPTION, 6, 0,
              (L4_Word_t)ud_insn, 1, (L4_Word_t)ud_insn + 2);
    one_class(102, "#GP (mov to cr3)", do_gp, L4ABI_LABEL_EXCEPTION, 13, 0,
              (L4_Word_t)gp_insn, 3, (L4_Word_t)gp_insn + 3);
    one_class(103, "int3 outside kdebug", do_bp, L4ABI_LABEL_EXCEPTION, 3, ~0ul,
              (L4_Word_t)bp_after, 4, (L4_Word_t)bp_after);
    one_class(104, "into (overflow)", do_into, L4ABI_LABEL_EXCEPTION, 4, ~0ul,
              (L4_Word_t)into_after, 0x80000000ul, (L4_Word_t)into_after);
    one_class(105, "bound range", do_bound, L4ABI_LABEL_EXCEPTION, 5, ~0ul,
              (L4_Word_t)bound_insn, 20, (L4_Word_t)bound_insn + 3);
    one_class(106, "int $0x30 (system-call exception via #GP)", do_int30, L4ABI_LABEL_SYSEXC,
              0x30, (0x30 << 3) | 2, (L4_Word_t)int30_after, 5, (L4_Word_t)int30_after);
    one_class(107, "int $0x90 (system-call exception)", do_int90, L4ABI_LABEL_SYSEXC,
              0x90, (0x90 << 3) | 2, (L4_Word_t)int90_after, 6, (L4_Word_t)int90_after);
    is(stat(L4ABI_KDB_STAT_EXC_IPCS) - n0, 8, "kernel counted 8 exception IPCs");
}

/* The worker faults at once (start_worker lets it run first): that
 * exception waits for us in our queue. Our reply leaves its eip as it is,
 * so it faults again, now while we already wait for it: that one goes
 * straight to us (the event fast path; the general path with FASTPATH=0),
 * with the same message and the same outcome of our reply. */
static void test_fast_path(void)
{
    L4_ThreadId_t t = start_worker(150, do_ud, root_tid);
    L4_MsgTag_t tag = receive(t);
    L4_Word_t f0 = stat(L4ABI_KDB_STAT_FAST_EXCS);
    reply_regs(t);
    tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 6 && M_EIP == (L4_Word_t)ud_insn &&
       M_EAX == 1, "exception to a waiting handler arrives whole");
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);       /* 0 or 1 */
    ok(fp <= 1 && stat(L4ABI_KDB_STAT_FAST_EXCS) - f0 == fp,
       "exception_to_waiting_handler_takes_fast_path");
    M_EIP += 2;
    M_EAX = 77;
    reply_regs(t);
    int good;
    L4_Word_t r = result(t, &good);
    ok(good && r == 77, "its reply sets eax and resumes it (eax %lu)", r);
    delete_thread(t);
}

/* Floating-point exceptions: the x87 one is reported at the next waiting
 * instruction (fwait), the SSE one at the instruction. The handler skips
 * it; the job then clears the exception state itself. */
static void fp_exception(int no, const char *name, unsigned long (*fn)(void), L4_Word_t excno,
                         L4_Word_t eip, L4_Word_t len)
{
    L4_ThreadId_t t = start_worker(no, fn, root_tid);
    L4_MsgTag_t tag = receive(t);
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE) {
        ok(1, "%s reaches the handler # SKIP the CPU raised none (emulator)", name);
        ok(1, "%s: resumes # SKIP", name);
        delete_thread(t);
        return;
    }
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == excno && M_EIP == eip,
       "%s reaches the handler (excno %lu eip %lx)", name, M_EXCNO, M_EIP);
    M_EIP += len;
    reply_regs(t);
    int good;
    L4_Word_t r = result(t, &good);
    ok(good && r == excno, "%s: thread resumes after the reply", name);
    delete_thread(t);
}

/* ud2 carries the marker registers; the reply may change them. */
static void test_registers(void)
{
    L4_ThreadId_t t = start_worker(110, do_ud, root_tid);
    L4_MsgTag_t tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && w[L4ABI_EXC_MR_ESI] == 0x5e5e5e5e &&
       w[L4ABI_EXC_MR_EDI] == 0xd1d1d1d1 && w[L4ABI_EXC_MR_EBP] == 0xb0b0b0b0 &&
       w[L4ABI_EXC_MR_ESP] > (L4_Word_t)stacks && w[L4ABI_EXC_MR_ESP] < (L4_Word_t)stacks +
       sizeof(stacks), "esi/edi/ebp/esp arrive in MR6/MR5/MR7/MR8");
    M_EIP += 2;
    reply_regs(t);
    int good;
    result(t, &good);
    ok(good, "thread finishes after the reply");
    delete_thread(t);
}

/* The handler named by its local ID; the message comes from the worker. */
static void test_local_handler(void)
{
    L4_ThreadId_t t = start_worker(126, do_ud, L4_MyLocalId());
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(500000), &from);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == L4ABI_LABEL_EXCEPTION &&
       L4_GlobalIdOf(from).raw == t.raw, "handler given as a local ID gets the exception");
    L4_StoreMRs(1, 12, &w[1]);
    M_EIP += 2;
    reply_regs(t);
    int good;
    result(t, &good);
    ok(good, "and its reply resumes the thread");
    delete_thread(t);
}

/* #AC: the handler clears AC and lets the access run again. */
static void test_ac(void)
{
    L4_ThreadId_t t = start_worker(111, do_ac, root_tid);
    L4_MsgTag_t tag = receive(t);
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE) {
        /* QEMU (TCG) does not implement alignment checking. */
        ok(1, "#AC reaches the handler # SKIP the CPU raised no #AC (emulator)");
        ok(1, "reply clearing AC # SKIP no #AC");
        delete_thread(t);
        return;
    }
    int good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 17 &&
               M_EIP == (L4_Word_t)ac_insn && (M_EFLAGS & EFL_AC);
    ok(good, "#AC (misaligned load with EFLAGS.AC) reaches the handler (excno %lu)", M_EXCNO);
    M_EFLAGS &= ~EFL_AC;
    reply_regs(t);
    L4_Word_t fl = result(t, &good);
    ok(good && !(fl & EFL_AC), "reply clearing AC lets the access complete");
    delete_thread(t);
}

/* A reply trying to set IOPL, VM, NT, RF, VIP or clear IF/VIF is sanitized;
 * arithmetic flags pass. */
static volatile L4_Word_t vif_after_flags_reply;
static L4_Word_t my_flags(void)
{
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(L4_Myself(), 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    return fl;
}
static unsigned long flags_job(void)
{
    L4_Word_t r = do_flags();
    vif_after_flags_reply = my_flags();
    return r;
}

static void test_sanitize(void)
{
    L4_ThreadId_t t = start_worker(112, flags_job, root_tid);
    L4_MsgTag_t tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EIP == (L4_Word_t)flags_insn, "ud2 for flags");
    M_EIP += 2;
    M_EFLAGS = (M_EFLAGS | EFL_IOPL | EFL_VM | EFL_NT | EFL_RF | EFL_VIP | EFL_CF) &
               ~(EFL_IF | EFL_VIF);
    reply_regs(t);
    int good;
    L4_Word_t fl = result(t, &good);
    ok(good, "thread survives a reply with IOPL/VM/NT set");
    ok((fl & EFL_IOPL) == 0 && !(fl & EFL_NT) && (fl & EFL_IF) && !(fl & EFL_VIP),
       "IOPL, NT, IF, VIP unchanged by the reply (flags %lx)", fl);
    ok(vif_after_flags_reply & EFL_VIF, "virtual IF unchanged by the reply");
    ok(fl & EFL_CF, "arithmetic flag (CF) set by the reply");
    delete_thread(t);
}

/* Single step: the reply sets TF, the next instruction ends in #DB with
 * DR6.BS in the error-code word; the reply clearing TF resumes. */
static void test_single_step(void)
{
    L4_ThreadId_t t = start_worker(113, do_tf, root_tid);
    L4_MsgTag_t tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EIP == (L4_Word_t)tf_insn, "ud2 before stepping");
    M_EIP = (L4_Word_t)tf_1;
    M_EFLAGS |= EFL_TF;
    reply_regs(t);
    tag = receive(t);
    int good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && M_EIP == (L4_Word_t)tf_2 &&
               (M_ERR & 0x4000);
    ok(good, "TF from the reply: #DB after one instruction, DR6.BS in MR4 (eip %lx dr6 %lx)",
       M_EIP, M_ERR);
    M_EFLAGS &= ~EFL_TF;
    reply_regs(t);
    L4_Word_t r = result(t, &good);
    ok(good && r == 9, "clearing TF in the reply resumes normally");
    delete_thread(t);
}

/* Stepping over cli and sti: one #DB after each, whether they trap to the
 * kernel (emulated) or not (PVI). */
static void test_step_cli(void)
{
    L4_ThreadId_t t = start_worker(127, do_tf_cli, root_tid);
    L4_MsgTag_t tag = receive(t);
    M_EIP = (L4_Word_t)tfc_cli;
    M_EFLAGS |= EFL_TF;
    reply_regs(t);
    tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && M_EIP == (L4_Word_t)tfc_after_cli &&
       (M_ERR & 0x4000), "single step over cli: #DB right after it (eip %lx)", M_EIP);
    reply_regs(t);
    tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && M_EIP == (L4_Word_t)tfc_after_sti &&
       (M_ERR & 0x4000), "single step over sti: #DB right after it (eip %lx)", M_EIP);
    M_EFLAGS &= ~EFL_TF;
    reply_regs(t);
    int good;
    L4_Word_t r = result(t, &good);
    ok(good && r == 11, "thread finishes");
    delete_thread(t);
}

/* A thread single-stepping through an IPC (sysenter where the CPU has it):
 * every step reaches the handler, the kernel survives the entry, and the
 * steps go on after the system call. */
static unsigned long step_through_ipc(void)
{
    set_tf();
    load_tag(LBL_MID, 0, 0);
    L4_Call(root_tid);
    clear_tf();
    return 77;
}

static void test_step_syscall(void)
{
    L4_ThreadId_t t = start_worker(114, step_through_ipc, root_tid);
    int before = 0, after = 0, mid = 0, done = 0;
    L4_Word_t r = 0;
    for (int i = 0; i < 2000 && !done; i++) {
        L4_MsgTag_t tag = receive(t);
        if (is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1) {
            if (mid) after++; else before++;
            reply_regs(t);
        } else if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID) {
            mid = 1;
            load_tag(0, 0, 0);
            L4_Reply(t);
        } else if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE) {
            done = 1;
            r = w[1];
        } else {
            diag("unexpected message label %lx excno %lu", L4_Label(tag), M_EXCNO);
            break;
        }
    }
    ok(mid && done && r == 77, "single-stepped thread completes an IPC");
    ok(before > 3 && after > 0, "steps before (%d) and after (%d) the system call", before, after);
    delete_thread(t);
}

/* Hardware breakpoints set through a 17-word reply (Pecan extension). */
static L4_Word_t wd[18];
static void reply_debug(L4_ThreadId_t to, L4_Word_t dr0, L4_Word_t dr1, L4_Word_t dr7)
{
    load_tag(0, 17, 0);
    L4_LoadMRs(1, 12, &w[1]);
    wd[0] = dr0; wd[1] = dr1; wd[2] = 0; wd[3] = 0; wd[4] = dr7;
    L4_LoadMRs(13, 5, wd);
    L4_Reply(to);
}

static unsigned long hw_job(void)
{
    unsigned long r = do_hw();
    L4_KDB_PrintString((char *)&hw_var);    /* the kernel reads a watched word */
    return r;
}

#define DR7_EXEC0   0x1u
#define DR7_WRITE1  (0x4u | (1u << 20) | (3u << 22))    /* L1, write, 4 bytes */
#define DR7_RW1     (0x4u | (3u << 20) | (3u << 22))    /* L1, read/write, 4 bytes */

static void test_hw_breakpoints(void)
{
    L4_ThreadId_t t = start_worker(119, hw_job, root_tid);
    L4_MsgTag_t tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EIP == (L4_Word_t)hw_setup_insn, "ud2 before breakpoints");
    M_EIP += 2;
    reply_debug(t, (L4_Word_t)hw_insn, (L4_Word_t)&hw_var, DR7_EXEC0 | DR7_RW1);
    tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && M_EIP == (L4_Word_t)hw_insn &&
       (M_ERR & 1), "execute breakpoint (DR0): #DB at the instruction, DR6.B0 (eip %lx dr6 %lx)",
       M_EIP, M_ERR);
    /* While the worker has a watch on hw_var, our own write must not trip. */
    hw_var = 0x000a2323;
    ok(1, "other threads do not inherit the breakpoints");
    reply_debug(t, 0, (L4_Word_t)&hw_var, DR7_RW1);     /* drop DR0 to go on */
    tag = receive(t);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && M_EIP == (L4_Word_t)hw_after_write &&
       (M_ERR & 2), "data breakpoint (DR1): #DB after the write, DR6.B1 (eip %lx dr6 %lx)",
       M_EIP, M_ERR);
    reply_regs(t);                                      /* 12 words: breakpoints stay */
    int good;
    L4_Word_t r = result(t, &good);
    ok(good && r == 3, "kernel reading the watched word is not reported; thread finishes");
    delete_thread(t);

    /* A kernel address (or any invalid setting) makes the whole set void. */
    t = start_worker(124, do_hw, root_tid);
    tag = receive(t);
    M_EIP += 2;
    reply_debug(t, (L4_Word_t)hw_insn, 0xc0100000u, DR7_EXEC0 | DR7_WRITE1);
    r = result(t, &good);
    ok(good && r == 3, "breakpoints with a kernel address are refused as a whole");
    delete_thread(t);
}

/* ---- The IPC fast path's receiver: a thread blocked in a fast Call
 * whose exit needs more than sysexit (docs/ipc.md, "The resume mark's
 * promise", fastipc.h) must be resumed by the general path. ---- */
static unsigned long three_calls_job(void)
{
    for (int i = 0; i < 3; i++) {
        load_tag(LBL_MID, 0, 0);
        L4_Call(root_tid);
    }
    return 6;
}

/* The worker, at our priority (255), Calls us three times. The first
 * finds us not receiving (general path). Our ReplyWait to it goes the C
 * fast path (its wait was the general path's), so the second Call finds
 * us marked: the assembly path blocks the worker. With `c_wait` our
 * ReplyWait has a receive timeout instead (general path, we wait
 * unmarked), so the second Call goes the C fast path, which marks the
 * worker's wait. Then ExchangeRegisters sets TF in the waiting worker's
 * saved EFLAGS, and we answer with a Call, which the assembly path would
 * take but for the mark: the worker must leave by iret with TF, so #DB
 * after one instruction, with ecx and edx as its frame holds them (the
 * entry's timeouts and from-specifier; sysexit would give its stack and
 * return address). */
static void tf_on_waiting(int no, int c_wait, const char *how)
{
    L4_ThreadId_t t = start_worker(no, three_calls_job, root_tid);
    L4_Set_Priority(t, 255);
    L4_MsgTag_t tag = receive(t);
    int good = L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
    L4_ThreadId_t from;
    load_tag(0, 0, 0);
    tag = L4_ReplyWait_Timeout(t, c_wait ? L4_TimePeriod(1000000) : L4_Never, &from);
    good &= L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    L4_ExchangeRegisters(t, L4ABI_EXREGS_SET_FLAGS, 0, 0, fl | EFL_TF, 0, L4_nilthread, &ctl, &sp,
                         &ip, &fl, &uh, &pager);
    load_tag(0, 0, 0);
    tag = L4_Call(t);
    for (int i = 1; i <= 12; i++)
        w[i] = 0;
    if (L4_IpcSucceeded(tag))
        L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
    L4_Word_t ecx = w[L4ABI_EXC_MR_ECX], edx = w[L4ABI_EXC_MR_EDX];
    ok(good && is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && (M_ERR & 0x4000) &&
       edx == root_tid.raw && ecx == 0,
       "TF set by ExchangeRegisters on a thread waiting in %s Call: #DB after one "
       "instruction, ecx/edx from its frame (label %lx excno %lu dr6 %lx ecx %lx edx %lx)",
       how, L4_Label(tag), M_EXCNO, M_ERR, ecx, edx);
    M_EFLAGS &= ~EFL_TF;
    reply_regs(t);
    int rest = 1;
    for (int i = 2; i < 3; i++) {               /* its Calls left */
        tag = receive(t);
        rest &= L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
        load_tag(0, 0, 0);
        L4_Reply(t);
    }
    L4_Word_t r = result(t, &good);
    ok(rest && good && r == 6, "... and its Calls return, TF cleared by the reply");
    delete_thread(t);
}

/* The interrupt fast path's receiver (irq_fast.S): a handler blocked in
 * the general receive phase of its sysenter Ipc carries
 * IRQ_RECV_WAIT_MARK, which promises no TF in its frame, as the IPC fast
 * path's mark does (fastipc.h); the path does not test TF. When
 * ExchangeRegisters sets TF in the waiting handler's saved EFLAGS, the
 * mark must go: the interrupt then takes the general path and the handler
 * leaves by iret, #DB after one instruction with ecx/edx from its frame
 * (the receive's timeouts, 0, and from-specifier; sysexit would give its
 * stack and return address). Run last: we drop below the handler's
 * priority for good, so that the interrupt preempts us. */
static unsigned long irq_wait_job(void)
{
    L4_MsgTag_t tag = L4_Receive(L4_InterruptThread(RTC_IRQ));
    return L4_IpcSucceeded(tag) ? L4_Label(tag) : 0;
}

/* We spin in user mode while the RTC raises its line, so that the
 * interrupt finds a user thread running (an idle CPU takes the general
 * entry). */
static void spin_through_interrupt(void)
{
    rtc_periodic_start(6);
    for (volatile unsigned long n = 0; n < 2000000ul; n++)
        ;
    rtc_periodic_stop();
    rtc_ack();
}

static void test_tf_on_irq_waiter(void)
{
    L4_Word_t fp = stat(L4ABI_KDB_STAT_FASTPATH);       /* 0 or 1 */
    L4_ThreadId_t irq8 = L4_InterruptThread(RTC_IRQ);
    int good = L4_PecanSigma0GetPorts(L4_GlobalId(48, 1), RTC_PORT, 1);
    rtc_periodic_stop();
    rtc_ack();
    /* Both handlers wait at once (start_worker lets each run first). */
    L4_ThreadId_t plain = start_worker(160, irq_wait_job, root_tid);
    L4_ThreadId_t t = start_worker(161, irq_wait_job, root_tid);
    good &= L4_Set_Priority(plain, 255) != 0 && L4_Set_Priority(t, 255) != 0;
    L4_Set_Priority(root_tid, 100);

    /* The control: without TF the entry's fast path delivers. */
    good &= L4_AssociateInterrupt(irq8, plain) == 1;
    L4_Word_t fe0 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    spin_through_interrupt();
    L4_Word_t fe1 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    L4_Word_t r = result(plain, &good);
    ok(good && r == L4ABI_LABEL_INTERRUPT && (fp ? fe1 > fe0 : fe1 == fe0),
       "interrupt handler waiting in a receive: the entry's fast path delivers (label %lx, "
       "fast entries %lu)", r, fe1 - fe0);
    L4_DeassociateInterrupt(irq8);

    good = L4_AssociateInterrupt(irq8, t) == 1;
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    L4_ExchangeRegisters(t, L4ABI_EXREGS_SET_FLAGS, 0, 0, fl | EFL_TF, 0, L4_nilthread, &ctl, &sp,
                         &ip, &fl, &uh, &pager);
    spin_through_interrupt();
    fe0 = fe1;
    fe1 = stat(L4ABI_KDB_STAT_FAST_IRQ_ENTRY);
    L4_MsgTag_t tag = receive(t);
    L4_Word_t ecx = w[L4ABI_EXC_MR_ECX], edx = w[L4ABI_EXC_MR_EDX];
    ok(good && is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 && (M_ERR & 0x4000) &&
       edx == irq8.raw && ecx == 0 && fe1 == fe0,
       "TF set by ExchangeRegisters on an interrupt handler waiting in a receive: the general "
       "path, #DB after one instruction, ecx/edx from its frame (label %lx excno %lu dr6 %lx "
       "ecx %lx edx %lx, fast entries %lu)", L4_Label(tag), M_EXCNO, M_ERR, ecx, edx, fe1 - fe0);
    M_EFLAGS &= ~EFL_TF;
    reply_regs(t);
    r = result(t, &good);
    ok(good && r == L4ABI_LABEL_INTERRUPT, "... and its receive returns the interrupt (label %lx)",
       r);
    L4_DeassociateInterrupt(irq8);
    delete_thread(plain);
    delete_thread(t);
}

/* A single-stepped worker (at our priority) Calls us: its sysenter with
 * TF goes the general way to the C fast path (we wait with a timeout),
 * which must not mark its wait (its frame has TF). Our Call back, the
 * assembly path's case, must leave it to the general path: the next step
 * shows ecx/edx as its frame holds them. */
static unsigned long stepped_call_job(void)
{
    set_tf();
    load_tag(LBL_MID, 0, 0);
    L4_Call(root_tid);
    clear_tf();
    return 77;
}

static void test_stepped_caller(void)
{
    L4_ThreadId_t t = start_worker(174, stepped_call_job, root_tid);
    L4_Set_Priority(t, 255);
    int mid = 0, after = 0, done = 0, regs = 0;
    L4_Word_t r = 0, ecx = 0, edx = 0;
    L4_MsgTag_t tag = receive(t);
    for (int i = 0; i < 2000 && !done; i++) {
        if (is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1) {
            reply_regs(t);
            tag = receive(t);
        } else if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID && !mid) {
            mid = 1;
            load_tag(0, 0, 0);
            tag = L4_Call(t);                   /* its next step comes back */
            for (int j = 1; j <= 12; j++)
                w[j] = 0;
            if (L4_IpcSucceeded(tag))
                L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag),
                            &w[1]);
            after = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1;
            ecx = w[L4ABI_EXC_MR_ECX];
            edx = w[L4ABI_EXC_MR_EDX];
            regs = ecx == 0 && edx == root_tid.raw;
        } else if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE) {
            done = 1;
            r = w[1];
        } else {
            diag("unexpected message label %lx excno %lu", L4_Label(tag), M_EXCNO);
            break;
        }
    }
    ok(mid && after && regs && done && r == 77,
       "single-stepped caller answered by a Call: the step after it, ecx/edx from its frame "
       "(ecx %lx edx %lx)", ecx, edx);
    delete_thread(t);
}

/* Breakpoints given by an exception reply, then the worker (at our
 * priority) Calls us twice; the second Call finds us waiting and goes the
 * C fast path (DR7 is loaded while the worker runs: the assembly path's
 * or-chain refuses), which must not mark its wait: our Call back (the
 * assembly path's case) must go the general way, which loads DR7, and
 * the execute breakpoint fires. */
static void __attribute__((noinline)) dr_target(void)
{
    __asm__ volatile("nop");
}
static unsigned long dr_wait_job(void)
{
    __asm__ volatile("ud2");            /* the handler gives us DR0 */
    for (int i = 0; i < 2; i++) {
        load_tag(LBL_MID, 0, 0);
        L4_Call(root_tid);
    }
    dr_target();
    return 8;
}

static void test_resume_mark(void)
{
    tf_on_waiting(170, 1, "a C fast-path");
    tf_on_waiting(171, 0, "an assembly fast-path");
    test_stepped_caller();

    L4_ThreadId_t t = start_worker(172, dr_wait_job, root_tid);
    L4_Set_Priority(t, 255);                    /* our Call: the asm path's case */
    L4_MsgTag_t tag = receive(t);
    int good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 6;
    M_EIP += 2;
    reply_debug(t, (L4_Word_t)dr_target, 0, DR7_EXEC0);
    tag = receive(t);
    good &= L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
    L4_ThreadId_t from;
    load_tag(0, 0, 0);
    tag = L4_ReplyWait(t, &from);
    good &= L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
    load_tag(0, 0, 0);
    tag = L4_Call(t);
    for (int i = 1; i <= 12; i++)
        w[i] = 0;
    if (L4_IpcSucceeded(tag))
        L4_StoreMRs(1, (int)L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
    ok(good && is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 1 &&
       M_EIP == (L4_Word_t)dr_target && (M_ERR & 1),
       "breakpoints, then a C fast-path Call: the reply to it loads DR7, DR0 fires "
       "(label %lx excno %lu eip %lx dr6 %lx)", L4_Label(tag), M_EXCNO, M_EIP, M_ERR);
    reply_debug(t, 0, 0, 0);
    L4_Word_t r = result(t, &good);
    ok(good && r == 8, "... and the thread finishes without breakpoints");
    delete_thread(t);
}

/* ---- A handler in another space: the child runs this binary's code,
 * paged 1:1 by us, and names us as its exception handler. ---- */
#define KIP_AREA 0xbff00000u
static L4_Word_t child_stack[STACK_WORDS] __attribute__((aligned(16)));

static void child_main(void)
{
    L4_Set_ExceptionHandler(root_tid);
    L4_Word_t r = do_int30();           /* system-call exception */
    r += do_ud();                       /* exception */
    load_tag(LBL_DONE, 1, 0);
    L4_LoadMR(1, r);
    L4_Call(root_tid);
    sleep_forever();
}

/* Next message from `who` that is not a page fault (faults answered). */
static L4_MsgTag_t receive_paged(L4_ThreadId_t who)
{
    for (;;) {
        L4_MsgTag_t tag = receive(who);
        if (L4_IpcFailed(tag) || !pager_answer_fault(tag))
            return tag;
        L4_Reply(who);
    }
}

static void test_other_space(void)
{
    L4_ThreadId_t child = tid(128);
    int good = pager_start_child(child, root_tid, child_main,
                                 (L4_Word_t)&child_stack[STACK_WORDS - 4], KIP_AREA, UTCB_AREA);
    ok(good, "child space created and started");

    L4_MsgTag_t tag = receive_paged(child);
    ok(is_exc(tag, L4ABI_LABEL_SYSEXC) && M_EXCNO == 0x30 && M_EIP == (L4_Word_t)int30_after &&
       M_EAX == 5, "system-call exception from another space (label %lx)", L4_Label(tag));
    M_EAX = 100;
    reply_regs(child);
    tag = receive_paged(child);
    ok(is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 6 && M_EIP == (L4_Word_t)ud_insn,
       "exception from another space (excno %lu)", M_EXCNO);
    M_EIP += 2;
    M_EAX = 20;
    reply_regs(child);
    tag = receive_paged(child);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && w[1] == 120,
       "child resumed with the replies' registers (%lu)", w[1]);
    delete_thread(child);
}

/* No handler (nil or nonexistent): only that thread stops. */
static void test_no_handler(void)
{
    L4_ThreadId_t a = start_worker(115, do_ud, L4_nilthread);
    L4_ThreadId_t b = start_worker(116, do_de, L4_GlobalId(3000, 1));
    L4_Sleep(L4_TimePeriod(2000));
    L4_Word_t ctl, sp, ip, fl, uh;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(a, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    ok((ctl & L4ABI_EXREGS_STATE_HALTED) && ip == (L4_Word_t)ud_insn,
       "nil handler: thread stopped at the fault (ip %lx)", ip);
    L4_ExchangeRegisters(b, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    ok((ctl & L4ABI_EXREGS_STATE_HALTED) && ip == (L4_Word_t)de_insn,
       "nonexistent handler: thread stopped at the fault (ip %lx)", ip);
    ok(1, "the handler-less faults did not stop anybody else");
    delete_thread(a);
    delete_thread(b);
}

/* cli/sti with a prefix (ds, 3e): not the one-byte forms the #GP path
 * recognises by their first byte, so the general decoder emulates them;
 * each traps once and resumes after both bytes. */
static unsigned long vif_prefixed_job(void)
{
    do_cli_prefixed();
    L4_Word_t a = my_flags();
    do_sti_prefixed();
    L4_Word_t b = my_flags();
    return (a & EFL_VIF) ? 1 : (b & EFL_VIF) ? 0 : 2;
}

static void test_vif_prefixed(void)
{
    int pvi = (int)stat(L4ABI_KDB_STAT_PVI);
    L4_Word_t traps0 = stat(L4ABI_KDB_STAT_VIF_TRAPS);
    int good;
    L4_ThreadId_t t = start_worker(128, vif_prefixed_job, root_tid);
    L4_Word_t r = result(t, &good);
    ok(good && r == 0, "ds cli clears VIF, ds sti sets it (result %lu)", r);
    L4_Word_t traps = stat(L4ABI_KDB_STAT_VIF_TRAPS) - traps0;
    is(traps, pvi ? 0 : 2, "prefixed cli and sti trapped once each without PVI");
    delete_thread(t);
}

/* Virtual IF: cli/sti are emulated (QEMU: by #GP trap) or virtualized
 * (PVI); the thread keeps running and its VIF flips. */
static unsigned long vif_job(void)
{
    do_cli();
    L4_Word_t a = my_flags();
    load_tag(LBL_MID, 1, 0);
    L4_LoadMR(1, a);
    L4_Call(root_tid);
    do_sti();
    return my_flags();
}

static void test_vif(void)
{
    int pvi = (int)stat(L4ABI_KDB_STAT_PVI);
    L4_Word_t traps0 = stat(L4ABI_KDB_STAT_VIF_TRAPS);
    L4_Word_t ctl, sp, ip, fl = my_flags(), uh;
    L4_ThreadId_t pager;
    ok(fl & EFL_VIF, "threads start with the virtual IF set (flags %lx)", fl);

    L4_ThreadId_t t = start_worker(117, vif_job, root_tid);
    L4_MsgTag_t tag = receive(t);
    int good = L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MID;
    ok(good && !(w[1] & EFL_VIF) && (w[1] & EFL_IF), "cli clears VIF, IF stays (flags %lx)", w[1]);
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &uh, &pager);
    ok(!(fl & EFL_VIF), "ExchangeRegisters shows VIF clear (flags %lx)", fl);
    load_tag(0, 0, 0);
    L4_Reply(t);
    L4_Word_t r = result(t, &good);
    ok(good && (r & EFL_VIF), "sti sets VIF, thread keeps running (flags %lx)", r);
    L4_Word_t traps = stat(L4ABI_KDB_STAT_VIF_TRAPS) - traps0;
    if (pvi)
        is(traps, 0, "with PVI, cli/sti do not trap");
    else
        is(traps, 2, "without PVI, cli and sti trapped once each");
    delete_thread(t);
}

/* A held virtual interrupt: VIP shows while the virtual IF is clear, the
 * next sti releases it (by trap without PVI; with PVI the CPU traps only
 * because VIP is set). */
static volatile L4_Word_t hold_on, hold_off, fl_held, fl_released;
static unsigned long hold_job(void)
{
    hold_on = L4_KDB_VifHold();         /* virtual IF set: nothing held */
    do_cli();
    hold_off = L4_KDB_VifHold();
    fl_held = my_flags();
    do_sti();
    fl_released = my_flags();
    return 0;
}

static void test_vif_hold(void)
{
    L4_Word_t rel0 = stat(L4ABI_KDB_STAT_VIF_RELEASES);
    L4_ThreadId_t t = start_worker(118, hold_job, root_tid);
    int good;
    result(t, &good);
    ok(good && hold_on == 0 && hold_off == 1, "an interrupt is held only while VIF is clear");
    ok(!(fl_held & EFL_VIF) && (fl_held & EFL_VIP), "held: VIF clear, VIP set (flags %lx)", fl_held);
    ok((fl_released & EFL_VIF) && !(fl_released & EFL_VIP), "sti releases it: VIF set, VIP clear "
       "(flags %lx)", fl_released);
    is(stat(L4ABI_KDB_STAT_VIF_RELEASES) - rel0, 1, "kernel saw one release at sti");
    delete_thread(t);
}

/* ---- FPU ---- */
static inline void fpu_load(unsigned long long v) { __asm__ volatile("fildll %0" :: "m"(v)); }
static inline unsigned long long fpu_peek(void)
{
    unsigned long long v;
    __asm__ volatile("fld %%st(0); fistpll %0" : "=m"(v));
    return v;
}
static inline void fpu_inc(void) { __asm__ volatile("fld1; faddp"); }
static inline void fpu_pop(void) { __asm__ volatile("fstp %st(0)"); }
static inline void sse_load(const unsigned *v) { __asm__ volatile("movups %0, %%xmm1" :: "m"(*(const unsigned (*)[4])v)); }
static inline void sse_peek(unsigned *v) { __asm__ volatile("movups %%xmm1, %0" : "=m"(*(unsigned (*)[4])v)); }

#define ROUNDS 200
static volatile L4_ThreadId_t fpu_peer[2];
static volatile int fpu_bad[2], fpu_rounds[2];

static void fpu_worker(int me)
{
    unsigned long long base = me ? 1000000 : 2000;
    unsigned vec[4] = { 0x11111111u * (me + 1), 0xabcdef00u + me, 7u + me, 0x80000000u >> me };
    fpu_load(base);
    sse_load(vec);
    for (int i = 0; i < ROUNDS; i++) {
        L4_ThreadSwitch(fpu_peer[!me]);
        unsigned got[4];
        sse_peek(got);
        if (fpu_peek() != base + i || memcmp(got, vec, sizeof(got)))
            fpu_bad[me]++;
        fpu_inc();
        vec[0]++;
        sse_load(vec);
        fpu_rounds[me]++;
    }
    fpu_pop();
}
static unsigned long fpu_a(void) { fpu_worker(0); return 1; }
static unsigned long fpu_b(void) { fpu_worker(1); return 2; }

static unsigned long idle_job(void)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag)) {
            load_tag(0, 0, 0);
            L4_Reply(from);
        }
    }
    return 0;
}

/* A first FPU use sees a clean state, not the previous owner's. */
static volatile unsigned fresh_xmm[4], fresh_env[7];
static unsigned long fresh_job(void)
{
    unsigned v[4];
    sse_peek(v);
    __asm__ volatile("fnstenv %0" : "=m"(*(unsigned (*)[7])fresh_env));
    for (int i = 0; i < 4; i++)
        fresh_xmm[i] = v[i];
    return 0;
}

static void test_fpu_clean(void)
{
    static const unsigned secret[4] = { 0x5ec2e7, 0x5ec2e7, 0x5ec2e7, 0x5ec2e7 };
    fpu_load(0x5ec2e7);
    sse_load(secret);
    L4_ThreadId_t t = start_worker(125, fresh_job, root_tid);
    int good;
    result(t, &good);
    ok(good && !fresh_xmm[0] && !fresh_xmm[1] && !fresh_xmm[2] && !fresh_xmm[3],
       "first use: XMM registers zero, not the previous owner's");
    ok((fresh_env[0] & 0xffff) == 0x037f && (fresh_env[2] & 0xffff) == 0xffff &&
       (fresh_env[1] & 0x3800) == 0, "first use: default FCW, empty x87 stack (fcw %x ftw %x)",
       fresh_env[0] & 0xffff, fresh_env[2] & 0xffff);
    unsigned back[4];
    sse_peek(back);
    ok(fpu_peek() == 0x5ec2e7 && !memcmp(back, secret, sizeof(back)), "our state survived");
    fpu_pop();
    delete_thread(t);
}

static void test_fpu(void)
{
    /* Two threads interleaving x87 and SSE work. */
    int eager = (int)stat(L4ABI_KDB_STAT_FPU_EAGER);
    diag("FPU switching: %s", eager ? "eager (fpu=eager)" : "lazy");
    L4_Word_t traps0 = stat(L4ABI_KDB_STAT_FPU_TRAPS), saves0 = stat(L4ABI_KDB_STAT_FPU_SAVES);
    L4_Word_t areas0 = stat(L4ABI_KDB_STAT_FPU_AREAS);
    fpu_peer[0] = tid(120);
    fpu_peer[1] = tid(121);
    L4_ThreadId_t a = start_worker(120, fpu_a, root_tid);
    L4_ThreadId_t b = start_worker(121, fpu_b, root_tid);
    int ga, gb;
    L4_Word_t ra = result(a, &ga), rb = result(b, &gb);
    ok(ga && gb && ra == 1 && rb == 2 && fpu_rounds[0] == ROUNDS && fpu_rounds[1] == ROUNDS,
       "two FPU threads ran %d rounds each", ROUNDS);
    ok(fpu_bad[0] == 0 && fpu_bad[1] == 0, "x87 and SSE registers kept across switches (bad %d/%d)",
       fpu_bad[0], fpu_bad[1]);
    L4_Word_t traps = stat(L4ABI_KDB_STAT_FPU_TRAPS) - traps0;
    L4_Word_t saves = stat(L4ABI_KDB_STAT_FPU_SAVES) - saves0;
    if (eager)
        ok(traps == 2 && saves >= ROUNDS, "eager: #NM only at each first use (%lu), "
           "saves %lu for the pair", traps, saves);
    else
        ok(traps >= ROUNDS && saves >= ROUNDS, "#NM traps %lu, saves %lu for the pair",
           traps, saves);
    is(stat(L4ABI_KDB_STAT_FPU_AREAS) - areas0, 2, "one save area per FPU thread");
    delete_thread(a);
    delete_thread(b);
    is(stat(L4ABI_KDB_STAT_FPU_AREAS), areas0, "deleting them frees their areas");

    /* Laziness: we own the FPU; 100 IPC round trips with a thread that
     * never touches it cost no trap and no save. */
    fpu_load(5);
    L4_ThreadId_t e = start_worker(122, idle_job, root_tid);
    traps0 = stat(L4ABI_KDB_STAT_FPU_TRAPS);
    saves0 = stat(L4ABI_KDB_STAT_FPU_SAVES);
    L4_Word_t sw0 = stat(L4ABI_KDB_STAT_CONTEXT_SWITCHES);
    int good = 1;
    for (int i = 0; i < 100; i++) {
        load_tag(1, 0, 0);
        good &= L4_IpcSucceeded(L4_Call(e));
    }
    L4_Word_t sw = stat(L4ABI_KDB_STAT_CONTEXT_SWITCHES) - sw0;
    unsigned long long v = fpu_peek();
    fpu_pop();
    ok(good && sw >= 200, "100 round trips with a non-FPU thread (%lu switches)", sw);
    if (eager)
        ok(stat(L4ABI_KDB_STAT_FPU_TRAPS) == traps0 &&
           stat(L4ABI_KDB_STAT_FPU_SAVES) - saves0 >= 100 && v == 5,
           "eager: our state saved on every switch away (%lu), no #NM, x87 value intact",
           stat(L4ABI_KDB_STAT_FPU_SAVES) - saves0);
    else
        ok(stat(L4ABI_KDB_STAT_FPU_TRAPS) == traps0 && stat(L4ABI_KDB_STAT_FPU_SAVES) == saves0 &&
           v == 5, "lazy: no #NM and no save, our x87 value intact");
    delete_thread(e);

    /* Deleting the owner: its state is dropped, not saved. */
    L4_ThreadId_t o = start_worker(123, fpu_a, root_tid);   /* runs ROUNDS, peer gone: switches yield */
    fpu_peer[1] = o;
    int go;
    result(o, &go);
    areas0 = stat(L4ABI_KDB_STAT_FPU_AREAS);
    delete_thread(o);
    saves0 = stat(L4ABI_KDB_STAT_FPU_SAVES);
    traps0 = stat(L4ABI_KDB_STAT_FPU_TRAPS);
    fpu_load(6);
    v = fpu_peek();
    fpu_pop();
    ok(go && stat(L4ABI_KDB_STAT_FPU_AREAS) == areas0 - 1, "deleted owner's area freed");
    /* Lazy: our state was not loaded, the next use traps; eager: it was. */
    ok(stat(L4ABI_KDB_STAT_FPU_TRAPS) == traps0 + (eager ? 0 : 1) &&
       stat(L4ABI_KDB_STAT_FPU_SAVES) == saves0 && v == 6,
       "next FPU use traps %s and saves nothing", eager ? "not (state already loaded)" : "once");
}

/* The assembly IPC path and the FPU modes: a server answering with
 * L4_ReplyWait (so that, from the second call on, both directions can take
 * the assembly path) while we hold FPU state. Lazy: no #NM and no save.
 * Eager: the path must step aside (fast_off's mode byte), since only the
 * general switch saves our state on every switch away. */
static unsigned long echo_rw_job(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        load_tag(0, 0, 0);
        tag = L4_ReplyWait(from, &from);
        (void)tag;
    }
    return 0;
}

static void test_fpu_fast_ipc(void)
{
    int eager = (int)stat(L4ABI_KDB_STAT_FPU_EAGER);
    fpu_load(7);
    L4_ThreadId_t e = start_worker(129, echo_rw_job, root_tid);
    L4_Word_t traps0 = stat(L4ABI_KDB_STAT_FPU_TRAPS), saves0 = stat(L4ABI_KDB_STAT_FPU_SAVES);
    int good = 1;
    for (int i = 0; i < 100; i++) {
        load_tag(1, 0, 0);
        good &= L4_IpcSucceeded(L4_Call(e));
    }
    L4_Word_t traps = stat(L4ABI_KDB_STAT_FPU_TRAPS) - traps0;
    L4_Word_t saves = stat(L4ABI_KDB_STAT_FPU_SAVES) - saves0;
    unsigned long long v = fpu_peek();
    fpu_pop();
    if (eager)
        ok(good && traps == 0 && saves >= 100 && v == 7,
           "eager: 100 calls to a reply-and-wait server save our state on every switch away");
    else
        ok(good && traps == 0 && saves == 0 && v == 7,
           "lazy: 100 calls to a reply-and-wait server, no #NM and no save");
    delete_thread(e);
}

/* The FPU's owner calls a server at its priority (the assembly path's
 * case) that loads SSE registers of its own before each reply: CR0.TS
 * must be set for the server (its first use traps and saves ours), never
 * left clear by the switch (the server would write our live registers).
 * The assembly path's large instance relies on TS being set when it
 * starts (its or-chain); with TS clear the sender goes the instance that
 * tests the FPU fully. */
static const unsigned sse_server_value[4] = { 0x5e7e, 0x5e7e, 0x5e7e, 0x5e7e };
static unsigned long sse_echo_job(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    for (;;) {
        sse_load(sse_server_value);
        load_tag(0, 0, 0);
        L4_ReplyWait(from, &from);
    }
    return 0;
}

static void test_fpu_fast_owner(void)
{
    static const unsigned ours[4] = { 0x0c0ffee, 1, 2, 3 };
    L4_ThreadId_t e = start_worker(173, sse_echo_job, root_tid);
    L4_Set_Priority(e, 255);
    sse_load(ours);
    L4_Word_t traps0 = stat(L4ABI_KDB_STAT_FPU_TRAPS);
    int good = 1;
    for (int i = 0; i < 10; i++) {
        load_tag(1, 0, 0);
        good &= L4_IpcSucceeded(L4_Call(e));
    }
    unsigned back[4];
    sse_peek(back);
    L4_Word_t traps = stat(L4ABI_KDB_STAT_FPU_TRAPS) - traps0;
    ok(good && !memcmp(back, ours, sizeof(back)) && (stat(L4ABI_KDB_STAT_FPU_EAGER) || traps >= 2),
       "FPU owner calls an SSE-using server at its priority 10 times: our XMM1 intact "
       "(%x %x %x %x; lazy: the server's first use and our next one trap)",
       back[0], back[1], back[2], back[3]);
    delete_thread(e);
}

/* Workers have no pager: every page of this program must be mapped in
 * our space (by sigma0, our pager) before they touch it. */
extern char __executable_start[], _end[];
static void touch_all_pages(void)
{
    for (volatile char *p = __executable_start; p < _end; p += 4096)
        (void)*p;
}

int main(void)
{
    root_tid = L4_Myself();
    touch_all_pages();
    tap_plan(91 + ENTRY_TESTS + EXCFAST_TESTS);
    test_classes();
    test_fast_path();
    test_exc_fast();
    fp_exception(108, "#MF (x87 divide by zero)", do_mf, 16, (L4_Word_t)mf_insn, 1);
    fp_exception(109, "#XM (SSE divide by zero)", do_xm, 19, (L4_Word_t)xm_insn, 4);
    test_registers();
    test_local_handler();
    test_ac();
    test_sanitize();
    test_single_step();
    test_step_syscall();
    test_step_cli();
    test_hw_breakpoints();
    test_resume_mark();
    test_other_space();
    test_no_handler();
    test_vif();
    test_vif_prefixed();
    test_vif_hold();
    test_fpu();
    test_fpu_clean();
    test_fpu_fast_ipc();
    test_fpu_fast_owner();
    test_entry_flags();
    test_all_vectors();
    test_v86();
    test_ldt_selector();
    test_tf_on_irq_waiter();    /* last: lowers our priority */
    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
