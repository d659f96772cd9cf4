/* Thread, space and scheduling system calls. Every argument from user
 * space is checked before anything changes; failures set the ErrorCode TCR
 * and return 0, as X.2 specifies. */
#include "syscalls.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "ipc.h"
#include "strxfer.h"
#include "console.h"
#include "timeout.h"
#include "mdb.h"
#include "fpage.h"
#include "irq.h"
#include "arch/ia32/ioport.h"
#include "vif.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/cpu.h"
#include "trace.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/smp_ipi.h"
#include "arch/ia32/klock.h"
#include "arch/ia32/fastipc.h"

static uint32_t fail(uint32_t code)
{
    current->mr[L4ABI_UTCB_ERRORCODE] = code;
    return 0;
}

static bool valid_new_gid(uint32_t gid)
{
    uint32_t no = L4ABI_TID_THREADNO(gid);
    return !L4ABI_TID_IS_LOCAL(gid) && gid != L4ABI_ANYTHREAD &&
           no >= USER_BASE && no < MAX_THREADS;
}

/* Creation starts the thread when it has a UTCB and a pager: it waits for
 * its pager's start message (MR1 = ip, MR2 = sp), as X.2 specifies. */
static void thread_start_waiting(struct tcb *t);
static void start_pager_changed(struct tcb *t);

/* X.2 (and Pistachio): ThreadControl may give an inactive thread (no
 * pager) its UtcbLocation before SpaceControl has set the space's UTCB
 * area; the location is then only stored, and checked when the thread is
 * activated (given a pager). */
static bool utcb_deferred(const struct space *s, uint32_t pager)
{
    return s->utcb_size == 0 && pager == L4ABI_NILTHREAD;
}

