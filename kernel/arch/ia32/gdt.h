/* Segment descriptors and the task state segment. */
#ifndef PECAN_IA32_GDT_H
#define PECAN_IA32_GDT_H

#include "../../types.h"
#include "layout.h"

struct tss {
    uint16_t link, _r0;
    uint32_t esp0;
    uint16_t ss0, _r1;
    uint32_t esp1;
    uint16_t ss1, _r2;
    uint32_t esp2;
    uint16_t ss2, _r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, _r4, cs, _r5, ss, _r6, ds, _r7, fs, _r8, gs, _r9, ldt, _r10;
    uint16_t trap, iomap_base;
} PACKED;

extern struct tss tss;

void gdt_init(void);
/* Sets the base of the user %gs segment to the current thread's UTCB word
 * and reloads %gs so the new base takes effect. */
void gdt_set_utcb(uint32_t base);

#endif
