/* C side of the assembly IPC fast path (fastipc_entry.S): the offsets it uses,
 * checked against the C structures, its boot-time mask, and the end of an
 * Ipc that the fast path blocked but the general path completed. */
#include "fastipc.h"
#include "../../trace.h"
#include "gdt.h"
#include "smallspace.h"
#include "space_switch.h"
#include "fpu.h"
#include "cpu.h"
#include "smp.h"
#include "klock.h"
#include "../../kernel.h"
#include "../../thread.h"
#include "../../space.h"
#include "../../ipc.h"
#include "../../sched.h"
#include "../../strxfer.h"

ASM_OFFSET(tcb, gid, TCB_GID);
ASM_OFFSET(tcb, state, TCB_STATE);
ASM_OFFSET(tcb, flags, TCB_FLAGS);
ASM_OFFSET(tcb, prio, TCB_PRIO);
ASM_OFFSET(tcb, space, TCB_SPACE);
ASM_OFFSET(tcb, ksp, TCB_KSP);
ASM_OFFSET(tcb, partner, TCB_PARTNER);
ASM_OFFSET(tcb, sq_head, TCB_SQ_HEAD);
ASM_OFFSET(tcb, redirector, TCB_REDIRECTOR);
ASM_OFFSET(tcb, ipc_from, TCB_IPC_FROM);
ASM_OFFSET(tcb, ipc_error, TCB_IPC_ERROR);
ASM_OFFSET(tcb, ipc_done, TCB_IPC_DONE);
ASM_OFFSET(tcb, utcb_uaddr, TCB_UTCB_UADDR);
ASM_OFFSET(tcb, gs_desc, TCB_GS_DESC);
ASM_OFFSET(tcb, mr, TCB_MR);
ASM_OFFSET(tcb, dr7, TCB_DR7);
ASM_OFFSET(tcb, cpu, TCB_CPU);
ASM_OFFSET(tcb, on_cpu, TCB_ON_CPU);
ASM_OFFSET(cpu_local, index, CPU_INDEX);
ASM_OFFSET(cpu_local, io_bm, CPU_IO_BM);
ASM_OFFSET(cpu_local, gdt, CPU_GDT);
ASM_OFFSET(cpu_local, tss.esp0, CPU_TSS_ESP0);
ASM_OFFSET(cpu_local, running, CPU_RUNNING);
ASM_OFFSET(cpu_local, resched, CPU_RESCHED);
ASM_OFFSET(cpu_local, fpu_ts, CPU_FPU_TS);
ASM_OFFSET(cpu_local, dr_loaded, CPU_DR_LOADED);
_Static_assert(CPU_DR_LOADED == CPU_RESCHED + 1, "the or-chains read resched and dr_loaded as one 16-bit word");
ASM_OFFSET(cpu_local, lock_mode, CPU_LOCK_MODE);
ASM_OFFSET(cpu_local, fpu_holder, CPU_FPU_HOLDER);
ASM_OFFSET(cpu_local, context_switches, CPU_CSW);
ASM_OFFSET(cpu_local, kword, CPU_KWORD);
ASM_OFFSET(cpu_local, kw, CPU_KW);
ASM_OFFSET(cpu_local, small_cpu, CPU_SMALL_CPU);
_Static_assert(CPU_KW % 64 == 0 && sizeof(struct klock_word) == 64,
               "a lock word's line is its own");
ASM_OFFSET(cpu_local, fast_off, CPU_FAST_OFF);
_Static_assert(sizeof(((struct cpu_local *)0)->fast_off) == 4, "fast_off: one word");
_Static_assert(sizeof(((struct cpu_local *)0)->index) == 4 &&
               sizeof(((struct cpu_local *)0)->resched) == 1 &&
               sizeof(((struct cpu_local *)0)->fpu_ts) == 1 &&
               sizeof(((struct cpu_local *)0)->dr_loaded) == 1 &&
               sizeof(((struct cpu_local *)0)->lock_mode) == 1, "cpu_local field sizes");
