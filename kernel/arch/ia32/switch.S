/* arch_switch(uint32_t *save_ksp, uint32_t next_ksp): saves the callee-saved
 * registers on the current kernel stack, stores the stack pointer, and
 * resumes the other thread where it called arch_switch (or at the start
 * frame thread_create_frame built for it). */
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
