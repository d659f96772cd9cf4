/* The ia32 side of threads: the user register frame on the kernel stack,
 * initial stack frames and the context switch. */
#ifndef PECAN_IA32_THREAD_ARCH_H
#define PECAN_IA32_THREAD_ARCH_H

#include "../../thread.h"
#include "trap.h"

static inline struct trap_frame *tcb_frame(const struct tcb *t)
{
    return (struct trap_frame *)(uintptr_t)(tcb_stack_top(t) - sizeof(struct trap_frame));
}

/* Writes t's user frame: entry at ip with stack sp, user segments, the
 * default EFLAGS (virtual IF on), every other register zero. */
void arch_thread_set_user_frame(struct tcb *t, uint32_t ip, uint32_t sp);
/* Makes t (not running) leave for user mode with its frame when next
 * switched to. */
void arch_thread_resume_user(struct tcb *t);
/* Both: t (not running) will start in user mode at ip/sp. */
void arch_thread_init_user(struct tcb *t, uint32_t ip, uint32_t sp);
/* t (not running) will run fn on its kernel stack, below its user frame. */
void arch_thread_init_kernel(struct tcb *t, void (*fn)(void));
/* Leaves the kernel for user mode through trap_return with current's user
 * frame f (tcb_frame(current)); every C frame of the caller is abandoned. */
NORETURN void arch_enter_user(struct trap_frame *f);
/* t is being deleted: drop its FPU state. */
void arch_thread_release(struct tcb *t);
struct cpu_local;
/* On CPU me (its record: the running thread may be migrating away). */
void arch_switch_to(struct cpu_local *me, struct tcb *prev, struct tcb *next);
uint64_t arch_clock_us(void);
uint32_t arch_tsc_per_us(void);

#endif
