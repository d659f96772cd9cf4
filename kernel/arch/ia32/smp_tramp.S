/* Start-up code of the application processors (smp.c). The boot processor
 * copies smp_tramp_start..smp_tramp_end to SMP_TRAMPOLINE_PHYS and fills
 * the parameter block at its end; a start-up IPI with vector
 * SMP_TRAMPOLINE_PHYS >> 12 makes the AP run it in real mode at
 * CS:IP = (SMP_TRAMPOLINE_PHYS >> 4):0.
 *
 * 16-bit real mode -> 32-bit protected mode with a flat GDT of its own
 * -> is it the CPU the parameters are for? (a late answer to an old
 * start-up IPI must not run on another CPU's stack) -> CR4 as on the boot
 * processor (PSE before any 4 MiB page is used) -> paging with the
 * temporary directory (this page identity-mapped plus the kernel half)
 * -> ap_main(cpu) on its boot stack, in the kernel half, which loads the
 * real kernel_pd. Only position-independent references: every address
 * inside the page is computed as SMP_TRAMPOLINE_PHYS + offset. */
#include "layout.h"

#define TR(sym) (SMP_TRAMPOLINE_PHYS + ((sym) - smp_tramp_start))

    .section .rodata.smp_tramp, "a"
    .code16
    .globl smp_tramp_start
smp_tramp_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tr_gdtr - smp_tramp_start
    movl %cr0, %eax
    orl  $1, %eax                       /* PE */
    movl %eax, %cr0
    ljmpl $SEL_KCODE, $TR(tr_pm)

    .code32
tr_pm:
    movl $SEL_KDATA, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs

    /* Our APIC ID, from the local APIC (MSR 0x1b gives its base). */
    movl $0x1b, %ecx
    rdmsr
    andl $0xfffff000, %eax
    movl 0x20(%eax), %eax
    shrl $24, %eax
    cmpl TR(tp_apic_id), %eax
    jne  tr_stray
    movl $1, TR(tp_alive)

    movl TR(tp_cr4), %eax
    movl %eax, %cr4
    movl TR(tp_pd), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl  $0x80010000, %eax              /* PG, WP */
    movl %eax, %cr0

    movl TR(tp_stack), %esp
    xorl %ebp, %ebp                     /* ends backtraces */
    pushl TR(tp_arg)                    /* ap_main(struct cpu_local *) */
    pushl $0                            /* no return address */
    movl TR(tp_entry), %eax
    jmp  *%eax

    /* Not the CPU that was meant: stay here until the next INIT. */
tr_stray:
    cli
    hlt
    jmp  tr_stray

    .align 8
tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            /* SEL_KCODE: flat 32-bit code */
    .quad 0x00cf92000000ffff            /* SEL_KDATA: flat data */
tr_gdt_end:
tr_gdtr:
    .word tr_gdt_end - tr_gdt - 1
    .long TR(tr_gdt)

    /* struct smp_tramp_params (smp.c), written by the boot processor. */
    .align 4
    .globl smp_tramp_params
smp_tramp_params:
tp_apic_id: .long 0                     /* the CPU that may go on */
tp_alive:   .long 0                     /* set by that CPU on arrival */
tp_cr4:     .long 0
tp_pd:      .long 0                     /* temporary directory (physical) */
tp_stack:   .long 0                     /* boot stack top (kernel virtual) */
tp_entry:   .long 0                     /* ap_main */
tp_arg:     .long 0                     /* its struct cpu_local */
    .globl smp_tramp_end
smp_tramp_end:
