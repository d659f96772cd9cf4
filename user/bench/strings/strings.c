/* String-copy IPC: a 4 KiB string sent with L4_Call to a server in another
 * space, which replies with a 4 KiB string (or untyped). Buffers are mapped
 * before measuring. rdtsc counts guest instructions under QEMU -icount. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define N           2000
#define WARMUP      50
#define STACK_WORDS 1024
#define LEN         4096u

static L4_ThreadId_t root_tid;
static L4_Word_t stack[STACK_WORDS] __attribute__((aligned(16)));
static char srv_buf[LEN] __attribute__((aligned(4096)));
static char cli_out[LEN] __attribute__((aligned(4096)));
static char cli_in[LEN] __attribute__((aligned(4096)));

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static void accept_string(char *buf)
{
    L4_LoadBR(0, L4ABI_ACCEPT_STRINGS);
    L4_LoadBR(1, L4ABI_STRITEM_W0(LEN, 1, 0, 0));
    L4_LoadBR(2, (L4_Word_t)buf);
}

/* Server in the child space: label 1 = reply with a 4 KiB string, else
 * reply untyped. Its buffer is touched first so copies never fault. */
static void server_main(void)
{
    for (L4_Word_t i = 0; i < LEN; i += 4096)
        srv_buf[i] = 1;
    L4_LoadMR(0, L4ABI_TAG(0x99, 0, 0));
    L4_Call(root_tid);
    accept_string(srv_buf);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (L4_Label(tag) == 1) {
            L4_LoadMR(0, L4ABI_TAG(0x42, 0, 2));
            L4_LoadMR(1, L4ABI_STRITEM_W0(LEN, 1, 0, 0));
            L4_LoadMR(2, (L4_Word_t)srv_buf);
        } else {
            L4_LoadMR(0, L4ABI_TAG(0x42, 0, 0));
        }
        tag = L4_ReplyWait(from, &from);
    }
}

static int call_once(L4_ThreadId_t srv, int reply_string)
{
    L4_LoadMR(0, L4ABI_TAG(reply_string ? 1 : 0, 0, 2));
    L4_LoadMR(1, L4ABI_STRITEM_W0(LEN, 1, 0, 0));
    L4_LoadMR(2, (L4_Word_t)cli_out);
    L4_MsgTag_t tag = L4_Call(srv);
    while (L4_IpcSucceeded(tag) && pager_answer_fault(tag)) {    /* warm-up only */
        L4_ThreadId_t from;
        tag = L4_Ipc(srv, srv, L4_Timeouts(L4_Never, L4_Never), &from);
    }
    return L4_IpcSucceeded(tag) && L4_Label(tag) == 0x42 &&
           L4_TypedWords(tag) == (reply_string ? 2u : 0u);
}

/* Mean round trip in TSC ticks, 0 on a failure. */
static unsigned long measure(L4_ThreadId_t srv, int reply_string)
{
    accept_string(cli_in);
    for (int i = 0; i < WARMUP; i++)
        if (!call_once(srv, reply_string))
            return 0;
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++)
        if (!call_once(srv, reply_string))
            return 0;
    unsigned long long t1 = rdtsc();
    return (unsigned long)(t1 - t0) / N;
}

int main(void)
{
    int good = 1;
    root_tid = L4_Myself();
    for (L4_Word_t i = 0; i < LEN; i++)
        cli_out[i] = (char)i;
    memset(cli_in, 0, LEN);

    L4_ThreadId_t child = L4_GlobalId(70, 1);
    good &= pager_start_child(child, root_tid, server_main, (L4_Word_t)&stack[STACK_WORDS - 4],
                              KIP_AREA, UTCB_AREA);
    /* Serve its faults until its hello, then let it wait for work; the
     * first calls (warm-up) may still fault on code pages. */
    L4_MsgTag_t tag = pager_receive(child);
    good &= L4_IpcSucceeded(tag) && L4_Label(tag) == 0x99;
    L4_LoadMR(0, 0);
    L4_Reply(child);
    pager_drain(child);     /* faults until it waits for us */

    unsigned long both = measure(child, 1);
    unsigned long one = measure(child, 0);
    good &= both && one && memcmp(cli_in, cli_out, LEN) == 0;
    printf("bench: string-ipc 4096 bytes each way, inter-space round trip: %lu instructions\n",
           both);
    printf("bench: string-ipc 4096 bytes there, untyped reply, inter-space round trip: %lu instructions\n",
           one);

    tap_plan(1);
    ok(good, "benchmark ran, data intact");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
