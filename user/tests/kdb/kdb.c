/* The kernel debugger (docs/kdb.md).
 *
 * In-guest part (suite `kdb`, TAP): an unprivileged thread can neither
 * enter the debugger nor read anything through the kdebug interface
 * (Enter, ReadChar and Stat are plain #BP exceptions to its handler) and
 * the debugger's entry count stays unchanged; a privileged one reads it.
 *
 * With "interactive" on its command line it then becomes the target of
 * the host-driven test tools/kdb-test.py: it prints the addresses the
 * script needs and spins in user mode with interrupts on, calling
 * kdb_target, until the debugger writes kdb_go (`w`). Then it makes a
 * known IPC sequence, calls to a helper thread with labels 0x7a1..0x7a3
 * (the helper replies with label + 0x100), and enters the debugger again,
 * which the script had told to trace IPC: `trace dump` must show them. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include "bootargs.h"
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "kdbchild.h"
#include "thread.h"
#include <stdbool.h>

static L4_ThreadId_t kroot;
static L4_Word_t kstack[1024] __attribute__((aligned(16)));
static void *kip;

/* ---- unprivileged ---------------------------------------------------------- */
#define LBL_DONE 0x5b0
static void child(void)
{
    L4_Set_ExceptionHandler(kroot);
    L4_KDB_Enter("unprivileged Enter");
    L4_Word_t got[2];
    got[0] = (unsigned char)L4_KDB_ReadChar();
    got[1] = L4_KDB_Stat(L4ABI_KDB_STAT_KDB_ENTRIES);
    kdbchild_done(kroot, LBL_DONE, 2, got);
}

static void test_unprivileged(void)
{
    L4_ThreadId_t ch = L4_GlobalId(91, 1);
    kroot = L4_Myself();
    L4_Word_t before = L4_KDB_Stat(L4ABI_KDB_STAT_KDB_ENTRIES);
    ok(before != ~0ul, "the kernel has the debugger (entries so far: %lu)", before);
    int started = pager_start_child(ch, kroot, child, (L4_Word_t)&kstack[1020],
                                    0xbff00000, 0xbfe00000);
    ok(started, "unprivileged child space started");
    int bps = started ? kdbchild_answer_bps(ch, 3, 0x70) : 0;
    ok(bps == 3, "Enter, ReadChar and Stat from an unprivileged thread are #BP "
       "exceptions to its handler (%d of 3)", bps);
    L4_Word_t res[3] = { 0 };
    if (bps == 3)
        kdbchild_report(ch, LBL_DONE, 2, res);
    ok(res[1] == 0x71 && res[2] == 0x72, "it read nothing through the debugger: it got "
       "its handler's values (%lx %lx)", res[1], res[2]);
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_KDB_ENTRIES) == before,
       "the debugger was not entered");
    thread_delete(ch);
}

/* ---- target of the host-driven test ------------------------------------ */
volatile unsigned kdb_go;
volatile unsigned kdb_watched;
char kdb_pattern[32] __attribute__((aligned(16))) = "PECAN-KDB-PATTERN";

__attribute__((noinline)) unsigned kdb_target(unsigned x)
{
    unsigned r = x * 3 + 1;
    if (r & 4)
        r ^= 0x55;
    kdb_watched = r;
    return r;
}

/* Several CPUs: a thread on CPU 1 keeps calling kdb_target1 (another
 * function than kdb_target, which we call on CPU 0), where the host sets
 * a breakpoint from a session entered on CPU 0: it must fire on CPU 1. */
volatile unsigned kdb_watched1;
__attribute__((noinline)) unsigned kdb_target1(unsigned x)
{
    unsigned r = x * 5 + 2;
    kdb_watched1 = r;
    return r;
}

static L4_Word_t cpu1_stack[1024] __attribute__((aligned(16)));

static void cpu1_main(void)
{
    for (unsigned i = 0;; i++)
        kdb_target1(i);
}

/* The helper thread in our own space: replies to each call with the
 * call's label + 0x100. */
#define UTCB_AREA 0xbfe00000u
#define LBL_CALL  0x7a1
static L4_ThreadId_t helper;
static L4_Word_t helper_stack[1024] __attribute__((aligned(16)));

static void helper_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_LoadMR(0, L4ABI_TAG(L4_Label(tag) + 0x100, 0, 0));
        tag = L4_ReplyWait(from, &from);
    }
}

static void start_helper(void)
{
    L4_ThreadId_t me = L4_Myself();
    helper = L4_GlobalId(L4_ThreadNo(me) + 1, 1);
    L4_ThreadControl(helper, me, me, me, (void *)(UTCB_AREA + 3 * L4ABI_UTCB_SIZE));
    L4_Start_SpIp(helper, (L4_Word_t)&helper_stack[1020], (L4_Word_t)helper_main);
    /* A first call: the helper (below our priority) has run up to its
     * receive, so the traced calls later are IPC and nothing else. */
    L4_LoadMR(0, L4ABI_TAG(LBL_CALL - 1, 0, 0));
    L4_Call(helper);
}

/* Three calls; each reply's label checked. */
static void known_ipc_sequence(void)
{
    int good = 0;
    for (L4_Word_t i = 0; i < 3; i++) {
        L4_LoadMR(0, L4ABI_TAG(LBL_CALL + i, 0, 0));
        L4_MsgTag_t tag = L4_Call(helper);
        good += L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_CALL + i + 0x100;
    }
    printf("kdb-target: %d of 3 calls to the helper answered\n", good);
    L4_KDB_Enter("kdb-target: calls done");
}

/* On CPU 1 (if there is one), below our priority as the helper is. */
static void start_cpu1(void)
{
    if (L4_NumProcessors(kip) < 2)
        return;
    L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(L4_Myself()) + 2, 1);
    if (L4_IsNilThread(thread_create(t, L4_nilthread, cpu1_stack, 1024,
                                     UTCB_AREA + 4 * L4ABI_UTCB_SIZE)))
        return;
    L4_Set_ProcessorNo(t, 1);
    thread_run(t, cpu1_main, cpu1_stack, 1024);
    printf("kdb-target: cpu1 %lx target1 %p\n", t.raw, (void *)kdb_target1);
}

static void interactive(void)
{
    start_helper();
    printf("kdb-target: root %lx pattern %p go %p watched %p target %p\n",
           L4_Myself().raw, (void *)kdb_pattern, (void *)&kdb_go, (void *)&kdb_watched,
           (void *)kdb_target);
    printf("kdb-target: helper %lx\n", helper.raw);
    start_cpu1();
    L4_KDB_Enter("kdb-target: privileged Enter");
    printf("kdb-target: spinning\n");
    unsigned i = 0;
    while (!kdb_go)
        kdb_target(i++);
    printf("kdb-target: done after %u calls\n", i);
    known_ipc_sequence();
}

int main(void)
{
    L4_Word_t ver, flags, id;
    kip = L4_KernelInterface(&ver, &flags, &id);
    tap_plan(5);
    test_unprivileged();
    if (boot_has_word(boot_own_cmdline(NULL), "interactive"))
        interactive();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
