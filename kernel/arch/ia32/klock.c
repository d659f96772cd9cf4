/* The kernel lock: one ticket lock per CPU (klock.h, docs/smp.md). */
#include "klock.h"
#include "smp.h"
#include "smp_ipi.h"
#include "cpu.h"
#include "../../sched.h"
#include "../../console.h"

#if MAX_CPUS > 1

struct klock_word klock_words[SMP_SCHED_MAX];
#define words klock_words

static void take(struct klock_word *w, struct cpu_local *me)
{
    if (w->holder == me->index + 1)
        panic("klock: CPU %u takes word %u it holds (mode %u)", me->index,
              (unsigned)(w - words), me->lock_mode);
    uint32_t ticket = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&w->owner, __ATOMIC_ACQUIRE) != ticket) {
        smp_serve(me);
        __asm__ volatile("pause" ::: "memory");
    }
    w->holder = me->index + 1;
}

static void give(struct klock_word *w)
{
    w->holder = 0;
    __atomic_store_n(&w->owner, w->owner + 1, __ATOMIC_RELEASE);
}

static void take_all(struct cpu_local *me)
{
    smp_serve(me);
    for (unsigned i = 0; i < cpus_sched; i++)
        take(&words[i], me);
    me->lock_mode = KL_FULL;
}

static void give_all(void)
{
    for (unsigned i = cpus_sched; i-- > 0; )
        give(&words[i]);
}

/* A thread being deleted never runs past a point where its CPU took the
 * whole lock: its CPU leaves it for good (the deleter waits for that). */
static void after_full(void)
{
    struct tcb *t = current;
    if (__builtin_expect(t && t->dying, 0))
        sched_abandon();
}

void klock_full(void)
{
    take_all(cpu_self());
    after_full();
}

void klock_full_entry(void)
{
    take_all(cpu_self());
}

/* Our ticket is drawn; wait for it, serving requests meanwhile. */
void klock_local_slow(struct cpu_local *me, uint32_t ticket)
{
    while (__atomic_load_n(&words[me->index].owner, __ATOMIC_ACQUIRE) != ticket) {
        smp_serve(me);
        __asm__ volatile("pause" ::: "memory");
    }
}

void klock_ensure_full(void)
{
    struct cpu_local *me = cpu_self();
    if (me->lock_mode == KL_FULL)
        return;
    if (me->lock_mode == KL_LOCAL)
        give(&words[me->index]);
    take_all(me);
    after_full();
}

void klock_release_slow(struct cpu_local *me)
{
    smp_shootdown(me);
    give_all();
    me->lock_mode = KL_NONE;
}

static bool contended(void)
{
    for (unsigned i = 0; i < cpus_sched; i++)
        if (words[i].next - words[i].owner > 1)
            return true;
    return false;
}

void klock_cycle_always(void)
{
    klock_release();
    irq_window();           /* an IPI meant for us is taken here */
    klock_full();
}

bool klock_cycle(void)
{
    if (cpus_sched == 1 || !contended())
        return false;
    klock_cycle_always();
    return true;
}

bool klock_held_full(void)
{
    return cpu_self()->lock_mode == KL_FULL;
}

#endif
