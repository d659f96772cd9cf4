/* X.2 IPC propagation (docs/ipc.md "Propagation"). We are the root task
 * and, in most tests, the propagator A: a client V calls us, we pass its
 * message on with the p flag and VirtualSender = V, and the receiver B
 * answers V directly. Threads:
 *   V, B, P   in our space: a client, an echo server, a second propagator;
 *   XV, XB    in space X (unconfined, no redirector): a client and an
 *             echo server.
 * X runs this binary's code; its pages are ours, mapped 1:1 by us as its
 * pager, so the records below are shared. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define LBL_ECHO    0x200
#define LBL_REPLY   0x201
#define LBL_READY   0x202
#define NO_ACTUAL   0x5e5e5e40u     /* an echo server's ActualSender before a message */

static L4_ThreadId_t me, s0, V, B, P, XV, XB;
static L4_Word_t stacks[6][1024] __attribute__((aligned(16)));
static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][1020]; }

/* What an echo server saw last, and a client's last call. */
struct seen { volatile L4_Word_t n, tag, from, actual, word, nacked; };
struct call { volatile L4_Word_t n, tag, from, word, err; };
static struct seen b_seen, xb_seen;
static struct call v_call, xv_call, p_send;

/* ---- threads ---- */

/* Echo server: records each message, answers its sender with word + 1
 * (a reply: zero send timeout). A reply its receiver does not take counts
 * in nacked, and the server waits for the next message. */
static void echo_loop(struct seen *s)
{
    L4_ThreadId_t from;
    s->n = 0;                       /* fault our record in before waiting */
    L4_Set_VirtualSender((L4_ThreadId_t){ .raw = NO_ACTUAL });
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            s->nacked++;
            L4_Set_VirtualSender((L4_ThreadId_t){ .raw = NO_ACTUAL });
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t w;
        L4_StoreMR(1, &w);
        s->tag = tag.raw;
        s->from = from.raw;
        s->actual = L4_ActualSender().raw;
        s->word = w;
        s->n++;
        L4_Set_VirtualSender((L4_ThreadId_t){ .raw = NO_ACTUAL });
        L4_LoadMR(0, L4ABI_TAG(LBL_REPLY, 1, 0));
        L4_LoadMR(1, w + 1);
        tag = L4_ReplyWait(from, &from);
    }
}

/* Client: on our command (MR1 = whom, MR2 = word) it calls that thread
 * (a closed wait for it) and records the answer. */
static void client_loop(struct call *c)
{
    c->n = 0;
    L4_LoadMR(0, L4ABI_TAG(LBL_READY, 0, 0));
    L4_Call(me);
    for (;;) {
        L4_Word_t to, w;
        L4_MsgTag_t tag = L4_Receive(me);
        L4_StoreMR(1, &to);
        L4_StoreMR(2, &w);
        L4_ThreadId_t from = L4_nilthread;
        L4_LoadMR(0, L4ABI_TAG(LBL_ECHO, 1, 0));
        L4_LoadMR(1, w);
        tag = L4_Ipc((L4_ThreadId_t){ .raw = to }, (L4_ThreadId_t){ .raw = to },
                     L4_Timeouts(L4_Never, L4_Never), &from);
        L4_StoreMR(1, &w);
        c->tag = tag.raw;
        c->from = from.raw;
        c->word = w;
        c->err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
        c->n++;
    }
}

/* Second propagator: on our command (MR1 = whom, MR2 = virtual sender,
 * MR3 = delay in ms, MR4 = word) it sleeps, then sends a propagated
 * message and records the result. */
static void propagator_loop(void)
{
    p_send.n = 0;
    for (;;) {
        L4_Word_t a[4];
        L4_Receive(me);
        L4_StoreMRs(1, 4, a);
        if (a[2])
            L4_Sleep(L4_TimePeriod(a[2] * 1000));
        L4_Set_VirtualSender((L4_ThreadId_t){ .raw = a[1] });
        L4_MsgTag_t tag = { .raw = L4ABI_TAG(LBL_ECHO, 1, 0) };
        L4_Set_Propagation(&tag);
        L4_LoadMR(0, tag.raw);
        L4_LoadMR(1, a[3]);
        tag = L4_Send((L4_ThreadId_t){ .raw = a[0] });
        p_send.tag = tag.raw;
        p_send.err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
        p_send.n++;
    }
}

