/* Processors: the per-CPU records and the start of the application
 * processors (docs/smp.md).
 *
 * Step 1 of multiprocessor Pecan: the boot processor finds the CPUs
 * (platform.h), starts each application processor (AP) with
 * INIT-SIPI-SIPI, and every AP sets itself up (GDT, TSS, IDT, local APIC,
 * sysenter, control registers), reports in and parks with interrupts off.
 * No thread runs on an AP yet; the scheduler, `current`, the TSS users and
 * the KIP still describe one processor.
 *
 * Finding the current CPU's record. Two ways, for two kinds of code:
 *  - cpu_current(): the local APIC ID (one uncached read) through a
 *    256-entry table. Works on any CPU, on any stack, at any time after
 *    smp_init; for boot and other slow paths only.
 *  - the fast path (next step): every kernel stack is the top of a 4 KiB
 *    TCB, so `current` will be esp & ~(TCB_SIZE - 1) and the TCB will hold
 *    its CPU's record: one `and` and one load from a cache line the IPC
 *    path touches anyway, no segment reload on kernel entry (a per-CPU
 *    %fs would cost one on every system call) and no shared cache line.
 *    ap_main gets its record as an argument (and checks that
 *    cpu_current() agrees before it reports). */
#ifndef PECAN_IA32_SMP_H
#define PECAN_IA32_SMP_H

#include "types.h"
#include "gdt.h"
#include "layout.h"
#include "../../queue.h"
#include "../../thread.h"

#if MAX_CPUS < 1 || MAX_CPUS > 64
#error "MAX_CPUS must be 1..64 (config.mk)"
#endif

/* One CPU's kernel-lock word (klock.h): a ticket lock in its own
 * 64-byte line. It lives in its CPU's record (cpu_local.kw) so that the
 * assembly IPC fast path reaches it at a fixed offset from the record. */
struct klock_word {
    volatile uint32_t next;     /* next ticket to hand out */
    volatile uint32_t owner;    /* ticket now served */
} __attribute__((aligned(64)));

struct cpu_local {
    unsigned index;             /* 0 = boot processor; dense, in platform order */
    uint8_t apic_id;
    volatile uint32_t started;  /* set by the CPU itself once it is parked */
    uint32_t setup_errors;      /* AP_BAD_*: what it found wrong, before `started` */
    uint64_t *gdt;              /* its GDT (GDT_ENTRIES descriptors) */
    struct tss *df_tss;         /* its double-fault task */
    uint32_t df_stack_top;      /* that task's stack */
    uint32_t boot_stack_top;    /* the stack it runs on until threads exist */

    /* Scheduling (sched.c). Only this CPU touches these, except the
     * holder of the whole kernel lock (klock.h), which may queue threads
     * here and set `resched`. */
    struct tcb *running;        /* the thread this CPU runs (`current` there) */
    struct tcb *idle;
    bool resched;               /* pick_next before returning to user */
    bool dr_loaded;             /* DR7 non-zero (debug.c); right after resched: */
                                /* the fast paths test both in one 16-bit or */
    bool fpu_ts;                /* CR0.TS as last written (fpu.c) */
    uint8_t lock_mode;          /* KL_* (klock.h) */
    uint32_t unused0;           /* free (was loaded_pd: small_cpus[].pd_space says it) */
    struct tcb *fpu_holder;     /* whose registers this FPU holds (fpu.c) */
    uint32_t context_switches;
    struct klock_word *kword;   /* &kw (klock.h), set with index */
    uint32_t ipis_sent, ipis_taken;
    struct prioq ready;
    struct timeq wakeups;
    uint32_t lapic_ticks;       /* local-APIC timer ticks (APs) */
    void *ipc_user_wait;        /* ipc.h: set by the sysenter entry */
    uint8_t *io_bm;             /* first bitmap page its I/O window shows (NULL:
                                 * all denied); read by the asm fast path */
    struct space *io_space;     /* whose bitmap that is (ioport.c) */

    /* What this CPU, holding the whole lock, must flush elsewhere before
     * it lets go (smp_ipi.c). */
    uint32_t shoot_mask;        /* CPUs that may hold a changed user mapping
                                 * (bit = index), SHOOT_GLOBAL: a global kernel
                                 * mapping changed; one test in klock_release */

    /* Requests from the lock holder on another CPU, served lock-free,
     * with interrupts off too, while this CPU spins for the lock or on any
     * kernel entry (smp_ipi.c). */
    volatile uint32_t req_flags __attribute__((aligned(64)));
    volatile uint32_t req_seq;
    struct tcb *volatile req_fpu;
    volatile uint32_t ack_seq __attribute__((aligned(64)));

