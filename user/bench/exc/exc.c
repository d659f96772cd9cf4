/* Exception and CPU-virtualization costs, in TSC ticks (guest instructions
 * under QEMU -icount, instructions under Bochs with clock sync=none):
 *   - exception IPC round trip: ud2 -> handler -> reply (eip += 2) -> resume,
 *     and the same for #DE (divl %ecx by zero, the issue-11 figure; the
 *     bench table's row with the bench kernel's counters)
 *   - one cli/sti pair (trap + emulation without PVI; no trap with PVI)
 *   - IPC round trip between two threads, without and with FPU state to
 *     move on every switch (both touch the x87 each round); `make bench`
 *     runs this program with lazy (default) and eager (fpu=eager) FPU
 *     switching. */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "benchctr.h"

#define UTCB_AREA   0xbfe00000u
#define N           2000
#define WARMUP      50
#define STACK_WORDS 1024

static L4_ThreadId_t root_tid;
static L4_Word_t stacks[2][STACK_WORDS] __attribute__((aligned(16)));
static volatile unsigned long result_ticks, result_de;
static struct bench_ctr de0, de1;
static volatile int use_fpu;

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static void sleep_forever(void) { for (;;) L4_Sleep(L4_Never); }

/* ---- exception round trip: this thread faults, root handles ---- */
static void ud2(void) { __asm__ volatile("ud2" ::: "memory"); }
/* divl %ecx (f7 f1, 2 bytes) with ecx = 0: #DE. */
static void div0(void) { __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx", "memory"); }

static void faulter_main(void)
{
    L4_Set_ExceptionHandler(root_tid);
    for (int i = 0; i < WARMUP; i++)
        ud2();
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++)
        ud2();
    result_ticks = (unsigned long)(rdtsc() - t0) / N;
    for (int i = 0; i < WARMUP; i++)
        div0();
    bench_ctr_take(&de0);
    t0 = rdtsc();
    for (int i = 0; i < N; i++)
        div0();
    result_de = (unsigned long)(rdtsc() - t0) / N;
    bench_ctr_take(&de1);
    L4_LoadMR(0, L4ABI_TAG(0x600, 0, 0));
    L4_Send(root_tid);
    sleep_forever();
}

static unsigned long exception_roundtrip(L4_ThreadId_t t)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Receive(t);
    for (;;) {
        if (L4_IpcFailed(tag))
            return 0;
        if (L4_Label(tag) == 0x600)
            return result_ticks;
        /* A lean but complete X.2 handler: the reply is all 12 words of
         * the register image, which are still in our MR1..MR12 as they
         * came; only EIP changes (past the 2-byte instruction). */
        L4_Word_t eip;
        L4_StoreMR(L4ABI_EXC_MR_EIP, &eip);
        L4_LoadMR(L4ABI_EXC_MR_EIP, eip + 2);
        L4_LoadMR(0, L4ABI_TAG(0, 12, 0));
        tag = L4_ReplyWait(t, &from);
    }
}

/* ---- cli/sti ---- */
static unsigned long cli_sti(void)
{
    for (int i = 0; i < WARMUP; i++)
        __asm__ volatile("cli; sti");
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++)
        __asm__ volatile("cli; sti");
    return (unsigned long)(rdtsc() - t0) / N;
}

/* ---- IPC with and without FPU state ---- */
static inline void touch_fpu(void) { __asm__ volatile("fld1; fstp %st(0)"); }

static void echo_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (use_fpu)
            touch_fpu();
        L4_LoadMR(0, L4ABI_TAG(0, 0, 0));
        tag = L4_ReplyWait(from, &from);
        if (L4_IpcFailed(tag))
            tag = L4_Wait(&from);
    }
}

static unsigned long ipc_roundtrip(L4_ThreadId_t srv, int fpu)
{
    use_fpu = fpu;
    for (int i = 0; i < WARMUP; i++) {
        if (fpu)
            touch_fpu();
        L4_LoadMR(0, 0);
        L4_Call(srv);
    }
    unsigned long long t0 = rdtsc();
    for (int i = 0; i < N; i++) {
        if (fpu)
            touch_fpu();
        L4_LoadMR(0, 0);
        if (L4_IpcFailed(L4_Call(srv)))
            return 0;
    }
    return (unsigned long)(rdtsc() - t0) / N;
}

int main(void)
{
    int good = 1;
    root_tid = L4_Myself();
    int pvi = (int)L4_KDB_Stat(L4ABI_KDB_STAT_PVI);

    L4_ThreadId_t f = L4_GlobalId(60, 1);
    good &= L4_ThreadControl(f, root_tid, root_tid, L4_nilthread,
                             (void *)(UTCB_AREA + L4ABI_UTCB_SIZE)) == 1;
    L4_Start_SpIp(f, (L4_Word_t)&stacks[0][STACK_WORDS - 4], (L4_Word_t)faulter_main);
    unsigned long exc = exception_roundtrip(f);
    good &= exc != 0;
    printf("bench: exception-ipc-roundtrip (ud2, handler, reply, resume): %lu instructions\n", exc);
    printf("bench: exception-ipc-roundtrip (#DE, handler, reply, resume): %lu instructions\n",
           result_de);
    bench_row("exception", result_de, &de0, &de1, N);

    L4_Word_t traps0 = L4_KDB_Stat(L4ABI_KDB_STAT_VIF_TRAPS);
    unsigned long cs = cli_sti();
    L4_Word_t traps = L4_KDB_Stat(L4ABI_KDB_STAT_VIF_TRAPS) - traps0;
    printf("bench: cli+sti pair (%s, %lu traps): %lu instructions\n",
           pvi ? "PVI" : "trap and emulate", traps, cs);
    good &= pvi ? traps == 0 : traps == 2 * (N + WARMUP);

    L4_ThreadId_t e = L4_GlobalId(61, 1);
    good &= L4_ThreadControl(e, root_tid, root_tid, L4_nilthread,
                             (void *)(UTCB_AREA + 2 * L4ABI_UTCB_SIZE)) == 1;
    L4_Start_SpIp(e, (L4_Word_t)&stacks[1][STACK_WORDS - 4], (L4_Word_t)echo_main);
    unsigned long plain = ipc_roundtrip(e, 0);
    L4_Word_t nm0 = L4_KDB_Stat(L4ABI_KDB_STAT_FPU_TRAPS);
    unsigned long fpu = ipc_roundtrip(e, 1);
    L4_Word_t nm = L4_KDB_Stat(L4ABI_KDB_STAT_FPU_TRAPS) - nm0;
    good &= plain && fpu;
    const char *mode = L4_KDB_Stat(L4ABI_KDB_STAT_FPU_EAGER) ? "eager" : "lazy";
    printf("bench: ipc-roundtrip without FPU state (%s FPU switching): %lu instructions\n",
           mode, plain);
    printf("bench: ipc-roundtrip with FPU state moved both ways (%s FPU switching): "
           "%lu instructions (%lu #NM traps over %d round trips)\n", mode, fpu, nm, N + WARMUP);

    tap_plan(1);
    ok(good, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
