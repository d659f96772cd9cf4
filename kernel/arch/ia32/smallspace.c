/* Small address spaces: the region, the windows, the switch and the
 * faults (invariants in smallspace.h, design in docs/smallspaces.md). */
#include "smallspace.h"
#include "space_switch.h"
#include "paging.h"
#include "gdt.h"
#include "cpu.h"
#include "debug.h"
#include "ioport.h"
#include "fastipc.h"
#include "../../space.h"
#include "../../thread.h"
#include "../../console.h"
#include "smp_ipi.h"

struct small_stats small_stats;

/* Owners of the region's 4 MiB slots (shared by all CPUs). */
static struct space *small_owner[SMALL_SLOTS];
/* Spaces whose directory holds region copies. */
static struct space *polluted_head;

struct small_cpu small_cpus[MAX_CPUS] = {
    [0 ... MAX_CPUS - 1] = { .pd_space = &kernel_space, .seg_base = 0, .seg_size = USER_LIMIT },
};
static inline struct small_cpu *this_cpu(void) { return small_this_cpu(); }

/* entry.S leaves by sysexit only if the frame's EFLAGS has no bit of
 * sysexit_iret_mask: all ones forces iret (a small thread needs its
 * segments from the GDT; a large thread on a polluted directory its 3 GiB
 * ones). The word is one for all CPUs (entry.S reads it with one load),
 * so it is all ones while at least one CPU needs iret (iret_cpus of them;
 * per CPU: iret_forced, which the IPC fast path reads) and what vif.c
 * made it (EFLAGS.TF, or ~0 with PVI) otherwise. A CPU that does not need
 * iret may so use it for a while: always correct, only slower. The three
 * words change under iret_lock, taken with interrupts off by a CPU that
 * holds at least its own kernel-lock word (switches under the local
 * word run on several CPUs at once); nothing is taken inside it. */
extern uint32_t sysexit_iret_mask;
static uint32_t iret_lock, iret_cpus, iret_base_mask;

