/* The guest: a tiny ring-0 "kernel" that the VMM (user/vmm/vmm.c) runs
 * deprivileged in ring 3. It uses what a small kernel uses: lidt, the
 * 8259 PIC and COM1 through in/out, its own page tables with mov to cr3
 * and cr0.PG, cli/sti/pushf/popf, hlt, iret from interrupt handlers and a
 * software interrupt, and a user-mode process of its own (ltr, iret to
 * CPL 3, a system call, #GP and #PF handlers). Nothing here knows about L4 except guest_boot, the
 * "firmware" that names the VMM as exception handler.
 *
 * The whole image (code, data, page tables, stack) is one page-aligned
 * section: it is the guest's RAM, guest-physical == link address.
 * cli/sti/pushf/popf are written through macros that record their
 * addresses in section guest_patches; the VMM replaces them by int3. */

#define COM1        0x3f8
#define COM1_LSR    0x3fd
#define PIC1_CMD    0x20
#define PIC1_DATA   0x21
#define TIMER_VEC   0x20
#define SOFT_VEC    0x30
#define SYS_VEC     0x31            /* the guest's own system call, from its user mode */
#define UCS         0x4b            /* guest user selectors (its GDT entries 9, 10) */
#define UDS         0x53
#define TSS_SEL     0x58
#define ALIAS       0x40000000      /* a virtual address only paging gives meaning */
#define NTICKS      10
#define BENCH_N     200
#define GUEST_MODE_HALT 2           /* as vcpu.h */

    .macro PATCHED insn
.Lpatch\@:
    \insn
    .pushsection guest_patches, "a"
    .long .Lpatch\@
    .popsection
    .endm
#define VCLI    PATCHED cli
#define VSTI    PATCHED sti
#define VPUSHF  PATCHED pushf
#define VPOPF   PATCHED popf

    .section .guest_image, "awx", @progbits
    .balign 4096
    .globl guest_image_start
guest_image_start:

/* Firmware: the thread starts here. The exception handler TCR is the
 * thread's own to set (X.2), so copy the pager (the VMM) into it. */
    .globl guest_boot
guest_boot:
    movl %gs:0, %eax
    movl -48(%eax), %ecx            /* TCR Pager (-12) */
    movl %ecx, -44(%eax)            /* TCR ExceptionHandler (-11) */
    movl $guest_stack_top, %esp
    jmp guest_main

guest_main:
    cmpl $GUEST_MODE_HALT, guest_mode
    jne 1f
    VCLI
    .globl guest_halt
guest_halt:
    hlt                             /* nothing can wake it: the VMM must stop */
1:
    /* Interrupt descriptor table. */
    movl $timer_isr, %eax
    movl $idt + TIMER_VEC * 8, %edi
    call set_gate
    movl $soft_isr, %eax
    movl $idt + SOFT_VEC * 8, %edi
    call set_gate
    movl $ud_isr, %eax
    movl $idt + 6 * 8, %edi
    call set_gate
    movl $gp_isr, %eax
    movl $idt + 13 * 8, %edi
    call set_gate
    movl $pf_isr, %eax
    movl $idt + 14 * 8, %edi
    call set_gate
    movl $sys_isr, %eax
    movl $idt + SYS_VEC * 8, %edi
    call set_gate
    movb $0xee, idt + SYS_VEC * 8 + 5     /* DPL 3: user mode may call it */
    lidt idtr

    /* GDT and TSS (the stack for entries from user mode). */
    movl $tss, %eax
    movw %ax, gdt + TSS_SEL + 2
    shrl $16, %eax
    movb %al, gdt + TSS_SEL + 4
    movb %ah, gdt + TSS_SEL + 7
    movl $kstack_top, tss + 4
    movl $0x10, tss + 8
    lgdt gdtr
    movw $TSS_SEL, %ax
    ltr %ax

    /* PIC: ICW1 (edge, cascade, ICW4), ICW2 vector base, ICW3, ICW4 (8086),
     * then mask everything but IRQ0. */
    movb $0x11, %al
    outb %al, $PIC1_CMD
    movb $TIMER_VEC, %al
    outb %al, $PIC1_DATA
    movb $0x04, %al
    outb %al, $PIC1_DATA
    movb $0x01, %al
    outb %al, $PIC1_DATA
    movb $0xfe, %al
    outb %al, $PIC1_DATA

    movl $msg_boot, %esi
    call puts

    /* Paging: identity-map the image, ALIAS -> page_a; pd2 the same but
     * ALIAS -> page_b. */
    call build_page_tables
    movl $pd, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    movl $0x1234abcd, ALIAS
    cmpl $0x1234abcd, page_a
    je 1f
    incl guest_bad
