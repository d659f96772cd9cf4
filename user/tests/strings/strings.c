/* X.2 string items between address spaces: simple and compound strings,
 * receive buffers, overflow, 0-length strings, kernel addresses, page
 * faults on both sides during the copy, and transfer timeouts.
 *
 * Two child spaces run code of this binary: sender A, paged by the root
 * task (this thread), and receiver B, paged by thread PB of the root task;
 * both pagers map the root task's pages 1:1. So a buffer in our bss is the
 * same frame in A's and B's space, but mapped there only once A or B
 * faulted on it. Each child loops: it Calls us with
 * the result of its last job, and our reply names its next job. */
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
#define PG          4096u
#define LBL_REPORT  0x55

static L4_ThreadId_t root_tid, A, B, S;
static L4_ThreadId_t sender;  /* A, or S (in our space) for the abort test */
static L4_Word_t stacks[9][STACK_WORDS] __attribute__((aligned(16)));

/* Job parameters, written by us before a job and read by the children. */
static volatile L4_Word_t snd_words[16], n_snd;        /* typed words A sends */
static volatile L4_Word_t rcv_words[16], n_rcv;        /* BR1.. B loads */
static volatile L4_Word_t rcv_acceptor;
static volatile L4_Word_t xfer_timeouts;               /* both children */
static volatile int pretouch_a, pretouch_b;            /* touch buffers first */
static volatile L4_Word_t a_lo, a_hi, b_lo, b_hi;      /* buffer ranges */

/* Results of the last job. */
struct report { L4_Word_t tag, err, w[4]; };
static struct report rep_a, rep_b;

/* Page faults seen during the last job by A's pager (us) and by B's
 * pager (thread PB in our space). */
#define MAXF 64
struct faultlog { int n; struct { L4_Word_t who, addr; } f[MAXF]; };
static struct faultlog log_a, log_b;
static L4_ThreadId_t PB, R2, H;
static L4_Word_t mute_lo, mute_hi;  /* mute_who's faults here are never answered */
static L4_ThreadId_t mute_who;
static int abort_on_mute;           /* ... and make us abort the sender's send */
static L4_ThreadId_t delete_on_mute;   /* ... or delete this thread */
static L4_Word_t abort_state;       /* sender's state as ExchangeRegisters saw it */
/* A fault of hook_who in [hook_lo, hook_hi) first runs hook_fn (once). */
static void (*hook_fn)(void);
static L4_ThreadId_t hook_who;
static L4_Word_t hook_lo, hook_hi;

/* Buffers, each in pages of its own so faults are attributable. */
static char sbuf[4 * PG] __attribute__((aligned(4096)));
static char rbuf[4 * PG] __attribute__((aligned(4096)));
static char fsbuf[3 * PG] __attribute__((aligned(4096)));  /* fault test */
static char frbuf[3 * PG] __attribute__((aligned(4096)));
static char tsbuf[2 * PG] __attribute__((aligned(4096)));  /* timeout test */
static char trbuf[2 * PG] __attribute__((aligned(4096)));
static char abuf[2 * PG] __attribute__((aligned(4096)));   /* abort test */
static char dbuf[2 * PG] __attribute__((aligned(4096)));   /* deletion tests */
static char dbuf2[2 * PG] __attribute__((aligned(4096)));
static char dsbuf[2 * PG] __attribute__((aligned(4096)));

static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }
static L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }
static L4_Word_t code_of(L4_Word_t e) { return L4ABI_IPCERR_CODE(e); }
static L4_Word_t offset_of(L4_Word_t e) { return e >> L4ABI_IPCERR_OFFSET_SHIFT; }

static void touch(L4_Word_t lo, L4_Word_t hi, int write)
{
    for (L4_Word_t a = lo & ~(PG - 1); a < hi; a += PG) {
        volatile char *p = (volatile char *)a;
        char c = *p;
        if (write)
            *p = c;
    }
}

/* ---- child side ---- */

static void report_result(L4_MsgTag_t tag)
{
    L4_Word_t w[4];
    L4_StoreMRs(1, 4, w);
    L4_Word_t err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    L4_LoadMR(0, L4ABI_TAG(LBL_REPORT, 6, 0));
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_LoadMRs(3, 4, w);
}

static void job_send(void)
{
    if (pretouch_a)
        touch(a_lo, a_hi, 0);
    L4_Set_XferTimeouts(xfer_timeouts);
    L4_LoadMR(0, L4ABI_TAG(0x10, 0, n_snd));
    for (L4_Word_t i = 0; i < n_snd; i++)
        L4_LoadMR((int)i + 1, snd_words[i]);
    L4_MsgTag_t tag = L4_Send(B);
    L4_Set_XferTimeouts(0);
    report_result(tag);
}

static void job_receive(void)
{
    if (pretouch_b)
        touch(b_lo, b_hi, 1);
    L4_Set_XferTimeouts(xfer_timeouts);
    L4_LoadBR(0, rcv_acceptor);
    for (L4_Word_t i = 0; i < n_rcv; i++)
        L4_LoadBR((int)i + 1, rcv_words[i]);
    L4_MsgTag_t tag = L4_Receive(sender);
    L4_Set_XferTimeouts(0);
    L4_LoadBR(0, 0);
    report_result(tag);
}

/* A calls B with an untyped message (the fast path) and receives B's
 * reply, which carries the strings, into its buffers. */
static void job_call(void)
{
    L4_LoadBR(0, rcv_acceptor);
    for (L4_Word_t i = 0; i < n_rcv; i++)
        L4_LoadBR((int)i + 1, rcv_words[i]);
    L4_LoadMR(0, L4ABI_TAG(0x20, 0, 0));
    L4_MsgTag_t tag = L4_Call(B);
    L4_LoadBR(0, 0);
    report_result(tag);
}

static void job_reply(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    if (L4_IpcSucceeded(tag)) {
        L4_LoadMR(0, L4ABI_TAG(0x21, 0, n_snd));
        for (L4_Word_t i = 0; i < n_snd; i++)
            L4_LoadMR((int)i + 1, snd_words[i]);
        tag = L4_Reply(from);
    }
    report_result(tag);
}

/* A 12 MiB compound string within our space (S to R2), long enough to
 * span several timer ticks, and a high-priority thread H that wakes up
 * meanwhile: with preemption points in the copy H runs while the copy is
 * only partly done. */
#define BIGSUB (4 * 1024 * 1024 - PG)
#define BIGN   3
static char big_s[BIGN * BIGSUB] __attribute__((aligned(4096)));
static char big_r[BIGN * BIGSUB] __attribute__((aligned(4096)));
static volatile int big_go, h_mid = -1;

static void job_big_send(void)
{
    L4_LoadMR(0, L4ABI_TAG(0x30, 0, 1 + BIGN));
    L4_LoadMR(1, L4ABI_STRITEM_W0(BIGSUB, BIGN, 0, 0));
    for (int i = 0; i < BIGN; i++)
        L4_LoadMR(2 + i, (L4_Word_t)big_s + (L4_Word_t)i * BIGSUB);
    big_go = 1;
    L4_Set_XferTimeouts(xfer_timeouts);
    L4_MsgTag_t tag = L4_Send(R2);
    L4_Set_XferTimeouts(0);
    report_result(tag);
}

static void job_big_recv(void)
{
    L4_LoadBR(0, L4ABI_ACCEPT_STRINGS);
    L4_LoadBR(1, L4ABI_STRITEM_W0(BIGSUB, BIGN, 0, 0));
    for (int i = 0; i < BIGN; i++)
        L4_LoadBR(2 + i, (L4_Word_t)big_r + (L4_Word_t)i * BIGSUB);
    L4_Set_XferTimeouts(xfer_timeouts);
    L4_MsgTag_t tag = L4_Receive(S);
    L4_Set_XferTimeouts(0);
    L4_LoadBR(0, 0);
    report_result(tag);
}

static void h_main(void)
{
    for (;;) {
        L4_Sleep(L4_TimePeriod(300));
        if (big_go && big_r[0] != 0) {
            h_mid = big_r[BIGN * BIGSUB - 1] == 0;
            L4_Sleep(L4_Never);
        }
    }
}

