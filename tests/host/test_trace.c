/* Tests for kernel/trace.c and kernel/prof.c: the ring (order, overwrite,
 * sequence numbers), the filters, the dump's line format and check byte
 * (recomputed here independently), the text commands, and the profiler's
 * histograms (collisions, lost samples, ranking). The CPU, clock, console
 * and counters are stubs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trace.h"
#include "prof.h"
#include "thread.h"
#include "format.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/perfmon.h"

/* ---- stubs ---- */
/* `current` is the stack's TCB in the kernel (thread.h); off the TCB area
 * it asks boot_current, which the tests set. */
static struct tcb *test_current;
struct tcb *boot_current(void) { return test_current; }
unsigned cpus_up = 1;
struct cpu_local cpu_local[MAX_CPUS];
struct cpu_local *cpu_current(void) { return &cpu_local[0]; }
uint32_t arch_tsc_per_us(void) { return 999; }
void sched_handoff(struct tcb *t) { (void)t; }
bool perfmon_nmi_start(uint32_t cycles) { (void)cycles; return false; }
void perfmon_nmi_stop(void) { }
const char *perfmon_describe(void) { return "none(test)"; }
/* The assembly IPC path's trace byte (fastipc.c): what trace_set_mask
 * last told it. */
static int fast_trace_on;
void ipc_fast_trace(int on) { fast_trace_on = on; }

static char out[1 << 20];
static size_t out_len;

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
    va_end(ap);
    out_len += (size_t)n;
    assert_true(out_len < sizeof out);
    return n;
}

static void reset(void)
{
    trace_set_mask(0);
    trace_set_thread(0);
    trace_clear();
    out_len = 0;
    out[0] = 0;
}

/* ---- ring ---- */

static void test_order_and_fields(void **state)
{
    (void)state;
    reset();
    trace_record(TT_IRQ, 1, 2, 3, 4);
    trace_ipc(0x4001, 0x8001, 0x420000, true);
    assert_int_equal(trace_count(0), 3);
    struct trace_rec r;
    assert_true(trace_get(0, 0, &r));
    assert_int_equal(r.type, TT_IRQ);
    assert_int_equal(r.thread, 1);
    assert_int_equal(r.a, 2);
    assert_int_equal(r.b, 3);
    assert_int_equal(r.c, 4);
    assert_true(trace_get(0, 1, &r));
    assert_int_equal(r.type, TT_SEND);
    assert_int_equal(r.thread, 0x4001);
    assert_int_equal(r.a, 0x8001);
    assert_true(trace_get(0, 2, &r));
    assert_int_equal(r.type, TT_RECV);
    assert_int_equal(r.thread, 0x8001);
    assert_int_equal(r.a, 0x4001);
    assert_int_equal(r.b, 0x420000);
    assert_int_equal(r.seq, 2);
    assert_false(trace_get(0, 3, &r));
    assert_false(trace_get(1, 0, &r));
    assert_false(trace_get(MAX_CPUS + 5, 0, &r));
    assert_int_equal(trace_count(MAX_CPUS + 5), 0);
}

static void test_overwrite(void **state)
{
    (void)state;
    reset();
    for (uint32_t i = 0; i < TRACE_ENTRIES + 37; i++)
        trace_record(TT_IRQ, 1, i, 0, 0);
    assert_int_equal(trace_count(0), TRACE_ENTRIES);
    struct trace_rec r;
    for (unsigned i = 0; i < TRACE_ENTRIES; i++) {
        assert_true(trace_get(0, i, &r));
        assert_int_equal(r.seq, 37 + i);
        assert_int_equal(r.a, 37 + i);
    }
    trace_clear();
    assert_int_equal(trace_count(0), 0);
}

static void test_filters(void **state)
{
    (void)state;
    reset();
    assert_int_equal(trace_set_mask(0xff), 0);
    assert_true(fast_trace_on);                         /* the asm IPC path steps aside */
    assert_int_equal(trace_set_mask(0), TRACE_ALL);         /* bits beyond the kinds dropped */
    assert_false(fast_trace_on);
    trace_set_mask(TRACE_BIT(TRACE_PF));                    /* a kind it does not record */
    assert_false(fast_trace_on);
    trace_set_mask(TRACE_BIT(TRACE_SWITCH));
    assert_true(fast_trace_on);
    trace_set_mask(0);
    trace_set_thread(0x8001);
    trace_record(TT_IRQ, 0x4001, 5, 0, 0);                  /* neither */
    trace_record(TT_SWITCH, 0x8001, 0x4001, 0, 0);          /* thread */
    trace_record(TT_SWITCH, 0x4001, 0x8001, 0, 0);          /* partner */
    trace_ipc(0x4001, 0xc001, 0, false);                     /* neither side */
    assert_int_equal(trace_count(0), 2);
}

