/* Debugger commands about threads and scheduling: the thread list, one
 * TCB in full, the ready queues and the wakeup queue. They read the TCB
 * array directly (slots below thread_no_limit). */
#include "kdb_int.h"
#include "../thread.h"
#include "../space.h"
#include "../sched.h"
#include "../queue.h"

static void partner_text(const struct tcb *t, char *buf, size_t n)
{
    if (t->state != TS_SEND_WAIT && t->state != TS_RECV_WAIT && t->state != TS_XFER)
        ksnprintf(buf, n, "-");
    else if (t->partner == L4ABI_ANYTHREAD)
        ksnprintf(buf, n, "any");
    else if (t->partner == L4ABI_ANYLOCALTHREAD)
        ksnprintf(buf, n, "anylocal");
    else
        ksnprintf(buf, n, "%08x", t->partner);
}

static void flags_text(const struct tcb *t, char *buf, size_t n)
{
    /* queued-unlinked: its place taken, not yet linked (lazy queueing) */
    const char *queued = !(t->flags & TF_QUEUED) ? "" : t->rq.next ? "queued " : "queued-unlinked ";
    ksnprintf(buf, n, "%s%s%s%s%s%s", t->flags & TF_HALTED ? "halted " : "",
              t->flags & TF_KERNEL ? "kernel " : "", t->flags & TF_IRQ ? "irq " : "",
              t->flags & TF_WAKEUP ? "timeout " : "", queued,
              t->flags & TF_STARTING ? "starting " : "");
}

static void thread_line(struct tcb *t, void *arg)
{
    (void)arg;
    char partner[12], flags[64];
    if ((t->flags & TF_IRQ) && t->state == TS_INACTIVE)
        return;                 /* idle interrupt threads: `irq` lists lines */
    partner_text(t, partner, sizeof(partner));
    flags_text(t, flags, sizeof(flags));
    kp("%5u %08x %-9s %3u %08x %-8s %u%s %s\n", tcb_no(t), t->gid, kdb_state_name(t->state),
       t->prio, (uint32_t)(uintptr_t)t->space, partner, kdb_thread_cpu(t),
       t == current ? "*" : " ", flags);
}

static int cmd_threads(int argc, char **argv)
{
    (void)argc, (void)argv;
    kp("   no gid      state     pri space    partner  cpu flags\n");
    kdb_each_thread(thread_line, NULL);
    return KDB_STAY;
}
KDB_COMMAND(threads, "", "all threads: state, priority, space, partner, CPU (* running)",
            cmd_threads);

static int cmd_tcb(int argc, char **argv)
{
    const struct tcb *t = kdb_thread_arg(argc > 1 ? argv[1] : ".");
    if (!t)
        return KDB_STAY;
    char partner[12], flags[64];
    partner_text(t, partner, sizeof(partner));
    flags_text(t, flags, sizeof(flags));
    kp("tcb %p: thread %08x (no %u, version %u)%s\n", (const void *)t, t->gid, tcb_no(t),
       L4ABI_TID_VERSION(t->gid), t == current ? ", running" : "");
    kp("  state %s, flags %02x (%s), vif %u, cpu %u\n", kdb_state_name(t->state), t->flags,
       flags, t->vif, kdb_thread_cpu(t));
    kp("  space %p%s, ksp %08x, utcb %08x%s, mr %p\n", (void *)t->space,
       t->space && t->space->privileged ? " (privileged)" : "", t->ksp, t->utcb_uaddr,
       t->utcb_pending ? " (pending)" : "", (void *)t->mr);
    kp("  prio %u, scheduler %08x, timeslice %u us (left %u), quantum %lu us\n", t->prio,
       t->scheduler, t->timeslice_us, t->ts_left_us, (unsigned long)t->quantum_left_us);
    kp("  ipc: partner %s, from %08x, error %x, done %u, senders queued %s, "
       "recv timeout %04x spec %08x\n", partner, t->ipc_from, t->ipc_error, t->ipc_done,
       t->sq_head ? "yes" : "no", t->recv_timeout, t->recv_spec);
    if (t->flags & TF_WAKEUP)
        kp("  wakeup at %lu us (now %lu)\n", (unsigned long)t->wq.deadline,
           (unsigned long)sched_now_us());
    kp("  xfer %p, fpu %p, redirector %08x, intended %08x\n", (void *)t->xfer, t->fpu,
       t->redirector, t->ipc_intended);
    kp("  debug registers: dr0-3 %08x %08x %08x %08x dr7 %08x\n", t->dr[0], t->dr[1],
       t->dr[2], t->dr[3], t->dr7);
    if (t->mr) {
        kp("  mr0-7:");
        for (int i = 0; i < 8; i++)
            kp(" %08x", t->mr[i]);
        kp("\n");
    }
    return KDB_STAY;
}
KDB_COMMAND(tcb, "[thread]", "one thread control block in full", cmd_tcb);

