/* Boot: from the boot loader's hand-over to the first user thread. */
#include "arch/ia32/excfast.h"
#include "arch/ia32/pffast.h"
#include "kernel.h"
#include "boot.h"
#include "console.h"
#include "frame.h"
#include "kmem.h"
#include "kip.h"
#include "thread.h"
#include "space.h"
#include "sched.h"
#include "irq.h"
#include "string.h"
#include "arch/ia32/cpu.h"
#include "arch/ia32/gdt.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/irqchip.h"
#include "arch/ia32/ioport.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/layout.h"
#include "arch/ia32/fpu.h"
#include "arch/ia32/vif_arch.h"
#include "arch/ia32/debug.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/fastipc.h"
#include "exception.h"
#include "arch/ia32/klock.h"
#include "arch/ia32/smp_ipi.h"
#include "vif.h"
#include "arch/ia32/perfmon.h"
#include "kdb.h"
#include "stats.h"
#include "event_fast.h"

#include "arch/ia32/serial.h"
void multiboot_read(uint32_t magic, uint32_t mbi_phys);
void timer_init(void);

struct boot_options boot_options;

/* ---- kernel memory ------------------------------------------------------
 * The kernel keeps a fixed pool of RAM for its own objects (TCBs, page
 * tables, UTCBs, spaces); everything else belongs to sigma0. The pool is
 * carved from the top of RAM and published in the KIP as reserved, so no
 * user can ever map a kernel frame. */
#define POOL_MIN (4u << 20)
#define POOL_MAX (64u << 20)

static struct memmap pool_map;

static void carve_pool(void)
{
    struct memmap *m = &boot_info.map;
    uint64_t avail = 0;
    for (int i = 0; i < m->count; i++)
        if (m->r[i].type == MEM_AVAILABLE && m->r[i].base < PHYS_MAP_SIZE)
            avail += (m->r[i].end > PHYS_MAP_SIZE ? PHYS_MAP_SIZE : m->r[i].end) - m->r[i].base;
    uint32_t want = (uint32_t)(avail / 4);
    if (KMEM_POOL_MB)
        want = KMEM_POOL_MB << 20;
    want = want < POOL_MIN ? POOL_MIN : want > POOL_MAX ? POOL_MAX : want;
    want = ALIGN_UP(want, PAGE_SIZE);

    memmap_init(&pool_map);
    uint32_t got = 0;
    for (int i = m->count - 1; i >= 0 && got < want; i--) {
        struct mem_region r = m->r[i];
        if (r.type != MEM_AVAILABLE || r.base >= PHYS_MAP_SIZE)
            continue;
        uint64_t end = ALIGN_DOWN(r.end > PHYS_MAP_SIZE ? PHYS_MAP_SIZE : r.end, PAGE_SIZE);
        uint64_t base = ALIGN_UP(r.base, PAGE_SIZE);
        if (end <= base)
            continue;
        uint64_t take = end - base < want - got ? end - base : want - got;
        memmap_add(&pool_map, end - take, take, MEM_AVAILABLE);
        got += (uint32_t)take;
    }
    if (got < POOL_MIN)
        panic("memory: only %u KiB of RAM for the kernel pool", got >> 10);
    for (int i = 0; i < pool_map.count; i++)
        memmap_add(m, pool_map.r[i].base, pool_map.r[i].end - pool_map.r[i].base,
                   MEM_KERNEL);
    frame_init(&pool_map);
    /* What one unprivileged space may make the kernel hold: a sixteenth
     * of the pool unless configured (docs/architecture.md). */
    uint64_t lim = KMEM_SPACE_LIMIT_KB ? (uint64_t)KMEM_SPACE_LIMIT_KB << 10 : got / 16;
    space_kmem_default_limit = lim < KMEM_UNLIMITED ? (uint32_t)lim : KMEM_UNLIMITED;
}

/* Without PSE: direct-map page tables from the lowest free RAM above
 * 1 MiB (conventional memory is left to boot images linked there). */
static paddr_t early_low_frame(void)
{
    struct memmap *m = &boot_info.map;
    for (int i = 0; i < m->count; i++) {
        uint64_t base = ALIGN_UP(m->r[i].base, PAGE_SIZE);
        if (base < LOWMEM_END)
            base = LOWMEM_END;
        if (m->r[i].type == MEM_AVAILABLE && base + PAGE_SIZE <= m->r[i].end &&
            base + PAGE_SIZE <= (16u << 20)) {
            memmap_add(m, base, PAGE_SIZE, MEM_KERNEL);
            memset(phys_to_virt(base), 0, PAGE_SIZE);
            return (paddr_t)base;
        }
    }
    return 0;
}

