/* Thread contexts on ia32. A thread not running sits in arch_switch with
 * callee-saved registers pushed; a new thread's stack is prepared so that
 * arch_switch "returns" into trap_return (user threads) or its function
 * (kernel continuations). The user register frame always occupies the top
 * of the kernel stack (tcb_frame); a kernel continuation runs strictly
 * below it and leaves for user mode with arch_enter_user, which abandons
 * the C frames: no C frame is ever overwritten while live. */
#include "thread_arch.h"
#include "gdt.h"
#include "paging.h"
#include "cpu.h"
#include "fpu.h"
#include "debug.h"
#include "smp.h"
#include "space_switch.h"
#include "../../space.h"
#include "../../string.h"
#include "../../console.h"

void arch_switch(uint32_t *save_ksp, uint32_t next_ksp);

struct switch_frame {
    uint32_t edi, esi, ebx, ebp, ret;
};

void arch_thread_set_user_frame(struct tcb *t, uint32_t ip, uint32_t sp)
{
    struct trap_frame *f = tcb_frame(t);
    memset(f, 0, sizeof(*f));
    f->eip = ip;
    f->esp = sp;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->eflags = EFL_IF | EFL_VIF | 0x2;    /* virtual IF on (vif.h) */
}

void arch_thread_resume_user(struct tcb *t)
{
    assert(t != current);
    struct switch_frame *sf = (struct switch_frame *)tcb_frame(t) - 1;
    /* Out by iret: the user's IF on, even from a sysenter frame, whose
     * saved IF is clear (sysenter.h). */
    tcb_frame(t)->eflags |= EFL_IF;
    memset(sf, 0, sizeof(*sf));
    sf->ret = (uint32_t)(uintptr_t)trap_return;
    t->ksp = (uint32_t)(uintptr_t)sf;
}

void arch_thread_init_user(struct tcb *t, uint32_t ip, uint32_t sp)
{
    arch_thread_set_user_frame(t, ip, sp);
    arch_thread_resume_user(t);
}

void arch_thread_release(struct tcb *t)
{
    fpu_release(t);
}

/* Where a kernel continuation would return to: nowhere, it must not. */
static void kernel_continuation_returned(void)
{
    panic("kernel continuation of thread %x returned", current->gid);
}

/* The initial stack of a kernel continuation: arch_switch pops `sw` and
 * "returns" into fn, which then sees `ret` as its return address. Both lie
 * below the trap frame, so fn's own C frame (at any optimisation level)
 * lies strictly below the trap frame, which fn may therefore fill before
 * leaving through arch_enter_user. */
struct kstart_frame {
    struct switch_frame sw;
    uint32_t ret;
};

void arch_thread_init_kernel(struct tcb *t, void (*fn)(void))
{
    struct kstart_frame *k = (struct kstart_frame *)tcb_frame(t) - 1;
    memset(k, 0, sizeof(*k));
    k->sw.ret = (uint32_t)(uintptr_t)fn;
    k->ret = (uint32_t)(uintptr_t)kernel_continuation_returned;
    t->ksp = (uint32_t)(uintptr_t)&k->sw;
    t->flags |= TF_KERNEL;
}

void arch_switch_to(struct cpu_local *me, struct tcb *prev, struct tcb *next)
{
    /* Directory (none for a small space that can run on the loaded one),
     * user segments, %gs, I/O bitmap (CPU 0's window only): smallspace.c.
     * small_cpus[].pd_space: what this CPU's TLB may hold (shootdown). */
    space_switch(me, prev, next);
    me->tss.esp0 = tcb_stack_top(next);      /* sysenter's too (gdt.h) */
    fpu_switch_to(me, next);
    debug_switch_to(me, next);
    arch_switch(&prev->ksp, next->ksp);
}
