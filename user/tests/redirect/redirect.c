/* IPC redirection (X.2 SpaceControl redirector, docs/ipc.md) and who
 * sigma0 serves. We are the root task. Spaces:
 *   C  confined child (pager_start_child: we are pager and redirector),
 *      runs commands; C2 is a second thread in C's space (echo server);
 *   U  unconfined child, an echo server "outside";
 *   W  unconfined child running commands (no redirector at all);
 *   R3 a redirector in a confined space of its own that forwards by
 *      propagation (chains);
 * and R2, a second redirector thread in our own space (then deleted).
 * The children run this binary's code; their pages are ours, mapped 1:1 by
 * us as their pager, so they share our .data (the echo records). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/pecan.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define PF_ADDR     0x02000000u     /* free RAM: sigma0 would hand it out 1:1 */
#define C_WINDOW    0x30000000u     /* where C accepts frames */
#define DRAIN_N     64

enum { OP_READY = 0x100, OP_DONE, OP_S0_ANY, OP_S0_FRAME, OP_S0_PORTS, OP_DRAIN,
       OP_INB, OP_CALL, OP_CALL_OPEN, OP_PF_VIA_SIGMA0, OP_SPACECTL };
#define LBL_ECHO        0x200
#define LBL_ECHO_REPLY  0x201

static L4_ThreadId_t root_tid, s0, C, C2, U, W, R2, R3;
static L4_Word_t stacks[7][1024] __attribute__((aligned(16)));
static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][1020]; }
static L4_Word_t scratch[1024] __attribute__((aligned(4096)));
#define MAGIC 0x5ec0de42u

/* What an echo server or the second redirector saw last. */
struct seen { volatile L4_Word_t n, tag, from, intended, word, actual; };
static struct seen u_seen, c2_seen, r2_seen, r3_seen;
/* A child's last results, also when its report could not be sent. */
static volatile L4_Word_t last_res[4], report_err;

/* ---- children ---- */

static void echo_loop(struct seen *s)
{
    L4_ThreadId_t from;
    s->n = 0;                       /* fault our records in before waiting */
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t w;
        L4_StoreMR(1, &w);
        s->tag = tag.raw;
        s->from = from.raw;
        s->word = w;
        s->actual = L4_ActualSender().raw;
        s->n++;
        L4_LoadMR(0, L4ABI_TAG(LBL_ECHO_REPLY, 1, 0));
        L4_LoadMR(1, w + 1);
        tag = L4_ReplyWait(from, &from);
    }
}

static void u_main(void) { echo_loop(&u_seen); }
static void c2_main(void) { echo_loop(&c2_seen); }

/* The second redirector: records what reaches it, answers 777. */
static void r2_main(void)
{
    L4_ThreadId_t from;
    r2_seen.n = 0;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        r2_seen.tag = tag.raw;
        r2_seen.from = from.raw;
        r2_seen.intended = L4_IntendedReceiver().raw;
        r2_seen.n++;
        L4_LoadMR(0, L4ABI_TAG(LBL_ECHO_REPLY, 1, 0));
        L4_LoadMR(1, 777);
        tag = L4_ReplyWait(from, &from);
    }
}

/* A redirector in a confined space of its own (Y, redirector: us): it
 * forwards what it gets to the intended receiver by propagation (X.2), on
 * behalf of the sender, so the receiver answers the sender directly. Its
 * own space's redirection may divert the forward again (a chain). */
static void r3_main(void)
{
    L4_ThreadId_t from;
    r3_seen.n = 0;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_ThreadId_t to = L4_IntendedReceiver();
        L4_Word_t w;
        L4_StoreMR(1, &w);
        r3_seen.tag = tag.raw;
        r3_seen.from = from.raw;
        r3_seen.intended = to.raw;
        r3_seen.word = w;
        r3_seen.n++;
        L4_MsgTag_t fw = { .raw = L4ABI_TAG(L4_Label(tag), L4_UntypedWords(tag), 0) };
        L4_Set_Propagation(&fw);
        L4_Set_VirtualSender(from);
        L4_LoadMR(0, fw.raw);       /* MR1.. are still the message's */
        L4_Send(to);
        tag = L4_Wait(&from);
    }
}

static inline unsigned char inb80(void)
{
    unsigned char v;
    __asm__ volatile("inb $0x80, %%al" : "=a"(v));
    return v;
}

