/* Kernel event counters for the benchmarks: kernel entries (traps,
 * interrupts, sysenter), CR3 loads and %gs reloads per operation, read
 * through the kdebug stats of the bench-only kernel (STATS=1; `make bench`
 * boots every counting benchmark on it once more). On a kernel that does
 * not count, bench_ctr_take returns 0 and bench_row prints only the
 * instruction figure; tools/bench-table.sh joins the two runs' rows.
 *
 *   struct bench_ctr c0, c1;
 *   bench_ctr_take(&c0);
 *   ... n operations ...
 *   bench_ctr_take(&c1);
 *   bench_row("pagefault", instructions, &c0, &c1, n);
 *
 * prints "bench-row: pagefault instructions 3263 entries 2.00 cr3 2.00
 * gs 2.00" (counters "-" when the kernel does not count). The reads are
 * kdebug traps themselves: take c0 and c1 the same way, and the
 * difference leaves them out except for one entry, subtracted here. */
#ifndef BENCHCTR_H
#define BENCHCTR_H

#include <l4/types.h>

struct bench_ctr {
    L4_Word_t entries, cr3, gs;
    int valid;                  /* 0: the kernel does not count */
};

int bench_ctr_take(struct bench_ctr *c);
/* c1 - c0 (valid if both are), without bench_ctr_take's own entries. */
void bench_ctr_delta(const struct bench_ctr *c0, const struct bench_ctr *c1,
                     struct bench_ctr *d);
/* One row of the bench table; n: operations between c0 and c1. */
void bench_row(const char *key, unsigned long instructions,
               const struct bench_ctr *c0, const struct bench_ctr *c1, unsigned long n);
/* The same from a delta already taken (d counts n operations). */
void bench_row_delta(const char *key, unsigned long instructions,
                     const struct bench_ctr *d, unsigned long n);

#endif
