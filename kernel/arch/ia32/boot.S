/* Multiboot v1 entry. The loader jumps here in 32-bit protected mode with
 * paging off, eax = 0x2BADB002 and ebx = physical address of the multiboot
 * info. We run at our physical load address until paging is on, so every
 * symbol reference below subtracts KERNEL_VBASE. */
#include "layout.h"

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00000003        /* page-aligned modules, memory map */
#define BOOT_PT_COUNT 4             /* 16 MiB mapped before the C code runs */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .boot, "ax"
    /* The ELF entry is the virtual address: GRUB and QEMU translate it to
     * the physical one through the segment's p_paddr (GRUB insists that
     * the entry lies inside a segment's virtual range). */
    .globl _start
    .set _start, boot_entry
boot_entry:
    cli
    cld
    movl %eax, %esi                 /* keep the multiboot magic and info */
    movl %ebx, %edi

    /* Fill the boot page tables: 4 KiB pages covering [0, 16 MiB). */
    movl $(boot_page_tables - KERNEL_VBASE), %ebx
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    orl  $0x3, %eax                 /* present, writable */
    movl %eax, (%ebx, %ecx, 4)
    incl %ecx
    cmpl $(BOOT_PT_COUNT * 1024), %ecx
    jne  1b

    /* Point both the identity slots and the kernel slots of the boot page
     * directory at them: the identity half keeps this code running right
     * after paging is switched on. */
    movl $(boot_page_dir - KERNEL_VBASE), %edx
    movl $(boot_page_tables - KERNEL_VBASE + 0x3), %eax
    xorl %ecx, %ecx
2:  movl %eax, (%edx, %ecx, 4)
    movl %eax, (KERNEL_VBASE >> 22) * 4(%edx, %ecx, 4)
    addl $4096, %eax
    incl %ecx
    cmpl $BOOT_PT_COUNT, %ecx
    jne  2b

    movl %edx, %cr3
    movl %cr0, %eax
    orl  $0x80010000, %eax          /* PG, WP */
    movl %eax, %cr0
    movl $higher_half, %eax         /* absolute: lands in the kernel half */
    jmp  *%eax

    .text
higher_half:
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp                 /* ends backtraces */
    pushl %edi                      /* multiboot info (physical) */
    pushl %esi                      /* multiboot magic */
    call kmain
3:  hlt
    jmp 3b

    .section .bss.boot, "aw", @nobits
    .align 4096
    .globl boot_page_dir
boot_page_dir:
    .space 4096
boot_page_tables:
    .space 4096 * BOOT_PT_COUNT
    .align 16
    .globl boot_stack_top
boot_stack:
    .space 8192
boot_stack_top:
