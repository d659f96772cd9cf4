/* Local APIC and IO-APIC. Both register blocks are mapped uncached
 * (PCD|PWT) at the start of the kernel's device area. The IO-APIC is the
 * one the firmware tables place at GSI 0 (platform.h); its pins 0-15 are
 * edge/active-high unless an ISA interrupt-source override says
 * otherwise, pins 16-23 level/active-low (PCI), all delivered to this
 * CPU's local APIC. */
#include "apic.h"
#include "cpu.h"
#include "paging.h"
#include "layout.h"
#include "platform.h"
#include "irq_fast.h"

#define MSR_APIC_BASE   0x1b
#define APIC_BASE_EN    (1u << 11)

#define LAPIC_VA        DEVICE_AREA
#define IOAPIC_VA       (DEVICE_AREA + 0x1000)

enum {
    LAPIC_ID = 0x20, LAPIC_VERSION = 0x30, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0,
    LAPIC_SVR = 0xf0, LAPIC_ESR = 0x280, LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310,
    LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_THERMAL = 0x330, LAPIC_LVT_PERF = 0x340,
    LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390, LAPIC_TIMER_DIV = 0x3e0,
};
#define LVT_PERIODIC    (1u << 17)
#define TIMER_DIV_16    0x3
#define LVT_MASKED      (1u << 16)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_ASSERT      (1u << 14)
#define ICR_PENDING     (1u << 12)     /* delivery status: send pending */
#define RTE_MASKED      (1u << 16)
#define RTE_LEVEL       (1u << 15)
#define RTE_ACTIVE_LOW  (1u << 13)

static uint32_t dev_pt[1024] __attribute__((aligned(4096)));
static bool lapic_mapped;
static unsigned pins;
/* Each pin's redirection entry, low word, as last written (the mask bit
 * included): also read and written by the interrupt fast path (irq_fast.S,
 * which holds irqchip_fast_lock meanwhile; every other writer holds it or
 * the whole kernel lock, which keeps the fast paths out). */
uint32_t ioapic_rte_low[IOAPIC_MAX_PINS];

static inline uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_VA + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_VA + reg) = v;
}

static uint32_t ioapic_read(uint32_t reg)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC_VA = reg;
    return *(volatile uint32_t *)(uintptr_t)(IOAPIC_VA + 0x10);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC_VA = reg;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_VA + 0x10) = v;
}

static void map_uncached(uint32_t va, uint32_t pa)
{
    dev_pt[PT_SLOT(va)] = pa | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
    invlpg(va);
}

/* The IO-APIC serving GSI 0 (ISA IRQs), or NULL. */
static const struct platform_ioapic *isa_ioapic(const struct platform_info *p)
{
    for (unsigned i = 0; i < p->nioapics; i++)
        if (p->ioapic[i].gsi_base == 0)
            return &p->ioapic[i];
    return NULL;
}

/* Polarity and trigger of pin p: the bus default, or what an ISA
 * interrupt-source override routed to it says. */
static uint32_t pin_mode(const struct platform_info *pl, unsigned p)
{
    uint32_t mode = p >= 16 ? RTE_LEVEL | RTE_ACTIVE_LOW : 0;
    for (unsigned irq = 0; irq < PLATFORM_ISA_IRQS; irq++) {
        bool overridden = pl->isa_gsi[irq] != irq || pl->isa_flags[irq];
        if (pl->isa_gsi[irq] == p && overridden)
            mode = (pl->isa_flags[irq] & PLATFORM_IRQ_LEVEL ? RTE_LEVEL : 0) |
                   (pl->isa_flags[irq] & PLATFORM_IRQ_ACTIVE_LOW ? RTE_ACTIVE_LOW : 0);
    }
    return mode;
}

/* Every CPU sees its own local APIC at the same physical address, so one
 * mapping serves them all. */
bool lapic_map(void)
{
    if (lapic_mapped)
        return true;
    if (!cpu.apic || !cpu.msr)
        return false;
    uint32_t lapic_phys = (uint32_t)rdmsr(MSR_APIC_BASE) & 0xfffff000u;
    kernel_pd[PD_SLOT(DEVICE_AREA)] = virt_to_phys(dev_pt) | PTE_P | PTE_W;
    map_uncached(LAPIC_VA, lapic_phys);
    lapic_mapped = true;
    return true;
}

unsigned apic_init(const struct platform_info *pl)
{
    const struct platform_ioapic *io = isa_ioapic(pl);
    if (!io || !lapic_map())
        return 0;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    map_uncached(IOAPIC_VA, io->addr);
    uint32_t ver = ioapic_read(0x01);
    if (ver == 0xffffffffu || (ver & 0xff) < 0x10)
        return 0;                   /* nothing answers there */
    pins = ((ver >> 16) & 0xff) + 1;
    if (pins > IOAPIC_MAX_PINS)
        pins = IOAPIC_MAX_PINS;

    wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_SVR, 0x100 | APIC_SPURIOUS_VECTOR);   /* software enable */
    uint32_t dest = lapic_read(LAPIC_ID) & 0xff000000u;
    for (unsigned p = 0; p < pins; p++) {
        ioapic_rte_low[p] = (APIC_VECTOR_BASE + p) | RTE_MASKED | pin_mode(pl, p);
        ioapic_write(0x11 + 2 * p, dest);
        ioapic_write(0x10 + 2 * p, ioapic_rte_low[p]);
    }
    return pins;
}

