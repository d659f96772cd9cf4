/* The NMI watchdog (boot option kdb=watchdog): a boot processor stuck with
 * interrupts off enters the debugger.
 *
 * The PIT reaches the kernel through the IO-APIC (pin 2, a vector, held
 * off while interrupts are off). For the watchdog it also reaches the
 * 8259, whose output is the local APIC's LINT0, programmed for NMI
 * delivery: every tick is also an NMI, which no cli holds off. The NMI
 * handler acknowledges the 8259 by its poll command (there is no INTA
 * cycle for an NMI), which also tells a watchdog NMI (line 0 pending) from
 * any other. If WD_TICKS such NMIs come and the kernel's timer interrupt
 * (kdb_ticks, counted in irq.c) did not run once, interrupts have been
 * off for that long: the debugger is entered with the stuck frame.
 *
 * The 8259 raises its output again on the PIT's falling edge while line 0
 * is still pending, so a second NMI may be latched while the first one is
 * handled; it finds nothing pending. An NMI with nothing pending within
 * WD_ECHO_US of a watchdog NMI is taken for such an echo (so an NMI from
 * elsewhere in that window, 2% of the time, is lost).
 *
 * Off by default: it costs an NMI (two port writes, a read) per tick. Needs
 * the IO-APIC (with the 8259 serving the kernel, LINT0 is not the PIT's). */
#include "../../../kdb/kdb_int.h"
#include "../apic.h"
#include "../pic.h"
#include "../irqchip.h"
#include "../trap.h"
#include "../cpu.h"
#include "../thread_arch.h"

#define WD_TICKS (100000 / TICK_US)     /* 100 ms of ticks */
#define WD_ECHO_US 20

static bool on;
static uint32_t last_ticks, stalled;
static uint64_t last_nmi_us;
volatile uint32_t kdb_ticks;

void kdb_watchdog_init(void)
{
    if (!irqchip_is_apic()) {
        kp("kdb: watchdog: needs the IO-APIC (noapic); off\n");
        return;
    }
    last_ticks = kdb_ticks;
    on = true;
    lapic_lint0_nmi();
    pic_unmask(0);
    kp("kdb: watchdog: PIT through the 8259 on LINT0 as NMI; enters after %u ms "
       "without a timer interrupt\n", WD_TICKS * TICK_US / 1000);
}

bool kdb_watchdog_nmi(struct trap_frame *f)
{
    if (!on || kdb_cpu_index() != 0)
        return false;
    uint64_t now = arch_clock_us();
    if (pic_poll_ack() != 0)    /* not the watchdog's NMI, unless an echo */
        return now - last_nmi_us < WD_ECHO_US;
    last_nmi_us = now;
    uint32_t ticks = kdb_ticks;
    if (ticks != last_ticks) {
        last_ticks = ticks;
        stalled = 0;
        return true;
    }
    if (++stalled < WD_TICKS)
        return true;
    stalled = 0;
    char msg[64];
    ksnprintf(msg, sizeof(msg), "no timer interrupt for %u ms, interrupts %s",
              WD_TICKS * TICK_US / 1000, f->eflags & EFL_IF ? "on" : "off");
    kdb_enter(f, KDB_R_WATCHDOG, msg);
    last_ticks = kdb_ticks;
    return true;
}