uint32_t sys_thread_control(uint32_t dest, uint32_t space_spec, uint32_t scheduler,
                            uint32_t pager, uint32_t utcb)
{
    struct tcb *self = current;
    if (!thread_is_privileged(self))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    if (!L4ABI_TID_IS_LOCAL(dest) && L4ABI_TID_THREADNO(dest) < IRQ_THREADS) {
        uint32_t err = irq_control(self, dest, space_spec, scheduler, pager);
        return err ? fail(err) : 1;
    }
    if (!valid_new_gid(dest))
        return fail(L4ABI_ERR_INVALID_THREAD);

    struct tcb *t = tcb_lookup(dest);
    bool created = !t;
    if (!t) {
        /* Creation: the number must be free (any version). */
        struct tcb *slot = tcb_of_no(L4ABI_TID_THREADNO(dest));
        if (slot->state != TS_FREE)
            return fail(L4ABI_ERR_INVALID_THREAD);
        if (space_spec == L4ABI_NILTHREAD)
            return fail(L4ABI_ERR_INVALID_THREAD);    /* deleting a non-thread */
        if (!paging_tcb_back((uint32_t)(uintptr_t)slot))
            return fail(L4ABI_ERR_NO_MEM);           /* kernel pool exhausted */
        struct space *s;
        if (space_spec == dest) {
            s = space_create();
            if (!s)
                return fail(L4ABI_ERR_NO_MEM);
        } else {
            struct tcb *st = tcb_resolve(self, space_spec);
            if (!st || (st->flags & (TF_KERNEL | TF_IRQ)))
                return fail(L4ABI_ERR_INVALID_SPACE);
            s = st->space;
        }
        if (scheduler != L4ABI_NILTHREAD && !tcb_resolve(self, scheduler)) {
            if (space_spec == dest)
                space_destroy(s);
            return fail(L4ABI_ERR_INVALID_SCHEDULER);
        }
        /* Check the UTCB before creating: a failed call changes nothing.
         * An inactive thread may name its UtcbLocation before its space
         * has a UTCB area (utcb_deferred). */
        if (utcb != L4ABI_UTCB_UNCHANGED &&
            ((utcb & (L4ABI_UTCB_SIZE - 1)) ||
             (!space_in_utcb_area(s, utcb, L4ABI_UTCB_SIZE) &&
              !utcb_deferred(s, pager)))) {
            if (space_spec == dest)
                space_destroy(s);
            return fail(L4ABI_ERR_UTCB_AREA);
        }
        t = thread_create(dest, s);
        t->scheduler = scheduler != L4ABI_NILTHREAD ? scheduler : self->gid;
    } else {
        if (t == self && space_spec == L4ABI_NILTHREAD)
            return fail(L4ABI_ERR_INVALID_THREAD);
        if (space_spec == L4ABI_NILTHREAD) {
            /* Running on another CPU: that CPU leaves it for good first
             * (the lock is let go meanwhile; t may be gone afterwards). */
            if (!smp_evict(t))
                return fail(L4ABI_ERR_INVALID_THREAD);
            thread_destroy(t);
            return 1;
        }
        struct tcb *st = tcb_resolve(self, space_spec);
        if (!st || st->space != t->space)
            return fail(L4ABI_ERR_INVALID_SPACE);   /* no migration */
        if (scheduler != L4ABI_NILTHREAD) {
            struct tcb *sc = tcb_resolve(self, scheduler);
            if (!sc)
                return fail(L4ABI_ERR_INVALID_SCHEDULER);
            t->scheduler = sc->gid;
        }
    }

    if (utcb != L4ABI_UTCB_UNCHANGED && !t->mr && utcb_deferred(t->space, pager)) {
        if (utcb & (L4ABI_UTCB_SIZE - 1))
            return fail(L4ABI_ERR_UTCB_AREA);
        t->utcb_uaddr = utcb;
        t->utcb_pending = true;
    } else if (!t->mr && (utcb != L4ABI_UTCB_UNCHANGED ||
                          (t->utcb_pending && pager != L4ABI_NILTHREAD))) {
        /* A new location, or activation with the one given earlier: only
         * now is it checked against the space's UTCB area. */
        int err = thread_set_utcb(t, utcb != L4ABI_UTCB_UNCHANGED ? utcb : t->utcb_uaddr);
        if (err) {
            /* The slot is taken or no frame is left: a failed creation
             * leaves nothing behind (with a new space, that goes too). */
            if (created)
                thread_destroy(t);
            return fail((uint32_t)err);
        }
    }
    if (pager != L4ABI_NILTHREAD && t->mr) {
        UTCB(t, L4ABI_UTCB_PAGER) = pager;
        start_pager_changed(t);
    }
    if (t->state == TS_INACTIVE && t->mr && pager != L4ABI_NILTHREAD)
        thread_start_waiting(t);
    return 1;
}

/* A starting thread waits for its pager's start message. If the pager
 * names no thread (never existed, deleted, or set to a bad ID), it still
 * sleeps, in a receive that only a thread with exactly that global ID could
 * complete (none for a local ID): a pager created later with that ID can
 * start it, and an abort or a new pager (ExchangeRegisters, ThreadControl)
 * wakes it to look again. */
static void wait_for_absent_pager(struct tcb *t, uint32_t pager)
{
    t->ipc_error = 0;
    t->ipc_done = false;
    t->ipc_from = L4ABI_NILTHREAD;
    t->partner = L4ABI_TID_IS_LOCAL(pager) ? L4ABI_NILTHREAD : pager;
    t->state = TS_RECV_WAIT;
    sched_block();
    if (t->xfer)
        xfer_wait_turns(t);     /* the start message carried strings */
    t->state = TS_READY;
}

/* One wait for the start message; true if it arrived (MR1, MR2). Never
 * returns without having blocked or having consumed a queued sender, so
 * the caller's loop cannot spin. */
static bool await_start_message(struct tcb *t)
{
    uint32_t pager = UTCB(t, L4ABI_UTCB_PAGER);
    if (pager == L4ABI_ANYTHREAD || pager == L4ABI_ANYLOCALTHREAD || tcb_resolve(t, pager))
        ipc_syscall(L4ABI_NILTHREAD, pager,
                    L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_NEVER));
    else
        wait_for_absent_pager(t, pager);
    return t->ipc_error == 0;
}

