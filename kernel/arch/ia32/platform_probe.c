/* Boot-time reading of the firmware's tables (platform.h): ACPI first,
 * the MP table where there is no ACPI, else the PC defaults the kernel
 * assumed before it read any table (one CPU, IO-APIC at 0xfec00000, ISA
 * IRQ 0 on its pin 2). The result is `platform`. */
#include "platform.h"
#include "platform_impl.h"
#include "cpu.h"
#include "layout.h"
#include "../../console.h"

struct platform_info platform;

/* Firmware tables below the end of the direct map are read in place. */
static const void *direct_map(void *ctx, uint64_t pa, uint32_t len)
{
    (void)ctx;
    if (pa >= PHYS_MAP_SIZE || len > PHYS_MAP_SIZE - pa)
        return NULL;
    return phys_to_virt((uint32_t)pa);
}

static void pc_defaults(uint8_t boot)
{
    platform_init_info(&platform);
    platform.lapic_addr = 0xfee00000u;
    platform.pic_present = true;
    platform_add_ioapic(&platform, 0, 0xfec00000u, 0);
    platform_override_isa(&platform, 0, 2, 0);
    platform_finish(&platform, boot);
}

static void print(const char *source)
{
    kprintf("platform: %s: %u CPU(s), APIC IDs", source, platform.ncpus);
    for (unsigned i = 0; i < platform.ncpus; i++)
        kprintf(" %u", platform.apic_id[i]);
    if (platform.cpus_ignored)
        kprintf(" (+%u beyond %d left out)", platform.cpus_ignored, PLATFORM_MAX_CPUS);
    kprintf("; %u IO-APIC(s)", platform.nioapics);
    for (unsigned i = 0; i < platform.nioapics; i++)
        kprintf(" [id %u at %08x, GSI %u]", platform.ioapic[i].id,
                platform.ioapic[i].addr, platform.ioapic[i].gsi_base);
    for (unsigned irq = 0; irq < PLATFORM_ISA_IRQS; irq++)
        if (platform.isa_gsi[irq] != irq || platform.isa_flags[irq])
            kprintf("; IRQ %u -> GSI %u%s%s", irq, platform.isa_gsi[irq],
                    platform.isa_flags[irq] & PLATFORM_IRQ_LEVEL ? " level" : "",
                    platform.isa_flags[irq] & PLATFORM_IRQ_ACTIVE_LOW ? " low" : "");
    kprintf("\n");
}

void platform_probe(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    uint8_t boot = (uint8_t)(b >> 24);      /* initial APIC ID */
    struct phys_reader r = { direct_map, NULL };
    enum platform_error acpi = acpi_parse(&r, boot, &platform);
    if (acpi == PLATFORM_OK) {
        print("ACPI MADT");
        return;
    }
    enum platform_error mp = mptable_parse(&r, boot, &platform);
    if (mp == PLATFORM_OK) {
        print("MP table");
        return;
    }
    kprintf("platform: ACPI: %s; MP table: %s\n", platform_strerror(acpi),
            platform_strerror(mp));
    pc_defaults(boot);
    print("PC defaults");
}