static void child_loop(void)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_REPORT, 0, 0));
    for (;;) {
        L4_MsgTag_t tag = L4_Call(root_tid);
        if (L4_IpcFailed(tag)) {
            L4_LoadMR(0, L4ABI_TAG(LBL_REPORT, 0, 0));
            continue;
        }
        L4_Word_t fn;
        L4_StoreMR(1, &fn);
        ((void (*)(void))fn)();
    }
}

/* ---- pager and job control ---- */

static int is_fault(L4_MsgTag_t tag)
{
    return (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT;
}

/* Answers a fault by mapping our page 1:1 (touching it first). */
static void map_reply(L4_ThreadId_t to, L4_Word_t addr, int write)
{
    L4_Word_t page = addr & ~(PG - 1);
    volatile char *p = (volatile char *)page;
    char c = *p;
    if (write)
        *p = c;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible),
                                page);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    L4_Reply(to);
}

/* A pager's answer to a fault: logged, then mapped 1:1 from our space,
 * unless it is one of the faults nobody may answer. */
static void handle_fault(L4_ThreadId_t from, L4_MsgTag_t tag, struct faultlog *log)
{
    L4_Word_t addr;
    L4_StoreMR(1, &addr);
    if (log->n < MAXF) {
        log->f[log->n].who = from.raw;
        log->f[log->n].addr = addr;
        log->n++;
    }
    if (hook_fn && from.raw == hook_who.raw && addr >= hook_lo && addr < hook_hi) {
        void (*fn)(void) = hook_fn;
        hook_fn = 0;
        fn();
    }
    if (from.raw == mute_who.raw && addr >= mute_lo && addr < mute_hi) {
        /* A pager that never answers (or its thread aborts/deletes). */
        if (delete_on_mute.raw) {
            L4_ThreadControl(delete_on_mute, L4_nilthread, L4_nilthread,
                             L4_nilthread, (void *)~0ul);
            delete_on_mute = L4_nilthread;
        }
        if (abort_on_mute) {
            L4_Word_t w;
            L4_ThreadId_t p;
            L4_ExchangeRegisters(S, L4ABI_EXREGS_ABORT_SEND | L4ABI_EXREGS_DELIVER,
                                 0, 0, 0, 0, L4_nilthread, &abort_state, &w, &w,
                                 &w, &w, &p);
        }
        return;
    }
    map_reply(from, addr, L4_Label(tag) & L4ABI_FPAGE_W);
}

/* B's pager. */
static void pager_b_main(void)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag) && is_fault(tag))
            handle_fault(from, tag, &log_b);
    }
}

/* Serves faults until `n` reports arrived (`us` microseconds without
 * traffic: give up). Returns the number of reports. */
static int serve_t(int n, L4_Word_t us)
{
    int got = 0;
    while (got < n) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(us), &from);
        if (L4_IpcFailed(tag)) {
            if (us >= 1000000)
                diag("serve: wait failed, error %lx", L4_ErrorCode());
            break;
        }
        if (is_fault(tag)) {
            handle_fault(from, tag, &log_a);
            continue;
        }
        if (L4_Label(tag) != LBL_REPORT) {
            diag("serve: unexpected label %lx", L4_Label(tag));
            continue;
        }
        int is_b = from.raw == B.raw || (R2.raw && L4_GlobalIdOf(from).raw == R2.raw);
        struct report *r = is_b ? &rep_b : &rep_a;
        L4_StoreMR(1, &r->tag);
        L4_StoreMR(2, &r->err);
        L4_StoreMRs(3, 4, r->w);
        got++;
    }
    return got;
}

static int serve(int n)
{
    return serve_t(n, 2000000);
}

static void go(L4_ThreadId_t t, void (*fn)(void))
{
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, (L4_Word_t)fn);
    L4_Reply(t);
}

/* Runs one send/receive job pair; receiver_first picks who gets going
 * first (and so which side completes the rendezvous). */
static int run_job_n(int receiver_first, int reports)
{
    log_a.n = log_b.n = 0;
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    if (receiver_first) {
        go(B, job_receive);
        go(sender, job_send);
    } else {
        go(sender, job_send);
        go(B, job_receive);
    }
    return serve(reports) == reports;
}

static int run_job(int receiver_first)
{
    return run_job_n(receiver_first, 2);
}

static void set_send(int n, const L4_Word_t *w)
{
    for (int i = 0; i < n; i++)
        snd_words[i] = w[i];
    n_snd = (L4_Word_t)n;
}

static void set_recv(int n, const L4_Word_t *w)
{
    for (int i = 0; i < n; i++)
        rcv_words[i] = w[i];
    n_rcv = (L4_Word_t)n;
    rcv_acceptor = L4ABI_ACCEPT_STRINGS;
}

static void fill(char *p, L4_Word_t n, unsigned seed)
{
    for (L4_Word_t i = 0; i < n; i++)
        p[i] = (char)(seed + i * 7 + (i >> 8));
}

/* Did `who`'s own pager (us for A and S, PB for B) see a fault of `who`
 * in [lo, hi)? The other pager's log must show none: a fault raised on
 * the wrong thread's behalf would land there. */
static int in_log(const struct faultlog *log, L4_ThreadId_t who, L4_Word_t lo, L4_Word_t hi)
{
    for (int i = 0; i < log->n; i++)
        if (log->f[i].who == who.raw && log->f[i].addr >= lo && log->f[i].addr < hi)
            return 1;
    return 0;
}

static int saw_fault(L4_ThreadId_t who, L4_Word_t lo, L4_Word_t hi)
{
    const struct faultlog *own = who.raw == B.raw ? &log_b : &log_a;
    const struct faultlog *other = who.raw == B.raw ? &log_a : &log_b;
    return in_log(own, who, lo, hi) && !in_log(other, who, lo, hi);
}

static void start_child(L4_ThreadId_t t, int stack, L4_ThreadId_t pager)
{
    /* The start message comes from the first pager: us. The children
     * copy strings to each other directly: no redirector. */
    pager_start_child_redir(t, root_tid, child_loop, stack_top(stack), KIP_AREA, UTCB_AREA,
                            L4_anythread);
    if (pager.raw != root_tid.raw)
        L4_ThreadControl(t, t, L4_nilthread, pager, (void *)~0ul);
}

/* ---- tests ---- */

static void test_simple(void)
{
    fill(sbuf, 1000, 1);
    memset(rbuf, 0, 2000);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(1000, 1, 0, 0), (L4_Word_t)sbuf + 10 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2000, 1, 0, 0), (L4_Word_t)rbuf + 5 };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 1;
    a_lo = (L4_Word_t)sbuf; a_hi = a_lo + 2 * PG;
    b_lo = (L4_Word_t)rbuf; b_hi = b_lo + 2 * PG;
    int ran = run_job(1);
    ok(ran && rep_a.err == 0 && rep_b.err == 0, "simple string: both sides succeed (%lx/%lx)",
       rep_a.err, rep_b.err);
    ok(memcmp(rbuf + 5, sbuf + 10, 1000) == 0 && rbuf[4] == 0 && rbuf[1005] == 0,
       "simple string: 1000 bytes copied into the buffer, nothing around it");
    L4_MsgTag_t tag = { .raw = rep_b.tag };
    ok(L4_TypedWords(tag) == 2 && L4_Label(tag) == 0x10 &&
       L4ABI_STRITEM_LEN(rep_b.w[0]) == 1000 && rep_b.w[1] == (L4_Word_t)rbuf + 5,
       "receiver's item gives length 1000 and where the string landed");

    /* The same with the sender arriving first (the receiver copies). */
    memset(rbuf, 0, 2000);
    fill(sbuf, 1000, 9);
    ran = run_job(0);
    ok(ran && rep_a.err == 0 && rep_b.err == 0 && memcmp(rbuf + 5, sbuf + 10, 1000) == 0,
       "simple string, sender first: copied");
}

