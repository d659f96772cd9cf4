/* MC146818 RTC periodic interrupt (IRQ 8), ports 0x70-0x71. */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#define RTC_IRQ   8
#define RTC_PORT  0x70          /* I/O fpage: 0x70, log2 1 */

/* rate 3..15: 32768 >> (rate - 1) Hz (3 = 8192 Hz, 6 = 1024 Hz, 15 = 2 Hz) */
void rtc_periodic_start(unsigned rate);
void rtc_periodic_stop(void);
/* Reads status register C: acknowledges the RTC's interrupt so that it can
 * raise the next one. Returns the register (bit 6: periodic). */
unsigned rtc_ack(void);

#endif
