/* Trap dispatch: sorts every kernel entry into exceptions, interrupts and
 * system calls. Kernel-mode exceptions other than the invisible page faults
 * are kernel bugs: they are reported in full and stop the machine. */
#include "trap.h"
#include "cpu.h"
#include "paging.h"
#include "gdt.h"
#include "debug.h"
#include "irqchip.h"
#include "apic.h"
#include "smp.h"
#include "klock.h"
#include "../../sched.h"
#include "syscall_vectors.h"
#include "../../console.h"
#include "../../arch.h"
#include "../../kernel.h"
#include "../../prof.h"
#include "perfmon.h"
#include "../../kdb.h"
#include "irq_fast.h"
#include "pffast.h"

static const char *const names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection", "page fault", "reserved",
    "x87 FPU error", "alignment check", "machine check", "SIMD exception",
    "virtualization", "control protection",
};

const char *trap_name(uint32_t vector)
{
    if (vector < 32)
        return names[vector] ? names[vector] : "reserved";
    if (vector >= IRQ_BASE && vector < SYSCALL_VECTOR_BASE)
        return "interrupt";
    return "system call";
}

void trap_dump(const struct trap_frame *f)
{
    kprintf("  vector %u (%s) error %08x cr2 %08x\n", f->vector,
            trap_name(f->vector), f->error, read_cr2());
    kprintf("  eip %08x cs %04x eflags %08x", f->eip, f->cs & 0xffff, f->eflags);
    if (frame_from_user(f))
        kprintf(" esp %08x ss %04x", f->esp, f->ss & 0xffff);
    kprintf("\n  eax %08x ebx %08x ecx %08x edx %08x\n", f->eax, f->ebx, f->ecx, f->edx);
    kprintf("  esi %08x edi %08x ebp %08x\n", f->esi, f->edi, f->ebp);
}

void trap_kernel_fault(struct trap_frame *f, const char *why)
{
    cli();
    kprintf("\nKERNEL FAULT: %s%s%s\n", trap_name(f->vector), why ? ": " : "",
            why ? why : "");
    trap_dump(f);
    kprintf("  cr0 %08x cr3 %08x cr4 %08x\n", read_cr0(), read_cr3(), read_cr4());
    kprintf("  #0 %08x\n", f->eip);
    arch_backtrace(f->ebp);
#if KDB
    kdb_fatal(f, KDB_R_FAULT);
#endif
    arch_shutdown(2);
}

/* Runs as its own task after a double fault; the interrupted context was
 * saved by the CPU into the main TSS. */
NORETURN void double_fault_task(void)
{
    kprintf("\nKERNEL FAULT: double fault (the kernel stack is probably unusable)\n");
    const struct tss *t = &cpu_local[0].tss;
    kprintf("  eip %08x esp %08x ebp %08x eflags %08x cr2 %08x cr3 %08x\n",
            t->eip, t->esp, t->ebp, t->eflags, read_cr2(), t->cr3);
    kprintf("  eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x\n",
            t->eax, t->ebx, t->ecx, t->edx, t->esi, t->edi);
    arch_shutdown(3);
}

static void interrupt(struct trap_frame *f, uint32_t v)
{
    int line = irqchip_vector_line(v);
    if (line == 0 && PROF_ON())
        prof_tick(f->eip, frame_from_user(f));
#if KDB
    if (line == KDB_SERIAL_LINE && kdb_serial_irq(f, (unsigned)line))
        return;                 /* the kernel's console input: break key */
#else
    (void)f;
#endif
    if (line >= 0)
        irq_entry((unsigned)line);
}

static void local_interrupt(uint32_t v);

/* A thread in virtual-8086 mode got there by its own iret (only emulators
 * allow that from CPL 3). entry.S already moved the frame into place;
 * here the thread leaves v86 mode for good: flat user selectors, EIP and
 * ESP as the linear addresses CS*16+IP and SS*16+SP, EFLAGS reduced to
 * what a user may hold (an emulator may have let the iret raise IOPL or
 * clear IF) with the virtual IF on. The event itself is handled (an
 * interrupt is still an interrupt); then the thread's exception handler
 * gets #GP, error code 0, with VM set in the EFLAGS word (exception.c). */
