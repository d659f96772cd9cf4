/* Kernel debugger interface for user code (X.2 ia32): int3 followed by
 * `cmpb $op, %al` asks for a console operation, int3 followed by
 * `jmp; mov $string, %eax` enters the debugger with a message. The
 * instruction after int3 executes normally afterwards, so only the op byte
 * is read here. User strings are read with fault-safe copies.
 *
 * Who may do what (docs/abi.md, "Kernel debugger protocol"):
 *   everyone:    PrintChar, PrintString, ClearPage, VifHold (the caller's
 *                own virtual IF). PrintString prints at most KDB_MAX_STRING
 *                bytes, KDB_CHUNK at a time with a preemption point between
 *                chunks: interrupts are taken and a due switch happens, so
 *                interrupts are never off for longer than one chunk.
 *   privileged:  ReadChar, ReadChar_Blocked, Enter, Shutdown, Stat, the
 *                thread list (kdebug_threads.c), Trace (trace_ctl.c) (threads
 *                of sigma0's and the root task's spaces, thread_is_privileged).
 *                ReadChar_Blocked sleeps between polls; other threads run.
 * Any other caller's request is not a kdebug call: the int3 is an ordinary
 * breakpoint, an exception IPC (#BP) to its exception handler. */
#include "kdebug.h"
#include "uaccess.h"
#include "cpu.h"
#include "../../arch.h"
#include "../../console.h"
#include "../../thread.h"
#include "../../ipc.h"
#include "../../sched.h"
#include "../../timeout.h"
#include "../../vif.h"
#include "../../kernel.h"
#include "../../trace.h"
#include "../../kdb.h"
#include "../../irq.h"

#define KDB_MAX_STRING 4096
#define KDB_CHUNK      16      /* one UART FIFO: ~1.4 ms at 115200 baud */
#define KDB_POLL_US    (4 * TICK_US)    /* ReadChar_Blocked's sleep */

/* Lets interrupts in and lets a due switch happen; the caller continues
 * later (it stays ready, so it just waits for its next turn). */
static void preemption_point(void)
{
    irq_window();
    if (sched_need_resched())
        schedule();
}

static void print_user_string(uint32_t ua)
{
    char buf[KDB_CHUNK + 1];
    for (int total = 0; total < KDB_MAX_STRING; total += KDB_CHUNK) {
        size_t n = KDB_CHUNK;
        if (total)
            preemption_point();
        if (ua >= USER_LIMIT)
            return;
        if (n > USER_LIMIT - ua)
            n = USER_LIMIT - ua;
        /* Copy byte-wise near a page end so an unmapped next page does not
         * hide the string's tail. */
        for (size_t i = 0; i < n; i++) {
            if (!copy_from_user(&buf[i], ua + i, 1)) {
                kputs("<bad address>");
                return;
            }
            if (!buf[i]) {
                kputs(buf);
                return;
            }
        }
        for (size_t i = 0; i < n; i++)
            console_putc(buf[i]);
        ua += n;
    }
}

/* Sleeps for KDB_POLL_US as a receive from itself that nobody can send
 * (the thread is in the kernel), keeping the thread's MR0, ErrorCode and
 * IPC result as they were. */
static void poll_sleep(void)
{
    struct tcb *t = current;
    uint32_t mr0 = t->mr[0], err = t->mr[L4ABI_UTCB_ERRORCODE], from = t->ipc_from;
    ipc_syscall(L4ABI_NILTHREAD, t->gid, L4ABI_TIMEOUTS(0, time_encode_period(KDB_POLL_US)));
    t->mr[0] = mr0;
    t->mr[L4ABI_UTCB_ERRORCODE] = err;
    t->ipc_from = from;
}

static int read_char_blocked(void)
{
    int c;
    while ((c = arch_console_getc()) < 0)
        poll_sleep();
    return c;
}

/* The operations everyone may use; false if op is not one of them. */
static bool public_op(struct trap_frame *f, uint8_t op)
{
    switch (op) {
    case L4ABI_KDB_OP_PUTC:
        console_putc((char)f->eax);
        return true;
    case L4ABI_KDB_OP_PUTS:
        print_user_string(f->eax);
        return true;
    case L4ABI_KDB_OP_CLEARPAGE:
        return true;
    case L4ABI_KDB_OP_VIF_HOLD:
        f->eax = vif_set_pending(current);
        return true;
    }
    return false;
}

static bool privileged_op(struct trap_frame *f, uint8_t op)
{
    switch (op) {
    case L4ABI_KDB_OP_GETC:
        f->eax = (uint32_t)arch_console_getc();
        return true;
    case L4ABI_KDB_OP_GETC_BLOCKED:
        f->eax = (uint32_t)read_char_blocked();
        return true;
    case L4ABI_KDB_OP_STAT:
        f->eax = kernel_stat(f->eax);
        return true;
    case L4ABI_KDB_OP_THREADS:
        kdebug_thread_list(f);      /* kdebug_threads.c */
        return true;
    case L4ABI_KDB_OP_TRACE:
        f->eax = trace_control(f->eax, &f->ecx, f->edx);
        return true;
    case L4ABI_KDB_OP_SHUTDOWN:
        kprintf("pecan: shutdown requested by thread %x, code %u\n",
                current->gid, f->eax);
        arch_shutdown((int)f->eax);
    }
    return false;
}

static bool enter(struct trap_frame *f)
{
    uint8_t mov;
    uint32_t str;
    if (!copy_from_user(&mov, f->eip + 2, 1) || mov != L4ABI_KDB_ENTER_MOV ||
        !copy_from_user(&str, f->eip + 3, 4))
        return false;
    kprintf("--- KDB: thread %x: ", current->gid);
    print_user_string(str);
    kprintf(" (ip %08x)\n", f->eip);
#if KDB
    kdb_enter(f, KDB_R_USER, NULL);     /* the interactive debugger */
#endif
    return true;
}

/* The thread that owns the console's interrupt line (a user serial
 * driver) may read the console input too: with the debugger built, bytes
 * typed before it took the line may wait in the kernel (serial.c), and
 * they are its bytes now. */
static bool console_owner_op(struct trap_frame *f, uint8_t op)
{
    if (op != L4ABI_KDB_OP_GETC || irq_handler_of(KDB_SERIAL_LINE) != current->gid)
        return false;
    f->eax = (uint32_t)arch_console_getc();
    return true;
}

bool kdebug_trap(struct trap_frame *f)
{
    uint8_t insn[2];
    if (!copy_from_user(insn, f->eip, 2))
        return false;
    bool priv = thread_is_privileged(current);
    if (insn[0] == L4ABI_KDB_CMPB_AL)
        return public_op(f, insn[1]) || (priv && privileged_op(f, insn[1])) ||
               console_owner_op(f, insn[1]);
    if (insn[0] == L4ABI_KDB_ENTER_JMP)
        return priv && enter(f);
    return false;
}
