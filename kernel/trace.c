/* Kernel event trace: per-CPU rings, filters and the console dump
 * (trace.h; format in docs/kdb.md). Compiled to nothing with TRACE=0. */
#include "trace.h"
#include "thread.h"
#include "sched.h"
#include "console.h"
#include "arch.h"
#include "arch/ia32/cpu.h"
#include "arch/ia32/thread_arch.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/fastipc.h"

#if TRACE

#ifndef TRACE_ENTRIES
#define TRACE_ENTRIES 1024
#endif
#if TRACE_ENTRIES & (TRACE_ENTRIES - 1)
#error "TRACE_ENTRIES must be a power of two (config.mk)"
#endif

#define TRACE_FORMAT_VERSION 1

/* The timestamp; the host tests replace it (their TSC is not this one). */
#ifndef TRACE_CLOCK
#define TRACE_CLOCK() rdtsc()
#endif

struct trace_ring {
    uint32_t head;      /* records ever written since the last clear */
    struct trace_rec rec[TRACE_ENTRIES];
};

uint8_t trace_mask;
static uint32_t thread_filter;          /* 0: all threads */
static struct trace_ring rings[MAX_CPUS];

static const char *const type_names[TT_NTYPES] = {
    [TT_SEND] = "send", [TT_RECV] = "recv", [TT_PF] = "pf", [TT_EXC] = "exc",
    [TT_IRQ] = "irq", [TT_SWITCH] = "switch", [TT_MAP] = "map",
    [TT_UNMAP] = "unmap", [TT_CREATE] = "create", [TT_DELETE] = "delete",
};
static const char *const kind_names[TRACE_NKINDS] = {
    "ipc", "pf", "exc", "irq", "switch", "map", "thread",
};

/* The one place that finds this CPU's ring: change it when the per-CPU
 * record becomes cheap (smp.h). With one CPU up it costs nothing. */
static inline unsigned this_cpu(void)
{
    return cpus_up > 1 ? cpu_current()->index : 0;
}

static bool wanted(uint32_t thread, uint32_t a)
{
    return !thread_filter || thread == thread_filter || a == thread_filter;
}

void trace_record(unsigned type, uint32_t thread, uint32_t a, uint32_t b, uint32_t c)
{
    if (!wanted(thread, a))
        return;
    unsigned cpu = this_cpu();
    struct trace_ring *r = &rings[cpu];
    struct trace_rec *e = &r->rec[r->head % TRACE_ENTRIES];
    e->tsc = TRACE_CLOCK();
    e->seq = r->head++;
    e->type = (uint8_t)type;
    e->cpu = (uint8_t)cpu;
    e->reserved = 0;
    e->thread = thread;
    e->a = a;
    e->b = b;
    e->c = c;
}

void trace_ipc(uint32_t sender, uint32_t receiver, uint32_t tag, bool fast)
{
    trace_record(TT_SEND, sender, receiver, tag, fast);
    trace_record(TT_RECV, receiver, sender, tag, fast);
}

void trace_ipc_fast(const struct tcb *s, const struct tcb *r)
{
    trace_ipc(s->gid, r->gid, r->mr[0], true);
}

void trace_switch(const struct tcb *prev, const struct tcb *next)
{
    trace_record(TT_SWITCH, prev->gid, next->gid, 0, 0);
}

void trace_handoff(const struct tcb *s, const struct tcb *r)
{
    if (TRACE_ON(TRACE_IPC))
        trace_ipc_fast(s, r);
    if (TRACE_ON(TRACE_SWITCH) && s != r)
        trace_switch(s, r);
}

uint32_t trace_set_mask(uint32_t mask)
{
    uint32_t old = trace_mask;
    trace_mask = (uint8_t)(mask & TRACE_ALL);
    /* The assembly paths' test (fast_off's trace byte): the IPC path's
     * kinds, and interrupts for irq_fast.S (the IPC path then refuses
     * while they are traced too: the general path, same results). */
    ipc_fast_trace(trace_mask & (TRACE_HANDOFF_KINDS | TRACE_BIT(TRACE_IRQ)));
    return old;
}

void trace_set_thread(uint32_t gid)
{
    thread_filter = gid;
}

void trace_clear(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        rings[i].head = 0;
}

unsigned trace_count(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        return 0;
    uint32_t h = rings[cpu].head;
    return h < TRACE_ENTRIES ? h : TRACE_ENTRIES;
}

bool trace_get(unsigned cpu, unsigned i, struct trace_rec *out)
{
    unsigned n = trace_count(cpu);
    if (i >= n)
        return false;
    const struct trace_ring *r = &rings[cpu];
    *out = r->rec[(r->head - n + i) % TRACE_ENTRIES];
    return true;
}

/* A line's check: the byte sum of its fields, so that a line that another
 * CPU's output broke into is recognised and dropped by the host tool. */
static unsigned line_check(const struct trace_rec *e)
{
    uint32_t w[8] = { e->cpu, e->seq, (uint32_t)(e->tsc >> 32), (uint32_t)e->tsc,
                      e->thread, e->a, e->b, e->c };
    unsigned s = e->type;
    for (int i = 0; i < 8; i++)
        s += (w[i] & 0xff) + ((w[i] >> 8) & 0xff) + ((w[i] >> 16) & 0xff) + (w[i] >> 24);
    return s & 0xff;
}

