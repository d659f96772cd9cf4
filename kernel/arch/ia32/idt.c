/* The interrupt descriptor table. All vectors are interrupt gates (IF off
 * on entry: the kernel is not preemptible). Only int3 (kdebug) and the
 * system-call vectors may be raised by user code with `int n` (into, too);
 * any other `int n` raises #GP, which becomes the system-call exception. */
#include "trap.h"
#include "layout.h"

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
        unsigned dpl = (v == TRAP_BP || v == TRAP_OF || v >= SYSCALL_VECTOR_BASE) ? 3 : 0;
        idt[v] = gate(trap_vectors[v], dpl);
    }
    /* #DF: task gate to the double-fault TSS (present, DPL 0, type 5). */
    idt[TRAP_DF] = ((uint64_t)SEL_DFTSS << 16) | ((uint64_t)0x85 << 40);
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint32_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" :: "m"(idtr));
}
