/* The kernel's timer: PIT channel 0 in rate-generator mode on IRQ 0, and
 * the time-stamp counter for the microsecond clock. Under QEMU's -icount
 * the TSC advances one tick per guest instruction, so both are exact. */
#include "cpu.h"
#include "irqchip.h"
#include "../../arch.h"
#include "../../console.h"
#include "format.h"

#define PIT_HZ 1193182u

static uint32_t tsc_per_us;
volatile uint32_t boot_ticks;       /* ticks before the scheduler runs */
bool timer_ticks_within(uint32_t us);         /* calibrated against the PIT */
static uint64_t tsc_boot;

/* Counts TSC ticks across a PIT one-shot countdown of ~10 ms (channel 2,
 * gate controlled through port 0x61, no interrupt involved). */
static void calibrate(void)
{
    const uint32_t count = PIT_HZ / 100;
    uint8_t gate = inb(0x61);
    outb(0x61, (gate & ~0x02) | 0x01);  /* gate on, speaker off */
    outb(0x43, 0xb0);                   /* ch2, lobyte/hibyte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    uint64_t t1 = rdtsc();
    outb(0x61, gate);
    tsc_per_us = (uint32_t)udiv64(t1 - t0, 10000, NULL);
    if (tsc_per_us == 0)
        tsc_per_us = 1;
}

void timer_init(void)
{
    uint32_t div = (uint32_t)((uint64_t)PIT_HZ * TICK_US / 1000000u);
    calibrate();
    tsc_boot = rdtsc();
    outb(0x43, 0x34);                   /* ch0, lobyte/hibyte, mode 2 */
    outb(0x40, div & 0xff);
    outb(0x40, div >> 8);
    kprintf("timer: PIT tick %u us, TSC %u MHz\n", (unsigned)TICK_US, tsc_per_us);
    irqchip_unmask(0);
    if (irqchip_is_apic() && !timer_ticks_within(20000)) {
        irqchip_fallback_pic();
        irqchip_unmask(0);
    }
}

/* Boot-time check that the tick arrives: interrupts on for up to `us`
 * (before any thread exists, irq_entry only counts boot ticks). */
bool timer_ticks_within(uint32_t us)
{
    uint32_t before = boot_ticks;
    uint64_t end = rdtsc() + (uint64_t)us * tsc_per_us;
    sti();
    while (boot_ticks == before && rdtsc() < end)
        ;
    cli();
    return boot_ticks != before;
}

/* (TSC - boot) / tsc_per_us with two divl: the high word first, then the
 * remainder with the low word (the remainder < divisor keeps it in range). */
uint64_t arch_clock_us(void)
{
    uint64_t t = rdtsc() - tsc_boot;
    uint32_t hi = (uint32_t)(t >> 32), lo = (uint32_t)t, qhi, qlo, r;
    __asm__("divl %3" : "=a"(qhi), "=d"(r) : "a"(hi), "rm"(tsc_per_us), "d"(0));
    __asm__("divl %3" : "=a"(qlo), "=d"(r) : "a"(lo), "rm"(tsc_per_us), "d"(r));
    return ((uint64_t)qhi << 32) | qlo;
}

uint32_t arch_tsc_per_us(void)
{
    return tsc_per_us;
}