/* A starting thread's pager changed: it must wait for the new one. */
static void start_pager_changed(struct tcb *t)
{
    if ((t->flags & TF_STARTING) && t->state == TS_RECV_WAIT)
        ipc_end_wait(t, false, true);
}

/* The new thread's first act: receive from its pager; the start message
 * sets ip and sp. A kernel continuation on its own stack, below the user
 * frame it then fills and leaves through (thread_arch.h). Every turn of the
 * loop blocks until something happens (a message, a pager deletion, an
 * abort, a new pager): a bad pager costs no CPU time. */
static void start_thread_body(void)
{
    struct tcb *t = current;
    uint32_t ip, sp;
    klock_ensure_full();        /* a first run: general kernel code */
    for (;;) {
        if (t->flags & TF_START_SET) {
            ip = t->start_ip;       /* L4_Start/ExchangeRegisters won */
            sp = t->start_sp;
            break;
        }
        if (await_start_message(t)) {
            ip = t->mr[1];
            sp = t->mr[2];
            break;
        }
    }
    t->flags &= ~(TF_STARTING | TF_START_SET);
    arch_thread_set_user_frame(t, ip, sp);
    arch_enter_user(tcb_frame(t));
}

static void thread_start_waiting(struct tcb *t)
{
    arch_thread_init_kernel(t, start_thread_body);
    t->flags &= ~TF_KERNEL;     /* a user thread, only starting in kernel */
    t->flags |= TF_STARTING;
    t->state = TS_READY;
    sched_enqueue(t);
}

uint32_t sys_space_control(uint32_t space_spec, uint32_t control, uint32_t kip_area,
                           uint32_t utcb_area, uint32_t redirector, uint32_t *old_control)
{
    *old_control = 0;
    if (!thread_is_privileged(current))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    struct tcb *t = tcb_resolve(current, space_spec);
    if (!t || (t->flags & (TF_IRQ | TF_KERNEL)))
        return fail(L4ABI_ERR_INVALID_SPACE);   /* not the kernel's space */
    /* Only the s bit with a descriptor (docs/smallspaces.md); bits 30..8
     * and a descriptor without s are refused. */
    bool small_change = control & L4ABI_SPACE_SMALL;
    if (control & ~(small_change ? L4ABI_SPACE_SMALL | L4ABI_SPACE_SMALL_ID_MASK : 0))
        return fail(L4ABI_ERR_INVALID_PARAM);
    /* Redirector (docs/ipc.md): nilthread leaves it, anythread removes
     * it, anything else must name an existing user thread. */
    struct space *s = t->space;
    uint32_t redir = s->redirector;
    if (redirector == L4ABI_ANYTHREAD) {
        redir = 0;
    } else if (redirector != L4ABI_NILTHREAD) {
        struct tcb *r = tcb_resolve(current, redirector);
        if (!r || (r->flags & (TF_KERNEL | TF_IRQ)))
            return fail(L4ABI_ERR_INVALID_THREAD);
        redir = r->gid;
    }
    /* A space in use keeps its areas: repeating them (or nil fpages)
     * changes only the redirector. */
    bool same = (kip_area == s->kip_area && utcb_area == s->utcb_area) ||
                (kip_area == 0 && utcb_area == 0);
    if (!(s->active_threads && same)) {
        /* Nothing of the kernel's in virtual-8086 mode's reach either
         * (layout.h): a UTCB there would be user-writable code for v86. */
        if (kip_area && (kip_area & L4ABI_FPAGE_BASE_MASK) < V86_REACH)
            return fail(L4ABI_ERR_KIP_AREA);
        if (utcb_area && (utcb_area & L4ABI_FPAGE_BASE_MASK) < V86_REACH)
            return fail(L4ABI_ERR_UTCB_AREA);
        int err = space_set_areas(s, kip_area, utcb_area);
        if (err)
            return fail((uint32_t)err);
    }
    ipc_set_redirector(s, redir);
    /* Last, with the areas in place: the window must hold them. A change
     * that cannot be made (outside the region, overlapping another small
     * space, areas outside the window) leaves s as it was and says so by
     * a clear s bit in the old control. */
    uint32_t old_id = s->small.id;
    if (small_change && small_control(s, control & L4ABI_SPACE_SMALL_ID_MASK))
        old_id |= L4ABI_SPACE_SMALL;
    *old_control = old_id;
    return 1;
}

