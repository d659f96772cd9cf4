/* Debug exceptions and branch-trace probing (debug.c). */
#ifndef PECAN_IA32_DEBUG_H
#define PECAN_IA32_DEBUG_H
#include "trap.h"
#include "cpu.h"
#include "../../thread.h"
uint32_t debug_status_take(void);               /* DR6, then reset it */
#define DEBUG_DR6_STEP 0xffff4ff0u              /* DR6 of a single-step trap (BS) */
bool debug_kernel_trap(struct trap_frame *f);   /* kernel-mode #DB */
/* sysenter_ipc: give back the TF that a #DB at the entry took away. */
extern bool debug_sysenter_step;
static inline void debug_sysenter_fixup(struct trap_frame *f)
{
    if (__builtin_expect(debug_sysenter_step, 0)) {
        f->eflags |= EFL_TF;
        debug_sysenter_step = false;
    }
}
bool msr_fixup(struct trap_frame *f);           /* kernel #GP in a safe MSR access */
int msr_access(uint32_t msr, uint64_t *v, int write);  /* 0, or -1 if it faults */
extern bool debug_btf_works;                    /* DEBUGCTL.BTF sticks (probed) */
void debug_probe(void);                         /* boot: DEBUGCTL.BTF, printed */
/* Validates and installs t's breakpoints; false (nothing changed) if a
 * breakpoint is not allowed. */
bool debug_set_user(struct tcb *t, const uint32_t dr[4], uint32_t dr7);
/* Context switch: load next's breakpoints, or clear DR7 if the last
 * thread had some (inline: usually neither). */
#include "smp.h"
#define debug_dr_loaded (cpu_self()->dr_loaded)    /* DR7 on this CPU is non-zero */
void debug_load(struct tcb *next);              /* on this CPU (cpu_self) */
void debug_load_on(struct cpu_local *me, struct tcb *next);     /* on me, this CPU */
static inline void debug_switch_to(struct cpu_local *me, struct tcb *next)
{
    if (next->dr7 || me->dr_loaded)
        debug_load(next);
}
#endif
