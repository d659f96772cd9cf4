/* Sampling profiler: the histograms and their control (prof.h). */
#include "prof.h"
#include "thread.h"
#include "console.h"
#include "arch/ia32/perfmon.h"

#if TRACE

#ifndef PROF_BUCKETS
#define PROF_BUCKETS 1024
#endif
#if PROF_BUCKETS & (PROF_BUCKETS - 1)
#error "PROF_BUCKETS must be a power of two (config.mk)"
#endif
#define PROF_THREADS 64
#define PMC_CYCLES_PER_PERIOD 100000u

struct addr_bucket { uint32_t ip, count; };
struct thread_bucket { uint32_t gid, user, kernel; };

volatile uint8_t prof_active;
static uint32_t period = 1, countdown = 1;
static uint32_t samples, lost;
static uint8_t last_source;             /* of the last start */
/* The histograms are shared by the CPUs: a sample or a clear holds this
 * lock. A sample never waits for it (an NMI may arrive while its own CPU
 * clears): one that finds it taken is dropped and counted. */
static volatile uint32_t hist_lock;
static volatile uint32_t dropped;

static void lock(void)
{
    while (__sync_lock_test_and_set(&hist_lock, 1))
        while (hist_lock)
            __asm__ volatile("pause");
}

static void unlock(void)
{
    __sync_lock_release(&hist_lock);
}
static struct addr_bucket addrs[PROF_BUCKETS];
static struct thread_bucket threads[PROF_THREADS];

static void count_addr(uint32_t ip)
{
    uint32_t h = (ip * 2654435761u) >> 8;
    for (unsigned i = 0; i < PROF_BUCKETS; i++) {
        struct addr_bucket *b = &addrs[(h + i) & (PROF_BUCKETS - 1)];
        if (b->count && b->ip != ip)
            continue;
        b->ip = ip;
        b->count++;
        return;
    }
    lost++;
}

static void count_thread(uint32_t gid, bool user)
{
    for (unsigned i = 0; i < PROF_THREADS; i++) {
        struct thread_bucket *b = &threads[(gid + i) % PROF_THREADS];
        if ((b->user || b->kernel) && b->gid != gid)
            continue;
        b->gid = gid;
        if (user)
            b->user++;
        else
            b->kernel++;
        return;
    }
    lost++;
}

void prof_sample(uint32_t ip, bool user)
{
    if (__sync_lock_test_and_set(&hist_lock, 1)) {
        __sync_fetch_and_add(&dropped, 1);
        return;
    }
    samples++;
    count_addr(ip);
    count_thread(current ? current->gid : 0, user);
    unlock();
}

/* The countdown is shared: with several CPUs ticking, `period` counts
 * ticks of all of them (a lost decrement only delays a sample). */
void prof_tick(uint32_t ip, bool user)
{
    if (prof_active != PROF_TIMER || --countdown)
        return;
    countdown = period;
    prof_sample(ip, user);
}

enum prof_source prof_start(uint32_t p)
{
    period = countdown = p ? p : 1;
    prof_active = PROF_OFF;
    if (perfmon_nmi_start(period * PMC_CYCLES_PER_PERIOD))
        prof_active = PROF_PMC_NMI;
    else
        prof_active = PROF_TIMER;
    last_source = prof_active;
    return (enum prof_source)prof_active;
}

uint32_t prof_stop(void)
{
    if (prof_active == PROF_PMC_NMI)
        perfmon_nmi_stop();
    prof_active = PROF_OFF;
    return samples;
}

void prof_clear(void)
{
    lock();
    for (unsigned i = 0; i < PROF_BUCKETS; i++)
        addrs[i] = (struct addr_bucket){ 0, 0 };
    for (unsigned i = 0; i < PROF_THREADS; i++)
        threads[i] = (struct thread_bucket){ 0, 0, 0 };
    samples = lost = dropped = 0;
    unlock();
}

static const char *source_name(unsigned s)
{
    return s == PROF_PMC_NMI ? "pmc-nmi" : s == PROF_TIMER ? "timer" : "off";
}

