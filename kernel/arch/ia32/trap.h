/* The register frame saved on every kernel entry, and trap dispatch. */
#ifndef PECAN_IA32_TRAP_H
#define PECAN_IA32_TRAP_H

#include "types.h"

/* Layout fixed by entry.S: pushal, then vector and error code, then what
 * the CPU pushed. esp/ss are valid only for entries from user mode. */
struct trap_frame {
    uint32_t edi, esi, ebp, kesp, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags, esp, ss;
};

#define TRAP_DE 0
#define TRAP_DB 1
#define TRAP_NMI 2
#define TRAP_BP 3
#define TRAP_OF 4
#define TRAP_BR 5
#define TRAP_UD 6
#define TRAP_NM 7
#define TRAP_DF 8
#define TRAP_TS 10
#define TRAP_NP 11
#define TRAP_SS 12
#define TRAP_GP 13
#define TRAP_PF 14
#define TRAP_MF 16
#define TRAP_AC 17
#define TRAP_MC 18
#define TRAP_XM 19

#define IRQ_BASE 0x20           /* PIC lines are remapped to 0x20..0x2f */
#define SYSCALL_VECTOR_BASE 0x80

/* entry.S marks the vector word of an entry from virtual-8086 mode. */
#define TRAP_FROM_V86 0x200

/* A user frame: ring 3 code, or virtual-8086 mode (EFLAGS.VM, any CS). */
static inline bool frame_from_user(const struct trap_frame *f)
{
    return (f->cs & 3) == 3 || (f->eflags & (1u << 17));
}

void idt_init(void);
void trap_dispatch(struct trap_frame *f);
NORETURN void trap_kernel_fault(struct trap_frame *f, const char *why);
void trap_dump(const struct trap_frame *f);
const char *trap_name(uint32_t vector);

/* entry.S */
extern uint32_t trap_vectors[256];
void trap_return(void);
void sysenter_entry(void);
void sysenter_entry_step(void);    /* debug.c: a #DB on sysenter_entry */

#endif
