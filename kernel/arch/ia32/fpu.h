/* Lazy FPU switching (fpu.c). */
#ifndef PECAN_IA32_FPU_H
#define PECAN_IA32_FPU_H
#include "../../types.h"
struct tcb;
void fpu_init(void);                    /* boot: CR0/CR4 set-up, clean state */
void fpu_switch_to(struct tcb *next);   /* context switch: TS unless next owns the FPU */
void fpu_trap(struct tcb *t);           /* #NM from user mode, t = current */
void fpu_release(struct tcb *t);        /* t is being deleted */
extern uint32_t fpu_traps, fpu_saves, fpu_areas;
#endif
