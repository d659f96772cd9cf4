/* The interactive kernel debugger (docs/kdb.md): the calls the rest of the
 * kernel makes into it. With KDB=0 (config.mk) the debugger is not built
 * and every call below is an empty inline that the compiler drops. */
#ifndef PECAN_KDB_H
#define PECAN_KDB_H

#include "types.h"

struct trap_frame;

/* Why the debugger was entered (printed first). */
enum kdb_reason {
    KDB_R_BREAKKEY,     /* break key on the serial console */
    KDB_R_USER,         /* L4_KDB_Enter from a privileged thread */
    KDB_R_NMI,          /* NMI: QEMU monitor `nmi`, another CPU's IPI */
    KDB_R_WATCHDOG,     /* NMI watchdog: no timer tick for a while */
    KDB_R_FAULT,        /* unhandled kernel exception */
    KDB_R_PANIC,        /* panic() */
    KDB_R_DEBUG,        /* its own breakpoint, watchpoint or step */
    KDB_R_IPI,          /* stopped by the CPU that entered */
};

#define KDB_SERIAL_LINE 4       /* COM1: the break key's interrupt line */

#if KDB
/* Runs the debugger on frame f (the interrupted context; NULL for a panic
 * without one). Returns when the user continues; f may have been changed
 * (TF for a step, RF after a breakpoint). msg: extra text or NULL. */
void kdb_enter(struct trap_frame *f, enum kdb_reason why, const char *msg);
/* #DB from either mode: true if it was one of the debugger's own events
 * (its breakpoint, watchpoint or step), which then has been handled. */
bool kdb_debug_trap(struct trap_frame *f);
/* NMI from either mode. */
void kdb_nmi(struct trap_frame *f);
/* A kernel fault or panic: true if the debugger ran and the user chose to
 * go on anyway (only from a fault frame); false: shut down as before. */
bool kdb_fatal(struct trap_frame *f, enum kdb_reason why);
/* Boot: options from the command line ("kdb=nopanic"), the break key. */
void kdb_init(const char *cmdline);
/* Serial line: the kernel's receive interrupt, and handing the line to a
 * user driver and back (irq.c). kdb_serial_line_owner returns true when a
 * driver takes the line while the kernel holds input typed before: the
 * line then starts out pending, and the driver reads those bytes with
 * kdebug GetChar (kdebug.c) before the UART's. */
bool kdb_serial_irq(struct trap_frame *f, unsigned line);
bool kdb_serial_line_owner(unsigned line, bool user);
/* Debug registers on a switch: the debugger's breakpoints merged with the
 * thread's own (debug.c). */
struct tcb;
void kdb_dr_merge(const struct tcb *t, uint32_t dr[4], uint32_t *dr7);
extern uint32_t kdb_dr7;        /* non-zero while the debugger has breakpoints */
extern uint32_t kdb_entries;    /* times entered (kdebug stat) */
extern volatile uint32_t kdb_ticks;     /* timer ticks taken (irq.c) */
#else
static inline void kdb_init(const char *cmdline) { (void)cmdline; }
#endif

#endif
