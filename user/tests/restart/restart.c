/* Restart suite: what a faulting thread does when another thread cancels
 * or aborts its page-fault, I/O-fault or exception IPC with
 * ExchangeRegisters (X.2 leaves it to the kernel; Pistachio's answer):
 * the IPC ends, the thread runs the faulting instruction again, faults
 * again and sends a new fault IPC. If ExchangeRegisters also set a new ip,
 * the thread goes on there instead. It is never stopped for it.
 *
 * Threads, all in the root task's space: T faults; P is T's pager and
 * exception handler and logs every message it gets; main steers both. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/space.h>
#include "tap.h"

#define UTCB_AREA   0xbfe00000u
#define T_NO        300
#define P_NO        301
#define FAULT_PAGE  0x40000000u     /* nothing is mapped there */

enum { P_SERVE, P_SILENT };         /* P_SILENT: log, never reply */
enum { CMD_HOLD = 1, CMD_RELEASE, CMD_MODE };

static L4_ThreadId_t main_tid, t_tid, p_tid;
static L4_Word_t t_stack[512] __attribute__((aligned(16)));
static L4_Word_t p_stack[1024] __attribute__((aligned(16)));
static char backing[4096] __attribute__((aligned(4096)));

struct entry { L4_Word_t label, mr1, mr2, from; };
static volatile struct entry plog[32];
static volatile int nlog, p_mode = P_SERVE;
static volatile int t_done, t_recovered;

static void p_serve_fault(L4_ThreadId_t to, L4_Word_t label, L4_Word_t addr)
{
    L4_Msg_t m;
    L4_MsgClear(&m);
    if ((label >> 4) == 0xffe) {        /* page fault: map the backing page */
        L4_MapItem_t it = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)backing, 12),
                                                       L4_FullyAccessible),
                                     addr & ~0xfffu);
        L4_MsgAppendMapItem(&m, it);
    }
    L4_MsgLoad(&m);
    L4_Reply(to);
}

/* P: pager and exception handler of T, and main's servant. */
static void p_main(void)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        if (L4_SameThreads(from, main_tid)) {
            L4_Word_t cmd, arg;
            L4_StoreMR(1, &cmd);
            L4_StoreMR(2, &arg);
            if (cmd == CMD_HOLD) {
                /* Receive from main only, so T's fault IPC waits in its
                 * send phase; a CMD_RELEASE from main ends it. */
                L4_LoadMR(0, 0);
                L4_Reply(main_tid);
                L4_Receive(main_tid);
            } else if (cmd == CMD_MODE) {
                p_mode = (int)arg;
            }
            L4_LoadMR(0, 0);
            L4_Reply(main_tid);
            continue;
        }
        L4_Word_t w1 = 0, w2 = 0;
        L4_StoreMR(1, &w1);
        L4_StoreMR(2, &w2);
        if (nlog < 32) {
            plog[nlog].label = L4_Label(tag);
            plog[nlog].mr1 = w1;
            plog[nlog].mr2 = w2;
            plog[nlog].from = from.raw;
        }
        nlog++;
        if (p_mode == P_SILENT)
            continue;                   /* T stays in its fault IPC */
        if ((L4_Label(tag) >> 4) == 0xffb) {
            /* exception IPC (label -5): reply with eip past the 2-byte ud2 */
            L4_Word_t regs[12];
            for (int i = 0; i < 12; i++)
                L4_StoreMR(i + 1, &regs[i]);
            regs[0] += 2;
            L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
            for (int i = 0; i < 12; i++)
                L4_LoadMR(i + 1, regs[i]);
            L4_Reply(from);
            continue;
        }
        p_serve_fault(from, L4_Label(tag), w1);
    }
}

static void cmd_p(L4_Word_t cmd, L4_Word_t arg)
{
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, cmd);
    L4_LoadMR(2, arg);
    L4_Call(p_tid);
}

/* T's jobs, chosen by t_job before each start. */
enum { JOB_TOUCH, JOB_UD2, JOB_IN };
static volatile int t_job;
static volatile L4_Word_t t_value;

