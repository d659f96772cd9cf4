/* Stepping and continuing: `s` single-steps (EFLAGS.TF), `n` steps over a
 * call (a temporary breakpoint after it), `bs` runs to the next control
 * transfer, `c` continues.
 *
 * Branch stepping uses DEBUGCTL.BTF where the CPU keeps that bit (probed
 * at boot, debug.c): TF then traps after the next taken branch only. Where
 * it does not (QEMU and Bochs), it is emulated exactly: the debugger
 * single-steps silently, decoding each instruction before it runs, and
 * stops after the first control transfer (jmp, jcc whether taken or not,
 * call, ret, loop, int, iret, sysenter). Steps belong to the thread that
 * was stopped: another thread's TF trap is not the debugger's. */
#include "../../../kdb/kdb_int.h"
#include "../trap.h"
#include "../debug.h"
#include "../cpu.h"
#include "../../../thread.h"
#include "../../../arch.h"

#define DR6_BS (1u << 14)
#define BRANCH_STEP_MAX 1000000u
#define MSR_DEBUGCTL 0x1d9
#define DEBUGCTL_BTF 2u

static void btf(bool on)
{
    if (!debug_btf_works)
        return;
    uint64_t v;
    if (msr_access(MSR_DEBUGCTL, &v, 0) == 0) {
        v = on ? (v | DEBUGCTL_BTF) : (v & ~(uint64_t)DEBUGCTL_BTF);
        msr_access(MSR_DEBUGCTL, &v, 1);
    }
}

/* Arms one more hardware step of the stopped context. */
static void arm(struct kdb_cpu *c, struct trap_frame *f, enum kdb_step how)
{
    c->step = how;
    c->step_thread = frame_from_user(f) ? current : NULL;
    f->eflags |= EFL_TF;
}

bool kdb_step_trap(struct trap_frame *f, uint32_t dr6)
{
    struct kdb_cpu *c = kdb_self();
    if (!(dr6 & DR6_BS) || c->step == STEP_NONE)
        return false;
    if (frame_from_user(f) ? current != c->step_thread : c->step_thread != NULL)
        return false;           /* someone else's TF */
    enum kdb_step how = c->step;
    c->step = STEP_NONE;
    f->eflags &= ~EFL_TF;
    char msg[96];
    if (how == STEP_BRANCH && !debug_btf_works) {
        int len;
        bool call;
        c->step_count++;
        if (c->step_from == ~0u && c->step_count < BRANCH_STEP_MAX) {
            /* Not there yet: is the next instruction a branch? */
            if (kdb_is_branch(kdb_pd_of(current), f->eip, &len, &call))
                c->step_from = f->eip;
            arm(c, f, STEP_BRANCH);
            return true;
        }
        ksnprintf(msg, sizeof(msg), "branch step (emulated, %u single steps): after the "
                  "control transfer at %08x", c->step_count, c->step_from);
    } else if (how == STEP_BRANCH) {
        btf(false);
        ksnprintf(msg, sizeof(msg), "branch step (DEBUGCTL.BTF): after a taken branch");
    } else if (--c->step_left) {
        kdb_disas_one(kdb_pd_of(current), f->eip);
        arm(c, f, how);
        return true;
    } else {
        ksnprintf(msg, sizeof(msg), "step");
    }
    kdb_enter(f, KDB_R_DEBUG, msg);
    return true;
}

static struct trap_frame *frame_or_complain(void)
{
    struct trap_frame *f = kdb_self()->frame;
    if (!f || kdb_self()->fatal)
        kp("nothing to step: the kernel cannot go on from here\n");
    return f && !kdb_self()->fatal ? f : NULL;
}

static int cmd_step(int argc, char **argv)
{
    struct kdb_cpu *c = kdb_self();
    struct trap_frame *f = frame_or_complain();
    uint32_t n = 1;
    if (!f || (argc > 1 && (!kdb_num(argv[1], &n) || !n)))
        return KDB_STAY;
    c->step_left = n;
    arm(c, f, STEP_ONE);
    return KDB_LEAVE;
}
KDB_COMMAND(s, "[n]", "single-step n instructions (default 1)", cmd_step);

static int cmd_next(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct kdb_cpu *c = kdb_self();
    struct trap_frame *f = frame_or_complain();
    int len;
    bool call;
    if (!f)
        return KDB_STAY;
    kdb_is_branch(kdb_pd_of(c->thread), f->eip, &len, &call);
    if (call && len > 0) {
        if (kdb_bp_set_temp(f->eip + (uint32_t)len, c->thread) < 0)
            return KDB_STAY;
        c->step = STEP_NONE;
        return KDB_LEAVE;
    }
    c->step_left = 1;
    arm(c, f, STEP_ONE);
    return KDB_LEAVE;
}
KDB_COMMAND(n, "", "step over a call (or int) / single-step anything else", cmd_next);

static int cmd_branch(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct kdb_cpu *c = kdb_self();
    struct trap_frame *f = frame_or_complain();
    int len;
    bool call;
    if (!f)
        return KDB_STAY;
    c->step_count = 0;
    c->step_from = ~0u;
    if (debug_btf_works) {
        btf(true);
    } else if (kdb_is_branch(kdb_pd_of(c->thread), f->eip, &len, &call)) {
        c->step_from = f->eip;
    }
    arm(c, f, STEP_BRANCH);
    return KDB_LEAVE;
}
KDB_COMMAND(bs, "", "branch step: run to the next control transfer", cmd_branch);

static int cmd_continue(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct kdb_cpu *c = kdb_self();
    if (c->fatal)
        kp("the kernel cannot go on after this: ending the run\n");
    c->step = STEP_NONE;
    return KDB_LEAVE;
}
KDB_COMMAND(c, "", "continue", cmd_continue);
