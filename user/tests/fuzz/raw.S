/* Raw traps for the fuzzer's victims (fuzz.c, docs/fuzz.md).
 *
 * fuzz_raw(regs, entry) loads eax..ebp from a struct fz_regs, calls one of
 * the entries below and stores the registers back. Every entry ends in
 * `ret` if the trap returns to the next instruction; entries that leave
 * with a garbage eip or esp do not come back, and the victim is restarted
 * by the fuzzer's exception handler. After the call the flags are reset
 * (DF, NT, AC, TF cleared) because the C code relies on them. */

    .text

/* void fuzz_raw(struct fz_regs *r, void (*entry)(void));
 * struct fz_regs { eax, ebx, ecx, edx, esi, edi, ebp } */
    .globl  fuzz_raw
    .type   fuzz_raw, @function
fuzz_raw:
    pushl   %ebp
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    movl    20(%esp), %eax          /* r */
    movl    24(%esp), %ecx          /* entry */
    pushl   %eax                    /* 4(%esp) after the next push: r */
    pushl   %ecx                    /* (%esp): entry */
    movl    4(%eax), %ebx
    movl    8(%eax), %ecx
    movl    12(%eax), %edx
    movl    16(%eax), %esi
    movl    20(%eax), %edi
    movl    24(%eax), %ebp
    movl    0(%eax), %eax
    call    *(%esp)
    pushl   $0x202                  /* clean flags for the C code */
    popfl
    cld
    addl    $4, %esp
    xchgl   %eax, (%esp)            /* eax = r, (%esp) = result eax */
    movl    %ebx, 4(%eax)
    movl    %ecx, 8(%eax)
    movl    %edx, 12(%eax)
    movl    %esi, 16(%eax)
    movl    %edi, 20(%eax)
    movl    %ebp, 24(%eax)
    popl    %ecx
    movl    %ecx, 0(%eax)
    popl    %edi
    popl    %esi
    popl    %ebx
    popl    %ebp
    ret
    .size   fuzz_raw, . - fuzz_raw

/* 256 entries of 4 bytes: int $n; ret; nop. */
    .globl  fuzz_int_table
    .align  4
fuzz_int_table:
    .set    n, 0
    .rept   256
    .byte   0xcd, n, 0xc3, 0x90
    .set    n, n + 1
    .endr

/* 256 entries of 4 bytes: the kdebug call int3; cmpb $op, %al; ret. */
    .globl  fuzz_kdb_table
    .align  4
fuzz_kdb_table:
    .set    n, 0
    .rept   256
    .byte   0xcc, 0x3c, n, 0xc3
    .set    n, n + 1
    .endr

    .macro  entry name
    .globl  fz_\name
    .type   fz_\name, @function
fz_\name:
    .endm

/* Ipc through sysenter as the KIP stub does it, but with every other
 * register (and MR0 in esi) as the fuzzer chose. */
entry sysenter_ok
    popl    %ebx
    movl    %esp, %ebp
    sysenter

/* The same with EFLAGS from edi first (NT, AC, DF, TF, ... as given). */
entry sysenter_flags
    pushl   %edi
    popfl
    popl    %ebx
    movl    %esp, %ebp
    sysenter

/* The same with EFLAGS (TF among them) loaded right before sysenter, so
 * that the single-step trap is the entry's: the stepped Ipc path
 * (sysenter_ipc_stepped) with random arguments. */
entry sysenter_step
    popl    %ebx
    movl    %esp, %ebp
    pushl   %edi
    popfl
    sysenter

/* sysenter with the fuzzer's ebx (return eip) and ebp (user esp). */
entry sysenter_raw
    sysenter

/* An int-gate system call (vector in edi's low byte is not possible with
 * `int imm8`, so the table above is used for that); here EFLAGS from edi
 * and then SystemClock, ExchangeRegisters and Ipc through their gates. */
entry int_flags_84
    pushl   %edi
    popfl
    int     $0x84
    ret
entry int_flags_82
    pushl   %edi
    popfl
    int     $0x82
    ret
entry int_flags_80
    pushl   %edi
    popfl
    int     $0x80
    ret

/* A system call with the stack pointing into the kernel (edi): the
 * kernel must not use the user's esp; the return then faults in user
 * mode (the victim is restarted). */