/* Runs one command; fills r[0..3]. */
static void child_op(L4_Word_t op, const L4_Word_t *w, L4_Word_t *r)
{
    L4_Fpage_t f;
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag;
    switch (op) {
    case OP_S0_ANY:
        f = L4_Sigma0_GetAny(s0, 12, L4_FpageLog2(C_WINDOW, 12));
        r[0] = f.raw;
        break;
    case OP_S0_FRAME:
        f = L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(w[0], 12), L4_FpageLog2(C_WINDOW, 12));
        r[0] = f.raw;
        break;
    case OP_S0_PORTS:
        /* Ports 0..0xffff; the result is the I/O fpage mapped, 0 if none. */
        L4_LoadMR(0, L4ABI_TAG(L4ABI_LABEL_SIGMA0, 2, 0));
        L4_LoadMR(1, L4ABI_IOFPAGE(0, 16));
        L4_LoadMR(2, 0);
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        tag = L4_Call(s0);
        L4_Accept(L4_MapGrantItems(L4_Nilpage));
        if (L4_IpcSucceeded(tag) && L4_TypedWords(tag) == 2)
            L4_StoreMR(2, &r[0]);
        break;
    case OP_DRAIN:
        for (int i = 0; i < DRAIN_N; i++) {
            f = L4_Sigma0_GetAny(s0, 12, L4_FpageLog2(C_WINDOW + (L4_Word_t)i * 4096, 12));
            r[0] += !L4_IsNilFpage(f);
        }
        break;
    case OP_INB:
        r[0] = inb80();
        break;
    case OP_CALL:
    case OP_CALL_OPEN: {        /* the answer from `to` alone, or from anyone */
        L4_ThreadId_t to = { .raw = w[0] };
        L4_LoadMR(0, L4ABI_TAG(LBL_ECHO, 1, 0));
        L4_LoadMR(1, w[1]);
        tag = L4_Ipc(to, op == OP_CALL ? to : L4_anythread,
                     L4_Timeouts(L4_Never, L4_Never), &from);
        r[0] = tag.raw;
        r[1] = from.raw;
        L4_StoreMR(1, &r[2]);
        r[3] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
        break;
    }
    case OP_PF_VIA_SIGMA0:
        /* Our pager is a TCR we may set: make it sigma0 and fault. */
        L4_Set_Pager(s0);
        r[0] = *(volatile L4_Word_t *)PF_ADDR;
        L4_Set_Pager(root_tid);
        break;
    case OP_SPACECTL: {
        L4_Word_t old;
        r[0] = L4_SpaceControl(L4_Myself(), 0, L4_FpageLog2(KIP_AREA, 12),
                               L4_FpageLog2(UTCB_AREA, 20), L4_anythread, &old);
        r[1] = L4_ErrorCode();
        break;
    }
    }
}

/* Reports to us (an exempt destination) and waits for the next command in
 * the same call, so no fault can come between. If the report cannot be
 * sent (a deleted redirector lets nothing out), the results stay in
 * last_res, the error in report_err, and it waits for us. */
static void child_main(void)
{
    L4_Word_t r[4] = { 0 }, w[2];
    report_err = 0;                 /* fault the shared page in now */
    last_res[0] = 0;
    L4_LoadMR(0, L4ABI_TAG(OP_READY, 0, 0));
    L4_MsgTag_t tag = L4_Call(root_tid);
    for (;;) {
        L4_StoreMR(1, &w[0]);
        L4_StoreMR(2, &w[1]);
        r[0] = r[1] = r[2] = r[3] = 0;
        child_op(L4_Label(tag), w, r);
        for (int i = 0; i < 4; i++)
            last_res[i] = r[i];
        L4_LoadMR(0, L4ABI_TAG(OP_DONE, 4, 0));
        L4_LoadMRs(1, 4, r);
        tag = L4_Call(root_tid);
        if (L4_IpcFailed(tag)) {
            report_err = L4_ErrorCode();
            tag = L4_Receive(root_tid);
        }
    }
}

/* ---- our side ---- */

/* Waits for the next message that is not an ordinary page fault of one of
 * our children (those we answer 1:1, as their pager). Redirected page
 * faults are returned: they were meant for someone else. */
static L4_MsgTag_t wait_msg(L4_ThreadId_t *from)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Wait(from);
        if (L4_IpcSucceeded(tag) && !L4_IpcRedirected(tag) && pager_answer_fault(tag)) {
            L4_Reply(*from);
            continue;
        }
        return tag;
    }
}

static L4_Word_t res[4];

/* Sends child `t` a command and waits for its report (after `pre`
 * messages handled by the caller in between: see redirected()). */
