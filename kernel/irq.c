/* Hardware interrupts. The timer line belongs to the kernel and has no
 * interrupt thread. Every other line of the controller (8259: 16 lines;
 * IO-APIC: its pins, ISA numbering for 0-15) has one (thread number = line,
 * version 1) and is masked until a privileged thread attaches a handler.
 *
 * X.2 synchronous delivery: a raised line is masked and EOI'd at once
 * (the kernel never leaves a line in service), marked pending, and handed
 * to the handler as an IPC from the interrupt thread as soon as the
 * handler receives from it (or from anythread). The handler's send to the
 * interrupt thread is the acknowledgement: the line is unmasked. Between
 * the interrupt and the ack no other interrupt of the line is delivered,
 * so at most one interrupt per line is ever pending and the kernel
 * queues nothing.
 *
 * Lazy masking (irqchip_line_lazy: edge-triggered plain IO-APIC lines):
 * such a line is not masked when its interrupt is delivered at once or
 * becomes pending. It is "in service" (insvc) from the delivery to the
 * ack; an interrupt raised meanwhile, or while one is already pending,
 * masks it then, and is held pending until after the ack (never lost,
 * never delivered twice; the IO-APIC drops further edges while masked).
 * The ack unmasks only a masked line. Level lines and the 8259 are
 * masked at every interrupt as before.
 *
 * Pecan asynchronous delivery (L4ABI_IRQ_ASYNC): the same masking, but the
 * notification carries a bit mask of every pending line bound to the
 * handler and a count of raised interrupts, so one receive serves many
 * lines. See docs/interrupts.md. */
#include "irq.h"
#include "arch/ia32/klock.h"
#include "kernel.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "ipc.h"
#include "console.h"
#include "vif.h"
#include "kdb.h"
#include "arch/ia32/irqchip.h"
#include "arch/ia32/cpu.h"
#include "arch/ia32/smp.h"
#include "trace.h"
#include "event_fast.h"
#include "arch/ia32/irq_fast.h"
#if IRQ_FASTPATH
#include "queue.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/space_switch.h"
#include "arch/ia32/fpu.h"
#include "arch/ia32/debug.h"
#endif

enum { MODE_NONE, MODE_SYNC, MODE_ASYNC };

struct irq_line {
    uint32_t handler;           /* handler's global ID, 0 if detached */
    uint8_t mode;
    uint8_t bit;                /* async: bit in the handler's mask */
    uint8_t cpu;                /* index of the CPU the controller sends it to */
    uint8_t regsel;             /* IO-APIC register of its pin's (= the line's)
                                 * low word, 0x10 + 2 * pin (irq_fast.S) */
    uint32_t raised;            /* async: raised since last notification */
    uint32_t gid;               /* irq_gid(line), constant (for irq_fast.S) */
    struct tcb *itcb;           /* tcb_of_no(line), constant (for irq_fast.S) */
    struct tcb *htcb;           /* the TCB slot of handler's ID, set at attach
                                 * (irq_fast.S; the thread only while its gid
                                 * == handler); while detached, irq_nobody */
    uint32_t bitmask;           /* async: 1 << bit, MR1 (irq_fast.S) */
    uint8_t eager;              /* 0: masked only on a repeat (lazy masking:
                                 * irqchip_line_lazy, at attach); 1: at every
                                 * interrupt (irq_fast.S reads its parity) */
    uint8_t insvc;              /* delivered, not yet acknowledged */
} __attribute__((aligned(32)));

struct irq_line irq_lines[IRQ_LINES];    /* also read by irq_fast.S */
#if IRQ_FASTPATH
/* irq_fast.S's per-vector table: the record of a plain IO-APIC line
 * (irq_fast_vector), NULL for every other vector. */
struct irq_line *irq_fast_rec[IRQF_VECTORS];
/* A detached line's htcb: a "TCB" whose global ID (its only field that
 * irq_fast.S reads before it refuses) is no detached line's handler (0),
 * so the entry's ID compare refuses a detached line as well: no separate
 * mode test. */
