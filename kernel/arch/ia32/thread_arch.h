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

void arch_thread_init_user(struct tcb *t, uint32_t ip, uint32_t sp);
void arch_thread_init_kernel(struct tcb *t, void (*fn)(void));
/* t is being deleted: drop its FPU state. */
void arch_thread_release(struct tcb *t);
void arch_switch_to(struct tcb *prev, struct tcb *next);
uint64_t arch_clock_us(void);
uint32_t arch_tsc_per_us(void);

#endif
