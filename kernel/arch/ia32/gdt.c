/* The GDT: flat kernel and user segments, one TSS, and the %gs segment
 * through which user code finds its UTCB (X.2 ia32: %gs:0 holds the UTCB
 * pointer). Every CPU has a GDT of its own (a TSS descriptor's busy bit
 * and the UTCB slot are per CPU); the boot processor's is `gdt` below,
 * an application processor's is set up by gdt_init_ap (smp.c). */
#include "gdt.h"
#include "../../stats.h"
#include "cpu.h"
#include "smp.h"

/* A double fault usually means the kernel stack is unusable, so it is
 * handled by a task switch to a TSS with a stack of its own. */
struct tss df_tss __attribute__((aligned(128)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));
void double_fault_task(void);
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) |
           ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

/* access: present | DPL | S | type; flags: G (4 KiB units) | D (32-bit) */
#define ACC_KCODE 0x9a
#define ACC_KDATA 0x92
#define ACC_UCODE 0xfa
#define ACC_UDATA 0xf2
#define ACC_TSS   0x89
#define FLAGS_4K32 0xc

/* Byte-granular limit of 3: %gs:0 is the only word user code reads. */
void gdt_utcb_desc(uint32_t base, uint32_t desc[2])
{
    uint64_t d = seg_desc(base, 3, ACC_UDATA, 0x4);
    desc[0] = (uint32_t)d;
    desc[1] = (uint32_t)(d >> 32);
}

/* The user code and data segments: base, limit size - 1 (size a
 * multiple of 4 KiB), in GDT g. Large spaces get base 0 and 3 GiB, so
 * that the small-space region above stays out of their reach. */
void gdt_user_descs(uint32_t base, uint32_t size, uint64_t *code, uint64_t *data)
{
    uint32_t pages = (size >> 12) - 1;
    *code = seg_desc(base, pages, ACC_UCODE, FLAGS_4K32);
    *data = seg_desc(base, pages, ACC_UDATA, FLAGS_4K32);
}

uint64_t *gdt_current(void)
{
    struct { uint16_t limit; uint32_t base; } PACKED gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    return (uint64_t *)(uintptr_t)gdtr.base;
}

void gdt_load_tss_on(uint64_t *g, struct tss *t, uint32_t base, uint32_t limit,
                     uint16_t iomap_base)
{
    t->iomap_base = iomap_base;
    g[SEL_TSS >> 3] = seg_desc(base, limit, ACC_TSS, 0);     /* not busy */
    __asm__ volatile("ltr %w0" :: "r"(SEL_TSS) : "memory");
}

/* Fills one CPU's GDT: flat kernel and user segments, its TSS (not busy),
 * its double-fault TSS (running double_fault_task on df_stack_top) and an
 * empty UTCB slot. */
static void gdt_fill(uint64_t *g, struct tss *t, struct tss *df, uint32_t df_stack_top)
{
    g[0] = 0;
    g[SEL_KCODE >> 3] = seg_desc(0, 0xfffff, ACC_KCODE, FLAGS_4K32);
    g[SEL_KDATA >> 3] = seg_desc(0, 0xfffff, ACC_KDATA, FLAGS_4K32);
    uint64_t code, data;
    gdt_user_descs(0, USER_LIMIT, &code, &data);
    gdt_set_user(g, code, data);
    /* The I/O bitmap offset points past the TSS limit: no port is allowed
     * to user code until the I/O-fpage code installs a bitmap. */
    t->ss0 = SEL_KDATA;
    t->iomap_base = sizeof(struct tss);
    g[SEL_TSS >> 3] = seg_desc((uint32_t)(uintptr_t)t, sizeof(*t) - 1, ACC_TSS, 0);
    g[SEL_UTCB >> 3] = seg_desc(0, 3, ACC_UDATA, 0x4);

    extern uint32_t kernel_pd[1024];
    df->cr3 = (uint32_t)virt_to_phys(kernel_pd);
    df->eip = (uint32_t)(uintptr_t)double_fault_task;
    df->esp = df_stack_top;
    df->eflags = 0x2;
    df->cs = SEL_KCODE;
    df->ss = df->ss0 = SEL_KDATA;
    df->ds = df->es = df->fs = df->gs = SEL_KDATA;
    df->iomap_base = sizeof(struct tss);
    g[SEL_DFTSS >> 3] = seg_desc((uint32_t)(uintptr_t)df, sizeof(*df) - 1, ACC_TSS, 0);
}

/* Loads GDT g on this CPU, reloads every segment register (kernel data
 * in %ds/%es, a null %fs: see entry.S and smallspace.c) and the task
 * register, and makes the LDT null. Pecan has no LDT, but the CPU leaves
 * reset (and a boot loader may leave it) with an LDTR of base 0, limit
 * 0xffff: a user selector with TI set would then make the CPU read a
 * descriptor from linear 0..0xffff of the current space with kernel
 * rights (a page fault there, or a call gate a task planted in its own
 * page 0). With a null LDTR every such selector raises #GP. */
static void gdt_activate(uint64_t *g)
{
    struct { uint16_t limit; uint32_t base; } PACKED gdtr;

    gdtr.limit = GDT_ENTRIES * sizeof(uint64_t) - 1;
    gdtr.base = (uint32_t)(uintptr_t)g;
    __asm__ volatile(
        "lgdt %0\n\t"
        "ljmp %1, $1f\n"
        "1:\n\t"
        "movw %w2, %%ss\n\t"
        "movw %w2, %%ds\n\t"
        "movw %w2, %%es\n\t"
        "movw %w3, %%fs\n\t"
        "movw %w4, %%gs\n\t"
        "ltr %w5\n\t"
        "lldt %w3"
        :: "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(0),
           "r"(SEL_UTCB), "r"(SEL_TSS) : "memory");
}

void gdt_init(void)
{
    gdt_fill(gdt, &cpu_local[0].tss, &df_tss, (uint32_t)(uintptr_t)(df_stack + sizeof(df_stack)));
    gdt_activate(gdt);
}

void gdt_init_ap(const struct gdt_cpu *c)
{
    gdt_fill(c->gdt, c->tss, c->df_tss, c->df_stack_top);
    c->tss->esp0 = c->esp0;
    gdt_activate(c->gdt);
}