    /* Zero when the assembly IPC fast path may run on this CPU
     * (fastipc.h, FAST_OFF_*): one byte per kind of writer, so no writer
     * ever rewrites another's byte; the fast path tests the word once. */
    union {
        uint8_t why[4];
        uint32_t any;
    } fast_off;
    /* &small_cpus[index] (smallspace.h), set by ipc_fast_init: the asm
     * fast path's CR3 load records the directory's space there. */
    struct small_cpu *small_cpu;

    /* Its kernel-lock word (klock.h), in a line of its own (the type's
     * alignment): klock.c walks the records for the whole lock, the asm
     * fast path takes it at CPU_KW off the record (no pointer load). */
    struct klock_word kw;

    /* Its TSS (gdt.h): the ring-0 stack pointer esp0, which every switch
     * stores (the asm paths at CPU_TSS_ESP0 off the record, no pointer
     * load) and MSR_SYSENTER_ESP points at, and the I/O bitmap offset.
     * The guard right below takes the frame of a #DB or NMI on
     * sysenter_entry's first instruction and its handler's stack. */
    uint8_t tss_guard[TSS_GUARD];
    struct tss tss __attribute__((aligned(TSS_ALIGN)));
} __attribute__((aligned(64)));

/* Requests (req_flags). */
#define REQ_TLB         0x01    /* reload CR3: the loaded space changed */
#define REQ_TLB_GLOBAL  0x02    /* flush global kernel translations too */
#define REQ_FPU_SAVE    0x04    /* req_fpu's registers to memory, give the FPU up */
#define REQ_FPU_DROP    0x08    /* the same without saving (deleted thread) */
#define REQ_KICK        0x10    /* just enter the kernel (frame saved) and ack */
#define REQ_SMALL       0x20    /* redo the running thread's small-space state
                                 * (smallspace.c small_serve) */

/* Vectors of the kernel's own interrupts, never given to users. */
#define IPI_VECTOR          0xf0
#define LAPIC_TIMER_VECTOR  0xf1

/* The CPUs that run threads: cpu_local[0 .. cpus_sched - 1]. At most
 * SMP_SCHED_MAX (one idle thread number each); 1 until smp_go. */
#define SMP_SCHED_MAX   16
#define SHOOT_GLOBAL    0x80000000u     /* in shoot_mask, above every index */
_Static_assert(SMP_SCHED_MAX < 32, "shoot_mask bits");
extern unsigned cpus_sched;
extern struct cpu_local *cpus_sched_end;   /* &cpu_local[cpus_sched] (klock.h's loops) */

/* What an AP checks before it reports (ap_check in smp.c). */
#define AP_BAD_GDT      0x01    /* GDTR is not its own GDT */
#define AP_BAD_TSS      0x02    /* TR is not its TSS (or not marked busy) */
#define AP_BAD_IDT      0x04    /* IDTR differs from the BSP's */
#define AP_BAD_CR       0x08    /* CR0/CR4 differ from the BSP's, CR3 not kernel_pd */
#define AP_BAD_APIC     0x10    /* local APIC not enabled or another ID */
#define AP_BAD_SYSENTER 0x20    /* MSR_SYSENTER_ESP not its tss.esp0 */
#define AP_BAD_LOOKUP   0x40    /* cpu_current() finds another record */

/* Records of the CPUs that are up: cpu_local[0 .. cpus_up - 1]. The boot
 * processor's record points at its existing globals (gdt, df_tss, boot
 * stack). */
extern struct cpu_local cpu_local[MAX_CPUS];
extern unsigned cpus_up;

/* Starts the application processors listed in `platform` (up to
 * MAX_CPUS; none if `enable` is false: boot option nosmp) and prints how
 * many came up. Runs once on the boot processor, after the control
 * registers, the IDT, the timer calibration and the sysenter MSRs are set
 * up and before any thread exists. */
void smp_init(bool enable);

/* The record of the CPU this runs on (slow: see above); the boot
 * processor's if the local APIC is not in use. */
struct cpu_local *cpu_current(void);

/* The same, fast: the CPU the running thread runs on (on_cpu in its
 * TCB, written as the CPU switched to it); on a boot stack the slow way. */
static inline struct cpu_local *cpu_self(void)
{
    struct tcb *t = stack_tcb();
    return __builtin_expect(t != NULL, 1) ? t->on_cpu : cpu_current();
}

/* Lets the application processors run threads: each gets an idle thread
 * (created by the caller, on the boot processor) and its local-APIC
 * timer, and enters its idle loop. */
void smp_go(struct tcb *(*make_idle)(unsigned index));

#endif