static void test_compound(void)
{
    fill(sbuf, 4 * PG, 3);
    memset(rbuf, 0, 4 * PG);
    char *s0 = sbuf, *s1 = sbuf + 3000, *s2 = sbuf + 5000, *s3 = sbuf + 9000, *s4 = sbuf + 12000;
    /* 3 substrings of 700 bytes, then 2 of 1500: 5100 bytes in all. */
    L4_Word_t s[] = {
        L4ABI_STRITEM_W0(700, 3, 1, 0), (L4_Word_t)s0, (L4_Word_t)s1, (L4_Word_t)s2,
        L4ABI_STRITEM_W0(1500, 2, 0, 0), (L4_Word_t)s3, (L4_Word_t)s4,
    };
    /* Receive: 2 substrings of 3000 bytes (scattered across pages). */
    L4_Word_t r[] = { L4ABI_STRITEM_W0(3000, 2, 0, 0), (L4_Word_t)rbuf + 100,
                      (L4_Word_t)rbuf + 8000 };
    set_send(7, s);
    set_recv(3, r);
    pretouch_a = pretouch_b = 1;
    a_lo = (L4_Word_t)sbuf; a_hi = a_lo + 4 * PG;
    b_lo = (L4_Word_t)rbuf; b_hi = b_lo + 4 * PG;
    int ran = run_job(1);
    ok(ran && rep_a.err == 0 && rep_b.err == 0, "compound string: both sides succeed (%lx/%lx)",
       rep_a.err, rep_b.err);
    static char want[5100];
    memcpy(want, s0, 700);
    memcpy(want + 700, s1, 700);
    memcpy(want + 1400, s2, 700);
    memcpy(want + 2100, s3, 1500);
    memcpy(want + 3600, s4, 1500);
    ok(memcmp(rbuf + 100, want, 3000) == 0 && memcmp(rbuf + 8000, want + 3000, 2100) == 0 &&
       rbuf[8000 + 2100] == 0,
       "compound string gathered from 5 substrings, scattered into 2");
}

/* X.2 (as Pistachio): a string longer than its buffer fills the buffer,
 * then the message overflows; the offset field (the same for both sides)
 * counts the bytes the whole message transferred. */
static void test_overflow(void)
{
    fill(sbuf, 400, 5);
    memset(rbuf, 0, 2 * PG);
    /* Two strings: 100 bytes fit their buffer, 300 do not fit 200. */
    L4_Word_t s[] = { L4ABI_STRITEM_W0(100, 1, 0, 1), (L4_Word_t)sbuf,
                      L4ABI_STRITEM_W0(300, 1, 0, 0), (L4_Word_t)sbuf + 100 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(100, 1, 0, 1), (L4_Word_t)rbuf,
                      L4ABI_STRITEM_W0(200, 1, 0, 0), (L4_Word_t)rbuf + 1000 };
    set_send(4, s);
    set_recv(4, r);
    pretouch_a = pretouch_b = 1;
    a_lo = (L4_Word_t)sbuf; a_hi = a_lo + PG;
    b_lo = (L4_Word_t)rbuf; b_hi = b_lo + PG;
    int ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == 300,
       "X.2: buffer too small: sender gets overflow, send phase, offset 300 = 100 + the 200 "
       "that fit (%lx)", rep_a.err);
    ok(code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && (rep_b.err & 1) &&
       offset_of(rep_b.err) == 300,
       "X.2: buffer too small: receiver gets overflow, receive phase, the same offset 300 (%lx)",
       rep_b.err);
    ok(memcmp(rbuf, sbuf, 100) == 0 && memcmp(rbuf + 1000, sbuf + 100, 200) == 0 &&
       rbuf[1200] == 0,
       "X.2: the first string arrived, the second up to the end of its buffer, nothing past it");

    /* The same with the receiver running the copy: the same result. */
    memset(rbuf, 0, 2 * PG);
    ran = run_job(0);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_a.err) == 300 &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 300 &&
       memcmp(rbuf + 1000, sbuf + 100, 200) == 0 && rbuf[1200] == 0,
       "X.2: buffer too small, receiver copies: 200 bytes fill it, offset 300 on both sides "
       "(%lx/%lx)", rep_a.err, rep_b.err);

    /* One simple string of 256 bytes into a 252-byte buffer. */
    memset(rbuf, 0, 2 * PG);
    L4_Word_t s1[] = { L4ABI_STRITEM_W0(256, 1, 0, 0), (L4_Word_t)sbuf };
    L4_Word_t r1[] = { L4ABI_STRITEM_W0(252, 1, 0, 0), (L4_Word_t)rbuf };
    set_send(2, s1);
    set_recv(2, r1);
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_a.err) == 252 &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 252 &&
       memcmp(rbuf, sbuf, 252) == 0 && rbuf[252] == 0,
       "X.2: 256-byte string into a 252-byte buffer: 252 bytes copied, offset 252 on both "
       "sides (%lx/%lx)", rep_a.err, rep_b.err);

    /* Compound: 0x60 bytes fit the first buffer; then a compound string
     * of 2 x 100 bytes meets a compound buffer of 2 x 78: 0x60 + 156 =
     * 0xfc bytes in all. */
    memset(rbuf, 0, 2 * PG);
    L4_Word_t s2[] = { L4ABI_STRITEM_W0(0x60, 1, 0, 1), (L4_Word_t)sbuf,
                       L4ABI_STRITEM_W0(100, 1, 1, 0), (L4_Word_t)sbuf + 0x60,
                       L4ABI_STRITEM_W0(100, 1, 0, 0), (L4_Word_t)sbuf + 0x100 };
    L4_Word_t r2[] = { L4ABI_STRITEM_W0(0x60, 1, 0, 1), (L4_Word_t)rbuf,
                       L4ABI_STRITEM_W0(78, 1, 1, 0), (L4_Word_t)rbuf + 0x200,
                       L4ABI_STRITEM_W0(78, 1, 0, 0), (L4_Word_t)rbuf + 0x300 };
    set_send(6, s2);
    set_recv(6, r2);
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_a.err) == 0xfc &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 0xfc,
       "X.2: compound string into a smaller compound buffer: offset 0xfc (all bytes "
       "copied), not 0x60, on both sides (%lx/%lx)", rep_a.err, rep_b.err);
    ok(memcmp(rbuf, sbuf, 0x60) == 0 && memcmp(rbuf + 0x200, sbuf + 0x60, 78) == 0 &&
       memcmp(rbuf + 0x300, sbuf + 0x60 + 78, 22) == 0 &&
       memcmp(rbuf + 0x300 + 22, sbuf + 0x100, 56) == 0 && rbuf[0x300 + 78] == 0,
       "X.2: the compound string filled both substrings of its buffer in order");
    set_send(4, s);

    /* More strings than buffers. */
    set_send(4, s);
    set_recv(2, r);
    rcv_words[0] &= ~(L4_Word_t)L4ABI_ITEM_CONT;
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 100,
       "X.2: more strings than buffers: overflow at offset 100 (bytes copied)");

    /* Strings not accepted at all. */
    set_recv(4, r);
    rcv_acceptor = 0;
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 0,
       "strings sent to a receiver that accepts none: overflow at offset 0");
}

static void test_zero_length(void)
{
    memset(rbuf, 0x5a, 16);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(0, 1, 0, 0), 0 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(16, 1, 0, 0), (L4_Word_t)rbuf };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 0;
    int ran = run_job(1);
    ok(ran && rep_a.err == 0 && rep_b.err == 0 && L4ABI_STRITEM_LEN(rep_b.w[0]) == 0 &&
       rbuf[0] == 0x5a,
       "0-length string (null pointer) succeeds and writes nothing");

    /* A 0-length receive buffer takes a 0-length string. */
    L4_Word_t r0[] = { L4ABI_STRITEM_W0(0, 1, 0, 0), 0xc0000000u };
    set_recv(2, r0);
    ran = run_job(0);
    ok(ran && rep_a.err == 0 && rep_b.err == 0, "0-length string into a 0-length buffer");
}

