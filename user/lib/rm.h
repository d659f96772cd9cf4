/* Region manager: the pager of a task's threads, a thread in the task's own
 * space. It keeps the task's regions (address range -> dataspace) and
 * resolves a page fault by asking the region's dataspace manager (DM) to map
 * the page: the RM calls the DM with DS_MAP and a receive window of exactly
 * the faulting page. Since the RM lives in the task's space, the mapping it
 * receives is the task's; it then replies to the faulting thread with an
 * empty message and the thread retries the access.
 *
 * Faults outside every region go to the RM's own pager (e.g. whoever loaded
 * the program image), forwarded as an X.2 page-fault message with a one-page
 * receive window; a reply without a map item means "not mine". A fault that
 * nobody resolves (no region and refused by the parent, access beyond the
 * region's rights, DM error) is unresolved: the faulting thread stays
 * blocked, and the RM sends RM_FAULT to the fault handler, if any.
 *
 * Protocol (untyped calls; the reply label is RM_OK or an RM_ERR_* code):
 *   RM_ATTACH  MR1 = address, MR2 = size, MR3 = DM thread, MR4 = dataspace
 *              handle, MR5 = offset in the dataspace, MR6 = rights (L4 rwx).
 *              Address, size and offset page-aligned, size > 0; the range
 *              must be free and lie inside the dataspace (checked with
 *              DS_INFO), the rights within the dataspace's.
 *   RM_DETACH  MR1 = region start -> MR1 = access bits (L4 R = referenced,
 *              W = written) of the region's pages. The RM flushes its (= the
 *              task's) mappings of the region: a later access faults again.
 *   RM_FAULT   (RM -> fault handler, a send) MR1 = faulting thread,
 *              MR2 = address, MR3 = ip, MR4 = access (rwx).
 * The RM serves only threads of its own space (they arrive with local IDs):
 * requests from other spaces are refused with RM_ERR_PROTO, page-fault
 * messages from other spaces are ignored. */
#ifndef LIBL4_RM_H
#define LIBL4_RM_H

#include <l4/types.h>

#define RM_LABEL_BASE   0x7200u
#define RM_ATTACH       (RM_LABEL_BASE + 1)
#define RM_DETACH       (RM_LABEL_BASE + 2)
#define RM_FAULT        (RM_LABEL_BASE + 3)

#define RM_OK           0u
#define RM_ERR_PROTO    1u      /* unknown label or malformed request */
#define RM_ERR_INVALID  2u      /* misaligned, empty, wrapping or bad rights */
#define RM_ERR_OVERLAP  3u      /* range overlaps an attached region */
#define RM_ERR_FULL     4u      /* region table full */
#define RM_ERR_NOTFOUND 5u      /* no region starts there */
#define RM_ERR_DS       6u      /* DM refused, or range/rights beyond the dataspace */
#define RM_ERR_IPC      7u      /* client side: the IPC itself failed */

#define RM_MAX_REGIONS  16u

struct rm_region {
    L4_Word_t start, size;          /* size 0: slot free */
    L4_ThreadId_t dm;
    L4_Word_t ds, offset, rights;
    L4_Word_t faults;               /* faults resolved through this region */
};

struct rm {
    struct rm_region region[RM_MAX_REGIONS];
    L4_ThreadId_t parent;           /* pager for faults outside regions */
    L4_ThreadId_t fault_handler;    /* gets RM_FAULT; nil: nobody */
    /* Statistics, readable by the task's threads. */
    volatile L4_Word_t faults;      /* resolved through a region */
    volatile L4_Word_t forwarded;   /* resolved by the parent */
    volatile L4_Word_t unresolved;
    volatile L4_Word_t last_fault_addr;     /* last unresolved fault */
};

/* Initialises rm; parent and fault_handler may be nil. */
void rm_init(struct rm *rm, L4_ThreadId_t parent, L4_ThreadId_t fault_handler);

/* Sends the X.2 start message (the RM is the new thread's pager). */
int rm_start_thread(L4_ThreadId_t t, L4_Word_t ip, L4_Word_t sp);

/* Serves faults and requests forever (the RM thread's body). */
void rm_serve(struct rm *rm) __attribute__((noreturn));

/* Client stubs; they return RM_OK or an error code. */
L4_Word_t rm_attach(L4_ThreadId_t rm, L4_Word_t addr, L4_Word_t size, L4_ThreadId_t dm,
                    L4_Word_t ds, L4_Word_t offset, L4_Word_t rights);
L4_Word_t rm_detach(L4_ThreadId_t rm, L4_Word_t addr, L4_Word_t *access);

#endif
