/* Interrupt-controller selection and the line <-> pin/vector mapping. */
#include "irqchip.h"
#include "apic.h"
#include "pic.h"
#include "trap.h"
#include "platform.h"
#include "../../console.h"
#include "../../kdb.h"
#include "irq_fast.h"

static bool use_apic;
static unsigned nlines = 16;
static uint8_t pin_of_line[IRQCHIP_MAX_LINES];

/* Lines 0-15 are ISA IRQs, on the IO-APIC pin their interrupt-source
 * override names (usually IRQ 0, the PIT, on pin 2; line 2 is the 8259
 * cascade and unused); lines 16 and up are the pins themselves. */
static unsigned line_pin(unsigned line)
{
    return pin_of_line[line];
}

static void route_lines(unsigned pins)
{
    for (unsigned line = 0; line < IRQCHIP_MAX_LINES; line++) {
        uint32_t gsi = line < 16 ? platform_isa_gsi(&platform, line) : line;
        pin_of_line[line] = (uint8_t)(gsi < pins ? gsi : line);
    }
}

/* The interrupt fast path's vector table (irq_fast.h, kept by irq.c's
 * irq_fast_vector): for a vector of an IO-APIC pin whose line is a plain
 * device line on that same pin, the line; -1 for everything the general
 * path must sort out (the 8259 and its spurious IRQ 7/15, the timer, the
 * cascade, the break key's line, the APIC's pin 0, a line the firmware
 * moved to another pin). */
_Static_assert(APIC_VECTOR_BASE - IRQ_BASE == IRQF_APIC_FIRST && IRQ_BASE == IRQF_IRQ_BASE,
               "irq_fast.h: vectors");
static void fast_table(void)
{
    for (unsigned i = 0; i < IRQF_VECTORS; i++) {
        uint32_t v = IRQ_BASE + i;
        int line = use_apic ? irqchip_vector_line(v) : -1;
        bool plain = line > 0 && line != 2 && v == APIC_VECTOR_BASE + (unsigned)line &&
                     line_pin((unsigned)line) == (unsigned)line;
#if KDB
        plain = plain && line != KDB_SERIAL_LINE;
#endif
#if IRQ_FASTPATH
        irq_fast_vector(i, plain ? line : -1);
#else
        (void)plain;
#endif
    }
}

void irqchip_init(bool try_apic)
{
    pic_init();
    platform_probe();
    unsigned pins = try_apic ? apic_init(&platform) : 0;
    route_lines(pins);
    if (pins >= 16) {
        pic_mask_all();
        use_apic = true;
        nlines = pins;
        kprintf("irq: IO-APIC with %u pins and local APIC\n", pins);
    } else {
        kprintf("irq: 8259 PIC\n");
    }
    fast_table();
}

void irqchip_fallback_pic(void)
{
    if (!use_apic)
        return;
    apic_disable();
    use_apic = false;
    nlines = 16;
    pic_init();
    fast_table();
    kprintf("irq: no timer interrupt through the IO-APIC; back to the 8259 PIC\n");
}

bool irqchip_is_apic(void)
{
    return use_apic;
}

/* The same lines as fast_table's plain ones (general and fast paths
 * decide alike), edge-triggered. */
bool irqchip_line_lazy(unsigned line)
{
    bool plain = use_apic && line > 0 && line != 2 && line < nlines &&
                 line_pin(line) == line && ioapic_edge(line);
#if KDB
    plain = plain && line != KDB_SERIAL_LINE;
#endif
    return plain;
}

unsigned irqchip_lines(void)
{
    return nlines;
}

void irqchip_mask(unsigned line)
{
    if (use_apic)
        ioapic_mask(line_pin(line));
    else
        pic_mask(line);
}

/* The controller's registers (the IO-APIC's index/data window, the
 * 8259's cached mask) for the fast paths, which hold only their CPU's
 * lock word: irq_fast.S's mask and irqchip_unmask_fast take this byte
 * lock; everybody else holds the whole kernel lock, which excludes them. */
uint32_t irqchip_fast_lock;     /* bit 0 (irq_fast.S: lock bts) */

void irqchip_unmask_fast(unsigned line)
{
#if MAX_CPUS > 1
    while (__atomic_exchange_n(&irqchip_fast_lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
#endif
    irqchip_unmask(line);
#if MAX_CPUS > 1
    __atomic_store_n(&irqchip_fast_lock, 0, __ATOMIC_RELEASE);
#endif
}

void irqchip_unmask(unsigned line)
{
    if (use_apic)
        ioapic_unmask(line_pin(line));
    else
        pic_unmask(line);
}

/* The IO-APIC sends the line to one CPU, the one its handler is homed
 * on (irq.c). The 8259 is wired to the boot processor alone: there every
 * line stays on CPU 0. */
void irqchip_route(unsigned line, uint8_t apic_id)
{
    if (use_apic)
        ioapic_set_dest(line_pin(line), apic_id);
}

int irqchip_route_of(unsigned line)
{
    return use_apic ? ioapic_dest(line_pin(line)) : -1;
}

void irqchip_eoi(unsigned line)
{
    if (use_apic)
        lapic_eoi();
    else
        pic_eoi(line);
}

int irqchip_vector_line(uint32_t v)
{
    if (v >= IRQ_BASE && v < IRQ_BASE + 16) {
        /* With the APIC on, the masked 8259 can still raise its spurious
         * IRQ 7/15: nothing to acknowledge. */
        if (use_apic || pic_spurious(v - IRQ_BASE))
            return -1;
        return (int)(v - IRQ_BASE);
    }
    if (use_apic && v >= APIC_VECTOR_BASE && v < APIC_VECTOR_BASE + nlines) {
        unsigned pin = v - APIC_VECTOR_BASE;
        if (pin == 0)
            return -1;
        return pin == 2 ? 0 : (int)pin;
    }
    return -1;      /* APIC spurious vector: no EOI */
}
