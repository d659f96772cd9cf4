/* What generic kernel code may ask of the architecture layer. Everything
 * that touches x86 hardware lives behind these calls in kernel/arch/ia32. */
#ifndef PECAN_ARCH_H
#define PECAN_ARCH_H

#include "types.h"

void arch_console_putc(char c);         /* raw byte to the console device */
int  arch_console_getc(void);           /* -1 if nothing is waiting */
NORETURN void arch_shutdown(int code);  /* drain console, leave the emulator */
void arch_backtrace(uint32_t ebp);      /* print a frame-pointer backtrace */
uint32_t arch_frame_pointer(void);
struct tcb;
void arch_dump_user_frame(const struct tcb *t); /* print t's user registers */

#endif
