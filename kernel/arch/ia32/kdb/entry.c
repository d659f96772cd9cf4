/* The debugger's ways in on ia32: the break key (COM1 receive interrupt),
 * NMI, kernel faults and panics, #DB (its breakpoints and steps), and the
 * command-line option. Also the register display and reboot. */
#include "../../../kdb/kdb_int.h"
#include "../trap.h"
#include "../cpu.h"
#include "../smp.h"
#include "../apic.h"
#include "../irqchip.h"
#include "../paging.h"
#include "../serial.h"
#include "../../../thread.h"
#include "../../../space.h"
#include "../../../boot.h"
#include "../../../arch.h"

#define SERIAL_LINE KDB_SERIAL_LINE

static bool user_owns_serial;   /* a user driver has IRQ 4 (irq.c) */

unsigned kdb_cpu_index(void)
{
    return cpus_up > 1 ? cpu_current()->index : 0;
}

/* Boot option kdb=nopanic: faults and panics end the run at once. Read
 * when needed: a fault may come before kdb_init; one before the command
 * line is known (the first steps of kmain) does not enter either. */
static bool nopanic(void)
{
    return !boot_info.cmdline || cmdline_has(boot_info.cmdline, "kdb=nopanic");
}

void kdb_init(const char *cmdline)
{
    (void)cmdline;
    serial_rx_irq(true);
    irqchip_unmask(SERIAL_LINE);
    if (irqchip_is_apic())
        lapic_lint1_nmi();      /* QEMU's `nmi` arrives through LINT1 */
    kprintf("kdb: break key ESC on the serial console%s\n",
            nopanic() ? "; faults and panics do not enter (kdb=nopanic)" : "");
    if (cmdline_has(boot_info.cmdline, "kdb=watchdog"))
        kdb_watchdog_init();
    if (cmdline_has(boot_info.cmdline, "test=kdbhang")) {
        /* Test hook: a CPU stuck with interrupts off (the watchdog's case). */
        kprintf("test: spinning with interrupts off on purpose\n");
        for (;;)
            cli();
    }
}

/* ---- Break key ------------------------------------------------------------ */
bool kdb_serial_irq(struct trap_frame *f, unsigned line)
{
    if (line != SERIAL_LINE || user_owns_serial)
        return false;
    irqchip_eoi(line);
    if (serial_rx_drain(KDB_BREAK_KEY))
        kdb_enter(f, KDB_R_BREAKKEY, NULL);
    return true;
}

/* A user driver attached the line (it programs the UART itself and gets
 * the bytes) or let it go: the kernel takes it back, and programs the UART
 * again (IER, OUT2) whatever the driver left there. Bytes the kernel took
 * before the driver came are the driver's: true tells irq.c to start the
 * line out pending, and kdebug GetChar hands them to the line's owner. */
bool kdb_serial_line_owner(unsigned line, bool user)
{
    if (line != SERIAL_LINE)
        return false;
    user_owns_serial = user;
    if (user)
        return serial_rx_held();
    serial_rx_irq(true);
    irqchip_unmask(SERIAL_LINE);
    return false;
}

/* ---- NMI, faults ------------------------------------------------------------ */
void kdb_nmi(struct trap_frame *f)
{
    if (!kdb_watchdog_nmi(f))
        kdb_enter(f, KDB_R_NMI, NULL);
}

bool kdb_fatal(struct trap_frame *f, enum kdb_reason why)
{
    struct kdb_cpu *c = kdb_self();
    if (nopanic() || c->in)
        return false;           /* kdb=nopanic, or a fault inside the debugger */
    c->fatal = true;
    kdb_enter(f, why, "the kernel cannot go on: `c` or `reboot` end the run");
    return false;
}

/* #DB in either mode: the debugger's own steps and breakpoints. A step
 * of a user thread into sysenter_entry is debug.c's (it keeps TF). */
bool kdb_debug_trap(struct trap_frame *f)
{
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    if (!frame_from_user(f) && f->eip == (uint32_t)(uintptr_t)sysenter_entry)
        return false;
    if (kdb_step_trap(f, dr6) || kdb_bp_trap(f, dr6)) {
        __asm__ volatile("mov %0, %%dr6" :: "r"(0xffff0ff0u));
        return true;
    }
    return false;
}

/* ---- Registers ---------------------------------------------------------- */
void kdb_show_frame(const struct trap_frame *f)
{
    const struct kdb_cpu *c = kdb_self();
    const struct tcb *t = c->thread;
    bool user = frame_from_user(f);
    if (t)
        kp("thread %08x (#%u) space %p, ", t->gid, tcb_no(t), (void *)t->space);
    else
        kp("no thread, ");
    kp("%s mode, vector %u error %x\n", user ? "user" : "kernel", f->vector, f->error);
    kp("eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x\n",
       f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi);
    kp("ebp %08x esp %08x eflags %08x cs %04x cr2 %08x cr3 %08x\n", f->ebp,
       user ? f->esp : (uint32_t)(uintptr_t)&f->esp, f->eflags, f->cs & 0xffff,
       read_cr2(), read_cr3());
    kdb_disas_one(kdb_pd_of(t), f->eip);
}

void kdb_show_insn(const struct trap_frame *f)
{
    const struct tcb *t = kdb_self()->thread;
    kp("thread %08x: ", t ? t->gid : 0);
    kdb_disas_one(kdb_pd_of(t), f->eip);
}

static int cmd_regs(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct kdb_cpu *c = kdb_self();
    if (c->frame)
        kdb_show_frame(c->frame);
    else
        kp("no register frame\n");
    return KDB_STAY;
}
KDB_COMMAND(r, "", "registers of the stopped context and its next instruction", cmd_regs);

static int cmd_bt(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct kdb_cpu *c = kdb_self();
    if (c->frame && !frame_from_user(c->frame)) {
        kp("  #0 %08x\n", c->frame->eip);
        arch_backtrace(c->frame->ebp);
    } else {
        kp("the debugger's own call chain (the stopped context is user code):\n");
        arch_backtrace(arch_frame_pointer());
    }
    return KDB_STAY;
}
KDB_COMMAND(bt, "", "kernel backtrace of the stopped context", cmd_bt);

static int cmd_reboot(int argc, char **argv)
{
    (void)argc, (void)argv;
    kp("rebooting\n");
    serial_drain();
    outb(0x64, 0xfe);           /* keyboard controller: pulse reset */
    struct { uint16_t limit; uint32_t base; } PACKED none = { 0, 0 };
    __asm__ volatile("lidt %0; int3" :: "m"(none));     /* else: triple fault */
    return KDB_STAY;
}
KDB_COMMAND(reboot, "", "reset the machine", cmd_reboot);
