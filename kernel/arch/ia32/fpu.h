/* FPU switching, lazy or eager (fpu.c). */
#ifndef PECAN_IA32_FPU_H
#define PECAN_IA32_FPU_H
#include "types.h"
#include "../../thread.h"
void fpu_init(bool eager);              /* boot: CR0/CR4 set-up, clean state */
/* Context switch: CR0.TS unless next owns the FPU (inline: the common
 * case, nothing to change, costs a compare). */
#include "smp.h"
/* Per CPU (the CPU record): whose registers this FPU holds, and CR0.TS. */
#define fpu_owner (cpu_self()->fpu_holder)
#define fpu_ts_set (cpu_self()->fpu_ts)
extern bool fpu_eager;                  /* boot option "fpu=eager" */
void fpu_set_ts(bool on);
void fpu_switch_eager(struct tcb *next);
static inline void fpu_switch_to(struct cpu_local *me, struct tcb *next)
{
    if (fpu_eager) {
        /* Between two threads without FPU state there is nothing to do. */
        if (me->fpu_holder || next->fpu)
            fpu_switch_eager(next);
        return;
    }
    if ((next != me->fpu_holder) != me->fpu_ts)
        fpu_set_ts(next != me->fpu_holder);
}
void fpu_trap(struct tcb *t);           /* #NM from user mode, t = current */
void fpu_release(struct tcb *t);        /* t is being deleted */
/* If `me` (this CPU) holds t's registers: saved into t's area (save) or
 * dropped; the FPU has no owner afterwards. */
void fpu_flush_local(struct cpu_local *me, struct tcb *t, bool save);
extern uint32_t fpu_traps, fpu_saves, fpu_areas;
#endif
