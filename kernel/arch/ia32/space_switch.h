/* The address-space part of a context switch (docs/smallspaces.md),
 * inline for the common case; arch_switch_to and any fast path call it.
 *
 * Common case, as cheap as before small spaces: next is large, the CPU
 * holds large user segments and may leave by sysexit. Then only a CR3
 * write if next's directory is not loaded (and the I/O bitmap), and %gs.
 * Everything else (a small next, a small window loaded, iret forced, a
 * polluted directory) goes to small_switch_slow. */
#ifndef PECAN_IA32_SPACE_SWITCH_H
#define PECAN_IA32_SPACE_SWITCH_H

#include "smallspace.h"
#include "gdt.h"
#include "ioport.h"
#include "paging.h"
#include "cpu.h"
#include "smp.h"

static inline struct small_cpu *small_this_cpu(void) { return &small_cpus[cpu_self()->index]; }
static inline struct cpu_local *small_cpu_record(struct small_cpu *c)
{
    return &cpu_local[c - small_cpus];
}
#include "../../space.h"
#include "../../thread.h"

/* Loads s's directory; both kernel stacks must stay reachable across the
 * CR3 write (we still run on prev's). c->pd_space is then the record of
 * what CR3 holds that the TLB shootdown reads (smp_ipi.c). */
static inline void space_load_pd(struct small_cpu *c, struct space *s, struct tcb *prev,
                                 struct tcb *next)
{
    pd_sync_kernel(s->pd, (uint32_t)(uintptr_t)next);
    pd_sync_kernel(s->pd, (uint32_t)(uintptr_t)prev);
    uint32_t phys = virt_to_phys(s->pd);
    write_cr3(phys);
    c->pd_space = s;                /* what CR3 holds (TLB shootdown too) */
    small_stats.cr3_writes++;
}

static inline void space_switch(struct cpu_local *me, struct tcb *prev, struct tcb *next)
{
    struct small_cpu *c = &small_cpus[me->index];
    struct space *s = next->space;

    if (s->small.base | c->seg_base | (uint32_t)c->iret_forced) {
        small_switch_slow(c, prev, next);
        return;
    }
    if (s != c->pd_space) {
        space_load_pd(c, s, prev, next);
        if (s->small.polluted) {        /* its large threads must iret */
            small_switch_slow(c, prev, next);
            return;
        }
        /* This CPU's I/O bitmap window (ioport.c). */
        if (s != prev->space && s->io.bm.page[0] != me->io_bm)
            io_switch(me, s);
    }
    if (!(next->flags & TF_KERNEL))
        gdt_set_utcb(me->gdt, next->gs_desc);
}

#endif
