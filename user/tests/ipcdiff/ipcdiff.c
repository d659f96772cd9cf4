/* IPC differential test (docs/ipc.md "Fast path"): one seeded random IPC
 * scenario whose every observable result is printed, one line per step
 * ("ipcdiff: ..."), so that the runs on the kernel with and without the
 * fast paths (FASTPATH=0) can be compared line by line (tests/suites.mk,
 * test-ipcdiff-nofast). Here the run only has to finish.
 *
 * Six worker threads: W0..W3 in our space (W3 at a lower priority), W4
 * and W5 in a child space that we page (its pages are ours, 1:1, so the
 * digests below are shared). Each worker serves requests with
 * L4_ReplyWait; it folds every result it gets (tag, sender, error code,
 * message words) into its digest. The driver (we) makes one random request
 * per step: an echo, a call forwarded to another worker (echo, or a sink
 * that never answers, with a receive timeout), a zero-timeout send, an
 * abort of a waiting worker (ExchangeRegisters), the deletion of a worker
 * another one waits for (and its re-creation), or a collection of the
 * digests. Halfway the child space gets us as its redirector (its IPC to
 * our space stays direct). Every step runs to its end before the next (the driver waits
 * for its answer, or sleeps well past the timeouts involved), so the
 * outcome does not depend on how many instructions either kernel takes. */
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
#define NW          6
#define STEPS       600
#define SEED        0x1badcafeu
#define STACK_WORDS 1024

enum { OP_ECHO = 0x10, OP_FWD = 0x20, OP_SINK = 0x30, OP_DIGEST = 0x40, OP_SENDZ = 0x50,
       OP_REPORT = 0x60 };

static L4_ThreadId_t root_tid, w[NW];
static const int w_no[NW] = { 60, 61, 62, 63, 70, 71 };
static L4_Word_t stacks[NW][STACK_WORDS] __attribute__((aligned(4096)));
static volatile L4_Word_t digest[NW], count[NW];
static int version[NW];
extern char end[];

static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }

static int my_index(void)
{
    L4_Word_t no = L4_ThreadNo(L4_Myself());
    for (int i = 0; i < NW; i++)
        if ((L4_Word_t)w_no[i] == no)
            return i;
    return 0;
}

static void fold(int me, L4_Word_t v)
{
    L4_Word_t h = digest[me];
    for (int i = 0; i < 4; i++, v >>= 8)
        h = (h ^ (v & 0xff)) * 16777619u;
    digest[me] = h;
    count[me]++;
}

/* Folds a finished IPC: tag, sender, error code or the words. */
static void fold_result(int me, L4_MsgTag_t tag, L4_ThreadId_t from, L4_Word_t *mr)
{
    fold(me, tag.raw);
    fold(me, from.raw);
    if (L4_IpcFailed(tag)) {
        fold(me, L4_ErrorCode());
        return;
    }
    for (L4_Word_t i = 1; i <= L4_UntypedWords(tag); i++) {
        L4_StoreMR((int)i, &mr[i]);
        fold(me, mr[i]);
    }
}

static void load_words(L4_Word_t label, L4_Word_t u, L4_Word_t seed)
{
    L4_LoadMR(0, L4ABI_TAG(label, u, 0));
    for (L4_Word_t i = 1; i <= u; i++)
        L4_LoadMR((int)i, seed * 2654435761u + i);
}

/* The request in mr[] (label op) from `from`: does it, then loads the
 * reply. Returns 0 if there is none (sink), 2 if the answer went by a call
 * of its own (report). */
