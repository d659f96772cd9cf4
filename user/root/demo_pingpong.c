/* Demo: IPC ping-pong with live figures. An echo server runs as a task of
 * its own (a small space unless `nosmall`, task.c); the shell calls it in rounds and prints each round's mean round
 * trip in TSC ticks (guest instructions under QEMU -icount), between
 * rounds looking for 'q' / Ctrl-C. */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include "libc.h"
#include "pager.h"
#include "echo.h"
#include "shell.h"

#define ROUNDS      8
#define PER_ROUND   2000
#define PAUSE_US    250000

static L4_Word_t echo_stack[1024] __attribute__((aligned(16)));

/* Says hello to its pager first (a call to a thread that is still
 * faulting in its image would wait for it forever), then echoes. */
static void echo_main(void)
{
    pager_hello(L4_Pager());
    echo_serve();
}

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

/* Mean round trip of n calls with 2 words, 0 if one failed. */
static unsigned long round_trips(L4_ThreadId_t srv, int n)
{
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < n; i++) {
        L4_LoadMR(0, L4ABI_TAG(0x42, 2, 0));
        L4_LoadMR(1, (L4_Word_t)i);
        L4_LoadMR(2, ~(L4_Word_t)i);
        L4_MsgTag_t tag = L4_Call(srv);
        L4_Word_t w;
        L4_StoreMR(1, &w);
        if (L4_IpcFailed(tag) || L4_Label(tag) != 0x42 || w != (L4_Word_t)i)
            return 0;
    }
    return (unsigned long)(rdtsc() - t0) / (unsigned)n;    /* a round fits in 32 bits */
}

void demo_pingpong(void)
{
    L4_ThreadId_t srv = task_tid(TASK_PINGPONG);
    if (!task_start_server(srv, echo_main, (L4_Word_t)&echo_stack[1020], "pingpong")) {
        printf("pingpong: cannot start the echo task (error %lu)\n", L4_ErrorCode());
        return;
    }
    /* Serve its image faults until its hello; then it waits for calls. */
    L4_ThreadId_t from;
    L4_MsgTag_t tag = task_wait(srv, 5000000, &from);
    L4_LoadMR(0, 0);
    if (L4_IpcSucceeded(tag))
        L4_Reply(srv);
    pager_drain(srv);
    L4_LoadMR(0, L4ABI_TAG(0x42, 0, 0));
    if (L4_IpcFailed(tag) || L4_IpcFailed(pager_call(srv))) {
        printf("pingpong: the echo task does not answer\n");
        task_kill(srv);
        return;
    }
    printf("pingpong: echo task %lx in its own space; %d rounds of %d calls, 'q' stops\n",
           srv.raw, ROUNDS, PER_ROUND);
    unsigned long best = ~0ul;
    int r;
    for (r = 1; r <= ROUNDS; r++) {
        if (shell_stop_requested()) {
            printf("pingpong: stopped after %d rounds\n", r - 1);
            break;
        }
        unsigned long t = round_trips(srv, PER_ROUND);
        if (!t) {
            printf("pingpong: IPC failed (error %lx)\n", L4_ErrorCode());
            break;
        }
        if (t < best)
            best = t;
        printf("pingpong: round %d: %lu ticks per round trip (one-way %lu)\n", r, t, t / 2);
        L4_Sleep(L4_TimePeriod(PAUSE_US));
    }
    if (r > ROUNDS)
        printf("pingpong: best %lu ticks per round trip\n", best);
    task_space_note(srv, "pingpong");
    task_kill(srv);
}
