/* Threads. A thread's TCB lives in the virtual TCB array at an address
 * computed from its thread number; the same 4 KiB page holds its kernel
 * stack. Unused slots read as zero (state TS_FREE) through the shared zero
 * page, so looking up an invalid ID costs no memory. */
#ifndef PECAN_THREAD_H
#define PECAN_THREAD_H

#include "types.h"
#include <l4/abi.h>
#include "arch/ia32/layout.h"
#include "queue.h"

#define MAX_THREADS     (TCB_AREA_SIZE / TCB_SIZE)     /* 65536 */
#define THREADNO_BITS   16
#define IRQ_THREADS     32      /* thread numbers 0..31: interrupt threads */
#define SYSTEM_BASE     IRQ_THREADS
#define USER_BASE       48
#define SIGMA0_NO       USER_BASE
#define ROOT_NO         (USER_BASE + 2)
#define IDLE_NO         SYSTEM_BASE

enum thread_state {
    TS_FREE = 0,        /* slot unused (reads as zero) */
    TS_INACTIVE,        /* created, no UTCB or pager yet / not started */
    TS_READY,           /* runnable or running */
    TS_SEND_WAIT,       /* blocked in the send phase of an IPC */
    TS_RECV_WAIT,       /* blocked in the receive phase */
    TS_DEAD,            /* being deleted */
    TS_XFER,            /* in an IPC whose string copy the partner is running */
};

#define TF_HALTED   0x01    /* ExchangeRegisters halt */
#define TF_KERNEL   0x02    /* kernel thread: no user context */
#define TF_IRQ      0x04    /* interrupt thread */
#define TF_WAKEUP   0x08    /* in the wakeup queue */
#define TF_QUEUED   0x10    /* in a ready queue */
#define TF_QUANTUM_OUT 0x20 /* total quantum exhausted */
#define TF_STARTING 0x40    /* waiting for its start message, no user frame yet */
#define TF_START_SET 0x80   /* ExchangeRegisters gave start ip/sp meanwhile */

struct space;
struct xfer;
struct cpu_local;

struct tcb {
    uint32_t gid;               /* global thread ID (number + version) */
    uint8_t state;
    uint8_t flags;
    uint8_t prio;
    uint8_t vif;                /* virtual IF without PVI: VIF_* (arch/ia32/vif.c) */
    struct space *space;
    uint32_t ksp;               /* saved kernel stack pointer */
    /* Multiprocessor (docs/smp.md). `cpu`: the home CPU, whose queues
     * hold the thread; changed only under the whole kernel lock.
     * `on_cpu`: the CPU that runs it or ran it last, written by that CPU
     * as it switches to it (so cpu_self() is current->on_cpu). The two
     * differ only while a running thread is migrated: its old CPU leaves
     * it at the next kernel entry and queues it at home. */
    struct cpu_local *cpu;
    struct cpu_local *on_cpu;
    bool dying;                 /* being deleted: its CPU must leave it for good */

    /* scheduling */
    struct qlink rq;            /* ready queue, while TF_QUEUED */
    uint32_t scheduler;         /* global ID of the thread allowed to Schedule() us */
    uint32_t timeslice_us, ts_left_us;
    uint64_t quantum_left_us;   /* 0 = infinite */
    uint32_t preempt_ctl;

    /* IPC */
    uint32_t partner;           /* send: destination; receive: from-specifier */
    struct tcb *sq_head;        /* senders blocked on us, FIFO */
    struct tcb *sq_next, *sq_prev, *sq_owner;
    uint16_t sq_props;          /* of those, how many sent with the p flag */
    bool sq_prop;               /* counted in our sq_owner's sq_props */
    struct timeq_link wq;       /* wakeup queue, while TF_WAKEUP */
    uint16_t recv_timeout;      /* for a call: the receive phase's timeout */
    uint32_t recv_spec;         /* for a call: the receive phase's from-spec */
    uint32_t ipc_intended;      /* redirected send: the intended receiver, else 0 */
    uint32_t redirector;        /* copy of space->redirector, for the fast path */
    uint32_t ipc_from;          /* filled by whoever completes our IPC */
    uint32_t ipc_error;         /* 0 or ErrorCode value */
    bool ipc_done;
    struct xfer *xfer;          /* string copy in progress (strxfer.c), or NULL */
    uint32_t xfer_err;          /* our error if the copy was torn down under us */

