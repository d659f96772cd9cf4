/* Faulting sequences for the exception fast path's tests (excfast.c). */
    .text
    .macro fn name
    .globl \name
\name:
    .endm

/* #DE with a marker in every register; the handler's reply resumes at
 * xf_land with registers of its choice (esp too): xf_land records them
 * all, with EFLAGS, in xf_regs, and returns 1 on the entry stack. */
fn xf_div
    pushl %ebx
    pushl %esi
    pushl %edi
    pushl %ebp
    movl %esp, xf_entry_esp
    movl $7, %eax
    movl $0xb1, %ebx
    xorl %ecx, %ecx
    movl $0xd1, %edx
    movl $0x51, %esi
    movl $0xd2, %edi
    movl $0xb2, %ebp
fn xf_insn
    divl %ecx                   /* f7 f1 */
    movl $2, %eax               /* resumed here: wrong, the test sees 2 */
    jmp 1f
fn xf_land
    movl %eax, xf_regs + 0
    movl %ebx, xf_regs + 4
    movl %ecx, xf_regs + 8
    movl %edx, xf_regs + 12
    movl %esi, xf_regs + 16
    movl %edi, xf_regs + 20
    movl %ebp, xf_regs + 24
    movl %esp, xf_regs + 28
    pushfl                      /* on the handler's stack */
    popl xf_regs + 32
    cld                         /* the reply set DF */
    movl $1, %eax
1:  movl xf_entry_esp, %esp
    popl %ebp
    popl %edi
    popl %esi
    popl %ebx
    ret

/* #DE; an ExchangeRegisters that aborts the exception IPC moves it on to
 * xf_abort_after, which returns 5. */
fn xf_abort_div
    pushl %ebx
    movl $3, %eax
    xorl %ecx, %ecx
    xorl %edx, %edx
    divl %ecx
    movl $4, %eax               /* resumed after the divl: wrong */
    popl %ebx
    ret
fn xf_abort_after
    movl $5, %eax
    popl %ebx
    ret

    .data
    .align 4
    .globl xf_regs, xf_entry_esp, xf_stack
xf_entry_esp: .long 0
xf_regs: .fill 9, 4, 0
    .align 16
xf_stack: .fill 64, 4, 0
