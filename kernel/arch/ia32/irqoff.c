/* Interrupt-latency instrumentation; see irqoff.h. */
#include "irqoff.h"
#include "cpu.h"

#if IRQOFF_STATS
static uint64_t off_since;      /* TSC when interrupts last went off */
static uint64_t off_max;        /* longest stretch seen */
static uint32_t off_from;       /* who turned them off (return address) */
uint32_t irqoff_max_from, irqoff_max_to;    /* ends of the longest stretch */

void irqoff_begin(void)
{
    off_since = rdtsc();
    off_from = (uint32_t)(uintptr_t)__builtin_return_address(0);
}

void irqoff_end(void)
{
    uint64_t d = rdtsc() - off_since;
    if (off_since && d > off_max) {
        off_max = d;
        irqoff_max_from = off_from;
        irqoff_max_to = (uint32_t)(uintptr_t)__builtin_return_address(0);
    }
}

uint32_t irqoff_take_max(bool reset)
{
    uint64_t m = off_max;
    if (reset)
        off_max = 0;
    return m > 0xffffffffu ? 0xffffffffu : (uint32_t)m;
}
#endif
