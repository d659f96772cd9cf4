/* The launcher shell of the demo root task (user/root): shared by the
 * shell's command loop, its demos and the task helpers. The shell is a
 * thread of the root task's (privileged) space; each demo runs as a task
 * of its own, paged 1:1 from our image by the shell thread, which waits
 * for it and deletes it when it is done or stopped. */
#ifndef ROOT_SHELL_H
#define ROOT_SHELL_H

#include <l4/types.h>
#include <l4/ipc.h>

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define PAGE        4096u

/* Thread numbers of the root task's own threads (main: 50). */
#define SHELL_NO    60
#define ANON_DM_NO  61
#define FILE_DM_NO  62
/* UTCB slots in the root task's UTCB area. */
#define SHELL_UTCB  1
#define ANON_UTCB   2
#define FILE_UTCB   3

/* Demo tasks: first thread numbers (each task uses a few from there). */
#define TASK_PINGPONG   100
#define TASK_SERIAL     104
#define TASK_KBD        108
#define TASK_VMM        112
#define TASK_DS         116

/* Small spaces (docs/smallspaces.md): a driver-like demo task gets a
 * 32 MiB window at offset 0 of the small-space region; its KIP and UTCB
 * areas lie inside, like our image (linked at 16 MiB), which it runs.
 * Only one demo runs at a time, so the window is always free. */
#define SMALL_UTCB_AREA 0x01e00000u
#define SMALL_KIP_AREA  0x01f00000u
#define SMALL_WINDOW_MB 32u

#define LBL_TASK_DONE   0x5d0   /* demo task -> shell: finished, MR1 = status */
#define LBL_TASK_READY  0x5d1   /* demo task -> shell (a call): set up, go on */

extern L4_ThreadId_t shell_tid, sigma0_tid;

void shell_main(void);          /* shell.c: the shell thread's body */
/* A 'q' or Ctrl-C typed meanwhile? (polls the console once, no wait) */
int shell_stop_requested(void);

/* task.c. A global ID for thread `no` of a demo task, with a version new
 * for every run, so that a stale message from an earlier run's thread
 * cannot be taken for the current one's. */
L4_ThreadId_t task_tid(L4_Word_t no);
void task_next_run(void);       /* before each demo */
/* Starts fn on stack sp as the first thread of a new task, confined (its
 * IPC to others comes to us) and paged by us. Returns 1 on success. */
int task_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp);
/* Receives from `from_spec` (nil: anyone) for at most timeout_us (0:
 * forever), answering page faults on the way; returns the first other
 * message or the failed IPC's tag, with the sender in *from. */
L4_MsgTag_t task_wait(L4_ThreadId_t from_spec, L4_Word_t timeout_us, L4_ThreadId_t *from);
/* task_start for a small server (drivers, the echo server): in a small
 * space unless the root task's module option `nosmall` cleared
 * task_small; prints "<who>: task in a small/large space ...". */
extern int task_small;
int task_start_server(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp, const char *who);
/* Before task_kill: for a task started small, says whether it still is. */
void task_space_note(L4_ThreadId_t t, const char *who);
void task_kill(L4_ThreadId_t t);
/* Tells the shell that the task is done (from any thread of the task). */
void task_done(L4_Word_t status);

/* The demos (demo_*.c). */
void demo_pingpong(void);
void demo_vmm(void);
void demo_dataspace(void);
void demo_serial(void);
void demo_kbd(void);

void cmd_ps(void);              /* ps.c */
const char *thread_name(L4_Word_t gid);

#endif
