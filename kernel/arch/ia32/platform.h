/* What the firmware's tables say about the machine's interrupt hardware:
 * the local APICs (one per processor), the IO-APICs and how ISA IRQs are
 * wired to IO-APIC inputs. Filled by acpi_parse (ACPI MADT) or, where
 * there is no ACPI, mptable_parse (Intel MP specification 1.4).
 *
 * Both parsers are pure: they read physical memory only through a
 * phys_reader, which refuses what it cannot map, and they check every
 * length, count and checksum before they trust it, so malformed firmware
 * tables make them fail or ignore an entry, never read out of bounds or
 * loop forever (host test: tests/host/test_platform.c). */
#ifndef PECAN_IA32_PLATFORM_H
#define PECAN_IA32_PLATFORM_H

#include "types.h"

#define PLATFORM_MAX_CPUS     64
#define PLATFORM_MAX_IOAPICS  8
#define PLATFORM_ISA_IRQS     16

/* Reads firmware memory: a pointer to len bytes at physical address pa,
 * or NULL if that range cannot be read (not mapped, wraps, too large).
 * Pointers it returns must stay valid for the whole parse. */
struct phys_reader {
    const void *(*map)(void *ctx, uint64_t pa, uint32_t len);
    void *ctx;
};

struct platform_ioapic {
    uint8_t id;
    uint32_t addr;              /* physical register base */
    uint32_t gsi_base;          /* first global system interrupt it serves */
};

/* Polarity and trigger of an ISA IRQ after the overrides. */
#define PLATFORM_IRQ_ACTIVE_LOW     0x1
#define PLATFORM_IRQ_LEVEL          0x2

struct platform_info {
    uint32_t lapic_addr;        /* physical local-APIC base */
    unsigned ncpus;             /* usable processors, boot processor first */
    uint8_t apic_id[PLATFORM_MAX_CPUS];
    unsigned cpus_ignored;      /* enabled ones beyond PLATFORM_MAX_CPUS */
    unsigned nioapics;
    struct platform_ioapic ioapic[PLATFORM_MAX_IOAPICS];
    uint32_t isa_gsi[PLATFORM_ISA_IRQS];    /* ISA IRQ -> GSI (identity unless overridden) */
    uint8_t isa_flags[PLATFORM_ISA_IRQS];   /* PLATFORM_IRQ_* */
    bool pic_present;           /* 8259 pair present (MADT PCAT_COMPAT / IMCR) */
};

enum platform_error {
    PLATFORM_OK = 0,
    PLATFORM_NOT_FOUND,         /* no RSDP / no MP floating pointer */
    PLATFORM_BAD_TABLE,         /* checksum, signature or length wrong */
    PLATFORM_NO_CPU,            /* tables list no usable processor */
};

/* Fills *out from the ACPI tables (RSDP searched in the EBDA and in
 * 0xE0000..0xFFFFF). boot_apic_id is the boot processor's local APIC ID;
 * it is listed first. */
enum platform_error acpi_parse(const struct phys_reader *r, uint8_t boot_apic_id,
                               struct platform_info *out);
/* The same from an Intel MP configuration table. */
enum platform_error mptable_parse(const struct phys_reader *r, uint8_t boot_apic_id,
                                  struct platform_info *out);
const char *platform_strerror(enum platform_error e);

/* The machine, read at boot by platform_probe (platform_probe.c). */
extern struct platform_info platform;
void platform_probe(void);

/* GSI of an ISA IRQ, with its flags; identity where nothing overrides. */
static inline uint32_t platform_isa_gsi(const struct platform_info *p, unsigned irq)
{
    return irq < PLATFORM_ISA_IRQS ? p->isa_gsi[irq] : irq;
}

#endif
