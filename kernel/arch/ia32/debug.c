/* Debug exceptions.
 *
 * A user thread with EFLAGS.TF (set by itself or by its exception handler's
 * reply) or hitting a breakpoint gets #DB, delivered as exception IPC with
 * DR6 in the error-code word; DR6 is reset afterwards.
 *
 * sysenter does not clear TF, so a single-stepped thread's sysenter traps
 * at the first instruction of sysenter_entry, still on the sysenter stack
 * (MSR_SYSENTER_ESP = &tss.esp0: the guard below the TSS takes that frame
 * and this handler's, gdt.h).
 * The kernel clears TF there, resumes at sysenter_entry_step (the same
 * entry without the IPC fast path), remembers TF, and puts it back into the
 * user's EFLAGS once the entry has built the user frame: the thread keeps
 * stepping after the system call.
 *
 * Hardware breakpoints: a thread's DR0..DR3/DR7 come from its exception
 * handler's reply (u = 17) and are loaded on every switch to it (DR7 is
 * cleared on a switch to a thread without). Only local enables, execute,
 * write and read/write breakpoints of 1, 2 or 4 aligned bytes at user
 * addresses are accepted. A data breakpoint the kernel itself trips while
 * reading user memory (uaccess) is ignored.
 *
 * Branch trace (DEBUGCTL.BTF, "single-step on branches") is probed at boot
 * and reported: whether the MSR exists (a fault-safe rdmsr) and whether
 * BTF sticks when written. Neither QEMU nor Bochs implements it; the kernel
 * debugger's branch step uses it where it does and emulates it elsewhere
 * (kdb/step.c). */
#include "debug.h"
#include "cpu.h"
#include "layout.h"
#include "smallspace.h"
#include "smp.h"
#include "../../thread.h"
#include "../../console.h"
#include "../../kdb.h"

#define DR6_RESET 0xffff0ff0u
#define MSR_DEBUGCTL 0x1d9
#define DEBUGCTL_BTF (1u << 1)

bool debug_sysenter_step;
bool debug_btf_works;           /* DEBUGCTL.BTF sticks (kdb branch stepping) */

static uint32_t read_dr6(void) { uint32_t v; __asm__ volatile("mov %%dr6, %0" : "=r"(v)); return v; }
static void write_dr6(uint32_t v) { __asm__ volatile("mov %0, %%dr6" :: "r"(v)); }

uint32_t debug_status_take(void)
{
    uint32_t dr6 = read_dr6();
    write_dr6(DR6_RESET);
    return dr6;
}

#define DEFINE_DR(n) \
    static void write_dr##n(uint32_t v) { __asm__ volatile("mov %0, %%dr" #n :: "r"(v)); }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(7)
#undef DEFINE_DR

static void load(const uint32_t dr[4], uint32_t dr7)
{
    write_dr0(dr[0]);
    write_dr1(dr[1]);
    write_dr2(dr[2]);
    write_dr3(dr[3]);
    write_dr7(dr7);
}

/* The kernel debugger's breakpoints (kdb_dr7) are merged in on every
 * switch while it has any: the CPU's dr_loaded then stays set, so that
 * debug_switch_to keeps calling here without a test of its own. The
 * debugger sets dr_loaded on every CPU as it resumes them (kdb/bp.c). */
void debug_load_on(struct cpu_local *me, struct tcb *next)
{
    /* The thread's breakpoint addresses are linear: a small space's
     * thread has its window's base added (smallspace.c). */
    uint32_t base = small_linear_base(next);
    uint32_t dr[4] = { next->dr[0] + base, next->dr[1] + base, next->dr[2] + base,
                       next->dr[3] + base }, dr7 = next->dr7;
    bool kdb = false;
#if KDB
    kdb = kdb_dr7 != 0;
    if (kdb)
        kdb_dr_merge(next, dr, &dr7);
#endif
    if (dr7) {
        load(dr, dr7);
        me->dr_loaded = true;
    } else if (me->dr_loaded) {
        write_dr7(0);
        me->dr_loaded = kdb;
    }
}

void debug_load(struct tcb *next)
{
    debug_load_on(cpu_self(), next);
}

#define DR7_LOCAL(i)    (1u << (2 * (i)))
#define DR7_RW(v, i)    (((v) >> (16 + 4 * (i))) & 3)
#define DR7_LEN(v, i)   (((v) >> (18 + 4 * (i))) & 3)
#define DR7_FIELDS(i)   (0xfu << (16 + 4 * (i)))

