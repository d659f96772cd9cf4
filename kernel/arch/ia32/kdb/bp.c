/* The debugger's hardware breakpoints and watchpoints (DR0..DR3).
 *
 * They coexist with the breakpoints user threads get from their exception
 * handlers (debug.c): on every switch debug_load merges them, the
 * debugger's slots winning. The debugger takes slots from DR3 downwards
 * and enables them with the G bits; a thread's own breakpoint in a slot the
 * debugger uses is suspended while that slot is in use and comes back when
 * it is cleared. A breakpoint limited to one thread or space is loaded
 * only while that thread (a thread of that space) runs, and a hit in any
 * other context (a kernel address reached by another thread) is passed
 * over silently.
 *
 * Several CPUs: the commands change the table on the console CPU while
 * every other CPU is stopped in the debugger (kdb_stop_others), and every
 * CPU loads it as it leaves the session (kdb_bp_resume). While the table
 * has a breakpoint, each CPU's dr_loaded stays set, so each of its
 * switches merges the table for the thread it switches to: a thread's
 * breakpoint goes with the thread to whatever CPU runs it. With no
 * debugger breakpoint nothing of this runs; dr_loaded (which keeps the
 * IPC fast paths out) is set only as long as the table or the thread has
 * breakpoints. */
#include "../../../kdb/kdb_int.h"
#include "../trap.h"
#include "../debug.h"
#include "../cpu.h"
#include "../smp.h"
#include "../layout.h"
#include "../../../thread.h"
#include "../../../space.h"

#define EFL_RF (1u << 16)
#define DR7_GE (1u << 9)

struct kbp {
    bool used, temp;
    uint8_t rw;                 /* 0 execute, 1 write, 3 read/write */
    uint8_t len;                /* 1, 2, 4 */
    uint32_t va;
    const struct tcb *thread;   /* only this thread, or NULL */
    const struct space *space;  /* only this space, or NULL */
    uint32_t hits;
};
static struct kbp bps[4];
uint32_t kdb_dr7;

static bool matches(const struct kbp *b, const struct tcb *t)
{
    return (!b->thread || b->thread == t) && (!b->space || (t && b->space == t->space));
}

static uint32_t slot_bits(int i)
{
    const struct kbp *b = &bps[i];
    uint32_t lenbits = b->len == 4 ? 3 : b->len - 1u;
    return (2u << (2 * i)) | ((uint32_t)b->rw << (16 + 4 * i)) | (lenbits << (18 + 4 * i));
}

static uint32_t slot_mask(int i)
{
    return (3u << (2 * i)) | (0xfu << (16 + 4 * i));
}

void kdb_dr_merge(const struct tcb *t, uint32_t dr[4], uint32_t *dr7)
{
    for (int i = 0; i < 4; i++) {
        if (!bps[i].used || !matches(&bps[i], t))
            continue;
        dr[i] = bps[i].va;
        *dr7 = (*dr7 & ~slot_mask(i)) | slot_bits(i) | DR7_GE;
    }
}

/* Puts the table into kdb_dr7 and the CPU's registers (for `current`). */
static void reload(void)
{
    kdb_dr7 = 0;
    for (int i = 0; i < 4; i++)
        if (bps[i].used)
            kdb_dr7 |= slot_bits(i);
    debug_dr_loaded = true;     /* makes debug_load write DR7 */
    debug_load(current);
}

/* Every CPU as it leaves a debugger session (core.c): the table into its
 * registers, for the thread this CPU goes on with. By its record, not by
 * the stack: a CPU stopped by NMI may be on a stack without a TCB. */
void kdb_bp_resume(void)
{
    struct cpu_local *me = &cpu_local[kdb_cpu_index()];
    if (!me->running)
        return;                 /* an AP before it runs threads */
    me->dr_loaded = true;       /* makes debug_load_on write DR7 */
    debug_load_on(me, me->running);
}

static int alloc_slot(void)
{
    for (int i = 3; i >= 0; i--)
        if (!bps[i].used)
            return i;
    kp("all four debug registers are in use (bl, bc)\n");
    return -1;
}

int kdb_bp_set_temp(uint32_t va, struct tcb *only)
{
    int i = alloc_slot();
    if (i < 0)
        return -1;
    bps[i] = (struct kbp){ .used = true, .temp = true, .rw = 0, .len = 1, .va = va,
                           .thread = only };
    reload();
    return i;
}

void kdb_bp_clear(int i)
{
    if (i >= 0 && i < 4) {
        bps[i].used = false;
        reload();
    }
}

/* On the way out: an execute breakpoint at the resume address would fire
 * again at once; RF lets that one instruction run. */
void kdb_bp_leave(struct trap_frame *f)
{
    for (int i = 0; i < 4; i++)
        if (bps[i].used && bps[i].rw == 0 && bps[i].va == f->eip)
            f->eflags |= EFL_RF;
}