entry kstack_int
    movl    %edi, %esp
    int     $0x84
    ret
entry kstack_sysenter
    popl    %ebx
    movl    %edi, %ebp
    sysenter

entry hlt
    hlt
    ret
entry cli_sti
    cli
    sti
    ret
entry cli_only
    cli
    ret
entry inb
    inb     %dx, %al
    ret
entry outb
    outb    %al, %dx
    ret
entry inl
    inl     %dx, %eax
    ret
entry insb
    pushl   %edi
    movl    %esi, %edi
    insb
    popl    %edi
    ret
entry outsb
    outsb
    ret
entry rdmsr
    rdmsr
    ret
entry wrmsr
    wrmsr
    ret
entry rdpmc
    rdpmc
    ret
entry rdtsc
    rdtsc
    ret
entry cpuid
    cpuid
    ret
entry mov_cr0
    movl    %cr0, %eax
    ret
entry mov_to_cr3
    movl    %eax, %cr3
    ret
entry mov_dr7
    movl    %eax, %db7
    ret
entry lgdt
    lgdt    (%esi)
    ret
entry lidt
    lidt    (%esi)
    ret
entry sgdt
    subl    $8, %esp
    sgdt    (%esp)
    addl    $8, %esp
    ret
entry ltr
    ltr     %ax
    ret
entry lldt
    lldt    %ax
    ret
entry invlpg
    invlpg  (%esi)
    ret
entry wbinvd
    wbinvd
    ret
entry clts
    clts
    ret
entry sysexit
    sysexit
entry ud2
    ud2
    ret
entry icebp
    .byte   0xf1
    ret
entry into
    movl    $0x7fffffff, %ecx
    addl    $1, %ecx
    into
    ret
entry div0
    xorl    %ecx, %ecx
    divl    %ecx
    ret
entry bound
    subl    $8, %esp
    movl    $1, (%esp)
    movl    $0, 4(%esp)
    bound   %eax, (%esp)
    addl    $8, %esp
    ret
entry lock_nop
    lock; nop
    ret
entry lock_bad
    .byte   0xf0, 0x89, 0xc0        /* lock movl %eax, %eax: #UD */
    ret
entry load_ds
    pushl   %ds
    movl    %eax, %ds
    popl    %ds
    ret
entry load_es
    pushl   %es
    movl    %eax, %es
    popl    %es
    ret
entry load_fs
    movl    %eax, %fs
    ret
entry load_gs
    pushl   %gs
    movl    %eax, %gs
    popl    %gs
    ret
entry load_ss
    pushl   %ss
    movl    %eax, %ss
    popl    %ss
    ret
entry ljmp_garbage
    pushl   %eax                    /* selector */
    pushl   $1f
    ljmp    *(%esp)
1:  addl    $8, %esp
    ret
entry lcall_garbage
    pushl   %eax
    pushl   $1f
    lcall   *(%esp)
1:  addl    $8, %esp
    ret
/* iret to the next instruction with EFLAGS from edi (VM, NT, IOPL, ...). */
entry iret_flags
    pushl   %ss
    leal    4(%esp), %ecx
    pushl   %ecx                    /* esp after the iret: as before */
    pushl   %edi
    pushl   %cs
    pushl   $1f
    iret
1:  ret
/* iret with a garbage frame (cs from eax, eip from esi). */
entry iret_garbage
    pushl   %ss
    pushl   %esp
    pushl   %edi
    pushl   %eax
    pushl   %esi
    iret
entry popf_flags
    pushl   %edi
    popfl
    ret
entry fpu
    fninit
    fldpi
    fldl2e
    faddp
    fstp    %st(0)
    ret
entry fxsave
    subl    $528, %esp
    movl    %esp, %ecx
    addl    $15, %ecx
    andl    $~15, %ecx
    fxsave  (%ecx)
    fxrstor (%ecx)
    addl    $528, %esp
    ret
/* kdebug Enter with a string in the kernel and one in the junk region. */
entry int3_enter_k
    int3
    .byte   0xeb, 0x05, 0xb8
    .long   0xc0001000
    ret
entry int3_enter_u
    int3
    .byte   0xeb, 0x05, 0xb8
    .long   0x20000ff0
    ret
entry jmp_kernel
    jmp     *%esi

    .section .note.GNU-stack, "", @progbits