static const uint32_t irq_nobody_gid = ~0u;
#define irq_nobody ((struct tcb *)((uintptr_t)&irq_nobody_gid - offsetof(struct tcb, gid)))
#endif
static unsigned nlines;             /* lines the controller has */
extern volatile uint32_t boot_ticks;
uint32_t irq_pending;
uint64_t irq_entry_tsc;
uint32_t irq_stat_raised, irq_stat_delivered, irq_stat_direct;
uint32_t irq_stat_fast_entry, irq_stat_fast_acks;
/* The CPU that took the last attached interrupt (its index: kdebug
 * stats; a record pointer, which irq_fast.S has at hand; NULL: CPU 0). */
struct cpu_local *irq_stat_cpu_rec;
/* Interrupts irq_fast.S delivered: each one counts once here instead of
 * in irq_stat_raised, _delivered, _direct, fast_events[FAST_IRQ] and
 * irq_stat_fast_entry, which the readers (irq_stat_read) add it to. */
uint32_t irq_stat_asm_entry;

/* Lines the kernel drives itself: no interrupt thread, never attachable. */
static bool kernel_line(unsigned irq)
{
    return irq == 0 || irq == 2;        /* PIT, PIC cascade */
}

static uint32_t irq_gid(unsigned irq)
{
    return L4ABI_TID(irq, 1);
}

static void irq_thread_body(void);

void irq_init(void)
{
    nlines = irqchip_lines();
    for (unsigned irq = 0; irq < nlines; irq++) {
        irq_lines[irq].gid = irq_gid(irq);
        irq_lines[irq].eager = 1;       /* until an attach says otherwise */
        irq_lines[irq].itcb = tcb_of_no(irq);
        if (kernel_line(irq))
            continue;
        struct tcb *t = thread_create(irq_gid(irq), &kernel_space);
        thread_init_kernel(t, irq_thread_body);
        t->flags |= TF_IRQ;
        t->prio = IRQ_DEFAULT_PRIO;
    }
}

static bool accepts_line(const struct tcb *h, unsigned irq)
{
    return h->partner == L4ABI_ANYTHREAD || h->partner == irq_gid(irq);
}

/* Gives h (receiving, h->partner its from-specifier) what is pending for
 * it: one synchronous interrupt, or the mask of its asynchronous ones.
 * Only h's UTCB and TCB result fields change. */
/* Is an interrupt pending for h that h's from-specifier accepts? */
static bool pending_for(const struct tcb *h)
{
    for (uint32_t p = irq_pending; p; p &= p - 1) {
        unsigned irq = (unsigned)__builtin_ctz(p);
        if (irq_lines[irq].handler == h->gid && accepts_line(h, irq) &&
            !irq_lines[irq].insvc)
            return true;
    }
    return false;
}

static bool deliver(struct tcb *h)
{
    uint32_t mask = 0, count = 0, from = 0;
    /* While h's virtual IF is clear, its interrupts are held: they stay
     * pending (lines masked, nothing lost), h's VIP shows them, and h gets
     * them on a receive after its next sti. */
    if (!pending_for(h) || vif_set_pending(h))
        return false;
    for (uint32_t p = irq_pending; p; p &= p - 1) {
        unsigned irq = (unsigned)__builtin_ctz(p);
        struct irq_line *l = &irq_lines[irq];
        if (l->handler != h->gid || !accepts_line(h, irq) || l->insvc)
            continue;           /* (in service: held until its ack) */
        l->insvc = 1;
        if (l->mode == MODE_SYNC) {
            irq_pending &= ~(1u << irq);
            h->mr[0] = L4ABI_TAG(L4ABI_LABEL_INTERRUPT, 0, 0);
            h->ipc_from = irq_gid(irq);
            goto done;
        }
        /* Asynchronous: collect them all. */
        irq_pending &= ~(1u << irq);
        mask |= 1u << l->bit;
        count += l->raised;
        l->raised = 0;
        if (!from)
            from = irq_gid(irq);
    }
    if (!from)
        return false;
    h->mr[0] = L4ABI_TAG(L4ABI_LABEL_ASYNC_IRQ, 2, 0);
    h->mr[1] = mask;
    h->mr[2] = count;
    h->ipc_from = from;
done:
    h->ipc_error = 0;
    h->ipc_done = true;
    irq_stat_delivered++;
    if (TRACE_ON(TRACE_IPC))      /* the interrupt thread's message */
        trace_ipc(h->ipc_from, h->gid, h->mr[0], false);
    return true;
}

bool irq_deliver_pending(struct tcb *self)
{
    return deliver(self);
}

