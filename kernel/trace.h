/* Kernel event trace (docs/kdb.md, "Trace buffer").
 *
 * Events are recorded with the TSC into a ring buffer per CPU: a record is
 * written only by its own CPU with interrupts off (the kernel runs with
 * them off except at explicit windows), so no lock is taken; a full ring
 * overwrites its oldest records.
 *
 * Cost when compiled in but off: every hook is one TRACE_ON(kind) test of
 * a global mask byte (`testb $bit, trace_mask; jnz`, two instructions) and
 * nothing else; the call is out of line (cold). A hook in a fast path (C
 * or assembly) must keep that form; the IPC fast path's is in
 * sched_handoff (trace_handoff below). In assembly: `testb $bits,
 * trace_mask` then a forward jump to an out-of-line call. With TRACE=0
 * (config.mk) TRACE_ON is constant 0 and every hook compiles away.
 *
 * Kinds: eight, so that the enable mask is one byte. Records carry the
 * subject thread (whose track the event belongs to) and three words:
 *     kind        thread       a           b          c
 *     IPC  send   sender       receiver    tag (MR0)  fast path ? 1 : 0
 *     IPC  recv   receiver     sender      tag        fast path ? 1 : 0
 *     PF          faulter      address     ip         access (rwx)
 *     EXC         thread       vector      ip         error code
 *     IRQ         current      line        0          0
 *     SWITCH      previous     next        0          0
 *     MAP         mapper       receiver    fpage      grant ? 1 : 0
 *     UNMAP       caller       fpage       flush      0
 *     THREAD      creator      the thread  0          0 (create and delete are two types)
 * IPC is one kind with two record types (send, receive). */
#ifndef PECAN_TRACE_H
#define PECAN_TRACE_H

#include "types.h"

#ifndef TRACE
#define TRACE 1
#endif

enum trace_kind {
    TRACE_IPC = 0,
    TRACE_PF,
    TRACE_EXC,
    TRACE_IRQ,
    TRACE_SWITCH,
    TRACE_MAP,          /* map and unmap */
    TRACE_THREAD,       /* creation and deletion */
    TRACE_NKINDS
};
#define TRACE_BIT(kind) (1u << (kind))
#define TRACE_ALL       ((1u << TRACE_NKINDS) - 1)

/* Record types (finer than kinds: what the dump prints). */
enum trace_type {
    TT_SEND, TT_RECV, TT_PF, TT_EXC, TT_IRQ, TT_SWITCH, TT_MAP, TT_UNMAP,
    TT_CREATE, TT_DELETE, TT_NTYPES
};

struct trace_rec {
    uint64_t tsc;
    uint32_t seq;       /* per-CPU sequence number, from 0 after a clear */
    uint8_t type;       /* enum trace_type */
    uint8_t cpu;
    uint16_t reserved;
    uint32_t thread, a, b, c;
};

#if TRACE
/* Not volatile: the test must compile to one `testb $bit, mem`; a
 * change from another CPU is seen at the next test anyway. */
extern uint8_t trace_mask;
#define TRACE_ON(kind) (__builtin_expect(trace_mask & TRACE_BIT(kind), 0))
#define TRACE_ON_ANY(bits) (__builtin_expect(trace_mask & (bits), 0))
#else
#define TRACE_ON(kind) 0
#define TRACE_ON_ANY(bits) 0
#endif

/* Out of line: call only after TRACE_ON said yes (they test the thread
 * filter themselves). */
void trace_record(unsigned type, uint32_t thread, uint32_t a, uint32_t b, uint32_t c);
/* Both records of one message transfer. */
void trace_ipc(uint32_t sender, uint32_t receiver, uint32_t tag, bool fast);
/* For the hot paths: arguments that are live there anyway (the TCBs),
 * so that the disabled hook does not change the register allocation.
 * trace_ipc_fast runs after the fast path's copy: the tag is read back
 * from the receiver's MR0 (label and u; the flags already dropped). */
struct tcb;
void trace_ipc_fast(const struct tcb *sender, const struct tcb *receiver) __attribute__((cold));
void trace_switch(const struct tcb *prev, const struct tcb *next) __attribute__((cold));
/* The IPC fast path's one hook, in sched_handoff (which only the fast
 * path calls), where sender (current) and receiver are in registers
 * anyway:
 *     if (TRACE_ON_ANY(TRACE_HANDOFF_KINDS)) trace_handoff(current, t);
 * records the message (send and receive, the tag read back from the
 * receiver's MR0) and the switch, as enabled. One test per message for
 * both kinds; the fast path itself has no hook. */
#define TRACE_HANDOFF_KINDS (TRACE_BIT(TRACE_IPC) | TRACE_BIT(TRACE_SWITCH))
void trace_handoff(const struct tcb *sender, const struct tcb *receiver) __attribute__((cold));

#define TRACE_EV(kind, type, thr, a, b, c) \
    do { if (TRACE_ON(kind)) trace_record((type), (thr), (a), (b), (c)); } while (0)

/* Control, for the debugger command, the kdebug extension and boot. */
uint32_t trace_set_mask(uint32_t mask);         /* returns the old mask */
void trace_set_thread(uint32_t gid);            /* 0: every thread */
void trace_clear(void);
unsigned trace_count(unsigned cpu);             /* records held by a CPU's ring */
/* The i-th oldest record a CPU holds; false if there is none. */
bool trace_get(unsigned cpu, unsigned i, struct trace_rec *out);
/* Prints every CPU's records on the console (format: docs/kdb.md);
 * returns how many. */
unsigned trace_dump(void);
/* Text command for the debugger: "on [kind...]", "off", "clear",
 * "dump", "thread <id>|all", "status". Returns 0 or -1 (bad arguments,
 * with a message). */
int trace_cmd(const char *args);
/* The kdebug extension L4ABI_KDB_OP_TRACE (trace_ctl.c): operation op
 * with arguments *ecx and edx; returns eax, may set *ecx. The caller has
 * checked that the thread is privileged. */
uint32_t trace_control(uint32_t op, uint32_t *ecx, uint32_t edx);

#endif
