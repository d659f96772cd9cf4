/* IPC ping-pong: round trip L4_Call + L4_ReplyWait measured with rdtsc
 * (under QEMU -icount, guest instructions), in one space and between two,
 * the second without and with a redirector (us). Both partners run at the
 * root task's priority (the fast path's case, docs/ipc.md); the rows
 * "...-lowprio" keep the servers at the default priority below ours.
 * Also: the client loop's own instructions per call (the same loop with
 * a user-level stand-in for the kernel), and the host-time ratio
 * between-spaces / within-a-space (meaningful without -icount only:
 * `make bench` runs it once so). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/space.h>
#include <l4/schedule.h>
#include "libc.h"
#include "pager.h"
#include "echo.h"
#include "tap.h"
#include "benchctr.h"
#include "syslinks.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define N           10000
#define WARMUP      100
#define STACK_WORDS 1024

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[2][STACK_WORDS] __attribute__((aligned(16)));

static struct bench_ctr ctr;     /* the last measure()'s counters (bench kernel) */

static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

/* Child space entry: announce itself to the root task, then serve. */
static void child_main(void)
{
    pager_hello(root_tid);
    echo_serve();
}

static void load_msg(L4_Word_t u)
{
    L4_LoadMR(0, L4ABI_TAG(0x42, u, 0));
    for (L4_Word_t i = 1; i <= u; i++)
        L4_LoadMR((int)i, i);
}

/* Returns the mean round trip in TSC ticks, 0 on an IPC failure. */
static unsigned long measure(L4_ThreadId_t srv, L4_Word_t u)
{
    for (int i = 0; i < WARMUP; i++) {
        load_msg(u);
        if (L4_IpcFailed(pager_call(srv)))
            return 0;
    }
    struct bench_ctr c0, c1;
    bench_ctr_take(&c0);
    load_msg(u);
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        L4_MsgTag_t tag = L4_Call(srv);
        if (L4_IpcFailed(tag) || L4_Label(tag) != 0x42)
            return 0;
    }
    unsigned long long t1 = rdtsc();
    bench_ctr_take(&c1);
    bench_ctr_delta(&c0, &c1, &ctr);
    return (unsigned long)(t1 - t0) / N;     /* fits: no 64-bit division in libl4 */
}

static int report(const char *kind, L4_Word_t u, unsigned long r)
{
    printf("bench: ipc-roundtrip %s %lu words: %lu instructions (one-way %lu)\n",
           kind, u, r, r / 2);
    /* The table's row: one-way, counters per one-way (2 per round trip). */
    char key[40];
    snprintf(key, sizeof(key), "ipc-%s-%lu", kind, u);
    bench_row_delta(key, r / 2, &ctr, 2 * N);
    return r != 0;
}

/* Stand-in for the KIP's sysenter stub: the stub's popl and movl, then
 * straight back where sysexit would go, registers as they came (MR0's
 * label 0x42 and no error, so the loop goes on). */
extern void fake_kip_ipc(void);
__asm__(".text\nfake_kip_ipc:\n\tpopl %ebx\n\tmovl %esp, %ebp\n\tjmp *%ebx\n");
extern L4_Word_t __l4_syslinks[];

/* The loop of measure() with the stand-in: its own instructions per call
 * (the kernel's sysenter..sysexit replaced by one jmp). */
static unsigned long loop_cost(L4_ThreadId_t srv)
{
    L4_Word_t real = __l4_syslinks[L4LIB_SYS_IPC];
    __l4_syslinks[L4LIB_SYS_IPC] = (L4_Word_t)fake_kip_ipc;
    load_msg(0);
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        L4_MsgTag_t tag = L4_Call(srv);
        if (L4_IpcFailed(tag) || L4_Label(tag) != 0x42)
            break;
    }
    unsigned long long t1 = rdtsc();
    __l4_syslinks[L4LIB_SYS_IPC] = real;
    return (unsigned long)(t1 - t0) / N;
}

int main(void)
{
    int good = 1;
    root_tid = L4_Myself();
    L4_Word_t prio = 255;       /* the root task's (ROOT_PRIO) */

    /* Same space: server thread 60 started by its pager's start message. */
    L4_ThreadId_t local = L4_GlobalId(60, 1);
    good &= L4_ThreadControl(local, root_tid, root_tid, root_tid,
                             (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) == 1;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)echo_serve);
    L4_LoadMR(2, stack_top(0));
    good &= L4_IpcSucceeded(L4_Send(local));
    good &= report("intra-space-lowprio", 0, measure(local, 0));
    good &= L4_Set_Priority(local, prio) != 0;
    unsigned long intra = measure(local, 0);
    good &= report("intra-space", 0, intra);
    good &= report("intra-space", 8, measure(local, 8));

    /* Second space, paged by us. */
    L4_ThreadId_t child = L4_GlobalId(70, 1);
    good &= pager_start_child(child, root_tid, child_main, stack_top(1), KIP_AREA, UTCB_AREA);
    /* Serve faults until the child's hello, answer it. */
    L4_MsgTag_t tag = pager_greet(child, pager_answer_fault);
    good &= L4_IpcSucceeded(tag) && L4_Label(tag) == PAGER_HELLO;
    pager_drain(child);
    /* Without a redirector first (comparable with earlier figures), then
     * confined as pager_start_child leaves it: we are its redirector, so
     * its replies to us stay direct but pass the redirection check. */
    L4_Word_t old;
    good &= L4_SpaceControl(child, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                            L4_anythread, &old) == 1;
    good &= report("inter-space-lowprio", 0, measure(child, 0));
    good &= L4_Set_Priority(child, prio) != 0;
    unsigned long inter = measure(child, 0);
    good &= report("inter-space", 0, inter);
    good &= report("inter-space", 8, measure(child, 8));
    good &= report("inter-space", 63, measure(child, 63));
    good &= L4_SpaceControl(child, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                            root_tid, &old) == 1;
    good &= report("inter-space-confined", 0, measure(child, 0));
    good &= report("inter-space-confined", 8, measure(child, 8));

    unsigned long loop = loop_cost(child);
    printf("bench: ipc-loop client: %lu instructions per call (stub and jmp included; "
           "the server's ReplyWait loop: 15)\n", loop);
    good &= loop != 0;
    if (intra)
        printf("bench-host: ipc-host-ratio inter-space/intra-space 0 words: %lu.%02lu "
               "(%lu / %lu TSC ticks)\n",
               inter / intra, (inter % intra) * 100 / intra, inter, intra);

    tap_plan(1);
    ok(good, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