/* ---- dump ---- */

static unsigned bytesum(uint32_t w)
{
    return (w & 0xff) + ((w >> 8) & 0xff) + ((w >> 16) & 0xff) + (w >> 24);
}

static void test_dump_format(void **state)
{
    (void)state;
    static const char *const names[TT_NTYPES] = {
        "send", "recv", "pf", "exc", "irq", "switch", "map", "unmap", "create", "delete" };
    reset();
    for (unsigned t = 0; t < TT_NTYPES; t++)
        trace_record(t, 0x10000u * t + 1, 0xffffffffu - t, t << 24, 7);
    assert_int_equal(trace_dump(), TT_NTYPES);
    char *save, *line = strtok_r(out, "\n", &save);
    assert_non_null(line);
    assert_memory_equal(line, "@TRACE v1 begin cpus=1 tsc_per_us=999 entries=", 46);
    for (unsigned t = 0; t < TT_NTYPES; t++) {
        line = strtok_r(NULL, "\n", &save);
        assert_non_null(line);
        unsigned cpu, seq, thread, a, b, c, check;
        unsigned long long tsc;
        char type[16];
        assert_int_equal(sscanf(line, "@T %u %u %llx %15s %x %x %x %x %x", &cpu, &seq, &tsc,
                                type, &thread, &a, &b, &c, &check), 9);
        assert_string_equal(type, names[t]);
        assert_int_equal(seq, t);
        assert_int_equal(thread, 0x10000u * t + 1);
        assert_int_equal(a, 0xffffffffu - t);
        unsigned s = t + bytesum(cpu) + bytesum(seq) + bytesum((uint32_t)(tsc >> 32)) +
                     bytesum((uint32_t)tsc) + bytesum(thread) + bytesum(a) + bytesum(b) +
                     bytesum(c);
        assert_int_equal(check, s & 0xff);
        assert_int_equal(strlen(line) - (size_t)(strrchr(line, ' ') - line), 3);  /* 2 digits */
    }
    line = strtok_r(NULL, "\n", &save);
    assert_string_equal(line, "@TRACE v1 end records=10 lost=0");
}

static void test_dump_lost(void **state)
{
    (void)state;
    reset();
    for (unsigned i = 0; i < TRACE_ENTRIES + 3; i++)
        trace_record(TT_IRQ, 0, 0, 0, 0);
    trace_dump();
    char want[64];
    snprintf(want, sizeof want, "end records=%u lost=3\n", TRACE_ENTRIES);
    assert_non_null(strstr(out, want));
}

/* ---- text commands ---- */

static void test_commands(void **state)
{
    (void)state;
    reset();
    assert_int_equal(trace_cmd("on ipc pf"), 0);
    assert_int_equal(trace_set_mask(0), TRACE_BIT(TRACE_IPC) | TRACE_BIT(TRACE_PF));
    assert_int_equal(trace_cmd("  on  "), 0);
    assert_int_equal(trace_set_mask(0), TRACE_ALL);
    trace_cmd("on switch");
    assert_int_equal(trace_cmd("on ipc bogus"), -1);          /* nothing changed */
    assert_int_equal(trace_set_mask(0), TRACE_BIT(TRACE_SWITCH));
    assert_int_equal(trace_cmd("on ipcx"), -1);
    assert_int_equal(trace_cmd("on thread"), 0);
    assert_int_equal(trace_cmd("off"), 0);
    assert_int_equal(trace_set_mask(0), 0);

    assert_int_equal(trace_cmd("thread 0x8001"), 0);
    trace_record(TT_IRQ, 0x4001, 1, 0, 0);
    trace_record(TT_IRQ, 0x8001, 1, 0, 0);
    assert_int_equal(trace_count(0), 1);
    assert_int_equal(trace_cmd("thread all"), 0);
    trace_record(TT_IRQ, 0x4001, 1, 0, 0);
    assert_int_equal(trace_count(0), 2);
    assert_int_equal(trace_cmd("thread"), -1);
    assert_int_equal(trace_cmd("thread zz"), -1);
    assert_int_equal(trace_cmd("thread 123456789"), -1);     /* more than 8 digits */
    assert_int_equal(trace_cmd("thread 0x"), -1);
    assert_int_equal(trace_cmd("thread C001"), 0);
    assert_int_equal(trace_cmd("thread all"), 0);

    assert_int_equal(trace_cmd("clear"), 0);
    assert_int_equal(trace_count(0), 0);
    out_len = 0;
    assert_int_equal(trace_cmd("dump"), 0);
    assert_non_null(strstr(out, "@TRACE v1 end records=0"));
    assert_int_equal(trace_cmd(""), 0);                      /* status */
    assert_int_equal(trace_cmd(NULL), 0);
    assert_int_equal(trace_cmd("status"), 0);
    assert_int_equal(trace_cmd("dumpx"), -1);
    assert_int_equal(trace_cmd("nonsense"), -1);
}

