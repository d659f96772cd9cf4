/* Kernel entry and exit. Every trap, interrupt and int-gate system call
 * builds a struct trap_frame on the current thread's kernel stack and calls
 * trap_dispatch; sysenter builds the same frame, so the rest of the kernel
 * sees one kind of user context.
 *
 * EFLAGS invariant: the kernel always runs with EFLAGS = KERNEL_EFLAGS
 * (only the reserved bit; IF, TF, DF, NT, AC, RF all clear) except inside
 * irq_window and the idle loop, which toggle IF alone. Every entry path
 * loads it before any C code runs, whatever the user left in DF, AC, NT or
 * TF: an interrupt gate clears TF, NT, RF and IF but not DF and AC, and
 * sysenter clears only IF, VM and RF. arch_switch does not save EFLAGS, so
 * this invariant is what keeps one thread's flags (NT above all: an iret
 * with NT set is a task return) out of another thread's kernel path. The
 * user's own flags live in the trap frame and come back on exit. */
#include "layout.h"
#include "stats.h"
#include "sysenter.h"
#include "irq_fast.h"

/* The device vectors (trap.h, apic.h, irqchip.h): 8259 lines, IO-APIC pins. */
#define IRQ_BASE 0x20
#define APIC_VECTOR_BASE 0x30
#define IRQCHIP_MAX_LINES 24

#define KERNEL_EFLAGS 0x2

/* Vectors that the general path turns into the exception IPC and nothing
 * else (#DE, #OF, #BR, #MF, #AC, #XM): the exception fast path's entry. */
#define EXC_FAST(n) ((n) == 0 || (n) == 4 || (n) == 5 || (n) == 16 || (n) == 17 || (n) == 19)

/* Vectors where the CPU pushes an error code itself. */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21)

    .altmacro
    .macro vector n
    .align 8
vector\n:
    .if !HAS_ERROR(\n)
#if IRQ_FASTPATH
    .if device_vector
    /* A device interrupt's error code: its line's record in irq_fast.S's
     * vector table (NULL but for plain IO-APIC lines), read now, so the
     * entry needs no table lookup; nobody else reads a device vector's
     * error word (kdb's frame print shows it). */
    pushl %ss:irq_fast_rec + 4 * (\n - IRQ_BASE)
    .else
    pushl $0
    .endif
#else
    pushl $0
#endif
    .endif
    pushl $\n
    .if \n == 14 && FASTPATH
    jmp pf_common                   /* #PF: its own way in (below) */
#if IRQ_FASTPATH
    .elseif device_vector           /* set by the loop below (.altmacro */
    jmp irq_common                  /* reads < and > in a macro as quotes) */
#endif
    .elseif EXC_FAST(\n) && FASTPATH
    jmp exc_common                  /* exception IPC only: excfast.c */
    .else
    jmp trap_common
    .endif
    .endm

    .macro vector_ref n
    .long vector\n
    .endm

    .text
    .set i, 0
    .rept 256
    /* A device interrupt: 8259 lines, IO-APIC pins (irq_fast.S). */
    .set device_vector, (i >= IRQ_BASE) & (i <= APIC_VECTOR_BASE + IRQCHIP_MAX_LINES - 1)
    vector %i
    .set i, i + 1
    .endr

/* Every trap and interrupt entry: the frame's registers, known flags, and
 * a v86-mode entry sent to v86_entry (TRAP_SAVE); then the kernel's data
 * segments, the entry counters and the call of the C handler with the
 * frame (TRAP_CALL). */
    .macro TRAP_SAVE
    pushal
    pushl $KERNEL_EFLAGS            /* clears DF and AC (the gate did the rest) */
    popfl
    testl $0x20000, 48(%esp)        /* EFLAGS.VM: came from virtual-8086 mode */
    jnz v86_entry
    .endm

    .macro TRAP_CALL handler
    movl $SEL_KDATA, %eax           /* never trust the user's %ds/%es */
    movl %eax, %ds
    movl %eax, %es
    STAT_ENTRY_ASM                  /* bench kernel: count the entry */
#if IRQOFF_STATS
    testl $0x200, 48(%esp)          /* frame eflags: IF was on before? */
    jz 1f
    call irqoff_begin
1:
#endif
    pushl %esp
    call \handler
    addl $4, %esp
    .endm

    .globl trap_common
trap_common:
    TRAP_SAVE
trap_body:
    TRAP_CALL trap_dispatch
    /* A thread created by the kernel starts its life here, too. */
    .globl trap_return
trap_return:
    /* To user mode: this CPU lets the kernel lock go (klock.h); a kernel
     * frame (an interrupt in the kernel) keeps what trap_dispatch left. */
    testl $3, 44(%esp)              /* frame cs: RPL 3 */
    jz 1f
#if MAX_CPUS > 1
    movl %esp, %eax                 /* a user frame: on its thread's own */
    andl $~(TCB_SIZE - 1), %eax     /* stack, whose TCB is current */
    movl TCB_ON_CPU(%eax), %eax     /* this CPU's record */
    cmpb $FAST_KL_NONE, CPU_LOCK_MODE(%eax)
    je 1f                           /* let go already (sysenter_ipc) */
    call kernel_exit_on             /* regparm: eax = the record */
