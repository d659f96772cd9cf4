/* Thread objects: lookup in the virtual TCB array, creation, UTCBs,
 * deletion. */
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "ipc.h"
#include "irq.h"
#include "frame.h"
#include "console.h"
#include "string.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/gdt.h"
#include "trace.h"
#include "arch/ia32/smp.h"
#include "kernel.h"

uint32_t thread_no_limit;       /* one past the highest thread number used */

struct tcb *tcb_lookup(uint32_t gid)
{
    return tcb_lookup_inline(gid);
}

/* A local ID is the address of a thread's MR0 in the caller's space. The
 * UTCB there says which global ID claims it; believe it only if that thread
 * really lives in this space at this UTCB. */
/* The global case (pagers, exception handlers, most partners) without the
 * local case's frame: that one is tcb_resolve_local's. */
struct tcb *tcb_resolve(const struct tcb *self, uint32_t id)
{
    if (!L4ABI_TID_IS_LOCAL(id))
        return tcb_lookup_inline(id);
    return tcb_resolve_local(self, id);
}

struct tcb *tcb_resolve_local(const struct tcb *self, uint32_t id)
{
    if (id == L4ABI_NILTHREAD || id == L4ABI_ANYLOCALTHREAD)
        return NULL;
    struct space *s = self->space;
    uint32_t loc = id - L4ABI_UTCB_MR0_OFFSET;
    if (!space_in_utcb_area(s, loc, L4ABI_UTCB_SIZE) || (loc & (L4ABI_UTCB_SIZE - 1)))
        return NULL;
    uint32_t slot = (loc - s->utcb_base) / L4ABI_UTCB_SIZE;
    if (!(s->utcb_used[slot / 32] & (1u << (slot % 32))))
        return NULL;
    /* A used slot's page is mapped (kernel-owned UTCB page). In the
     * current space read it through the user address; otherwise look the
     * frame up in the page table. */
    const uint32_t *mr0;
    if (self == current) {
        mr0 = (const uint32_t *)(uintptr_t)id;
    } else {
        uint32_t pte = pd_lookup(s->pd, loc, NULL);
        if (!pte)
            return NULL;
        mr0 = phys_to_virt((pte & PTE_ADDR) + (id & 0xfff));
    }
    struct tcb *t = tcb_lookup(mr0[L4ABI_UTCB_MYGLOBALID]);
    if (!t || t->space != s || t->utcb_uaddr != loc)
        return NULL;
    return t;
}


bool thread_is_privileged(const struct tcb *t)
{
    return t->space && t->space->privileged;
}

/* A new thread's home: the creator's CPU (docs/smp.md); with the test
 * option smp=spread, user threads of spaces without I/O ports round robin
 * over the CPUs, so that unchanged suites run across CPUs. */
static struct cpu_local *home_for(uint32_t no, const struct space *s)
{
    static unsigned next;
    if (!boot_options.smp_spread || cpus_sched == 1 || no < USER_BASE ||
        s->io.bm.page[0] || s->sigma0)
        return cpu_self();
    return &cpu_local[next++ % cpus_sched];
}

struct tcb *thread_create(uint32_t gid, struct space *s)
{
    uint32_t no = L4ABI_TID_THREADNO(gid);
    struct tcb *t = tcb_of_no(no);
    /* A slot is reused without being freed: clear everything a new thread
     * or ExchangeRegisters could read, the TCB and the user frame (ip, sp,
     * flags, registers; the rest of the kernel stack is never read
     * before being written). */
    memset(t, 0, sizeof(*t));           /* first write backs the slot */
    arch_thread_set_user_frame(t, 0, 0);
    if (no >= thread_no_limit)
        thread_no_limit = no + 1;
    t->gid = gid;
    t->state = TS_INACTIVE;
    t->space = s;
    t->cpu = t->on_cpu = home_for(no, s);
    t->redirector = s->redirector;
    t->prio = DEFAULT_PRIO;
    t->timeslice_us = DEFAULT_TIMESLICE_US;
    t->ts_left_us = t->timeslice_us;
    s->threads++;
    if (TRACE_ON(TRACE_THREAD))
        trace_record(TT_CREATE, current ? current->gid : 0, gid, 0, 0);
    return t;
}