static void test_kernel_addresses(void)
{
    L4_Word_t s[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), 0xc0000000u };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), (L4_Word_t)rbuf };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = 0;
    pretouch_b = 1;
    b_lo = (L4_Word_t)rbuf; b_hi = b_lo + PG;
    int ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW,
       "string at 0xC0000000 refused on both sides (%lx/%lx)", rep_a.err, rep_b.err);

    /* A buffer running into kernel space: its second substring is at
     * 0xC0000000. X.2 (Pistachio clips the copy at the end of user
     * space): the 100 bytes before it arrive, then overflow. */
    fill(sbuf, 200, 13);
    memset(rbuf, 0, 2 * PG);
    L4_Word_t s2[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), (L4_Word_t)sbuf };
    L4_Word_t s4[] = { L4ABI_STRITEM_W0(200, 1, 0, 0), (L4_Word_t)sbuf };
    L4_Word_t r2[] = { L4ABI_STRITEM_W0(100, 2, 0, 0), (L4_Word_t)rbuf + 2000, 0xc0000000u };
    set_send(2, s4);
    set_recv(3, r2);
    pretouch_a = 1;
    a_lo = (L4_Word_t)sbuf; a_hi = a_lo + PG;
    ran = run_job(0);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_a.err) == 100 &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 100 &&
       memcmp(rbuf + 2000, sbuf, 100) == 0 && rbuf[2100] == 0,
       "X.2: buffer running into kernel space: the 100 bytes before 0xC0000000 arrive, "
       "then overflow at offset 100 (%lx/%lx)", rep_a.err, rep_b.err);

    /* A buffer in the receiver's KIP area (never writable). */
    L4_Word_t r3[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), KIP_AREA + 0x100 };
    set_send(2, s2);
    set_recv(2, r3);
    pretouch_a = 1;
    a_lo = (L4_Word_t)sbuf; a_hi = a_lo + PG;
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 0,
       "buffer in the receiver's KIP area refused (%lx/%lx)", rep_a.err, rep_b.err);

    /* A string wrapping around the address space. */
    L4_Word_t s3[] = { L4ABI_STRITEM_W0(0x2000, 1, 0, 0), 0xfffff000u };
    set_send(2, s3);
    set_recv(2, r);
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW, "wrapping string refused");
}

static void test_faults(void)
{
    /* 2 pages + a bit from a sender that never touched them, into a
     * receiver that never touched its buffer either. */
    L4_Word_t len = 2 * PG + 300;
    fill(fsbuf, 3 * PG, 11);
    memset(frbuf, 0, 3 * PG);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(len, 1, 0, 0), (L4_Word_t)fsbuf + 100 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(len, 1, 0, 0), (L4_Word_t)frbuf + 500 };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 0;
    int ran = run_job(1);
    L4_Word_t slo = (L4_Word_t)fsbuf, shi = slo + 3 * PG;
    L4_Word_t rlo = (L4_Word_t)frbuf, rhi = rlo + 3 * PG;
    ok(ran && rep_a.err == 0 && rep_b.err == 0, "copy with faults on both sides succeeds (%lx/%lx)",
       rep_a.err, rep_b.err);
    ok(memcmp(frbuf + 500, fsbuf + 100, len) == 0, "all %lu bytes arrived", len);
    int all_s = 1, all_r = 1, wrong = 0;
    for (L4_Word_t p = (slo + 100) & ~(PG - 1); p < slo + 100 + len; p += PG)
        all_s &= saw_fault(A, p, p + PG);
    for (L4_Word_t p = (rlo + 500) & ~(PG - 1); p < rlo + 500 + len; p += PG)
        all_r &= saw_fault(B, p, p + PG);
    wrong = in_log(&log_a, A, rlo, rhi) || in_log(&log_b, B, slo, shi) ||
            in_log(&log_a, B, 0, ~0ul) || in_log(&log_b, A, 0, ~0ul);
    ok(all_s, "sender's pager (us) saw the sender fault on each of its 3 buffer pages");
    ok(all_r, "receiver's pager (PB) saw the receiver fault on each of its 3 buffer pages");
    ok(!wrong, "no fault was raised on the wrong side");
}

static void test_faults_receiver_copies(void)
{
    /* Fresh pages of the same buffers (third page up), sender first so
     * the receiver completes the rendezvous and runs the copy. */
    L4_Word_t len = 1000;
    L4_Word_t s[] = { L4ABI_STRITEM_W0(len, 1, 0, 0), (L4_Word_t)tsbuf + 3000 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(len, 1, 0, 0), (L4_Word_t)trbuf + 3000 };
    fill(tsbuf + 3000, len, 33);
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 0;
    int ran = run_job(0);
    ok(ran && rep_a.err == 0 && rep_b.err == 0 && memcmp(trbuf + 3000, tsbuf + 3000, len) == 0 &&
       saw_fault(A, (L4_Word_t)tsbuf, (L4_Word_t)tsbuf + PG) &&
       saw_fault(B, (L4_Word_t)trbuf, (L4_Word_t)trbuf + PG),
       "receiver-run copy: both sides fault to their own pager, data arrives");
}

static void test_abort(void)
{
    /* S in our space sends; B's pager never answers its fault on page 2,
     * and we abort S's send meanwhile. */
    fill(abuf, 2 * PG, 55);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)tsbuf };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)abuf };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = 1;
    a_lo = (L4_Word_t)tsbuf; a_hi = a_lo + 2 * PG;
    pretouch_b = 1;
    b_lo = (L4_Word_t)abuf; b_hi = b_lo + PG;
    mute_lo = (L4_Word_t)abuf + PG;
    mute_hi = mute_lo + PG;
    abort_on_mute = 1;
    abort_state = 0;
    sender = S;
    int ran = run_job(1);
    sender = A;
    abort_on_mute = 0;
    mute_lo = mute_hi = 0;
    ok(ran && (abort_state & L4ABI_EXREGS_STATE_SENDING),
       "ExchangeRegisters sees the sender in its string copy as sending (%lx)", abort_state);
    ok(code_of(rep_a.err) == L4ABI_IPCERR_ABORTED && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG, "aborted sender: aborted, offset 4096 (%lx)", rep_a.err);
    ok(code_of(rep_b.err) == L4ABI_IPCERR_ABORTED && (rep_b.err & 1) &&
       offset_of(rep_b.err) == PG, "its partner: aborted, receive phase, offset 4096 (%lx)",
       rep_b.err);
}

/* Deletion of either side while the receiver waits for its pager inside
 * the copy (page 2 of its buffer never gets mapped). */
static void setup_delete(char *buf)
{
    fill(tsbuf, 2 * PG, 66);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)tsbuf };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)buf };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = 1;
    a_lo = (L4_Word_t)tsbuf; a_hi = a_lo + 2 * PG;
    pretouch_b = 1;
    b_lo = (L4_Word_t)buf; b_hi = b_lo + PG;
    mute_lo = (L4_Word_t)buf + PG;
    mute_hi = mute_lo + PG;
}

static void test_delete(void)
{
    /* The receiver (running the copy's fault) is deleted: the sender,
     * who started the copy, ends with "aborted". */
    setup_delete(dbuf);
    delete_on_mute = B;
    int ran = run_job_n(1, 1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_ABORTED && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG,
       "receiver deleted during the copy: sender gets aborted, offset 4096 (%lx)", rep_a.err);
    start_child(B, 1, PB);
    ok(serve(1) == 1, "receiver recreated");

    /* The sender, who started the copy and whose stack holds its state,
     * is deleted while the receiver waits for its pager: the receiver
     * ends with "aborted" once its (transfer-timeout bounded) fault IPC
     * is over, and never touches the deleted sender's state. */
    setup_delete(dbuf2);
    delete_on_mute = A;
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(20000).raw, L4_TimePeriod(20000).raw);
    ran = run_job_n(1, 1);
    xfer_timeouts = 0;
    mute_lo = mute_hi = 0;
    ok(ran && code_of(rep_b.err) == L4ABI_IPCERR_ABORTED && (rep_b.err & 1) &&
       offset_of(rep_b.err) == PG,
       "sender deleted during the copy: receiver gets aborted, offset 4096 (%lx)", rep_b.err);
    start_child(A, 0, root_tid);
    ok(serve(1) == 1, "sender recreated");
}