#if FASTPATH
/* The C fast paths' delivery to h, which waits for this line: the
 * message (sync: the tag alone; async: the line's bit and the raised
 * count, taken back at once), h's receive results and the counters, as
 * deliver() and the general path's switch would leave them. */
static inline void irq_fast_message(unsigned irq, struct irq_line *l, struct tcb *h)
{
    l->insvc = 1;
    l->raised++;
    if (l->mode == MODE_SYNC) {
        h->mr[0] = L4ABI_TAG(L4ABI_LABEL_INTERRUPT, 0, 0);
    } else {
        h->mr[0] = L4ABI_TAG(L4ABI_LABEL_ASYNC_IRQ, 2, 0);
        h->mr[1] = 1u << l->bit;
        h->mr[2] = l->raised;           /* this one and those coalesced */
        l->raised = 0;
    }
    h->ipc_from = irq_gid(irq);
    h->ipc_error = 0;
    h->ipc_done = true;
    irq_stat_raised++;
    irq_stat_delivered++;
    irq_stat_direct++;
    fast_events[FAST_IRQ]++;
}

/* The common case of an interrupt: h waits for this line (or any thread)
 * and outranks the interrupted user thread, and nothing else is pending
 * anywhere. The message goes into h's UTCB and h runs at once, with
 * exactly what deliver() and the direct switch below would leave: the
 * pending bit is never set, the raised count is taken back at once (async),
 * and the scheduler's handoff rule decides as for IPC. Returns false,
 * having changed nothing, in every other case. */
static bool irq_fast(unsigned irq, struct irq_line *l, struct tcb *h)
{
    struct tcb *cur = current;
    if (irq_pending || l->insvc || h->state != TS_RECV_WAIT || !accepts_line(h, irq) ||
        h->prio <= cur->prio || (cur->flags & TF_KERNEL) ||
        tcb_of_no(irq)->prio < cur->prio || !vif_enabled(h) ||
        !event_partner_local(h) || !sched_can_handoff(h))
        return false;
    irq_fast_message(irq, l, h);
    sched_cancel_wakeup(h);
    h->state = TS_READY;
    sched_preempt_to(h);    /* cur stays runnable */
    klock_ensure_full();    /* resumed maybe by a fast path (event_fast.h) */
    return true;
}
#endif

#if IRQ_FASTPATH
/* irq_fast.S's view of the structures it reads. */
ASM_OFFSET(irq_line, handler, IRQL_HANDLER);
ASM_OFFSET(irq_line, mode, IRQL_MODE);
ASM_OFFSET(irq_line, bit, IRQL_BIT);
ASM_OFFSET(irq_line, regsel, IRQL_REGSEL);
ASM_OFFSET(irq_line, bitmask, IRQL_BITMASK);
ASM_OFFSET(irq_line, raised, IRQL_RAISED);
ASM_OFFSET(irq_line, gid, IRQL_GID);
ASM_OFFSET(irq_line, itcb, IRQL_ITCB);
ASM_OFFSET(irq_line, htcb, IRQL_HTCB);
ASM_OFFSET(irq_line, eager, IRQL_EAGER);
ASM_OFFSET(irq_line, insvc, IRQL_INSVC);
_Static_assert(IRQL_INSVC == IRQL_EAGER + 1, "irq_fast.S: one word store");
_Static_assert(sizeof(struct irq_line) == 1 << IRQL_SIZE_LOG2 && MODE_SYNC == IRQL_MODE_SYNC &&
               MODE_NONE == 0, "struct irq_line");
ASM_OFFSET(tcb, rq, TCB_RQ);
ASM_OFFSET(tcb, xfer, TCB_XFER);
ASM_OFFSET(tcb, vif, TCB_VIF);
ASM_OFFSET(cpu_local, ready, CPU_READY);
ASM_OFFSET(prioq, bitmap, PRIOQ_BITMAP);
ASM_OFFSET(prioq, summary, PRIOQ_SUMMARY);
ASM_OFFSET(trap_frame, vector, FRAME_VECTOR);
ASM_OFFSET(trap_frame, eax, 28);
_Static_assert(TCB_SIZE == 1 << 12 && IRQ_DEFAULT_PRIO <= 255, "irq_fast.S: TCB number * 4 KiB");
_Static_assert(L4ABI_TAG(L4ABI_LABEL_INTERRUPT, 0, 0) == IRQF_TAG_SYNC &&
               L4ABI_TAG(L4ABI_LABEL_ASYNC_IRQ, 2, 0) == IRQF_TAG_ASYNC, "irq_fast.S: tags");
