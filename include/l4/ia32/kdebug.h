/* Kernel debugger calls on IA-32: int3 followed by a marker instruction
 * that the kernel decodes at the trap address but that does nothing if
 * execution simply continues. See docs/abi.md. */
#ifndef __L4__IA32__KDEBUG_H__
#define __L4__IA32__KDEBUG_H__

#include <l4/types.h>

/* Enters the debugger with a message; str must be a string literal. Basic
 * asm, so the text may contain '%' as in Pistachio. */
#define L4_KDB_Enter(str)                                   \
    __asm__ __volatile__(                                   \
        "int3\n\t"                                          \
        "jmp 1f\n\t"                                        \
        "movl $2f, %eax\n"                                  \
        ".pushsection .rodata\n"                            \
        "2: .asciz \"" str "\"\n"                           \
        ".popsection\n"                                     \
        "1:")

#define __L4_KDB_OP(op) "int3\n\tcmpb $" #op ", %%al"

L4_INLINE void L4_KDB_PrintChar(char c)
{
    __asm__ __volatile__(__L4_KDB_OP(0x00) : : "a"((L4_Word_t)(unsigned char)c));
}

L4_INLINE void L4_KDB_PrintString(const char *s)
{
    __asm__ __volatile__(__L4_KDB_OP(0x01) : : "a"(s) : "memory");
}

L4_INLINE void L4_KDB_ClearPage(void)
{
    __asm__ __volatile__(__L4_KDB_OP(0x02) : :);
}

/* Returns the next input character, or (char)-1 if there is none. */
L4_INLINE char L4_KDB_ReadChar(void)
{
    L4_Word_t c;
    __asm__ __volatile__(__L4_KDB_OP(0x08) : "=a"(c));
    return (char)c;
}

L4_INLINE char L4_KDB_ReadChar_Blocked(void)
{
    L4_Word_t c;
    __asm__ __volatile__(__L4_KDB_OP(0x0d) : "=a"(c));
    return (char)c;
}

/* Pecan extension, not in X.2: ends the system (e.g. exits QEMU) with
 * `code`; 0 means the tests finished normally, anything else a failure.
 * Honoured by kernels built with the debugger; otherwise it returns. */
L4_INLINE void L4_KDB_Shutdown(L4_Word_t code)
{
    __asm__ __volatile__(__L4_KDB_OP(0x40) : : "a"(code) : "memory");
}

/* Pecan extension, not in X.2: reads one of the kernel's counters
 * (L4ABI_KDB_STAT_*), so that tests can check that the kernel did not
 * allocate memory or that an invisible mechanism was taken. Returns
 * ~0 for an unknown counter; kernels without the debugger do nothing. */
L4_INLINE L4_Word_t L4_KDB_Stat(L4_Word_t which)
{
    L4_Word_t v = which;
    __asm__ __volatile__(__L4_KDB_OP(0x41) : "+a"(v) : : "memory");
    return v;
}

/* Pecan extension, not in X.2, for tests of the virtual interrupt flag:
 * if the caller's virtual IF is clear, the kernel holds a (dummy) virtual
 * interrupt for it, as the interrupt code would (EFLAGS.VIP set), and
 * returns 1; the caller's next sti releases it (counted in
 * L4ABI_KDB_STAT_VIF_RELEASES). Returns 0 if the virtual IF is set. */
L4_INLINE L4_Word_t L4_KDB_VifHold(void)
{
    L4_Word_t v = 0;
    __asm__ __volatile__(__L4_KDB_OP(0x42) : "+a"(v) : : "memory");
    return v;
}

/* Pecan extension, not in X.2, privileged threads only: copies up to n
 * (1..L4ABI_KDB_THREADS_MAX) entries describing the threads from number
 * *next on into buf and returns how many; *next becomes the number to
 * continue from, 0 once the whole thread table was looked at (one call
 * looks at no more than L4ABI_KDB_THREADS_SCAN numbers, so a call may
 * return 0 entries with *next != 0). Returns ~0 for invalid arguments or
 * a buffer that cannot be written (ErrorCode 5). See docs/abi.md. */
L4_INLINE L4_Word_t L4_KDB_ThreadList(struct l4abi_kdb_thread *buf, L4_Word_t n,
                                      L4_Word_t *next)
{
    L4_Word_t r = (L4_Word_t)buf, c = n, d = *next;
    __asm__ __volatile__(__L4_KDB_OP(0x43) : "+a"(r), "+c"(c), "+d"(d) : : "memory");
    *next = d;
    return r;
}

/* Pecan extension, not in X.2: trace buffer and profiler control
 * (L4ABI_TRACE_* in <l4/abi.h>, docs/kdb.md). Privileged threads only;
 * anyone else's call is a breakpoint exception. Returns eax; *r2 gets ecx
 * if r2 is not NULL. */
L4_INLINE L4_Word_t L4_KDB_Trace(L4_Word_t op, L4_Word_t a1, L4_Word_t a2, L4_Word_t *r2)
{
    L4_Word_t v = op, c = a1, d = a2;
    __asm__ __volatile__(__L4_KDB_OP(0x44) : "+a"(v), "+c"(c), "+d"(d) : : "memory");
    if (r2)
        *r2 = c;
    return v;
}

#endif /* !__L4__IA32__KDEBUG_H__ */