static void v86_trap(struct trap_frame *f)
{
    uint32_t v = f->vector & ~TRAP_FROM_V86, vm_eflags = f->eflags;
    f->vector = v;
    f->eip = ((f->cs & 0xffff) << 4) + (f->eip & 0xffff);
    f->esp = ((f->ss & 0xffff) << 4) + (f->esp & 0xffff);
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->eflags = (f->eflags & EFL_USER_MASK) | EFL_USER_FIXED | EFL_VIF;
    if (v >= IRQ_BASE && v < SYSCALL_VECTOR_BASE)
        interrupt(f, v);
    else if (v == IPI_VECTOR || v == LAPIC_TIMER_VECTOR)
        local_interrupt(v);     /* an AP's tick in v86 mode: EOI it too */
    else if (v == TRAP_DB)
        (void)debug_status_take();
#if KDB
    else if (v == TRAP_NMI)
        kdb_nmi(f);
#endif
    /* Always, even after an NMI: the thread must learn that it left v86. */
    user_v86_exception(f, vm_eflags);
}

#if KDB
/* The kernel debugger's exceptions: every NMI, and its own #DB events. */
static __attribute__((noinline)) bool kdb_trap(struct trap_frame *f, uint32_t v)
{
    if (v == TRAP_NMI) {
        kdb_nmi(f);
        return true;
    }
    return kdb_debug_trap(f);
}
#endif

#if FASTPATH
/* #PF has its own entry (entry.S, pf_common): a user page fault goes
 * straight to the fault path, the same steps trap_dispatch takes for it
 * without the sorting; a kernel-mode one goes the usual way. */
void trap_pf(struct trap_frame *f);
void trap_pf(struct trap_frame *f)
{
    if (!frame_from_user(f)) {
        trap_dispatch(f);
        return;
    }
    /* (The fault's fast path, pffast.c's trap_pf_fast, refused it: entry.S
     * tries it first.) */
    /* The kernel lock as trap_dispatch takes it for a user exception
     * (docs/smp.md): the whole lock; a thread being deleted on another
     * CPU goes no further. */
    struct tcb *self = current;
    klock_full_entry_on(self->on_cpu);
    if (__builtin_expect(self->dying, 0))
        sched_abandon();
    user_page_fault(f);
    if (__builtin_expect(self->on_cpu->resched, 0))     /* (it may have moved) */
        return_to_user_checks(f);
}
#endif

#if IRQ_FASTPATH
/* entry.S sends these vectors to irq_common with its own copies. */
_Static_assert(IRQ_BASE == 0x20 && APIC_VECTOR_BASE == 0x30 && IRQCHIP_MAX_LINES == 24,
               "entry.S: the device vectors");
/* A device interrupt from user mode that irq_fast.S did not take (kernel-
 * mode and v86-mode ones take trap_common): the lock as trap_dispatch takes it
 * for an interrupt from user mode (the whole lock; a dying thread still
 * gets its interrupt finished), then the fast delivery, or what
 * trap_dispatch does for it. */
struct tcb *trap_irq(struct trap_frame *f)
{
    if (cpu_self()->lock_mode == KL_NONE)
        klock_full_entry();
    else
        klock_ensure_full();    /* irq_fast.S left with this CPU's word */
    int line = irqchip_vector_line(f->vector);
    if (line > 0) {
        struct tcb *h = irq_fast_user((unsigned)line);
        if (h)
            return h;
    }
    interrupt(f, f->vector);
    return_to_user_checks(f);
    return NULL;
}
#endif

/* The kernel's own interrupts on every CPU: the reschedule/request IPI
 * (requests were served while taking the lock; return_to_user_checks or
 * the idle loop does the rest) and the local-APIC timer of the APs. */
static void local_interrupt(uint32_t v)
{
    lapic_eoi();
    if (v == LAPIC_TIMER_VECTOR) {
        cpu_self()->lapic_ticks++;
        sched_tick();
    } else {
        cpu_self()->ipis_taken++;
    }
}

/* Every return to user mode passes here (entry.S) unless the lock is
 * already let go: the CPU lets the kernel lock go. me: this CPU's record,
 * found by entry.S through the stack's TCB (in %eax). */
void __attribute__((regparm(1))) kernel_exit_on(struct cpu_local *me);
void __attribute__((regparm(1))) kernel_exit_on(struct cpu_local *me)
{
    klock_release_on(me);
}

/* The same for irq_fast.S's hand-off to a handler from the general
 * interrupt path (the record found by klock_release itself). */
void kernel_exit(void);
void kernel_exit(void)
{
    klock_release();
}

