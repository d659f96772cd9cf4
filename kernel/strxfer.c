/* Typed items and X.2 string copies (design: docs/strings.md).
 *
 * Who copies: the thread that completes the rendezvous (the "owner",
 * current in transfer()) starts the copy; the partner is blocked in
 * TS_XFER. Both buffers are reached only through the copy windows
 * (paging_copy_window), i.e. through frames the buffers' owners have mapped
 * at those user addresses; every address is checked to lie below
 * USER_LIMIT before use.
 *
 * Faults: the thread running the copy (the "runner") only ever faults on
 * its own behalf, as a page-fault IPC to its own pager bounded by the
 * transfer timeout. A page missing in the partner's space hands the copy
 * over: the partner becomes runner with "fault at A, then go on", and the
 * old runner waits in TS_XFER. When a string item is done the turn returns
 * to the owner, whose kernel stack holds the copy state and who finishes
 * the IPC. Neither side is released while the copy is in progress. */
#include "strxfer.h"
#include "strchain.h"
#include "map.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "string.h"
#include "timeout.h"
#include "pagefault.h"
#include "ipc.h"
#include "mdb.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/cpu.h"

struct xfer {
    struct tcb *s, *r;
    struct tcb *owner;          /* whose stack holds this; finishes the IPC */
    struct tcb *runner;         /* running the copy; the other is TS_XFER */
    uint16_t snd_to, rcv_to;    /* sender's send, receiver's receive xfer timeout */
    bool timed;                 /* deadline set (at the first fault) */
    uint64_t deadline;          /* bound for pager IPCs (DEADLINE_NEVER/NOW) */
    uint32_t done;              /* bytes copied by the whole IPC */
    /* the current string item: snapshots of both descriptor chains */
    uint32_t sw[STRCHAIN_MAX], bw[L4ABI_NUM_BRS];  /* bw: limit <= 32 */
    uint32_t len, off;          /* its length, bytes copied */
    uint32_t fault_addr;        /* pending fault for the runner's own pager */
    uint8_t fault_rwx;
    bool fault_pending;
    bool in_fault;              /* runner is in its page-fault IPC */
    bool item_over;
    bool abort;                 /* ExchangeRegisters abort */
    bool gone;                  /* the non-owner partner was deleted */
    uint8_t code;               /* 0 or L4ABI_IPCERR_* */
    struct tcb *fault_side;     /* for transfer timeouts: whose pager */
};

/* ---- pages ---- */

/* The frame behind va in t's space if present (and writable if `write`).
 * sigma0's memory appears on demand, as for its own accesses. */
static bool user_page(struct tcb *t, uint32_t va, bool write, uint32_t *pa)
{
    unsigned log2;
    struct space *sp = t->space;
    uint32_t pte = pd_lookup(sp->pd, va, &log2);
    if (!(pte & PTE_P) && sp->sigma0 &&
        sigma0_map(sp, va, write ? L4ABI_FPAGE_W : L4ABI_FPAGE_R))
        pte = pd_lookup(sp->pd, va, &log2);
    if (!(pte & PTE_P) || (write && !(pte & PTE_W)))
        return false;
    uint32_t mask = (1u << log2) - 1;
    *pa = (pte & ~mask) + (va & mask);
    return true;
}

/* Copies n bytes as words plus a byte tail (the windows never fault). */
static void copy_bytes(void *d, const void *s, uint32_t n)
{
    uint32_t words = n >> 2, tail = n & 3;
    __asm__ volatile("rep movsl\n\tmovl %3, %%ecx\n\trep movsb"
                     : "+D"(d), "+S"(s), "+c"(words) : "r"(tail) : "memory");
}

/* ---- turns ---- */

static void hand_to(struct xfer *x, struct tcb *t)
{
    x->runner = t;
    current->state = TS_XFER;
    t->state = TS_READY;
    sched_enqueue(t);
}

/* The transfer deadline runs from the first page fault of the copy: the
 * earlier of the sender's send and the receiver's receive xfer timeout. */
static void set_deadline(struct xfer *x)
{
    x->timed = true;
    x->deadline = DEADLINE_NEVER;
    if (x->snd_to == L4ABI_TIME_NEVER && x->rcv_to == L4ABI_TIME_NEVER)
        return;
    uint64_t now = sched_now_us();
    uint64_t a = timeout_deadline(x->snd_to, now), b = timeout_deadline(x->rcv_to, now);
    /* NEVER is 0 and NOW the maximum: take the earlier real one. */
    if (a == DEADLINE_NOW || b == DEADLINE_NOW)
        x->deadline = DEADLINE_NOW;
    else if (a == DEADLINE_NEVER || (b != DEADLINE_NEVER && b < a))
        x->deadline = b;
    else
        x->deadline = a;
}