uint32_t prof_dump(void)
{
    kprintf("@PROF v1 begin source=%s running=%u period=%u samples=%u lost=%u dropped=%u "
            "counters=%s\n", source_name(last_source), prof_active != PROF_OFF, period,
            samples, lost, dropped, perfmon_describe());
    for (unsigned i = 0; i < PROF_BUCKETS; i++)
        if (addrs[i].count)
            kprintf("@P a %x %u\n", addrs[i].ip, addrs[i].count);
    for (unsigned i = 0; i < PROF_THREADS; i++)
        if (threads[i].user || threads[i].kernel)
            kprintf("@P t %x %u %u\n", threads[i].gid, threads[i].user, threads[i].kernel);
    kprintf("@PROF v1 end samples=%u\n", samples);
    return samples;
}

/* Entry i of a histogram as (count, key). */
static bool entry(unsigned which, unsigned i, uint32_t *count, uint32_t *key)
{
    if (which == 0) {
        if (i >= PROF_BUCKETS)
            return false;
        *count = addrs[i].count;
        *key = addrs[i].ip;
    } else {
        if (i >= PROF_THREADS)
            return false;
        *count = threads[i].user + threads[i].kernel;
        *key = threads[i].gid;
    }
    return true;
}

/* Order: more samples first, then the lower key. */
static bool before(uint32_t c1, uint32_t k1, uint32_t c2, uint32_t k2)
{
    return c1 > c2 || (c1 == c2 && k1 < k2);
}

uint32_t prof_top(unsigned which, unsigned rank, uint32_t *count)
{
    if (which > 1)
        return ~0u;
    /* Selection: walk down the order rank + 1 times (ranks are small). */
    uint32_t pc = ~0u, pk = 0;
    bool first = true;
    for (unsigned r = 0; r <= rank; r++) {
        uint32_t bc = 0, bk = 0, c, k;
        bool found = false;
        for (unsigned i = 0; entry(which, i, &c, &k); i++) {
            if (!c || (!first && !before(pc, pk, c, k)))
                continue;
            if (!found || before(c, k, bc, bk)) {
                bc = c, bk = k;
                found = true;
            }
        }
        if (!found)
            return ~0u;
        pc = bc, pk = bk;
        first = false;
    }
    *count = pc;
    return pk;
}

int prof_cmd(const char *args)
{
    const char *s = args ? args : "";
    while (*s == ' ')
        s++;
    if (s[0] == 's' && s[1] == 't' && s[2] == 'a') {       /* start [n] */
        uint32_t n = 0;
        for (s += 5; *s == ' '; s++)
            ;
        while (*s >= '0' && *s <= '9')
            n = n * 10 + (uint32_t)(*s++ - '0');
        kprintf("prof: sampling by %s\n", source_name(prof_start(n)));
        return 0;
    }
    if (s[0] == 's' && s[1] == 't' && s[2] == 'o') {
        kprintf("prof: stopped, %u samples\n", prof_stop());
        return 0;
    }
    if (s[0] == 'c') {
        prof_clear();
        return 0;
    }
    if (s[0] == 'd') {
        prof_dump();
        return 0;
    }
    kprintf("prof: start [period] | stop | clear | dump\n");
    return -1;
}

#else

enum prof_source prof_start(uint32_t p) { (void)p; return PROF_OFF; }
uint32_t prof_stop(void) { return 0; }
void prof_clear(void) { }
uint32_t prof_dump(void) { return 0; }
uint32_t prof_top(unsigned which, unsigned rank, uint32_t *count)
{
    (void)which; (void)rank; (void)count;
    return ~0u;
}
void prof_tick(uint32_t ip, bool user) { (void)ip; (void)user; }
void prof_sample(uint32_t ip, bool user) { (void)ip; (void)user; }
int prof_cmd(const char *args)
{
    (void)args;
    kprintf("prof: not built in (TRACE=0)\n");
    return -1;
}
#endif
