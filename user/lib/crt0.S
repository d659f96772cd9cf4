/* Program entry for Pecan user programs: own stack, cleared .bss, system
 * call table, then main(). No arguments are passed by the kernel. */

#define STACK_SIZE  16384

    .bss
    .align 16
__l4_stack:
    .space  STACK_SIZE
__l4_stack_top:

    .text
    .globl  _start
    .type   _start, @function
_start:
    cld
    /* Clear .bss when the link provides its bounds (weak, else 0); the
     * incoming stack is not used before we switch to our own. */
    movl    $__bss_start, %edi
    movl    $_end, %ecx
    testl   %edi, %edi
    jz      1f
    subl    %edi, %ecx
    jbe     1f
    xorl    %eax, %eax
    rep stosb
1:
    movl    $__l4_stack_top, %esp
    xorl    %ebp, %ebp
    call    __l4_init
    /* main(0, NULL, NULL); keep esp 16-byte aligned at the call */
    pushl   $0
    pushl   $0
    pushl   $0
    pushl   $0
    call    main
    addl    $16, %esp
    pushl   %eax
    pushl   %eax
    pushl   %eax
    pushl   %eax
    call    __l4_main_returned
2:  jmp     2b
    .size   _start, . - _start

    .weak   __bss_start
    .weak   _end

    .section .note.GNU-stack, "", @progbits
