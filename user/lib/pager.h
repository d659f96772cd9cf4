/* A small 1:1 pager for test programs and benchmarks: child spaces that run
 * code of the same binary get the faulting page mapped at the same address
 * from the caller's own space. */
#ifndef LIBL4_PAGER_H
#define LIBL4_PAGER_H

#include <l4/types.h>
#include <l4/ipc.h>

/* If tag is a page-fault message (MR1 = address), loads the reply: a map
 * item for that page, rights as the fault asked (we touch the page first
 * so that we have it ourselves). Returns 1 if it was a fault. */
int pager_answer_fault(L4_MsgTag_t tag);

/* Loads a map-item reply: the fpage at base of size 2^log2 from our space,
 * full rights, to `at` in the receiver's. */
void pager_load_map(L4_Word_t base, int log2, L4_Word_t at);

/* Serves `who`'s page faults until it has been quiet for 1 ms. */
void pager_drain(L4_ThreadId_t who);

/* Call / receive from `who`, serving its page faults until a message that
 * is not a fault arrives (or the IPC fails). */
L4_MsgTag_t pager_call(L4_ThreadId_t to);
L4_MsgTag_t pager_receive(L4_ThreadId_t who);
/* The same with our own fault answer (pager_answer_fault's contract). */
L4_MsgTag_t pager_receive_with(L4_ThreadId_t who, int (*answer)(L4_MsgTag_t));

/* A child started by its pager greets it before anything else: a call to
 * a thread that is still faulting in its image would wait for it forever.
 * pager_hello is the child's side (a call with label PAGER_HELLO, no
 * words); pager_greet the pager's: serves the child's faults with
 * `answer` until its hello, answers that. Returns the hello's tag. */
#define PAGER_HELLO 0x99
void pager_hello(L4_ThreadId_t pager);
L4_MsgTag_t pager_greet(L4_ThreadId_t child, int (*answer)(L4_MsgTag_t));

/* Creates the space of `child` (a new thread number), gives it a KIP area
 * and a 1 MiB UTCB area at the given addresses, its first thread the first
 * UTCB and `pager`, and sends the start message (ip = fn, sp = sp). The
 * new space is confined: its redirector is the calling thread, so its IPC
 * reaches only its own space and ours directly (docs/ipc.md).
 * Returns 1 on success, 0 (ErrorCode set by the failing call) otherwise. */
int pager_start_child(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void),
                      L4_Word_t sp, L4_Word_t kip_area, L4_Word_t utcb_area);
/* The same with the redirector given: a thread, or L4_anythread for an
 * unconfined space (only for tests of IPC between child spaces). */
int pager_start_child_redir(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void),
                            L4_Word_t sp, L4_Word_t kip_area, L4_Word_t utcb_area,
                            L4_ThreadId_t redirector);
/* The same with all of SpaceControl's arguments: its control word (e.g. a
 * small-space descriptor with L4ABI_SPACE_SMALL) and where the old control
 * goes. */
int pager_start_space(L4_ThreadId_t child, L4_ThreadId_t pager, void (*fn)(void), L4_Word_t sp,
                      L4_Word_t control, L4_Word_t kip_area, L4_Word_t utcb_area,
                      L4_ThreadId_t redirector, L4_Word_t *old_control);

#endif
