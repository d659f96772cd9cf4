/* Segment descriptors and the task state segment. */
#ifndef PECAN_IA32_GDT_H
#define PECAN_IA32_GDT_H

#include "types.h"
#include "layout.h"
#include "stats.h"

struct tss {
    uint16_t link, _r0;
    uint32_t esp0;
    uint16_t ss0, _r1;
    uint32_t esp1;
    uint16_t ss1, _r2;
    uint32_t esp2;
    uint16_t ss2, _r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, _r4, cs, _r5, ss, _r6, ds, _r7, fs, _r8, gs, _r9, ldt, _r10;
    uint16_t trap, iomap_base;
} PACKED;

/* The ring-0 stack pointer is kept in one place per CPU, its TSS's esp0:
 * the CPU reads it on every entry from user mode through a gate, and
 * MSR_SYSENTER_ESP points at it, so that sysenter_entry's first
 * instruction, `movl (%esp), %esp`, loads the same word. A switch stores
 * it once, at a fixed offset from the CPU's record: every CPU's TSS is
 * the last field of its struct cpu_local (smp.h).
 *
 * sysenter does not clear EFLAGS.TF: a single-stepped thread's sysenter
 * takes #DB at sysenter_entry's first instruction with %esp still
 * &tss.esp0 (debug.c), and an NMI may arrive there too. The CPU pushes
 * that frame (ring 0 to ring 0: no stack switch) at and below the word,
 * over tss.link (harmless: no task ever returns to this TSS; the
 * double-fault task, which would, halts) and what precedes the TSS, and
 * the handler runs on it. So the record keeps a guard of TSS_GUARD bytes
 * right below its TSS for that stack. The #DB handler needs about 250
 * bytes there (debug.c checks that it stayed inside); an NMI that enters
 * the kernel debugger there (docs/ipc.md) about 1 KiB.
 *
 * The TSS must not cross a page: ioport.c's window aliases the page that
 * holds it, followed by the I/O bitmap. TSS_ALIGN (a power of two above
 * its 104 bytes) keeps it inside one. */
#define TSS_GUARD   2048
#define TSS_ALIGN   128
_Static_assert(sizeof(struct tss) <= TSS_ALIGN && PAGE_SIZE % TSS_ALIGN == 0, "TSS_ALIGN");

void gdt_init(void);

/* The boot processor's tables (gdt_init). */
extern uint64_t gdt[GDT_ENTRIES];
extern struct tss df_tss;

/* An application processor's tables, filled and loaded on that CPU by
 * gdt_init_ap: its GDT, TSS (ring-0 stack esp0) and double-fault TSS. */
struct gdt_cpu {
    uint64_t *gdt;
    struct tss *tss, *df_tss;
    uint32_t df_stack_top, esp0;
};
void gdt_init_ap(const struct gdt_cpu *c);
/* Reloads this CPU's task register (its GDT g) with TSS t seen at linear
 * address base (an alias of t, ioport.c) and the given limit and I/O
 * bitmap offset. */
void gdt_load_tss_on(uint64_t *g, struct tss *t, uint32_t base, uint32_t limit,
                     uint16_t iomap_base);
/* The user %gs segment: its base is a thread's UTCB block, whose first
 * word holds the local ID (X.2 ia32: %gs:0). The descriptor is computed
 * once per thread; a switch installs it and reloads %gs. */
/* Small spaces (smallspace.c): the user code/data descriptors of GDT g,
 * and the GDT of the CPU this runs on (sgdt: cheap, and right on any
 * CPU). */
void gdt_user_descs(uint32_t base, uint32_t size, uint64_t *code, uint64_t *data);
static inline void gdt_set_user(uint64_t *g, uint64_t code, uint64_t data)
{
    g[SEL_UCODE >> 3] = code;
    g[SEL_UDATA >> 3] = data;
}
/* The %gs descriptor desc moved by delta (a small space's base). */
static inline void gdt_desc_rebase(const uint32_t desc[2], uint32_t delta, uint32_t out[2])
{
    uint32_t base = (desc[0] >> 16) | ((desc[1] & 0xff) << 16) | (desc[1] & 0xff000000u);
    base += delta;
    out[0] = (desc[0] & 0xffff) | (base << 16);
    out[1] = (desc[1] & 0x00ffff00u) | ((base >> 16) & 0xff) | (base & 0xff000000u);
}
uint64_t *gdt_current(void);
void gdt_utcb_desc(uint32_t base, uint32_t desc[2]);
/* A thread's %gs descriptor into this CPU's GDT `table`, and %gs reloaded
 * (its hidden base comes from the descriptor). Inline: every switch to a
 * user thread does it. */
static inline void gdt_set_utcb(uint64_t *table, const uint32_t desc[2])
{
    uint32_t *slot = (uint32_t *)&table[SEL_UTCB >> 3];
    slot[0] = desc[0];
    slot[1] = desc[1];
    STAT_INC(STAT_GS_LOADS);
    __asm__ volatile("movw %w0, %%gs" :: "r"(SEL_UTCB) : "memory");
}

#endif
