/* kdebug thread list (op L4ABI_KDB_OP_THREADS, privileged callers only):
 * a snapshot of the TCB array for a user-level `ps`. One call looks at no
 * more than L4ABI_KDB_THREADS_SCAN thread numbers and writes at most the
 * caller's capacity (<= L4ABI_KDB_THREADS_MAX) of entries, so its cost is
 * bounded whatever the number of threads; the caller continues from the
 * returned thread number. Entries are copied out one at a time with the
 * fault-safe user copy (a missing page goes to the caller's pager, as for
 * any kernel access to user memory); nothing is kept between calls. */
#include "kdebug.h"
#include "uaccess.h"
#include "../../thread.h"
#include "../../irq.h"
#include "../../space.h"

static uint8_t abi_state(uint8_t s)
{
    switch (s) {
    case TS_INACTIVE:   return L4ABI_KDB_TS_INACTIVE;
    case TS_READY:      return L4ABI_KDB_TS_READY;
    case TS_SEND_WAIT:  return L4ABI_KDB_TS_SEND;
    case TS_RECV_WAIT:  return L4ABI_KDB_TS_RECV;
    case TS_XFER:       return L4ABI_KDB_TS_XFER;
    default:            return L4ABI_KDB_TS_DEAD;
    }
}

static void describe(const struct tcb *t, struct l4abi_kdb_thread *e)
{
    e->gid = t->gid;
    /* Opaque: the space object's address; only equality means anything. */
    e->space = t->space == &kernel_space ? 0 : (uint32_t)(uintptr_t)t->space;
    e->state = abi_state(t->state);
    e->prio = t->prio;
    e->flags = ((t->flags & TF_HALTED) ? L4ABI_KDB_TF_HALTED : 0) |
               ((t->flags & TF_KERNEL) ? L4ABI_KDB_TF_KERNEL : 0) |
               ((t->flags & TF_IRQ) ? L4ABI_KDB_TF_IRQ : 0) |
               (thread_is_privileged(t) ? L4ABI_KDB_TF_PRIVILEGED : 0) |
               (t == current ? L4ABI_KDB_TF_CURRENT : 0);
    e->cpu = 0;                 /* threads run on the boot processor (docs/smp.md) */
    if (t->flags & TF_IRQ)
        e->partner = irq_handler_of(tcb_no(t));
    else if (t->state == TS_SEND_WAIT || t->state == TS_RECV_WAIT || t->state == TS_XFER)
        e->partner = t->partner;
    else
        e->partner = 0;
}

static void fail(struct trap_frame *f)
{
    f->eax = ~0u;
    f->ecx = L4ABI_ERR_INVALID_PARAM;
    if (current->mr)
        current->mr[L4ABI_UTCB_ERRORCODE] = L4ABI_ERR_INVALID_PARAM;
}

void kdebug_thread_list(struct trap_frame *f)
{
    uint32_t buf = f->eax, cap = f->ecx, no = f->edx, n = 0;
    if (cap == 0 || cap > L4ABI_KDB_THREADS_MAX || no >= MAX_THREADS ||
        buf >= USER_LIMIT || cap * sizeof(struct l4abi_kdb_thread) > USER_LIMIT - buf) {
        fail(f);
        return;
    }
    uint32_t end = no + L4ABI_KDB_THREADS_SCAN;
    if (end > thread_no_limit)
        end = thread_no_limit;
    for (; no < end && n < cap; no++) {
        const struct tcb *t = tcb_of_no(no);
        if (t->state == TS_FREE)
            continue;
        struct l4abi_kdb_thread e;
        describe(t, &e);
        if (!copy_to_user(buf + n * sizeof(e), &e, sizeof(e))) {
            fail(f);
            return;
        }
        n++;
    }
    f->eax = n;
    f->edx = no < thread_no_limit ? no : 0;
}