/* Kernel-memory control (Pecan): reports, and with the l bit sets, the
 * limit of a space's account (struct kmem_acct, kernel/kmem.h). A limit
 * below what the space holds takes nothing away; its further allocations
 * fail. Privileged, like SpaceControl. */
uint32_t sys_space_kmem(uint32_t space_spec, uint32_t control, uint32_t out[3])
{
    out[0] = 0;
    if (!thread_is_privileged(current))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    struct tcb *t = tcb_resolve(current, space_spec);
    if (!t || (t->flags & (TF_IRQ | TF_KERNEL)))
        return fail(L4ABI_ERR_INVALID_SPACE);
    if (control & ~(L4ABI_SPACE_KMEM | L4ABI_SPACE_KMEM_SET | L4ABI_SPACE_KMEM_KB_MASK))
        return fail(L4ABI_ERR_INVALID_PARAM);
    struct kmem_acct *a = &t->space->kmem;
    uint32_t old_kb = a->limit == KMEM_UNLIMITED ? L4ABI_SPACE_KMEM_UNLIMITED : a->limit >> 10;
    if (control & L4ABI_SPACE_KMEM_SET) {
        uint32_t kb = control & L4ABI_SPACE_KMEM_KB_MASK;
        a->limit = (kb == L4ABI_SPACE_KMEM_UNLIMITED || kb >= (KMEM_UNLIMITED >> 10))
                   ? KMEM_UNLIMITED : kb << 10;
    }
    out[0] = L4ABI_SPACE_KMEM | old_kb;
    out[1] = a->used;
    out[2] = a->limit;
    return 1;
}

static uint32_t exregs_apply(struct tcb *self, struct tcb *t, struct trap_frame *f,
                             uint32_t dest, struct exregs *r);

uint32_t sys_exchange_registers(uint32_t dest, struct exregs *r)
{
    struct tcb *self = current;
    struct tcb *t = tcb_resolve(self, dest);
    if (!t || t->space != self->space || (t->flags & TF_KERNEL) || !t->mr) {
        fail(L4ABI_ERR_INVALID_THREAD);
        return L4ABI_NILTHREAD;
    }
    /* Running in user mode on another CPU: its registers are in that CPU,
     * not in its frame, until that CPU enters the kernel. */
    smp_stop_user(t);
    uint32_t c = r->control;
    if (t->flags & TF_STARTING) {
        /* No user frame yet: remember ip/sp for the start, report zeros. */
        if (c & L4ABI_EXREGS_SET_IP) {
            t->start_ip = r->ip;
            t->start_sp = (c & L4ABI_EXREGS_SET_SP) ? r->sp : t->start_sp;
            t->flags |= TF_START_SET;
        }
        static struct trap_frame blank;
        blank.esp = t->start_sp;
        blank.eip = t->start_ip;
        blank.eflags = EFL_IF | EFL_VIF | 0x2;
        return exregs_apply(self, t, &blank, dest, r);
    }
    return exregs_apply(self, t, tcb_frame(t), dest, r);
}

