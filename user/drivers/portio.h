/* Port I/O for user-level drivers. A port the space lacks raises an I/O
 * fault to its pager, which may map it (X.2 I/O fpages). */
#ifndef DRIVERS_PORTIO_H
#define DRIVERS_PORTIO_H

static inline void outb(unsigned short port, unsigned char v)
{
    __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline unsigned char inb(unsigned short port)
{
    unsigned char v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

#endif