_Static_assert(L4ABI_TID(1, 1) == (1u << FAST_TID_NO_SHIFT) + 1, "irq_fast.S: irq_gid");
_Static_assert(FAST_IRQ * sizeof(uint32_t) == IRQF_FAST_IRQ_SLOT, "irq_fast.S: fast_events");
#if TRACE
_Static_assert((TRACE_BIT(TRACE_IRQ) | TRACE_HANDOFF_KINDS) == IRQF_TRACE_KINDS,
               "irq_fast.S: trace kinds");
#endif

void irq_fast_vector(unsigned i, int line)
{
    if (line < 0 || line >= IRQ_LINES) {
        irq_fast_rec[i] = NULL;
        return;
    }
    struct irq_line *l = &irq_lines[line];
    l->regsel = (uint8_t)(0x10 + 2 * line);
    if (l->mode == MODE_NONE)
        l->htcb = irq_nobody;
    irq_fast_rec[i] = l;
}

bool irq_fast_resumable(const struct tcb *t)
{
    uint32_t w = ((const uint32_t *)tcb_frame(t))[-1];
    return w == IRQ_RECV_WAIT_MARK || w == (uint32_t)(uintptr_t)ipc_fast_resume;
}

/* The interrupt entry's fast path (irq_fast.S, trap_irq; whole lock held,
 * interrupted in user mode): irq_fast's case, and the handler blocked in
 * a sysenter Ipc that only has to return (irq_fast_resumable) with no
 * string copy pending. Then it does what irq_entry, irq_fast, the direct
 * switch and the handler's own return from its Ipc would do, except the
 * stack switch: the line in service (masked unless lazy) and EOI'd, the
 * message in the handler's UTCB, the counters, the handler's Ipc ended (ipc_syscall_end) with its
 * result registers in its frame (do_ipc), the handler's place taken but
 * not linked (sched_preempt_to: lazy queueing), the switch (switch_to,
 * arch_switch_to). The interrupted thread stays runnable and linked, as
 * the general path leaves it. Returns the handler, or NULL having changed
 * nothing. Trace records (interrupt, IPC, switch) are the general path's:
 * while one is on, it runs. */
struct tcb *irq_fast_user(unsigned irq)
{
    struct cpu_local *me = cpu_self();
    struct tcb *cur = me->running;
    struct irq_line *l = &irq_lines[irq];
    if (irq == 0 || l->mode == MODE_NONE || irq_pending || l->insvc ||
        TRACE_ON_ANY(TRACE_BIT(TRACE_IRQ) | TRACE_HANDOFF_KINDS))
        return NULL;
#if KDB
    if (irq == KDB_SERIAL_LINE)
        return NULL;            /* the break key's line: kdb_serial_irq */
#endif
    struct tcb *h = tcb_lookup(l->handler);
    if (!h || !h->mr || h->state != TS_RECV_WAIT || !accepts_line(h, irq) ||
        h->prio <= cur->prio || (cur->flags & TF_KERNEL) ||
        tcb_of_no(irq)->prio < cur->prio || h->xfer || !irq_fast_resumable(h) ||
        !vif_enabled(h) || !event_partner_local(h) || !sched_can_handoff(h))
        return NULL;

    /* irq_entry's part. */
#if STATS
    irq_entry_tsc = rdtsc();     /* a probe: bench kernel only */
#endif
    if (l->eager)               /* (nothing pending, not in service) */
        irqchip_mask(irq);
    irqchip_eoi(irq);
    irq_stat_cpu_rec = me;
    /* irq_fast's: the message, the counters, h runnable. */
    irq_fast_message(irq, l, h);
    irq_stat_fast_entry++;      /* the entry's fast path, its C part */
    sched_cancel_wakeup(h);
    /* The end of h's Ipc: ipc_syscall_end (the tag has no error bit, as
     * set_result leaves it), and do_ipc's result registers. */
    h->state = TS_READY;
    struct trap_frame *hf = tcb_frame(h);
    hf->eax = h->ipc_from;
    hf->esi = h->mr[0];
    hf->ebx = h->mr[1];
    hf->ebp = h->mr[2];
    /* sched_preempt_to, switch_to, arch_switch_to but for arch_switch:
     * cur, still runnable, linked if it ran unlinked; h runs unlinked
     * (lazy queueing, sched.c). */
    if (!cur->rq.next)
        sched_enqueue(cur);
    h->flags |= TF_QUEUED;
    me->resched = false;
    me->running = h;
    h->on_cpu = me;
    me->context_switches++;
    space_switch(me, cur, h);
    me->tss.esp0 = tcb_stack_top(h);
    fpu_switch_to(me, h);
    debug_switch_to(me, h);
    return h;
}
#endif