/* The part of ExchangeRegisters common to started and starting threads. */
static uint32_t exregs_apply(struct tcb *self, struct tcb *t, struct trap_frame *f,
                             uint32_t dest, struct exregs *r)
{
    uint32_t c = r->control;
    struct exregs old = {
        .control = ((t->flags & TF_HALTED) ? L4ABI_EXREGS_STATE_HALTED : 0) |
                   (t->state == TS_RECV_WAIT ? L4ABI_EXREGS_STATE_RECVING : 0) |
                   (t->state == TS_SEND_WAIT ? L4ABI_EXREGS_STATE_SENDING : 0) |
                   xfer_exregs_state(t),
        .sp = f->esp, .ip = f->eip,
        /* IF: the user's is always on; a sysenter frame keeps it clear
         * (sysenter.h). */
        .flags = (f->eflags & ~(EFL_VIF | EFL_VIP)) | EFL_IF | vif_flags(t),
        .user_handle = UTCB(t, L4ABI_UTCB_USERDEFINEDHANDLE),
        .pager = UTCB(t, L4ABI_UTCB_PAGER),
    };
    if (c & L4ABI_EXREGS_ABORT_SEND)
        ipc_abort(t, true, false);
    if (c & L4ABI_EXREGS_ABORT_RECV)
        ipc_abort(t, false, true);
    if (c & L4ABI_EXREGS_SET_SP)
        f->esp = r->sp;
    if (c & L4ABI_EXREGS_SET_IP)
        f->eip = r->ip;
    if (c & L4ABI_EXREGS_SET_FLAGS) {
        f->eflags = (r->flags & EFL_USER_MASK) | (EFL_USER_FIXED & ~EFL_IF) |
                    (f->eflags & (EFL_VIF | EFL_VIP |       /* virtual IF stays */
                                  EFL_IF));     /* as the exit needs it (sysenter.h) */
        arch_ipc_wait_flags(t);     /* TF: no fast-path resume (fastipc.h) */
    }
    if (c & L4ABI_EXREGS_SET_UHANDLE)
        UTCB(t, L4ABI_UTCB_USERDEFINEDHANDLE) = r->user_handle;
    if (c & L4ABI_EXREGS_SET_PAGER) {
        UTCB(t, L4ABI_UTCB_PAGER) = r->pager;
        start_pager_changed(t);
    }
    if (c & L4ABI_EXREGS_SET_HALT) {
        if (c & L4ABI_EXREGS_HALT) {
            t->flags |= TF_HALTED;
            sched_dequeue(t);
        } else {
            t->flags &= ~TF_HALTED;
            if (t->state == TS_INACTIVE && (c & (L4ABI_EXREGS_SET_IP | L4ABI_EXREGS_SET_SP))) {
                /* Its frame (zeroed at creation) now holds what we set. */
                arch_thread_resume_user(t);
                t->state = TS_READY;
            }
            sched_enqueue(t);
        }
    }
    *r = old;
    /* X.2: a local dest yields the global ID and vice versa. */
    uint32_t id = L4ABI_TID_IS_LOCAL(dest) ? t->gid : tcb_id_for(t, self);
    if (t == self && (t->flags & TF_HALTED))
        schedule();
    return id;
}

void sys_thread_switch(uint32_t dest)
{
    struct tcb *t = dest == L4ABI_NILTHREAD ? NULL : tcb_resolve(current, dest);
    if (t && t != current && t->state == TS_READY && !(t->flags & TF_HALTED)) {
        /* Donate the rest of our slice: t runs now. */
        sched_enqueue(t);
        if (current->flags & TF_QUEUED) {
            sched_dequeue(current);
            sched_enqueue(current);
        }
        if (t->flags & TF_QUEUED) {
            sched_run_now(t);
            return;
        }
    }
    sched_yield();
}

static uint32_t state_word(const struct tcb *t)
{
    switch (t->state) {
    case TS_INACTIVE: return L4ABI_SCHEDRESULT_INACTIVE;
    case TS_READY: return L4ABI_SCHEDRESULT_RUNNING;
    case TS_SEND_WAIT: return L4ABI_SCHEDRESULT_SENDING;
    case TS_RECV_WAIT: return L4ABI_SCHEDRESULT_WAITING;
    case TS_XFER:       /* a string copy in progress */
        return xfer_exregs_state(t) == L4ABI_EXREGS_STATE_SENDING
               ? L4ABI_SCHEDRESULT_SENDING : L4ABI_SCHEDRESULT_RECEIVING;
    default: return L4ABI_SCHEDRESULT_DEAD;
    }
}

