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
static L4_Word_t stacks[6][STACK_WORDS] __attribute__((aligned(16)));

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
    L4_MsgTag_t tag = L4_Send(R2);
    report_result(tag);
}

static void job_big_recv(void)
{
    L4_LoadBR(0, L4ABI_ACCEPT_STRINGS);
    L4_LoadBR(1, L4ABI_STRITEM_W0(BIGSUB, BIGN, 0, 0));
    for (int i = 0; i < BIGN; i++)
        L4_LoadBR(2 + i, (L4_Word_t)big_r + (L4_Word_t)i * BIGSUB);
    L4_MsgTag_t tag = L4_Receive(S);
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

/* Serves faults until `n` reports arrived (2 s without traffic: give up).
 * Returns the number of reports. */
static int serve(int n)
{
    int got = 0;
    while (got < n) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(2000000), &from);
        if (L4_IpcFailed(tag)) {
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
       offset_of(rep_a.err) == 100,
       "buffer too small: sender gets overflow, send phase, offset 100 (%lx)", rep_a.err);
    ok(code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && (rep_b.err & 1) &&
       offset_of(rep_b.err) == 100,
       "buffer too small: receiver gets overflow, receive phase, offset 100 (%lx)", rep_b.err);
    ok(memcmp(rbuf, sbuf, 100) == 0 && rbuf[1000] == 0,
       "the first string arrived, nothing of the second");

    /* More strings than buffers. */
    set_recv(2, r);
    rcv_words[0] &= ~(L4_Word_t)L4ABI_ITEM_CONT;
    ran = run_job(1);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW && offset_of(rep_b.err) == 100,
       "more strings than buffers: overflow at offset 100");

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

    /* A buffer reaching into kernel space. */
    L4_Word_t s2[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), (L4_Word_t)sbuf };
    L4_Word_t r2[] = { L4ABI_STRITEM_W0(0x2000, 1, 0, 0), 0xbffff000u };
    set_send(2, s2);
    set_recv(2, r2);
    pretouch_b = 0;
    ran = run_job(0);
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_OVERFLOW &&
       code_of(rep_b.err) == L4ABI_IPCERR_OVERFLOW,
       "buffer crossing 0xC0000000 refused on both sides (%lx/%lx)", rep_a.err, rep_b.err);

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

static void test_xfer_timeout(void)
{
    /* Page 1 of the receive buffer is mapped, page 2 never will be. */
    fill(tsbuf, 2 * PG, 44);
    L4_Word_t s[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)tsbuf };
    L4_Word_t r[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)trbuf };
    set_send(2, s);
    set_recv(2, r);
    pretouch_a = 1;
    a_lo = (L4_Word_t)tsbuf; a_hi = a_lo + 2 * PG;
    pretouch_b = 1;
    b_lo = (L4_Word_t)trbuf; b_hi = b_lo + PG;
    mute_lo = (L4_Word_t)trbuf + PG;
    mute_hi = mute_lo + PG;
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(20000).raw, L4_TimePeriod(20000).raw);
    int ran = run_job(1);
    xfer_timeouts = 0;
    mute_lo = mute_hi = 0;
    ok(ran, "both sides come back when the receiver's pager never answers");
    ok(code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG,
       "sender: transfer timeout in partner's space, offset 4096 (%lx)", rep_a.err);
    ok(code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && (rep_b.err & 1) &&
       offset_of(rep_b.err) == PG,
       "receiver: transfer timeout in own space, offset 4096 (%lx)", rep_b.err);
    ok(memcmp(trbuf, tsbuf, PG) == 0, "the first page arrived before the timeout");

    /* The sender's pager never answers, the receiver runs the copy (the
     * sender comes first) and hands the fault over to the sender. */
    L4_Word_t s2[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)dsbuf };
    L4_Word_t r2[] = { L4ABI_STRITEM_W0(2 * PG, 1, 0, 0), (L4_Word_t)rbuf };
    fill(dsbuf, 2 * PG, 77);
    set_send(2, s2);
    set_recv(2, r2);
    pretouch_a = 1;
    a_lo = (L4_Word_t)dsbuf; a_hi = a_lo + PG;
    pretouch_b = 1;
    b_lo = (L4_Word_t)rbuf; b_hi = b_lo + 2 * PG;
    mute_who = A;
    mute_lo = (L4_Word_t)dsbuf + PG;
    mute_hi = mute_lo + PG;
    xfer_timeouts = L4ABI_TIMEOUTS(L4_TimePeriod(20000).raw, L4_TimePeriod(20000).raw);
    ran = run_job(0);
    xfer_timeouts = 0;
    mute_lo = mute_hi = 0;
    mute_who = B;
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF && !(rep_a.err & 1) &&
       offset_of(rep_a.err) == PG,
       "sender's pager silent: sender gets timeout in own space (%lx)", rep_a.err);
    ok(code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER && (rep_b.err & 1) &&
       offset_of(rep_b.err) == PG,
       "... receiver gets timeout in partner's space (%lx)", rep_b.err);

    /* Zero transfer timeout: no fault may be served at all. dsbuf's
     * second page is still not mapped in A. */
    L4_Word_t s3[] = { L4ABI_STRITEM_W0(64, 1, 0, 0), (L4_Word_t)dsbuf + PG };
    set_send(2, s3);
    set_recv(2, r2);
    pretouch_a = 0;
    xfer_timeouts = L4ABI_TIMEOUTS(L4ABI_TIME_ZERO, L4ABI_TIME_NEVER);
    ran = run_job(1);
    xfer_timeouts = 0;
    ok(ran && code_of(rep_a.err) == L4ABI_IPCERR_XFER_TIMEOUT_SELF &&
       code_of(rep_b.err) == L4ABI_IPCERR_XFER_TIMEOUT_PARTNER && offset_of(rep_a.err) == 0 &&
       !saw_fault(A, (L4_Word_t)dsbuf + PG, (L4_Word_t)dsbuf + 2 * PG),
       "zero transfer timeout: fails at the first fault without asking the pager (%lx/%lx)",
       rep_a.err, rep_b.err);
}

int main(void)
{
    root_tid = L4_Myself();
    A = tid(100);
    B = tid(101);
    S = tid(60);
    PB = tid(62);
    sender = A;
    mute_who = B;
    tap_plan(48);
    ok(L4_ThreadControl(PB, root_tid, root_tid, root_tid,
                        (void *)(UTCB_AREA + 2 * L4ABI_UTCB_SIZE)) == 1, "B's pager thread");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)pager_b_main);
    L4_LoadMR(2, stack_top(3));
    L4_Send(PB);
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

    /* Still alive and copying after all that. */
    test_simple();

    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