#endif
1:
#if IRQOFF_STATS
    testl $0x200, 48(%esp)          /* the iret turns interrupts on */
    jz 1f
    call irqoff_end
1:
#endif
    testl $3, 44(%esp)              /* frame cs: back to user mode? */
    jz 2f
    movl $SEL_UDATA, %eax           /* the user's data segment: its space's */
    movl %eax, %ds                  /* window (smallspace.c) */
    movl %eax, %es
2:
    popal
    addl $8, %esp                   /* vector, error code */
    iret

#if FASTPATH
/* #PF: trap_common's steps, but into the fault path directly, so the
 * most frequent user exception skips trap_dispatch's sorting: first the
 * fault's fast path (trap_pf_fast in pffast.c: a user fault that it takes
 * never returns here), then trap_pf (trap.c). A v86-mode fault takes
 * v86_entry and the usual dispatch. */
pf_common:
    TRAP_SAVE
    TRAP_CALL trap_pf_fast
    testb %al, %al
    jnz trap_return
    pushl %esp
    call trap_pf
    addl $4, %esp
    jmp trap_return

/* The exception IPC's vectors (EXC_FAST): trap_common's steps, into the
 * exception fast path (trap_exc_fast in excfast.c), which calls
 * trap_dispatch itself for every case it does not take. */
exc_common:
    TRAP_SAVE
    TRAP_CALL trap_exc_fast
    jmp trap_return
#endif

/* An entry from virtual-8086 mode (a CPL-3 iret with VM=1, which some
 * emulators allow): the CPU pushed es, ds, fs, gs above the usual frame
 * and loaded null into all four. Slide the 15-word frame up over them so
 * it sits where tcb_frame expects it, mark the vector with TRAP_FROM_V86
 * (trap_dispatch takes the thread out of v86 mode) and give the thread its
 * %gs back. No iret ever returns to v86 mode: the VM bit is cleared before
 * anything can block or switch. */
v86_entry:
    movl $14, %ecx
1:  movl (%esp,%ecx,4), %eax
    movl %eax, 16(%esp,%ecx,4)
    decl %ecx
    jns 1b
    addl $16, %esp
    orl $0x200, 32(%esp)            /* TRAP_FROM_V86 in the vector word */
    movl $SEL_UTCB, %eax
    movl %eax, %gs
    xorl %eax, %eax
    movl %eax, %fs
    jmp trap_body

/* sysenter: esp = &tss.esp0 (MSR), user esp in %ebp, return eip in %ebx.
 * SYSENTER_FRAME (sysenter.h) builds the frame an int-gate entry would
 * have built. With FASTPATH the entry is in fastipc_entry.S, which comes to
 * sysenter_general for every IPC its fast path does not take. */
#if !IPC_FASTPATH
    .globl sysenter_entry
sysenter_entry:
    SYSENTER_FRAME
#endif
    .globl sysenter_general
sysenter_general:
    KERNEL_DS                       /* the entry kept the user's (sysenter.h) */
    pushl $KERNEL_EFLAGS            /* sysenter kept NT, AC, DF: drop them */
    popfl
#if IRQOFF_STATS
    call irqoff_begin
#endif
    pushl %esp
    call sysenter_ipc               /* IPC only: no generic dispatch */
    addl $4, %esp                   /* (sysenter_ipc let the kernel lock go) */
    /* Leave with sysexit: edx = return eip, ecx = user esp (both clobbered
     * by the IPC ABI). A frame with TF set returns through iret so that the
     * single-step trap comes after the right instruction; with CR4.PVI
     * every frame does (sysexit_iret_mask is all ones), because popfl at
     * CPL 0 cannot restore the thread's VIF and VIP. */
    .globl sysenter_exit
sysenter_exit:
    movl sysexit_iret_mask, %eax
    testl %eax, 48(%esp)            /* frame eflags */
    jnz sysenter_iret
#if IRQOFF_STATS
    call irqoff_end
#endif
    movw 56(%esp), %ds              /* the frame's ss, SEL_UDATA: sysexit */
    movw 56(%esp), %es              /* loads flat cs/ss itself: only large */
                                    /* spaces on an unpolluted directory */
                                    /* come here (smallspace.c) */
    popal
    movl 8(%esp), %edx              /* frame eip */
    movl 20(%esp), %ecx             /* frame esp */
    addl $16, %esp                  /* vector, error, eip, cs */
    popfl                           /* the user's NT, AC, DF; IF stays off */
                                    /* (sysenter.h): no iret follows */
    sti                             /* takes effect after sysexit */
    sysexit

/* A sysenter frame left by iret: its saved IF is clear (sysenter.h), the
 * user's is on. */
sysenter_iret:
    orl $0x200, 48(%esp)
    jmp trap_return

/* Where a #DB on sysenter_entry's first instruction (a single-stepped
 * thread's sysenter) resumes (debug.c): the same frame, then always the
 * general path, which gives the thread its TF back. */
    .globl sysenter_entry_step
sysenter_entry_step:
    SYSENTER_FRAME
    jmp sysenter_general

    .data
    .align 4
    .globl sysexit_iret_mask
sysexit_iret_mask:
    .long 0x100                     /* EFLAGS.TF */

    .section .rodata
    .align 4
    .globl trap_vectors
trap_vectors:
    .set i, 0
    .rept 256
    vector_ref %i
    .set i, i + 1
    .endr
