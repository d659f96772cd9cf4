/* User-mode exceptions on ia32. Handled invisibly: page faults (page-fault
 * IPC), int3 of the kdebug protocol, `lock; nop` (KernelInterface), #NM
 * (lazy FPU switching) and cli/sti (virtual IF). Everything else becomes
 * an exception IPC to the thread's exception handler (kernel/exception.c):
 *
 *   label L4ABI_LABEL_EXCEPTION (0xffb0), u = 12: eip, eflags, exception
 *   number, error code, edi, esi, ebp, esp, ebx, edx, ecx, eax.
 *   #DB carries DR6 in the error-code word.
 *
 * and a user `int n` the kernel does not serve becomes the system-call
 * exception, same layout, label L4ABI_LABEL_SYSEXC (0xffc0), with eip
 * after the int instruction, the exception number n and the error code
 * (n << 3) | 2 (the IDT-vector error code format).
 *
 * The handler's reply with u >= 12 in that layout is the thread's new
 * register image; the exception-number and error-code words are ignored,
 * EFLAGS changes only in EFL_USER_MASK (never IOPL, IF, VM, VIF, VIP, NT,
 * RF) and segments never change. A reply with fewer words resumes the
 * thread unchanged (it re-executes a faulting instruction). Pecan
 * extension: a reply with u = 17 also sets DR0..DR3 and DR7 (debug.c). */
#include "trap.h"
#include "excfast.h"
#include "cpu.h"
#include "uaccess.h"
#include "kdebug.h"
#include "paging.h"
#include "ioport.h"
#include "fpu.h"
#include "vif_arch.h"
#include "debug.h"
#include "smallspace.h"
#include "thread_arch.h"
#include "../../arch.h"
#include "../../thread.h"
#include "../../space.h"
#include "../../kip.h"
#include "../../pagefault.h"
#include "../../exception.h"
#include "x86decode.h"
#include "../../console.h"
#include "../../kernel.h"
#include "../../trace.h"

extern char uaccess_start[], uaccess_end[], uaccess_fault[];

/* A kernel-mode fault inside uaccess_copy on a user address: the page is
 * fetched from the thread's pager as if the thread had touched it itself,
 * and the copy retries; if the pager does not provide it, the copy fails. */
