/* Shared by the ACPI and MP-table parsers: the result record, checksums
 * and the firmware-area search (platform.h). */
#include "platform.h"
#include "platform_impl.h"

void platform_init_info(struct platform_info *p)
{
    *p = (struct platform_info){ 0 };
    for (unsigned i = 0; i < PLATFORM_ISA_IRQS; i++)
        p->isa_gsi[i] = i;
}

/* The boot processor goes first whatever the table order; duplicates are
 * dropped (a broken table must not start a CPU twice). */
void platform_add_cpu(struct platform_info *p, uint8_t apic_id, uint8_t boot_apic_id)
{
    for (unsigned i = 0; i < p->ncpus; i++)
        if (p->apic_id[i] == apic_id)
            return;
    if (p->ncpus == PLATFORM_MAX_CPUS) {
        p->cpus_ignored++;
        return;
    }
    if (apic_id == boot_apic_id) {
        for (unsigned i = p->ncpus; i > 0; i--)
            p->apic_id[i] = p->apic_id[i - 1];
        p->apic_id[0] = apic_id;
    } else {
        p->apic_id[p->ncpus] = apic_id;
    }
    p->ncpus++;
}

void platform_add_ioapic(struct platform_info *p, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    for (unsigned i = 0; i < p->nioapics; i++)
        if (p->ioapic[i].id == id || p->ioapic[i].addr == addr)
            return;
    if (p->nioapics == PLATFORM_MAX_IOAPICS || !addr)
        return;
    p->ioapic[p->nioapics++] = (struct platform_ioapic){ id, addr, gsi_base };
}

/* Both table kinds encode polarity in bits 0-1 and trigger in bits 2-3:
 * 0 = as the bus says (ISA: active high, edge), 1 = high/edge, 3 = low/level. */
uint8_t platform_irq_flags(uint16_t mps_inti)
{
    uint8_t f = 0;
    if ((mps_inti & 3) == 3)
        f |= PLATFORM_IRQ_ACTIVE_LOW;
    if (((mps_inti >> 2) & 3) == 3)
        f |= PLATFORM_IRQ_LEVEL;
    return f;
}

void platform_override_isa(struct platform_info *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    if (irq >= PLATFORM_ISA_IRQS)
        return;
    p->isa_gsi[irq] = gsi;
    p->isa_flags[irq] = platform_irq_flags(flags);
}

/* The processor must have one at least: the one running this. */
enum platform_error platform_finish(struct platform_info *p, uint8_t boot_apic_id)
{
    platform_add_cpu(p, boot_apic_id, boot_apic_id);
    return p->ncpus ? PLATFORM_OK : PLATFORM_NO_CPU;
}

uint8_t platform_sum(const uint8_t *b, uint32_t len)
{
    uint8_t s = 0;
    while (len--)
        s += *b++;
    return s;
}

const uint8_t *platform_map(const struct phys_reader *r, uint64_t pa, uint32_t len)
{
    if (len == 0 || pa + len < pa || pa + len > 0x100000000ull)
        return NULL;
    return r->map(r->ctx, pa, len);
}

uint32_t platform_ld32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

uint16_t platform_ld16(const uint8_t *b)
{
    return (uint16_t)(b[0] | b[1] << 8);
}

/* Looks for a structure starting with sig (len bytes, 16-byte aligned,
 * summing to zero over len) in [base, base+size). Returns its physical
 * address, or 0. */
static uint32_t scan(const struct phys_reader *r, uint32_t base, uint32_t size,
                     const char *sig, uint32_t siglen, uint32_t len)
{
    const uint8_t *area = platform_map(r, base, size);
    if (!area)
        return 0;
    for (uint32_t off = 0; off + len <= size; off += 16) {
        const uint8_t *p = area + off;
        uint32_t i = 0;
        while (i < siglen && p[i] == (uint8_t)sig[i])
            i++;
        if (i == siglen && platform_sum(p, len) == 0)
            return base + off;
    }
    return 0;
}

/* The EBDA's first KiB, the last KiB of base memory and the BIOS ROM
 * (from 0xE0000 for ACPI, 0xF0000 is enough for MP), in the order the
 * specifications give. */
uint32_t platform_find(const struct phys_reader *r, const char *sig, uint32_t siglen,
                       uint32_t len, uint32_t rom_base)
{
    const uint8_t *bda = platform_map(r, 0x40e, 2);
    uint32_t ebda = bda ? (uint32_t)platform_ld16(bda) << 4 : 0;
    uint32_t found = 0;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        found = scan(r, ebda, 1024, sig, siglen, len);
    if (!found)
        found = scan(r, 0x9fc00, 1024, sig, siglen, len);
    if (!found)
        found = scan(r, rom_base, 0x100000 - rom_base, sig, siglen, len);
    return found;
}

const char *platform_strerror(enum platform_error e)
{
    switch (e) {
    case PLATFORM_OK: return "ok";
    case PLATFORM_NOT_FOUND: return "no table found";
    case PLATFORM_BAD_TABLE: return "malformed table (signature, length or checksum)";
    case PLATFORM_NO_CPU: return "no usable processor listed";
    }
    return "?";
}
