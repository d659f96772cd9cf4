/* Entry points from the arch layer into the generic kernel. */
#ifndef PECAN_KERNEL_H
#define PECAN_KERNEL_H

#include "types.h"

struct trap_frame;

/* An offset that assembly uses (v, a #define shared with the .S file)
 * checked against the C structure at build time. */
#define ASM_OFFSET(type, field, v) \
    _Static_assert(__builtin_offsetof(struct type, field) == (v), #type "." #field)

void user_exception(struct trap_frame *f);       /* exception.c */
void user_page_fault(struct trap_frame *f);      /* exception.c: #PF from user mode */
void user_syscall_exception(struct trap_frame *f); /* int n not served */
/* The thread just left virtual-8086 mode (trap.c); vm_eflags as it was. */
void user_v86_exception(struct trap_frame *f, uint32_t vm_eflags);
void irq_entry(unsigned irq);                     /* irq.c */
void syscall_entry(struct trap_frame *f);         /* arch syscall decoding */
void return_to_user_checks(struct trap_frame *f); /* sched.c: preemption */
bool user_access_fixup(struct trap_frame *f);     /* uaccess: recover a fault */

/* Kernel counters for the kdebug stat extension (L4ABI_KDB_STAT_*);
 * ~0 for an unknown one. */
uint32_t kernel_stat(uint32_t which);
uint32_t sched_context_switches(void);   /* summed over the CPUs */

/* Boot options from the kernel command line. */
struct boot_options {
    bool kfault_test;       /* "test=kfault": deliberate kernel fault */
    bool dfault_test;       /* "test=doublefault": fault with a bad stack */
    bool smp_stall_test;    /* "test=smpstall": the first AP never reports in */
    bool smp_spread;        /* "smp=spread": new user threads homed round robin over the CPUs */
};
extern struct boot_options boot_options;

#endif
