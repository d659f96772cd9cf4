/* printf for user programs: the formatting engine is the one the kernel
 * uses (lib/format.c, kformat); output goes to the kernel debugger
 * console, one character per kdebug PrintChar. */
#include <stdint.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "format.h"

static void put_console(char c, void *arg)
{
    (void)arg;
    L4_KDB_PrintChar(c);
}

int vprintf(const char *fmt, va_list ap)
{
    return kformat(put_console, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return kvsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int putchar(int c)
{
    L4_KDB_PrintChar((char)c);
    return (unsigned char)c;
}

int puts(const char *str)
{
    while (*str)
        L4_KDB_PrintChar(*str++);
    L4_KDB_PrintChar('\n');
    return 0;
}