void ioapic_mask(unsigned pin)
{
    ioapic_rte_low[pin] |= RTE_MASKED;
    ioapic_write(0x10 + 2 * pin, ioapic_rte_low[pin]);
}

bool ioapic_edge(unsigned pin)
{
    return !(ioapic_rte_low[pin] & RTE_LEVEL);
}

void ioapic_unmask(unsigned pin)
{
    ioapic_rte_low[pin] &= ~RTE_MASKED;
    ioapic_write(0x10 + 2 * pin, ioapic_rte_low[pin]);
}

/* Physical destination mode: the local APIC ID that takes pin's
 * interrupts. The mask bit and vector (low half) stay as they are. */
void ioapic_set_dest(unsigned pin, uint8_t apic_id)
{
    ioapic_write(0x11 + 2 * pin, (uint32_t)apic_id << 24);
}

uint8_t ioapic_dest(unsigned pin)
{
    return (uint8_t)(ioapic_read(0x11 + 2 * pin) >> 24);
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

void apic_disable(void)
{
    for (unsigned p = 0; p < pins; p++)
        ioapic_mask(p);
    lapic_write(LAPIC_SVR, APIC_SPURIOUS_VECTOR);           /* software disable */
}

/* ---- application processors (smp.c) ------------------------------------ */

void lapic_set_lvt_perf(uint32_t v)
{
    if (lapic_mapped)
        lapic_write(LAPIC_LVT_PERF, v);
}

bool lapic_enabled(void)
{
    return lapic_mapped && (rdmsr(MSR_APIC_BASE) & APIC_BASE_EN) &&
           (lapic_read(LAPIC_SVR) & 0x100);
}

uint8_t lapic_id(void)
{
    return lapic_mapped ? (uint8_t)(lapic_read(LAPIC_ID) >> 24) : 0;
}

/* Sends one IPI to the CPU with the given APIC ID (physical destination)
 * and waits until the local APIC has passed it on. False if it is still
 * pending after a generous number of polls. */
static bool send_ipi(uint8_t apic_id, uint32_t low)
{
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
    lapic_write(LAPIC_ICR_LO, low);
    for (unsigned i = 0; i < 1000000; i++)
        if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
            return true;
    return false;
}

bool lapic_send_init(uint8_t apic_id)
{
    return send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

/* A fixed-delivery interrupt (the kernel's IPI). */
bool lapic_send_fixed(uint8_t apic_id, uint8_t vector)
{
    return send_ipi(apic_id, ICR_ASSERT | vector);
}

/* Counts the local-APIC timer (divide by 16) across `us` of TSC time:
 * the initial count for one tick of that length. Interrupt masked. */
uint32_t lapic_timer_calibrate(uint32_t us, void (*delay)(uint32_t))
{
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    delay(us);
    uint32_t left = lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);
    return 0xffffffffu - left;
}

void lapic_timer_start(uint32_t count, uint8_t vector)
{
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | vector);
    lapic_write(LAPIC_TIMER_INIT, count ? count : 1);
}

bool lapic_send_startup(uint8_t apic_id, uint32_t phys)
{
    return send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | (phys >> 12));
}

/* An application processor's local APIC: enabled (hardware and software),
 * every local interrupt source masked, nothing held off by the TPR. */
#if KDB
/* The kernel debugger: LINT1 delivers NMIs (QEMU's monitor `nmi` comes in
 * there), and an NMI to another CPU stops it for the debugger. */
#define LVT_NMI (4u << 8)
#define ICR_NMI (4u << 8)
void lapic_lint1_nmi(void)
{
    if (lapic_enabled())
        lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
}

bool lapic_send_nmi(uint8_t apic_id)
{
    return send_ipi(apic_id, ICR_NMI | ICR_ASSERT);
}

/* The watchdog: the 8259's output (on LINT0) as NMI. */
void lapic_lint0_nmi(void)
{
    if (lapic_enabled())
        lapic_write(LAPIC_LVT_LINT0, LVT_NMI);
}
#endif

void lapic_init_ap(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
    unsigned max_lvt = (lapic_read(LAPIC_VERSION) >> 16) & 0xff;
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    if (max_lvt >= 5)
        lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
    if (max_lvt >= 4)
        lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, 0x100 | APIC_SPURIOUS_VECTOR);   /* software enable */
}

/* irq_fast.S reaches these by its own copies (irq_fast.h). */
_Static_assert(LAPIC_VA == IRQF_LAPIC_VA && LAPIC_EOI == IRQF_LAPIC_EOI &&
               IOAPIC_VA == IRQF_IOAPIC_VA && RTE_MASKED == IRQF_RTE_MASKED,
               "irq_fast.h: APIC addresses");
