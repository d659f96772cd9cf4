/* COM1, the kernel console (serial.c). */
#ifndef PECAN_IA32_SERIAL_H
#define PECAN_IA32_SERIAL_H

#include "types.h"

void serial_init(void);
void serial_drain(void);        /* wait until the last byte has left */

#if KDB
#define KDB_BREAK_KEY 0x1b      /* ESC enters the kernel debugger */
/* The receive interrupt (IER, OUT2) on or off. */
void serial_rx_irq(bool on);
/* Moves every byte the UART holds into the kernel's input ring (what
 * arch_console_getc returns first); true if one of them was `key`, which
 * is dropped. */
bool serial_rx_drain(int key);
/* Does the input ring hold bytes nobody has read yet? */
bool serial_rx_held(void);
#endif

#endif
