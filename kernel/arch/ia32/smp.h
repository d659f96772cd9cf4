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

#if MAX_CPUS < 1 || MAX_CPUS > 64
#error "MAX_CPUS must be 1..64 (config.mk)"
#endif

struct cpu_local {
    unsigned index;             /* 0 = boot processor; dense, in platform order */
    uint8_t apic_id;
    volatile uint32_t started;  /* set by the CPU itself once it is parked */
    uint32_t setup_errors;      /* AP_BAD_*: what it found wrong, before `started` */
    uint64_t *gdt;              /* its GDT (GDT_ENTRIES descriptors) */
    struct tss *tss;            /* its TSS: ring-0 stack, I/O bitmap offset */
    struct tss *df_tss;         /* its double-fault task */
    uint32_t df_stack_top;      /* that task's stack */
    struct sysenter_area *sysenter;     /* MSR_SYSENTER_ESP points into it */
    uint32_t boot_stack_top;    /* the stack it runs on until threads exist */
};

/* What an AP checks before it reports (ap_check in smp.c). */
#define AP_BAD_GDT      0x01    /* GDTR is not its own GDT */
#define AP_BAD_TSS      0x02    /* TR is not its TSS (or not marked busy) */
#define AP_BAD_IDT      0x04    /* IDTR differs from the BSP's */
#define AP_BAD_CR       0x08    /* CR0/CR4 differ from the BSP's, CR3 not kernel_pd */
#define AP_BAD_APIC     0x10    /* local APIC not enabled or another ID */
#define AP_BAD_SYSENTER 0x20    /* MSR_SYSENTER_ESP not its sysenter area */
#define AP_BAD_LOOKUP   0x40    /* cpu_current() finds another record */

/* Records of the CPUs that are up: cpu_local[0 .. cpus_up - 1]. The boot
 * processor's record points at its existing globals (gdt, tss, df_tss,
 * sysenter_area, boot stack). */
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

#endif
