/* Cross-CPU requests (smp_ipi.h, docs/smp.md). */
#include "smp_ipi.h"
#include "smp.h"
#include "klock.h"
#include "apic.h"
#include "cpu.h"
#include "fpu.h"
#include "paging.h"
#include "smallspace.h"
#include "../../space.h"
#include "../../thread.h"
#include "../../sched.h"

uint32_t smp_shootdowns;

static void flush_tlb(bool global)
{
    uint32_t cr4 = read_cr4();
    if (global && (cr4 & CR4_PGE)) {
        write_cr4(cr4 & ~CR4_PGE);      /* drops global translations too */
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

void smp_serve(struct cpu_local *me)
{
    uint32_t seq = __atomic_load_n(&me->req_seq, __ATOMIC_ACQUIRE);
    if (seq == me->ack_seq)
        return;
    uint32_t f = __atomic_exchange_n(&me->req_flags, 0, __ATOMIC_ACQ_REL);
    if (f & (REQ_TLB | REQ_TLB_GLOBAL))
        flush_tlb(f & REQ_TLB_GLOBAL);
    if (f & (REQ_FPU_SAVE | REQ_FPU_DROP))
        fpu_flush_local(me, me->req_fpu, f & REQ_FPU_SAVE);
    if (f & REQ_SMALL)
        small_serve(me);
    __atomic_store_n(&me->ack_seq, seq, __ATOMIC_RELEASE);
}

static uint32_t post(struct cpu_local *c, uint32_t flags, struct tcb *fpu)
{
    if (fpu)
        c->req_fpu = fpu;
    __atomic_or_fetch(&c->req_flags, flags, __ATOMIC_RELEASE);
    uint32_t seq = c->req_seq + 1;
    __atomic_store_n(&c->req_seq, seq, __ATOMIC_RELEASE);
    smp_poke(c);
    return seq;
}

static void wait_ack(struct cpu_local *c, uint32_t seq)
{
    while (__atomic_load_n(&c->ack_seq, __ATOMIC_ACQUIRE) != seq)
        __asm__ volatile("pause" ::: "memory");
}

void smp_poke(struct cpu_local *c)
{
    struct cpu_local *me = cpu_self();
    if (c == me)
        return;
    me->ipis_sent++;
    lapic_send_fixed(c->apic_id, IPI_VECTOR);
}

void smp_request(struct cpu_local *c, uint32_t flags, struct tcb *fpu)
{
    wait_ack(c, post(c, flags, fpu));
}

void smp_request_mask(uint32_t mask, uint32_t flags)
{
    uint32_t seq[SMP_SCHED_MAX];
    mask &= ~(1u << cpu_self()->index);
    for (unsigned i = 0; i < cpus_sched; i++)
        if (mask & (1u << i))
            seq[i] = post(&cpu_local[i], flags, NULL);
    for (unsigned i = 0; i < cpus_sched; i++)
        if (mask & (1u << i))
            wait_ack(&cpu_local[i], seq[i]);
}

uint32_t smp_ipis_sent(void)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < cpus_sched; i++)
        n += cpu_local[i].ipis_sent;
    return n;
}

/* ---- TLB shootdown ------------------------------------------------------ */

void smp_tlb_changed(const uint32_t *pd)
{
    if (cpus_sched == 1)
        return;
    struct cpu_local *me = cpu_self();
    /* The CPUs whose CR3 holds pd: small_cpus[].pd_space is the space
     * whose directory each loaded (every CR3 write sets it; the whole
     * lock we hold keeps them all still). */
    for (unsigned i = 0; i < cpus_sched; i++)
        if (&cpu_local[i] != me && small_cpus[i].pd_space->pd == pd)
            me->shoot_mask |= 1u << i;
    /* A small space's translations are also cached through the region
     * copies in other directories (smallspace.c); the owner is in the
     * directory's never-present slot (layout.h). */
    const struct space *o = (const struct space *)(uintptr_t)pd[PD_SPACE_SLOT];
    if (o && o->small.base)
        me->shoot_mask |= small_alias_cpus(pd);
}

void smp_tlb_global_changed(void)
{
    if (cpus_sched > 1)
        cpu_self()->shoot_mask |= SHOOT_GLOBAL;
}

/* Every target is asked first, then all are waited for: the flushes run
 * in parallel. */
void smp_shootdown(struct cpu_local *me)
{
    if (!me->shoot_mask)
        return;
    uint32_t seq[SMP_SCHED_MAX];
    uint32_t mask = me->shoot_mask & ~SHOOT_GLOBAL;
    uint32_t flags = REQ_TLB;
    if (me->shoot_mask & SHOOT_GLOBAL) {
        flags |= REQ_TLB_GLOBAL;
        mask = (1u << cpus_sched) - 1;
    }
    mask &= ~(1u << me->index);
    me->shoot_mask = 0;
    for (unsigned i = 0; i < cpus_sched; i++)
        if (mask & (1u << i)) {
            seq[i] = post(&cpu_local[i], flags, NULL);
            smp_shootdowns++;
        }
    for (unsigned i = 0; i < cpus_sched; i++)
        if (mask & (1u << i))
            wait_ack(&cpu_local[i], seq[i]);
}

void smp_tlb_flush_now(const uint32_t *pd)
{
    smp_tlb_changed(pd);
    smp_shootdown(cpu_self());
}

/* ---- threads on other CPUs --------------------------------------------- */

void smp_fpu_flush(struct tcb *t, bool save)
{
    struct cpu_local *me = cpu_self();
    for (unsigned i = 0; i < cpus_sched; i++) {
        struct cpu_local *c = &cpu_local[i];
        if (c->fpu_holder != t)
            continue;
        if (c == me)
            fpu_flush_local(me, t, save);
        else
            smp_request(c, save ? REQ_FPU_SAVE : REQ_FPU_DROP, t);
    }
}

bool smp_running_elsewhere(const struct tcb *t)
{
    struct cpu_local *c = t->on_cpu;
    return c && c->running == t && c != cpu_self();
}

void smp_stop_user(struct tcb *t)
{
    if (smp_running_elsewhere(t)) {
        t->on_cpu->resched = true;      /* it looks at t again (halted?) */
        smp_request(t->on_cpu, REQ_KICK, NULL);
    }
}

bool smp_evict(struct tcb *t)
{
    uint32_t gid = t->gid;
    while (smp_running_elsewhere(t)) {
        t->dying = true;
        sched_kick_running(t);
        klock_cycle_always();
        if (t->gid != gid || t->state == TS_FREE || t->state == TS_DEAD)
            return false;
    }
    return true;
}