    /* user context */
    uint32_t utcb_uaddr;        /* UtcbLocation (user address of the block) */
    bool utcb_pending;          /* utcb_uaddr given before the space had a UTCB
                                 * area: checked and set up on activation */
    uint32_t gs_desc[2];        /* arch: the %gs descriptor for this UTCB */
    uint32_t *mr;               /* kernel pointer to MR0 of our UTCB */
    uint32_t start_ip, start_sp;    /* from ExchangeRegisters while TF_STARTING */
    void *fpu;                  /* FPU save area (arch/ia32/fpu.c), NULL until first use */
    uint32_t dr[4], dr7;        /* user hardware breakpoints (arch/ia32/debug.c); dr7 0: none */
    uint8_t exc_wait;           /* the exception fast path's wait (arch/ia32/excfast.h) */
    uint32_t exc_br0;           /* ... and the BR0 it gives back */
};

_Static_assert(sizeof(struct tcb) < 512, "TCB leaves room for the kernel stack");

static inline struct tcb *tcb_of_no(uint32_t no)
{
    return (struct tcb *)(uintptr_t)(TCB_AREA + no * TCB_SIZE);
}

static inline uint32_t tcb_no(const struct tcb *t)
{
    return ((uint32_t)(uintptr_t)t - TCB_AREA) / TCB_SIZE;
}

static inline uint32_t tcb_stack_top(const struct tcb *t)
{
    return (uint32_t)(uintptr_t)t + TCB_SIZE;
}

/* UTCB access through the kernel's pointer (valid while the thread has a
 * UTCB; the frame is kernel-owned so these never fault). */
#define UTCB(t, idx) ((t)->mr[(idx)])

/* The running thread is the one whose kernel stack this is: every kernel
 * stack is the top of its thread's 4 KiB TCB. No global and no per-CPU
 * variable, so `current` costs one `and` and never changes on a stack.
 * On a boot stack (before the CPU's first thread runs) it is the CPU
 * record's idea of it (boot_current, slow). */
struct tcb *boot_current(void);

/* The TCB whose kernel stack this is, NULL on a boot stack (and in host
 * tests, 64-bit, which have no kernel stacks). */
static inline struct tcb *stack_tcb(void)
{
#ifndef __i386__
    return NULL;
#else
    uint32_t sp;
    __asm__("movl %%esp, %0" : "=r"(sp));
    if (__builtin_expect(sp - TCB_AREA < TCB_AREA_SIZE, 1))
        return (struct tcb *)(uintptr_t)(sp & ~(uint32_t)(TCB_SIZE - 1));
    return NULL;
#endif
}

static inline struct tcb *current_thread(void)
{
    struct tcb *t = stack_tcb();
    return __builtin_expect(t != NULL, 1) ? t : boot_current();
}
#define current current_thread()
extern uint32_t thread_no_limit;    /* bounds scans over the TCB array */

/* Returns the TCB for a global ID if it names an existing thread with that
 * exact version, else NULL. Never allocates. tcb_lookup_inline is the
 * same for the IPC paths, which look up a partner on every message. */
static inline struct tcb *tcb_lookup_inline(uint32_t gid)
{
    uint32_t no = L4ABI_TID_THREADNO(gid);
    if (gid == L4ABI_NILTHREAD || L4ABI_TID_IS_LOCAL(gid) || no >= MAX_THREADS)
        return NULL;
    struct tcb *t = tcb_of_no(no);
    /* Reading a never-used slot maps the zero page: state TS_FREE. */
    if (t->state == TS_FREE || t->state == TS_DEAD || t->gid != gid)
        return NULL;
    return t;
}
struct tcb *tcb_lookup(uint32_t gid);
/* Resolves a destination given by a thread (global or local ID). */
struct tcb *tcb_resolve(const struct tcb *self, uint32_t id);
struct tcb *tcb_resolve_local(const struct tcb *self, uint32_t id);   /* local IDs only */
/* The same, a global ID looked up inline (the IPC paths). */
static inline struct tcb *tcb_resolve_inline(const struct tcb *self, uint32_t id)
{
    if (!L4ABI_TID_IS_LOCAL(id))
        return tcb_lookup_inline(id);
    return tcb_resolve_local(self, id);
}
/* A thread's ID as its partner should see it: local if same space. */
static inline uint32_t tcb_id_for(const struct tcb *t, const struct tcb *viewer)
{
    if (t->space == viewer->space && t->mr)
        return L4ABI_UTCB_LOCALID(t->utcb_uaddr);
    return t->gid;
}

struct tcb *thread_create(uint32_t gid, struct space *s);
void thread_destroy(struct tcb *t);
/* Gives t its UTCB at `location` (inside its space's UTCB area). */
int thread_set_utcb(struct tcb *t, uint32_t location);
/* Makes t run at ip/sp in user mode when next scheduled. */
void thread_start_user(struct tcb *t, uint32_t ip, uint32_t sp);
void thread_init_kernel(struct tcb *t, void (*fn)(void));

bool thread_is_privileged(const struct tcb *t);

#endif
