/* COM1 console, 115200 8N1. The kernel writes synchronously (polling THRE)
 * so that a panic's last words always reach the log. */
#include "cpu.h"
#include "serial.h"
#include "../../arch.h"

#define COM1 0x3f8
enum { DATA = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

void serial_init(void)
{
    outb(COM1 + IER, 0x00);     /* no interrupts until a driver asks */
    outb(COM1 + LCR, 0x80);     /* DLAB on: program the divisor */
    outb(COM1 + DATA, 1);       /* 115200 baud */
    outb(COM1 + IER, 0);
    outb(COM1 + LCR, 0x03);     /* 8 data bits, no parity, one stop bit */
    outb(COM1 + FCR, 0xc7);     /* FIFOs on and cleared, 14-byte trigger */
    outb(COM1 + MCR, 0x03);     /* DTR, RTS */
}

void arch_console_putc(char c)
{
    while (!(inb(COM1 + LSR) & LSR_THRE))
        ;
    outb(COM1 + DATA, (uint8_t)c);
}

#if KDB
/* Input the receive interrupt took from the UART (kdb's break-key check)
 * waits here for arch_console_getc. Single producer and consumer with
 * interrupts off; a full ring drops the newest byte. */
#define RX_RING 64
static uint8_t rx_ring[RX_RING];
static unsigned rx_head, rx_tail;

#define MCR_OUT2 0x08           /* gates the UART interrupt to the PIC */
void serial_rx_irq(bool on)
{
    uint8_t mcr = inb(COM1 + MCR);
    outb(COM1 + MCR, on ? (mcr | MCR_OUT2) : (mcr & ~MCR_OUT2));
    outb(COM1 + IER, on ? 0x01 : 0x00);
    (void)inb(COM1 + IIR);
}

bool serial_rx_drain(int key)
{
    bool hit = false;
    while (inb(COM1 + LSR) & LSR_DR) {
        uint8_t c = inb(COM1 + DATA);
        if (c == key)
            hit = true;
        else if (rx_head - rx_tail < RX_RING)
            rx_ring[rx_head++ % RX_RING] = c;
    }
    return hit;
}

bool serial_rx_held(void)
{
    return rx_tail != rx_head;
}
#endif

int arch_console_getc(void)
{
#if KDB
    if (rx_tail != rx_head)
        return rx_ring[rx_tail++ % RX_RING];
#endif
    if (!(inb(COM1 + LSR) & LSR_DR))
        return -1;
    return inb(COM1 + DATA);
}

/* Waits until the shift register is empty: the last byte has left. */
void serial_drain(void)
{
    while (!(inb(COM1 + LSR) & LSR_TEMT))
        ;
}