void irq_entry(unsigned irq)
{
    if (TRACE_ON(TRACE_IRQ))
        trace_record(TT_IRQ, current ? current->gid : 0, irq, 0, 0);
    if (irq == 0) {
        irqchip_eoi(0);
#if KDB
        kdb_ticks++;            /* progress, for the NMI watchdog */
#endif
        if (current)
            sched_tick();
        else
            boot_ticks++;       /* timer check during boot */
        return;
    }
#if STATS
    irq_entry_tsc = rdtsc();     /* a probe: bench kernel only */
#endif
    struct irq_line *l = &irq_lines[irq];
    /* Lazy masking: a lazy line stays unmasked unless this interrupt
     * repeats one in service or pending (which it joins, held). */
    if (l->eager || l->insvc || (irq_pending & (1u << irq)))
        irqchip_mask(irq);
    irqchip_eoi(irq);
    struct tcb *h = l->mode != MODE_NONE ? tcb_lookup(l->handler) : NULL;
    if (!h || !h->mr) {
        /* No handler (or it was deleted): the line stays masked. */
        irqchip_mask(irq);
        return;
    }
    irq_stat_cpu_rec = cpu_self();      /* the routing's witness (kdebug) */
#if FASTPATH
    if (irq_fast(irq, l, h))
        return;
#endif
    irq_stat_raised++;
    l->raised++;
    irq_pending |= 1u << irq;
    if (h->state != TS_RECV_WAIT || l->insvc)
        return;             /* stays pending until h receives (after the
                             * ack, if in service: lazy masking) */
    struct tcb *it = tcb_of_no(irq);
    if (it->prio < current->prio && !(current->flags & TF_KERNEL)) {
        /* X.2: the interrupt thread ranks below the interrupted one, so it
         * sends only once the scheduler reaches its priority. */
        it->state = TS_READY;
        sched_enqueue(it);
        return;
    }
    if (!deliver(h))
        return;
    sched_cancel_wakeup(h);
    h->state = TS_READY;
    /* Direct switch: a waiting handler that outranks the interrupted
     * thread runs now, without a trip through the ready queues' scan. */
    if (h->prio > current->prio || (current->flags & TF_KERNEL)) {
        irq_stat_direct++;
        sched_switch_to(h);
    } else {
        sched_enqueue(h);
    }
}

/* An interrupt thread runs only when an interrupt found it outranked by
 * the interrupted thread (irq_entry): it then hands what is pending to its
 * handler, if that still waits, and blocks again. Kernel mode throughout;
 * it owns no user state. */
static void irq_thread_body(void)
{
    klock_ensure_full();        /* a first run: general kernel code */
    for (;;) {
        struct tcb *self = current;
        const struct irq_line *l = &irq_lines[tcb_no(self)];
        struct tcb *h = l->mode != MODE_NONE ? tcb_lookup(l->handler) : NULL;
        self->state = TS_INACTIVE;
        if (h && h->mr && h->state == TS_RECV_WAIT && deliver(h)) {
            sched_cancel_wakeup(h);
            h->state = TS_READY;
            sched_enqueue(h);
        }
        sched_block();
    }
}

/* Sends the line to CPU c (the IO-APIC's destination; nothing to do on
 * the 8259, where every line reaches CPU 0) and homes its interrupt
 * thread there, so the interrupt, the interrupt thread and the handler
 * meet on one CPU and delivery needs no IPI. Whole lock held. */
