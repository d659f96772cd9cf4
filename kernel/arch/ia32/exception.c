/* User-mode exceptions on ia32: page faults become page-fault IPC, int3
 * speaks the kdebug protocol, `lock; nop` is KernelInterface, everything
 * else stops the thread (exception IPC comes with the exceptions work). */
#include "trap.h"
#include "cpu.h"
#include "uaccess.h"
#include "kdebug.h"
#include "paging.h"
#include "ioport.h"
#include "../../thread.h"
#include "../../space.h"
#include "../../kip.h"
#include "../../pagefault.h"
#include "../../console.h"
#include "../../kernel.h"

extern char uaccess_start[], uaccess_end[], uaccess_fault[];

/* A kernel-mode fault inside uaccess_copy on a user address: the page is
 * fetched from the thread's pager as if the thread had touched it itself,
 * and the copy retries; if the pager does not provide it, the copy fails. */
bool user_access_fixup(struct trap_frame *f)
{
    uint32_t addr = read_cr2();
    if (f->eip != (uint32_t)(uintptr_t)uaccess_start || addr >= USER_LIMIT)
        return false;
    unsigned rwx = (f->error & 2) ? L4ABI_FPAGE_W : L4ABI_FPAGE_R;
    if (!(current->flags & TF_KERNEL) && current->mr) {
        pagefault(current, addr, rwx, f->eip);
        uint32_t pte = pd_lookup(current->space->pd, addr, NULL);
        if ((pte & PTE_P) && (!(f->error & 2) || (pte & PTE_W)))
            return true;
    }
    f->eip = (uint32_t)(uintptr_t)uaccess_fault;
    (void)uaccess_end;
    return true;
}

/* lock; nop (f0 90) raises #UD: the X.2 KernelInterface "system call". */
static bool kernel_interface(struct trap_frame *f)
{
    uint8_t insn[2];
    if (!copy_from_user(insn, f->eip, 2) || insn[0] != 0xf0 || insn[1] != 0x90)
        return false;
    struct space *s = current->space;
    f->eax = s->kip_area & L4ABI_FPAGE_BASE_MASK;
    f->ecx = kip_api_version();
    f->edx = kip_api_flags();
    f->esi = kip_kernel_id();
    f->eip += 2;
    return true;
}

void user_exception(struct trap_frame *f)
{
    struct tcb *t = current;
    switch (f->vector) {
    case TRAP_PF: {
        uint32_t err = f->error;
        unsigned rwx = (err & 2) ? L4ABI_FPAGE_W : L4ABI_FPAGE_R;
        if (!(err & 1) && f->eip == read_cr2())
            rwx = L4ABI_FPAGE_X | L4ABI_FPAGE_R;
        pagefault(t, read_cr2(), rwx, f->eip);
        return;
    }
    case TRAP_BP:
        if (kdebug_trap(f))
            return;
        break;
    case TRAP_UD:
        if (kernel_interface(f))
            return;
        break;
    case TRAP_GP:
        if (io_fault(f))
            return;
        break;
    }
    kprintf("pecan: thread %x: %s in user mode\n", t->gid, trap_name(f->vector));
    trap_dump(f);
    thread_stop(t, "unhandled exception", read_cr2(), f->eip);
}