static void v_main(void) { client_loop(&v_call); }
static void xv_main(void) { client_loop(&xv_call); }
static void b_main(void) { echo_loop(&b_seen); }
static void xb_main(void) { echo_loop(&xb_seen); }

/* ---- our side ---- */

/* Waits for a message that is not a page fault of X (those we answer). */
static L4_MsgTag_t wait_from(L4_ThreadId_t who, L4_ThreadId_t *from, L4_Time_t t)
{
    for (;;) {
        L4_MsgTag_t tag = L4_Ipc(L4_nilthread, who, L4_Timeouts(L4_Never, t), from);
        if (L4_IpcSucceeded(tag) && pager_answer_fault(tag)) {
            L4_Reply(*from);
            continue;
        }
        return tag;
    }
}

/* Serves faults until *n differs from old (at most ~1 s). */
static int until_changed(volatile L4_Word_t *n, L4_Word_t old)
{
    L4_ThreadId_t from;
    for (int i = 0; i < 1000 && *n == old; i++)
        wait_from(L4_anythread, &from, L4_TimePeriod(1000));
    return *n != old;
}

static int ready(L4_ThreadId_t t)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = wait_from(t, &from, L4_TimePeriod(1000000));
    if (!(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_READY))
        return 0;
    L4_LoadMR(0, 0);
    L4_Reply(t);
    pager_drain(t);
    return 1;
}

/* Tells client c to call us with word w; takes its message (its closed
 * wait is now for us). */
static int client_calls_us(L4_ThreadId_t c, L4_Word_t w)
{
    L4_ThreadId_t from;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, me.raw);
    L4_LoadMR(2, w);
    if (L4_IpcFailed(L4_Send_Timeout(c, L4_TimePeriod(1000000))))
        return 0;
    L4_MsgTag_t tag = wait_from(c, &from, L4_TimePeriod(1000000));
    L4_Word_t got;
    L4_StoreMR(1, &got);
    return L4_IpcSucceeded(tag) && got == w;
}

/* Sends MR1 = w to `to` as propagated on behalf of `vs`. */
static L4_MsgTag_t propagate(L4_ThreadId_t to, L4_ThreadId_t vs, L4_Word_t w)
{
    L4_MsgTag_t tag = { .raw = L4ABI_TAG(LBL_ECHO, 1, 0) };
    L4_Set_Propagation(&tag);
    L4_Set_VirtualSender(vs);
    L4_LoadMR(0, tag.raw);
    L4_LoadMR(1, w);
    return L4_Send_Timeout(to, L4_TimePeriod(1000000));
}

/* A thread of our space, paged by sigma0 as we are. */
static int start_local(L4_ThreadId_t t, int slot, void (*fn)(void), int stack)
{
    if (L4_ThreadControl(t, me, me, s0, (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE)) != 1)
        return 0;
    L4_Start_SpIp(t, stack_top(stack), (L4_Word_t)fn);
    return 1;
}

static int start_in(L4_ThreadId_t t, L4_ThreadId_t space, int slot, void (*fn)(void), int stack)
{
    if (L4_ThreadControl(t, space, me, me, (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE)) != 1)
        return 0;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)fn);
    L4_LoadMR(2, stack_top(stack));
    return L4_IpcSucceeded(L4_Send(t));
}