static int serve(int me, L4_Word_t op, L4_Word_t u, L4_Word_t *mr)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t t;
    switch (op) {
    case OP_ECHO:
        L4_LoadMR(0, L4ABI_TAG(OP_ECHO + 1, u, 0));
        for (L4_Word_t i = 1; i <= u; i++)
            L4_LoadMR((int)i, mr[i] ^ (i * 0x9e3779b9u) ^ (L4_Word_t)me);
        return 1;
    case OP_FWD:    /* mr1 target, mr2 timeouts, mr3 u, mr4 inner op, mr5 seed, mr6 report */
        load_words(mr[4], mr[3], mr[5]);
        t = L4_Ipc(w[mr[1]], w[mr[1]], mr[2], &from);
        fold_result(me, t, from, mr + 8);
        L4_LoadMR(0, L4ABI_TAG(OP_FWD + 1, 4, 0));
        L4_LoadMR(1, t.raw);
        L4_LoadMR(2, L4_IpcFailed(t) ? 0 : from.raw);
        L4_LoadMR(3, L4_IpcFailed(t) ? L4_ErrorCode() : 0);
        L4_LoadMR(4, digest[me]);
        if (mr[6]) {
            t = L4_Call(root_tid);
            fold(me, t.raw);
            return 2;
        }
        return 1;
    case OP_SENDZ:  /* mr1 target */
        load_words(OP_SINK, 3, mr[1]);
        t = L4_Send_Timeout(w[mr[1]], L4_ZeroTime);
        fold(me, t.raw);
        L4_LoadMR(0, L4ABI_TAG(OP_SENDZ + 1, 2, 0));
        L4_LoadMR(1, t.raw);
        L4_LoadMR(2, L4_IpcFailed(t) ? L4_ErrorCode() : 0);
        return 1;
    case OP_DIGEST:
        L4_LoadMR(0, L4ABI_TAG(OP_DIGEST + 1, 2, 0));
        L4_LoadMR(1, digest[me]);
        L4_LoadMR(2, count[me]);
        return 1;
    default:        /* OP_SINK */
        return 0;
    }
}

static void worker_main(void)
{
    int me = my_index();
    if (me >= 4) {
        /* In the child space: fault every page we may use in now, while
         * our pager waits for it (pager_drain). */
        for (volatile char *p = (char *)0x01000000; p < end; p += 4096)
            (void)*p;
        for (int i = 0; i < NW; i++)
            for (int j = 0; j < STACK_WORDS; j += 1024)
                stacks[i][j] = stacks[i][j];
        digest[me] = digest[me];
        count[me] = count[me];
    }
    fold(me, 0x57a27);
    L4_Word_t mr[80];
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        fold_result(me, tag, from, mr);
        int r = L4_IpcFailed(tag) ? 0 : serve(me, L4_Label(tag), L4_UntypedWords(tag), mr);
        tag = r == 1 ? L4_ReplyWait(from, &from) : L4_Wait(&from);
    }
}

static unsigned rng = SEED;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

static void print_result(int step, const char *what, L4_MsgTag_t tag, L4_ThreadId_t from)
{
    printf("ipcdiff: %d %s tag %08lx from %08lx", step, what, tag.raw, from.raw);
    if (L4_IpcFailed(tag)) {
        printf(" err %08lx\n", L4_ErrorCode());
        return;
    }
    for (L4_Word_t i = 1; i <= L4_UntypedWords(tag); i++) {
        L4_Word_t v;
        L4_StoreMR((int)i, &v);
        printf(" %lx", v);
    }
    printf("\n");
}

