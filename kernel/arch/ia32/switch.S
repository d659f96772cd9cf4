/* arch_switch(uint32_t *save_ksp, uint32_t next_ksp): saves the callee-saved
 * registers on the current kernel stack, stores the stack pointer, and
 * resumes the other thread where it called arch_switch (or at the start
 * frame arch_thread_init_user or arch_thread_init_kernel built for it). */
    .text
    .globl arch_switch
arch_switch:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

/* arch_enter_user(struct trap_frame *f): f is the user frame at the top
 * of the current kernel stack; drop everything below it (the caller's C
 * frames included) and leave for user mode the way every trap does. */
    .globl arch_enter_user
arch_enter_user:
    movl 4(%esp), %esp
    jmp trap_return
