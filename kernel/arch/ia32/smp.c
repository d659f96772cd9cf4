/* Starting the application processors (smp.h, docs/smp.md).
 *
 * The boot processor sends INIT to every AP it will use, waits 10 ms, and
 * then starts them one at a time: it writes the AP's parameters into the
 * trampoline page, sends two start-up IPIs 200 us apart (Intel SDM vol. 3,
 * "MP initialization protocol"; the delays are TSC intervals, the TSC
 * being calibrated against the PIT in timer.c) and waits for the AP to
 * report. One AP at a time, because they share the trampoline's parameter
 * block; the trampoline checks the APIC ID, so a late AP never runs on
 * another's stack. An AP that does not report within AP_TIMEOUT_US gets
 * INIT again (which halts it until the next start-up IPI) and is left out.
 *
 * An AP, once in ap_main, writes only its own record and its own tables;
 * it reads the shared IDT, kernel_pd and the CPU feature record, which the
 * boot processor no longer changes at this point. It does not print: the
 * boot processor reports for it. */
#include "smp.h"
#include "ioport.h"
#include "klock.h"
#include "apic.h"
#include "cpu.h"
#include "gdt.h"
#include "layout.h"
#include "paging.h"
#include "platform.h"
#include "thread_arch.h"
#include "trap.h"
#include "../../kernel.h"
#include "../../kmem.h"
#include "../../string.h"
#include "../../console.h"
#include "../../sched.h"
#include "format.h"

#define INIT_DELAY_US   10000       /* INIT -> first start-up IPI */
#define SIPI_DELAY_US   200         /* after each start-up IPI */
#define AP_TIMEOUT_US   500000      /* first start-up IPI -> report */

struct cpu_local cpu_local[MAX_CPUS];
unsigned cpus_up = 1;
unsigned cpus_sched = 1;
struct cpu_local *cpus_sched_end = &cpu_local[1];
static volatile uint32_t sched_go;  /* smp_go: the APs may enter their idle loops */
static uint32_t timer_count;        /* local-APIC timer count for one tick */
static uint8_t cpu_of_apic[256];    /* APIC ID -> index + 1; 0 = none */

/* The parameter block at the end of the trampoline (smp_tramp.S). */
struct smp_tramp_params {
    uint32_t apic_id;
    volatile uint32_t alive;
    uint32_t cr4, pd, stack, entry, arg;
};
extern const uint8_t smp_tramp_start[], smp_tramp_end[], smp_tramp_params[];

/* What the APs copy from the boot processor. */
static struct { uint16_t limit; uint32_t base; } PACKED bsp_idtr;
static uint32_t bsp_cr0, bsp_cr4;
static int stall_apic_id = -1;      /* test=smpstall: this AP does not report */

/* An AP's tables (its TSS is in its record); with its double-fault stack
 * and boot stack three pages from the kernel pool. */
struct ap_tables {
    uint64_t gdt[GDT_ENTRIES];
    struct tss df_tss;
};
_Static_assert(sizeof(struct ap_tables) <= PAGE_SIZE, "AP tables fit a page");
/* Every record's TSS within one page (gdt.h). */
_Static_assert(__builtin_offsetof(struct cpu_local, tss) % TSS_ALIGN == 0 &&
               sizeof(struct cpu_local) % TSS_ALIGN == 0, "cpu_local.tss");

extern uint8_t boot_stack_top[];

static void delay_us(uint32_t us)
{
    uint64_t end = rdtsc() + (uint64_t)us * arch_tsc_per_us();
    while (rdtsc() < end)
        ;
}

/* Waits up to `us` for *flag to become non-zero (an acquire: what the AP
 * wrote before setting it is visible afterwards). */
static bool wait_flag(volatile uint32_t *flag, uint32_t us)
{
    uint64_t end = rdtsc() + (uint64_t)us * arch_tsc_per_us();
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        if (rdtsc() >= end)
            return false;
    return true;
}

/* ---- on the application processor ------------------------------------- */

NORETURN void ap_main(struct cpu_local *c);

/* The AP becomes a scheduling CPU: its timer ticks, and it switches from
 * its boot stack to its idle thread, never to come back. */
static NORETURN void ap_run(struct cpu_local *c)
{
    extern void arch_switch(uint32_t *, uint32_t);
    uint32_t boot_ksp;
    c->fpu_ts = (bsp_cr0 & CR0_TS) != 0;
    c->tss.esp0 = tcb_stack_top(c->idle);
    lapic_timer_start(timer_count, LAPIC_TIMER_VECTOR);
    arch_switch(&boot_ksp, c->idle->ksp);
    for (;;)
        __asm__ volatile("cli; hlt" ::: "memory");
}