static int start_worker(int i)
{
    if (i < 4) {
        if (L4_ThreadControl(w[i], root_tid, root_tid, root_tid,
                             (void *)(UTCB_AREA + (i + 1) * L4ABI_UTCB_SIZE)) != 1)
            return 0;
        L4_Set_Priority(w[i], i == 3 ? 200 : 255);
        L4_Start_SpIp(w[i], stack_top(i), (L4_Word_t)worker_main);
        return 1;
    }
    if (i == 4) {
        if (!pager_start_child(w[4], root_tid, worker_main, stack_top(4), KIP_AREA, UTCB_AREA))
            return 0;
    } else {
        if (L4_ThreadControl(w[5], w[4], root_tid, root_tid,
                             (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) != 1)
            return 0;
        L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
        L4_LoadMR(1, (L4_Word_t)worker_main);
        L4_LoadMR(2, stack_top(5));
        if (L4_IpcFailed(L4_Send(w[5])))
            return 0;
    }
    L4_Set_Priority(w[i], 255);
    pager_drain(w[i]);
    return 1;
}

static L4_MsgTag_t call(int i, L4_ThreadId_t *from)
{
    return L4_Ipc(w[i], w[i], L4_Timeouts(L4_Never, L4_Never), from);
}

/* One random step; returns 0 if the driver itself saw something impossible. */
static int step(int s)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag;
    unsigned r = rnd(100);
    int a = (int)rnd(NW), b = (int)((unsigned)a + 1 + rnd(NW - 1)) % NW;
    L4_Word_t u = rnd(8) == 0 ? 63 : rnd(9);

    if (r < 35) {
        load_words(OP_ECHO, u, rnd(1000));
        tag = call(a, &from);
        print_result(s, "echo", tag, from);
    } else if (r < 65) {
        int sink = rnd(5) == 0;
        L4_Word_t to = sink ? L4_Timeouts(L4_Never, L4_TimePeriod(2000))
                     : rnd(6) == 0 ? L4_Timeouts(L4_Never, L4_ZeroTime)
                     : L4_Timeouts(L4_Never, L4_Never);
        L4_LoadMR(0, L4ABI_TAG(OP_FWD, 6, 0));
        L4_LoadMR(1, (L4_Word_t)b);
        L4_LoadMR(2, to);
        L4_LoadMR(3, u);
        L4_LoadMR(4, sink ? OP_SINK : OP_ECHO);
        L4_LoadMR(5, rnd(1000));
        L4_LoadMR(6, 0);
        tag = call(a, &from);
        print_result(s, "forward", tag, from);
        if (!sink && (to & 0xffff) == 0)
            L4_Sleep(L4_TimePeriod(100));   /* a zero receive: b's late answer fails */
    } else if (r < 75) {
        L4_LoadMR(0, L4ABI_TAG(OP_SENDZ, 1, 0));
        L4_LoadMR(1, (L4_Word_t)b);
        tag = call(a, &from);
        print_result(s, "sendz", tag, from);
    } else if (r < 85) {
        L4_Word_t c, sp, ip, fl, uh;
        L4_ThreadId_t pg;
        L4_ThreadId_t res = L4_ExchangeRegisters(w[a], L4ABI_EXREGS_ABORT_RECV |
                                                 L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_DELIVER,
                                                 0, 0, 0, 0, L4_nilthread,
                                                 &c, &sp, &ip, &fl, &uh, &pg);
        printf("ipcdiff: %d abort %d: %08lx control %08lx\n", s, a, res.raw, c);
        L4_Sleep(L4_TimePeriod(100));       /* it folds the error and waits again */
    } else if (r < 93 && b < 4 && b != 0) {
        /* a calls b, which takes it and never answers; b is deleted. */
        L4_LoadMR(0, L4ABI_TAG(OP_FWD, 6, 0));
        L4_LoadMR(1, (L4_Word_t)b);
        L4_LoadMR(2, L4_Timeouts(L4_Never, L4_Never));
        L4_LoadMR(3, u);
        L4_LoadMR(4, OP_SINK);
        L4_LoadMR(5, rnd(1000));
        L4_LoadMR(6, 1);
        if (L4_IpcFailed(L4_Send(w[a])))
            return 0;
        L4_Sleep(L4_TimePeriod(2000));
        L4_ThreadControl(w[b], L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
        tag = L4_Receive(w[a]);
        from = w[a];
        print_result(s, "delete", tag, from);
        L4_LoadMR(0, 0);
        L4_Reply(w[a]);
        w[b] = L4_GlobalId((L4_Word_t)w_no[b], (L4_Word_t)++version[b]);
        fold(b, 0xde1e7e);
        if (!start_worker(b))
            return 0;
        L4_Sleep(L4_TimePeriod(100));
    } else {
        for (int i = 0; i < NW; i++) {
            L4_LoadMR(0, L4ABI_TAG(OP_DIGEST, 0, 0));
            tag = call(i, &from);
            print_result(s, "digest", tag, from);
        }
    }
    return 1;
}

int main(void)
{
    root_tid = L4_Myself();
    int good = 1;
    for (int i = 0; i < NW; i++) {
        version[i] = 1;
        w[i] = L4_GlobalId((L4_Word_t)w_no[i], 1);
    }
    for (int i = 0; i < NW && good; i++)
        good = start_worker(i);
    /* No redirector for the child space (the fast path's case). */
    L4_Word_t old;
    good &= L4_SpaceControl(w[4], 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                            L4_anythread, &old) == 1;
    tap_plan(2);
    ok(good, "workers started");
    for (int s = 0; s < STEPS && good; s++) {
        if (s == STEPS / 2)     /* confined from now on: we redirect, its IPC to us stays direct */
            good &= L4_SpaceControl(w[4], 0, L4_FpageLog2(KIP_AREA, 12),
                                    L4_FpageLog2(UTCB_AREA, 20), root_tid, &old) == 1;
        good = good && step(s);
    }
    L4_Word_t all = 0;
    for (int i = 0; i < NW; i++) {
        L4_ThreadId_t from;
        L4_LoadMR(0, L4ABI_TAG(OP_DIGEST, 0, 0));
        L4_MsgTag_t tag = call(i, &from);
        L4_Word_t d = 0;
        L4_StoreMR(1, &d);
        all = all * 31 + d;
        good &= L4_IpcSucceeded(tag);
    }
    printf("ipcdiff: final digest %08lx\n", all);
    ok(good, "scenario of %d steps ran (seed %x)", STEPS, SEED);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