static void send_op(L4_ThreadId_t t, L4_Word_t op, L4_Word_t w0, L4_Word_t w1)
{
    L4_LoadMR(0, L4ABI_TAG(op, 2, 0));
    L4_LoadMR(1, w0);
    L4_LoadMR(2, w1);
    L4_Send(t);
}

/* The next message must be child t's report; stores it in res. */
static int report_from(L4_ThreadId_t t)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = wait_msg(&from);
    L4_StoreMRs(1, 4, res);
    return L4_IpcSucceeded(tag) && from.raw == t.raw && L4_Label(tag) == OP_DONE &&
           !L4_IpcRedirected(tag);
}

static int run_op(L4_ThreadId_t t, L4_Word_t op, L4_Word_t w0, L4_Word_t w1)
{
    send_op(t, op, w0, w1);
    return report_from(t);
}

/* The next message: redirected from `t`, meant for `intended`, label. */
static L4_Word_t got_mr1;
static L4_MsgTag_t got_tag;
static int redirected(L4_ThreadId_t t, L4_ThreadId_t intended, L4_Word_t label)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = wait_msg(&from);
    got_tag = tag;
    L4_StoreMR(1, &got_mr1);
    return L4_IpcSucceeded(tag) && L4_IpcRedirected(tag) && from.raw == t.raw &&
           L4_IntendedReceiver().raw == intended.raw &&
           (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == (label & L4ABI_LABEL_KIND_MASK);
}

/* Our refusal of a redirected sigma0 request: the nil map item. */
static void refuse(L4_ThreadId_t t)
{
    L4_MapItem_t m = L4_MapItem(L4_Nilpage, 0);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    L4_Reply(t);
}

static int start_thread(L4_ThreadId_t t, L4_ThreadId_t space, L4_ThreadId_t pager, int slot,
                        void (*fn)(void), int stack)
{
    if (L4_ThreadControl(t, space, root_tid, pager,
                         (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE)) != 1)
        return 0;
    if (space.raw == root_tid.raw) {
        L4_Start_SpIp(t, stack_top(stack), (L4_Word_t)fn);
        return 1;
    }
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)fn);
    L4_LoadMR(2, stack_top(stack));
    return L4_IpcSucceeded(L4_Send(t));
}

static int set_redirector(L4_ThreadId_t space, L4_ThreadId_t r)
{
    L4_Word_t old;
    return L4_SpaceControl(space, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                           r, &old) == 1;
}

static int ready(L4_ThreadId_t t)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = wait_msg(&from);
    return L4_IpcSucceeded(tag) && from.raw == t.raw && L4_Label(tag) == OP_READY;
}

