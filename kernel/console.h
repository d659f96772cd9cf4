/* Kernel console: formatted output, assertions and panic. */
#ifndef PECAN_CONSOLE_H
#define PECAN_CONSOLE_H

#include "types.h"

int kprintf(const char *fmt, ...) PRINTF(1, 2);
int kvprintf(const char *fmt, va_list ap);
void kputs(const char *s);
void console_putc(char c);

/* Prints the message and the caller's backtrace, then ends the run with a
 * failure exit code. */
NORETURN void panic(const char *fmt, ...) PRINTF(1, 2);

#define assert(cond) \
    do { if (!(cond)) panic("assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__); } while (0)

#endif
