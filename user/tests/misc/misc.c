/* The remaining X.2 system calls: MemoryControl, ProcessorControl,
 * SystemClock, and bad arguments to them. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/misc.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include <l4/ipc.h>
#include <l4/schedule.h>

static char page[4096] __attribute__((aligned(4096)));
static L4_Word_t stack[512] __attribute__((aligned(16)));
static volatile L4_Word_t recv_err, recv_ok;

/* Waits for one message and records what the kernel said about it. */
static void receiver(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    recv_ok = L4_IpcSucceeded(tag);
    recv_err = L4_ErrorCode();
    for (;;)
        L4_Sleep(L4_Never);
}

/* Unused user address space: never mapped (crt0 touches all of .bss). */
#define UNTOUCHED ((volatile char *)0x30000000)
static volatile int nopager_done;
static L4_Word_t stack2[512] __attribute__((aligned(16)));

static void touch_untouched(void)
{
    *UNTOUCHED = 1;             /* faults; the pager does not exist */
    nopager_done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A page fault whose pager does not exist stops the thread (the console
 * says why); nothing else is disturbed. */
static void test_no_pager(void)
{
    L4_ThreadId_t me = L4_Myself(), t = L4_GlobalId(81, 1);
    nopager_done = 0;
    stack2[0] = 0;              /* our own pages are mapped */
    ok(L4_ThreadControl(t, me, me, L4_GlobalId(5000, 1),
                        (void *)(0xbfe00000u + 2 * L4ABI_UTCB_SIZE)) == 1,
       "thread created with a pager that does not exist");
    L4_Start_SpIp(t, (L4_Word_t)&stack2[508], (L4_Word_t)touch_untouched);
    L4_Sleep(L4_TimePeriod(5000));
    L4_Word_t ctl, sp, ip, flags, handle;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &flags, &handle, &pager);
    ok(!nopager_done && (ctl & L4ABI_EXREGS_STATE_HALTED) &&
       ip >= (L4_Word_t)touch_untouched && ip < (L4_Word_t)touch_untouched + 64,
       "its page fault stopped it at the faulting instruction (state %lx, ip %lx)", ctl, ip);
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void test_ipc_bad_input(void)
{
    L4_ThreadId_t me = L4_Myself(), r = L4_GlobalId(80, 1);
    L4_ThreadControl(r, me, me, me, (void *)(0xbfe00000u + L4ABI_UTCB_SIZE));
    L4_Start_SpIp(r, (L4_Word_t)&stack[508], (L4_Word_t)receiver);
    L4_ThreadSwitch(r);                 /* let it start waiting */
    /* 63 untyped + 10 typed words do not fit into 64 message registers */
    L4_LoadMR(0, L4ABI_TAG(0x77, 63, 10));
    L4_MsgTag_t tag = L4_Send(r);
    L4_Word_t err = L4_ErrorCode();
    L4_ThreadSwitch(r);
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(err) == L4ABI_IPCERR_OVERFLOW && !(err & 1),
       "overlong message: message overflow in the send phase (%lx)", err);
    ok(!recv_ok && L4ABI_IPCERR_CODE(recv_err) == L4ABI_IPCERR_OVERFLOW && (recv_err & 1),
       "... and in the receiver's receive phase (%lx)", (L4_Word_t)recv_err);
    L4_ThreadControl(r, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);

    /* m = 0 is a zero timeout whatever the exponent */
    L4_Time_t zero_e5 = { .raw = L4ABI_TIME_PERIOD(0, 5) };
    L4_Clock_t t0 = L4_SystemClock();
    tag = L4_Receive_Timeout(me, zero_e5);
    L4_Clock_t t1 = L4_SystemClock();
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_TIMEOUT &&
       t1.raw - t0.raw < 1000, "period with m = 0 and e = 5 is a zero timeout");

    /* An absolute time point ~3 ms ahead: e = 0 gives a 2^11 us window,
     * so express the point with e = 2 (units of 4 us, window 8 ms). */
    L4_Clock_t now = L4_SystemClock();
    L4_Word_t when = (L4_Word_t)now.raw + 3000;
    L4_Word_t m = (when >> 2) & 0x3ff, c = (when >> 12) & 1;
    L4_Time_t point = { .raw = (L4_Word16_t)(L4ABI_TIME_POINT | (2u << L4ABI_TIME_POINT_E_SHIFT) |
                                              (c ? L4ABI_TIME_POINT_C : 0) | m) };
    tag = L4_Receive_Timeout(me, point);
    L4_Clock_t after = L4_SystemClock();
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_TIMEOUT &&
       after.raw >= when - 4 && after.raw < when + 8000,
       "absolute time point expires at its time (%lu us late)",
       (unsigned long)(after.raw - (when - 4)));
}

static L4_Word_t memctl(L4_Word_t fpage, L4_Word_t attr0)
{
    L4_Word_t attrs[4] = { attr0, L4ABI_MEMATTR_DEFAULT, L4ABI_MEMATTR_DEFAULT,
                           L4ABI_MEMATTR_DEFAULT };
    L4_LoadMR(0, fpage);
    return L4_MemoryControl(0, attrs);
}

void test_kdebug(void);         /* kdebug.c */
void test_thread_list(void);    /* threadlist.c */

int main(void)
{
    tap_plan(30);
    page[0] = 1;                        /* mapped */
    L4_Word_t fp = L4ABI_FPAGE((L4_Word_t)page, 12, 0);     /* attribute 0 */

    ok(memctl(fp, L4ABI_MEMATTR_WRITETHROUGH) == 1, "MemoryControl: write-through accepted");
    page[1] = 2;
    ok(page[0] == 1 && page[1] == 2, "memory still works after a caching change");
    ok(memctl(fp, L4ABI_MEMATTR_UNCACHEABLE) == 1, "MemoryControl: uncacheable accepted");
    ok(memctl(fp, L4ABI_MEMATTR_WRITECOMBINING) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "MemoryControl: write-combining refused without PAT");
    ok(memctl(L4ABI_FPAGE((L4_Word_t)page, 4, 0), L4ABI_MEMATTR_DEFAULT) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM, "MemoryControl: fpage below 4 KiB refused");
    ok(memctl(fp, L4ABI_MEMATTR_WRITEBACK) == 1, "MemoryControl: back to write-back");

    ok(L4_ProcessorControl(0, 0, 0, 0) == 1, "ProcessorControl on processor 0");
    ok(L4_ProcessorControl(1, 0, 0, 0) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "ProcessorControl on a processor that does not exist refused");

    L4_Clock_t a = L4_SystemClock();
    for (volatile int i = 0; i < 100000; i++)
        ;
    L4_Clock_t b = L4_SystemClock();
    ok(b.raw > a.raw, "SystemClock advances (%lu us)", (unsigned long)(b.raw - a.raw));
    test_ipc_bad_input();
    test_no_pager();
    test_kdebug();
    test_thread_list();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
