/* The kernel debugger's own interface between its files, and the one
 * other parts of the kernel use to add commands (KDB_COMMAND). */
#ifndef PECAN_KDB_INT_H
#define PECAN_KDB_INT_H

#include "types.h"
#include "../kdb.h"
#include "../console.h"
#include "format.h"

struct tcb;
struct space;
struct trap_frame;

/* ---- Command registry ----------------------------------------------------
 * A command is a struct kdb_cmd in the section .kdb_cmds; the linker
 * collects them from every file (kernel.ld), so adding one is one line in
 * the file that implements it:
 *
 *     KDB_COMMAND(trace, "[n]", "show the last n trace records", cmd_trace);
 *
 * fn gets the words of the line (argv[0] is the name). It returns
 * KDB_STAY to prompt again or KDB_LEAVE to leave the debugger (the frame
 * may have been changed to step). Only in files built with KDB=1. */
enum { KDB_STAY = 0, KDB_LEAVE = 1 };
struct kdb_cmd {
    const char *name, *args, *help;
    int (*fn)(int argc, char **argv);
};
#define KDB_COMMAND(nm, args, help, fn) \
    static const struct kdb_cmd kdb_cmd_##nm \
        __attribute__((used, section(".kdb_cmds"), aligned(4))) = { #nm, args, help, fn }

/* ---- The session ---------------------------------------------------------
 * Per CPU: the frame it stopped in, why, and its stepping state. Only the
 * CPU that holds the console (kdb_self()) runs commands. */
enum kdb_step { STEP_NONE, STEP_ONE, STEP_BRANCH, STEP_OVER };
struct kdb_cpu {
    struct trap_frame *frame;       /* NULL: no frame (panic) */
    struct tcb *thread;             /* current when it stopped */
    enum kdb_reason why;
    bool in;                        /* inside kdb_enter */
    bool parked;                    /* inside a session (console or waiting) */
    bool fatal;                     /* entered from a fault or panic */
    /* stepping (arch/ia32/kdb/step.c) */
    enum kdb_step step;
    struct tcb *step_thread;        /* the stepped thread (user frames) */
    uint32_t step_left;             /* `s n`: steps still to show */
    uint32_t step_count;            /* branch step: steps taken so far */
    uint32_t step_from;             /* branch step: the branch instruction */
};
struct kdb_cpu *kdb_self(void);
unsigned kdb_cpu_index(void);

/* ---- Helpers for commands ------------------------------------------------ */
static inline bool kdb_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}
#define kp kprintf
/* Parses a hex number ("c0100000", "0x1f"); false if it is not one. */
bool kdb_num(const char *s, uint32_t *v);
/* A thread by global ID in hex, or by thread number "#61"; NULL (and a
 * message) if there is none. "." is the thread the debugger stopped in. */
struct tcb *kdb_thread_arg(const char *s);
bool kdb_thread_alive(const struct tcb *t);
/* Calls fn for every thread slot in use. */
void kdb_each_thread(void (*fn)(struct tcb *t, void *arg), void *arg);
const char *kdb_state_name(unsigned state);
/* Reads/writes `len` bytes at virtual address va of page directory pd
 * through the direct map of physical memory (never faults); the number of
 * bytes done (stops at an unmapped page). kdb_translate: va's physical
 * address and its page-table entry (false if not mapped). */
uint32_t kdb_read(const uint32_t *pd, uint32_t va, void *buf, uint32_t len);
uint32_t kdb_write(const uint32_t *pd, uint32_t va, const void *buf, uint32_t len);
bool kdb_translate(const uint32_t *pd, uint32_t va, uint32_t *pa, uint32_t *pte);
/* The page directory for addresses of thread t (kernel addresses: any). */
const uint32_t *kdb_pd_of(const struct tcb *t);
/* Prints one disassembled instruction at va; its length (1 if bad). */
int kdb_disas_one(const uint32_t *pd, uint32_t va);
extern int kdb_syntax;          /* enum x86dis_syntax */
/* Prints where the frame stands: registers and the next instruction. */
void kdb_show_frame(const struct trap_frame *f);
void kdb_show_insn(const struct trap_frame *f);   /* just the next instruction */

/* arch/ia32/kdb/step.c, bp.c, mem.c: stepping and breakpoints */
bool kdb_step_trap(struct trap_frame *f, uint32_t dr6);
bool kdb_bp_trap(struct trap_frame *f, uint32_t dr6);
void kdb_bp_leave(struct trap_frame *f);
int kdb_bp_set_temp(uint32_t va, struct tcb *only);
void kdb_bp_clear(int slot);
void kdb_bp_resume(void);        /* each CPU leaving a session: the table loaded */
bool kdb_is_branch(const uint32_t *pd, uint32_t va, int *len, bool *is_call);

/* arch/ia32/kdb/smp.c: stopping the other CPUs, switching the console. */
void kdb_stop_others(void);
bool kdb_cpu_in(unsigned i);    /* CPU i waits in the session (core.c) */
/* arch/ia32/kdb/watchdog.c: the NMI watchdog (boot option kdb=watchdog). */
void kdb_watchdog_init(void);
bool kdb_watchdog_nmi(struct trap_frame *f);   /* true: it was the watchdog's */
/* The thread this CPU runs (NULL: none), and the CPU a thread runs on. */
struct tcb *kdb_current(void);
unsigned kdb_thread_cpu(const struct tcb *t);
extern volatile int kdb_console_cpu;

#endif