void trap_dispatch(struct trap_frame *f)
{
    uint32_t v = f->vector;
    bool took = false;
    struct tcb *self = NULL;    /* current, found once for a user frame */

    /* The most frequent entry after the IPC: an exception from user mode
     * other than NMI and #DB (which the debugger may claim). The same
     * steps as the sorting below takes for it: the whole lock, a thread
     * being deleted goes no further, user_exception, the return checks. */
    if (__builtin_expect(v < 32 && !((1u << v) & ((1u << TRAP_NMI) | (1u << TRAP_DB))) &&
                         frame_from_user(f), 1)) {
        self = current;
        klock_full_entry_on(self->on_cpu);
        if (__builtin_expect(self->dying, 0))
            sched_abandon();
        user_exception(f);
        if (__builtin_expect(self->on_cpu->resched, 0))     /* (it may have moved) */
            return_to_user_checks(f);
        return;
    }

    /* NMIs before the lock: the profiler's sample, and the debugger, which
     * stops the other CPUs by NMI while it holds the CPU it entered on
     * (a CPU stopped in user mode must not wait for the lock there). */
    if (__builtin_expect(v == TRAP_NMI, 0)) {
        if (PROF_ON() && perfmon_nmi_ack()) {
            prof_sample(f->eip, frame_from_user(f));
            return;
        }
#if KDB
        kdb_nmi(f);
        if (!frame_from_user(f))
            return;
        self = current;
        klock_full_entry_on(self->on_cpu);
        goto out;
#endif
    }

    /* The kernel lock (klock.h): an IPC may take the fast path with this
     * CPU's word alone; every other entry from user mode takes the whole
     * lock. An interrupt in the kernel finds the lock held, except in
     * the idle loop's halt. Kernel-mode exceptions take nothing. */
    /* The local-APIC timer and the IPI need this CPU's word only (they
     * take the whole lock themselves when they must: sched_tick, and
     * return_to_user_checks before it reschedules). */
    bool local = v == LAPIC_TIMER_VECTOR || v == IPI_VECTOR;
    if (frame_from_user(f) || (v & TRAP_FROM_V86)) {
        /* A user (or v86) frame: on the thread's own stack, so current is
         * this stack's TCB and its CPU record is self->on_cpu (read
         * again after anything that may have switched). */
        self = current;
        if (v == SYS_IPC || v == SYS_LIPC || local) {
            klock_local_on(self->on_cpu);
        } else {
            klock_full_entry_on(self->on_cpu);
            /* A thread another CPU deletes goes no further than here; an
             * interrupt is still finished (EOI) first, and the CPU leaves
             * the thread on its way out (resched is set). */
            bool irq = (v >= IRQ_BASE && v < SYSCALL_VECTOR_BASE) || v >= IPI_VECTOR;
            if (__builtin_expect(self->dying, 0) && !irq)
                sched_abandon();
        }
    } else if (v >= 32 && cpu_self()->lock_mode == KL_NONE) {
        if (local)
            klock_local();
        else
            klock_full();
        took = true;
    }

    if (v & TRAP_FROM_V86) {
        v86_trap(f);
        return_to_user_checks(f);
        return;
    }
    if (v < 32) {
#if KDB
        /* #DB (NMIs were handled above). */
        if (__builtin_expect(v == TRAP_DB, 0) && kdb_trap(f, v))
            goto out;
#endif
        if (!frame_from_user(f)) {
            if (v == TRAP_PF && paging_kernel_fault(read_cr2(), f->error))
                return;
            if (v == TRAP_PF && user_access_fixup(f))
                return;
            if (v == TRAP_GP && msr_fixup(f))
                return;
            if (v == TRAP_DB && debug_kernel_trap(f))
                return;
            trap_kernel_fault(f, NULL);
        }
        user_exception(f);
    } else if (v >= IRQ_BASE && v < SYSCALL_VECTOR_BASE) {
        interrupt(f, v);
    } else if (v >= SYSCALL_VECTOR_BASE && v <= SYS_LAST) {
        syscall_entry(f);       /* only these gates are user-callable (idt.c) */
    } else if (v == IPI_VECTOR || v == LAPIC_TIMER_VECTOR) {
        local_interrupt(v);
    } else if (v == APIC_SPURIOUS_VECTOR) {
        /* local APIC spurious interrupt: no EOI */
    } else {
        kprintf("trap: unexpected vector %u\n", v);
    }
#if KDB
out:
#endif
    if (frame_from_user(f)) {
        /* return_to_user_checks' own test first (no call if clear). */
        if (__builtin_expect(self->on_cpu->resched, 0))
            return_to_user_checks(f);
    } else if (took) {
        klock_release();
    }
}
