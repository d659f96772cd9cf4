/* RTC periodic interrupt. Register B bit 6 enables it, register A's low
 * nibble sets the rate, reading register C re-arms the interrupt line. */
#include "rtc.h"
#include "portio.h"

static unsigned char rd(unsigned char reg)
{
    outb(RTC_PORT, reg);
    return inb(RTC_PORT + 1);
}

static void wr(unsigned char reg, unsigned char v)
{
    outb(RTC_PORT, reg);
    outb(RTC_PORT + 1, v);
}

void rtc_periodic_start(unsigned rate)
{
    wr(0x0a, (unsigned char)((rd(0x0a) & 0xf0) | (rate & 0x0f)));
    wr(0x0b, rd(0x0b) | 0x40);
    rd(0x0c);
}

void rtc_periodic_stop(void)
{
    wr(0x0b, rd(0x0b) & ~0x40);
    rd(0x0c);
}

unsigned rtc_ack(void)
{
    return rd(0x0c);
}
