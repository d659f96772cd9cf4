/* The trap-and-emulate VMM (user/vmm) runs its ring-0 guest
 * (user/vmm/guest/guest.S) as an L4 task and checks what the guest saw,
 * what it printed and which exits the monitor handled. */
#include <l4/thread.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "../../vmm/vcpu.h"

#define TICK_EXITS  20
#define NTICKS      10              /* as guest.S */

static struct vcpu vm;

static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncmp(hay, needle, n))
            return true;
    return false;
}

int main(void)
{
    tap_plan(31);
    L4_ThreadId_t guest = L4_GlobalId(100, 1);

    ok(vmm_init(&vm, guest, TICK_EXITS), "VM set up");
    ok(vm.npatches >= 10, "cli/sti/pushf/popf sites patched with int3 (%u)", vm.npatches);
    ok(vm.ram_start >> 22 == (vm.ram_end - 1) >> 22,
       "guest RAM %lx..%lx lies in one page table's reach", vm.ram_start, vm.ram_end);

    /* A guest that halts with interrupts off can never go on. */
    guest_mode = GUEST_MODE_HALT;
    enum vmm_stop s = vmm_run(&vm);
    ok(s == VS_HALTED && vm.stop_eip == (L4_Word_t)guest_halt && vm.by_type[VX_CLI] == 1,
       "cli; hlt stops the VM as halted (%s at %lx)", vmm_stop_name(s), vm.stop_eip);

    /* The real run, in a new VM. */
    ok(vmm_init(&vm, L4_GlobalId(101, 1), TICK_EXITS), "second VM set up");
    guest_mode = GUEST_MODE_TEST;
    unsigned long exc0 = L4_KDB_Stat(L4ABI_KDB_STAT_EXC_IPCS);
    s = vmm_run(&vm);
    ok(s == VS_UNKNOWN_INSN && vm.stop_eip == (L4_Word_t)guest_bad_insn,
       "unknown privileged instruction reported by the VMM (%s at %lx)",
       vmm_stop_name(s), vm.stop_eip);
    ok(vm.stop_bytes[0] == 0x0f && vm.stop_bytes[1] == 0x30, "it was wrmsr (%02x %02x)",
       vm.stop_bytes[0], vm.stop_bytes[1]);
    ok(guest_done == 1, "guest ran to its end");
    ok(contains(vm.out, "guest: booting\n") && contains(vm.out, "guest: paging on\n"),
       "guest booted and enabled its paging");

    char line[96];
    snprintf(line, sizeof(line), "guest: %lu ticks, sum=%lu, bad=0, soft=1\n", guest_ticks,
             guest_sum);
    ok(contains(vm.out, line), "guest printed its result through COM1");
    ok(guest_ticks >= NTICKS && guest_sum == guest_ticks * (guest_ticks + 1) / 2,
       "guest took %lu virtual timer interrupts (sum %lu)", guest_ticks, guest_sum);
    is(guest_bad, 0, "interrupt flag right everywhere (pushf, handler, cli sections)");
    is(vm.injected, guest_ticks, "every injected interrupt reached the handler");
    is(guest_soft, 1, "int $0x30 delivered through the guest IDT");
    ok(vm.ticks_raised > vm.injected, "ticks raised while IF was off waited (%lu raised)",
       vm.ticks_raised);

    ok(vm.idt_limit == 64 * 8 - 1 && vm.idt_base != 0, "lidt emulated");
    ok((vm.cr0 & 0x80000000u) && vm.cr3 != 0 && vm.flushes >= 2,
       "guest paging on, cr3 %lx, %lu shadow flushes", vm.cr3, vm.flushes);
    ok(vm.pic.base == 0x20 && vm.pic.imr == 0xfe && vm.pic.isr == 0 && !vm.vif,
       "virtual PIC programmed and idle, IF off at the end");
    ok(vm.by_type[VX_CLI] >= 2 && vm.by_type[VX_STI] >= 1 && vm.by_type[VX_PUSHF] >= 4 &&
       vm.by_type[VX_POPF] >= 2, "cli %lu, sti %lu, pushf %lu, popf %lu exits",
       vm.by_type[VX_CLI], vm.by_type[VX_STI], vm.by_type[VX_PUSHF], vm.by_type[VX_POPF]);
    ok(vm.by_type[VX_IN] >= 100 && vm.by_type[VX_OUT] >= 5 + 40,
       "in %lu, out %lu exits", vm.by_type[VX_IN], vm.by_type[VX_OUT]);
    /* int n: 0x30, the user's print, and its exit unless the #PF ended it. */
    ok(vm.by_type[VX_HLT] >= 1 && vm.by_type[VX_IRET] >= guest_ticks + 4 &&
       vm.by_type[VX_LIDT] == 1 && vm.by_type[VX_CR] >= 4 && vm.by_type[VX_SOFTINT] == (vm.refaults ? 2u : 3u),
       "hlt %lu, iret %lu, lidt %lu, mov-cr %lu, int-n %lu exits", vm.by_type[VX_HLT],
       vm.by_type[VX_IRET], vm.by_type[VX_LIDT], vm.by_type[VX_CR], vm.by_type[VX_SOFTINT]);
    ok(vm.by_type[VX_PF] > 0, "%lu guest page faults served by the VMM", vm.by_type[VX_PF]);
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_EXC_IPCS) - exc0 == vm.exits - vm.by_type[VX_PF] -
                                                       vm.by_type[VX_IOFAULT],
       "every non-fault exit was one exception IPC (%lu exits)", vm.exits);
    /* The revocation check needs Unmap to revoke derived mappings (the
     * mapping database); without it the guest's old pages stay. */
    if (vm.refaults)
        is(guest_stale, 0, "after mov cr3 the guest sees its new page tables");
    else
        ok(1, "cr3 switch # SKIP kernel Unmap does not revoke mappings yet");

    /* The guest's own user process (CPL 3). */
    ok(contains(vm.out, "guest: user process says 5050\n") && guest_user_result == 5050,
       "guest user process ran and made a system call through a DPL-3 gate");
    ok(vm.tss_base != 0 && vm.by_type[VX_LTR] == 1, "ltr emulated (TSS at %lx)", vm.tss_base);
    is(guest_user_gp, 1, "user-mode cli became a #GP in the guest");
    if (vm.refaults)
        ok(guest_user_cr2 == (L4_Word_t)&guest_ticks && guest_user_pferr == 5,
           "user read of a supervisor page became a guest #PF (cr2 %lx, error %lx)",
           guest_user_cr2, guest_user_pferr);
    else
        ok(1, "user #PF # SKIP kernel Unmap does not revoke mappings yet");
    if (vm.refaults)
        ok(guest_spin == 1 && vm.preemptions > 0,
           "a guest spinning without exits was preempted and took a tick (%lu preemptions)",
           vm.preemptions);
    else
        ok(guest_spin == 0, "preemption # SKIP kernel Unmap does not revoke mappings yet");
    is(guest_ud, 1, "ud2 reflected into the guest's #UD handler");
    is(vm.exceptions, 2 + (vm.refaults ? 1 : 0), "exceptions delivered to the guest (#UD, #GP, #PF)");
    for (int i = 0; i < VX_COUNT; i++)
        diag("exit %-10s %lu", vmm_exit_name((enum vmm_exit)i), vm.by_type[i]);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