/* The runner's own page fault, bounded by the transfer deadline. The
 * nested IPC must leave no trace on the runner's IPC state or registers. */
static uint32_t own_fault(struct xfer *x, uint32_t addr, unsigned rwx)
{
    struct tcb *me = current;
    if (me->space->sigma0)
        return sigma0_map(me->space, addr, rwx) ? 0 : L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0);
    uint16_t to = L4ABI_TIME_NEVER;
    if (!x->timed)
        set_deadline(x);
    if (x->deadline != DEADLINE_NEVER) {
        uint64_t now = sched_now_us();
        if (x->deadline == DEADLINE_NOW || now >= x->deadline)
            return L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0);
        to = time_encode_period(x->deadline - now);
    }
    uint32_t mrs[L4ABI_NUM_MRS];
    copy_words(mrs, me->mr, L4ABI_NUM_MRS);
    uint32_t from = me->ipc_from, error = me->ipc_error, partner = me->partner;
    uint32_t rspec = me->recv_spec;
    uint16_t rto = me->recv_timeout;
    bool done = me->ipc_done;

    x->in_fault = true;
    uint32_t err = pagefault_ipc(me, addr, rwx, tcb_frame(me)->eip,
                                 L4ABI_TIMEOUTS(to, to));
    /* x may be gone now (the owner was deleted): see run(). */
    copy_words(me->mr, mrs, L4ABI_NUM_MRS);
    me->ipc_from = from;
    me->ipc_error = error;
    me->partner = partner;
    me->recv_spec = rspec;
    me->recv_timeout = rto;
    me->ipc_done = done;
    me->state = TS_READY;
    return err;
}

static void end_item(struct xfer *x, uint8_t code)
{
    if (code && !x->code)
        x->code = code;
    x->item_over = true;
    paging_copy_window_clear(0);
    paging_copy_window_clear(1);
}

/* Runs the copy of the current item as current (== x->runner) until the
 * item is over or the turn goes to the partner. */
static void run(struct xfer *x)
{
    struct tcb *me = current;
    while (!x->item_over) {
        if (x->abort || x->gone) {
            end_item(x, L4ABI_IPCERR_ABORTED);
            break;
        }
        if (x->fault_pending) {
            uint32_t err = own_fault(x, x->fault_addr, x->fault_rwx);
            if (me->xfer != x) {
                /* Torn down under us (the owner was deleted): our IPC
                 * ends with the error the deleter left. */
                me->ipc_error = me->xfer_err;
                me->ipc_done = true;
                return;
            }
            x->in_fault = false;
            x->fault_pending = false;
            if (x->abort || x->gone)
                continue;
            if (err) {
                x->fault_side = me;
                end_item(x, L4ABI_IPCERR_XFER_TIMEOUT_SELF);
                break;
            }
            continue;       /* look at the page again */
        }
        if (x->off == x->len) {
            end_item(x, 0);
            break;
        }
        uint32_t sa, sleft, ra, rleft;
        strchain_locate(x->sw, x->off, &sa, &sleft);
        strchain_locate(x->bw, x->off, &ra, &rleft);
        uint32_t n = sleft < rleft ? sleft : rleft;
        if (n > PAGE_SIZE - (sa & (PAGE_SIZE - 1)))
            n = PAGE_SIZE - (sa & (PAGE_SIZE - 1));
        if (n > PAGE_SIZE - (ra & (PAGE_SIZE - 1)))
            n = PAGE_SIZE - (ra & (PAGE_SIZE - 1));

        if (space_in_kip_area(x->r->space, ra)) {
            /* The KIP is never writable: a pager could not help. */
            end_item(x, L4ABI_IPCERR_OVERFLOW);
            break;
        }
        uint32_t spa, rpa;
        struct tcb *who = NULL;
        if (!user_page(x->s, sa, false, &spa)) {
            who = x->s;
            x->fault_addr = sa;
            x->fault_rwx = L4ABI_FPAGE_R;
        } else if (!user_page(x->r, ra, true, &rpa)) {
            who = x->r;
            x->fault_addr = ra;
            x->fault_rwx = L4ABI_FPAGE_W;
        }
        if (who) {
            x->fault_pending = true;
            if (who != me) {
                hand_to(x, who);
                return;
            }
            continue;
        }
        /* Both pages present; nothing can fault or preempt us here. */
        const void *src = paging_copy_window(0, spa, false);
        void *dst = paging_copy_window(1, rpa, true);
        copy_bytes(dst, src, n);
        pd_touch(x->s->space->pd, sa, false);
        pd_touch(x->r->space->pd, ra, true);
        x->off += n;
        x->done += n;
        /* Preemption point between steps, so that a long message does not
         * hold off interrupts and higher priorities: nothing is half done
         * here, and everything is looked at again after a switch. */
        irq_window();
        if (sched_need_resched()) {
            schedule();
            if (me->xfer != x) {
                me->ipc_error = me->xfer_err;   /* torn down meanwhile */
                me->ipc_done = true;
                return;
            }
        }
    }
    if (me != x->owner)
        hand_to(x, x->owner);
}