bool user_access_fixup(struct trap_frame *f)
{
    uint32_t addr = read_cr2();
    if (f->eip != (uint32_t)(uintptr_t)uaccess_start)
        return false;
    /* A small thread's window: a missing region entry is copied and the
     * copy retried; otherwise the address is the space's own. */
    if (!(current->flags & TF_KERNEL) && small_user_addr(&addr))
        return true;
    if (addr >= USER_LIMIT)
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

#define GP_CLI_STI 0     /* decode_at: a one-byte cli/sti (x86_decode never gives 0) */

/* Reads the instruction at eip fault-safely, as many bytes as are there
 * (up to 15; the part on the next page may be absent), and decodes it. */
/* Decodes the instruction at eip, fault-safely: the bytes up to the end of
 * its page, and from the next page only if the decoder needs them (reading
 * there may involve the pager, which an unrelated #GP must not cause). */
static int decode_at(uint32_t eip, struct x86_insn *in)
{
    uint8_t buf[X86_MAX_INSN];
    size_t n = PAGE_SIZE - (eip & (PAGE_SIZE - 1));
    if (n > sizeof(buf))
        n = sizeof(buf);
    if (!copy_from_user(buf, eip, n))
        return X86D_TRUNCATED;
    /* The common case, a one-byte cli (fa) or sti (fb): x86_decode would
     * give op CLI/STI, length 1, for it. Reported without running the
     * decoder as GP_CLI_STI, only in->op filled. */
    if ((buf[0] | 1) == 0xfb) {
        in->op = buf[0] == 0xfa ? X86_CLI : X86_STI;
        return GP_CLI_STI;
    }
    int r = x86_decode(buf, n, false, in);
    if (r == X86D_TRUNCATED && n < sizeof(buf) &&
        copy_from_user(buf + n, eip + n, sizeof(buf) - n))
        r = x86_decode(buf, sizeof(buf), false, in);
    if (r == GP_CLI_STI)            /* never (lengths > 0, errors < 0): lets */
        __builtin_unreachable();    /* the compiler drop the caller's test */
    return r;
}

void arch_dump_user_frame(const struct tcb *t)
{
    trap_dump(tcb_frame(t));
}

/* Sends f as an exception message (EFLAGS word `eflags`) and applies the
 * handler's reply. */
static void deliver_flags(struct trap_frame *f, uint32_t label, uint32_t excno, uint32_t err,
                          uint32_t eflags)
{
    uint32_t w[L4ABI_EXC_UNTYPED_DEBUG] = {
        [L4ABI_EXC_MR_EIP - 1] = f->eip,  [L4ABI_EXC_MR_EFLAGS - 1] = eflags,
        [L4ABI_EXC_MR_EXCNO - 1] = excno, [L4ABI_EXC_MR_ERRCODE - 1] = err,
        [L4ABI_EXC_MR_EDI - 1] = f->edi,  [L4ABI_EXC_MR_ESI - 1] = f->esi,
        [L4ABI_EXC_MR_EBP - 1] = f->ebp,  [L4ABI_EXC_MR_ESP - 1] = f->esp,
        [L4ABI_EXC_MR_EBX - 1] = f->ebx,  [L4ABI_EXC_MR_EDX - 1] = f->edx,
        [L4ABI_EXC_MR_ECX - 1] = f->ecx,  [L4ABI_EXC_MR_EAX - 1] = f->eax,
    };
    const char *what = label == L4ABI_LABEL_SYSEXC ? "system-call exception" : trap_name(excno);
    unsigned got;
    if (exception_ipc(current, label, w, L4ABI_EXC_UNTYPED, L4ABI_EXC_UNTYPED_DEBUG, &got,
                      what, f->eip) != EXC_REPLIED)
        return;
    exc_apply_reply(f, w, got);
}

static void deliver(struct trap_frame *f, uint32_t label, uint32_t excno, uint32_t err)
{
    deliver_flags(f, label, excno, err, f->eflags);
}

/* The frame is already a protected-mode one (trap.c); the message says
 * where the thread was by VM in its EFLAGS word. */
void user_v86_exception(struct trap_frame *f, uint32_t vm_eflags)
{
    deliver_flags(f, L4ABI_LABEL_EXCEPTION, TRAP_GP, 0, vm_eflags);
}

/* A vector-n `int` the kernel does not serve, eip after the instruction. */
static void syscall_exception(struct trap_frame *f, uint32_t n)
{
    deliver(f, L4ABI_LABEL_SYSEXC, n, (n << 3) | 2);
}

void user_syscall_exception(struct trap_frame *f)
{
    syscall_exception(f, f->vector);
}

/* cli or sti of `len` bytes at f->eip trapped (#GP, error code 0):
 * emulated on the virtual IF. */
static void cli_sti(struct trap_frame *f, bool sti, unsigned len)
{
    vif_emulate(f, sti, len);
    /* The instruction "ran": a single-stepped thread traps after it, as
     * it would on the CPU. */
    if (f->eflags & EFL_TF)
        deliver(f, L4ABI_LABEL_EXCEPTION, TRAP_DB, DEBUG_DR6_STEP);
}

/* #GP from user mode: a DPL-0 `int n` (error code names the IDT vector),
 * or cli/sti (virtual IF). Port I/O denied by the I/O bitmap also lands
 * here with error code 0; the I/O-port work decodes it the same way
 * (X86_IN/OUT/INS/OUTS) and sends an I/O-fault IPC; until then it is an
 * ordinary #GP exception. */
static bool general_protection(struct trap_frame *f, int len, const struct x86_insn *insn)
{
    const struct x86_insn in = *insn;
    if ((f->error & 3) == 2) {
        uint32_t n = f->error >> 3;
        if (len > 0 && in.op == X86_INT && in.vector == n) {
            f->eip += (uint32_t)len;
            syscall_exception(f, n);
            return true;
        }
        return false;
    }
    if (f->error != 0 || len <= 0)
        return false;
    if (in.op == X86_CLI || in.op == X86_STI) {
        cli_sti(f, in.op == X86_STI, (unsigned)len);
        return true;
    }
    return false;
}

void user_page_fault(struct trap_frame *f)
{
    uint32_t err = f->error, addr = read_cr2();
    if (small_user_fault(&addr))
        return;     /* a region entry copied, or promoted: retry */
    unsigned rwx = (err & 2) ? L4ABI_FPAGE_W : L4ABI_FPAGE_R;
    if (!(err & 1) && f->eip == addr)
        rwx = L4ABI_FPAGE_X | L4ABI_FPAGE_R;
    if (TRACE_ON(TRACE_PF))
        trace_record(TT_PF, current->gid, addr, f->eip, rwx);
    pagefault(current, addr, rwx, f->eip);
}

void user_exception(struct trap_frame *f)
{
    struct tcb *t = current;
    uint32_t err = f->error;
    if (TRACE_ON(TRACE_EXC) && f->vector != TRAP_PF)
        trace_record(TT_EXC, t->gid, f->vector, f->eip, err);
    switch (f->vector) {
    case TRAP_PF:
        user_page_fault(f);
        return;
    case TRAP_BP:
        if (kdebug_trap(f))
            return;
        break;
    case TRAP_UD:
        if (kernel_interface(f))
            return;
        break;
    case TRAP_NM:
        fpu_trap(t);
        return;
    case TRAP_GP:
    {
        /* A small space's thread past its segment limit: made large, the
         * instruction restarts (a genuine #GP comes again, as large). */
        bool small = t->space->small.base != 0;
        if (small && err == 0 && f->eip >= t->space->small.size && small_promote_fault())
            return;
        struct x86_insn in;
        int len = decode_at(f->eip, &in);   /* once, for both uses */
        /* The most frequent #GP, a one-byte cli/sti (decode_at's short
         * cut, one test here): straight to its emulation. io_fault
         * declines these ops and general_protection would take the same
         * steps for error code 0 (any other is an `int n`, whose first
         * byte is cd, never fa/fb; a thread rewriting its code meanwhile
         * gets the same as from the decoder). */
        if (len == GP_CLI_STI) {
            if (err != 0)
                break;
            cli_sti(f, in.op == X86_STI, 1);
            return;
        }
        if (io_fault(f, len, &in) || general_protection(f, len, &in))
            return;
        if (small && err == 0) {
            (void)small_promote_fault();    /* decode_at may have done it */
            return;
        }
        if (err == 0 && small_promote_fault())  /* made with segments another */
            return;                             /* CPU replaced: retried (SMP) */
        break;
    }
    case TRAP_SS:
        if (err == 0 && small_promote_fault())  /* stack past the limit */
            return;
        break;
    case TRAP_DB:
        err = debug_status_take();
        break;
    case TRAP_NMI:
    case TRAP_MC:
        return;         /* not the thread's doing */
    }
    deliver(f, L4ABI_LABEL_EXCEPTION, f->vector, err);
}