unsigned trace_dump(void)
{
    unsigned total = 0, lost = 0;
    kprintf("@TRACE v%u begin cpus=%u tsc_per_us=%u entries=%u mask=%x thread=%x\n",
            TRACE_FORMAT_VERSION, cpus_up, arch_tsc_per_us(), TRACE_ENTRIES,
            trace_mask, thread_filter);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        unsigned n = trace_count(cpu);
        if (rings[cpu].head > n)
            lost += rings[cpu].head - n;
        for (unsigned i = 0; i < n; i++) {
            struct trace_rec e;
            if (!trace_get(cpu, i, &e))
                break;
            kprintf("@T %u %u %llx %s %x %x %x %x %02x\n", e.cpu, e.seq,
                    (unsigned long long)e.tsc, type_names[e.type], e.thread,
                    e.a, e.b, e.c, line_check(&e));
            total++;
        }
    }
    kprintf("@TRACE v%u end records=%u lost=%u\n", TRACE_FORMAT_VERSION, total, lost);
    return total;
}

/* ---- the text command ---------------------------------------------------*/

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Length of the word at s; true if it equals w. */
static bool word_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (s[i] != w[i])
            return false;
    return i == n && !w[i];
}

static size_t word_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    return n;
}

static bool parse_hex(const char *s, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, n -= 2;
    if (n == 0 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return false;
        x = x << 4 | d;
    }
    *v = x;
    return true;
}

/* "on" with kind names (none: all kinds). */
static int cmd_on(const char *s)
{
    uint32_t mask = 0;
    for (s = skip_blanks(s); *s; s = skip_blanks(s)) {
        size_t n = word_len(s);
        unsigned k = 0;
        while (k < TRACE_NKINDS && !word_is(s, n, kind_names[k]))
            k++;
        if (k == TRACE_NKINDS) {
            kprintf("trace: unknown kind at '%s' (ipc pf exc irq switch map thread)\n", s);
            return -1;
        }
        mask |= TRACE_BIT(k);
        s += n;
    }
    trace_set_mask(mask ? mask : TRACE_ALL);
    return 0;
}

static void status(void)
{
    kprintf("trace: kinds");
    for (unsigned k = 0; k < TRACE_NKINDS; k++)
        if (trace_mask & TRACE_BIT(k))
            kprintf(" %s", kind_names[k]);
    kprintf("%s; thread %x; %u entries per CPU; cpu0 holds %u\n",
            trace_mask ? "" : " (off)", thread_filter, TRACE_ENTRIES, trace_count(0));
}

int trace_cmd(const char *args)
{
    const char *s = skip_blanks(args ? args : "");
    size_t n = word_len(s);
    const char *rest = s + n;
    if (word_is(s, n, "on"))
        return cmd_on(rest);
    if (word_is(s, n, "off")) {
        trace_set_mask(0);
        return 0;
    }
    if (word_is(s, n, "clear")) {
        trace_clear();
        return 0;
    }
    if (word_is(s, n, "dump")) {
        trace_dump();
        return 0;
    }
    if (word_is(s, n, "thread")) {
        rest = skip_blanks(rest);
        size_t m = word_len(rest);
        uint32_t gid;
        if (word_is(rest, m, "all")) {
            trace_set_thread(0);
            return 0;
        }
        if (parse_hex(rest, m, &gid)) {
            trace_set_thread(gid);
            return 0;
        }
        kprintf("trace: thread <hex id>|all\n");
        return -1;
    }
    if (n == 0 || word_is(s, n, "status")) {
        status();
        return 0;
    }
    kprintf("trace: on [kind...] | off | clear | dump | thread <id>|all | status\n");
    return -1;
}

#else   /* !TRACE: the control surface stays, empty */

void trace_record(unsigned type, uint32_t thread, uint32_t a, uint32_t b, uint32_t c)
{
    (void)type; (void)thread; (void)a; (void)b; (void)c;
}
void trace_ipc(uint32_t sender, uint32_t receiver, uint32_t tag, bool fast)
{
    (void)sender; (void)receiver; (void)tag; (void)fast;
}
uint32_t trace_set_mask(uint32_t mask) { (void)mask; return 0; }
void trace_set_thread(uint32_t gid) { (void)gid; }
void trace_clear(void) { }
void trace_ipc_fast(const struct tcb *s, const struct tcb *r) { (void)s; (void)r; }
void trace_switch(const struct tcb *prev, const struct tcb *next) { (void)prev; (void)next; }
void trace_handoff(const struct tcb *s, const struct tcb *r) { (void)s; (void)r; }
unsigned trace_count(unsigned cpu) { (void)cpu; return 0; }
bool trace_get(unsigned cpu, unsigned i, struct trace_rec *out)
{
    (void)cpu; (void)i; (void)out;
    return false;
}
unsigned trace_dump(void)
{
    kprintf("@TRACE v1 begin cpus=0 tsc_per_us=0 entries=0 mask=0 thread=0\n"
            "@TRACE v1 end records=0 lost=0\n");
    return 0;
}
int trace_cmd(const char *args)
{
    (void)args;
    kprintf("trace: not built in (TRACE=0)\n");
    return -1;
}
#endif
