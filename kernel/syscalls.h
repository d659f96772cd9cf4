/* The X.2 system calls other than Ipc, in arch-neutral form. Each returns
 * its X.2 result word and sets the caller's ErrorCode TCR on failure. */
#ifndef PECAN_SYSCALLS_H
#define PECAN_SYSCALLS_H

#include "types.h"

uint32_t sys_thread_control(uint32_t dest, uint32_t space_spec, uint32_t scheduler,
                            uint32_t pager, uint32_t utcb_location);
/* Pecan's kernel-memory extension of SpaceControl (L4ABI_SPACE_KMEM):
 * out[0] old control, out[1] bytes charged, out[2] limit in bytes. */
uint32_t sys_space_kmem(uint32_t space_spec, uint32_t control, uint32_t out[3]);
uint32_t sys_space_control(uint32_t space_spec, uint32_t control, uint32_t kip_area,
                           uint32_t utcb_area, uint32_t redirector, uint32_t *old_control);

struct exregs {
    uint32_t control, sp, ip, flags, user_handle, pager;
};
/* In: *r holds the new values; out: *r holds the old ones. Returns the
 * destination's ID as the caller names it (global or local), or nil. */
uint32_t sys_exchange_registers(uint32_t dest, struct exregs *r);

void sys_thread_switch(uint32_t dest);
uint32_t sys_schedule(uint32_t dest, uint32_t time_ctl, uint32_t proc_ctl,
                      uint32_t prio_ctl, uint32_t preempt_ctl, uint32_t *old_time_ctl);
uint64_t sys_system_clock(void);
void sys_unmap(uint32_t control);
uint32_t sys_memory_control(uint32_t control, const uint32_t attr[4]);
uint32_t sys_processor_control(uint32_t cpu, uint32_t ifreq, uint32_t efreq, uint32_t volt);

#endif
