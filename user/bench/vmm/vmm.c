/* VMM exit costs: the guest (user/vmm/guest, bench mode) times loops of
 * each exit kind with rdtsc (guest instructions under QEMU -icount, the
 * whole round trip guest -> kernel -> VMM -> kernel -> guest). */
#include <l4/thread.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "../../vmm/vcpu.h"

#define BENCH_N 200                 /* as guest.S */

static struct vcpu vm;

int main(void)
{
    static const char *const what[4] = {
        "cli+sti (2 exits, patched int3)",
        "out to port 0x80 (#GP; #BP once patched after an I/O fault)",
        "pushf+popf (2 exits, patched int3)",
        "timer interrupt (hlt, injection, EOI out, iret: 3 exits)",
    };
    if (!vmm_init(&vm, L4_GlobalId(100, 1), 1000000)) {
        printf("vmm bench: setup failed\n");
        L4_KDB_Shutdown(1);
    }
    guest_mode = GUEST_MODE_BENCH;
    enum vmm_stop s = vmm_run(&vm);
    if (s != VS_UNKNOWN_INSN || !guest_done) {
        printf("vmm bench: guest stopped: %s\n", vmm_stop_name(s));
        L4_KDB_Shutdown(1);
    }
    tap_plan(1);
    ok(guest_bench[3] != 0, "guest ran every benchmark loop");
    for (int i = 0; i < 4; i++)
        printf("bench: vmm %s: %lu instructions per loop\n", what[i], guest_bench[i] / BENCH_N);
    printf("bench: vmm exit handling in the monitor (decode, emulate, inject): %lu "
           "instructions per exit, of all %lu exits\n",
           (unsigned long)vm.handler_cycles / vm.exits, vm.exits);
    printf("bench: vmm %lu exits in total, %lu page faults, %lu interrupts injected\n",
           vm.exits, vm.by_type[VX_PF], vm.injected);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