uint32_t sys_schedule(uint32_t dest, uint32_t time_ctl, uint32_t proc_ctl,
                      uint32_t prio_ctl, uint32_t preempt_ctl, uint32_t *old_time)
{
    struct tcb *self = current;
    struct tcb *t = tcb_resolve(self, dest);
    *old_time = 0;
    /* Interrupt threads have schedulers (whoever attached the line); the
     * kernel's own threads have none. */
    if (!t || (t->flags & (TF_KERNEL | TF_IRQ)) == TF_KERNEL)
        return fail(L4ABI_ERR_INVALID_THREAD);
    /* X.2: only the thread's scheduler may change its parameters, and not
     * above its own priority. */
    if (t->scheduler != self->gid && !(t == self && thread_is_privileged(self)))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    if (prio_ctl != L4ABI_SCHED_UNCHANGED &&
        ((prio_ctl & ~L4ABI_SCHED_PRIO_MASK) || prio_ctl > self->prio))
        return fail(L4ABI_ERR_INVALID_PARAM);
    /* Processor control: a CPU that runs threads (the KIP lists them).
     * Every CPU has its own I/O-bitmap window, so drivers may go anywhere;
     * interrupt threads follow their handlers (irq.c). */
    if (proc_ctl != L4ABI_SCHED_UNCHANGED &&
        (proc_ctl >= cpus_sched || (t->flags & TF_IRQ)))
        return fail(L4ABI_ERR_INVALID_PARAM);

    *old_time = ((uint32_t)time_encode_period(t->ts_left_us) << 16) |
                time_encode_period(t->quantum_left_us);
    if (time_ctl != L4ABI_SCHED_UNCHANGED) {
        uint16_t ts = (uint16_t)(time_ctl >> 16), tq = (uint16_t)time_ctl;
        if (ts != 0xffff) {
            uint64_t us = time_period_us(ts);
            t->timeslice_us = us ? (uint32_t)(us < TICK_US ? TICK_US : us) : 0xffffffffu;
            t->ts_left_us = t->timeslice_us;
        }
        if (tq != 0xffff) {
            t->quantum_left_us = time_period_us(tq);
            if (t->flags & TF_QUANTUM_OUT) {
                t->flags &= ~TF_QUANTUM_OUT;
                sched_enqueue(t);
            }
        }
    }
    if (prio_ctl != L4ABI_SCHED_UNCHANGED && t->prio != prio_ctl) {
        bool queued = t->flags & TF_QUEUED;
        sched_dequeue(t);
        t->prio = (uint8_t)prio_ctl;
        if (queued)
            sched_enqueue(t);
    }
    if (preempt_ctl != L4ABI_SCHED_UNCHANGED)
        t->preempt_ctl = preempt_ctl;
    if (proc_ctl != L4ABI_SCHED_UNCHANGED)
        sched_migrate(t, &cpu_local[proc_ctl]);
    uint32_t result = state_word(t);
    if (sched_need_resched())
        schedule();
    return result;
}

uint64_t sys_system_clock(void)
{
    return sched_now_us();
}

/* X.2 Unmap: preemptible (mdb_unmap_y pauses where the database is
 * consistent; self, its space and its UTCB live as long as self does, and
 * a deleted self never resumes). For each fpage in MR0..MRk, revoke its rights from every
 * mapping derived from the caller's mappings in it (and, with the flush
 * bit, from the caller's own), at any depth; each MR then holds the fpage
 * with the referenced/written bits of those mappings in its rights field.
 * Fpages Pecan cannot act on (I/O, smaller than 4 KiB, invalid size) come
 * back with no bits; unaligned bases are aligned down and parts beyond
 * user space hold no mappings (fpage.h). */
