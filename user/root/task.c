/* Demo tasks: created, paged and deleted by the shell thread. A task runs
 * code of this binary in a space of its own; its image pages are mapped
 * 1:1 from ours on fault (pager.c).
 *
 * Small servers (the drivers, the echo server) go into a small space by
 * default (docs/smallspaces.md): a 32 MiB window holding our image and
 * their KIP and UTCB areas, so switching to them writes no CR3. libl4's
 * system-call links are absolute addresses in our KIP (0xbff00000, far
 * outside the window); the page holding the link table is the one page
 * such a task gets as a private copy, its links moved to the task's KIP. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include "libc.h"
#include "pager.h"
#include "links.h"
#include "thread.h"
#include "shell.h"

static L4_Word_t run_version;
int task_small = 1;

static char links_copy[PAGE] __attribute__((aligned(PAGE)));
static L4_Word_t links_page;
static L4_ThreadId_t links_task;    /* the task that gets links_copy; nil: none */

L4_ThreadId_t task_tid(L4_Word_t no)
{
    return L4_GlobalId(no, 1 + run_version % 0x3ff0);
}

void task_next_run(void)
{
    run_version++;
    links_task = L4_nilthread;
}

int task_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp)
{
    return pager_start_child(t, shell_tid, fn, sp, KIP_AREA, UTCB_AREA);
}

/* Creates t's space small (its areas in the window, confined: we are its
 * redirector), its first thread paged by us, and starts it. */
static int start_small(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp, L4_Word_t *old)
{
    L4_ThreadId_t me = L4_Myself();
    if (!pager_start_space(t, me, fn, sp, L4ABI_SPACE_SMALL | L4_SmallSpace(0, SMALL_WINDOW_MB),
                           SMALL_KIP_AREA, SMALL_UTCB_AREA, me, old)) {
        task_kill(t);
        return 0;
    }
    return 1;
}

int task_start_server(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp, const char *who)
{
    L4_Word_t old = 0;
    if (task_small)
        links_page = links_make_copy(links_copy, SMALL_KIP_AREA);
    if (!task_small || !links_page) {
        printf("%s: task in a large space%s\n", who, task_small ? "" : " (nosmall)");
        return task_start(t, fn, sp);
    }
    links_task = t;
    if (!start_small(t, fn, sp, &old))
        return 0;
    if (old & L4ABI_SPACE_SMALL)
        printf("%s: task in a small space (%u MiB window at 0)\n", who, SMALL_WINDOW_MB);
    else
        printf("%s: small space refused, task in a large space\n", who);
    return 1;
}

void task_space_note(L4_ThreadId_t t, const char *who)
{
    L4_Word_t ctl;
    if (L4_IsNilThread(links_task) || links_task.raw != t.raw)
        return;
    /* No s bit, nil areas: changes nothing, reports the descriptor. */
    if (L4_SpaceControl(t, 0, L4_Nilpage, L4_Nilpage, L4_nilthread, &ctl) != 1)
        return;
    if (ctl)
        printf("%s: task still in its small space at its end\n", who);
    else
        printf("%s: task was made large while it ran (promoted)\n", who);
}

/* A page fault of the task: the link page's copy for the task that has
 * one, anything else 1:1 from us. Returns 1 if tag was a fault. */
static int answer_fault(L4_MsgTag_t tag, L4_ThreadId_t from)
{
    if (!L4_IsNilThread(links_task) && from.raw == links_task.raw &&
        links_answer_fault(tag, links_copy, links_page))
        return 1;
    return pager_answer_fault(tag);
}

L4_MsgTag_t task_wait(L4_ThreadId_t from_spec, L4_Word_t timeout_us, L4_ThreadId_t *from)
{
    L4_Time_t to = timeout_us ? L4_TimePeriod(timeout_us) : L4_Never;
    for (;;) {
        L4_MsgTag_t tag = L4_IsNilThread(from_spec) ? L4_Wait_Timeout(to, from)
                                                    : L4_Receive_Timeout(from_spec, to);
        if (!L4_IsNilThread(from_spec))
            *from = from_spec;
        if (L4_IpcFailed(tag) || !answer_fault(tag, *from))
            return tag;
        L4_Reply(*from);
    }
}

void task_kill(L4_ThreadId_t t)
{
    thread_delete(t);
}

void task_done(L4_Word_t status)
{
    L4_LoadMR(0, L4ABI_TAG(LBL_TASK_DONE, 1, 0));
    L4_LoadMR(1, status);
    L4_Send(shell_tid);
    for (;;)
        L4_Sleep(L4_Never);
}
