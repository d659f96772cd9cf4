/* The launcher shell: reads command lines from the serial console through
 * the kernel debugger's ReadChar_Blocked (privileged: the shell is a thread
 * of the root task's space; the kernel sleeps 4 ticks between polls of the
 * UART, so waiting for input does not hold the CPU) and runs built-in
 * commands or demos. A demo runs as a task of its own and the shell waits
 * for it; while it runs, the shell polls for 'q' or Ctrl-C (ReadChar,
 * no wait) where the demo allows stopping. */
#include <l4/thread.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "shell.h"

#define LINE_MAX 64
#define CTRL_C   3

struct command {
    const char *name;
    void (*fn)(void);
    const char *help;
};

static void cmd_help(void);
static void cmd_kdb(void);
static void cmd_exit(void);

static const struct command builtins[] = {
    { "help", cmd_help, "this list" },
    { "ps", cmd_ps, "threads: state, priority, space, IPC partner (kdebug thread list)" },
    { "kdb", cmd_kdb, "enter the kernel debugger (L4_KDB_Enter)" },
    { "exit", cmd_exit, "shut the machine down" },
};
static const struct command demos[] = {
    { "pingpong", demo_pingpong, "IPC round trips to a task of its own, live figures ('q' stops)" },
    { "vmm", demo_vmm, "a ring-0 guest under the trap-and-emulate VMM, its own task" },
    { "ds", demo_dataspace, "dataspaces: a task with a region manager maps a file and anonymous memory" },
    { "serial", demo_serial, "user-level COM1 driver task: echoes keys, 'q' ends, 5 s idle ends" },
    { "kbd", demo_kbd, "user-level PS/2 keyboard driver task: the shell types into the 8042" },
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void cmd_help(void)
{
    printf("commands:\n");
    for (unsigned i = 0; i < N(builtins); i++)
        printf("  %-9s %s\n", builtins[i].name, builtins[i].help);
    printf("demos (each runs as a task of its own; the shell waits for it):\n");
    for (unsigned i = 0; i < N(demos); i++)
        printf("  %-9s %s\n", demos[i].name, demos[i].help);
}

static void cmd_kdb(void)
{
    L4_KDB_Enter("launcher shell: kdb command");
    printf("kdb: back in the shell\n");
}

static void cmd_exit(void)
{
    printf("shell: shutting down\n");
    L4_KDB_Shutdown(0);
}

int shell_stop_requested(void)
{
    int c = (unsigned char)L4_KDB_ReadChar();
    return c == 'q' || c == CTRL_C;
}

/* One line, echoed as typed; backspace edits, Ctrl-C drops the line. A
 * '\n' right after '\r' (a terminal's CR LF) is not a second line. */
static void read_line(char *buf)
{
    static int last;
    int n = 0;
    for (;;) {
        int c = (unsigned char)L4_KDB_ReadChar_Blocked();
        int prev = last;
        last = c;
        if (c == '\n' && prev == '\r')
            continue;
        if (c == '\r' || c == '\n')
            break;
        if (c == CTRL_C) {
            printf("^C");
            n = 0;
            break;
        }
        if ((c == 0x7f || c == '\b') && n > 0) {
            n--;
            printf("\b \b");
        } else if (c >= ' ' && c < 0x7f && n < LINE_MAX - 1) {
            buf[n++] = (char)c;
            putchar(c);
        }
    }
    putchar('\n');
    buf[n] = 0;
}

/* The first word of the line, trimmed of blanks, in place. */
static char *first_word(char *s)
{
    while (*s == ' ')
        s++;
    char *e = s;
    while (*e && *e != ' ')
        e++;
    *e = 0;
    return s;
}

static void run(const char *w)
{
    for (unsigned i = 0; i < N(builtins); i++)
        if (!strcmp(w, builtins[i].name)) {
            builtins[i].fn();
            return;
        }
    for (unsigned i = 0; i < N(demos); i++)
        if (!strcmp(w, demos[i].name)) {
            printf("shell: starting demo %s\n", w);
            task_next_run();
            demos[i].fn();
            printf("shell: demo %s finished\n", w);
            return;
        }
    printf("shell: unknown command '%s'; 'help' lists the commands\n", w);
}

void shell_main(void)
{
    char line[LINE_MAX];
    printf("Pecan launcher shell; 'help' lists the commands and demos.\n");
    for (;;) {
        printf("pecan> ");
        read_line(line);
        char *w = first_word(line);
        if (*w)
            run(w);
    }
}