static void route(unsigned irq, struct cpu_local *c)
{
    if (!irqchip_is_apic())
        c = &cpu_local[0];
    irq_lines[irq].cpu = (uint8_t)c->index;
    irqchip_route(irq, c->apic_id);
    struct tcb *it = tcb_of_no(irq);
    if (it->cpu != c)
        sched_migrate(it, c);
}

/* t's home changed (sched_migrate): its lines follow it. An interrupt
 * already on its way to the old CPU is still taken there and handed to t
 * at its new home like any cross-CPU wake-up. */
void irq_handler_moved(const struct tcb *t)
{
    if (t->flags & TF_IRQ)
        return;
    for (unsigned irq = 0; irq < nlines; irq++)
        if (irq_lines[irq].mode != MODE_NONE && irq_lines[irq].handler == t->gid &&
            irq_lines[irq].cpu != t->cpu->index)
            route(irq, t->cpu);
}

/* What the controller itself says (read back from the IO-APIC), as a
 * CPU index; the 8259 reaches CPU 0 alone. */
unsigned irq_line_cpu(unsigned irq)
{
    if (irq >= nlines)
        return ~0u;
    int id = irqchip_route_of(irq);
    if (id < 0)
        return 0;
    for (unsigned i = 0; i < cpus_sched || i == 0; i++)
        if (cpu_local[i].apic_id == id)
            return i;
    return ~0u;
}

static void detach(unsigned irq)
{
    struct irq_line *l = &irq_lines[irq];
    bool had = l->mode != MODE_NONE;
    irqchip_mask(irq);
    l->mode = MODE_NONE;
    l->handler = 0;
#if IRQ_FASTPATH
    l->htcb = irq_nobody;
#endif
    l->raised = 0;
    l->insvc = 0;
    l->eager = 1;
    irq_pending &= ~(1u << irq);
    if (had)
        route(irq, &cpu_local[0]);      /* unattached lines rest on CPU 0 */
#if KDB
    if (had)
        kdb_serial_line_owner(irq, false);      /* the break key's line back */
#else
    (void)had;
#endif
}

void irq_handler_deleted(const struct tcb *t)
{
    for (unsigned irq = 0; irq < nlines; irq++)
        if (irq_lines[irq].mode != MODE_NONE && irq_lines[irq].handler == t->gid)
            detach(irq);
}

uint32_t irq_handler_of(unsigned irq)
{
    return irq < nlines && irq_lines[irq].mode != MODE_NONE ? irq_lines[irq].handler : 0;
}

bool irq_ack(struct tcb *self, struct tcb *it)
{
    unsigned irq = tcb_no(it);
    if (irq >= nlines || irq_lines[irq].mode == MODE_NONE ||
        irq_lines[irq].handler != self->gid)
        return false;
    /* X.2: one interrupt at a time, so a pending line stays masked until
     * delivered. Async: the unmask is explicit; a repeat raised while the
     * notification is pending coalesces into it and is counted. The line
     * is out of service: what is pending can be delivered. (A lazy line
     * still unmasked is unmasked once more: no change.) */
    irq_lines[irq].insvc = 0;
    if (irq_lines[irq].mode == MODE_ASYNC || !(irq_pending & (1u << irq)))
        irqchip_unmask(irq);
    return true;
}

#if IRQ_FASTPATH
/* The acknowledgement's short path (sysenter_ipc, this CPU's lock word
 * held): a send-only sysenter Ipc (from-specifier nil) to the global ID
 * of an interrupt thread whose line self handles. It does what
 * ipc_syscall and do_ipc do for it (the general path never redirects,
 * transfers or blocks an acknowledgement): irq_ack's unmask, the
 * results (ipc_from nil, no error, ipc_done and ipc_intended clear, MR0
 * = the tag without the error bit) and the returned registers. Returns
 * false having changed nothing in every other case, and while a trace
 * kind is on. Lines are attached and detached under the whole lock, so
 * this CPU's word keeps them as they are; irqchip_unmask_fast keeps
 * another CPU's fast path off the controller's registers. */