_Static_assert(KL_NONE == FAST_KL_NONE && KL_LOCAL == FAST_KL_LOCAL, "lock modes");
#if MAX_CPUS > 1
ASM_OFFSET(klock_word, next, KW_NEXT);
ASM_OFFSET(klock_word, owner, KW_OWNER);
_Static_assert(sizeof(struct klock_word) == 1 << KW_SIZE_LOG2, "lock word size");
#endif
ASM_OFFSET(space, pd, SPACE_PD);
ASM_OFFSET(space, utcb_base, SPACE_UTCB_BASE);
ASM_OFFSET(space, utcb_size, SPACE_UTCB_SIZE);
ASM_OFFSET(space, utcb_used, SPACE_UTCB_USED);
ASM_OFFSET(space, utcb_tcb, SPACE_UTCB_TCB);
_Static_assert(UTCB_TCB_SLOTS == FAST_UTCB_TCB_SLOTS, "utcb_tcb length");
_Static_assert(sizeof(struct space) <= 512, "space: the table stays in its size class");
ASM_OFFSET(space, io.bm.page[0], SPACE_IO_BM0);
ASM_OFFSET(space, small.base, SPACE_SMALL_BASE);
ASM_OFFSET(space, small.size, SPACE_SMALL_SIZE);
ASM_OFFSET(space, small.ucode, SPACE_SMALL_UCODE);
ASM_OFFSET(space, small.udata, SPACE_SMALL_UDATA);
ASM_OFFSET(space, small.polluted, SPACE_SMALL_POLLUTED);
ASM_OFFSET(small_cpu, pd_space, SMALL_CPU_PD_SPACE);
ASM_OFFSET(small_cpu, seg_base, SMALL_CPU_SEG_BASE);
ASM_OFFSET(small_cpu, seg_size, SMALL_CPU_SEG_SIZE);
ASM_OFFSET(small_cpu, iret_forced, SMALL_CPU_IRET_FORCED);
ASM_OFFSET(small_stats, cr3_writes, SMALL_STATS_CR3);
ASM_OFFSET(small_stats, seg_loads, SMALL_STATS_SEG_LOADS);
_Static_assert(sizeof(((struct small_cpu *)0)->iret_forced) == 1, "iret_forced: a byte");
_Static_assert(sizeof(struct small_cpu) == 1 << SMALL_CPU_SIZE_LOG2, "small_cpu size");
_Static_assert(sizeof(((struct space *)0)->small.polluted) == 1, "polluted: a byte");
ASM_OFFSET(trap_frame, edi, FRAME_EDI);
ASM_OFFSET(trap_frame, edx, FRAME_EDX);
ASM_OFFSET(trap_frame, ecx, FRAME_ECX);
ASM_OFFSET(trap_frame, eip, FRAME_EIP);
ASM_OFFSET(trap_frame, eflags, FRAME_EFLAGS);
ASM_OFFSET(trap_frame, esp, FRAME_ESP);
ASM_OFFSET(trap_frame, ss, FRAME_SS);
_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "trap frame size");
_Static_assert(TRACE_HANDOFF_KINDS == TRACE_FAST_KINDS, "trace kinds the fast path tests");
_Static_assert(TS_READY == FAST_TS_READY && TS_RECV_WAIT == FAST_TS_RECV_WAIT, "states");
_Static_assert(TF_QUEUED == FAST_TF_QUEUED, "flags");
_Static_assert(CR0_TS == FAST_CR0_TS, "CR0.TS");
_Static_assert(__builtin_offsetof(struct tcb, flags) == TCB_STATE + 1, "state, flags: one word");
_Static_assert(sizeof(((struct tcb *)0)->ipc_done) == 1 &&
               sizeof(((struct tcb *)0)->state) == 1, "byte fields");

_Static_assert(FAST_TAG_T_SHIFT == L4ABI_TAG_T_SHIFT, "tag t shift");
_Static_assert(FAST_TAG_U_MASK == L4ABI_TAG_U_MASK && FAST_TAG_T_MASK == L4ABI_TAG_T_MASK &&
               FAST_TAG_PROPAGATED == L4ABI_TAG_PROPAGATED &&
               FAST_TAG_LABEL_MASK == L4ABI_TAG_LABEL_MASK &&
               FAST_TID_NO_SHIFT == L4ABI_TID_THREADNO_SHIFT &&
               FAST_NILTHREAD == L4ABI_NILTHREAD && FAST_ANYTHREAD == L4ABI_ANYTHREAD &&
               L4ABI_UTCB_LOCALID(0) == FAST_MR0_OFFSET &&
               L4ABI_UTCB_SIZE == 1 << FAST_UTCB_SIZE_LOG2 &&
               L4ABI_UTCB_MYGLOBALID == FAST_MYGLOBALID, "X.2 constants");

_Static_assert(EFL_TF == 0x100, "the fast path tests the receiver's TF as 0x100");

void ipc_fast_init(void)
{
    /* sysenter_exit's own mask: EFLAGS.TF alone, unless CR4.PVI made
     * every exit an iret (vif.c); with eager FPU switching the fast path
     * would skip the switch's FPU work. Either: never fast. */
    extern uint32_t sysexit_iret_mask;
    uint8_t off = sysexit_iret_mask != EFL_TF || fpu_eager;
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        cpu_local[i].fast_off.why[FAST_OFF_MODE] = off;
        cpu_local[i].small_cpu = &small_cpus[i];    /* index i (dense) */
    }
}

void ipc_fast_space_switch(struct cpu_local *me, struct tcb *prev, struct tcb *next)
{
    space_switch(me, prev, next);
}

void ipc_fast_trace(int on)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        cpu_local[i].fast_off.why[FAST_OFF_TRACE] = on != 0;
}

/* What ipc_syscall, do_ipc and sysenter_ipc do after the C fast path's
 * sched_handoff returns (syscall.c, ipc.c, ipc_fast.c), for a thread the
 * assembly path blocked: its kernel stack holds nothing but its frame. */
void ipc_fast_resumed(struct trap_frame *f)
{
    struct tcb *self = current;
    /* arch_switch returned here, not into switch_to: its upgrade to the
     * whole kernel lock (docs/smp.md, hazard (c)) is done here. */
    klock_ensure_full();
    if (self->xfer)
        xfer_wait_turns(self);  /* the reply copies strings to us */
    ipc_syscall_end(self);
    ipc_results_to_frame(self, f);
    return_to_user_checks(f);
    klock_release();            /* sysenter_exit follows */
}

#if MAX_CPUS > 1
/* The entry found this CPU's lock word busy: wait for our ticket (serving
 * the holder's requests), then hold the word as klock_local does; the
 * general path follows. */
void ipc_fast_lock_wait(struct cpu_local *me, uint32_t ticket);
void ipc_fast_lock_wait(struct cpu_local *me, uint32_t ticket)
{
    klock_local_slow(me, ticket);
    me->lock_mode = KL_LOCAL;
}
#endif
