/* Lazy FPU switching (fpu.c). */
#ifndef PECAN_IA32_FPU_H
#define PECAN_IA32_FPU_H
#include "../../types.h"
struct tcb;
void fpu_init(void);                    /* boot: CR0/CR4 set-up, clean state */
/* Context switch: CR0.TS unless next owns the FPU (inline: the common
 * case, nothing to change, costs a compare). */
extern struct tcb *fpu_owner;
extern bool fpu_ts_set;
void fpu_set_ts(bool on);
static inline void fpu_switch_to(struct tcb *next)
{
    if ((next != fpu_owner) != fpu_ts_set)
        fpu_set_ts(next != fpu_owner);
}
void fpu_trap(struct tcb *t);           /* #NM from user mode, t = current */
void fpu_release(struct tcb *t);        /* t is being deleted */
extern uint32_t fpu_traps, fpu_saves, fpu_areas;
#endif