static void test_reply_to_fast_caller(void)
{
    /* B's reply string lands in a buffer A never touched: the copy run by
     * B hands the fault over to A, asleep in the fast path's call. */
    L4_Word_t len = PG + 123;
    fill(sbuf, 2 * PG, 99);
    memset(dbuf, 0, 2 * PG);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(len, 1, 0, 0), (L4_Word_t)sbuf };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)dbuf + 7 };
    set_send(2, s);
    set_recv(2, r);
    log_a.n = log_b.n = 0;
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    go(B, job_reply);
    go(A, job_call);
    int ran = serve(2) == 2;
    L4_MsgTag_t tag = { .raw = rep_a.tag };
    ok(ran && rep_a.err == 0 && rep_b.err == 0 && L4_Label(tag) == 0x21 &&
       memcmp(dbuf + 7, sbuf, len) == 0,
       "string reply to an untyped call arrives (%lx/%lx)", rep_a.err, rep_b.err);
    ok(saw_fault(A, (L4_Word_t)dbuf, (L4_Word_t)dbuf + 2 * PG) &&
       !saw_fault(B, (L4_Word_t)dbuf, (L4_Word_t)dbuf + 2 * PG),
       "the caller faulted on its own buffer during the reply's copy");
}

static void start_local(L4_ThreadId_t t, int slot, void (*fn)(void), int stack)
{
    L4_ThreadControl(t, root_tid, root_tid, root_tid,
                     (void *)(UTCB_AREA + (L4_Word_t)slot * L4ABI_UTCB_SIZE));
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)fn);
    L4_LoadMR(2, stack_top(stack));
    L4_Send(t);
}

static void test_preemption(void)
{
    for (L4_Word_t i = 0; i < sizeof big_s; i += PG) {
        big_s[i] = (char)(i / PG) | 1;      /* every page mapped, non-zero */
        big_r[i] = 0;
    }
    big_s[sizeof big_s - 1] = 0x7e;
    R2 = tid(63);
    H = tid(64);
    start_local(R2, 3, child_loop, 4);
    serve(1);
    start_local(H, 4, h_main, 5);
    L4_Set_Priority(H, 200);
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    go(R2, job_big_recv);
    go(S, job_big_send);
    int ran = serve(2) == 2;
    ok(ran && rep_a.err == 0 && rep_b.err == 0 && big_r[sizeof big_r - 1] == 0x7e &&
       memcmp(big_r, big_s, 64) == 0,
       "12 MiB compound string copied (%lx/%lx)", rep_a.err, rep_b.err);
    ok(h_mid == 1, "a higher-priority thread ran in the middle of the copy (%d)", h_mid);
    L4_ThreadControl(H, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(R2, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    R2 = L4_nilthread;
}

/* One copy that runs into a fault nobody answers: on page 2 of the
 * receive buffer (faulter B) or of the send buffer (faulter A), with the
 * sender's and the receiver's xfer timeouts snd and rcv. */
static void timeout_run(L4_ThreadId_t faulter, L4_Word_t snd, L4_Word_t rcv, int receiver_first)
{
    char *sb = faulter.raw == A.raw ? dsbuf : tsbuf;
    char *rb = faulter.raw == A.raw ? rbuf : trbuf;
    fill(sb, 2 * PG, 44);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)sb };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)rb };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 1;
    a_lo = (L4_Word_t)sb; a_hi = a_lo + (faulter.raw == A.raw ? PG : 2 * PG);
    b_lo = (L4_Word_t)rb; b_hi = b_lo + (faulter.raw == B.raw ? PG : 2 * PG);
    mute_who = faulter;
    mute_lo = (faulter.raw == A.raw ? (L4_Word_t)sb : (L4_Word_t)rb) + PG;
    mute_hi = mute_lo + PG;
    xfer_timeouts = L4ABI_TIMEOUTS(snd, rcv);
    int ran = run_job(receiver_first);
    xfer_timeouts = 0;
    mute_lo = mute_hi = 0;
    mute_who = B;
    if (!ran)
        diag("timeout_run: the jobs did not come back");
}

/* Did the sender get `s` and the receiver `r` (codes), each in its phase,
 * both at offset `off`? */
static int timeout_codes(L4_Word_t s, L4_Word_t r, L4_Word_t off)
{
    return code_of(rep_a.err) == s && !(rep_a.err & 1) && offset_of(rep_a.err) == off &&
           code_of(rep_b.err) == r && (rep_b.err & 1) && offset_of(rep_b.err) == off;
}

/* X.2 as Pistachio has it: a transfer timeout is charged to the side with
 * the shorter transfer timeout (the sender's send half against the
 * receiver's receive half; the sender on a tie): "in current space" (5)
 * there, "in partner's space" (6) on the other side, whichever side's
 * pager was slow. */
static void test_xfer_timeout(void)
{
    L4_Word_t t20 = L4_TimePeriod(20000).raw, t40 = L4_TimePeriod(40000).raw;
    const L4_Word_t SELF = L4ABI_IPCERR_XFER_TIMEOUT_SELF, PARTNER = L4ABI_IPCERR_XFER_TIMEOUT_PARTNER;

    /* Equal timeouts, the receiver's pager never answers. */
    timeout_run(B, t20, t20, 1);
    ok(timeout_codes(SELF, PARTNER, PG),
       "X.2: equal xfer timeouts, receiver's pager silent: the sender is charged (5), the "
       "receiver gets 6, offset 4096 on both (%lx/%lx)", rep_a.err, rep_b.err);
    ok(memcmp(trbuf, tsbuf, PG) == 0, "the first page arrived before the timeout");

    /* Equal timeouts, the sender's pager never answers; the receiver runs
     * the copy (the sender comes first) and hands the fault over. */
    timeout_run(A, t20, t20, 0);
    ok(timeout_codes(SELF, PARTNER, PG),
       "X.2: equal xfer timeouts, sender's pager silent: sender 5, receiver 6 (%lx/%lx)",
       rep_a.err, rep_b.err);

    /* The receiver's timeout is shorter, the sender's pager is silent. */
    timeout_run(A, t40, t20, 1);
    ok(timeout_codes(PARTNER, SELF, PG),
       "X.2: receiver's xfer timeout shorter, sender's pager silent: receiver 5, sender 6 "
       "(%lx/%lx)", rep_a.err, rep_b.err);

    /* The sender's timeout is shorter, the receiver's pager is silent. */
    timeout_run(B, t20, t40, 0);
    ok(timeout_codes(SELF, PARTNER, PG),
       "X.2: sender's xfer timeout shorter, receiver's pager silent: sender 5, receiver 6 "
       "(%lx/%lx)", rep_a.err, rep_b.err);

    /* Mixed finite and never: the finite side is shorter. */
    timeout_run(A, L4ABI_TIME_NEVER, t20, 0);
    ok(timeout_codes(PARTNER, SELF, PG),
       "X.2: sender never, receiver 20 ms, sender's pager silent: receiver 5, sender 6 "
       "(%lx/%lx)", rep_a.err, rep_b.err);
    timeout_run(B, t20, L4ABI_TIME_NEVER, 1);
    ok(timeout_codes(SELF, PARTNER, PG),
       "X.2: sender 20 ms, receiver never, receiver's pager silent: sender 5, receiver 6 "
       "(%lx/%lx)", rep_a.err, rep_b.err);

    /* Zero transfer timeout: no fault may be served at all. dsbuf's
     * second page is still not mapped in A. */
    L4_Word_t r2[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)rbuf };
    L4_Word_t s3[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), (L4_Word_t)dsbuf + PG };
    set_send(2, s3);
    set_recv(2, r2);
    pretouch_a = 0;
    log_a.n = 0;
    xfer_timeouts = L4ABI_TIMEOUTS(L4ABI_TIME_ZERO, L4ABI_TIME_NEVER);
    int ran = run_job(1);
    xfer_timeouts = 0;
    ok(ran && timeout_codes(SELF, PARTNER, 0) &&
       !saw_fault(A, (L4_Word_t)dsbuf + PG, (L4_Word_t)dsbuf + 2 * PG),
       "X.2: zero send xfer timeout: fails at the first fault without asking the pager, "
       "sender 5, receiver 6 (%lx/%lx)", rep_a.err, rep_b.err);

    /* Zero on the receiver's side, the fault on the sender's: the
     * receiver has the shorter timeout and is charged. */
    xfer_timeouts = L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_ZERO);
    ran = run_job(0);
    xfer_timeouts = 0;
    ok(ran && timeout_codes(PARTNER, SELF, 0) &&
       !saw_fault(A, (L4_Word_t)dsbuf + PG, (L4_Word_t)dsbuf + 2 * PG),
       "X.2: zero receive xfer timeout, sender's page missing: receiver 5, sender 6 (%lx/%lx)",
       rep_a.err, rep_b.err);

    /* Zero on both sides: a tie, the sender is charged. */
    xfer_timeouts = L4ABI_TIMEOUTS(L4ABI_TIME_ZERO, L4ABI_TIME_ZERO);
    ran = run_job(1);
    xfer_timeouts = 0;
    ok(ran && timeout_codes(SELF, PARTNER, 0),
       "X.2: zero xfer timeouts on both sides: sender 5, receiver 6 (%lx/%lx)",
       rep_a.err, rep_b.err);
}

