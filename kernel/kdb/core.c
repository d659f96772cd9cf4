/* The kernel debugger's session: entry, the console line, the command
 * registry and the helpers commands share (docs/kdb.md).
 *
 * The debugger runs on the CPU that entered it, in the trap context that
 * brought it there (interrupts off, the interrupted frame at hand), and
 * polls the serial console. Whatever stopped the machine, one CPU at a
 * time holds the debugger (`owner`); the others are stopped by NMI and
 * wait in kdb_session until the console comes to them (`cpu n`) or the
 * session ends. Nothing here allocates or sleeps. */
#include "kdb_int.h"
#include "../thread.h"
#include "../space.h"
#include "../arch.h"
#include "../string.h"
#include "format.h"

/* Linker-collected command table (kernel.ld). */
extern const struct kdb_cmd __kdb_cmds_start[], __kdb_cmds_end[];

static struct kdb_cpu cpus[MAX_CPUS];
static volatile int owner = -1;         /* CPU holding the debugger, or -1 */
static volatile int session_over;       /* the console CPU said continue */
static volatile int in_session;         /* CPUs inside kdb_session */
volatile int kdb_console_cpu = -1;      /* CPU reading the console */
uint32_t kdb_entries;

struct kdb_cpu *kdb_self(void)
{
    return &cpus[kdb_cpu_index()];
}

bool kdb_cpu_in(unsigned i)
{
    return i < MAX_CPUS && cpus[i].parked;
}

static void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

/* ---- The console line ----------------------------------------------------- */
#define LINE_MAX 96
#define ARGS_MAX 8

static int getc_wait(void)
{
    int c;
    while ((c = arch_console_getc()) < 0)
        cpu_relax();
    return c;
}

/* Reads a line with echo; backspace edits, CR or LF ends it. */
static void read_line(char *buf)
{
    unsigned n = 0;
    for (;;) {
        int c = getc_wait();
        if (c == '\r' || c == '\n') {
            kputs("\n");
            buf[n] = 0;
            return;
        }
        if ((c == 0x7f || c == 0x08) && n) {
            n--;
            kputs("\b \b");
        } else if (c >= ' ' && c < 0x7f && n + 1 < LINE_MAX) {
            buf[n++] = (char)c;
            console_putc((char)c);
        }
    }
}

static int split(char *s, char **argv)
{
    int argc = 0;
    while (*s && argc < ARGS_MAX) {
        while (*s == ' ')
            *s++ = 0;
        if (!*s)
            break;
        argv[argc++] = s;
        while (*s && *s != ' ')
            s++;
    }
    return argc;
}

/* ---- Commands ------------------------------------------------------------- */
static const struct kdb_cmd *find(const char *name)
{
    for (const struct kdb_cmd *c = __kdb_cmds_start; c < __kdb_cmds_end; c++)
        if (kdb_streq(c->name, name))
            return c;
    return NULL;
}

static int name_cmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* The commands by name (the table is in link order): each round prints
 * the smallest name above the last one printed. */
static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct kdb_cmd *last = NULL;
    for (;;) {
        const struct kdb_cmd *next = NULL;
        for (const struct kdb_cmd *c = __kdb_cmds_start; c < __kdb_cmds_end; c++)
            if ((!last || name_cmp(c->name, last->name) > 0) &&
                (!next || name_cmp(c->name, next->name) < 0))
                next = c;
        if (!next)
            break;
        char left[56];          /* the longest: trace's */
        ksnprintf(left, sizeof(left), "%s %s", next->name, next->args);
        kp("  %-26s %s\n", left, next->help);
        last = next;
    }
    kp("  numbers are hex; a thread is its global ID, #number or . (the stopped one)\n");
    return KDB_STAY;
}
KDB_COMMAND(help, "", "list the commands", cmd_help);

/* Runs commands until one leaves; an empty line repeats a step command. */
static void command_loop(void)
{
    static char line[LINE_MAX], last[LINE_MAX];
    char *argv[ARGS_MAX];
    for (;;) {
        kp("kdb> ");
        read_line(line);
        if (!line[0] && last[0])
            memcpy(line, last, LINE_MAX);
        last[0] = 0;
        int argc = split(line, argv);
        if (!argc)
            continue;
        const struct kdb_cmd *c = find(argv[0]);
        if (!c) {
            kp("unknown command '%s' (help lists them)\n", argv[0]);
            continue;
        }
        if (kdb_streq(c->name, "s") || kdb_streq(c->name, "n") || kdb_streq(c->name, "bs"))
            memcpy(last, c->name, strlen(c->name) + 1);
        if (c->fn(argc, argv) == KDB_LEAVE || kdb_console_cpu != (int)kdb_cpu_index())
            return;
    }
}

static const char *const reasons[] = {
    [KDB_R_BREAKKEY] = "break key", [KDB_R_USER] = "L4_KDB_Enter",
    [KDB_R_NMI] = "NMI", [KDB_R_WATCHDOG] = "NMI watchdog",
    [KDB_R_FAULT] = "kernel fault", [KDB_R_PANIC] = "panic",
    [KDB_R_DEBUG] = "debug event", [KDB_R_IPI] = "stopped by another CPU",
};