/* ---- profiler ---- */

static void test_prof_histograms(void **state)
{
    (void)state;
    struct tcb t1 = { .gid = 0x4001 }, t2 = { .gid = 0x8001 };
    prof_clear();
    assert_int_equal(prof_start(2), PROF_TIMER);
    test_current = &t1;
    for (int i = 0; i < 10; i++)
        prof_tick(0x1000, true);                /* period 2: 5 samples */
    test_current = &t2;
    for (int i = 0; i < 6; i++)
        prof_tick(0xc0100000u, false);         /* 3 samples */
    assert_int_equal(prof_stop(), 8);
    prof_tick(0x1000, true);                    /* stopped: not sampled */
    uint32_t n;
    assert_int_equal(prof_top(0, 0, &n), 0x1000);
    assert_int_equal(n, 5);
    assert_int_equal(prof_top(0, 1, &n), 0xc0100000u);
    assert_int_equal(n, 3);
    assert_int_equal(prof_top(0, 2, &n), ~0u);
    assert_int_equal(prof_top(1, 0, &n), 0x4001);
    assert_int_equal(prof_top(1, 1, &n), 0x8001);
    assert_int_equal(prof_top(2, 0, &n), ~0u);
    out_len = 0;
    assert_int_equal(prof_dump(), 8);
    assert_non_null(strstr(out, "@P a 1000 5\n"));
    assert_non_null(strstr(out, "@P t 8001 0 3\n"));
    assert_non_null(strstr(out, "source=timer running=0 period=2 samples=8 lost=0 dropped=0"));
    test_current = NULL;
}

static void test_prof_full_and_ties(void **state)
{
    (void)state;
    prof_clear();
    /* More distinct addresses than buckets: the rest is lost, none overwritten. */
    for (uint32_t i = 0; i < PROF_BUCKETS + 10; i++)
        prof_sample(0x400000 + 4 * i, true);
    out_len = 0;
    prof_dump();
    assert_non_null(strstr(out, "lost=10"));
    /* Ties rank by the lower address; every rank once. */
    uint32_t n, prev = 0;
    for (unsigned r = 0; r < PROF_BUCKETS; r++) {
        uint32_t k = prof_top(0, r, &n);
        assert_int_equal(n, 1);
        assert_true(r == 0 || k > prev);
        prev = k;
    }
    assert_int_equal(prof_top(0, PROF_BUCKETS, &n), ~0u);
    prof_clear();
    assert_int_equal(prof_top(0, 0, &n), ~0u);
}

static void test_prof_commands(void **state)
{
    (void)state;
    assert_int_equal(prof_cmd("start 3"), 0);
    assert_int_equal(prof_cmd("stop"), 0);
    assert_int_equal(prof_cmd("clear"), 0);
    assert_int_equal(prof_cmd("dump"), 0);
    assert_int_equal(prof_cmd("frobnicate"), -1);
    assert_int_equal(prof_cmd(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_fields),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_dump_format),
        cmocka_unit_test(test_dump_lost),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_prof_histograms),
        cmocka_unit_test(test_prof_full_and_ties),
        cmocka_unit_test(test_prof_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
