/* `make trace-demo`: one traced page-fault round trip. A thread in its
 * own space writes to a page it does not have; the kernel sends the fault
 * to its pager (a thread of ours), which maps the page and replies; the
 * thread resumes and reports to the main thread. Tracing is on from just
 * before the write until the report; the dump goes to the console, where
 * tools/trace2chrome turns it into docs/img/trace-demo.{json,png}. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"
#include <l4/space.h>

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define LBL_READY   0x100
#define LBL_DONE    0x200
#define K(kind)     (1ul << (kind))

static L4_ThreadId_t main_tid, pager_tid, client_tid;
static L4_Word_t pager_stack[1024] __attribute__((aligned(16)));
static L4_Word_t client_stack[1024] __attribute__((aligned(16)));
static volatile char target[4096] __attribute__((aligned(4096)));

/* The faulting thread (own space): ready, one write, done. */
static void client_main(void)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_READY, 0, 0));
    L4_Call(main_tid);                  /* main enables tracing, then replies */
    target[0x123] = 42;                 /* the page fault */
    L4_LoadMR(0, L4ABI_TAG(LBL_DONE, 0, 0));
    L4_Call(main_tid);
    for (;;)
        L4_Sleep(L4_Never);
}

/* The pager: starts the client (a new thread waits for its pager's start
 * message), then answers every fault with a 1:1 map of the page. */
static void pager_main(void)
{
    L4_ThreadId_t from;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)client_main);
    L4_LoadMR(2, (L4_Word_t)&client_stack[1020]);
    L4_Send(client_tid);
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (!pager_answer_fault(tag))
            L4_LoadMR(0, 0);
        tag = L4_ReplyWait(from, &from);
    }
}

int main(void)
{
    L4_ThreadId_t from;
    tap_plan(3);
    main_tid = L4_Myself();
    pager_tid = L4_GlobalId(L4_ThreadNo(main_tid) + 1, 1);
    client_tid = L4_GlobalId(L4_ThreadNo(main_tid) + 2, 1);
    L4_ThreadControl(pager_tid, main_tid, main_tid, main_tid,
                     (void *)(UTCB_AREA + 2 * L4ABI_UTCB_SIZE));
    /* The client's space gets everything of ours 1:1 through the pager. */
    L4_Word_t old;
    int started = L4_ThreadControl(client_tid, client_tid, main_tid, L4_nilthread,
                                   (void *)~0ul) == 1 &&
                  L4_SpaceControl(client_tid, 0, L4_FpageLog2(KIP_AREA, 12),
                                  L4_FpageLog2(UTCB_AREA, 20), L4_anythread, &old) == 1 &&
                  L4_ThreadControl(client_tid, client_tid, main_tid, pager_tid,
                                   (void *)UTCB_AREA) == 1;
    L4_Start_SpIp(pager_tid, (L4_Word_t)&pager_stack[1020], (L4_Word_t)pager_main);
    L4_MsgTag_t tag = L4_Wait(&from);
    ok(started && L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_READY,
       "faulting thread %lx started, pager %lx", client_tid.raw, pager_tid.raw);
    /* Names for the picture (tools/trace2chrome reads "@N id name"). */
    printf("@N %lx main\n@N %lx pager\n@N %lx faulting\n", main_tid.raw, pager_tid.raw,
           client_tid.raw);
    L4_KDB_Trace(L4ABI_TRACE_CLEAR, 0, 0, NULL);
    L4_KDB_Trace(L4ABI_TRACE_SET_MASK, K(L4ABI_TRACE_K_IPC) | K(L4ABI_TRACE_K_PF) |
                 K(L4ABI_TRACE_K_MAP) | K(L4ABI_TRACE_K_SWITCH), 0, NULL);
    L4_LoadMR(0, 0);
    tag = L4_ReplyWait(from, &from);
    L4_KDB_Trace(L4ABI_TRACE_SET_MASK, 0, 0, NULL);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE && target[0x123] == 42,
       "the write went through after the pager mapped the page");
    L4_Word_t n = L4_KDB_Trace(L4ABI_TRACE_DUMP, 0, 0, NULL);
    ok(n > 5 && n != ~0ul, "trace dumped: %lu records", n);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
