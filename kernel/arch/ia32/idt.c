/* The interrupt descriptor table. All vectors are interrupt gates (IF off
 * on entry: the kernel is not preemptible). Only int3 (kdebug), into and
 * the system-call vectors SYS_IPC..SYS_LAST have user-callable (DPL 3)
 * gates; any other `int n` from user mode raises #GP with the IDT error
 * code, which exception.c turns into the system-call exception. So no
 * user `int n` can reach an interrupt vector (a faked timer tick or IRQ,
 * or the APIC spurious vector 0xff), whatever the interrupt controller. */
#include "trap.h"
#include "layout.h"
#include "syscall_vectors.h"

static bool user_gate(int v)
{
    return v == TRAP_BP || v == TRAP_OF || (v >= SYS_IPC && v <= SYS_LAST);
}

static uint64_t idt[256] __attribute__((aligned(8)));

static uint64_t gate(uint32_t handler, unsigned dpl)
{
    return (uint64_t)(handler & 0xffff) | ((uint64_t)SEL_KCODE << 16) |
           ((uint64_t)(0x8e | (dpl << 5)) << 40) |
           ((uint64_t)(handler >> 16) << 48);
}

void idt_init(void)
{
    struct { uint16_t limit; uint32_t base; } PACKED idtr;

    for (int v = 0; v < 256; v++) {
        idt[v] = gate(trap_vectors[v], user_gate(v) ? 3 : 0);
    }
    /* #DF: task gate to the double-fault TSS (present, DPL 0, type 5). */
    idt[TRAP_DF] = ((uint64_t)SEL_DFTSS << 16) | ((uint64_t)0x85 << 40);
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint32_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" :: "m"(idtr));
}
