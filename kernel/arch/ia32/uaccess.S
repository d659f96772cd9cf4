/* Copying from user memory inside the kernel. A fault on the user side
 * lands in user_access_fixup (trap.c), which resumes at uaccess_fault:
 * the copy then reports failure instead of killing the kernel.
 *
 * int uaccess_copy(void *dst, const void *src, size_t n): 0 or -1.
 * Callers check that [src, src+n) lies below USER_LIMIT first. */
    .text
    .globl uaccess_copy, uaccess_start, uaccess_end, uaccess_fault
uaccess_copy:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
uaccess_start:
    rep movsb
uaccess_end:
    xorl %eax, %eax
    popl %edi
    popl %esi
    ret
uaccess_fault:
    movl $-1, %eax
    popl %edi
    popl %esi
    ret
