/* Debug exceptions and branch-trace probing (debug.c). */
#ifndef PECAN_IA32_DEBUG_H
#define PECAN_IA32_DEBUG_H
#include "trap.h"
uint32_t debug_status_take(void);               /* DR6, then reset it */
bool debug_kernel_trap(struct trap_frame *f);   /* kernel-mode #DB */
void debug_sysenter_fixup(struct trap_frame *f);
bool msr_fixup(struct trap_frame *f);           /* kernel #GP in a safe MSR access */
void debug_probe(void);                         /* boot: DEBUGCTL.BTF, printed */
#endif
