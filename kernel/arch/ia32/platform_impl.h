/* Internal helpers of the firmware-table parsers (platform.c, acpi.c,
 * mptable.c); not for other callers. */
#ifndef PECAN_IA32_PLATFORM_IMPL_H
#define PECAN_IA32_PLATFORM_IMPL_H

#include "platform.h"

void platform_init_info(struct platform_info *p);
void platform_add_cpu(struct platform_info *p, uint8_t apic_id, uint8_t boot_apic_id);
void platform_add_ioapic(struct platform_info *p, uint8_t id, uint32_t addr, uint32_t gsi_base);
uint8_t platform_irq_flags(uint16_t mps_inti);
void platform_override_isa(struct platform_info *p, uint8_t irq, uint32_t gsi, uint16_t flags);
enum platform_error platform_finish(struct platform_info *p, uint8_t boot_apic_id);
uint8_t platform_sum(const uint8_t *b, uint32_t len);
const uint8_t *platform_map(const struct phys_reader *r, uint64_t pa, uint32_t len);
uint32_t platform_ld32(const uint8_t *b);
uint16_t platform_ld16(const uint8_t *b);
uint32_t platform_find(const struct phys_reader *r, const char *sig, uint32_t siglen,
                       uint32_t len, uint32_t rom_base);

#endif