1:  movl $msg_paging, %esi
    call puts
    /* A new address space: ALIAS must now reach page_b. */
    movl $0x5678, page_b
    movl $pd2, %eax
    movl %eax, %cr3
    cmpl $0x5678, ALIAS
    je 1f
    incl guest_stale
1:
    cmpl $1, guest_mode
    je bench

    /* The interrupt flag as pushf sees it. */
    VCLI
    VPUSHF
    popl %eax
    testl $0x200, %eax
    jz 1f
    incl guest_bad
1:  VSTI
    VPUSHF
    popl %eax
    testl $0x200, %eax
    jnz 1f
    incl guest_bad
1:  pushl $0x2
    VPOPF                           /* IF off through popf */
    VPUSHF
    popl %eax
    testl $0x200, %eax
    jz 1f
    incl guest_bad
    /* Many exits with interrupts off: no tick may arrive. */
1:  movl $1, in_cli
    movl $100, %ecx
2:  movw $COM1_LSR, %dx
    inb %dx, %al
    loop 2b
    movl $0, in_cli
    pushl $0x202
    VPOPF                           /* IF on through popf */

    /* Wait for the timer. */
3:  hlt
    cmpl $NTICKS, guest_ticks
    jb 3b

    /* With preemption (the VMM says so), ticks arrive without exits. */
    movw $0x510, %dx
    inb %dx, %al
    testb $1, %al
    jz 2f
    movl guest_ticks, %eax
1:  cmpl guest_ticks, %eax
    je 1b
    movl $1, guest_spin
2:
    int $SOFT_VEC
    ud2                             /* #UD: reflected into the guest's handler */

    /* A user process: it runs at CPL 3 until it faults or exits. */
    call run_user

    VCLI
    movl $msg_ticks, %esi
    call puts
    movl guest_ticks, %eax
    call print_dec
    movl $msg_sum, %esi
    call puts
    movl guest_sum, %eax
    call print_dec
    movl $msg_bad, %esi
    call puts
    movl guest_bad, %eax
    call print_dec
    movl $msg_soft, %esi
    call puts
    movl guest_soft, %eax
    call print_dec
    movl $msg_nl, %esi
    call puts
    movl $1, guest_done
    /* Something the VMM does not emulate: it must report it. */
    .globl guest_bad_insn
guest_bad_insn:
    wrmsr
    jmp guest_bad_insn

/* Benchmark: cycles (rdtsc) per loop of each exit kind, BENCH_N loops. */
bench:
    movb $0xff, %al                 /* no ticks while measuring the others */
    outb %al, $PIC1_DATA
    rdtsc
    movl %eax, %edi
    movl $BENCH_N, %ecx
1:  VCLI
    VSTI
    loop 1b
    rdtsc
    subl %edi, %eax
    movl %eax, guest_bench + 0
    rdtsc
    movl %eax, %edi
    movl $BENCH_N, %ecx
1:  outb %al, $0x80
    loop 1b
    rdtsc
    subl %edi, %eax
    movl %eax, guest_bench + 4
    rdtsc
    movl %eax, %edi
    movl $BENCH_N, %ecx
1:  VPUSHF
    VPOPF
    loop 1b
    rdtsc
    subl %edi, %eax
    movl %eax, guest_bench + 8
    movb $0xfe, %al
    outb %al, $PIC1_DATA
    VSTI
    nop
    rdtsc
    movl %eax, %edi
    movl guest_ticks, %ebx
    addl $BENCH_N, %ebx
