/* Tests of the kdebug interface from an unprivileged space: there each
 * kdebug call (an int3 with the operation in the next bytes) is a plain
 * #BP exception to the thread's exception handler, which decides what the
 * call returns. The child reports what it got back in one message. */
#ifndef LIBL4_KDBCHILD_H
#define LIBL4_KDBCHILD_H

#include <l4/types.h>

/* Handler side. Receives n messages from child (serving its page faults
 * meanwhile, pager.h); each must be a #BP exception message, answered so
 * that the child resumes after its int3 with eax = eax0 + i (the i-th
 * call's result). Stops at the first other message. Returns how many
 * were #BP exceptions. */
int kdbchild_answer_bps(L4_ThreadId_t child, int n, L4_Word_t eax0);

/* Handler side: the child's report, a message with `label` and n words,
 * into res[1..n] (left as they are if another message or an error came). */
void kdbchild_report(L4_ThreadId_t child, L4_Word_t label, int n, L4_Word_t *res);

/* Child side: calls `to` with `label` and words w[0..n), then sleeps
 * forever (the test deletes us). */
void kdbchild_done(L4_ThreadId_t to, L4_Word_t label, int n, const L4_Word_t *w)
    __attribute__((noreturn));

#endif
