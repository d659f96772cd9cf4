/* A trap-and-emulate virtual machine on Pecan: the guest is ring-0 code
 * run deprivileged as one L4 thread in its own space; this monitor is its
 * pager and exception handler and keeps the state that the guest believes
 * is the CPU's (docs/vmm.md).
 *
 * Guest-physical memory is a range of the monitor's own address space,
 * identity-numbered: guest-physical address p is monitor address p, valid
 * iff it lies in [ram_start, ram_end). */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdbool.h>
#include <l4/types.h>
#include <l4/thread.h>

#define VMM_GUEST_CS        0x08u   /* the code selector the guest believes it runs with */
#define VMM_EFL_IF          0x200u
#define VMM_MAX_PATCHES     64
#define VMM_OUT_SIZE        2048
#define VMM_INFO_PREEMPT    1u      /* info port bit: a guest without exits still gets ticks */

/* One instruction the monitor replaced by int3. Before the guest runs:
 * pushf/popf (they do not trap in ring 3) and cli/sti (they would only
 * flip the kernel's thread-owned virtual IF, which the monitor cannot
 * set). While it runs: an instruction whose I/O fault or guest #PF must
 * come back as an exception (undone after the run). */
struct vmm_patch {
    L4_Word_t addr;                 /* guest-virtual */
    L4_Word_t pa;                   /* guest-physical (= monitor address) */
    unsigned char op;               /* the original byte */
};

/* The virtual 8259A pair (only the master's state matters here). */
struct vpic {
    unsigned char irr, isr, imr;
    unsigned char base;             /* vector of IRQ0 (ICW2) */
    unsigned char init_step;        /* 0: operational; 1..3: expecting ICW2..4 */
    bool icw4;
};

enum vmm_exit {
    VX_CLI, VX_STI, VX_PUSHF, VX_POPF, VX_IN, VX_OUT, VX_HLT, VX_LIDT,
    VX_LGDT, VX_LTR, VX_CR, VX_IRET, VX_SOFTINT, VX_PF, VX_IOFAULT, VX_COUNT
};

enum vmm_stop {
    VS_RUNNING = 0,
    VS_UNKNOWN_INSN,                /* a privileged instruction the monitor does not emulate */
    VS_HALTED,                      /* hlt with interrupts off: nothing can wake it */
    VS_BAD_MEMORY,                  /* guest touched memory outside its RAM / bad translation */
    VS_TRIPLE_FAULT,                /* an interrupt the guest's IDT cannot deliver */
    VS_EXCEPTION,                   /* a CPU exception the guest would have to handle */
    VS_IPC_ERROR,                   /* lost contact with the guest thread */
    VS_SETUP,                       /* could not create or start the guest */
};

struct vcpu {
    /* Virtual CPU state. */
    bool vif;                       /* the guest's interrupt flag */
    unsigned cpl;                   /* the guest's privilege level: 0 or 3 */
    L4_Word_t ucs, uss;             /* its user selectors while cpl == 3 */
    L4_Word_t tr, tss_base;         /* task register (ltr): the stack for entries from cpl 3 */
    L4_Word_t cr0, cr2, cr3, cr4;
    L4_Word_t idt_base, idt_limit, gdt_base, gdt_limit;
    struct vpic pic;

    /* Configuration. */
    L4_ThreadId_t guest;            /* the guest thread (own space) */
    L4_Word_t ram_start, ram_end;   /* guest RAM, page aligned */
    L4_Word_t entry, stack;         /* where the guest thread starts */
    unsigned tick_exits;            /* a virtual timer tick every this many exits */
    struct vmm_patch patches[VMM_MAX_PATCHES];
    unsigned npatches;

    /* Results. */
    enum vmm_stop stop;
    L4_Word_t stop_eip;             /* guest eip at the stop */
    unsigned char stop_bytes[4];    /* instruction bytes there (VS_UNKNOWN_INSN) */
    unsigned long exits, by_type[VX_COUNT];
    unsigned long long handler_cycles;  /* rdtsc spent in the monitor's exit handling */
    unsigned long injected, ticks_raised, flushes;
    unsigned long exceptions;       /* CPU exceptions delivered to the guest (#GP, #PF) */
    L4_Word_t pf_eip, pf_addr, pf_err;  /* a guest #PF waiting for its int3 (see on_pagefault) */
    bool pf_pending;
    L4_Word_t kick_eip;             /* patched to take a waiting interrupt after a page fault */
    bool kick_pending;
    unsigned long preemptions;      /* times the guest ran PREEMPT_US without an exit */
    unsigned long refaults;         /* flushes seen to take effect (see flush_guest) */
    L4_Word_t probe_page;           /* page (| 1) that must fault again after a flush */
    unsigned since_tick;            /* exits since the last virtual tick */
    char out[VMM_OUT_SIZE];         /* everything the guest wrote to COM1 */
    unsigned outlen;
};

/* Fills in a VM for the guest image linked into this program (user/vmm/guest):
 * RAM = the image, patches recorded and applied. Returns false if the
 * image cannot be used (message printed). */
bool vmm_init(struct vcpu *v, L4_ThreadId_t guest, unsigned tick_exits);

/* Creates the guest's space and thread (UTCB/KIP areas at the top of its
 * address space, far from guest RAM), runs it until it stops, deletes it.
 * Returns v->stop. */
enum vmm_stop vmm_run(struct vcpu *v);

const char *vmm_stop_name(enum vmm_stop s);
const char *vmm_exit_name(enum vmm_exit x);

/* Symbols of the guest image (user/vmm/guest/guest.S). */
extern char guest_image_start[], guest_image_end[], guest_boot[], guest_stack_top[];
extern char guest_bad_insn[], guest_halt[];
extern volatile L4_Word_t guest_mode, guest_ticks, guest_sum, guest_bad, guest_stale,
    guest_soft, guest_done;
extern volatile L4_Word_t guest_bench[4];
extern volatile L4_Word_t guest_ud, guest_spin;
extern volatile L4_Word_t guest_user_result, guest_user_gp, guest_user_cr2, guest_user_pferr;
#define GUEST_MODE_TEST   0
#define GUEST_MODE_BENCH  1
#define GUEST_MODE_HALT   2         /* cli; hlt at once */

#endif
