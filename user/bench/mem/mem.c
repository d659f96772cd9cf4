/* Memory-management benchmarks (guest instructions: rdtsc under -icount):
 *  - page-fault round trip: a child touches 1024 fresh pages; each access
 *    faults, the kernel sends the fault IPC to the root task, which answers
 *    with a map item, and the child resumes. Measured in the child, so one
 *    figure is the whole fault -> pager -> map -> resume path.
 *  - unmapping 1024 pages: the root task revokes the child's 1024 4 KiB
 *    mappings (derived from its one 4 MiB mapping) with one Unmap.
 *  - a send carrying one 4 KiB map item, against the same send whose item
 *    has no rights: the difference is the kernel's mapping work.
 * Each is run twice; the second run (warm kernel slabs, page tables
 * already there) is reported. */
#include "../../tests/mem/mempager.h"
#include "tap.h"
#include "benchctr.h"

#define REGION   0x20000000u
#define CHILD_VA 0x40000000u
#define NPAGES   1024u

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

int main(void)
{
    int good = 1;
    root_tid = L4_Myself();
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_nilthread, 22, L4_FpageLog2(REGION, 22));
    good &= !L4_IsNilFpage(f);
    L4_ThreadId_t c = L4_GlobalId(100, 1);
    pw_add(c, CHILD_VA, NPAGES * 4096, REGION, L4_FullyAccessible);
    good &= make_child(c, 0);

    unsigned long fault = 0, unmap = 0;
    struct bench_ctr f0, f1;
    for (int round = 0; round < 2; round++) {
        L4_Word_t n0 = nfaults;
        bench_ctr_take(&f0);
        fault = cmd(c, C_TOUCH, CHILD_VA, NPAGES * 4096, 0, 0) / NPAGES;
        bench_ctr_take(&f1);
        good &= nfaults - n0 == NPAGES;
        unsigned long long t0 = rdtsc();
        L4_Fpage_t r = L4_UnmapFpage(fpage(REGION, 22, L4_FullyAccessible));
        unsigned long long t1 = rdtsc();
        unmap = (unsigned long)(t1 - t0);
        good &= L4_WasWritten(r);
    }
    /* Map items alone: a send with one 4 KiB map item to the waiting child
     * (which only waits again), against the same send whose item carries no
     * rights (nothing mapped). The difference is the kernel's map work. */
    cmd(c, C_WINDOW, L4_CompleteAddressSpace.raw, 0, 0, 0);
    unsigned long with_map = 0, without = 0;
    for (int round = 0; round < 2; round++) {
        L4_UnmapFpage(fpage(REGION, 22, L4_FullyAccessible));
        unsigned long long t0 = rdtsc();
        for (L4_Word_t i = 0; i < NPAGES; i++)
            good &= give(c, fpage(REGION + i * 4096, 12, L4_FullyAccessible),
                         CHILD_VA + i * 4096, 0);
        unsigned long long t1 = rdtsc();
        for (L4_Word_t i = 0; i < NPAGES; i++)
            good &= give(c, fpage(REGION + i * 4096, 12, 0), CHILD_VA + i * 4096, 0);
        unsigned long long t2 = rdtsc();
        with_map = (unsigned long)(t1 - t0) / NPAGES;
        without = (unsigned long)(t2 - t1) / NPAGES;
    }
    good &= with_map > without;
    printf("bench: send with one 4 KiB map item: %lu instructions (same send, no rights: %lu)\n",
           with_map, without);
    printf("bench: page-fault round trip (fault, pager IPC, map item, resume): "
           "%lu instructions\n", fault);
    /* Counters over the touch command: its own call and reply (4 entries,
     * 2 address-space switches each way) are noise over 1024 faults. */
    bench_row("pagefault", fault, &f0, &f1, NPAGES);
    printf("bench: unmap of %u child pages in one Unmap: %lu instructions (%lu per page)\n",
           NPAGES, unmap, unmap / NPAGES);
    tap_plan(1);
    ok(good, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