void *kmem_page_alloc(void)
{
    paddr_t f = frame_alloc();
    if (!f)
        return NULL;
    memset(phys_to_virt(f), 0, PAGE_SIZE);
    return phys_to_virt(f);
}

void kmem_page_free(void *page)
{
    frame_free(virt_to_phys(page));
}

void frame_bug(const char *what, paddr_t p)
{
    panic("frame allocator: %s (%08x)", what, p);
}

void kmem_bug(const char *what, const void *p)
{
    panic("kmem: %s (%p)", what, p);
}

static void print_memory(void)
{
    const struct memmap *m = &boot_info.map;
    static const char *const names[] = { "?", "RAM", "reserved", "boot modules", "kernel" };
    kprintf("memory map:\n");
    for (int i = 0; i < m->count; i++)
        kprintf("  [%08llx, %08llx) %s\n", (unsigned long long)m->r[i].base,
                (unsigned long long)m->r[i].end, names[m->r[i].type]);
    kprintf("memory: kernel pool %u KiB, %u frames free; %d boot module(s)\n",
            frame_total_count() * 4, frame_free_count(), boot_info.nmodules);
    kprintf("memory: kernel memory per space limited to %u KiB\n",
            space_kmem_default_limit >> 10);
}

uint32_t kernel_stat(uint32_t which)
{
    struct kmem_stats ks;
    switch (which) {
    case L4ABI_KDB_STAT_FREE_FRAMES: return frame_free_count();
    case L4ABI_KDB_STAT_LAZY_SYNCS: return paging_stats.lazy_syncs;
    case L4ABI_KDB_STAT_TCB_FRAMES: return paging_stats.tcb_frames;
    case L4ABI_KDB_STAT_TCB_ZERO: return paging_stats.tcb_zero_maps;
    case L4ABI_KDB_STAT_KMEM_BYTES: {
        kmem_get_stats(&ks);
        uint32_t sum = 0;
        for (int k = 0; k < KMEM_NKINDS; k++)
            sum += ks.bytes[k];
        return sum;
    }
    case L4ABI_KDB_STAT_CONTEXT_SWITCHES: return sched_context_switches();
#if KDB
    case L4ABI_KDB_STAT_KDB_ENTRIES: return kdb_entries;
#endif
    case L4ABI_KDB_STAT_IRQ_ENTRY_TSC: return (uint32_t)irq_entry_tsc;
    case L4ABI_KDB_STAT_IRQ_RAISED: return irq_stat_raised + irq_stat_asm_entry;
    case L4ABI_KDB_STAT_IRQ_DELIVERED: return irq_stat_delivered + irq_stat_asm_entry;
    case L4ABI_KDB_STAT_IRQ_DIRECT: return irq_stat_direct + irq_stat_asm_entry;
    case L4ABI_KDB_STAT_IO_SWITCHES: return io_stat_switches;
    case L4ABI_KDB_STAT_IO_FAULTS: return io_stat_faults;
    case L4ABI_KDB_STAT_EXC_IPCS: return exception_ipcs;
    case L4ABI_KDB_STAT_VIF_TRAPS: return vif_traps;
    case L4ABI_KDB_STAT_FPU_TRAPS: return fpu_traps;
    case L4ABI_KDB_STAT_FPU_SAVES: return fpu_saves;
    case L4ABI_KDB_STAT_FPU_AREAS: return fpu_areas;
    case L4ABI_KDB_STAT_PVI: return cpu.pvi;
    case L4ABI_KDB_STAT_VIF_RELEASES: return vif_releases;
    case L4ABI_KDB_STAT_FPU_EAGER: return fpu_eager;
    case L4ABI_KDB_STAT_CPU: return cpu_self()->index;
    case L4ABI_KDB_STAT_IPIS: return smp_ipis_sent();
    case L4ABI_KDB_STAT_SHOOTDOWNS: return smp_shootdowns;
    case L4ABI_KDB_STAT_LAPIC_TICKS: return cpu_self()->lapic_ticks;
    case L4ABI_KDB_STAT_IRQ_CPU: return irq_stat_cpu_rec ? irq_stat_cpu_rec->index : 0;
    case L4ABI_KDB_STAT_CR3_WRITES: return small_stats.cr3_writes;
    case L4ABI_KDB_STAT_SMALL_SYNCS: return small_stats.syncs;
    case L4ABI_KDB_STAT_SMALL_PROMOTIONS: return small_stats.promotions;
    case L4ABI_KDB_STAT_SMALL_PURGES: return small_stats.purges;
    case L4ABI_KDB_STAT_SMALL_SEGLOADS: return small_stats.seg_loads;
    case L4ABI_KDB_STAT_IRQOFF_MAX: return irqoff_take_max(false);
    case L4ABI_KDB_STAT_IRQOFF_RESET: return irqoff_take_max(true);
#if IRQOFF_STATS
    case L4ABI_KDB_STAT_IRQOFF_FROM: return irqoff_max_from;
    case L4ABI_KDB_STAT_IRQOFF_TO: return irqoff_max_to;
#endif
    case L4ABI_KDB_STAT_KMEM_PAGES:
        kmem_get_stats(&ks);
        return ks.pages;
    case L4ABI_KDB_STAT_ENTRIES: return stats_read(STAT_ENTRIES);
    case L4ABI_KDB_STAT_CR3_LOADS: return stats_read(STAT_CR3_LOADS);
    case L4ABI_KDB_STAT_GS_LOADS: return stats_read(STAT_GS_LOADS);
    case L4ABI_KDB_STAT_FASTPATH: return FASTPATH;
    case L4ABI_KDB_STAT_FAST_FAULTS: return fast_events[FAST_FAULT];
    case L4ABI_KDB_STAT_FAST_EXCS: return fast_events[FAST_EXC];
    case L4ABI_KDB_STAT_FAST_IRQS: return fast_events[FAST_IRQ] + irq_stat_asm_entry;
    case L4ABI_KDB_STAT_FAST_IRQ_ENTRY: return irq_stat_fast_entry + irq_stat_asm_entry;
    case L4ABI_KDB_STAT_FAST_IRQ_ACKS: return irq_stat_fast_acks;
    case L4ABI_KDB_STAT_FAST_EXC_SENDS: return exc_fast_sends;
    case L4ABI_KDB_STAT_FAST_EXC_REPLIES: return exc_fast_replies;
    case L4ABI_KDB_STAT_FAST_MAPS: return fast_events[FAST_MAP];
    case L4ABI_KDB_STAT_FAST_EXC_REPLIES_ASM: return exc_fast_replies_asm;
    case L4ABI_KDB_STAT_FAST_PF_SENDS: return pf_fast_sends;
    case L4ABI_KDB_STAT_FAST_PF_REPLIES: return pf_fast_replies;
    case L4ABI_KDB_STAT_KMEM_KIND(0) ... L4ABI_KDB_STAT_KMEM_KIND(KMEM_NKINDS - 1):
        kmem_get_stats(&ks);
        return ks.bytes[which - L4ABI_KDB_STAT_KMEM_KIND(0)];
    default:
        if (which >= L4ABI_KDB_STAT_IRQ_DEST(0) && which < L4ABI_KDB_STAT_IRQ_DEST(32))
            return irq_line_cpu(which - L4ABI_KDB_STAT_IRQ_DEST(0));
        return ~0u;
    }
}