int thread_set_utcb(struct tcb *t, uint32_t loc)
{
    struct space *s = t->space;
    if ((loc & (L4ABI_UTCB_SIZE - 1)) || !space_in_utcb_area(s, loc, L4ABI_UTCB_SIZE))
        return L4ABI_ERR_UTCB_AREA;
    uint32_t slot = (loc - (s->utcb_area & L4ABI_FPAGE_BASE_MASK)) / L4ABI_UTCB_SIZE;
    if (s->utcb_used[slot / 32] & (1u << (slot % 32)))
        return L4ABI_ERR_UTCB_AREA;     /* another thread has it */

    uint32_t page = loc & PTE_ADDR;
    uint32_t pte = pd_lookup(s->pd, page, NULL);
    if (!pte) {
        /* A kernel-owned UTCB page: charged to the space (4 KiB), given
         * back by space_destroy. */
        if (!kmem_acct_charge(&s->kmem, PAGE_SIZE))
            return L4ABI_ERR_NO_MEM;
        paddr_t f = frame_alloc();
        if (!f) {
            kmem_acct_sub(&s->kmem, PAGE_SIZE);
            return L4ABI_ERR_NO_MEM;
        }
        memset(phys_to_virt(f), 0, PAGE_SIZE);
        if (pd_map(s->pd, &s->kmem, page, f, 12, PTE_W) != 0) {
            frame_free(f);
            kmem_acct_sub(&s->kmem, PAGE_SIZE);
            return L4ABI_ERR_NO_MEM;
        }
        pte = f | PTE_P;
    }
    s->utcb_used[slot / 32] |= 1u << (slot % 32);
    if (slot < UTCB_TCB_SLOTS)
        s->utcb_tcb[slot] = t;
    s->active_threads++;
    uint32_t *block = phys_to_virt((pte & PTE_ADDR) + (loc & 0xfff));
    memset(block, 0, L4ABI_UTCB_SIZE);
    t->utcb_uaddr = loc;
    t->utcb_pending = false;
    gdt_utcb_desc(loc, t->gs_desc);
    t->mr = block + L4ABI_UTCB_MR0_OFFSET / 4;
    block[0] = L4ABI_UTCB_LOCALID(loc);     /* %gs:0, the local ID */
    UTCB(t, L4ABI_UTCB_MYGLOBALID) = t->gid;
    return 0;
}

static void thread_release_utcb(struct tcb *t)
{
    struct space *s = t->space;
    if (!t->mr)
        return;
    uint32_t slot = (t->utcb_uaddr - (s->utcb_area & L4ABI_FPAGE_BASE_MASK)) /
                    L4ABI_UTCB_SIZE;
    s->utcb_used[slot / 32] &= ~(1u << (slot % 32));
    if (slot < UTCB_TCB_SLOTS)
        s->utcb_tcb[slot] = NULL;
    s->active_threads--;
    t->mr = NULL;
}

void thread_start_user(struct tcb *t, uint32_t ip, uint32_t sp)
{
    arch_thread_init_user(t, ip, sp);
}

void thread_init_kernel(struct tcb *t, void (*fn)(void))
{
    arch_thread_init_kernel(t, fn);
}

/* Deletion: the thread leaves every queue; partners blocked on it see
 * "non-existing partner"; its UTCB slot is freed. The TCB frame stays (one
 * per thread number ever used, bounded by MAX_THREADS). Preemptible (the
 * partner scans and the space's mappings): t is TS_DEAD, i.e. unknown to
 * every lookup, from the first pause on. If the deleting thread is itself
 * deleted meanwhile, t stays TS_DEAD (its number unusable) and its space
 * keeps what was not freed yet; the kernel stays consistent. */
void thread_destroy(struct tcb *t)
{
    struct space *s = t->space;
    assert(t != current);
    if (TRACE_ON(TRACE_THREAD))
        trace_record(TT_DELETE, current ? current->gid : 0, t->gid, 0, 0);
    irq_handler_deleted(t);
    sched_dequeue(t);
    sched_cancel_wakeup(t);
    ipc_cancel_all(t);
    thread_release_utcb(t);
    arch_thread_release(t);
    t->state = TS_DEAD;
    t->gid = 0;
    s->threads--;
    if (s->threads == 0)
        space_destroy(s);
    t->state = TS_FREE;
}