int main(void)
{
    tap_plan(46);
    root_tid = L4_Myself();
    s0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    C = L4_GlobalId(90, 1);
    C2 = L4_GlobalId(91, 1);
    U = L4_GlobalId(92, 1);
    W = L4_GlobalId(93, 1);
    R2 = L4_GlobalId(94, 1);
    R3 = L4_GlobalId(95, 1);
    scratch[0] = MAGIC;

    /* sigma0 serves us: a frame, and the port we will hand on. */
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 12, L4_FpageLog2(0x31000000, 12));
    ok(!L4_IsNilFpage(f) && L4_PecanSigma0GetPorts(s0, 0x80, 0),
       "sigma0 serves the root task (a frame, port 0x80)");

    ok(pager_start_child(C, root_tid, child_main, stack_top(0), KIP_AREA, UTCB_AREA) &&
       ready(C), "confined child C started (redirector: us)");
    ok(start_thread(C2, C, root_tid, 1, c2_main, 1), "second thread in C's space");
    ok(pager_start_child_redir(U, root_tid, u_main, stack_top(2), KIP_AREA, UTCB_AREA,
                               L4_anythread), "unconfined echo server U started");
    ok(pager_start_child_redir(W, root_tid, child_main, stack_top(3), KIP_AREA, UTCB_AREA,
                               L4_anythread) && ready(W), "unconfined child W started");

    /* SpaceControl's own checks. */
    L4_Word_t old;
    L4_ThreadId_t idle = L4_GlobalId(L4_ThreadIdSystemBase(L4_GetKernelInterface()), 1);
    L4_Word_t r1 = L4_SpaceControl(idle, 0, L4_FpageLog2(KIP_AREA, 12),
                                   L4_FpageLog2(UTCB_AREA, 20), root_tid, &old);
    L4_Word_t e1 = L4_ErrorCode();
    ok(r1 == 0 && e1 == L4ABI_ERR_INVALID_SPACE, "the kernel's space has no redirector to set");
    r1 = L4_SpaceControl(C, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                         idle, &old);
    e1 = L4_ErrorCode();
    L4_Word_t r2 = L4_SpaceControl(C, 0, L4_FpageLog2(KIP_AREA, 12),
                                   L4_FpageLog2(UTCB_AREA, 20), L4_InterruptThread(8), &old);
    L4_Word_t e2 = L4_ErrorCode();
    L4_Word_t r3 = L4_SpaceControl(C, 0, L4_FpageLog2(KIP_AREA, 12),
                                   L4_FpageLog2(UTCB_AREA, 20), L4_GlobalId(3000, 1), &old);
    L4_Word_t e3 = L4_ErrorCode();
    ok(r1 == 0 && e1 == L4ABI_ERR_INVALID_THREAD && r2 == 0 && e2 == L4ABI_ERR_INVALID_THREAD &&
       r3 == 0 && e3 == L4ABI_ERR_INVALID_THREAD,
       "kernel, interrupt and nonexistent threads cannot be redirectors");

    /* --- The confined child reaches sigma0 only through us. --- */
    send_op(C, OP_S0_ANY, 0, 0);
    ok(redirected(C, s0, L4ABI_LABEL_SIGMA0),
       "confined child's sigma0 request arrives at its redirector, flagged, intended receiver sigma0");
    refuse(C);
    ok(report_from(C) && L4_IsNilFpage((L4_Fpage_t){ .raw = res[0] }),
       "refused by the redirector: the child gets no frame");

    send_op(C, OP_S0_FRAME, PF_ADDR, 0);
    int good = redirected(C, s0, L4ABI_LABEL_SIGMA0);
    ok(good && (got_mr1 & L4ABI_FPAGE_BASE_MASK) == PF_ADDR,
       "a request for a given frame is redirected too (MR1 %lx)", got_mr1);
    refuse(C);
    ok(report_from(C) && res[0] == 0, "and gives the child nothing");

    send_op(C, OP_S0_PORTS, 0, 0);
    ok(redirected(C, s0, L4ABI_LABEL_SIGMA0) && got_mr1 == L4ABI_IOFPAGE(0, 16),
       "confined child's request for I/O ports 0..0xffff arrives at its redirector");
    refuse(C);
    good = report_from(C);
    ok(good && res[0] == 0, "and the child gets no port from sigma0 (%lx)", res[0]);

    send_op(C, OP_DRAIN, 0, 0);
    int n = 0;
    for (int i = 0; i < DRAIN_N; i++) {
        n += redirected(C, s0, L4ABI_LABEL_SIGMA0);
        refuse(C);
    }
    is((unsigned long)n, DRAIN_N, "every one of 64 requests to drain sigma0 comes to us");
    ok(report_from(C) && res[0] == 0, "none of them yields a frame");

    /* A port it was not given faults to us (its pager, not redirected);
     * with our consent it gets it. */
    send_op(C, OP_INB, 0, 0);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = wait_msg(&from);
    L4_StoreMR(1, &got_mr1);
    ok(from.raw == C.raw && !L4_IpcRedirected(tag) &&
       (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_IOFAULT &&
       got_mr1 == L4ABI_IOFPAGE(0x80, 0),
       "the child has no port we did not give it: inb faults to its pager (us)");
    L4_PecanMapPorts(C, 0x80, 0, 0);
    ok(report_from(C), "with our consent (a map item) the port works");

    /* Kernel-made IPC is redirected as well: a page fault to a pager
     * outside (the child made sigma0 its pager). */
    send_op(C, OP_PF_VIA_SIGMA0, 0, 0);
    good = redirected(C, s0, L4ABI_LABEL_PAGEFAULT);
    ok(good && (got_mr1 & ~0xffful) == PF_ADDR,
       "a page fault meant for sigma0 comes to the redirector (address %lx)", got_mr1);
    {
        L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)scratch, 12),
                                                      L4_FullyAccessible), PF_ADDR);
        L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
        L4_LoadMR(1, m.raw[0]);
        L4_LoadMR(2, m.raw[1]);
        L4_Reply(C);
    }
    good = report_from(C);
    ok(good && res[0] == MAGIC,
       "the redirector answers it: the child sees our page, not sigma0's frame (%lx)", res[0]);

    /* --- Other destinations. --- */
    L4_Word_t un = u_seen.n;
    send_op(C, OP_CALL, U.raw, 41);
    ok(redirected(C, U, LBL_ECHO) && got_mr1 == 41 && u_seen.n == un,
       "a call to a thread outside arrives at the redirector, not at it");
    /* Consent: we forward it by propagation (X.2), on C's behalf: U sees
     * C as the sender, and C's call, which waited for us, now waits for U,
     * so U's answer goes straight to C. */
    L4_MsgTag_t fw = { .raw = L4ABI_TAG(LBL_ECHO, 1, 0) };
    L4_Set_Propagation(&fw);
    L4_Set_VirtualSender(C);
    L4_LoadMR(0, fw.raw);
    L4_LoadMR(1, got_mr1);
    tag = L4_Send(U);
    good = report_from(C);
    ok(L4_IpcSucceeded(tag) && u_seen.n == un + 1 && u_seen.from == C.raw &&
       (u_seen.tag & L4ABI_TAG_PROPAGATED) && !(u_seen.tag & L4ABI_TAG_REDIRECTED) &&
       u_seen.actual == root_tid.raw,
       "the redirector forwards by propagation: U sees C as the sender (p flag, "
       "ActualSender: us; from %lx)", (L4_Word_t)u_seen.from);
    ok(good && !(res[0] & L4ABI_TAG_ERROR) && res[2] == 42 && res[1] == U.raw,
       "U's answer goes straight back to the child: its call waits for U now "
       "(from %lx, word %lu)", res[1], res[2]);

    good = run_op(C, OP_CALL, C2.raw, 7);
    ok(good && !(res[0] & L4ABI_TAG_ERROR) && res[2] == 8 &&
       c2_seen.n == 1 && !(c2_seen.tag & L4ABI_TAG_REDIRECTED),
       "IPC within the child's own space is not redirected");
    ok(res[1] == C2.raw || L4_IsLocalId((L4_ThreadId_t){ .raw = res[1] }),
       "the answer comes from the thread itself (%lx)", res[1]);

    /* Sent reports are to us: exempt (our space is the redirector's). */
    ok(run_op(C, OP_INB, 0, 0), "IPC to the redirector's space is direct (unflagged)");

    ok(run_op(C, OP_SPACECTL, 0, 0) && res[0] == 0 && res[1] == L4ABI_ERR_NO_PRIVILEGE,
       "the child cannot remove its redirector (SpaceControl: no privilege)");

    /* --- Without a redirector nothing changes. --- */
    un = u_seen.n;
    ok(run_op(W, OP_CALL, U.raw, 100) && !(res[0] & L4ABI_TAG_ERROR) && res[2] == 101 &&
       res[1] == U.raw && u_seen.n == un + 1 && u_seen.from == W.raw &&
       !(u_seen.tag & L4ABI_TAG_REDIRECTED),
       "without a redirector a call goes straight to its receiver, unflagged");
    /* ... and sigma0 itself refuses a space that is not the root task's. */
    ok(run_op(W, OP_S0_ANY, 0, 0) && L4_IsNilFpage((L4_Fpage_t){ .raw = res[0] }),
       "sigma0 refuses memory to an unconfined child");
    ok(run_op(W, OP_S0_FRAME, PF_ADDR, 0) && res[0] == 0,
       "sigma0 refuses a given frame to an unconfined child");
    good = run_op(W, OP_S0_PORTS, 0, 0);
    ok(good && res[0] == 0, "sigma0 refuses I/O ports 0..0xffff to an unconfined child (%lx)",
       res[0]);
    ok(run_op(W, OP_S0_ANY, 0, 0) && L4_IsNilFpage((L4_Fpage_t){ .raw = res[0] }),
       "and goes on refusing (no reply is left pending)");

    /* SpaceControl with anythread removes C's redirector. */
    un = u_seen.n;
    ok(set_redirector(C, L4_anythread) && run_op(C, OP_CALL, U.raw, 5) && res[2] == 6 &&
       res[1] == U.raw && u_seen.n == un + 1 && u_seen.from == C.raw,
       "redirector removed (anythread): the call reaches U directly");

    /* --- A chain: C's redirector R3 sits in a space whose redirector is
     * us; R3's forward is diverted to us in turn. --- */
    ok(pager_start_child(R3, root_tid, r3_main, stack_top(5), KIP_AREA, UTCB_AREA) &&
       set_redirector(C, R3), "C's redirector is now R3, itself confined (redirector: us)");
    un = u_seen.n;
    send_op(C, OP_CALL, U.raw, 21);
    good = redirected(C, U, LBL_ECHO);
    ok(good && got_mr1 == 21 && L4_IpcPropagated(got_tag) &&
       L4_ActualSender().raw == R3.raw && r3_seen.n == 1 &&
       (r3_seen.tag & L4ABI_TAG_REDIRECTED) && r3_seen.from == C.raw &&
       r3_seen.intended == U.raw,
       "chain: C's call reaches R3, and R3's propagated forward comes to us "
       "(from C, p and r flags, ActualSender R3, intended receiver U)");
    /* R3 was allowed to speak for C (it is C's redirector), so C's call
     * now waits for us, and we answer it directly. */
    L4_LoadMR(0, L4ABI_TAG(LBL_ECHO_REPLY, 1, 0));
    L4_LoadMR(1, 99);
    L4_Reply(C);
    /* C's report to us leaves its space: R3 gets it and propagates it to
     * us (Y to us is direct). */
    tag = wait_msg(&from);
    L4_ThreadId_t actual = L4_ActualSender();
    ok(L4_IpcSucceeded(tag) && from.raw == C.raw && L4_Label(tag) == OP_DONE &&
       L4_IpcPropagated(tag) && !L4_IpcRedirected(tag) && actual.raw == R3.raw &&
       r3_seen.n == 2 && r3_seen.intended == root_tid.raw,
       "chain: C's report to us goes through R3, which propagates it (from %lx, "
       "ActualSender %lx)", from.raw, actual.raw);
    ok(last_res[2] == 99 && last_res[1] == root_tid.raw && !(last_res[0] & L4ABI_TAG_ERROR) &&
       u_seen.n == un,
       "chain: our answer reached C's closed wait directly (word %lu from %lx), "
       "U heard nothing", last_res[2], last_res[1]);
    ok(set_redirector(C, root_tid) &&
       L4_ThreadControl(R3, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1,
       "C's redirector is us again; R3's space deleted");
    /* C's report waited for R3; R3's propagation moved that wait to us. */
    good = run_op(C, OP_CALL, C2.raw, 3);
    ok(good && res[2] == 4,
       "chain: C's call waits for us, not for the deleted R3: it takes our next command");

    /* --- Another redirector, then its deletion. --- */
    ok(start_thread(R2, root_tid, s0, 3, r2_main, 4) && set_redirector(C, R2),
       "a thread of ours (paged by sigma0) becomes C's redirector");
    un = u_seen.n;
    ok(run_op(C, OP_CALL, U.raw, 9) && res[2] == 777 && res[1] == R2.raw &&
       r2_seen.n == 1 && (r2_seen.tag & L4ABI_TAG_REDIRECTED) && r2_seen.intended == U.raw &&
       r2_seen.from == C.raw && u_seen.n == un,
       "the new redirector gets the call (intended receiver U) and answers it");
    ok(L4_ThreadControl(R2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1,
       "redirector deleted");
    /* Fail closed: with the redirector gone its space is unknown, so
     * nothing leaves C's space, not even the report to us. */
    report_err = 0;
    send_op(C, OP_CALL, U.raw, 11);
    for (int i = 0; i < 1000 && !report_err; i++)
        L4_Sleep(L4_TimePeriod(1000));
    L4_Word_t cerr = last_res[3], rerr = report_err;
    ok((last_res[0] & L4ABI_TAG_ERROR) && L4ABI_IPCERR_CODE(cerr) == L4ABI_IPCERR_NOPARTNER &&
       !(cerr & 1) && u_seen.n == un,
       "with its redirector gone the child's IPC outside fails (no partner, send phase: %lx)",
       cerr);
    ok(L4ABI_IPCERR_CODE(rerr) == L4ABI_IPCERR_NOPARTNER,
       "so does its IPC to the old redirector's space (%lx): it is cut off", rerr);
    ok(set_redirector(C, root_tid), "we become C's redirector again");
    send_op(C, OP_CALL, U.raw, 13);
    ok(redirected(C, U, LBL_ECHO) && got_mr1 == 13, "its calls come to us again");
    L4_LoadMR(0, L4ABI_TAG(LBL_ECHO_REPLY, 1, 0));
    L4_LoadMR(1, 0);
    L4_Reply(C);
    ok(report_from(C) && res[2] == 0 && u_seen.n == un, "and U heard nothing of it");

    L4_ThreadControl(C2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(C, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(U, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(W, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    return tap_done() ? (L4_KDB_Shutdown(1), 1) : (L4_KDB_Shutdown(0), 0);
}
