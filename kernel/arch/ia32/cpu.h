/* Thin wrappers around ia32 instructions, and the CPU feature probe. */
#ifndef PECAN_IA32_CPU_H
#define PECAN_IA32_CPU_H

#include "types.h"
#include "irqoff.h"
#include "../../stats.h"

/* EFLAGS bits */
#define EFL_CF   (1u << 0)
#define EFL_ZF   (1u << 6)
#define EFL_TF   (1u << 8)
#define EFL_IF   (1u << 9)
#define EFL_DF   (1u << 10)
#define EFL_IOPL (3u << 12)
#define EFL_NT   (1u << 14)
#define EFL_RF   (1u << 16)
#define EFL_VM   (1u << 17)
#define EFL_AC   (1u << 18)
#define EFL_VIF  (1u << 19)
#define EFL_VIP  (1u << 20)
#define EFL_ID   (1u << 21)
/* Flags a user thread may set through the ABI: arithmetic flags, TF, DF,
 * AC and ID. Never IOPL, IF, NT, RF, VM, VIF or VIP. */
#define EFL_USER_MASK (0xcd5u | EFL_TF | EFL_DF | EFL_AC | EFL_ID)
#define EFL_USER_FIXED (EFL_IF | 0x2u)

#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_PSE (1u << 4)
#define CR4_PGE (1u << 7)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#define DEFINE_CR(n) \
    static inline uint32_t read_cr##n(void) { uint32_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(uint32_t v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
/* Every CR3 load goes through here: the bench kernel counts them (stats.h). */
static inline void write_cr3(uint32_t v)
{
    STAT_INC(STAT_CR3_LOADS);
    __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory");
}

static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void wrmsr(uint32_t msr, uint64_t v) { __asm__ volatile("wrmsr" :: "c"(msr), "A"(v)); }
static inline uint64_t rdmsr(uint32_t msr) { uint64_t v; __asm__ volatile("rdmsr" : "=A"(v) : "c"(msr)); return v; }
static inline uint64_t rdtsc(void) { uint64_t v; __asm__ volatile("rdtsc" : "=A"(v)); return v; }
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Lets pending interrupts in for one instruction (sti's shadow covers the
 * nop): a preemption point inside long kernel work. */
static inline void irq_window(void)
{
    irqoff_end();
    __asm__ volatile("sti; nop; cli" ::: "memory");
    irqoff_begin();
}
static inline uint32_t read_eflags(void) { uint32_t f; __asm__ volatile("pushfl; popl %0" : "=r"(f)); return f; }

/* Features found by cpu_probe(), kept for the rest of the kernel. */
struct cpu_features {
    bool pse, pge, sep, fxsr, sse, sse2, vme, apic, tsc, msr, de;
    bool pvi;           /* CR4.PVI turned on (vif.c) */
    uint32_t family, model, stepping;
    char vendor[13];
};
extern struct cpu_features cpu;

void cpu_probe(void);
void cpu_print_features(void);

#endif
