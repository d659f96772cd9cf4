/* FPU switching, lazy or eager (fpu.c). */
#ifndef PECAN_IA32_FPU_H
#define PECAN_IA32_FPU_H
#include "types.h"
#include "../../thread.h"
void fpu_init(bool eager);              /* boot: CR0/CR4 set-up, clean state */
/* Context switch: CR0.TS unless next owns the FPU (inline: the common
 * case, nothing to change, costs a compare). */
extern struct tcb *fpu_owner;
extern bool fpu_ts_set;
extern bool fpu_eager;                  /* boot option "fpu=eager" */
void fpu_set_ts(bool on);
void fpu_switch_eager(struct tcb *next);
static inline void fpu_switch_to(struct tcb *next)
{
    if (fpu_eager) {
        /* Between two threads without FPU state there is nothing to do. */
        if (fpu_owner || next->fpu)
            fpu_switch_eager(next);
        return;
    }
    if ((next != fpu_owner) != fpu_ts_set)
        fpu_set_ts(next != fpu_owner);
}
void fpu_trap(struct tcb *t);           /* #NM from user mode, t = current */
void fpu_release(struct tcb *t);        /* t is being deleted */
extern uint32_t fpu_traps, fpu_saves, fpu_areas;
#endif
