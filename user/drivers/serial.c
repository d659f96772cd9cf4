/* COM1 input (see serial.h for how the UART is shared with the kernel). */
#include "serial.h"
#include "portio.h"
#include <l4/kdebug.h>

enum { RBR = 0, IER = 1, IIR = 2, MCR = 4, LSR = 5 };
#define MCR_OUT2 0x08
#define LSR_DR   0x01

void serial_irq_enable(unsigned ier)
{
    outb(SERIAL_PORT + MCR, inb(SERIAL_PORT + MCR) | MCR_OUT2);
    outb(SERIAL_PORT + IER, (unsigned char)ier);
}

void serial_irq_disable(void)
{
    outb(SERIAL_PORT + IER, 0);
    outb(SERIAL_PORT + MCR, inb(SERIAL_PORT + MCR) & ~MCR_OUT2);
    inb(SERIAL_PORT + IIR);
}

int serial_getc(void)
{
    /* First what the kernel took from the UART before we owned IRQ 4 (its
     * debugger watches the line for the break key); the kernel lets the
     * line's owner read it. (char)-1 is "nothing held". */
    int c = (unsigned char)L4_KDB_ReadChar();
    if (c != 0xff)
        return c;
    if (!(inb(SERIAL_PORT + LSR) & LSR_DR))
        return -1;
    return inb(SERIAL_PORT + RBR);
}

unsigned serial_iir(void)
{
    return inb(SERIAL_PORT + IIR);
}