/* Ready queues: walk each queued thread's circular list once, from the
 * lowest-numbered member of its level. */
struct ready_walk { unsigned prio; bool any; };

static void ready_level(struct tcb *t, void *arg)
{
    struct ready_walk *w = arg;
    if (!t->rq.next || t->prio != w->prio)     /* linked there */
        return;
    w->any = true;
}

static int cmd_ready(int argc, char **argv)
{
    (void)argc, (void)argv;
    kp("ready queues (highest first; the head runs next; lazily cleaned: a blocked\n"
       "thread stays queued until the scheduler meets it; a running thread may be\n"
       "unlinked):\n");
    for (int p = NPRIO - 1; p >= 0; p--) {
        struct ready_walk w = { (unsigned)p, false };
        kdb_each_thread(ready_level, &w);
        if (!w.any)
            continue;
        kp("  %3d:", p);
        /* The level's ring, from a member; the head is unknown here, so
         * print the ring starting at the lowest thread number. */
        struct tcb *first = NULL;
        for (uint32_t no = 0; no < thread_no_limit && !first; no++) {
            struct tcb *t = tcb_of_no(no);
            if (t->state != TS_FREE && t->rq.next && t->prio == (unsigned)p)
                first = t;
        }
        const struct qlink *l = &first->rq;
        unsigned n = 0;
        do {
            const struct tcb *t = container_of(l, struct tcb, rq);
            kp(" %08x(%s)", t->gid, kdb_state_name(t->state));
            l = l->next;
        } while (l != &first->rq && ++n < 64);
        kp("\n");
    }
    kp("  running: %08x\n", current ? current->gid : 0);
    return KDB_STAY;
}
KDB_COMMAND(ready, "", "ready queues by priority", cmd_ready);

static void wake_find(struct tcb *t, void *arg)
{
    struct tcb **first = arg;
    if ((t->flags & TF_WAKEUP) && !t->wq.prev)
        *first = t;             /* the head: nothing before it */
}

static int cmd_wakeup(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct tcb *first = NULL;
    kdb_each_thread(wake_find, &first);
    uint64_t now = sched_now_us();
    kp("wakeup queue (earliest first), now %lu us:\n", (unsigned long)now);
    if (!first)
        kp("  empty\n");
    unsigned n = 0;
    /* The queue is sorted: follow it from its earliest entry. */
    for (const struct timeq_link *l = first ? &first->wq : NULL; l && n < 200; l = l->next, n++) {
        const struct tcb *t = container_of(l, struct tcb, wq);
        kp("  %08x %-9s at %lu us (in %ld)\n", t->gid, kdb_state_name(t->state),
           (unsigned long)l->deadline, (long)(l->deadline - now));
    }
    return KDB_STAY;
}
KDB_COMMAND(wakeup, "", "the wakeup (timeout) queue", cmd_wakeup);