static void force_iret(struct small_cpu *c, bool on)
{
    if (on == c->iret_forced)
        return;
    c->iret_forced = on;
    while (__atomic_exchange_n(&iret_lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause" ::: "memory");
    if (on) {
        if (iret_cpus++ == 0) {
            iret_base_mask = sysexit_iret_mask;
            sysexit_iret_mask = ~0u;
        }
    } else if (--iret_cpus == 0) {
        sysexit_iret_mask = iret_base_mask;
    }
    __atomic_store_n(&iret_lock, 0, __ATOMIC_RELEASE);
    /* The asm IPC fast path leaves by sysexit: not while iret is forced. */
    small_cpu_record(c)->fast_off.why[FAST_OFF_IRET] = c->iret_forced;
}

/* The X.2 ia32 descriptor: the lowest set bit k gives the size 4 MiB << k,
 * the bits above it the offset in 2 MiB units. */
static uint32_t id_size(uint32_t id) { return (id & -id) << 22; }
static uint32_t id_offset(uint32_t id) { return (id & ~(id & -id)) << 21; }

static uint32_t region_slot(uint32_t lin) { return PD_SLOT(SMALL_AREA) + ((lin - SMALL_AREA) >> 22); }

static void flush_tlb(void)
{
    write_cr3(read_cr3());      /* user entries are never global */
}

/* The CPUs other than this one whose loaded directory holds a copy of
 * one of region slots [first, first + n) (region-relative): they may hold
 * TLB entries through it. Caller holds the whole kernel lock, so no CPU
 * changes its directory meanwhile (every other CPU is in user mode, idle
 * or spinning for the lock). */
static uint32_t cpus_with_copies(uint32_t first, uint32_t n)
{
    uint32_t mask = 0;
    unsigned me = cpu_self()->index;
    for (unsigned i = 0; i < cpus_sched; i++) {
        const uint32_t *pd = small_cpus[i].pd_space->pd;
        if (i == me || pd == kernel_pd)
            continue;
        for (uint32_t j = 0; j < n; j++)
            if (pd[PD_SLOT(SMALL_AREA) + first + j] & PTE_P) {
                mask |= 1u << i;
                break;
            }
    }
    return mask;
}

/* Clears the copies of region slots [first, first + n) (region-relative)
 * in every polluted directory and flushes the TLB of this CPU and, at
 * once (a page table may be freed next), of every other CPU whose loaded
 * directory held one of them (smp_shootdown waits for all). */
static void purge(uint32_t first, uint32_t n)
{
    uint32_t others = cpus_sched > 1 ? cpus_with_copies(first, n) : 0;
    for (struct space *p = polluted_head; p; p = p->small.next_polluted)
        for (uint32_t i = 0; i < n; i++)
            p->pd[PD_SLOT(SMALL_AREA) + first + i] = 0;
    flush_tlb();
    small_stats.purges++;
    if (others) {
        struct cpu_local *me = cpu_self();
        me->shoot_mask |= others;
        smp_shootdown(me);
    }
}

/* Asks the CPUs in mask (not this one) to redo their space state
 * (small_serve) and waits until all have: when they answer they are in
 * the kernel, spinning for the lock we hold, so none of them runs user
 * code again before we let the lock go. */
static void request_serve(uint32_t mask)
{
    if (mask)
        smp_request_mask(mask, REQ_SMALL);
}

/* The CPUs other than this one that run a user thread of s right now:
 * its segments (and %gs, debug registers, exit path) follow s's mode. */
static uint32_t cpus_running(const struct space *s)
{
    uint32_t mask = 0;
    unsigned me = cpu_self()->index;
    for (unsigned i = 0; i < cpus_sched; i++) {
        const struct tcb *t = cpu_local[i].running;
        if (i != me && t && !(t->flags & TF_KERNEL) && t->space == s)
            mask |= 1u << i;
    }
    return mask;
}

/* The CPUs other than this one whose loaded directory is s's. */
static uint32_t cpus_on_pd(const struct space *s)
{
    uint32_t mask = 0;
    unsigned me = cpu_self()->index;
    for (unsigned i = 0; i < cpus_sched; i++)
        if (i != me && small_cpus[i].pd_space == s)
            mask |= 1u << i;
    return mask;
}

void small_load_pd(struct small_cpu *c, struct space *s, struct tcb *prev, struct tcb *next)
{
    /* Both kernel stacks must stay reachable across the CR3 write. */
    pd_sync_kernel(s->pd, (uint32_t)(uintptr_t)next);
    pd_sync_kernel(s->pd, (uint32_t)(uintptr_t)prev);
    write_cr3(virt_to_phys(s->pd));
    c->pd_space = s;                /* what CR3 holds (TLB shootdown too) */
    small_stats.cr3_writes++;
}
#define load_pd small_load_pd

static uint64_t large_code, large_data;     /* base 0, 3 GiB */

static void load_segs(struct small_cpu *c, const struct space *s)
{
    if (!large_code)
        gdt_user_descs(0, USER_LIMIT, &large_code, &large_data);
    if (s->small.base)
        gdt_set_user(gdt_current(), s->small.ucode, s->small.udata);
    else
        gdt_set_user(gdt_current(), large_code, large_data);
    /* A selector the user loaded into %fs keeps the old window's
     * descriptor cached: drop it (Pecan keeps no user %fs). */
    uint32_t fs;
    __asm__ volatile("movl %%fs, %0" : "=r"(fs));
    if (fs)
        __asm__ volatile("movw %w0, %%fs" :: "r"(0) : "memory");
    c->seg_base = s->small.base;
    c->seg_size = s->small.base ? s->small.size : USER_LIMIT;
    /* The asm IPC fast path handles large spaces' segments only. */
    small_cpu_record(c)->fast_off.why[FAST_OFF_SMALL] = s->small.base != 0;
    small_stats.seg_loads++;
}

/* Directory, segments and exit path for next, which becomes current:
 * the general case of space_switch (space_switch.h). */
static void activate(struct small_cpu *c, struct tcb *prev, struct tcb *next)
{
    struct space *s = next->space;
    uint32_t base = s->small.base;

    if (!base) {
        if (s != c->pd_space)
            load_pd(c, s, prev, next);
        if (c->seg_base)
            load_segs(c, s);
        force_iret(c, c->pd_space->small.polluted);
        if (!(next->flags & TF_KERNEL))
            gdt_set_utcb(small_cpu_record(c)->gdt, next->gs_desc);
        return;
    }
    if (c->pd_space->pd == kernel_pd)
        load_pd(c, s, prev, next);
    if (c->seg_base != base || c->seg_size != s->small.size)
        load_segs(c, s);
    force_iret(c, true);
    uint32_t desc[2];
    gdt_desc_rebase(next->gs_desc, base, desc);
    gdt_set_utcb(small_cpu_record(c)->gdt, desc);
}

void small_switch_slow(struct small_cpu *c, struct tcb *prev, struct tcb *next)
{
    activate(c, prev, next);
    /* This CPU's I/O bitmap window (ioport.c). */
    struct cpu_local *me = small_cpu_record(c);
    if (next->space != prev->space && next->space->io.bm.page[0] != me->io_bm)
        io_switch(me, next->space);
}

void small_refresh_current(void)
{
    struct tcb *t = current;
    if (t->flags & TF_KERNEL)
        return;
    activate(this_cpu(), t, t);
    debug_load(t);
}

void small_leave_pd(struct space *s)
{
    struct small_cpu *c = this_cpu();
    if (c->pd_space != s)
        return;
    struct tcb *t = current;
    struct space *own = (t->space != s && !(t->flags & TF_KERNEL)) ? t->space : &kernel_space;
    load_pd(c, own, t, t);
}

/* KIP page at kip_base (0: none) and UTCB area inside [0, size)? */
static bool fits(uint32_t size, uint32_t kip_base, uint32_t utcb_base, uint32_t utcb_size)
{
    if (kip_base && kip_base >= size)
        return false;
    return !utcb_size || (utcb_base < size && utcb_size <= size - utcb_base);
}

bool small_areas_fit(const struct space *s, uint32_t kip_base, uint32_t utcb_base,
                     uint32_t utcb_size)
{
    return !s->small.base || fits(s->small.size, kip_base, utcb_base, utcb_size);
}

/* Every CPU that may hold something of s's window in its TLB or run a
 * thread of s with its segments gets it right before we return (and,
 * since they wait for our lock, before any of them runs user code). */
void small_make_large(struct space *s)
{
    if (!s->small.base)
        return;
    uint32_t first = (s->small.base - SMALL_AREA) >> 22, n = s->small.size >> 22;
    for (uint32_t i = 0; i < n; i++)
        small_owner[first + i] = NULL;
    s->small.base = s->small.size = s->small.id = 0;
    purge(first, n);
    if (cpus_sched > 1)
        request_serve(cpus_running(s));
    small_refresh_current();
}

bool small_control(struct space *s, uint32_t id)
{
    if (id == 0) {
        small_make_large(s);
        return true;
    }
    if (id > 0xff)
        return false;
    uint32_t off = id_offset(id), size = id_size(id);
    if (off + size > SMALL_AREA_SIZE)
        return false;
    if (id == s->small.id)
        return true;
    /* The window must hold the KIP and UTCB areas: the thread reaches
     * them through its segments (and its %gs segment must stay inside). */
    if (!fits(size, s->kip_area & L4ABI_FPAGE_BASE_MASK, s->utcb_base, s->utcb_size))
        return false;
    uint32_t first = off >> 22, n = size >> 22;
    for (uint32_t i = 0; i < n; i++)
        if (small_owner[first + i] && small_owner[first + i] != s)
            return false;
    small_make_large(s);
    for (uint32_t i = 0; i < n; i++)
        small_owner[first + i] = s;
    s->small.base = SMALL_AREA + off;
    s->small.size = size;
    s->small.id = id;
    gdt_user_descs(s->small.base, size, &s->small.ucode, &s->small.udata);
    /* A thread of s running on another CPU with large segments goes on
     * with its window ones (its faults would not fit the space else). */
    if (cpus_sched > 1)
        request_serve(cpus_running(s));
    small_refresh_current();
    return true;
}

void small_space_destroy(struct space *s)
{
    small_make_large(s);
    struct space **pp = &polluted_head;
    while (*pp && *pp != s)
        pp = &(*pp)->small.next_polluted;
    if (*pp)
        *pp = s->small.next_polluted;
    s->small.polluted = false;
    s->small.next_polluted = NULL;
    /* A small thread of another space may run on s's directory, here or
     * on another CPU: each leaves it (its own directory, or kernel_pd). */
    s->small.dead = true;
    small_leave_pd(s);
    if (cpus_sched > 1) {
        request_serve(cpus_on_pd(s));
        for (unsigned i = 0; i < cpus_sched; i++)
            if (small_cpus[i].pd_space == s)
                panic("small: CPU %u keeps the directory of a deleted space", i);
    }
}

/* Copies the owner's directory entry for region address lin into the
 * loaded directory, if the owner has one and the copy is missing. */
static bool sync(uint32_t lin)
{
    struct small_cpu *c = this_cpu();
    struct space *o = small_owner[(lin - SMALL_AREA) >> 22];
    struct space *p = c->pd_space;
    if (!o || p->pd == kernel_pd)
        return false;
    uint32_t e = o->pd[PD_SLOT(lin - o->small.base)];
    uint32_t *dst = &p->pd[region_slot(lin)];
    if (!(e & PTE_P) || (*dst & PTE_P))
        return false;
    if (!p->small.polluted) {
        p->small.polluted = true;
        p->small.next_polluted = polluted_head;
        polluted_head = p;
        /* A large thread of p running on another CPU may have come back
         * by sysexit (flat 4 GiB %cs/%ss): its CPU forces iret first, and
         * the copy is made only once it waits for our lock. */
        if (cpus_sched > 1)
            request_serve(cpus_on_pd(p));
    }
    *dst = e;
    small_stats.syncs++;
    return true;
}

bool small_user_addr(uint32_t *addr)
{
    struct space *s = current->space;
    uint32_t a = *addr;
    if (!s->small.base || a < s->small.base || a - s->small.base >= s->small.size)
        return false;
    if (sync(a))
        return true;
    *addr = a - s->small.base;
    return false;
}

/* A fault that does not fit current's space, taken with the segments
 * another CPU's change replaced under it (small_serve): retried once, the
 * thread now has the right ones. */
static bool stale_retry(void)
{
    struct small_cpu *c = this_cpu();
    if (!c->stale)
        return false;
    c->stale = false;
    return true;
}

bool small_user_fault(uint32_t *addr)
{
    struct space *s = current->space;
    uint32_t a = *addr;
    if (!s->small.base)
        return __builtin_expect(a >= USER_LIMIT, 0) && stale_retry();
    if (a - s->small.base < s->small.size) {
        if (sync(a))
            return true;
        *addr = a - s->small.base;
        return false;
    }
    /* Outside its window: an access past the segment limit on a CPU (or
     * emulator: QEMU) that did not check the limit, or one made with the
     * large segments it had before another CPU made its space small. */
    if (stale_retry())
        return true;
    return small_promote_fault();
}

bool small_promote_fault(void)
{
    struct space *s = current->space;
    if (!s->small.base)
        return stale_retry();
    small_make_large(s);
    small_stats.promotions++;
    return true;
}

uint32_t small_user_linear(uint32_t ua, uint32_t n)
{
    struct space *s = current->space;
    if (!s->small.base || (current->flags & TF_KERNEL))
        return ua;
    if (ua >= s->small.size || n > s->small.size - ua) {
        small_make_large(s);
        small_stats.promotions++;
        return ua;
    }
    return s->small.base + ua;
}

static struct space *pd_owner(uint32_t *pd)
{
    return (struct space *)(uintptr_t)pd[PD_SPACE_SLOT];
}

void small_pte_changed(uint32_t *pd, uint32_t va)
{
    struct space *s = pd_owner(pd);
    if (s && s->small.base && va < s->small.size)
        invlpg(s->small.base + va);
}

void small_pde_changed(uint32_t *pd, uint32_t va)
{
    struct space *s = pd_owner(pd);
    if (s && s->small.base && va < s->small.size)
        purge(((s->small.base - SMALL_AREA) >> 22) + PD_SLOT(va), 1);
}

uint32_t small_alias_cpus(const uint32_t *pd)
{
    const struct space *s = pd_owner((uint32_t *)pd);
    if (!s || !s->small.base)
        return 0;
    return cpus_with_copies((s->small.base - SMALL_AREA) >> 22, s->small.size >> 22);
}

/* Served on this CPU for the holder of the whole lock, who waits (and
 * changes nothing meanwhile): what the thread running here sees of the
 * address space follows the spaces as they are now. */
void small_serve(struct cpu_local *me)
{
    struct small_cpu *c = &small_cpus[me->index];
    struct tcb *t = current;
    bool user = t && !(t->flags & TF_KERNEL);
    if (c->pd_space->small.dead)
        load_pd(c, user ? t->space : &kernel_space, t, t);
    if (!user)
        return;
    activate(c, t, t);
    debug_load(t);
    c->stale = true;
}

uint32_t small_linear_base(const struct tcb *t)
{
    return t->space->small.base;
}
