/* COM1 (16550) input driver, IRQ 4, ports 0x3f8-0x3ff.
 *
 * The kernel keeps writing its console to COM1's transmit register,
 * polling LSR.THRE. The driver therefore only reads RBR/IIR/LSR and writes
 * IER and MCR; it never touches LCR (DLAB), the divisor, FCR or THR, so no
 * console output is lost or garbled. Output of user programs still goes
 * through the kernel debugger (L4_KDB_PrintChar).
 *
 * While no driver owns IRQ 4 the kernel (its debugger's break key) takes
 * the receive interrupt and keeps what was typed; serial_getc returns
 * those bytes first (kdebug GetChar, allowed to the line's owner), and
 * the kernel starts the line out pending when it held some. When the
 * driver's task ends the kernel takes the line and the UART back. */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#define SERIAL_IRQ  4
#define SERIAL_PORT 0x3f8       /* I/O fpage: 0x3f8, log2 3 */

#define SERIAL_IER_RX   0x01    /* received data available */
#define SERIAL_IER_THRE 0x02    /* transmitter empty (tests) */

/* Enables the given interrupts (IER) and the OUT2 gate to the PIC. */
void serial_irq_enable(unsigned ier);
void serial_irq_disable(void);
/* A received byte, or -1 if none is waiting. */
int serial_getc(void);
/* Reads IIR: clears a pending transmitter-empty interrupt. */
unsigned serial_iir(void);

#endif