bool irq_ack_fast(struct trap_frame *f)
{
    struct tcb *self = current;
    uint32_t to = f->eax;
    unsigned irq = L4ABI_TID_THREADNO(to);
    struct irq_line *l = &irq_lines[irq];
    if (irq >= nlines || to != l->gid || l->mode == MODE_NONE ||
        l->handler != self->gid || TRACE_ON_ANY(0xff))
        return false;
    /* irq_ack: one interrupt at a time for X.2 (a pending one keeps the
     * line masked until it is delivered); async: the unmask is explicit.
     * A plain IO-APIC line (the entry's vector table holds it at its own
     * pin's vector) inline, as irq_fast.S masked it; the rest through
     * the controller's code. */
    l->insvc = 0;
    if (l->mode == MODE_ASYNC || !(irq_pending & (1u << irq))) {
        if (irq_fast_rec[IRQF_APIC_FIRST + irq] == l) {
            /* Lazy masking: a line still unmasked needs no write (its
             * cached word changes only here, at the entry on this CPU and
             * under the whole lock). */
            if (ioapic_rte_low[irq] & IRQF_RTE_MASKED)
                irq_fast_pin_unmask(l->regsel);
        } else {
            irqchip_unmask_fast(irq);
        }
    }
    __atomic_fetch_add(&irq_stat_fast_acks, 1, __ATOMIC_RELAXED);  /* (other CPUs' too) */
    /* ipc_syscall's results (ipc_syscall_end, set_result), do_ipc's
     * registers. */
    uint32_t *mr = self->mr;
    mr[0] = f->esi & ~L4ABI_TAG_ERROR;
    self->ipc_done = false;
    self->ipc_error = 0;
    self->ipc_from = L4ABI_NILTHREAD;
    self->ipc_intended = 0;
    self->state = TS_READY;
    f->eax = L4ABI_NILTHREAD;
    f->esi = mr[0];
    f->ebx = mr[1];
    f->ebp = mr[2];
    return true;
}
#endif

uint32_t irq_control(struct tcb *self, uint32_t irq_tid, uint32_t space_spec,
                     uint32_t scheduler, uint32_t pager)
{
    struct tcb *it = tcb_lookup(irq_tid);
    if (!it || !(it->flags & TF_IRQ) || tcb_no(it) >= nlines)
        return L4ABI_ERR_INVALID_THREAD;
    if (space_spec != irq_tid)
        return L4ABI_ERR_INVALID_SPACE;
    unsigned irq = tcb_no(it);
    struct irq_line *l = &irq_lines[irq];
    if (pager == L4ABI_NILTHREAD)
        return 0;                       /* X.2: nil pager = unchanged */
    if (pager == irq_tid) {
        detach(irq);
        return 0;
    }
    struct tcb *h = tcb_resolve(self, pager);
    if (!h || (h->flags & (TF_KERNEL | TF_IRQ)) || !h->mr)
        return L4ABI_ERR_INVALID_THREAD;
    irqchip_mask(irq);
    irq_pending &= ~(1u << irq);
    bool held = false;          /* the kernel holds input for this line */
#if KDB
    held = kdb_serial_line_owner(irq, true);
#endif
    l->handler = h->gid;
    l->htcb = h;
    l->raised = held;
    l->insvc = 0;
    l->eager = !irqchip_line_lazy(irq);
    it->scheduler = self->gid;      /* may set the line's priority (Schedule) */
    if (L4ABI_IRQ_IS_ASYNC(scheduler)) {
        l->mode = MODE_ASYNC;
        l->bit = (uint8_t)L4ABI_IRQ_ASYNC_BIT(scheduler);
        l->bitmask = 1u << l->bit;
    } else {
        l->mode = MODE_SYNC;
    }
    route(irq, h->cpu);                 /* to the handler's CPU, still masked */
    if (!held) {
        irqchip_unmask(irq);
        return 0;
    }
    irq_pending |= 1u << irq;           /* as if raised: masked until the ack */
    if (h->state == TS_RECV_WAIT && deliver(h)) {
        sched_cancel_wakeup(h);
        h->state = TS_READY;
        sched_enqueue(h);
    }
    return 0;
}

#if KDB
bool irq_describe(unsigned irq, struct irq_info *out)
{
    if (irq >= nlines)
        return false;
    static const char *const modes[] = { "-", "sync", "async" };
    const struct irq_line *l = &irq_lines[irq];
    out->handler = l->handler;
    out->mode = modes[l->mode];
    out->raised = l->raised;
    out->kernel = irq == 0 ? "timer" : irq == 2 ? "cascade" :
                  irq == 4 && l->mode == MODE_NONE ? "kdb-break" : NULL;
    return true;
}
#endif
