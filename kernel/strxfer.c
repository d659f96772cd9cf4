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
 * the IPC.
 *
 * Leaving: the copy never depends on both sides making progress to let
 * one of them go. A stop from outside (ExchangeRegisters abort, a
 * transfer timeout, deletion of either side) detaches the partner at once,
 * wherever it is (waiting, holding the turn, halted, in its pager IPC),
 * and gives the turn back to the owner; the owner then ends the IPC alone
 * and never touches a detached partner again (docs/strings.md lists the
 * invariants). */
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
#include "fpage.h"
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
    uint64_t deadline;          /* bound for pager IPCs and turn waits */
    uint32_t done;              /* bytes copied by the whole IPC */
    /* the current string item: its two descriptor chains, inside the
     * owner's snapshots of the message and of the buffer registers */
    const uint32_t *sw, *bw;
    uint32_t len, off;          /* its length, bytes copied */
    uint32_t fault_addr;        /* pending fault for the runner's own pager */
    uint8_t fault_rwx;
    bool fault_pending;
    bool in_fault;              /* the runner is inside own_fault */
    bool item_over;
    bool stop;                  /* stopped from outside: end now, keep `code` */
    bool detached;              /* the partner left: never touch it again */
    uint8_t code;               /* 0 or L4ABI_IPCERR_* */
    struct tcb *charged;        /* transfer timeout: the side that gets 5 */
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

/* ---- sides and turns ---- */

static struct tcb *partner_of(const struct xfer *x)
{
    return x->owner == x->s ? x->r : x->s;
}

/* The error t's IPC ends with. Both sides get the same offset: the bytes
 * copied by the whole IPC. A transfer timeout is "in current space" (5)
 * for the charged side and "in partner's space" (6) for the other. */
static uint32_t side_error(const struct xfer *x, const struct tcb *t)
{
    uint32_t code = x->code;
    if (code == L4ABI_IPCERR_XFER_TIMEOUT_SELF && x->charged != t)
        code = L4ABI_IPCERR_XFER_TIMEOUT_PARTNER;
    return code ? L4ABI_IPCERR(code, t == x->r, x->done) : 0;
}

/* X.2 as Pistachio implements it: a transfer timeout is charged to the
 * side with the shorter transfer timeout (the sender's send and the
 * receiver's receive xfer timeout compared), to the sender on a tie,
 * whichever side faulted or stalled. Zero is shorter than any period,
 * never longer than any. */
static uint64_t xfer_to_key(uint16_t to, uint64_t now)
{
    if (to == L4ABI_TIME_NEVER)
        return UINT64_MAX;
    uint64_t dl = timeout_deadline(to, now);
    return dl == DEADLINE_NOW ? 0 : dl;
}

static struct tcb *shorter_side(const struct xfer *x)
{
    uint64_t now = sched_now_us();
    if (xfer_to_key(x->rcv_to, now) < xfer_to_key(x->snd_to, now))
        return x->r;
    return x->s;
}

/* Records why the copy ends; the first reason wins. */
static void set_code(struct xfer *x, uint8_t code)
{
    if (x->code || !code)
        return;
    x->code = code;
    if (code == L4ABI_IPCERR_XFER_TIMEOUT_SELF)
        x->charged = shorter_side(x);
}

/* t stops waiting in TS_XFER. */
static void wake(struct tcb *t)
{
    sched_cancel_wakeup(t);
    t->state = TS_READY;
    sched_enqueue(t);
}

static uint64_t xfer_deadline(const struct xfer *x);
static void arm(struct tcb *w, uint64_t deadline);

/* current waits in TS_XFER for its turn (or, the partner, for the end);
 * once the transfer deadline runs, the wait is bounded by it
 * (xfer_timeout). */
static void wait_turn(struct xfer *x)
{
    struct tcb *me = current;
    me->state = TS_XFER;
    /* Before the first fault the wait is bounded by the xfer timeouts
     * until the runner really runs (run() lifts the bound, as
     * yield_step does): the side we handed the turn to may be halted
     * and never run (it was woken, but a halted thread is not queued). */
    arm(me, x->timed ? x->deadline : xfer_deadline(x));
    sched_block();
}

static void hand_to(struct xfer *x, struct tcb *t)
{
    x->runner = t;
    wake(t);
}

/* The copy is stopped from outside (or a partner leaves with an error). */
static void stop(struct xfer *x, uint8_t code)
{
    set_code(x, code);
    x->stop = true;
}

/* The partner leaves the copy now, whatever it is doing. If alive, its IPC
 * ends with the copy's error (it may be waiting in TS_XFER, hold the turn
 * while halted or preempted, or wait for its pager: that wait is cut short
 * and it finds itself detached when it returns). The owner takes the turn
 * back (woken if owner_alive) and never touches the partner again. Only
 * after stop(): the error's offset is final. */
