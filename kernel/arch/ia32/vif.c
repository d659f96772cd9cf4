/* Virtual interrupt flag on ia32 (see kernel/vif.h): state in the user
 * frame's EFLAGS.VIF/VIP; emulation of a trapping cli/sti. */
#include "../../vif.h"
#include "../../thread.h"
#include "thread_arch.h"
#include "cpu.h"
#include "vif_arch.h"

uint32_t vif_traps;
static void (*enable_cb)(struct tcb *t);

/* A thread without a user frame yet (starting, inactive) counts as
 * enabled: it starts with VIF set. */
static struct trap_frame *user_frame(const struct tcb *t)
{
    if ((t->flags & (TF_KERNEL | TF_STARTING)) || t->state == TS_INACTIVE)
        return NULL;
    return tcb_frame(t);
}

bool vif_enabled(const struct tcb *t)
{
    struct trap_frame *f = user_frame(t);
    return !f || (f->eflags & EFL_VIF);
}

bool vif_pending(const struct tcb *t)
{
    struct trap_frame *f = user_frame(t);
    return f && (f->eflags & EFL_VIP);
}

void vif_set_pending(struct tcb *t)
{
    struct trap_frame *f = user_frame(t);
    if (f)
        f->eflags |= EFL_VIP;
}

void vif_set_enable_callback(void (*cb)(struct tcb *t))
{
    enable_cb = cb;
}

void vif_init(void)
{
    if (cpu.vme) {
        write_cr4(read_cr4() | CR4_PVI);
        cpu.pvi = true;
    }
}

void vif_emulate(struct trap_frame *f, bool sti, unsigned len)
{
    vif_traps++;
    f->eip += len;
    if (!sti) {
        f->eflags &= ~EFL_VIF;
        return;
    }
    f->eflags |= EFL_VIF;
    if (f->eflags & EFL_VIP) {
        f->eflags &= ~EFL_VIP;
        if (enable_cb)
            enable_cb(current);
    }
}
