/* The kernel console: formatted output to the arch console device. */
#include "console.h"
#include "format.h"
#include "arch.h"
#include "kdb.h"

void console_putc(char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    arch_console_putc(c);
}

static void console_out(char c, void *arg)
{
    (void)arg;
    console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return kformat(console_out, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void kputs(const char *s)
{
    while (*s)
        console_putc(*s++);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    __asm__ volatile("cli");
    kputs("\nPANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kputs("\n");
    arch_backtrace(arch_frame_pointer());
#if KDB
    kdb_fatal(NULL, KDB_R_PANIC);
#endif
    arch_shutdown(1);
}
