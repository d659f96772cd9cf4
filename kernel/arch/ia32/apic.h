/* Local APIC and IO-APIC, mapped uncached in the kernel's device area. */
#ifndef PECAN_IA32_APIC_H
#define PECAN_IA32_APIC_H

#include "types.h"

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
bool ioapic_edge(unsigned pin);      /* edge-triggered (not level) */
/* The CPU (local APIC ID) a pin's interrupts go to (irqchip_route). */
void ioapic_set_dest(unsigned pin, uint8_t apic_id);
uint8_t ioapic_dest(unsigned pin);      /* read back from the IO-APIC */
void lapic_eoi(void);
/* Masks every pin again (fallback to the 8259). */
void apic_disable(void);

/* The local APIC alone (smp.c). lapic_map maps it (apic_init does too;
 * with `noapic` only this runs): false if the CPU has none. */
bool lapic_map(void);
uint8_t lapic_id(void);                 /* this CPU's APIC ID; 0 if unmapped */
bool lapic_enabled(void);               /* hardware- and software-enabled */
/* INIT and STARTUP (SIPI) IPIs to one CPU; the start-up IPI makes it run
 * real-mode code at phys (page-aligned, below 1 MiB). False if the local
 * APIC did not send it. */
bool lapic_send_init(uint8_t apic_id);
bool lapic_send_startup(uint8_t apic_id, uint32_t phys);
void lapic_init_ap(void);
/* The performance-counter LVT (perfmon.c); no-op without a local APIC. */
void lapic_set_lvt_perf(uint32_t v);
#if KDB
void lapic_lint1_nmi(void);             /* LINT1 delivers NMIs (kdb) */
bool lapic_send_nmi(uint8_t apic_id);   /* stop a CPU for kdb */
void lapic_lint0_nmi(void);             /* LINT0 (the 8259) delivers NMIs */
#endif
/* The kernel's own IPI (fixed delivery, physical destination). */
bool lapic_send_fixed(uint8_t apic_id, uint8_t vector);
/* This CPU's timer: the count (divide by 16) that `us` takes, measured
 * with `delay`; then periodic interrupts with that count. */
uint32_t lapic_timer_calibrate(uint32_t us, void (*delay)(uint32_t));
void lapic_timer_start(uint32_t count, uint8_t vector);

#endif
