/* Faulting instruction sequences for the exception tests. Each is a cdecl
 * function returning eax; the *_insn / *_after labels tell the handler
 * where the fault is and where to resume. Callee-saved registers that are
 * loaded with marker values are pushed first. */
    .text
    .macro fn name
    .globl \name
\name:
    .endm

fn do_de                        /* divide error: eax 7, ebx 0x1234, ecx 0 */
    pushl %ebx
    movl $7, %eax
    movl $0x1234, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
fn de_insn
    divl %ecx                   /* f7 f1 */
    popl %ebx
    ret

fn do_ud                        /* ud2 with esi/edi/ebp markers */
    pushl %esi
    pushl %edi
    pushl %ebp
    movl $0x5e5e5e5e, %esi
    movl $0xd1d1d1d1, %edi
    movl $0xb0b0b0b0, %ebp
    movl $1, %eax
fn ud_insn
    ud2
    popl %ebp
    popl %edi
    popl %esi
    ret

fn do_gp                        /* privileged: mov %eax, %cr3 */
    movl $3, %eax
fn gp_insn
    movl %eax, %cr3
    ret

fn do_bp                        /* int3 not followed by a kdebug op */
    movl $4, %eax
    int3
fn bp_after
    nop
    ret

fn do_int30                     /* DPL-0 vector: #GP, system-call exception */
    movl $5, %eax
    int $0x30
fn int30_after
    ret

fn do_int90                     /* DPL-3 vector no system call uses */
    movl $6, %eax
    int $0x90
fn int90_after
    ret

fn do_into                      /* overflow */
    movl $0x7fffffff, %eax
    addl $1, %eax
    into
fn into_after
    ret

fn do_bound                     /* 20 outside [0, 10] */
    pushl $10
    pushl $0
    movl $20, %eax
fn bound_insn
    boundl %eax, (%esp)
    addl $8, %esp
    ret

fn do_ac                        /* misaligned load with EFLAGS.AC */
    pushfl
    orl $0x40000, (%esp)
    popfl
    movl $ac_buf + 1, %ecx
    movl $0, %eax
fn ac_insn
    movl (%ecx), %eax
    pushfl
    popl %eax                   /* return the flags after the access */
    andl $~0x40000, %eax
    pushl %eax
    popfl
    ret

fn do_flags                     /* ud2; then return the flags */
fn flags_insn
    ud2
    pushfl
    popl %eax
    ret

fn do_tf                        /* ud2; the handler resumes at tf_1 with TF */
fn tf_insn
    ud2
fn tf_1
    nop
fn tf_2
    nop
    movl $9, %eax
    ret

fn do_cli                       /* cli; return the flags */
    cli
    pushfl
    popl %eax
    ret

fn do_sti
    sti
    pushfl
    popl %eax
    ret

fn do_cli_prefixed              /* ds cli (3e fa): two bytes; the flags */
    .byte 0x3e, 0xfa
    pushfl
    popl %eax
    ret

fn do_sti_prefixed              /* ds sti (3e fb) */
    .byte 0x3e, 0xfb
    pushfl
    popl %eax
    ret

fn set_tf
    pushfl
    orl $0x100, (%esp)
    popfl
    ret

fn clear_tf
    pushfl
    andl $~0x100, (%esp)
    popfl
    ret

    .data
    .align 4
ac_buf:
    .long 0x11223344, 0x55667788

    .text
fn do_mf                        /* x87 divide by zero, ZE unmasked: #MF at the fwait */
    subl $4, %esp
    fninit
    fnstcw (%esp)
    andw $~0x4, (%esp)          /* unmask ZE */
    fldcw (%esp)
    fld1
    fldz
    fdivrp                      /* 1 / 0: pending unmasked exception */
fn mf_insn
    fwait
    fnclex
    fninit
    addl $4, %esp
    movl $16, %eax
    ret

fn do_xm                        /* SSE divide by zero, ZE unmasked: #XM */
    subl $4, %esp
    stmxcsr (%esp)
    andl $~0x200, (%esp)        /* unmask ZE */
    ldmxcsr (%esp)
    movl $0x3f800000, (%esp)    /* 1.0f */
    movss (%esp), %xmm0
    xorps %xmm1, %xmm1
fn xm_insn
    divss %xmm1, %xmm0          /* f3 0f 5e c1 */
    movl $0x1f80, (%esp)
    ldmxcsr (%esp)
    addl $4, %esp
    movl $19, %eax
    ret

    .text
fn do_hw                        /* runs into DR0 (execute) and DR1 (write) */
fn hw_setup_insn
    ud2                         /* the handler installs the breakpoints here */
    movl $1, %eax
fn hw_insn
    movl $2, %eax
    movl $0x000a2323, hw_var    /* "##\n": prints as a TAP comment */
fn hw_after_write
    movl $3, %eax
    ret

    .data
    .align 4
    .globl hw_var
hw_var:
    .long 0

    .text
fn do_tf_cli                    /* stepped through an emulated cli and sti */
fn tfc_insn
    ud2
fn tfc_cli
    cli
fn tfc_after_cli
    sti
fn tfc_after_sti
    movl $11, %eax
    ret