/* ---- siblings: agents that act on a thread of their own space ----
 *
 * A2 lives in A's space and B2 in B's, both paged by PX (a pager thread of
 * ours that answers everything at once, so an agent never waits for a
 * pager that is busy waiting for it). Asked by an IPC, an agent does an
 * ExchangeRegisters on a thread of its space or writes a word there. */
#define AG_EXREGS 1
#define AG_POKE   2
static L4_ThreadId_t A2, B2, PX;

static void agent_main(void)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t a, b, res = 0, w;
        L4_StoreMR(1, &a);
        L4_StoreMR(2, &b);
        if (L4_Label(tag) == AG_EXREGS) {
            L4_ThreadId_t p, t = { .raw = a };
            L4_ExchangeRegisters(t, b, 0, 0, 0, 0, L4_nilthread, &res, &w, &w, &w, &w, &p);
        } else if (L4_Label(tag) == AG_POKE) {
            *(volatile L4_Word_t *)a = b;
        }
        L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
        L4_LoadMR(1, res);
        L4_Reply(from);
    }
}

static L4_Word_t agent_do(L4_ThreadId_t ag, L4_Word_t what, L4_Word_t a, L4_Word_t b)
{
    L4_LoadMR(0, L4ABI_TAG(what, 2, 0));
    L4_LoadMR(1, a);
    L4_LoadMR(2, b);
    L4_Word_t r = ~0ul;
    if (L4_IpcSucceeded(L4_Call(ag)))
        L4_StoreMR(1, &r);
    return r;
}

static void exregs_via(L4_ThreadId_t ag, L4_ThreadId_t t, L4_Word_t control)
{
    agent_do(ag, AG_EXREGS, t.raw, control);
}

static void pager_x_main(void)
{
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag) && is_fault(tag)) {
            L4_Word_t addr;
            L4_StoreMR(1, &addr);
            map_reply(from, addr, L4_Label(tag) & L4ABI_FPAGE_W);
        }
    }
}

/* Starts agent `ag` in the space of `in` (its second UTCB). */
static void agent_up(L4_ThreadId_t ag, L4_ThreadId_t in, int stack)
{
    L4_ThreadControl(ag, in, root_tid, root_tid, (void *)(UTCB_AREA + L4ABI_UTCB_SIZE));
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)child_loop);
    L4_LoadMR(2, stack_top(stack));
    L4_Send(ag);
    L4_ThreadControl(ag, ag, L4_nilthread, PX, (void *)~0ul);
    serve(1);
    go(ag, agent_main);
}

static void kill(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

/* Deletes A, B and their agents (so their spaces go) and starts A and B
 * afresh: every page is unmapped in the new spaces. Returns 1 if both
 * came up. */
static int respawn(void)
{
    kill(A2);
    kill(B2);
    kill(A);
    kill(B);
    L4_Sleep(L4_TimePeriod(5000));     /* let whatever is queued run */
    start_child(A, 0, root_tid);
    start_child(B, 1, PB);
    return serve(2) == 2;
}

/* ---- a copy that stalls on page 2 ----
 *
 * A sends 2 pages from xs to B's buffer xr; everything is mapped except
 * page 2 on `faulter`'s side. That fault is never answered (`mute`), or
 * answered after `hook` ran. */
static char xs[2 * PG] __attribute__((aligned(4096)));
static char xr[2 * PG] __attribute__((aligned(4096)));

static void stall_setup(L4_ThreadId_t faulter, int mute, void (*hook)(void))
{
    fill(xs, 2 * PG, 21);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)xs };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)xr };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = pretouch_b = 1;
    a_lo = (L4_Word_t)xs;
    a_hi = a_lo + (faulter.raw == A.raw ? PG : 2 * PG);
    b_lo = (L4_Word_t)xr;
    b_hi = b_lo + (faulter.raw == B.raw ? PG : 2 * PG);
    L4_Word_t page2 = (faulter.raw == A.raw ? (L4_Word_t)xs : (L4_Word_t)xr) + PG;
    if (mute) {
        mute_who = faulter;
        mute_lo = page2;
        mute_hi = page2 + PG;
    }
    if (hook) {
        hook_who = faulter;
        hook_lo = page2;
        hook_hi = page2 + PG;
        hook_fn = hook;
    }
}

static void stall_clear(void)
{
    mute_who = B;
    mute_lo = mute_hi = 0;
    hook_fn = 0;
    xfer_timeouts = 0;
}

/* Starts the jobs (the owner of the copy is A if owner_is_sender) and
 * lets them run into the stall: no report may come. */
static int stall_start(int owner_is_sender)
{
    log_a.n = log_b.n = 0;
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    if (owner_is_sender) {
        go(B, job_receive);
        go(A, job_send);
    } else {
        go(A, job_send);
        go(B, job_receive);
    }
    return serve_t(2, 100000) == 0;
}

static L4_ThreadId_t halt_target, halt_agent;

static void hook_halt(void)
{
    exregs_via(halt_agent, halt_target, L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_HALT);
}

static void resume(L4_ThreadId_t t)
{
    exregs_via(t.raw == A.raw ? A2 : B2, t, L4ABI_EXREGS_SET_HALT);
}

/* Issue 14 #6: a client (A, sending) whose sibling halts it while it owns
 * or runs the copy cannot keep the server (B, receiving) in the IPC. */
static void test_server_leaves(void)
{
    /* The client owns the copy; the server runs page 2 (its own fault),
     * hands the turn back to the halted client and waits. */
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    halt_target = A;
    halt_agent = A2;
    stall_setup(B, 0, hook_halt);
    int stalled = stall_start(1);
    exregs_via(B2, B, L4ABI_EXREGS_ABORT_RECV);
    int got = serve_t(1, 1000000);
    ok(stalled && got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_ABORTED && (rep_b.err & 1) &&
       offset_of(rep_b.err) == 2 * PG,
       "server aborts its receive while the client owning the copy is halted: aborted, "
       "offset 8192 (%lx)", rep_b.err);
    resume(A);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_ABORTED && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == 2 * PG,
       "... the client, resumed, ends its send with aborted, offset 8192 (%lx)", rep_a.err);
    stall_clear();
    respawn();

    /* The server owns the copy; the client, halted, holds the turn (its
     * own fault on page 2 was answered). */
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    stall_setup(A, 0, hook_halt);
    stalled = stall_start(0);
    exregs_via(B2, B, L4ABI_EXREGS_ABORT_RECV);
    got = serve_t(1, 1000000);
    ok(stalled && got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_ABORTED && (rep_b.err & 1) &&
       offset_of(rep_b.err) == PG,
       "server owning the copy aborts while the halted client holds the turn: aborted, "
       "offset 4096 (%lx)", rep_b.err);
    resume(A);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_ABORTED && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG,
       "... the client, resumed, finds its send aborted, offset 4096 (%lx)", rep_a.err);
    stall_clear();
    respawn();

    /* No abort: the transfer timeout (300 ms) bounds the server's wait
     * for its turn too (it started at the server's fault). */
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    stall_setup(B, 0, hook_halt);
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(300000).raw, L4_TimePeriod(300000).raw);
    stalled = stall_start(1);
    got = serve_t(1, 1000000);
    ok(stalled && got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER &&
       (rep_b.err & 1) && offset_of(rep_b.err) == 2 * PG,
       "transfer timeout fires while the server waits for a halted client: timeout in "
       "partner's space, offset 8192 (%lx)", rep_b.err);
    resume(A);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && !(rep_a.err & 1),
       "... the halted client gets the timeout in its own space (%lx)", rep_a.err);
    stall_clear();
    respawn();

    /* The same with the server owning the copy: it waits for the halted
     * client holding the turn, until the deadline. */
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    stall_setup(A, 0, hook_halt);
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(300000).raw, L4_TimePeriod(300000).raw);
    stalled = stall_start(0);
    got = serve_t(1, 1000000);
    ok(stalled && got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER &&
       (rep_b.err & 1) && offset_of(rep_b.err) == PG,
       "transfer timeout fires while the server owning the copy waits for the halted client "
       "holding the turn: timeout in partner's space, offset 4096 (%lx)", rep_b.err);
    resume(A);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && !(rep_a.err & 1),
       "... the client, resumed, gets the timeout in its own space (%lx)", rep_a.err);
    stall_clear();
    ok(respawn(), "client and server recreated");
}

