/* Threads in the caller's own address space, for test programs and
 * benchmarks: created, started and deleted the same way everywhere. */
#ifndef LIBL4_THREAD_H
#define LIBL4_THREAD_H

#include <l4/types.h>

/* Creates thread t in our space (we are its scheduler), its UTCB at utcb,
 * its pager `pager` unless that is nil; it does not run yet (set its
 * priority or CPU now, then thread_run). Touches one word of every KiB of
 * stack[0..words) first: its pages are then ours, mapped, and the new
 * thread never faults on them (it may have no pager). Returns t, nil if
 * ThreadControl failed. */
L4_ThreadId_t thread_create(L4_ThreadId_t t, L4_ThreadId_t pager, L4_Word_t *stack,
                            L4_Word_t words, L4_Word_t utcb);

/* Starts a created thread at fn on the top of stack[0..words). */
void thread_run(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *stack, L4_Word_t words);

/* thread_create, then thread_run. Returns t, nil on failure. */
L4_ThreadId_t thread_start(L4_ThreadId_t t, L4_ThreadId_t pager, void (*fn)(void),
                           L4_Word_t *stack, L4_Word_t words, L4_Word_t utcb);

/* Deletes thread t (ThreadControl with a nil space specifier). */
void thread_delete(L4_ThreadId_t t);

#endif
