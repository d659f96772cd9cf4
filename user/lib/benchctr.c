/* Kernel event counters per benchmark operation (benchctr.h). */
#include "benchctr.h"
#include <l4/kdebug.h>
#include "libc.h"

int bench_ctr_take(struct bench_ctr *c)
{
    /* Three stat reads: each is one kernel entry; entries is read first,
     * so c->entries counts none of this call's own reads. */
    c->entries = L4_KDB_Stat(L4ABI_KDB_STAT_ENTRIES);
    c->cr3 = L4_KDB_Stat(L4ABI_KDB_STAT_CR3_LOADS);
    c->gs = L4_KDB_Stat(L4ABI_KDB_STAT_GS_LOADS);
    c->valid = c->entries != ~0ul;
    return c->valid;
}

/* v / n with two decimals, as "12.50". */
static void print_ratio(const char *name, L4_Word_t v, unsigned long n)
{
    unsigned long h = (v * 100 + n / 2) / n;      /* no 64-bit division here */
    printf(" %s %lu.%02lu", name, h / 100, h % 100);
}

void bench_ctr_delta(const struct bench_ctr *c0, const struct bench_ctr *c1,
                     struct bench_ctr *d)
{
    d->valid = c0->valid && c1->valid;
    /* c1's take ran 3 stat reads after c0's first: 3 entries to drop. */
    d->entries = c1->entries - c0->entries - 3;
    d->cr3 = c1->cr3 - c0->cr3;
    d->gs = c1->gs - c0->gs;
}

void bench_row_delta(const char *key, unsigned long instructions,
                     const struct bench_ctr *d, unsigned long n)
{
    printf("bench-row: %s instructions %lu", key, instructions);
    if (d->valid && n) {
        print_ratio("entries", d->entries, n);
        print_ratio("cr3", d->cr3, n);
        print_ratio("gs", d->gs, n);
    } else {
        printf(" entries - cr3 - gs -");
    }
    printf("\n");
}

void bench_row(const char *key, unsigned long instructions,
               const struct bench_ctr *c0, const struct bench_ctr *c1, unsigned long n)
{
    struct bench_ctr d;
    bench_ctr_delta(c0, c1, &d);
    bench_row_delta(key, instructions, &d, n);
}
