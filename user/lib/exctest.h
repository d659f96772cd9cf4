/* Pieces of the tests that raise exceptions on one CPU and answer them on
 * another (suites smp and smpstress): the raising loop, the handler's
 * reply, and the raiser's report. */
#ifndef LIBL4_EXCTEST_H
#define LIBL4_EXCTEST_H

#include <l4/types.h>
#include <l4/message.h>

/* The CPU the caller runs on (kdebug stat). */
L4_Word_t exctest_cpu(void);

/* Raises n exceptions, alternately ud2 (#UD, the general trap path) and a
 * divide by zero (#DE, the exception fast path's entry), both 2 bytes
 * long; returns how many times the thread resumed on CPU cpu. */
L4_Word_t exctest_raise(int n, L4_Word_t cpu);

/* The handler's answer to the 12-word exception message in MR1..MR12:
 * the image back with eip past the 2-byte instruction, then a wait for
 * the next message from anyone (its tag returned, its sender in *from). */
L4_MsgTag_t exctest_reply(L4_ThreadId_t *from);

/* Sends w to to in one word, then sleeps forever. */
void exctest_report(L4_ThreadId_t to, L4_Word_t w) __attribute__((noreturn));

#endif