/* ---- threads -------------------------------------------------------------*/

/* One per CPU. It halts without the kernel lock (an interrupt in the
 * halt takes it in trap_dispatch) and holds at least this CPU's word
 * otherwise: picking the next thread needs no more (the thread that
 * resumes takes the whole lock if it continues in the kernel). */
static void idle_loop(void)
{
    klock_local();              /* its first run, from a boot stack */
    for (;;) {
        if (sched_need_resched())
            schedule();
        klock_release();
        irqoff_end();
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        irqoff_begin();
        klock_local();
    }
}

static struct tcb *make_idle(unsigned index)
{
    struct tcb *idle = thread_create(L4ABI_TID(IDLE_NO + index, 1), &kernel_space);
    thread_init_kernel(idle, idle_loop);
    idle->state = TS_READY;
    idle->prio = 0;
    return idle;
}

#define ROOT_KIP_AREA   0xbff00000u
#define ROOT_UTCB_AREA  0xbfe00000u
#define ROOT_UTCB_LOG2  20

static struct tcb *start_root_server(uint32_t no, const struct boot_image *img,
                                     uint32_t pager, bool sigma0)
{
    struct space *s = space_create();
    if (!s)
        panic("boot: no memory for the %s space", img->name);
    s->privileged = true;
    s->sigma0 = sigma0;
    s->kmem.limit = KMEM_UNLIMITED;     /* the root servers are not limited */
    if (sigma0 && !io_space_init_sigma0(s))
        panic("boot: no memory for sigma0's I/O bitmap");
    if (space_set_areas(s, L4ABI_FPAGE(ROOT_KIP_AREA, 12, 0),
                        L4ABI_FPAGE(ROOT_UTCB_AREA, ROOT_UTCB_LOG2, 0)) != 0)
        panic("boot: cannot set up the %s space", img->name);
    struct tcb *t = thread_create(L4ABI_TID(no, 1), s);
    if (thread_set_utcb(t, ROOT_UTCB_AREA) != 0)
        panic("boot: no UTCB for %s", img->name);
    UTCB(t, L4ABI_UTCB_PAGER) = pager;
    t->scheduler = t->gid;
    t->prio = ROOT_PRIO;
    thread_start_user(t, img->elf.entry, 0);
    t->state = TS_READY;
    sched_enqueue(t);
    return t;
}