static void detach(struct xfer *x, bool alive, bool owner_alive)
{
    struct tcb *p = partner_of(x), *o = x->owner;
    if (x->detached)
        return;
    x->detached = true;
    p->xfer = NULL;
    if (x->runner == p) {
        if (x->in_fault && alive)
            ipc_end_wait(p, true, true);
        x->in_fault = false;
        x->fault_pending = false;
        x->runner = o;
        if (owner_alive && o->state == TS_XFER)
            wake(o);
    }
    if (!alive)
        return;
    uint32_t err = side_error(x, p);
    p->xfer_err = err;          /* re-applied if it is inside run() */
    p->ipc_error = err;
    p->ipc_from = L4ABI_NILTHREAD;
    p->ipc_done = true;
    if (p->state == TS_XFER)
        wake(p);
}

/* A stop from outside the copy: the partner goes at once; the owner comes
 * round to end the IPC (its turn given back, its pager wait cut short). */
static void stop_now(struct xfer *x, uint8_t code, bool partner_alive)
{
    stop(x, code);
    detach(x, partner_alive, true);
    if (x->in_fault)            /* the owner is the runner now */
        ipc_end_wait(x->owner, true, true);
}

/* current was detached while inside run(): its IPC is over. */
static void left(struct tcb *me)
{
    me->ipc_error = me->xfer_err;
    me->ipc_from = L4ABI_NILTHREAD;
    me->ipc_done = true;
}

/* The earlier of the sender's send and the receiver's receive xfer
 * timeout, counted from now: DEADLINE_NEVER, DEADLINE_NOW or a time. */
static uint64_t xfer_deadline(const struct xfer *x)
{
    if (x->snd_to == L4ABI_TIME_NEVER && x->rcv_to == L4ABI_TIME_NEVER)
        return DEADLINE_NEVER;
    uint64_t now = sched_now_us();
    uint64_t a = timeout_deadline(x->snd_to, now), b = timeout_deadline(x->rcv_to, now);
    /* NEVER is 0 and NOW the maximum: take the earlier real one. */
    if (a == DEADLINE_NOW || b == DEADLINE_NOW)
        return DEADLINE_NOW;
    if (a == DEADLINE_NEVER || (b != DEADLINE_NEVER && b < a))
        return b;
    return a;
}

/* The side waiting in TS_XFER while current runs the copy, or NULL if it
 * has left (then it must not be touched). */
static struct tcb *waiter(const struct xfer *x)
{
    struct tcb *w = current == x->s ? x->r : x->s;
    if (x->detached && w != x->owner)
        return NULL;
    return w->state == TS_XFER ? w : NULL;
}

static void arm(struct tcb *w, uint64_t deadline)
{
    if (w && deadline != DEADLINE_NEVER && deadline != DEADLINE_NOW)
        sched_set_wakeup(w, deadline);
}

/* The transfer deadline runs from the first page fault of the copy (X.2).
 * The side waiting for its turn is bounded by it from now on. */
static void set_deadline(struct xfer *x)
{
    x->timed = true;
    x->deadline = xfer_deadline(x);
    arm(waiter(x), x->deadline);
}

/* Preemption point of the runner, between two steps. Before the first
 * fault there is no deadline yet; the waiting side is then bounded by the
 * xfer timeouts for as long as the runner is switched out (it may never
 * come back: halted by its sibling), and that bound is lifted when it
 * does. */
static void yield_step(struct xfer *x)
{
    struct tcb *me = current;
    bool stall = !x->timed;
    if (stall)
        arm(waiter(x), xfer_deadline(x));
    schedule();
    if (stall && me->xfer == x && !x->timed) {
        struct tcb *w = waiter(x);
        if (w)
            sched_cancel_wakeup(w);
    }
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
    /* x may be gone now (we were detached and the owner deleted): see run(). */
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
    set_code(x, code);
    x->item_over = true;
    paging_copy_window_clear(0);
    paging_copy_window_clear(1);
}

/* Runs the copy of the current item as current (== x->runner) until the
 * item is over or the turn goes to the partner. A partner that ends the
 * item with an error leaves the copy there and then: it has nothing left
 * to do and must not wait for the owner. */
