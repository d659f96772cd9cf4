#ifndef PECAN_IA32_KDEBUG_H
#define PECAN_IA32_KDEBUG_H
#include "trap.h"
/* The X.2 ia32 kdebug protocol behind int3. Returns false if the int3 is
 * not a kdebug request (a plain breakpoint). */
bool kdebug_trap(struct trap_frame *f);
/* The privileged thread-list op: arguments and results in f (docs/abi.md). */
void kdebug_thread_list(struct trap_frame *f);
#endif
