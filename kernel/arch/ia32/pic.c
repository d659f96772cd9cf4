/* The 8259 PIC pair, remapped to vectors 0x20..0x2f. All lines start
 * masked; the kernel unmasks the ones it or an attached handler uses. */
#include "cpu.h"
#include "trap.h"
#include "pic.h"

#define PIC1 0x20
#define PIC2 0xa0

static uint16_t mask = 0xffff;

static void write_mask(void)
{
    outb(PIC1 + 1, mask & 0xff);
    outb(PIC2 + 1, mask >> 8);
}

void pic_init(void)
{
    outb(PIC1, 0x11);               /* ICW1: edge, cascade, ICW4 */
    outb(PIC2, 0x11);
    outb(PIC1 + 1, IRQ_BASE);       /* ICW2: vector base */
    outb(PIC2 + 1, IRQ_BASE + 8);
    outb(PIC1 + 1, 1 << 2);         /* ICW3: slave on line 2 */
    outb(PIC2 + 1, 2);
    outb(PIC1 + 1, 0x01);           /* ICW4: 8086 mode */
    outb(PIC2 + 1, 0x01);
    mask = 0xffff & ~(1u << 2);     /* cascade line stays open */
    write_mask();
}

void pic_mask_all(void)
{
    mask = 0xffff;
    write_mask();
}

void pic_mask(unsigned irq)
{
    mask |= (uint16_t)(1u << irq);
    write_mask();
}

void pic_unmask(unsigned irq)
{
    mask &= (uint16_t)~(1u << irq);
    write_mask();
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2, 0x20);
    outb(PIC1, 0x20);
}

#if KDB
/* The kernel debugger's NMI watchdog: the master's pending line by the
 * poll command (which acknowledges it as an INTA cycle would), or -1;
 * then the EOI. */
int pic_poll_ack(void)
{
    outb(PIC1, 0x0c);               /* OCW3: poll */
    uint8_t v = inb(PIC1);
    if (!(v & 0x80))
        return -1;
    outb(PIC1, 0x20);
    return v & 7;
}
#endif

/* A spurious IRQ 7/15 has no in-service bit: it must not be acknowledged
 * (IRQ 15 still needs an EOI on the master for the cascade). */
bool pic_spurious(unsigned irq)
{
    if (irq != 7 && irq != 15)
        return false;
    uint16_t port = irq == 7 ? PIC1 : PIC2;
    outb(port, 0x0b);               /* read ISR */
    if (inb(port) & 0x80)
        return false;
    if (irq == 15)
        outb(PIC1, 0x20);
    return true;
}