void sys_unmap(uint32_t control)
{
    struct tcb *self = current;
    uint32_t n = (control & L4ABI_UNMAP_COUNT_MASK) + 1;
    bool flush = control & L4ABI_UNMAP_FLUSH;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fp = self->mr[i];
        unsigned bits = 0;
        if (TRACE_ON(TRACE_MAP))
            trace_record(TT_UNMAP, self->gid, fp, flush, 0);
        if (fpage_is_io(fp))
            io_unmap(self->space, fp, flush);
        else if (fpage_valid(fp))
            bits = mdb_unmap_y(self->space, fpage_base(fp), fpage_log2(fp),
                               fpage_rights(fp), flush, &sched_work_yield);
        self->mr[i] = (fp & ~L4ABI_FPAGE_RIGHTS_MASK) | bits;
    }
}

/* MemoryControl: caching attributes for the caller's own mappings. Each
 * fpage in MR0..MRk picks one of the four attribute words with its low two
 * bits. Without PAT, ia32 page tables express write-back, write-through and
 * uncacheable (PWT/PCD); write-combining and write-protected are refused. */
static bool cache_bits_of(uint32_t attr, uint32_t *bits)
{
    switch (attr) {
    case L4ABI_MEMATTR_DEFAULT:
    case L4ABI_MEMATTR_WRITEBACK: *bits = 0; return true;
    case L4ABI_MEMATTR_WRITETHROUGH: *bits = PTE_PWT; return true;
    case L4ABI_MEMATTR_UNCACHEABLE: *bits = PTE_PCD | PTE_PWT; return true;
    default: return false;
    }
}

uint32_t sys_memory_control(uint32_t control, const uint32_t attr[4])
{
    struct tcb *self = current;
    if (!thread_is_privileged(self))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    if (control & ~L4ABI_MEMCTRL_COUNT_MASK)
        return fail(L4ABI_ERR_INVALID_PARAM);
    uint32_t n = (control & L4ABI_MEMCTRL_COUNT_MASK) + 1, bits[4];
    for (int i = 0; i < 4; i++)
        if (!cache_bits_of(attr[i], &bits[i]))
            bits[i] = ~0u;
    /* Check everything first: a refused request changes nothing. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fp = self->mr[i];
        unsigned log2 = L4ABI_FPAGE_LOG2(fp);
        if (L4ABI_IS_IOFPAGE(fp) || log2 < 12 || log2 > 31 || bits[fp & 3] == ~0u)
            return fail(L4ABI_ERR_INVALID_PARAM);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fp = self->mr[i];
        unsigned log2 = L4ABI_FPAGE_LOG2(fp);
        uint32_t base = fp & L4ABI_FPAGE_BASE_MASK & ~((1u << log2) - 1);
        for (uint64_t va = base; va < (uint64_t)base + (1u << log2) && va < USER_LIMIT;
             va += PAGE_SIZE) {
            /* Skip unmapped 4 MiB regions in one step. */
            if (!(self->space->pd[PD_SLOT(va)] & PTE_P)) {
                va = ALIGN_DOWN(va, SUPERPAGE_SIZE) + SUPERPAGE_SIZE - PAGE_SIZE;
                continue;
            }
            if (!space_in_utcb_area(self->space, (uint32_t)va, PAGE_SIZE) &&
                !space_in_kip_area(self->space, (uint32_t)va))
                pd_set_cache(self->space->pd, (uint32_t)va, bits[fp & 3]);
        }
    }
    return 1;
}

uint32_t sys_processor_control(uint32_t cpu_no, uint32_t ifreq, uint32_t efreq, uint32_t volt)
{
    (void)ifreq;
    (void)efreq;
    (void)volt;
    if (!thread_is_privileged(current))
        return fail(L4ABI_ERR_NO_PRIVILEGE);
    if (cpu_no >= cpus_sched)
        return fail(L4ABI_ERR_INVALID_PARAM);
    return 1;
}