bool kdb_bp_trap(struct trap_frame *f, uint32_t dr6)
{
    bool ours = false;
    for (int i = 0; i < 4; i++) {
        if (!(dr6 & (1u << i)) || !bps[i].used)
            continue;
        ours = true;
        struct kbp *b = &bps[i];
        if (!matches(b, current)) {
            if (b->rw == 0)
                f->eflags |= EFL_RF;        /* not for this context: go on */
            continue;
        }
        char msg[80];
        b->hits++;
        if (b->temp) {
            kdb_bp_clear(i);
            ksnprintf(msg, sizeof(msg), "step over: back at %08x", f->eip);
        } else if (b->rw == 0) {
            ksnprintf(msg, sizeof(msg), "breakpoint %d at %08x (hit %u)", i, b->va, b->hits);
        } else {
            uint32_t v = 0;
            kdb_read(kdb_pd_of(current), b->va, &v, b->len);
            ksnprintf(msg, sizeof(msg), "watchpoint %d: %s %u bytes at %08x, value now %x",
                      i, b->rw == 1 ? "write" : "access", b->len, b->va, v);
        }
        kdb_enter(f, KDB_R_DEBUG, msg);
        return true;
    }
    return ours;
}

/* ---- Commands ------------------------------------------------------------- */
/* Optional filter words: "t <thread>" or "s <thread>" (that thread's space). */
static bool filter(int argc, char **argv, int i, struct kbp *b)
{
    if (argc <= i)
        return true;
    if (argc != i + 2 || (!kdb_streq(argv[i], "t") && !kdb_streq(argv[i], "s")))
        return false;
    const struct tcb *t = kdb_thread_arg(argv[i + 1]);
    if (!t)
        return false;
    if (argv[i][0] == 't')
        b->thread = t;
    else
        b->space = t->space;
    return true;
}

static void show(int i)
{
    const struct kbp *b = &bps[i];
    static const char *const kinds[] = { "exec", "write", "io", "access" };
    kp("  %d: %s %u at %08x", i, kinds[b->rw], b->len, b->va);
    if (b->thread)
        kp(", thread %08x only", b->thread->gid);
    if (b->space)
        kp(", space %p only", (const void *)b->space);
    kp("%s, %u hits\n", b->temp ? " (step over)" : "", b->hits);
}

static int set(struct kbp *b)
{
    int i = alloc_slot();
    if (i < 0)
        return KDB_STAY;
    b->used = true;
    bps[i] = *b;
    reload();
    show(i);
    return KDB_STAY;
}

static int cmd_bp(int argc, char **argv)
{
    struct kbp b = { .rw = 0, .len = 1 };
    if (argc < 2 || !kdb_num(argv[1], &b.va) || !filter(argc, argv, 2, &b)) {
        kp("usage: bp addr [t thread | s thread]\n");
        return KDB_STAY;
    }
    return set(&b);
}
KDB_COMMAND(bp, "addr [t|s thread]", "hardware breakpoint (one thread or space only)", cmd_bp);

static int cmd_wp(int argc, char **argv)
{
    struct kbp b = { .rw = 1, .len = 4 };
    uint32_t len = 4;
    int i = 2;
    if (argc > i && (kdb_streq(argv[i], "w") || kdb_streq(argv[i], "rw")))
        b.rw = argv[i++][1] ? 3 : 1;
    if (argc > i && argv[i][1] == 0 && kdb_num(argv[i], &len))
        i++;
    b.len = (uint8_t)len;
    if (argc < 2 || !kdb_num(argv[1], &b.va) || (len != 1 && len != 2 && len != 4) ||
        (b.va & (len - 1)) || !filter(argc, argv, i, &b)) {
        kp("usage: wp addr [w|rw] [1|2|4] [t|s thread]  (aligned to its length)\n");
        return KDB_STAY;
    }
    return set(&b);
}
KDB_COMMAND(wp, "addr [w|rw] [1|2|4] [t|s thread]", "hardware watchpoint on writes or accesses",
            cmd_wp);

static int cmd_bl(int argc, char **argv)
{
    (void)argc, (void)argv;
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (bps[i].used)
            show(i), n++;
    if (!n)
        kp("no breakpoints\n");
    return KDB_STAY;
}
KDB_COMMAND(bl, "", "list breakpoints and watchpoints", cmd_bl);

static int cmd_bc(int argc, char **argv)
{
    uint32_t i;
    if (argc == 2 && kdb_streq(argv[1], "*")) {
        for (int j = 0; j < 4; j++)
            bps[j].used = false;
        reload();
    } else if (argc == 2 && kdb_num(argv[1], &i) && i < 4) {
        kdb_bp_clear((int)i);
    } else {
        kp("usage: bc n|*\n");
    }
    return KDB_STAY;
}
KDB_COMMAND(bc, "n|*", "clear a breakpoint or all", cmd_bc);
