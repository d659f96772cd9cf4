/* Debug exceptions and branch-trace probing (debug.c). */
#ifndef PECAN_IA32_DEBUG_H
#define PECAN_IA32_DEBUG_H
#include "trap.h"
uint32_t debug_status_take(void);               /* DR6, then reset it */
bool debug_kernel_trap(struct trap_frame *f);   /* kernel-mode #DB */
void debug_sysenter_fixup(struct trap_frame *f);
bool msr_fixup(struct trap_frame *f);           /* kernel #GP in a safe MSR access */
void debug_probe(void);                         /* boot: DEBUGCTL.BTF, printed */
struct tcb;
/* Validates and installs t's breakpoints; false (nothing changed) if a
 * breakpoint is not allowed. */
bool debug_set_user(struct tcb *t, const uint32_t dr[4], uint32_t dr7);
void debug_switch_to(struct tcb *next);         /* context switch */
#endif
