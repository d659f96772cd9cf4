/* Worst interrupt latency the kernel causes under attack (see
 * user/tests/latency/attack.h), at full scale: 65 000 self-mappings (the
 * default per-space quota is 65 536) and 1000 blocked senders. Figures are
 * the longest stretch with interrupts off, in guest instructions. */
#include "../../tests/latency/attack.h"
#include "tap.h"

int main(void)
{
    struct attack_result r = run_attacks(65000, 1000, -1);
    L4_Word_t worst = r.map_items;
    L4_Word_t all[] = { r.unmap_query, r.unmap_remove, r.space_delete,
                        r.thread_delete, r.queue_delete };
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] > worst)
            worst = all[i];
    printf("bench: interrupts off, worst under attack: %lu instructions "
           "(map items %lu, unmap 64 x 65000 %lu [call %llu], unmap removing 65000 %lu, "
           "space deletion 65000 %lu, thread deletion %lu, 1000 senders %lu)\n",
           worst, r.map_items, r.unmap_query, r.unmap_query_time, r.unmap_remove,
           r.space_delete, r.thread_delete, r.queue_delete);
    printf("bench: interrupts off, superpage split of one 4 MiB mapping (not preemptible): "
           "%lu instructions\n", r.split);
    tap_plan(1);
    ok(r.ok, "benchmark ran");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
