/* CPU feature probe via CPUID. Everything optional the kernel uses (4 MiB
 * pages, global pages, sysenter, fxsave, virtual-8086 extensions/PVI, the
 * local APIC) is looked up here once and read from `cpu` afterwards. */
#include "cpu.h"
#include "../../console.h"

struct cpu_features cpu;

void cpu_probe(void)
{
    uint32_t a, b, c, d, max;

    cpuid(0, &max, &b, &c, &d);
    __builtin_memcpy(cpu.vendor + 0, &b, 4);
    __builtin_memcpy(cpu.vendor + 4, &d, 4);
    __builtin_memcpy(cpu.vendor + 8, &c, 4);
    cpu.vendor[12] = 0;
    if (max < 1)
        return;
    cpuid(1, &a, &b, &c, &d);
    cpu.stepping = a & 0xf;
    cpu.model = (a >> 4) & 0xf;
    cpu.family = (a >> 8) & 0xf;
    cpu.vme  = d & (1u << 1);
    cpu.de   = d & (1u << 2);
    cpu.pse  = d & (1u << 3);
    cpu.tsc  = d & (1u << 4);
    cpu.msr  = d & (1u << 5);
    cpu.apic = d & (1u << 9);
    /* SEP is unreliable on family 6 model < 3 stepping < 3 (Pentium Pro). */
    cpu.sep  = (d & (1u << 11)) &&
               !(cpu.family == 6 && cpu.model < 3 && cpu.stepping < 3);
    cpu.pge  = d & (1u << 13);
    cpu.fxsr = d & (1u << 24);
    cpu.sse  = d & (1u << 25);
    cpu.sse2 = d & (1u << 26);
}

void cpu_print_features(void)
{
    kprintf("cpu: %s family %u model %u stepping %u\n", cpu.vendor,
            cpu.family, cpu.model, cpu.stepping);
    kprintf("cpu: features:%s%s%s%s%s%s%s%s%s\n",
            cpu.pse ? " pse" : " -pse", cpu.pge ? " pge" : " -pge",
            cpu.sep ? " sep" : " -sep", cpu.fxsr ? " fxsr" : " -fxsr",
            cpu.sse ? " sse" : " -sse", cpu.vme ? " vme/pvi" : " -vme/pvi",
            cpu.apic ? " apic" : " -apic", cpu.tsc ? " tsc" : " -tsc",
            cpu.de ? " de" : " -de");
}