bool debug_set_user(struct tcb *t, const uint32_t dr[4], uint32_t dr7)
{
    uint32_t keep = 0, addr[4] = { 0 };
    for (int i = 0; i < 4; i++) {
        if (!(dr7 & DR7_LOCAL(i)))
            continue;
        unsigned rw = DR7_RW(dr7, i), len = DR7_LEN(dr7, i);
        uint32_t size = len + 1;                /* 1, 2 or 4 (len 3) */
        if (rw == 2 || len == 2 || (rw == 0 && len != 0))
            return false;                       /* I/O, 8 bytes, wide execute */
        if (len == 3)
            size = 4;
        if ((dr[i] & (size - 1)) || dr[i] >= USER_LIMIT || USER_LIMIT - dr[i] < size)
            return false;
        addr[i] = dr[i];
        keep |= DR7_LOCAL(i) | (dr7 & DR7_FIELDS(i));
    }
    if (dr7 & ~(0x55u | 0xffff0000u))
        return false;                           /* global enables, GD, LE/GE */
    for (int i = 0; i < 4; i++)
        t->dr[i] = addr[i];
    t->dr7 = keep;
    if (t == current)
        debug_load(t);
    return true;
}

bool debug_kernel_trap(struct trap_frame *f)
{
    if (f->eip != (uint32_t)(uintptr_t)sysenter_entry) {
        /* The kernel read a user address a thread watches: not its access. */
        if (read_dr6() & 0xf) {
            write_dr6(DR6_RESET);
            return true;
        }
        return false;
    }
    /* The CPU pushed this frame at MSR_SYSENTER_ESP, this CPU's
     * &tss.esp0 (where f->esp would be), and this handler runs below it:
     * all of that must be inside the guard below the TSS (gdt.h, smp.h).
     * Deeper, the CPU record in front of it is damaged: a kernel fault. */
    uint32_t top = (uint32_t)(uintptr_t)&f->esp, sp;
    __asm__ volatile("movl %%esp, %0" : "=r"(sp));
    if (top - sp > __builtin_offsetof(struct cpu_local, tss.esp0) -
                   __builtin_offsetof(struct cpu_local, tss_guard))
        return false;
    f->eflags &= ~EFL_TF;
    f->eip = (uint32_t)(uintptr_t)sysenter_entry_step;  /* never the IPC fast path */
    debug_sysenter_step = true;
    write_dr6(DR6_RESET);
    return true;
}

/* rdmsr/wrmsr that report a #GP instead of dying: the #GP handler sends
 * a fault at msr_insn to msr_fault (msr_fixup). */
int msr_access(uint32_t msr, uint64_t *v, int write);
__asm__(
    ".text\n"
    ".globl msr_access, msr_insn_rd, msr_insn_wr, msr_fault\n"
    "msr_access:\n"
    "  pushl %ebx\n"
    "  movl 8(%esp), %ecx\n"
    "  movl 12(%esp), %ebx\n"
    "  cmpl $0, 16(%esp)\n"
    "  jne 1f\n"
    "msr_insn_rd: rdmsr\n"
    "  movl %eax, (%ebx)\n"
    "  movl %edx, 4(%ebx)\n"
    "  xorl %eax, %eax\n"
    "  popl %ebx\n"
    "  ret\n"
    "1: movl (%ebx), %eax\n"
    "  movl 4(%ebx), %edx\n"
    "msr_insn_wr: wrmsr\n"
    "  xorl %eax, %eax\n"
    "  popl %ebx\n"
    "  ret\n"
    "msr_fault:\n"
    "  movl $-1, %eax\n"
    "  popl %ebx\n"
    "  ret\n");
extern char msr_insn_rd[], msr_insn_wr[], msr_fault[];

bool msr_fixup(struct trap_frame *f)
{
    if (f->eip != (uint32_t)(uintptr_t)msr_insn_rd && f->eip != (uint32_t)(uintptr_t)msr_insn_wr)
        return false;
    f->eip = (uint32_t)(uintptr_t)msr_fault;
    return true;
}

void debug_probe(void)
{
    write_dr6(DR6_RESET);
    if (!cpu.msr || cpu.family < 6) {
        kprintf("debug: branch trace (DEBUGCTL.BTF): no (no DEBUGCTL MSR on this CPU family)\n");
        return;
    }
    uint64_t v;
    if (msr_access(MSR_DEBUGCTL, &v, 0) != 0) {
        kprintf("debug: branch trace (DEBUGCTL.BTF): no (rdmsr DEBUGCTL faults)\n");
        return;
    }
    uint64_t set = v | DEBUGCTL_BTF, back = 0;
    bool ok = msr_access(MSR_DEBUGCTL, &set, 1) == 0 &&
              msr_access(MSR_DEBUGCTL, &back, 0) == 0 && (back & DEBUGCTL_BTF);
    msr_access(MSR_DEBUGCTL, &v, 1);
    debug_btf_works = ok;
    kprintf("debug: branch trace (DEBUGCTL.BTF): %s (family %u model %u)\n",
            ok ? "DEBUGCTL accepts BTF; kdb branch steps use it"
               : "no (BTF does not stick in DEBUGCTL: kdb emulates branch steps)",
            cpu.family, cpu.model);
}