static void sysenter_init(void)
{
    if (!cpu.sep)
        return;
    wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
    wrmsr(MSR_SYSENTER_ESP, (uint32_t)(uintptr_t)&cpu_local[0].tss.esp0);  /* gdt.h */
    wrmsr(MSR_SYSENTER_EIP, (uint32_t)(uintptr_t)sysenter_entry);
}

/* Test hook (boot option test=kfault): a deliberate kernel-mode fault
 * proves that kernel bugs are caught and reported. */
static void deliberate_kernel_fault(void)
{
    kprintf("test: touching an unmapped kernel address on purpose\n");
    *(volatile uint32_t *)0xfe000000u = 0xdead;
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
    serial_init();
    kprintf("\nPecan 0.1: an L4 X.2 microkernel for ia32\n");
    cpu_probe();
    cpu_print_features();
    gdt_init();
    idt_init();

    multiboot_read(magic, mbi_phys);
    kprintf("cmdline: '%s'\n", boot_info.cmdline);
    boot_options.kfault_test = cmdline_has(boot_info.cmdline, "test=kfault");
    boot_options.dfault_test = cmdline_has(boot_info.cmdline, "test=doublefault");
    boot_options.smp_stall_test = cmdline_has(boot_info.cmdline, "test=smpstall");
    boot_options.smp_spread = cmdline_has(boot_info.cmdline, "smp=spread");

    if (!cpu.pse)
        kprintf("memory: no PSE, direct map uses 4 KiB pages\n");
    paging_init(boot_info.phys_top, early_low_frame);
    carve_pool();
    print_memory();
    io_init();

    struct boot_image sigma0, root;
    boot_load_module(0, "sigma0", &sigma0);
    boot_load_module(1, "root task", &root);

    irqchip_init(!cmdline_has(boot_info.cmdline, "noapic"));
    timer_init();
    sysenter_init();
    fpu_init(cmdline_has(boot_info.cmdline, "fpu=eager"));
    /* Alignment checks for user threads that set EFLAGS.AC: their #AC
     * goes to their exception handler. */
    write_cr0(read_cr0() | CR0_AM);
    vif_init(!cmdline_has(boot_info.cmdline, "vif=trap"));
    debug_probe();
    if (TRACE)
        perfmon_report();
    /* The APs copy the control registers, IDT and sysenter set-up above;
     * they park until the scheduler can use them (docs/smp.md). */
    smp_init(!cmdline_has(boot_info.cmdline, "nosmp"));
    /* After vif_init and fpu_init (their modes), and after smp_init, which
     * clears the record of an AP that failed to start: every CPU's
     * fast_off mode byte (the APs run no thread before smp_go). */
    ipc_fast_init();
    kip_init(&sigma0, &root);

    if (boot_options.kfault_test)
        deliberate_kernel_fault();
    if (boot_options.dfault_test) {
        /* A fault with an unusable stack: the #PF cannot be delivered. */
        kprintf("test: faulting with an unmapped kernel stack on purpose\n");
        __asm__ volatile("movl $0xfe001000, %%esp; pushl $0" ::: "memory");
    }

    kernel_space.pd = kernel_pd;
    kernel_space.kmem.limit = KMEM_UNLIMITED;
    struct tcb *idle = make_idle(0);
    sched_init(idle);
    irq_init();
    kdb_init(boot_info.cmdline);

    struct tcb *s0 = start_root_server(SIGMA0_NO, &sigma0, L4ABI_NILTHREAD, true);
    start_root_server(ROOT_NO, &root, s0->gid, false);

    /* The application processors enter their idle loops; they find
     * work once threads are migrated to them (Schedule). */
    smp_go(make_idle);
    kip_set_processors(cpus_sched);

    kprintf("boot: starting sigma0 and the root task\n");
    uint32_t boot_ksp;
    cpu_local[0].tss.esp0 = tcb_stack_top(idle);
    extern void arch_switch(uint32_t *, uint32_t);
    arch_switch(&boot_ksp, idle->ksp);
    panic("boot: returned to the boot stack");
}
