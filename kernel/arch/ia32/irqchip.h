/* The interrupt controller the kernel drives: IO-APIC + local APIC when
 * present (unless the boot option "noapic"), else the 8259 pair. Lines
 * are interrupt-thread numbers: ISA IRQs 0-15 (IRQ 0 on IO-APIC pin 2),
 * then IO-APIC pins 16-23. */
#ifndef PECAN_IA32_IRQCHIP_H
#define PECAN_IA32_IRQCHIP_H

#include "types.h"

#define IRQCHIP_MAX_LINES 24

void irqchip_init(bool try_apic);
/* The PIT did not tick through the IO-APIC: go back to the 8259. */
void irqchip_fallback_pic(void);
bool irqchip_is_apic(void);
/* May the line stay unmasked while its interrupt is in service (irq.c's
 * lazy masking)? An edge-triggered plain IO-APIC line: a level line
 * would storm, and the 8259 latches a masked edge itself. */
bool irqchip_line_lazy(unsigned line);
unsigned irqchip_lines(void);
void irqchip_mask(unsigned line);
void irqchip_unmask(unsigned line);
/* The same with only this CPU's kernel-lock word held (irq_ack_fast). */
void irqchip_unmask_fast(unsigned line);
void irqchip_eoi(unsigned line);
/* The CPU (local APIC ID) that takes the line's interrupts; no-op on the
 * 8259 (all lines go to the boot processor). */
void irqchip_route(unsigned line, uint8_t apic_id);
/* The APIC ID the hardware sends the line to now; -1 on the 8259. */
int irqchip_route_of(unsigned line);
/* Vector -> line; -1 for a vector that needs no handling (spurious). */
int irqchip_vector_line(uint32_t vector);

#endif
