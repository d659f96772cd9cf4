/* Who may use the kernel debugger interface (docs/abi.md): output from
 * everyone; input, Stat, Enter and Shutdown only from privileged threads,
 * (and the thread list), an unprivileged caller's int3 being a plain #BP
 * exception; a privileged
 * ReadChar_Blocked sleeps instead of holding the CPU. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include "kdbchild.h"

#define LBL_KD_DONE 0x5a0
#define NPRIV_OPS   6
static L4_ThreadId_t kroot;
static char long_string[4000];
static L4_Word_t kstack[1024] __attribute__((aligned(16)));

/* Runs in its own, unprivileged space (1:1 pages of ours). */
static void kdebug_child(void)
{
    L4_Set_ExceptionHandler(kroot);
    L4_KDB_PrintString("misc: kdebug PrintString from an unprivileged space\n");
    L4_KDB_PrintString(long_string);
    L4_KDB_PrintChar('\n');
    L4_Word_t got[3];
    got[0] = (unsigned char)L4_KDB_ReadChar_Blocked();
    got[1] = (unsigned char)L4_KDB_ReadChar();
    got[2] = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    L4_KDB_Enter("unprivileged Enter");
    L4_KDB_Shutdown(7);
    static struct l4abi_kdb_thread ents[4];
    L4_Word_t next = 0;
    (void)L4_KDB_ThreadList(ents, 4, &next);
    kdbchild_done(kroot, LBL_KD_DONE, 3, got);
}

static void test_unprivileged(void)
{
    L4_ThreadId_t child = L4_GlobalId(91, 1);
    kroot = L4_Myself();
    for (unsigned i = 0; i + 1 < sizeof(long_string); i++)
        long_string[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    int started = pager_start_child(child, kroot, kdebug_child, (L4_Word_t)&kstack[1020],
                                    0xbff00000, 0xbfe00000);
    ok(started, "unprivileged child space started");
    /* 'A' + i: resume after the int3 with a value we can recognize. */
    int bps = started ? kdbchild_answer_bps(child, NPRIV_OPS, 'A') : 0;
    ok(bps == NPRIV_OPS, "ReadChar_Blocked, ReadChar, Stat, Enter, Shutdown and ThreadList from an "
       "unprivileged thread are #BP exceptions to its handler (%d of %d)", bps, NPRIV_OPS);
    L4_Word_t res[4] = { 0 };
    if (bps == NPRIV_OPS)
        kdbchild_report(child, LBL_KD_DONE, 3, res);
    ok(res[1] == 'A' && res[2] == 'B' && res[3] == 'C',
       "the child resumed with the handler's eax each time; the machine is still up");
    L4_ThreadControl(child, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

/* ---- a privileged ReadChar_Blocked without input ---- */
static volatile unsigned long counter;
static volatile int reader_done;
static L4_Word_t cstack[512] __attribute__((aligned(16))), rstack[512] __attribute__((aligned(16)));

static void counter_main(void)
{
    for (;;)
        counter++;
}

static void reader_main(void)
{
    (void)L4_KDB_ReadChar_Blocked();
    reader_done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void test_privileged_readchar(void)
{
    L4_ThreadId_t me = L4_Myself(), c = L4_GlobalId(82, 1), r = L4_GlobalId(83, 1);
    L4_ThreadControl(c, me, me, me, (void *)(0xbfe00000u + 3 * L4ABI_UTCB_SIZE));
    L4_ThreadControl(r, me, me, me, (void *)(0xbfe00000u + 4 * L4ABI_UTCB_SIZE));
    L4_Set_Priority(r, 200);            /* above the counter */
    L4_Start_SpIp(c, (L4_Word_t)&cstack[508], (L4_Word_t)counter_main);
    L4_Start_SpIp(r, (L4_Word_t)&rstack[508], (L4_Word_t)reader_main);
    L4_Sleep(L4_TimePeriod(20000));
    unsigned long c0 = counter;
    L4_Sleep(L4_TimePeriod(20000));
    unsigned long c1 = counter;
    ok(!reader_done && c1 > c0, "a higher-priority thread waiting in ReadChar_Blocked "
       "(no input) lets lower ones run (%lu -> %lu)", c0, c1);
    L4_ThreadControl(r, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(c, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_Clock_t a = L4_SystemClock();
    L4_Sleep(L4_TimePeriod(5000));
    L4_Clock_t b = L4_SystemClock();
    ok(b.raw - a.raw >= 5000, "the waiting reader deleted cleanly; timers still run");
}

void test_kdebug(void)
{
    test_unprivileged();
    test_privileged_readchar();
}
