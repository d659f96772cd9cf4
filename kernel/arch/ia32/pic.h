#ifndef PECAN_IA32_PIC_H
#define PECAN_IA32_PIC_H
#include "types.h"
void pic_init(void);
void pic_mask_all(void);
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
bool pic_spurious(unsigned irq);
#if KDB
int pic_poll_ack(void);         /* kdb watchdog: poll-acknowledge the master */
#endif
#endif