static void t_recover(void)
{
    t_recovered = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void t_main(void)
{
    switch (t_job) {
    case JOB_TOUCH:
        t_value = *(volatile L4_Word_t *)FAULT_PAGE;
        break;
    case JOB_UD2:
        __asm__ volatile("ud2");
        break;
    case JOB_IN: {
        unsigned char v;
        __asm__ volatile("inb $0x80, %0" : "=a"(v));
        t_value = v;
        break;
    }
    }
    t_done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void start_t(int job)
{
    t_job = job;
    t_done = t_recovered = 0;
    L4_ThreadControl(t_tid, main_tid, main_tid, p_tid, (void *)(UTCB_AREA + 0x400));
    L4_Start_SpIp(t_tid, (L4_Word_t)&t_stack[508], (L4_Word_t)t_main);
}

static void stop_t(void)
{
    L4_ThreadControl(t_tid, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void wait_log(int n)
{
    for (int i = 0; i < 2000 && nlog < n; i++)
        L4_Sleep(L4_TimePeriod(1000));
}

static void wait_flag(volatile int *f)
{
    for (int i = 0; i < 2000 && !*f; i++)
        L4_Sleep(L4_TimePeriod(1000));
}

static L4_Word_t exregs(L4_Word_t control, L4_Word_t ip)
{
    L4_Word_t oc, osp, oip, ofl, ouh;
    L4_ThreadId_t op;
    L4_ExchangeRegisters(t_tid, control, 0, ip, 0, 0, L4_nilthread,
                         &oc, &osp, &oip, &ofl, &ouh, &op);
    return oc;
}

static void set_t_handler(void)
{
    /* T's exception handler is P. ExchangeRegisters cannot set it; T's
     * UTCB is in our space, so we write the TCR before T first runs (it
     * ranks below us). */
    L4_Word_t *t_utcb_mr0 = (L4_Word_t *)(UTCB_AREA + 0x400 + 256);
    t_utcb_mr0[-11] = p_tid.raw;        /* ExceptionHandler TCR */
}

int main(void)
{
    tap_plan(11);
    main_tid = L4_Myself();
    t_tid = L4_GlobalId(T_NO, 1);
    p_tid = L4_GlobalId(P_NO, 1);
    backing[0] = 0x5a;
    L4_ThreadControl(p_tid, main_tid, main_tid, main_tid, (void *)(UTCB_AREA + 0x200));
    L4_Start_SpIp(p_tid, (L4_Word_t)&p_stack[1020], (L4_Word_t)p_main);
    L4_Set_Priority(p_tid, 200);
    L4_Set_Priority(main_tid, 150);

    /* 1. Page fault, canceled in the receive phase (P got it, never
     * replies): T faults again; P's second answer completes it. */
    cmd_p(CMD_MODE, P_SILENT);
    nlog = 0;
    start_t(JOB_TOUCH);
    wait_log(1);
    L4_Word_t st = exregs(L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_DELIVER, 0);
    wait_log(2);
    ok(nlog == 2 && (st & L4ABI_EXREGS_STATE_RECVING) &&
       plog[0].mr1 == FAULT_PAGE && plog[1].mr1 == FAULT_PAGE && plog[0].mr2 == plog[1].mr2 &&
       !t_done,
       "pagefault_ipc_canceled_in_receive_phase_restarts_the_instruction (%d faults)", nlog);
    cmd_p(CMD_MODE, P_SERVE);
    exregs(L4ABI_EXREGS_ABORT_RECV, 0);         /* once more, now P serves */
    wait_flag(&t_done);
    ok(t_done && t_value == 0x5a && nlog == 3, "the restarted fault is served and the thread goes on");
    stop_t();
    /* P's backing page is mapped at FAULT_PAGE now: revoke it for the next run. */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)backing, 12), L4_FullyAccessible));

    /* 2. Page fault canceled in the send phase (P receives only from main):
     * the first fault IPC never arrives; the restarted one does. */
    nlog = 0;
    cmd_p(CMD_MODE, P_SILENT);
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, CMD_HOLD);
    L4_LoadMR(2, 0);
    L4_Call(p_tid);                         /* P now waits for main only */
    start_t(JOB_TOUCH);
    L4_Sleep(L4_TimePeriod(5000));
    st = exregs(L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_DELIVER, 0);
    L4_Sleep(L4_TimePeriod(5000));
    L4_Word_t st2 = exregs(L4ABI_EXREGS_DELIVER, 0);
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, CMD_RELEASE);
    L4_LoadMR(2, 0);
    L4_Call(p_tid);                         /* release P: it waits for anyone */
    wait_log(1);
    ok((st & L4ABI_EXREGS_STATE_SENDING) && (st2 & L4ABI_EXREGS_STATE_SENDING) && nlog == 1 &&
       plog[0].mr1 == FAULT_PAGE,
       "pagefault_ipc_canceled_in_send_phase_is_sent_again (state %lx then %lx, %d received)",
       st, st2, nlog);

    /* 3. Abort with a new ip: T goes on there, no further fault. */
    exregs(L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_SET_IP, (L4_Word_t)t_recover);
    wait_flag(&t_recovered);
    L4_Sleep(L4_TimePeriod(2000));
    ok(t_recovered && !t_done && nlog == 1,
       "pagefault_ipc_aborted_with_new_ip_continues_there (%d faults)", nlog);
    stop_t();

    /* 4. Exception IPC (#UD), canceled while P holds it: the ud2 runs
     * again, a second exception IPC comes; P's reply skips it. */
    nlog = 0;
    cmd_p(CMD_MODE, P_SILENT);
    start_t(JOB_UD2);
    set_t_handler();
    wait_log(1);
    exregs(L4ABI_EXREGS_ABORT_RECV, 0);
    wait_log(2);
    int two = nlog == 2 && plog[0].label == plog[1].label && plog[0].mr1 == plog[1].mr1;
    ok(two, "exception_ipc_canceled_restarts_the_faulting_instruction (%d IPCs, label %lx)",
       nlog, plog[0].label);
    cmd_p(CMD_MODE, P_SERVE);
    exregs(L4ABI_EXREGS_ABORT_RECV, 0);
    wait_flag(&t_done);
    ok(t_done && nlog == 3, "the restarted exception is handled and the thread goes on");
    stop_t();

    /* 5. Exception IPC aborted with a new ip. */
    nlog = 0;
    cmd_p(CMD_MODE, P_SILENT);
    start_t(JOB_UD2);
    set_t_handler();
    wait_log(1);
    exregs(L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_SET_IP, (L4_Word_t)t_recover);
    wait_flag(&t_recovered);
    ok(t_recovered && nlog == 1, "exception_ipc_aborted_with_new_ip_continues_there");
    stop_t();

    /* 6. I/O fault (port 0x80, which we never got), canceled: faults again;
     * then aborted with a new ip. */
    nlog = 0;
    start_t(JOB_IN);
    wait_log(1);
    exregs(L4ABI_EXREGS_ABORT_RECV, 0);
    wait_log(2);
    ok(nlog == 2 && (plog[0].label >> 4) == 0xff8 && plog[0].mr1 == plog[1].mr1,
       "iofault_ipc_canceled_restarts_the_instruction (label %lx, %d IPCs)", plog[0].label, nlog);
    exregs(L4ABI_EXREGS_ABORT_RECV | L4ABI_EXREGS_SET_IP, (L4_Word_t)t_recover);
    wait_flag(&t_recovered);
    ok(t_recovered && !t_done, "iofault_ipc_aborted_with_new_ip_continues_there");
    stop_t();

    /* 7. The thread was never stopped: a halted-and-aborted faulting thread
     * stays halted at the instruction, and a resume refaults. */
    nlog = 0;
    start_t(JOB_TOUCH);
    wait_log(1);
    L4_AbortReceive_and_stop(t_tid);
    L4_Sleep(L4_TimePeriod(3000));
    int halted_quiet = nlog == 1;
    L4_Start(t_tid);                    /* resume */
    wait_log(2);
    ok(halted_quiet && nlog == 2 && plog[1].mr1 == FAULT_PAGE,
       "halted_during_fault_ipc_refaults_on_resume (%d)", nlog);
    stop_t();
    ok(1, "kernel still runs");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
