/* System-call entry on ia32: the X.2 register conventions of libl4's
 * ia32/syscalls.h mapped onto the generic system calls. Registers not
 * named as outputs there are preserved, because the iret restores them
 * from the frame unchanged. */
#include "excfast.h"
#include "pffast.h"
#include "trap.h"
#include "../../thread.h"
#include "../../ipc.h"
#include "../../syscalls.h"
#include "../../kernel.h"
#include "../../console.h"
#include "syscall_vectors.h"
#include "debug.h"
#include "fastipc.h"
#include "klock.h"
#include "irq_fast.h"
#include "../../irq.h"

/* t = current: the entries have it at hand. */
static inline __attribute__((always_inline)) void do_ipc(struct tcb *t, struct trap_frame *f)
{
    t->mr[0] = f->esi;
    /* ipc_syscall_self, the arguments read from the frame again for the
     * general path (the fast path's attempt changed nothing), so that
     * none is kept across the call. */
    if (ipc_fastpath(t, f->eax, f->edx, f->ecx))
        ipc_syscall_end(t);
    else
        ipc_general(t, f->eax, f->edx, f->ecx);
    ipc_results_to_frame(t, f);
}

/* sysenter_ipc after the lock: the Ipc, with the user-wait token
 * (fastipc.h) or, for an entry whose TF debug_sysenter_fixup gave back,
 * without it: a C fast path must not mark such a thread (the mark
 * promises no TF; the interrupt paths test TF themselves). Built twice
 * (always inline; the second in sysenter_ipc_stepped, out of line) so
 * that the common case tests nothing more. */
static inline __attribute__((always_inline)) void sysenter_ipc_body(struct tcb *self,
                                                                    struct trap_frame *f,
                                                                    bool token)
{
#if IRQ_FASTPATH
    /* An interrupt acknowledgement (send-only, from-specifier nil, to an
     * interrupt thread's number): its short path (irq.c); two tests for
     * every other IPC that gets here. */
    if (f->edx == L4ABI_NILTHREAD && L4ABI_TID_THREADNO(f->eax) < IRQ_LINES && irq_ack_fast(f))
        goto out;
#endif
    /* Every sysenter Ipc writes the token, a stepped one NULL: a token
     * left by this thread's Ipc that its CPU left while it took the lock
     * (moved away and back since) names this frame's word too, and would
     * be believed (arch_ipc_wait_take) for a frame with TF. */
    if (IPC_FASTPATH)
        self->on_cpu->ipc_user_wait = token ? (uint32_t *)f - 1 : NULL;
#if FASTPATH
    /* An exception handler's 12-word reply to a thread waiting in the
     * exception fast path (excfast.c); any other Ipc goes on below. */
#if IPC_FASTPATH
    if (!exc_fast_reply(f))
#else
    /* ... and (without the assembly path, whose entry sends it to
     * pffast_entry.S) a pager's reply with one 4 KiB map item to a thread
     * waiting in the page-fault fast path (pffast.c). */
    if (!exc_fast_reply(f) && !pf_fast_reply(f))
#endif
#endif
        do_ipc(self, f);
#if IRQ_FASTPATH
out:
#endif
    if (__builtin_expect(self->on_cpu->resched, 0))
        return_to_user_checks(f);   /* (the same test, then schedule) */
    klock_release_on(self->on_cpu); /* (entry.S's kernel_exit finds it done) */
}

/* A sysenter with TF (debug.c: the #DB at the entry took it away): TF
 * back into the frame, and the Ipc without the token. Out of line. */
static __attribute__((noinline, cold)) void sysenter_ipc_stepped(struct tcb *self,
                                                                 struct trap_frame *f)
{
    debug_sysenter_fixup(f);
    sysenter_ipc_body(self, f, false);
}

/* The sysenter entry is only ever an Ipc/Lipc. `current` is found once
 * (this stack's TCB) and the CPU record through it: self->on_cpu is
 * cpu_self(), and is read again after the IPC, which may have blocked and
 * resumed the thread on another CPU. */
void sysenter_ipc(struct trap_frame *f)
{
    struct tcb *self = current;
    /* The fast path's lock (klock.h): the assembly fast path took it
     * already unless it left before its first TCB access. */
    if (!IPC_FASTPATH || self->on_cpu->lock_mode == KL_NONE)
        klock_local_on(self->on_cpu);
    if (__builtin_expect(debug_sysenter_step, 0)) {
        sysenter_ipc_stepped(self, f);
        return;
    }
    sysenter_ipc_body(self, f, true);
}

void syscall_entry(struct trap_frame *f)
{
    uint32_t v = f->vector == SYSENTER_MARK ? SYS_IPC : f->vector;

    switch (v) {
    case SYS_IPC:
    case SYS_LIPC:
        do_ipc(current, f);
        break;
    case SYS_EXCHANGE_REGISTERS: {
        struct exregs r = { .control = f->ecx, .sp = f->edx, .ip = f->esi,
                            .flags = f->edi, .user_handle = f->ebx, .pager = f->ebp };
        f->eax = sys_exchange_registers(f->eax, &r);
        f->ecx = r.control;
        f->edx = r.sp;
        f->esi = r.ip;
        f->edi = r.flags;
        f->ebx = r.user_handle;
        f->ebp = r.pager;
        break;
    }
    case SYS_THREAD_CONTROL:
        f->eax = sys_thread_control(f->eax, f->esi, f->edx, f->ecx, f->edi);
        break;
    case SYS_SYSTEM_CLOCK: {
        uint64_t now = sys_system_clock();
        f->eax = (uint32_t)now;
        f->edx = (uint32_t)(now >> 32);
        break;
    }
    case SYS_THREAD_SWITCH:
        sys_thread_switch(f->eax);
        break;
    case SYS_SCHEDULE: {
        uint32_t old;
        f->eax = sys_schedule(f->eax, f->edx, f->esi, f->ecx, f->edi, &old);
        f->edx = old;
        break;
    }
    case SYS_UNMAP:
        current->mr[0] = f->esi;
        sys_unmap(f->eax);
        f->esi = current->mr[0];
        break;
    case SYS_SPACE_CONTROL: {
        uint32_t old;
        if (f->ecx & L4ABI_SPACE_KMEM) {    /* Pecan: reports in edx, esi too */
            uint32_t out[3] = { 0, f->edx, f->esi };
            f->eax = sys_space_kmem(f->eax, f->ecx, out);
            f->ecx = out[0];
            f->edx = out[1];
            f->esi = out[2];
            break;
        }
        f->eax = sys_space_control(f->eax, f->ecx, f->edx, f->esi, f->edi, &old);
        f->ecx = old;
        break;
    }
    case SYS_PROCESSOR_CONTROL:
        f->eax = sys_processor_control(f->eax, f->ecx, f->edx, f->esi);
        break;
    case SYS_MEMORY_CONTROL: {
        uint32_t attr[4] = { f->ecx, f->edx, f->ebx, f->ebp };
        current->mr[0] = f->esi;
        f->eax = sys_memory_control(f->eax, attr);
        break;
    }
    default:
        /* An int the kernel does not serve: X.2's system-call exception. */
        user_syscall_exception(f);
        break;
    }
}
