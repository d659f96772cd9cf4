/* FPU switching, lazy (the default) or eager (boot option "fpu=eager").
 *
 * Lazy: the FPU holds the state of one thread, its owner. A switch to any
 * other thread sets CR0.TS; that thread's first FPU, MMX or SSE
 * instruction raises #NM, and only then is the owner's state saved
 * (fxsave, or fnsave without FXSR) into the owner's save area and the new
 * thread's loaded. The registers keep the last owner's values while other
 * threads run, which a CPU's speculative execution may leak (LazyFP,
 * CVE-2018-3665); eager mode exists for that.
 *
 * Eager: a switch away from the owner saves its state at once; a switch to
 * a thread with a save area loads it at once, and a switch to any other
 * thread loads the clean state instead, so the registers only ever hold
 * the running thread's values or clean ones. Invariant there: fpu_owner is
 * current or NULL. A thread's first FPU use still traps (#NM) once to get
 * its area.
 *
 * Both: a thread gets its 512-byte save area (KMEM_FPU) on its first FPU
 * use, so threads that never touch the FPU cost nothing. A first use loads
 * a clean state (default control words, every register zero), never the
 * previous owner's registers. CR0.TS is clear exactly while current ==
 * fpu_owner (fpu_ts_set caches CR0.TS to spare CR0 writes). This is the
 * only file that touches FPU state; the kernel itself is built without
 * FPU/SSE code. */
#include "fpu.h"
#include "smp_ipi.h"
#include "cpu.h"
#include "../../thread.h"
#include "../../kmem.h"
#include "../../space.h"
#include "../../string.h"
#include "../../pagefault.h"
#include "../../console.h"

#define FPU_AREA_SIZE 512           /* fxsave image; fnsave needs 108 bytes */

uint32_t fpu_traps, fpu_saves, fpu_areas;
bool fpu_eager;
static uint8_t clean_state[FPU_AREA_SIZE] __attribute__((aligned(16)));

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_NE (1u << 5)

void fpu_set_ts(bool on)
{
    if (on == fpu_ts_set)
        return;
    if (on)
        write_cr0(read_cr0() | CR0_TS);
    else
        __asm__ volatile("clts" ::: "memory");
    fpu_ts_set = on;
}

static void save(void *area)
{
    if (cpu.fxsr)
        __asm__ volatile("fxsave (%0)" :: "r"(area) : "memory");
    else
        __asm__ volatile("fnsave (%0)" :: "r"(area) : "memory");
}

static void restore(const void *area)
{
    if (cpu.fxsr)
        __asm__ volatile("fxrstor (%0)" :: "r"(area) : "memory");
    else
        __asm__ volatile("frstor (%0)" :: "r"(area) : "memory");
}

void fpu_init(bool eager)
{
    fpu_eager = eager;
    /* Native x87 error reporting (#MF), FPU present, wait honours TS. */
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE | CR0_TS);
    fpu_ts_set = true;
    uint32_t cr4 = read_cr4();
    if (cpu.fxsr)
        cr4 |= CR4_OSFXSR;
    if (cpu.sse)
        cr4 |= CR4_OSXMMEXCPT;
    write_cr4(cr4);

    /* The state fninit (+ default MXCSR) gives, with zeroed registers. */
    if (cpu.fxsr) {
        *(uint16_t *)&clean_state[0] = 0x037f;      /* FCW */
        if (cpu.sse)
            *(uint32_t *)&clean_state[24] = 0x1f80; /* MXCSR */
    } else {
        *(uint32_t *)&clean_state[0] = 0x037f;      /* FCW */
        *(uint32_t *)&clean_state[8] = 0xffff;      /* FTW: all empty */
    }
    kprintf("fpu: %s switching with %s%s\n", eager ? "eager" : "lazy", cpu.fxsr ? "fxsave" : "fnsave",
            cpu.sse ? ", SSE enabled (OSFXSR, OSXMMEXCPT)" : "");
}

void fpu_trap(struct tcb *t)
{
    fpu_traps++;
    if (!t->fpu) {
        /* Charged to the thread's space (fpu_release gives it back). */
        void *area = kmem_alloc_acct(&t->space->kmem, FPU_AREA_SIZE, KMEM_FPU);
        if (!area) {
            thread_stop(t, "no kernel memory for its FPU state", 0, 0);
            return;
        }
        memcpy(area, clean_state, FPU_AREA_SIZE);
        t->fpu = area;
        fpu_areas++;
    }
    fpu_set_ts(false);
    if (fpu_owner == t)
        return;
    if (fpu_owner) {
        save(fpu_owner->fpu);
        fpu_saves++;
    }
    restore(t->fpu);
    fpu_owner = t;
}

void fpu_switch_eager(struct tcb *next)
{
    if (fpu_owner) {
        fpu_set_ts(false);
        save(fpu_owner->fpu);
        fpu_saves++;
        fpu_owner = NULL;
        if (!next->fpu)
            restore(clean_state);       /* nothing of the old owner stays */
    }
    if (next->fpu) {
        fpu_set_ts(false);
        restore(next->fpu);
        fpu_owner = next;
    } else {
        fpu_set_ts(true);               /* its first use traps for an area */
    }
}

void fpu_flush_local(struct cpu_local *me, struct tcb *t, bool keep)
{
    if (me->fpu_holder != t || !t)
        return;
    if (keep) {
        fpu_set_ts(false);
        save(t->fpu);
        fpu_saves++;
    } else if (fpu_eager) {
        fpu_set_ts(false);
        restore(clean_state);
    }
    me->fpu_holder = NULL;
    fpu_set_ts(true);
}

void fpu_release(struct tcb *t)
{
    /* Another CPU may hold its registers (lazy switching): drop them
     * there first, so that nobody saves into the freed area later. */
    smp_fpu_flush(t, false);
    if (fpu_owner == t) {
        if (fpu_eager) {        /* keep the invariant: no stale registers */
            fpu_set_ts(false);
            restore(clean_state);
        }
        fpu_owner = NULL;       /* its registers are dead; nobody saves them */
        fpu_set_ts(true);
    }
    if (t->fpu) {
        kmem_free_acct(&t->space->kmem, t->fpu, FPU_AREA_SIZE, KMEM_FPU);
        t->fpu = NULL;
        fpu_areas--;
    }
}