static void run(struct xfer *x)
{
    struct tcb *me = current;
    if (!x->timed) {            /* we run: the waiter's stall bound goes */
        struct tcb *w = waiter(x);
        if (w)
            sched_cancel_wakeup(w);
    }
    while (!x->item_over) {
        if (x->stop) {
            end_item(x, 0);
            break;
        }
        if (x->fault_pending) {
            uint32_t err = own_fault(x, x->fault_addr, x->fault_rwx);
            if (me->xfer != x) {
                left(me);       /* detached meanwhile; x may be gone */
                return;
            }
            x->in_fault = false;
            x->fault_pending = false;
            if (x->stop)
                continue;
            if (err) {
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

        if (sa >= USER_LIMIT || ra >= USER_LIMIT || space_in_kip_area(x->r->space, ra)) {
            /* Past the end of user space (steps never cross USER_LIMIT,
             * a page boundary, and a wrapping substring reaches it
             * first), or into the KIP, which is never writable: the bytes
             * before it are copied, then the message overflows (X.2). */
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
            /* The copy's first fault starts the transfer deadline (X.2),
             * whichever side faults. Past it (a zero xfer timeout) the
             * item ends here: the turn must not go to a side that may
             * never run (halted, starved) when nothing bounds the wait. */
            if (who != me && !who->space->sigma0) {
                if (!x->timed)
                    set_deadline(x);
                if (x->deadline != DEADLINE_NEVER &&
                    (x->deadline == DEADLINE_NOW || sched_now_us() >= x->deadline)) {
                    end_item(x, L4ABI_IPCERR_XFER_TIMEOUT_SELF);
                    break;
                }
            }
            x->fault_pending = true;
            if (who != me) {
                hand_to(x, who);
                return;     /* copy_item / xfer_wait_turns waits */
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
        if (sched_need_resched())
            yield_step(x);
        if (me->xfer != x) {
            left(me);   /* detached meanwhile (a timeout in the window, or
                         * an abort or deletion while we were switched out) */
            return;
        }
    }
    if (me != x->owner) {
        if (x->code) {
            /* Ended with an error: leave now (the owner ends alone). */
            stop(x, x->code);
            detach(x, true, true);
            return;
        }
        hand_to(x, x->owner);
    }
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
        wait_turn(x);       /* TS_XFER until the turn comes back */
    }
}

void xfer_wait_turns(struct tcb *self)
{
    for (;;) {
        struct xfer *x = self->xfer;
        if (!x || x->owner == self)
            return;         /* released or detached (result set), or owner */
        if (x->runner == self) {
            if (x->in_fault)
                return;     /* woken by our own page-fault IPC */
            run(x);
            continue;
        }
        wait_turn(x);
    }
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

/* The walk reads the message and the receive buffers only from these
 * snapshots, taken on entry, right after transfer() copied the words to
 * the receiver and before anything can block or be preempted: so the
 * receiver's message words always describe what was transferred, whatever
 * a sibling writes to either UTCB while a string item blocks. */
struct snap {
    uint32_t msg[L4ABI_NUM_MRS];    /* the sender's MRs (typed part) */
    uint32_t br[L4ABI_NUM_BRS];     /* the receiver's BR0..BR32, in order */
};

/* Map items pause between pieces of mapping work (mdb.h). That is safe
 * once the copy state is up: the partner is TS_XFER (no interrupt
 * delivery), and its deletion, an abort or a transfer timeout detach or
 * stop the copy, which stops the item. The state is set up at the first pause, so that
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
    irq_window();
    if (sched_need_resched())
        yield_step(m->x);
    return !m->x->stop && !m->x->detached;
}

bool xfer_typed_items(struct tcb *s, struct tcb *r, uint32_t first, uint32_t t,
                      uint32_t *serr, uint32_t *rerr)
{
    struct xfer x = { .s = s, .r = r };
    struct snap sn;
    bool started = false;
    uint32_t end = first + t;
    copy_words(&sn.msg[first], &s->mr[first], t);
    sn.br[0] = r->mr[L4ABI_UTCB_BR(0)];
    uint32_t window = sn.br[0] & L4ABI_ACCEPT_WINDOW_MASK;
    /* Next receive buffer (its BR index), 0 when none is left. BR1.. are
     * read only by a receiver that accepts strings. */
    uint32_t buf = (sn.br[0] & L4ABI_ACCEPT_STRINGS) ? 1 : 0;
    if (buf)
        for (uint32_t k = 1; k < L4ABI_NUM_BRS; k++)
            sn.br[k] = r->mr[L4ABI_UTCB_BR(k)];
    bool mapped = false;                /* a map item came before */

    for (uint32_t i = first; i < end && !x.code; ) {
        uint32_t w0 = sn.msg[i];
        if (!L4ABI_ITEM_IS_STRING(w0)) {
            if (i + 1 >= end) {
                x.code = L4ABI_IPCERR_OVERFLOW;
                break;
            }
            uint32_t type = w0 & L4ABI_ITEM_TYPE_MASK;
            if (type == L4ABI_ITEM_MAP || type == L4ABI_ITEM_GRANT) {
                /* A memory fpage into a nil receive window: message
                 * overflow, so the sender learns that nothing was
                 * mapped (X.2, Pistachio). I/O fpages ignore the window. */
                if (!window && !fpage_is_io(sn.msg[i + 1])) {
                    x.code = L4ABI_IPCERR_OVERFLOW;
                    break;
                }
                struct map_yield my = { { map_yield_fn, &my }, &x, &started,
                                        started || (!s->xfer && !r->xfer),
                                        MAP_NESTED_BUDGET };
                /* Between two map items a preemption point too (one item
                 * pauses only between its own pieces). */
                if (!mapped || map_yield_fn(&my))
                    map_item(s, r, w0, sn.msg[i + 1], window, &my.y);
                mapped = true;
                if (x.stop || x.detached) {
                    if (!x.code)
                        set_code(&x, L4ABI_IPCERR_ABORTED);
                    break;
                }
            }
            i += 2;
            continue;
        }
        /* Addresses outside user space are found step by step (run):
         * X.2 copies the bytes before them. */
        bool outside = false;
        uint32_t cap = 0;
        uint32_t n = strchain_copy(&sn.msg[i], 1, end - i, USER_LIMIT, NULL,
                                   &x.len, &outside);
        uint32_t m = buf ? strchain_copy(&sn.br[buf], 1, L4ABI_NUM_BRS - buf,
                                         USER_LIMIT, NULL, &cap, &outside) : 0;
        /* No buffer left, or a malformed item or buffer: message
         * overflow before anything of the item is copied. */
        if (!n || !m) {
            x.code = L4ABI_IPCERR_OVERFLOW;
            break;
        }
        /* A buffer too small takes what fits, then the message
         * overflows (X.2): the offset counts the bytes copied. */
        bool cut = x.len > cap;
        if (cut)
            x.len = cap;
        x.sw = &sn.msg[i];
        x.bw = &sn.br[buf];
        uint32_t next = (x.bw[0] & L4ABI_ITEM_CONT) ? buf + m : 0;
        if (x.len) {
            if (!started) {
                xfer_begin(&x, s, r);
                started = true;
            }
            copy_item(&x);
            if (x.detached)
                break;
        }
        if (cut)
            set_code(&x, L4ABI_IPCERR_OVERFLOW);
        /* A simple string arrives described by where it landed. */
        if (!x.code && n == 2 && m == 2)
            r->mr[i + 1] = x.bw[1];
        buf = next < L4ABI_NUM_BRS ? next : 0;
        i += n;
    }
    if (started) {
        /* The owner runs here; the partner, unless detached (then it may
         * be running another IPC, or its TCB be someone else's), is
         * TS_XFER with no turn-wait deadline, released by the caller. */
        current->xfer = NULL;
        if (!x.detached) {
            struct tcb *p = partner_of(&x);
            p->xfer = NULL;
            sched_cancel_wakeup(p);
        }
    }
    *serr = side_error(&x, s);
    *rerr = side_error(&x, r);
    return !x.detached;
}

bool xfer_abort(struct tcb *t, bool send, bool recv)
{
    struct xfer *x = t->xfer;
    if (!x || !((send && t == x->s) || (recv && t == x->r)))
        return false;
    stop_now(x, L4ABI_IPCERR_ABORTED, true);
    return true;
}

void xfer_timeout(struct tcb *t)
{
    struct xfer *x = t->xfer;
    if (!x || x->runner == t)
        return;
    /* t waited for its turn past the deadline: the runner stalled the
     * copy (halted, starved, or its pager is slow). Charged like every
     * transfer timeout (set_code), not to the runner. */
    stop_now(x, L4ABI_IPCERR_XFER_TIMEOUT_SELF, true);
}

void xfer_cancel(struct tcb *t)
{
    struct xfer *x = t->xfer;
    if (!x)
        return;
    if (t == x->owner) {
        /* x lives on our stack, which is going away: the partner, unless
         * it has left already, ends with "aborted" now and never looks at
         * x again. */
        stop(x, L4ABI_IPCERR_ABORTED);
        detach(x, true, false);
        t->xfer = NULL;
        return;
    }
    /* The partner goes: the owner ends the IPC alone, never touching t. */
    stop_now(x, L4ABI_IPCERR_ABORTED, false);
}

uint32_t xfer_exregs_state(const struct tcb *t)
{
    const struct xfer *x = t->xfer;
    if (!x)
        return 0;
    return t == x->s ? L4ABI_EXREGS_STATE_SENDING : L4ABI_EXREGS_STATE_RECVING;
}
