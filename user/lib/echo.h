/* The echo server of the ping-pong benchmark and demo: the round trip's
 * other half, one loop for both so that their figures compare. */
#ifndef LIBL4_ECHO_H
#define LIBL4_ECHO_H

/* Waits for a message from anyone and replies with the message it got
 * (its tag and words left as received), forever; after a failed IPC it
 * waits afresh. Its loop is inside (no call per round trip). */
void echo_serve(void) __attribute__((noreturn));

#endif