int main(void)
{
    tap_plan(20);
    me = L4_Myself();
    s0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
    V = L4_GlobalId(100, 1);
    B = L4_GlobalId(101, 1);
    P = L4_GlobalId(102, 1);
    XV = L4_GlobalId(103, 1);
    XB = L4_GlobalId(104, 1);
    L4_ThreadId_t vloc, bloc, from;
    L4_MsgTag_t tag;
    L4_Word_t n, m;

    ok(start_local(V, 1, v_main, 0) && ready(V) && start_local(B, 2, b_main, 1) &&
       start_local(P, 3, propagator_loop, 2), "threads V, B and P started in our space");
    ok(pager_start_child_redir(XV, me, xv_main, stack_top(3), KIP_AREA, UTCB_AREA,
                               L4_anythread) && ready(XV) &&
       start_in(XB, XV, 1, xb_main, 4), "space X started (no redirector): XV, XB");
    pager_drain(XB);
    vloc = L4_LocalIdOf(V);
    bloc = L4_LocalIdOf(B);

    /* --- Within a space: V calls us (A), we propagate to B. --- */
    n = v_call.n;
    m = b_seen.n;
    ok(client_calls_us(V, 10), "V's call reaches us");
    tag = propagate(B, V, 10);
    int got = until_changed(&b_seen.n, m);
    ok(L4_IpcSucceeded(tag) && L4_IpcPropagated(tag) && got &&
       b_seen.from == vloc.raw && (b_seen.tag & L4ABI_TAG_PROPAGATED) &&
       b_seen.actual == me.raw && b_seen.word == 10,
       "X.2 propagation within a space: the receiver sees the virtual sender (from %lx), "
       "the p flag and the propagator as ActualSender (%lx)", b_seen.from, b_seen.actual);
    got = until_changed(&v_call.n, n);
    ok(got && !v_call.err && v_call.word == 11 &&
       v_call.from == bloc.raw,
       "X.2: the virtual sender's closed wait for the propagator moves to the receiver: "
       "B's reply reaches V directly (from %lx, word %lu)", v_call.from, v_call.word);

    /* --- Across spaces, the propagator in the virtual sender's space. --- */
    n = v_call.n;
    m = xb_seen.n;
    client_calls_us(V, 20);
    tag = propagate(XB, V, 20);
    got = until_changed(&xb_seen.n, m);
    ok(L4_IpcSucceeded(tag) && got && xb_seen.from == V.raw &&
       (xb_seen.tag & L4ABI_TAG_PROPAGATED) && xb_seen.actual == me.raw,
       "X.2 propagation across spaces (propagator and virtual sender share a space): "
       "XB sees V (%lx), p, ActualSender us", xb_seen.from);
    got = until_changed(&v_call.n, n);
    ok(got && !v_call.err && v_call.word == 21 &&
       v_call.from == XB.raw,
       "X.2: XB's reply reaches V directly across spaces (from %lx)", v_call.from);

    /* --- Across spaces, the propagator in the receiver's space. --- */
    n = xv_call.n;
    m = b_seen.n;
    client_calls_us(XV, 30);
    tag = propagate(B, XV, 30);
    got = until_changed(&b_seen.n, m);
    ok(L4_IpcSucceeded(tag) && got && b_seen.from == XV.raw &&
       (b_seen.tag & L4ABI_TAG_PROPAGATED) && b_seen.actual == me.raw,
       "X.2 propagation across spaces (propagator and receiver share a space): "
       "B sees XV (%lx), p, ActualSender us", b_seen.from);
    got = until_changed(&xv_call.n, n);
    ok(got && !xv_call.err && xv_call.word == 31 &&
       xv_call.from == B.raw,
       "X.2: B's reply reaches XV directly (from %lx)", xv_call.from);

    /* --- Not allowed: the virtual sender and the receiver both in another
     * space, and we are not their redirector. --- */
    n = xv_call.n;
    m = xb_seen.n;
    client_calls_us(XV, 40);
    tag = propagate(XB, XV, 40);
    L4_MsgTag_t ans = wait_from(XB, &from, L4_TimePeriod(1000000));
    L4_Word_t w = 0;
    L4_StoreMR(1, &w);
    ok(L4_IpcSucceeded(tag) && !L4_IpcPropagated(tag) && xb_seen.n == m + 1 &&
       xb_seen.from == me.raw &&
       !(xb_seen.tag & L4ABI_TAG_PROPAGATED) && xb_seen.actual == NO_ACTUAL &&
       xb_seen.word == 40,
       "X.2 propagation not allowed (virtual sender and receiver in another space): no error, "
       "delivered as the propagator's own (from %lx, no p, ActualSender untouched); "
       "the propagator's MR0 comes back without p",
       xb_seen.from);
    ok(L4_IpcSucceeded(ans) && w == 41, "and the receiver's answer comes back to the propagator");
    L4_LoadMR(0, L4ABI_TAG(LBL_REPLY, 1, 0));
    L4_LoadMR(1, 77);
    tag = L4_Send_Timeout(XV, L4_TimePeriod(1000000));
    ok(L4_IpcSucceeded(tag) && until_changed(&xv_call.n, n) && xv_call.word == 77 &&
       xv_call.from == me.raw,
       "and the virtual sender still waits for the propagator (our answer reaches it)");

    m = b_seen.n;
    tag = propagate(B, L4_GlobalId(3000, 7), 50);
    ans = wait_from(B, &from, L4_TimePeriod(1000000));     /* B's answer */
    ok(L4_IpcSucceeded(tag) && L4_IpcSucceeded(ans) && b_seen.n == m + 1 &&
       b_seen.from == L4_LocalIdOf(me).raw && !(b_seen.tag & L4ABI_TAG_PROPAGATED),
       "X.2 propagation on behalf of a thread that does not exist: delivered unpropagated");

    /* --- A closed receive from the virtual sender: P sends on behalf of V
     * to us while we receive from V alone. --- */
    L4_LoadMR(0, L4ABI_TAG(0, 4, 0));
    L4_LoadMR(1, me.raw);
    L4_LoadMR(2, V.raw);
    L4_LoadMR(3, 0);
    L4_LoadMR(4, 60);
    n = p_send.n;
    L4_Send(P);
    L4_ThreadSwitch(P);                     /* P runs and blocks sending to us */
    L4_Sleep(L4_TimePeriod(2000));
    from = L4_nilthread;
    tag = L4_Ipc(L4_nilthread, V, L4_Timeouts(L4_Never, L4_TimePeriod(100000)), &from);
    L4_StoreMR(1, &w);
    ok(L4_IpcSucceeded(tag) && L4_IpcPropagated(tag) && w == 60 && from.raw == vloc.raw &&
       L4_SameThreads(L4_ActualSender(), P) && until_changed(&p_send.n, n) && !p_send.err,
       "X.2: a closed receive from the virtual sender takes a propagated message "
       "already waiting (ActualSender P)");
    L4_LoadMR(0, L4ABI_TAG(0, 4, 0));
    L4_LoadMR(1, me.raw);
    L4_LoadMR(2, V.raw);
    L4_LoadMR(3, 3);                        /* P sends 3 ms later */
    L4_LoadMR(4, 61);
    n = p_send.n;
    L4_Send(P);
    from = L4_nilthread;
    tag = L4_Ipc(L4_nilthread, V, L4_Timeouts(L4_Never, L4_TimePeriod(100000)), &from);
    L4_StoreMR(1, &w);
    ok(L4_IpcSucceeded(tag) && L4_IpcPropagated(tag) && w == 61 && from.raw == vloc.raw &&
       L4_SameThreads(L4_ActualSender(), P) && until_changed(&p_send.n, n) && !p_send.err,
       "X.2: a closed receive from the virtual sender gets a propagated message sent later");
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_ECHO && !L4_IpcRedirected(tag),
       "the propagated message keeps its label and has no r flag");

    /* --- A virtual sender not waiting for the propagator is left alone:
     * V waits for our command (a closed wait for us, not for P). --- */
    m = xb_seen.n;
    L4_LoadMR(0, L4ABI_TAG(0, 4, 0));
    L4_LoadMR(1, XB.raw);
    L4_LoadMR(2, V.raw);
    L4_LoadMR(3, 0);
    L4_LoadMR(4, 70);
    n = p_send.n;
    L4_Send(P);
    L4_Word_t nacked = xb_seen.nacked;
    got = until_changed(&xb_seen.n, m) && until_changed(&p_send.n, n);
    ok(got && xb_seen.from == V.raw && (xb_seen.tag & L4ABI_TAG_PROPAGATED) &&
       xb_seen.actual == P.raw && !p_send.err,
       "X.2: a thread of V's space propagates on behalf of V to another space "
       "(from %lx, actual %lx)", xb_seen.from, xb_seen.actual);
    /* XB answers V, which waits for us, not for P: the reply is not taken. */
    ok(until_changed(&xb_seen.nacked, nacked),
       "X.2: a virtual sender not waiting for the propagator is not redirected: "
       "the receiver's reply finds it not waiting for the receiver");
    n = v_call.n;
    ok(client_calls_us(V, 80),
       "X.2: V's closed wait for another thread than the propagator is left alone");
    L4_LoadMR(0, L4ABI_TAG(LBL_REPLY, 1, 0));
    L4_LoadMR(1, 81);
    L4_Send_Timeout(V, L4_TimePeriod(100000));
    got = until_changed(&v_call.n, n);
    ok(got && v_call.word == 81 && v_call.from == L4_LocalIdOf(me).raw,
       "and V's call to us is answered by us (word %lu from %lx)", v_call.word, v_call.from);

    return tap_done() ? (L4_KDB_Shutdown(1), 1) : (L4_KDB_Shutdown(0), 0);
}