1:  hlt                             /* hlt exit, injection, EOI out, iret */
    cmpl %ebx, guest_ticks
    jb 1b
    rdtsc
    subl %edi, %eax
    movl %eax, guest_bench + 12
    movl $1, guest_done
    jmp guest_bad_insn

/* IRQ0: count, check the interrupt flag on both sides, EOI, iret. */
timer_isr:
    pushl %eax
    testl $0x200, 12(%esp)          /* the interrupted eflags had IF */
    jnz 1f
    incl guest_bad
1:  VPUSHF
    popl %eax
    testl $0x200, %eax              /* an interrupt gate cleared it */
    jz 1f
    incl guest_bad
1:  cmpl $0, in_cli
    je 1f
    incl guest_bad
1:  incl guest_ticks
    movl guest_ticks, %eax
    addl %eax, guest_sum
    movb $0x20, %al
    outb %al, $PIC1_CMD
    popl %eax
    iret

soft_isr:
    incl guest_soft
    iret

ud_isr:
    incl guest_ud
    addl $2, (%esp)                 /* skip the ud2 */
    iret

/* Enters user mode (IF on); returns when the process is gone. */
run_user:
    movl %esp, kernel_resume_esp
    pushl $UDS
    pushl $user_stack_top
    pushl $0x202
    pushl $UCS
    pushl $user_main
    iret
user_gone:
    movl kernel_resume_esp, %esp
    ret

/* System call: eax = 1: print ebx; eax = 2: exit. */
sys_isr:
    cmpl $2, %eax
    je user_gone
    movl %ebx, guest_user_result
    movl $msg_user, %esi
    call puts
    movl %ebx, %eax
    call print_dec
    movl $msg_nl, %esi
    call puts
    iret

/* #GP: only user mode may cause one here (cli): skip the instruction. */
gp_isr:
    incl guest_user_gp
    addl $4, %esp                   /* error code */
    cmpl $UCS, 4(%esp)
    jne 1f
    incl (%esp)                     /* cli is one byte */
    iret
1:  incl guest_bad                  /* the kernel itself must not fault: stop */
    VCLI
    hlt

/* #PF: the user process touched what it may not: record it, end it. */
pf_isr:
    movl %cr2, %eax
    movl %eax, guest_user_cr2
    movl (%esp), %eax
    movl %eax, guest_user_pferr
    cmpl $UCS, 8(%esp)
    je user_gone
    incl guest_bad                  /* the kernel itself must not fault */
    jmp user_gone

/* eax = handler, edi = gate: 32-bit interrupt gate, selector 8, DPL 0. */
set_gate:
    movw %ax, (%edi)
    movw $0x08, 2(%edi)
    movw $0x8e00, 4(%edi)
    shrl $16, %eax
    movw %ax, 6(%edi)
    ret

build_page_tables:
    movl $guest_image_start, %eax
    movl %eax, %ebx
    shrl $22, %ebx
    movl $pt, %ecx
    orl $3, %ecx
    movl %ecx, pd(, %ebx, 4)
    movl %ecx, pd2(, %ebx, 4)
1:  movl %eax, %edx
    shrl $12, %edx
    andl $0x3ff, %edx
    movl %eax, %ecx
    orl $3, %ecx
    movl %ecx, pt(, %edx, 4)
    addl $4096, %eax
    cmpl $guest_image_end, %eax
    jb 1b
    movl $pt_a + 3, pd + (ALIAS >> 22) * 4
    movl $pt_b + 3, pd2 + (ALIAS >> 22) * 4
    movl $page_a + 3, pt_a
    movl $page_b + 3, pt_b
    /* The user pages (and their directory entry) are user-accessible. */
    orl $4, pd(, %ebx, 4)
    orl $4, pd2(, %ebx, 4)
    movl $user_text, %eax
    call user_page
    movl $user_stack, %eax
    call user_page
    ret
user_page:                          /* eax = page */
    shrl $12, %eax
    andl $0x3ff, %eax
    orl $4, pt(, %eax, 4)
    ret