/* Reads back from the CPU what ap_main set up: a mask of AP_BAD_* for
 * what is not as intended, 0 if all is. */
static uint32_t ap_check(const struct cpu_local *c)
{
    struct { uint16_t limit; uint32_t base; } PACKED gdtr, idtr;
    uint16_t tr;
    uint32_t bad = 0;

    __asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(tr));
    if (gdtr.base != (uint32_t)(uintptr_t)c->gdt)
        bad |= AP_BAD_GDT;
    /* ltr marks the descriptor busy in this CPU's GDT */
    if (tr != SEL_TSS || !(c->gdt[SEL_TSS >> 3] & (1ull << 41)))
        bad |= AP_BAD_TSS;
    if (idtr.base != bsp_idtr.base || idtr.limit != bsp_idtr.limit)
        bad |= AP_BAD_IDT;
    if (read_cr0() != bsp_cr0 || read_cr4() != bsp_cr4 ||
        (read_cr3() & PTE_ADDR) != virt_to_phys(kernel_pd))
        bad |= AP_BAD_CR;
    if (!lapic_enabled() || lapic_id() != c->apic_id)
        bad |= AP_BAD_APIC;
    if (cpu.sep && (uint32_t)rdmsr(MSR_SYSENTER_ESP) != (uint32_t)(uintptr_t)&c->tss.esp0)
        bad |= AP_BAD_SYSENTER;
    if (cpu_current() != c)
        bad |= AP_BAD_LOOKUP;
    return bad;
}

/* Entered from the trampoline on c's boot stack, interrupts off, paging on
 * with the temporary directory. */
NORETURN void ap_main(struct cpu_local *c)
{
    write_cr3(virt_to_phys(kernel_pd));     /* leave the temporary directory */
    /* The boot processor's CR0: caches on (INIT left CD/NW set), WP, NE,
     * MP, AM, TS (no FPU owner). CR4 came with the trampoline. */
    write_cr0(bsp_cr0);
    struct gdt_cpu g = {
        .gdt = c->gdt, .tss = &c->tss, .df_tss = c->df_tss,
        .df_stack_top = c->df_stack_top, .esp0 = c->boot_stack_top,
    };
    gdt_init_ap(&g);
    io_init_cpu(c);             /* its I/O-bitmap window; TR reloaded there */
    __asm__ volatile("lidt %0" :: "m"(bsp_idtr));
    lapic_init_ap();
    if (cpu.sep) {
        wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
        /* Its tss.esp0 (gdt.h), the boot stack since gdt_init_ap. */
        wrmsr(MSR_SYSENTER_ESP, (uint32_t)(uintptr_t)&c->tss.esp0);
        wrmsr(MSR_SYSENTER_EIP, (uint32_t)(uintptr_t)sysenter_entry);
    }
    /* Reports what it finds wrong (0: nothing), and, as a test hook
     * (boot option test=smpstall), nothing at all on the first AP. */
    if (c->apic_id != stall_apic_id) {
        c->setup_errors = ap_check(c);
        __atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
    }
    /* Wait for smp_go (the boot processor creates the idle threads);
     * a CPU beyond SMP_SCHED_MAX, or left out, stays parked: only INIT,
     * NMI or SMI wakes it. */
    while (!__atomic_load_n(&sched_go, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause" ::: "memory");
    if (c->index >= cpus_sched || !c->idle)
        for (;;)
            __asm__ volatile("cli; hlt" ::: "memory");
    ap_run(c);
}

/* ---- on the boot processor --------------------------------------------- */

/* The temporary page directory: the trampoline page identity-mapped (the
 * instruction after the one that turns paging on is fetched from there)
 * and the kernel half of kernel_pd. */
static uint32_t *tramp_pd, *tramp_pt;

static struct smp_tramp_params *tramp_params(void)
{
    return phys_to_virt(SMP_TRAMPOLINE_PHYS +
                        (uint32_t)(smp_tramp_params - smp_tramp_start));
}

static bool tramp_setup(void)
{
    tramp_pd = kmem_page_alloc();
    tramp_pt = kmem_page_alloc();
    if (!tramp_pd || !tramp_pt)
        return false;
    for (uint32_t s = PD_SLOT(KERNEL_VBASE); s < 1024; s++)
        tramp_pd[s] = kernel_pd[s];
    tramp_pt[PT_SLOT(SMP_TRAMPOLINE_PHYS)] = SMP_TRAMPOLINE_PHYS | PTE_P | PTE_W;
    tramp_pd[PD_SLOT(SMP_TRAMPOLINE_PHYS)] = virt_to_phys(tramp_pt) | PTE_P | PTE_W;

    uint32_t size = (uint32_t)(smp_tramp_end - smp_tramp_start);
    memcpy(phys_to_virt(SMP_TRAMPOLINE_PHYS), smp_tramp_start, size);
    struct smp_tramp_params *p = tramp_params();
    p->cr4 = read_cr4();
    p->pd = virt_to_phys(tramp_pd);
    p->entry = (uint32_t)(uintptr_t)ap_main;
    bsp_cr0 = read_cr0();
    bsp_cr4 = p->cr4;
    __asm__ volatile("sidt %0" : "=m"(bsp_idtr));
    return true;
}

static void tramp_release(void)
{
    if (tramp_pd)
        kmem_page_free(tramp_pd);
    if (tramp_pt)
        kmem_page_free(tramp_pt);
}

/* Gives record c its tables and stacks: three pages from the pool. */
static bool ap_alloc(struct cpu_local *c)
{
    struct ap_tables *t = kmem_page_alloc();
    uint8_t *df_stack = kmem_page_alloc();
    uint8_t *stack = kmem_page_alloc();
    if (!t || !df_stack || !stack) {
        if (t)
            kmem_page_free(t);
        if (df_stack)
            kmem_page_free(df_stack);
        if (stack)
            kmem_page_free(stack);
        return false;
    }
    c->gdt = t->gdt;
    c->df_tss = &t->df_tss;
    c->df_stack_top = (uint32_t)(uintptr_t)(df_stack + PAGE_SIZE);
    c->boot_stack_top = (uint32_t)(uintptr_t)(stack + PAGE_SIZE);
    return true;
}

static void ap_free(struct cpu_local *c)
{
    kmem_page_free(c->gdt);         /* the ap_tables page starts with it */
    kmem_page_free((void *)(uintptr_t)(c->df_stack_top - PAGE_SIZE));
    kmem_page_free((void *)(uintptr_t)(c->boot_stack_top - PAGE_SIZE));
}

/* Starts the AP of record c (its INIT was sent 10 ms ago or more) and
 * waits for it to report. Returns the TSC ticks from the first start-up
 * IPI to its report, or 0 if it did not report: then it has been sent
 * INIT again and is left out. */
static uint64_t start_ap(struct cpu_local *c)
{
    struct smp_tramp_params *p = tramp_params();
    p->apic_id = c->apic_id;
    p->stack = c->boot_stack_top;
    p->arg = (uint32_t)(uintptr_t)c;
    p->alive = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    uint64_t t0 = rdtsc();
    bool sent = lapic_send_startup(c->apic_id, SMP_TRAMPOLINE_PHYS);
    delay_us(SIPI_DELAY_US);
    /* A second start-up IPI as the SDM says; an AP already running
     * ignores it. */
    sent = lapic_send_startup(c->apic_id, SMP_TRAMPOLINE_PHYS) && sent;
    delay_us(SIPI_DELAY_US);
    if (sent && wait_flag(&c->started, AP_TIMEOUT_US)) {
        uint64_t ticks = rdtsc() - t0;
        if (!c->setup_errors)
            return ticks;
        kprintf("smp: APIC ID %u reports a wrong set-up (%x); left out\n",
                c->apic_id, c->setup_errors);
    } else {
        kprintf("smp: APIC ID %u %s; left out\n", c->apic_id,
                !sent ? "start-up IPI not sent" :
                p->alive ? "entered the trampoline but did not report" :
                "did not answer the start-up IPIs");
    }
    lapic_send_init(c->apic_id);
    return 0;
}

struct tcb *boot_current(void)
{
    return cpu_current()->running;
}

void smp_go(struct tcb *(*make_idle)(unsigned index))
{
    unsigned n = cpus_up < SMP_SCHED_MAX ? cpus_up : SMP_SCHED_MAX;
    if (n > 1 && !lapic_enabled()) {
        kprintf("smp: the boot processor's local APIC is off: threads run on it alone\n");
        n = 1;
    }
    if (n > 1) {
        /* Ten ticks measured, for precision. */
        timer_count = lapic_timer_calibrate(10 * TICK_US, delay_us) / 10;
        for (unsigned i = 1; i < n; i++)
            sched_init_cpu(&cpu_local[i], make_idle(i));
    }
    cpus_sched = n;
    cpus_sched_end = &cpu_local[n];
    __atomic_store_n(&sched_go, 1, __ATOMIC_RELEASE);
    kprintf("smp: threads run on %u CPU(s)", n);
    if (n < cpus_up)
        kprintf(", %u parked (at most %u)", cpus_up - n, (unsigned)SMP_SCHED_MAX);
    if (n > 1)
        kprintf("; local-APIC timer %u per tick", timer_count);
    kprintf("\n");
}

struct cpu_local *cpu_current(void)
{
    unsigned i = cpu_of_apic[lapic_id()];
    return i ? &cpu_local[i - 1] : &cpu_local[0];
}

/* The record's pointer to its own lock word (kw, klock.h), for C code
 * (the asm fast path addresses kw at its fixed offset). A CPU beyond
 * SMP_SCHED_MAX never runs threads and never takes the lock. */
static void smp_set_kword(struct cpu_local *c)
{
#if MAX_CPUS > 1
    c->kword = c->index < SMP_SCHED_MAX ? &c->kw : NULL;
#else
    c->kword = NULL;
#endif
}

static void bsp_record(void)
{
    struct cpu_local *c = &cpu_local[0];
    c->index = 0;
    smp_set_kword(c);
    c->apic_id = platform.ncpus ? platform.apic_id[0] : 0;
    c->gdt = gdt;
    c->df_tss = &df_tss;
    c->df_stack_top = df_tss.esp;
    c->boot_stack_top = (uint32_t)(uintptr_t)boot_stack_top;
    c->started = 1;
    cpu_of_apic[c->apic_id] = 1;
}

static void print_up(const char *prefix, unsigned listed)
{
    kprintf("smp: %s%u of %u CPU(s) up (APIC IDs", prefix, cpus_up, listed);
    for (unsigned i = 0; i < cpus_up; i++)
        kprintf(" %u", cpu_local[i].apic_id);
    kprintf(")");
}

void smp_init(bool enable)
{
    unsigned listed = platform.ncpus ? platform.ncpus : 1;
    unsigned want = listed < MAX_CPUS ? listed : MAX_CPUS;

    bsp_record();
    if (listed == 1) {
        print_up("", listed);
        kprintf("\n");
        return;
    }
    if (!enable) {
        print_up("nosmp: ", listed);
        kprintf(", %u not started\n", listed - 1);
        return;
    }
    if (want > 1 && (!lapic_map() || !tramp_setup())) {
        tramp_release();
        print_up("", listed);
        kprintf(", %u not started: %s\n", listed - 1,
                cpu.apic && cpu.msr ? "no memory" : "no local APIC");
        return;
    }

    if (boot_options.smp_stall_test)
        stall_apic_id = platform.apic_id[1];
    /* INIT to every AP first: one 10 ms wait serves them all. */
    uint64_t t0 = rdtsc();
    for (unsigned i = 1; i < want; i++)
        lapic_send_init(platform.apic_id[i]);
    if (want > 1)
        delay_us(INIT_DELAY_US);
    uint64_t ap_ticks = 0;
    for (unsigned i = 1; i < want; i++) {
        struct cpu_local *c = &cpu_local[cpus_up];
        c->index = cpus_up;
        smp_set_kword(c);
        c->apic_id = platform.apic_id[i];
        if (!ap_alloc(c)) {
            kprintf("smp: no memory for APIC ID %u; left out\n", c->apic_id);
            lapic_send_init(c->apic_id);
            continue;
        }
        cpu_of_apic[c->apic_id] = (uint8_t)(cpus_up + 1);
        uint64_t ticks = start_ap(c);
        if (!ticks) {
            cpu_of_apic[c->apic_id] = 0;
            ap_free(c);
            *c = (struct cpu_local){ 0 };
            continue;
        }
        ap_ticks += ticks;
        cpus_up++;
    }
    uint64_t total = rdtsc() - t0;
    tramp_release();

    print_up("", listed);
    if (want < listed)
        kprintf(", %u not started (MAX_CPUS=%u)", listed - want, (unsigned)MAX_CPUS);
    kprintf("\n");
    if (want > 1) {
        uint32_t per_us = arch_tsc_per_us();
        kprintf("smp: start-up took %u us, %u us per AP from start-up IPI to report\n",
                (uint32_t)udiv64(total, per_us, NULL),
                cpus_up > 1 ? (uint32_t)udiv64(ap_ticks, per_us * (cpus_up - 1), NULL) : 0);
    }
}
