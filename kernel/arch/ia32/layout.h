/* Pecan's virtual memory layout on ia32 (see docs/architecture.md).
 *
 *   0x00000000 .. 0xBFFFFFFF  user space (3 GiB)
 *   0xC0000000 .. 0xDFFFFFFF  physical memory, direct-mapped (first 512 MiB)
 *   0xE0000000 .. 0xEFFFFFFF  virtual TCB array, 4 KiB per thread number
 *   0xF0000000 .. 0xF07FFFFF  string-copy windows (2 x 4 MiB)
 *   0xF4000000 .. 0xFBFFFFFF  small-space region (smallspace.c), 128 MiB
 *   0xFF000000 ..             device mappings (local APIC, IO-APIC)
 *   0xFF400000 .. 0xFF403FFF  TSS alias and current I/O bitmap (ioport.c)
 *
 * Usable from assembly as well as C. */
#ifndef PECAN_IA32_LAYOUT_H
#define PECAN_IA32_LAYOUT_H

#define KERNEL_VBASE     0xC0000000
#define USER_LIMIT       0xC0000000     /* first address user code can't use */
#define PHYS_MAP_SIZE    0x20000000
#define TCB_AREA         0xE0000000
#define TCB_AREA_SIZE    0x10000000
#define TCB_SIZE         4096
#define COPY_AREA        0xF0000000
#define COPY_AREA_SIZE   0x00800000
/* Small address spaces (docs/smallspaces.md): every page directory has
 * this region; a small space of size S at offset O in it runs with user
 * segments of base SMALL_AREA + O, limit S - 1, and its page-directory
 * entries for [0, S) appear (copied on demand) at SMALL_AREA + O. */
#define SMALL_AREA       0xF4000000
#define SMALL_AREA_SIZE  0x08000000
/* The last directory slot is never present; it holds the directory's
 * struct space (0 for kernel_pd), so paging code finds the owner. */
#define PD_SPACE_SLOT    1023
#define DEVICE_AREA      0xFF000000
#define IOBM_WINDOW      0xFF400000     /* TSS + I/O bitmap window (ioport.c) */

#define KERNEL_LOAD_PHYS 0x00100000     /* where the boot loader puts us */

/* Conventional memory (below 1 MiB) that the kernel keeps for itself; the
 * rest of it that the boot loader's map reports free is ordinary RAM, so
 * X.2 boot images linked there (a stock sigma0 at 0x20000) can load.
 * Page 0 holds the real-mode IVT and the BIOS data area; page 1 is the
 * real-mode start-up page of application processors (SMP trampoline);
 * the EBDA and 0xA0000..0xFFFFF (VGA, option ROMs, BIOS) stay reserved. */
#define LOWMEM_BDA_PAGE      0x00000000
#define SMP_TRAMPOLINE_PHYS  0x00001000
#define LOWMEM_KEEP_END      0x00002000
#define LOWMEM_ROM_BASE      0x000A0000
#define LOWMEM_END           0x00100000

/* Linear addresses virtual-8086 mode can reach (CS*16 + IP < 1 MiB + 64 KiB).
 * Unprivileged spaces get nothing mapped there (map items, KIP and UTCB
 * areas), so a thread that enters v86 mode on an emulator that allows it
 * from CPL 3 faults at its first instruction, even with IF clear
 * (docs/exceptions.md, "Virtual-8086 mode"). */
#define V86_REACH        0x00110000

/* GDT selectors. The kernel runs with %ds/%es = SEL_KDATA (flat); user
 * code gets SEL_UCODE/SEL_UDATA, whose descriptors are those of the
 * running thread's space (base 0, limit 3 GiB for a large space; the
 * small-space window for a small one): every exit to user mode reloads
 * %ds/%es (entry.S), and a switch rewrites the two descriptors only when
 * the window changes (smallspace.c). */
#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UCODE   0x1b
#define SEL_UDATA   0x23
#define SEL_TSS     0x28
#define SEL_UTCB    0x33    /* per-CPU %gs segment, base = current UTCB */
#define SEL_DFTSS   0x38    /* task for double faults: its own stack */
#define GDT_ENTRIES 8

#ifndef __ASSEMBLER__
#define phys_to_virt(p) ((void *)((unsigned long)(p) + KERNEL_VBASE))
#define virt_to_phys(v) ((unsigned long)(v) - KERNEL_VBASE)
#endif

#endif
