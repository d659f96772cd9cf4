#ifndef PECAN_IA32_VIF_ARCH_H
#define PECAN_IA32_VIF_ARCH_H
#include "trap.h"
/* Boot: turns on CR4.PVI where the CPU has VME, unless allow_pvi is false
 * (command line vif=trap): then the #GP emulation even there, so sysexit
 * and the assembly IPC fast path stay usable (Bochs runs the small-space
 * suite so: it checks the limits of that path's segment descriptors). */
void vif_init(bool allow_pvi);
/* A user cli (sti = false) or sti of `len` bytes trapped: emulate it. */
void vif_emulate(struct trap_frame *f, bool sti, unsigned len);
#endif