/* The owner's side of one string item: run or wait until it is over. */
static void copy_item(struct xfer *x)
{
    struct tcb *me = current;
    x->off = 0;
    x->item_over = false;
    x->fault_pending = false;
    x->runner = me;
    for (;;) {
        if (x->runner == me) {
            run(x);
            if (x->item_over && x->runner == me)
                return;
        }
        sched_block();      /* TS_XFER until the turn comes back */
    }
}

void xfer_wait_turns(struct tcb *self)
{
    for (;;) {
        struct xfer *x = self->xfer;
        if (!x || x->owner == self)
            return;
        if (x->runner == self) {
            if (x->in_fault)
                return;     /* woken by our own page-fault IPC */
            run(x);
            if (self->xfer != x)
                return;
        }
        sched_block();
    }
}

static uint32_t side_error(const struct xfer *x, const struct tcb *t)
{
    uint32_t code = x->code;
    if (code == L4ABI_IPCERR_XFER_TIMEOUT_SELF && x->fault_side != t)
        code = L4ABI_IPCERR_XFER_TIMEOUT_PARTNER;
    return code ? L4ABI_IPCERR(code, t == x->r, x->done) : 0;
}

/* Starts the copy state the first time a string needs copying. */
static void xfer_begin(struct xfer *x, struct tcb *s, struct tcb *r)
{
    struct tcb *me = current, *other = me == s ? r : s;
    x->snd_to = L4ABI_TIMEOUTS_SND(UTCB(s, L4ABI_UTCB_XFERTIMEOUTS));
    x->rcv_to = L4ABI_TIMEOUTS_RCV(UTCB(r, L4ABI_UTCB_XFERTIMEOUTS));
    x->timed = false;
    x->owner = me;
    x->runner = me;
    s->xfer = r->xfer = x;
    other->xfer_err = 0;
    sched_cancel_wakeup(other);
    other->state = TS_XFER;
}

/* Map items pause between pieces of mapping work (mdb.h). That is safe
 * once the copy state is up: the partner is TS_XFER (no timeout, no
 * interrupt delivery), its deletion sets x->gone and an abort x->abort,
 * and both stop the item. The state is set up at the first pause, so that
 * short items (a page-fault reply) do not pay for it. A map item that
 * arrives while either side is already in another copy (a pager's reply
 * to a copying thread's page fault) cannot pause: it does
 * MAP_NESTED_BUDGET chunks of work and stops (the thread faults again for
 * the rest). */
#define MAP_NESTED_BUDGET 3u

struct map_yield {
    struct mdb_yield y;
    struct xfer *x;
    bool *started;
    bool preemptible;
    unsigned budget;
};

static void xfer_begin(struct xfer *x, struct tcb *s, struct tcb *r);

static bool map_yield_fn(void *arg)
{
    struct map_yield *m = arg;
    if (!m->preemptible)
        return m->budget-- > 0;
    if (!*m->started) {
        xfer_begin(m->x, m->x->s, m->x->r);
        *m->started = true;
    }
    (void)sched_preempt_point();
    return !m->x->gone && !m->x->abort;
}