/* A receiver halted by its sibling while it waits, before the copy meets
 * its first fault: the sender, owning the copy, finds the receiver's page
 * missing and hands it the turn for that fault; the receiver, halted,
 * never runs. The sender's wait is bounded by the transfer timeouts
 * (found by `make fuzz SEED=5001 N=1000000`: the driver stayed in the
 * copy for good). */
static void test_halted_before_turn(void)
{
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    stall_setup(B, 1, 0);
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(300000).raw, L4_TimePeriod(300000).raw);
    log_a.n = log_b.n = 0;
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    go(B, job_receive);
    int waiting = serve_t(1, 50000) == 0;       /* B touched page 1, waits */
    exregs_via(B2, B, L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_HALT);
    go(A, job_send);
    int got = serve_t(1, 1000000);
    ok(waiting && got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF &&
       !(rep_a.err & 1) && offset_of(rep_a.err) == PG,
       "a sender handing the turn to a receiver halted before its first fault leaves "
       "at the transfer timeout, offset 4096 (%lx)", rep_a.err);
    resume(B);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER && (rep_b.err & 1),
       "... the receiver, resumed, gets the timeout in its partner's space (%lx)", rep_b.err);
    stall_clear();
    respawn();

    /* The same with a zero receive xfer timeout: no deadline to wait
     * for, so the copy ends at the fault, without handing the turn over
     * (`make fuzz SEED=7000 N=1000000`). */
    agent_up(A2, A, 6);
    agent_up(B2, B, 7);
    stall_setup(B, 1, 0);
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(300000).raw, L4_ZeroTime.raw);
    log_a.n = log_b.n = 0;
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    go(B, job_receive);
    waiting = serve_t(1, 50000) == 0;
    exregs_via(B2, B, L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_HALT);
    go(A, job_send);
    got = serve_t(1, 1000000);
    ok(waiting && got == 1 && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER &&
       !(rep_a.err & 1) && offset_of(rep_a.err) == PG,
       "... with a zero receive xfer timeout the copy ends at the fault: timeout in the "
       "partner's space for the sender, offset 4096 (%lx)", rep_a.err);
    resume(B);
    got = serve_t(1, 1000000);
    ok(got == 1 && code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && (rep_b.err & 1),
       "... the receiver, resumed, gets the timeout in its own space (%lx)", rep_b.err);
    stall_clear();
    respawn();
}

/* Issue 14 #13: every order of deletion of the two sides while the copy
 * is stalled in every way: the owner or the partner waits for a pager
 * that never answers, or is halted (by its sibling) at its turn. The
 * survivor of the first deletion leaves with "aborted" (unless it is the
 * halted one), and after the second one the kernel still works. */
enum stall { OWNER_FAULT, PARTNER_FAULT, PARTNER_HALTED, OWNER_HALTED };
static const char *const stall_name[] = {
    "the owner waits for its pager", "the partner waits for its pager",
    "the partner is halted holding the turn", "the owner is halted at its turn",
};

static void deletion_case(int owner_is_sender, enum stall st, int owner_first)
{
    L4_ThreadId_t owner = owner_is_sender ? A : B, partner = owner_is_sender ? B : A;
    int halts = st == PARTNER_HALTED || st == OWNER_HALTED;
    if (halts) {
        agent_up(A2, A, 6);
        agent_up(B2, B, 7);
        halt_target = st == PARTNER_HALTED ? partner : owner;
        halt_agent = halt_target.raw == A.raw ? A2 : B2;
    }
    L4_ThreadId_t faulter = st == OWNER_FAULT ? owner : partner;
    stall_setup(faulter, !halts, halts ? hook_halt : 0);
    int stalled = stall_start(owner_is_sender);

    L4_ThreadId_t first = owner_first ? owner : partner, second = owner_first ? partner : owner;
    kill(first);
    if (halts)
        kill(first.raw == A.raw ? A2 : B2);    /* its space goes too */
    int survivor_halted = halts && halt_target.raw == second.raw;
    struct report *rs = second.raw == B.raw ? &rep_b : &rep_a;
    int got = survivor_halted ? 1 : serve_t(1, 1000000);
    L4_Word_t err = rs->err;
    int left = survivor_halted ||
               (code_of(err) == L4ABI_IPCERR_ABORTED && (err & 1) == (second.raw == B.raw));
    kill(second);
    stall_clear();
    int up = respawn();
    ok(stalled && got == 1 && left && up,
       "%s owns the copy, %s; %s deleted, then %s: survivor %s, kernel fine (%lx)",
       owner_is_sender ? "sender" : "receiver", stall_name[st],
       owner_first ? "owner" : "partner", owner_first ? "partner" : "owner",
       survivor_halted ? "halted" : "aborted", err);
}

/* The receiver's pager is deleted while the receiver, running the copy,
 * waits for it: the fault IPC fails, both sides come back as after a
 * transfer timeout, charged by the same rule (both xfer timeouts never, a
 * tie: 5 for the sender, 6 for the receiver), and the pager can be
 * recreated. */
static void test_pager_deleted(void)
{
    stall_setup(B, 1, 0);
    int stalled = stall_start(1);
    kill(PB);
    int got = serve_t(2, 1000000);
    ok(stalled && got == 2 && code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER &&
       (rep_b.err & 1) && offset_of(rep_b.err) == PG &&
       code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG,
       "receiver's pager deleted during its fault in the copy: ends like a transfer timeout, "
       "equal timeouts charge the sender: sender 5, receiver 6 (%lx/%lx)",
       rep_a.err, rep_b.err);
    stall_clear();
    L4_ThreadControl(PB, root_tid, root_tid, root_tid,
                     (void *)(UTCB_AREA + 2 * L4ABI_UTCB_SIZE));
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)pager_b_main);
    L4_LoadMR(2, stack_top(3));
    L4_Send(PB);
    ok(respawn(), "pager recreated, client and server recreated");
}

/* Issue 14 #6 without any page fault: S, owning a 12 MiB copy to R2, is
 * preempted between two steps by H, which halts it there. R2's transfer
 * timeout (50 ms) bounds its wait for a runner that is switched out. */
static volatile int halted_mid;

static void h_halt_main(void)
{
    for (;;) {
        L4_Sleep(L4_TimePeriod(300));
        if (big_go && big_r[0] != 0) {
            L4_Word_t st, w;
            L4_ThreadId_t p;
            L4_ExchangeRegisters(S, L4ABI_EXREGS_SET_HALT | L4ABI_EXREGS_HALT, 0, 0, 0, 0,
                                 L4_nilthread, &st, &w, &w, &w, &w, &p);
            halted_mid = big_r[BIGN * BIGSUB - 1] == 0;
            L4_Sleep(L4_Never);
        }
    }
}

static void exregs_local(L4_ThreadId_t t, L4_Word_t control)
{
    L4_Word_t st, w;
    L4_ThreadId_t p;
    L4_ExchangeRegisters(t, control, 0, 0, 0, 0, L4_nilthread, &st, &w, &w, &w, &w, &p);
}

/* With a 50 ms transfer timeout (timed) R2 gets out by itself; without one
 * (never), its sibling (us) aborts its receive. */
