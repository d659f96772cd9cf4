/* What the trace buffer costs the IPC fast path: an intra-space round
 * trip (L4_Call + L4_ReplyWait, 0 words; two messages, two switches) with
 * tracing off, on (IPC and switch records), and on but filtered to a
 * thread that is not involved. `make bench` runs it on the default kernel
 * (TRACE=1) and on one built with TRACE=0, where the hooks are compiled
 * away; the difference "off" minus "compiled out" is what the disabled
 * hooks cost (guest instructions under -icount). */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"

#define UTCB_AREA   0xbfe00000u
#define N           10000
#define WARMUP      100
#define K(kind)     (1ul << (kind))

static L4_Word_t stack[1024] __attribute__((aligned(16)));

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static void server_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Set_MsgTag(tag);
        tag = L4_ReplyWait(from, &from);
    }
}

/* Mean round trip in TSC ticks; 0 on an IPC failure. */
static unsigned long measure(L4_ThreadId_t srv)
{
    for (int i = 0; i < WARMUP; i++) {
        L4_LoadMR(0, L4ABI_TAG(0x42, 0, 0));
        if (L4_IpcFailed(L4_Call(srv)))
            return 0;
    }
    L4_LoadMR(0, L4ABI_TAG(0x42, 0, 0));
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++)
        if (L4_IpcFailed(L4_Call(srv)))
            return 0;
    return (unsigned long)(rdtsc() - t0) / N;
}

int main(void)
{
    L4_ThreadId_t me = L4_Myself(), srv = L4_GlobalId(60, 1);
    int good = L4_ThreadControl(srv, me, me, me, (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) == 1;
    L4_Start_SpIp(srv, (L4_Word_t)&stack[1020], (L4_Word_t)server_main);
    /* ~0: the kernel was built with TRACE=0 (the control call is refused). */
    int built_in = L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 0, 0, NULL) != ~0ul;
    unsigned long off = measure(srv);
    good &= off != 0;
    printf("bench: trace ipc-roundtrip %s: %lu instructions\n",
           built_in ? "tracing off" : "TRACE=0 (compiled out)", off);
    if (built_in) {
        L4_KDB_Trace(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC) | K(L4ABI_TRACE_K_SWITCH), 0, NULL);
        unsigned long on = measure(srv);
        L4_KDB_Trace(L4ABI_TRACE_SET_THREAD, L4_GlobalId(99, 1).raw, 0, NULL);
        unsigned long filtered = measure(srv);
        L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 0, 0, NULL);
        L4_KDB_Trace(L4ABI_TRACE_SET_THREAD, 0, 0, NULL);
        L4_KDB_Trace(L4ABI_TRACE_CLEAR, 0, 0, NULL);
        good &= on != 0 && filtered != 0;
        printf("bench: trace ipc-roundtrip tracing on (ipc+switch, 6 records): %lu instructions\n", on);
        printf("bench: trace ipc-roundtrip tracing on, other thread filtered: %lu instructions\n",
               filtered);
    }
    tap_plan(1);
    ok(good, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
