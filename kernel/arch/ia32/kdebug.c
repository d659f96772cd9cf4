/* Kernel debugger interface for user code (X.2 ia32): int3 followed by
 * `cmpb $op, %al` asks for a console operation, int3 followed by
 * `jmp; mov $string, %eax` enters the debugger with a message. The
 * instruction after int3 executes normally afterwards, so only the op byte
 * is read here. User strings are read with fault-safe copies. */
#include "kdebug.h"
#include "uaccess.h"
#include "../../arch.h"
#include "../../console.h"
#include "../../thread.h"
#include "../../vif.h"
#include "../../kernel.h"

#if KDB
static void print_user_string(uint32_t ua)
{
    char buf[64];
    for (int total = 0; total < 4096; total += (int)sizeof(buf)) {
        size_t n = sizeof(buf);
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

#endif

bool kdebug_trap(struct trap_frame *f)
{
#if KDB
    uint8_t insn[3];
    if (!copy_from_user(insn, f->eip, 2))
        return false;
    if (insn[0] == L4ABI_KDB_CMPB_AL) {
        switch (insn[1]) {
        case L4ABI_KDB_OP_PUTC:
            console_putc((char)f->eax);
            return true;
        case L4ABI_KDB_OP_PUTS:
            print_user_string(f->eax);
            return true;
        case L4ABI_KDB_OP_CLEARPAGE:
            return true;
        case L4ABI_KDB_OP_GETC:
            f->eax = (uint32_t)arch_console_getc();
            return true;
        case L4ABI_KDB_OP_GETC_BLOCKED: {
            int c;
            while ((c = arch_console_getc()) < 0)
                __asm__ volatile("sti; hlt; cli");
            f->eax = (uint32_t)c;
            return true;
        }
        case L4ABI_KDB_OP_STAT:
            f->eax = kernel_stat(f->eax);
            return true;
        case L4ABI_KDB_OP_VIF_HOLD:
            f->eax = vif_set_pending(current);
            return true;
        case L4ABI_KDB_OP_SHUTDOWN:
            kprintf("pecan: shutdown requested by thread %x, code %u\n",
                    current->gid, f->eax);
            arch_shutdown((int)f->eax);
        }
        return false;
    }
    if (insn[0] == L4ABI_KDB_ENTER_JMP) {
        uint32_t str;
        if (!copy_from_user(insn, f->eip + 2, 1) || insn[0] != L4ABI_KDB_ENTER_MOV ||
            !copy_from_user(&str, f->eip + 3, 4))
            return false;
        kprintf("--- KDB: thread %x: ", current->gid);
        print_user_string(str);
        kprintf(" (ip %08x)\n", f->eip);
        return true;
    }
#else
    (void)f;
#endif
    return false;
}
