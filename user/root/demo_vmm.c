/* Demo: the trap-and-emulate VMM (user/vmm). The guest (user/vmm/guest,
 * test mode) runs deprivileged as a task of its own; the shell thread is
 * its monitor (pager and exception handler), since creating the guest's
 * space needs a privileged thread. The guest's RAM is part of our image:
 * a copy of it taken after the first set-up is put back before each later
 * run, so every run starts from the same guest state. */
#include <l4/thread.h>
#include "libc.h"
#include "shell.h"
#include "../vmm/vcpu.h"

#define TICK_EXITS      20
#define GUEST_MAX       (64 * 1024)

static struct vcpu vm;
static char fresh_guest[GUEST_MAX];
static int have_copy;

void demo_vmm(void)
{
    L4_Word_t size = (L4_Word_t)(guest_image_end - guest_image_start);
    if (size > GUEST_MAX) {
        printf("vmm: guest image of %lu bytes too large for the demo\n", size);
        return;
    }
    if (have_copy)
        memcpy(guest_image_start, fresh_guest, size);
    if (!vmm_init(&vm, task_tid(TASK_VMM), TICK_EXITS))
        return;
    if (!have_copy) {
        memcpy(fresh_guest, guest_image_start, size);
        have_copy = 1;
    }
    guest_mode = GUEST_MODE_TEST;
    printf("vmm: guest RAM %lx..%lx, guest thread %lx in its own space\n", vm.ram_start,
           vm.ram_end, vm.guest.raw);
    enum vmm_stop s = vmm_run(&vm);        /* the monitor prints the guest's COM1 output */
    printf("vmm: guest stopped: %s at %lx%s\n", vmm_stop_name(s), vm.stop_eip,
           s == VS_UNKNOWN_INSN && guest_done ? " (its last instruction, wrmsr: a normal end)"
                                              : "");
    printf("vmm: %lu exits, %lu page faults, %lu timer interrupts injected, %lu guest ticks\n",
           vm.exits, vm.by_type[VX_PF], vm.injected, guest_ticks);
}
