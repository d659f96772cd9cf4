/* Local APIC and IO-APIC, mapped uncached in the kernel's device area. */
#ifndef PECAN_IA32_APIC_H
#define PECAN_IA32_APIC_H

#include "../../types.h"

#define APIC_VECTOR_BASE 0x30       /* IO-APIC pin p -> vector 0x30 + p */
#define APIC_SPURIOUS_VECTOR 0xff
#define IOAPIC_MAX_PINS 24

struct platform_info;
/* Maps and enables both (the IO-APIC that serves the ISA interrupts, as
 * the firmware tables say); every pin masked. Returns the IO-APIC's pin
 * count, or 0 if there is no usable APIC (nothing changed then). */
unsigned apic_init(const struct platform_info *p);
void ioapic_mask(unsigned pin);
void ioapic_unmask(unsigned pin);
void lapic_eoi(void);
/* Masks every pin again (fallback to the 8259). */
void apic_disable(void);

#endif