/* COM1 output: wait for the transmitter, then write. al = character. */
putc:
    pushl %edx
    pushl %eax
    movw $COM1_LSR, %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    popl %eax
    movw $COM1, %dx
    outb %al, %dx
    popl %edx
    ret

puts:                               /* esi = NUL-terminated string */
    pushl %eax
    pushl %esi
1:  lodsb
    testb %al, %al
    jz 2f
    call putc
    jmp 1b
2:  popl %esi
    popl %eax
    ret

print_dec:                          /* eax = unsigned number */
    pushl %ebx
    pushl %ecx
    pushl %edx
    movl $10, %ebx
    xorl %ecx, %ecx
1:  xorl %edx, %edx
    divl %ebx
    pushl %edx
    incl %ecx
    testl %eax, %eax
    jnz 1b
2:  popl %eax
    addb $'0', %al
    call putc
    loop 2b
    popl %edx
    popl %ecx
    popl %ebx
    ret

msg_boot:   .asciz "guest: booting\n"
msg_paging: .asciz "guest: paging on\n"
msg_ticks:  .asciz "guest: "
msg_sum:    .asciz " ticks, sum="
msg_bad:    .asciz ", bad="
msg_soft:   .asciz ", soft="
msg_nl:     .asciz "\n"
msg_user:   .asciz "guest: user process says "

    .balign 8
idtr:
    .word 64 * 8 - 1
    .long idt
gdtr:
    .word 11 * 8 + 8 - 1
    .long gdt
    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
    .quad 0x00cf92000000ffff        /* 0x10 kernel data */
    .fill 6, 8, 0
    .quad 0x00cffa000000ffff        /* 0x4b user code */
    .quad 0x00cff2000000ffff        /* 0x53 user data */
    .quad 0x0000890000000067        /* 0x58 TSS (base filled in) */
tss:        .fill 26, 4, 0
    .balign 4
    .globl guest_user_result, guest_user_gp, guest_user_cr2, guest_user_pferr
guest_user_result: .long 0
guest_user_gp:     .long 0
guest_user_cr2:    .long 0
guest_user_pferr:  .long 0
    .globl guest_ud, guest_spin
guest_ud:          .long 0
guest_spin:        .long 0
kernel_resume_esp: .long 0
    .globl guest_mode, guest_ticks, guest_sum, guest_bad, guest_stale, guest_soft
    .globl guest_done, guest_bench
guest_mode:  .long 0                /* set by the VMM before the start */
guest_ticks: .long 0
guest_sum:   .long 0
guest_bad:   .long 0                /* interrupt-flag violations seen */
guest_stale: .long 0                /* ALIAS kept its old page after cr3 */
guest_soft:  .long 0
guest_done:  .long 0
guest_bench: .long 0, 0, 0, 0
in_cli:      .long 0
    .balign 8
idt:        .fill 64 * 2, 4, 0

    .balign 4096
pd:         .fill 1024, 4, 0
pd2:        .fill 1024, 4, 0
pt:         .fill 1024, 4, 0
pt_a:       .fill 1024, 4, 0
pt_b:       .fill 1024, 4, 0
page_a:     .fill 1024, 4, 0
page_b:     .fill 1024, 4, 0
stack:      .fill 1024, 4, 0
    .globl guest_stack_top
guest_stack_top:
kstack:     .fill 1024, 4, 0
kstack_top:

/* The user process: its code and stack pages are the only user pages. */
user_text:
user_main:
    xorl %eax, %eax
    movl $1, %ecx
1:  addl %ecx, %eax
    incl %ecx
    cmpl $100, %ecx
    jbe 1b
    movl %eax, %ebx
    movl $1, %eax
    int $SYS_VEC                    /* print the sum */
    VCLI                            /* refused: #GP, skipped by the guest kernel */
    movl guest_ticks, %eax          /* a supervisor page: #PF ends the process */
    movl $2, %eax
    int $SYS_VEC                    /* exit (only if the read was allowed) */
    .balign 4096
user_stack: .fill 1024, 4, 0
user_stack_top:
    .globl guest_image_end
guest_image_end:
