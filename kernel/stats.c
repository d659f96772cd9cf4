/* Event counters of the bench-only kernel (stats.h). The CPU is found
 * through its local APIC ID (cpu_current: slow, but only this build pays
 * it, and the instruction figures come from the normal kernel). */
#include "stats.h"
#include "arch/ia32/smp.h"

#if STATS
static uint32_t counters[MAX_CPUS][STAT_NCOUNTERS];

void stats_count(unsigned which)
{
    counters[cpu_current()->index][which]++;
}

/* From entry.S: every trap, interrupt and sysenter. */
void stats_count_entry(void);
void stats_count_entry(void)
{
    stats_count(STAT_ENTRIES);
}

/* From the assembly IPC fast path (fastipc_entry.S): its own CR3 and %gs
 * loads, which do not go through write_cr3 and gdt_set_utcb. */
void stats_count_fast_cr3(void);
void stats_count_fast_cr3(void)
{
    stats_count(STAT_CR3_LOADS);
}
void stats_count_fast_gs(void);
void stats_count_fast_gs(void)
{
    stats_count(STAT_GS_LOADS);
}
#endif

uint32_t stats_read(unsigned which)
{
#if STATS
    uint32_t sum = 0;
    if (which >= STAT_NCOUNTERS)
        return ~0u;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        sum += counters[c][which];
    return sum;
#else
    (void)which;
    return ~0u;
#endif
}
