/* The kernel lock: one ticket lock per CPU (klock.h, docs/smp.md). */
#include "klock.h"
#include "smp.h"
#include "smp_ipi.h"
#include "cpu.h"
#include "../../sched.h"
#include "../../console.h"

#if MAX_CPUS > 1

/* The words are in the CPU records (smp.h cpu_local.kw), one line each. */
#define words(i) (*klock_word_of(i))

/* Wait for our ticket on word w, serving the full holder's requests. */
void klock_wait_turn(struct klock_word *w, struct cpu_local *me, uint32_t ticket)
{
    while (__atomic_load_n(&w->owner, __ATOMIC_ACQUIRE) != ticket) {
        smp_serve(me);
        __asm__ volatile("pause" ::: "memory");
    }
}

/* Word w if it is free, without waiting: free means next == owner, and
 * owner cannot move past next, so a successful exchange of next from
 * owner to owner + 1 draws the ticket being served. */
static inline bool try_take(struct klock_word *w)
{
    uint32_t o = __atomic_load_n(&w->owner, __ATOMIC_RELAXED);
    uint32_t expect = o;
    return __atomic_compare_exchange_n(&w->next, &expect, o + 1, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void klock_take_all_odd(struct cpu_local *me)
{
    if (me->lock_mode != KL_NONE)
        panic("klock: CPU %u takes the whole lock in mode %u", me->index, me->lock_mode);
    smp_serve(me);
}

#define take_all klock_take_all

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

/* Our ticket is drawn; wait for it, serving requests meanwhile. */
void klock_local_slow(struct cpu_local *me, uint32_t ticket)
{
    klock_wait_turn(me->kword, me, ticket);
}

/* LOCAL -> FULL keeping our own word k where the lock order allows: the
 * words above k are taken in order (we hold nothing above k); the ones
 * below only if they are free at once, since waiting for them while
 * holding k could deadlock with a CPU that holds them and waits for k.
 * If one is busy we let go of everything and take all in order. */
static bool upgrade_in_place(struct cpu_local *me)
{
    unsigned k = me->index, n = cpus_sched, i;
    for (i = 0; i < k; i++)
        if (!try_take(&words(i)))
            break;
    if (i < k) {
        while (i-- > 0)
            klock_give_word(&words(i));
        return false;
    }
    for (i = k + 1; i < n; i++)
        klock_take_word(&words(i), me);
    return true;
}

void klock_ensure_full(void)
{
    struct cpu_local *me = cpu_self();
    if (me->lock_mode == KL_FULL)
        return;
    if (me->lock_mode == KL_LOCAL) {
        if (!upgrade_in_place(me)) {
            klock_give_word(&words(me->index));
            me->lock_mode = KL_NONE;
            take_all(me);
        }
        me->lock_mode = KL_FULL;
    } else {
        take_all(me);
    }
    after_full();
}

void klock_full_to_local(struct cpu_local *me)
{
    if (__builtin_expect(me->shoot_mask != 0, 0))
        smp_shootdown(me);
    /* In reverse order, as klock_give_all; our own word stays. */
    struct klock_word *w = &cpus_sched_end->kw, *first = &cpu_local[0].kw;
    do {
        w = klock_word_step(w, -1);
        if (w != me->kword)
            klock_give_word(w);
    } while (w != first);
    me->lock_mode = KL_LOCAL;
}

void klock_release_slow(struct cpu_local *me)
{
    smp_shootdown(me);
    klock_give_all(me);
}

static bool contended(void)
{
    for (unsigned i = 0; i < cpus_sched; i++)
        if (words(i).next - words(i).owner > 1)
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
