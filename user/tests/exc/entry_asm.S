/* Kernel-entry helpers for entry.c: system calls and faults made with
 * chosen EFLAGS bits set, `int n` for every n, and an iret into
 * virtual-8086 mode. All of it is assembly because compiled C may not run
 * with DF or AC set. */
    .text
    .macro fn name
    .globl \name
\name:
    .endm

/* unsigned long flags_call(struct fregs *r, unsigned long set, void *target)
 * Loads eax, ecx, edx, ebx, esi, edi, ebp from *r, ORs `set` into EFLAGS,
 * calls target (a KIP system-call stub or a routine below), records
 * EFLAGS right after it, restores the caller's EFLAGS and stores the seven
 * registers back into *r. Returns the recorded EFLAGS. */
fn flags_call
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    pushfl                          /* the caller's flags */
    movl 24(%esp), %eax
    movl %eax, fc_regs
    movl 28(%esp), %eax
    movl %eax, fc_set
    movl 32(%esp), %eax
    movl %eax, fc_target
    movl fc_regs, %eax
    movl 4(%eax), %ecx
    movl 8(%eax), %edx
    movl 12(%eax), %ebx
    movl 16(%eax), %esi
    movl 20(%eax), %edi
    movl 24(%eax), %ebp
    movl 0(%eax), %eax
    pushfl
    pushl %eax
    movl fc_set, %eax
    orl %eax, 4(%esp)
    popl %eax
    popfl                           /* from here on: the flags under test */
    call *fc_target
    pushfl
    popl fc_flags
    pushl %eax
    movl fc_regs, %eax
    movl %ecx, 4(%eax)
    movl %edx, 8(%eax)
    movl %ebx, 12(%eax)
    movl %esi, 16(%eax)
    movl %edi, 20(%eax)
    movl %ebp, 24(%eax)
    popl %ecx
    movl %ecx, 0(%eax)
    popfl                           /* the caller's flags again */
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    movl fc_flags, %eax
    ret

fn flags_ud                         /* #UD; the handler skips the ud2 */
fn flags_ud_insn
    ud2
    ret

fn flags_spin                       /* ecx iterations of a two-instruction loop */
1:  decl %ecx
    jnz 1b
    ret

/* Vector n's stub is at vec_stubs + 4n: `cd n` (never the one-byte int3
 * form), then ret. */
    .align 4
fn vec_stubs
    .set n, 0
    .rept 256
    .byte 0xcd, n
    ret
    nop
    .set n, n + 1
    .endr

/* void call_vector(unsigned n): `int n` with every general register zero
 * (a served system-call vector then is a harmless call). */
fn call_vector
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 20(%esp), %eax
    leal vec_stubs(,%eax,4), %eax
    movl %eax, fc_target
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    call *fc_target
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/* unsigned long v86_enter(cs, ip, eflags): iret with the v86 frame
 * (eip, cs, eflags, esp, ss, es, ds, fs, gs); the stack is ss:0xfff0 with
 * ss = cs. The handler resumes the thread at v86_resume with esp =
 * v86_saved_esp; it returns the EFLAGS it runs with there. */
fn v86_enter
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, v86_saved_esp
    movl 20(%esp), %eax
    movl 24(%esp), %ecx
    movl 28(%esp), %edx
    pushl $0                        /* gs */
    pushl $0                        /* fs */
    pushl $0                        /* ds */
    pushl $0                        /* es */
    pushl %eax                      /* ss */
    pushl $0xfff0                   /* sp */
    pushl %edx                      /* eflags */
    pushl %eax                      /* cs */
    pushl %ecx                      /* ip */
fn v86_iret
    iret
fn v86_resume
    movl v86_saved_esp, %esp
    pushfl
    popl %eax
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

    .data
    .align 4
fc_regs:    .long 0
fc_set:     .long 0
fc_target:  .long 0
fc_flags:   .long 0
    .globl v86_saved_esp
v86_saved_esp: .long 0