static void halted_mid_copy(int timed)
{
    for (L4_Word_t i = 0; i < sizeof big_s; i += PG) {
        big_s[i] = (char)(i / PG) | 1;      /* every page mapped, non-zero */
        big_r[i] = 0;
    }
    big_r[sizeof big_r - 1] = 0;
    big_go = 0;
    halted_mid = -1;
    R2 = tid(63);
    H = tid(64);
    start_local(R2, 3, child_loop, 4);
    serve(1);
    start_local(H, 4, h_halt_main, 5);
    L4_Set_Priority(H, 200);
    memset(&rep_a, 0, sizeof rep_a);
    memset(&rep_b, 0, sizeof rep_b);
    if (timed)
        xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(50000).raw, L4_TimePeriod(50000).raw);
    go(R2, job_big_recv);
    go(S, job_big_send);
    int got;
    L4_Word_t want_r = L4ABI_IPCERR_XFER_TIMEOUT_PARTNER, want_s = L4ABI_IPCERR_XFER_TIMEOUT_SELF;
    if (timed) {
        got = serve_t(1, 2000000);
    } else {
        got = serve_t(1, 200000) == 0;     /* stuck until aborted */
        exregs_local(R2, L4ABI_EXREGS_ABORT_RECV);
        got = got && serve_t(1, 1000000) == 1;
        want_r = want_s = L4ABI_IPCERR_ABORTED;
    }
    ok(got == 1 && halted_mid == 1 && code_of(rep_b.err) == want_r &&
       (rep_b.err & 1) && offset_of(rep_b.err) > 0 && offset_of(rep_b.err) < BIGN * BIGSUB,
       timed ? "owner halted between two steps of a copy without faults: the receiver's "
               "transfer timeout still fires (%lx, halted mid-copy %d)"
             : "owner halted between two steps of a copy, no timeouts: the receiver's "
               "sibling aborts it out of the copy (%lx, halted mid-copy %d)",
       rep_b.err, halted_mid);
    exregs_local(S, L4ABI_EXREGS_SET_HALT);
    got = serve_t(1, 2000000);
    ok(got == 1 && code_of(rep_a.err) == want_s && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == offset_of(rep_b.err),
       "... the sender, resumed, ends with %s at the same offset (%lx)",
       timed ? "the timeout in its own space" : "aborted", rep_a.err);
    xfer_timeouts = 0;
    big_go = 0;
    kill(H);
    kill(R2);
    R2 = L4_nilthread;
}

static void test_halted_mid_copy(void)
{
    halted_mid_copy(1);
    halted_mid_copy(0);
}

static void test_delete_orders(void)
{
    for (int o = 1; o >= 0; o--)
        for (int st = OWNER_FAULT; st <= OWNER_HALTED; st++)
            for (int f = 0; f < 2; f++)
                deletion_case(o, (enum stall)st, f);
}

/* Issue 14 #9: the typed items and receive buffers a transfer uses are
 * read once, before the first string: a sibling that rewrites the
 * sender's MRs or the receiver's BRs while a string item blocks changes
 * nothing, and the receiver's words describe what arrived. S (our thread)
 * sends two strings to B; B faults on page 2 of the first buffer and its
 * pager PB (S's sibling) rewrites meanwhile. */
static char ys[2 * PG] __attribute__((aligned(4096)));
static char ys2[PG] __attribute__((aligned(4096)));
static char yr[5 * PG] __attribute__((aligned(4096)));

static L4_Word_t *mr_of_s(int i)
{
    return (L4_Word_t *)(UTCB_AREA + L4ABI_UTCB_SIZE + L4ABI_UTCB_MR0_OFFSET) + i;
}

static void hook_rewrite_mr(void)
{
    *mr_of_s(3) = L4ABI_STRITEM_W0(300, 1, 0, 0);    /* item 2: 100 -> 300 bytes */
}

static void hook_rewrite_br(void)
{
    /* B's BR3 (buffer 2's header): 4096 -> 16 bytes. */
    L4_Word_t br3 = (L4_Word_t)((L4_Word_t *)(UTCB_AREA + L4ABI_UTCB_MR0_OFFSET) +
                                L4ABI_UTCB_BR(3));
    agent_do(B2, AG_POKE, br3, L4ABI_STRITEM_W0(16, 1, 0, 0));
}

static void snapshot_run(L4_Word_t buf1, void (*hook)(void))
{
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 1), (L4_Word_t)ys,
                      L4ABI_STRITEM_W0(100, 1, 0, 0), (L4_Word_t)ys2 };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 1), buf1,
                      L4ABI_STRITEM_W0(PG, 1, 0, 0), (L4_Word_t)yr };
    set_send(4, s);
    set_recv(4, r);
    memset(yr, 0, PG);
    pretouch_a = 0;
    pretouch_b = 1;
    b_lo = buf1;
    b_hi = buf1 + PG;
    hook_who = B;
    hook_lo = buf1 + PG;
    hook_hi = hook_lo + PG;
    hook_fn = hook;
    sender = S;
    run_job(1);
    sender = A;
    hook_fn = 0;
}

static void test_snapshot(void)
{
    fill(ys, 2 * PG, 5);
    fill(ys2, PG, 6);
    /* yr: page 0 buffer 2 (B maps it in run 1), pages 1-2 and 3-4 buffer 1. */
    memset(yr, 0, sizeof yr);
    touch((L4_Word_t)yr, (L4_Word_t)yr + PG, 1);
    snapshot_run((L4_Word_t)yr + PG, hook_rewrite_mr);
    int zero = 1;
    for (int i = 100; i < 300; i++)
        zero &= yr[i] == 0;
    ok(rep_a.err == 0 && rep_b.err == 0 && rep_b.w[2] == L4ABI_STRITEM_W0(100, 1, 0, 0) &&
       memcmp(yr, ys2, 100) == 0 && zero && memcmp(yr + PG, ys, 2 * PG) == 0,
       "sender's MRs rewritten during a blocked string: the item sent is the one the receiver "
       "was told of (%lx/%lx)", rep_a.err, rep_b.err);

    agent_up(B2, B, 7);
    snapshot_run((L4_Word_t)yr + 3 * PG, hook_rewrite_br);
    ok(rep_a.err == 0 && rep_b.err == 0 && memcmp(yr, ys2, 100) == 0 &&
       memcmp(yr + 3 * PG, ys, 2 * PG) == 0,
       "receiver's BRs rewritten during a blocked string: the buffers given at the start "
       "are used (%lx/%lx)", rep_a.err, rep_b.err);
    kill(B2);
}

int main(void)
{
    root_tid = L4_Myself();
    A = tid(100);
    B = tid(101);
    S = tid(60);
    PB = tid(62);
    PX = tid(65);
    A2 = tid(102);
    B2 = tid(103);
    sender = A;
    mute_who = B;
    tap_plan(55 + 2 + 9 + 2 + 4 + 16 + 4);
    ok(L4_ThreadControl(PB, root_tid, root_tid, root_tid,
                        (void *)(UTCB_AREA + 2 * L4ABI_UTCB_SIZE)) == 1, "B's pager thread");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)pager_b_main);
    L4_LoadMR(2, stack_top(3));
    L4_Send(PB);
    L4_ThreadControl(PX, root_tid, root_tid, root_tid,
                     (void *)(UTCB_AREA + 5 * L4ABI_UTCB_SIZE));
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)pager_x_main);
    L4_LoadMR(2, stack_top(8));
    L4_Send(PX);
    start_child(A, 0, root_tid);
    start_child(B, 1, PB);
    ok(serve(2) == 2, "two child spaces up, A paged by us, B by PB");
    ok(L4_ThreadControl(S, root_tid, root_tid, root_tid,
                        (void *)(0xbfe00000u + L4ABI_UTCB_SIZE)) == 1, "local sender thread");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)child_loop);
    L4_LoadMR(2, stack_top(2));
    L4_Send(S);
    serve(1);

    test_simple();
    test_compound();
    test_overflow();
    test_zero_length();
    test_kernel_addresses();
    test_faults();
    test_faults_receiver_copies();
    test_reply_to_fast_caller();
    test_xfer_timeout();
    test_abort();
    test_preemption();
    test_delete();
    test_snapshot();
    test_server_leaves();
    test_halted_before_turn();
    test_pager_deleted();
    test_halted_mid_copy();
    test_delete_orders();

    /* Still alive and copying after all that. */
    test_simple();

    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
