/* Demo tasks: created, paged and deleted by the shell thread. A task runs
 * code of this binary in a space of its own; its image pages are mapped
 * 1:1 from ours on fault (pager.c). */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include "pager.h"
#include "shell.h"

static L4_Word_t run_version;

L4_ThreadId_t task_tid(L4_Word_t no)
{
    return L4_GlobalId(no, 1 + run_version % 0x3ff0);
}

void task_next_run(void)
{
    run_version++;
}

int task_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp)
{
    return pager_start_child(t, shell_tid, fn, sp, KIP_AREA, UTCB_AREA);
}

L4_MsgTag_t task_wait(L4_ThreadId_t from_spec, L4_Word_t timeout_us, L4_ThreadId_t *from)
{
    L4_Time_t to = timeout_us ? L4_TimePeriod(timeout_us) : L4_Never;
    for (;;) {
        L4_MsgTag_t tag = L4_IsNilThread(from_spec) ? L4_Wait_Timeout(to, from)
                                                    : L4_Receive_Timeout(from_spec, to);
        if (!L4_IsNilThread(from_spec))
            *from = from_spec;
        if (L4_IpcFailed(tag) || !pager_answer_fault(tag))
            return tag;
        L4_Reply(*from);
    }
}

void task_kill(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

void task_done(L4_Word_t status)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_TASK_DONE, 1, 0));
    L4_LoadMR(1, status);
    L4_Send(shell_tid);
    for (;;)
        L4_Sleep(L4_Never);
}
