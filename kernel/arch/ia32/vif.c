/* Virtual interrupt flag on ia32 (see kernel/vif.h). With PVI the state
 * lives in the user frame's EFLAGS.VIF/VIP, which the CPU keeps; without,
 * in tcb->vif, where zero (a fresh TCB) means "enabled, nothing held". */
#include "../../vif.h"
#include "../../thread.h"
#include "thread_arch.h"
#include "cpu.h"
#include "vif_arch.h"
#include "irq_fast.h"
#include "../../console.h"

#define VIF_CLEAR   0x01        /* tcb->vif: virtual IF off */
#define VIF_PENDING 0x02        /* tcb->vif: interrupt held */
_Static_assert(VIF_CLEAR == IRQF_VIF_CLEAR, "irq_fast.S tests it");

uint32_t vif_traps, vif_releases;

/* The user frame, or NULL for a thread that has none yet (starting,
 * inactive): it will start with VIF set. */
static struct trap_frame *user_frame(const struct tcb *t)
{
    if ((t->flags & (TF_KERNEL | TF_STARTING)) || t->state == TS_INACTIVE)
        return NULL;
    return tcb_frame(t);
}

uint32_t vif_flags(const struct tcb *t)
{
    if (!cpu.pvi)
        return ((t->vif & VIF_CLEAR) ? 0 : EFL_VIF) | ((t->vif & VIF_PENDING) ? EFL_VIP : 0);
    struct trap_frame *f = user_frame(t);
    return f ? f->eflags & (EFL_VIF | EFL_VIP) : EFL_VIF;
}

bool vif_enabled(const struct tcb *t)
{
    return vif_flags(t) & EFL_VIF;
}

bool vif_set_pending(struct tcb *t)
{
    if (vif_enabled(t))
        return false;
    if (!cpu.pvi) {
        t->vif |= VIF_PENDING;
        return true;
    }
    tcb_frame(t)->eflags |= EFL_VIP;   /* the thread's next sti traps */
    return true;
}

void vif_init(bool allow_pvi)
{
    if (cpu.vme && allow_pvi) {
        write_cr4(read_cr4() | CR4_PVI);
        cpu.pvi = true;
        extern uint32_t sysexit_iret_mask;
        sysexit_iret_mask = ~0u;    /* entry.S: VIF/VIP need iret */
    }
    kprintf("vif: virtual interrupt flag by %s\n",
            cpu.pvi ? "protected-mode virtual interrupts (CR4.PVI)" : "#GP trap and emulation");
}

void vif_emulate(struct trap_frame *f, bool sti, unsigned len)
{
    struct tcb *t = current;
    vif_traps++;
    f->eip += len;
    if (!sti) {
        t->vif |= VIF_CLEAR;
        f->eflags &= ~EFL_VIF;
        return;
    }
    bool held = (t->vif & VIF_PENDING) || (f->eflags & EFL_VIP);
    t->vif = 0;
    f->eflags = (f->eflags | EFL_VIF) & ~EFL_VIP;
    if (held)
        vif_releases++;     /* irq.c delivers it on the thread's next receive */
}
