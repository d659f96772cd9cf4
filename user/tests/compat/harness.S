/* compat_call(const struct gpr *in, struct gpr *out, uint32_t entry)
 *
 * Calls a system-call link (or any entry) with every general register set
 * from *in, exactly as a foreign libl4's inline assembly could leave them,
 * and stores every register as the kernel returned it into *out, so that a
 * test can check each output register and each register the X.2 ia32
 * convention says is preserved. struct gpr (compat.c): eax, ecx, edx, ebx,
 * esi, edi, ebp, then esp after the call and ds, es, fs, gs.
 * Not reentrant: one thread of the suite uses it at a time. */
    .text
    .globl compat_call
compat_call:
    pushl   %ebp
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    movl    24(%esp), %eax          /* out */
    movl    %eax, compat_out
    movl    28(%esp), %eax          /* entry */
    movl    %eax, compat_entry
    movl    %esp, compat_esp
    movl    20(%esp), %eax          /* in */
    movl    4(%eax), %ecx
    movl    8(%eax), %edx
    movl    12(%eax), %ebx
    movl    16(%eax), %esi
    movl    20(%eax), %edi
    movl    24(%eax), %ebp
    movl    0(%eax), %eax
    call    *compat_entry
    pushl   %eax                    /* the only scratch we have */
    movl    compat_out, %eax
    movl    %ecx, 4(%eax)
    movl    %edx, 8(%eax)
    movl    %ebx, 12(%eax)
    movl    %esi, 16(%eax)
    movl    %edi, 20(%eax)
    movl    %ebp, 24(%eax)
    popl    %ecx
    movl    %ecx, 0(%eax)
    movl    %esp, 28(%eax)
    movl    %ds, %ecx
    movl    %ecx, 32(%eax)
    movl    %es, %ecx
    movl    %ecx, 36(%eax)
    movl    %fs, %ecx
    movl    %ecx, 40(%eax)
    movl    %gs, %ecx
    movl    %ecx, 44(%eax)
    movl    compat_esp, %esp        /* even if the call broke it */
    popl    %edi
    popl    %esi
    popl    %ebx
    popl    %ebp
    ret

/* KernelInterface is an instruction, not a call: a link-like wrapper. */
    .globl compat_kernel_interface
compat_kernel_interface:
    lock; nop
    ret

    .globl compat_esp
    .bss
    .align 4
compat_out:     .long 0
compat_entry:   .long 0
compat_esp:     .long 0
