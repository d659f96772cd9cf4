#ifndef PECAN_PAGEFAULT_H
#define PECAN_PAGEFAULT_H
#include "types.h"
struct tcb;
/* A user page fault: sigma0's are resolved invisibly; everyone else's
 * become an IPC to the pager. rwx is the access (L4ABI_FPAGE_R/W/X). */
void pagefault(struct tcb *t, uint32_t addr, unsigned rwx, uint32_t ip);
/* Stops a thread that cannot go on and says why on the console. */
void thread_stop(struct tcb *t, const char *why, uint32_t addr, uint32_t ip);
#endif