bool xfer_typed_items(struct tcb *s, struct tcb *r, uint32_t first, uint32_t t,
                      uint32_t *serr, uint32_t *rerr)
{
    struct xfer x = { .s = s, .r = r };
    bool started = false;
    uint32_t acceptor = r->mr[L4ABI_UTCB_BR(0)];
    uint32_t window = acceptor & L4ABI_ACCEPT_WINDOW_MASK;
    /* Next receive buffer (its BR index), 0 when none is left. */
    uint32_t buf = (acceptor & L4ABI_ACCEPT_STRINGS) ? 1 : 0;
    uint32_t end = first + t;
    bool mapped = false;                /* a map item came before */

    for (uint32_t i = first; i < end && !x.code; ) {
        uint32_t w0 = s->mr[i];
        if (!L4ABI_ITEM_IS_STRING(w0)) {
            if (i + 1 >= end) {
                x.code = L4ABI_IPCERR_OVERFLOW;
                break;
            }
            uint32_t type = w0 & L4ABI_ITEM_TYPE_MASK;
            if (type == L4ABI_ITEM_MAP || type == L4ABI_ITEM_GRANT) {
                struct map_yield my = { { map_yield_fn, &my }, &x, &started,
                                        started || (!s->xfer && !r->xfer),
                                        MAP_NESTED_BUDGET };
                /* Between two map items a preemption point too (one item
                 * pauses only between its own pieces). */
                if (!mapped || map_yield_fn(&my))
                    map_item(s, r, w0, s->mr[i + 1], window, &my.y);
                mapped = true;
                if (x.gone || x.abort) {
                    x.code = L4ABI_IPCERR_ABORTED;
                    break;
                }
            }
            i += 2;
            continue;
        }
        bool bad = false;
        uint32_t cap = 0;
        uint32_t n = strchain_copy(&s->mr[i], 1, end - i, USER_LIMIT, x.sw,
                                   &x.len, &bad);
        uint32_t m = buf ? strchain_copy(&r->mr[L4ABI_UTCB_BR(buf)], -1,
                                         L4ABI_NUM_BRS - buf, USER_LIMIT, x.bw,
                                         &cap, &bad) : 0;
        /* No buffer left, a malformed item or buffer, a string outside
         * user space, or a buffer too small: message overflow. */
        if (!n || !m || bad || x.len > cap) {
            x.code = L4ABI_IPCERR_OVERFLOW;
            break;
        }
        uint32_t next = (x.bw[0] & L4ABI_ITEM_CONT) ? buf + m : 0;
        if (x.len) {
            if (!started) {
                xfer_begin(&x, s, r);
                started = true;
            }
            copy_item(&x);
            if (x.gone)
                break;
        }
        /* A simple string arrives described by where it landed. */
        if (!x.code && n == 2 && m == 2)
            r->mr[i + 1] = x.bw[1];
        buf = next < L4ABI_NUM_BRS ? next : 0;
        i += n;
    }
    if (started) {
        /* The owner runs here; the partner, unless deleted (then its TCB
         * may already be someone else's), is TS_XFER and released by the
         * caller. */
        current->xfer = NULL;
        if (!x.gone)
            (current == s ? r : s)->xfer = NULL;
    }
    *serr = side_error(&x, s);
    *rerr = side_error(&x, r);
    return !x.gone;
}

bool xfer_abort(struct tcb *t, bool send, bool recv)
{
    struct xfer *x = t->xfer;
    if (!x || !((send && t == x->s) || (recv && t == x->r)))
        return false;
    x->abort = true;
    if (x->in_fault)
        ipc_end_wait(x->runner, true, true);   /* cut its pager wait short */
    return true;
}

void xfer_cancel(struct tcb *t)
{
    struct xfer *x = t->xfer;
    if (!x)
        return;
    struct tcb *p = t == x->s ? x->r : x->s;
    t->xfer = NULL;
    if (t != x->owner) {
        /* x lives on p's stack: p learns that we are gone. */
        x->gone = true;
        if (x->runner == t) {
            x->runner = p;
            p->state = TS_READY;
            sched_enqueue(p);
        }
        return;
    }
    /* x lives on our stack, which is going away: p leaves the copy. */
    uint32_t err = L4ABI_IPCERR(L4ABI_IPCERR_ABORTED, p == x->r, x->done);
    bool nested = x->runner == p && x->in_fault;
    p->xfer = NULL;
    p->xfer_err = err;          /* run() picks it up if it is inside it */
    if (nested)
        return;                 /* its fault IPC ends first */
    p->ipc_error = err;
    p->ipc_from = L4ABI_NILTHREAD;
    p->ipc_done = true;
    p->state = TS_READY;
    sched_enqueue(p);
}

uint32_t xfer_exregs_state(const struct tcb *t)
{
    const struct xfer *x = t->xfer;
    if (!x)
        return 0;
    return t == x->s ? L4ABI_EXREGS_STATE_SENDING : L4ABI_EXREGS_STATE_RECVING;
}
