#ifndef PECAN_IA32_VIF_ARCH_H
#define PECAN_IA32_VIF_ARCH_H
#include "trap.h"
/* Boot: turns on CR4.PVI where the CPU has VME. */
void vif_init(void);
/* A user cli (sti = false) or sti of `len` bytes trapped: emulate it. */
void vif_emulate(struct trap_frame *f, bool sti, unsigned len);
#endif