static void banner(const struct kdb_cpu *c, const char *msg)
{
    kp("\n--- KDB: %s%s%s (cpu %u) ---\n", reasons[c->why], msg ? ": " : "", msg ? msg : "",
       kdb_cpu_index());
    if (c->why == KDB_R_DEBUG && c->frame)
        kdb_show_insn(c->frame);
    else if (c->frame)
        kdb_show_frame(c->frame);
    else
        kp("no register frame (panic); the kernel stops when you continue\n");
}

/* Every CPU in the debugger waits here; the console CPU runs commands.
 * Returns when the session is over. */
static void session(struct kdb_cpu *c, const char *msg)
{
    int me = (int)kdb_cpu_index();
    __atomic_add_fetch(&in_session, 1, __ATOMIC_SEQ_CST);
    c->parked = true;
    bool shown = false;
    while (!session_over) {
        if (kdb_console_cpu != me) {
            shown = false;
            cpu_relax();
            continue;
        }
        if (!shown)
            banner(c, msg);
        shown = true;
        command_loop();
        if (kdb_console_cpu == me)
            session_over = 1;
    }
    c->parked = false;
    kdb_bp_resume();            /* breakpoints set meanwhile, on this CPU too */
    __atomic_sub_fetch(&in_session, 1, __ATOMIC_SEQ_CST);
}

void kdb_enter(struct trap_frame *f, enum kdb_reason why, const char *msg)
{
    struct kdb_cpu *c = kdb_self();
    if (c->in)
        return;                 /* already here (an NMI during a command) */
    int me = (int)kdb_cpu_index(), none = -1;
    c->in = true;
    c->frame = f;
    c->thread = kdb_current();
    c->why = why;
    c->step = STEP_NONE;
    if (!__atomic_compare_exchange_n(&owner, &none, me, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST)) {
        if (why == KDB_R_NMI || why == KDB_R_IPI) {
            /* Another CPU holds the debugger: wait with it. */
            c->why = KDB_R_IPI;
            session(c, NULL);
            c->in = false;
            return;
        }
        /* Our own event (a breakpoint, a fault) while another CPU holds
         * the debugger: wait in its session (with our frame, so `cpu n`
         * shows where we are), then take the debugger for ours. */
        do {
            if (kdb_console_cpu >= 0 && !session_over) {
                c->why = KDB_R_IPI;
                session(c, NULL);
                c->why = why;
            }
            cpu_relax();
            none = -1;
        } while (!__atomic_compare_exchange_n(&owner, &none, me, false, __ATOMIC_SEQ_CST,
                                              __ATOMIC_SEQ_CST));
    }
    kdb_entries++;
    session_over = 0;
    kdb_console_cpu = me;
    kdb_stop_others();
    session(c, msg);
    while (in_session)
        cpu_relax();            /* every stopped CPU has left */
    kdb_console_cpu = -1;
    if (c->frame)
        kdb_bp_leave(c->frame);
    c->in = false;
    __atomic_store_n(&owner, -1, __ATOMIC_SEQ_CST);
}

/* ---- Helpers -------------------------------------------------------------- */
bool kdb_num(const char *s, uint32_t *v)
{
    uint32_t x = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
            d = (unsigned)((*s | 0x20) - 'a' + 10);
        else
            return false;
        x = x * 16 + d;
    }
    *v = x;
    return true;
}

bool kdb_thread_alive(const struct tcb *t)
{
    return t && tcb_no(t) < thread_no_limit && t->state != TS_FREE;
}

struct tcb *kdb_thread_arg(const char *s)
{
    uint32_t v;
    struct tcb *t = NULL;
    if (kdb_streq(s, "."))
        t = kdb_self()->thread;
    else if (s[0] == '#' && kdb_num(s + 1, &v) && v < thread_no_limit)
        t = tcb_of_no(v);
    else if (kdb_num(s, &v) && L4ABI_TID_THREADNO(v) < thread_no_limit)
        t = tcb_of_no(L4ABI_TID_THREADNO(v));
    if (!kdb_thread_alive(t)) {
        kp("no thread '%s'\n", s);
        return NULL;
    }
    return t;
}

void kdb_each_thread(void (*fn)(struct tcb *t, void *arg), void *arg)
{
    for (uint32_t no = 0; no < thread_no_limit; no++) {
        struct tcb *t = tcb_of_no(no);
        if (t->state != TS_FREE)
            fn(t, arg);
    }
}

const char *kdb_state_name(unsigned state)
{
    static const char *const names[] = {
        [TS_FREE] = "free", [TS_INACTIVE] = "inactive", [TS_READY] = "ready",
        [TS_SEND_WAIT] = "send-wait", [TS_RECV_WAIT] = "recv-wait",
        [TS_DEAD] = "dead", [TS_XFER] = "xfer",
    };
    return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "?";
}
