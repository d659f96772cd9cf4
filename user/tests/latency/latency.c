/* Interrupt latency under attack (attack.h): every kernel operation whose
 * work a task chooses keeps interrupts off for less than LATENCY_BOUND
 * guest instructions at a stretch. Smaller than the benchmark's attacks
 * (which use the full 65 536-mapping quota), but each attack still costs
 * the kernel millions of instructions in one system call. */
#include "attack.h"
#include "tap.h"

#define LATENCY_BOUND 20000u
#define NMAP          4096u
#define NSEND         128

int main(void)
{
    struct attack_result r = run_attacks(NMAP, NSEND, 0);
    tap_plan(8);
    ok(irqoff_max() != ~0ul, "the kernel reports its longest interrupts-off stretch");
    ok(r.ok, "the attacks did their work (mappings made, queried, removed)");
    ok(r.map_items < LATENCY_BOUND,
       "map items (31 per message) keep interrupts off < %u instructions (%lu)",
       LATENCY_BOUND, r.map_items);
    ok(r.unmap_query < LATENCY_BOUND,
       "unmap walking %u derived mappings 64 times keeps interrupts off < %u (%lu; call %llu)",
       NMAP, LATENCY_BOUND, r.unmap_query, r.unmap_query_time);
    ok(r.unmap_remove < LATENCY_BOUND && r.space_delete < LATENCY_BOUND,
       "removing %u mappings, by unmap or space deletion, keeps interrupts off < %u (%lu, %lu)",
       NMAP, LATENCY_BOUND, r.unmap_remove, r.space_delete);
    ok(r.thread_delete < LATENCY_BOUND,
       "deleting a thread with thread number %u in use keeps interrupts off < %u (%lu)",
       HIGH_NO, LATENCY_BOUND, r.thread_delete);
    ok(r.queue_delete < LATENCY_BOUND,
       "deleting a thread with %d blocked senders keeps interrupts off < %u (%lu)",
       NSEND, LATENCY_BOUND, r.queue_delete);
    ok(r.lifetimes == 1,
       "a receiver deleted during a long map item, and a thread deleted during its "
       "own long Unmap, leave a working kernel");
    printf("# superpage split (not preemptible): %lu instructions with interrupts off\n",
           r.split);
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
