/* Several CPUs: the one that enters the debugger stops every other CPU
 * that is up with an NMI (each then waits in the debugger's session, its
 * interrupted frame kept), and `cpu n` hands the console to another one.
 * Each CPU shows the thread it runs (docs/smp.md); breakpoints set on
 * one CPU are loaded on every CPU as the session ends (bp.c). */
#include "../../../kdb/kdb_int.h"
#include "../smp.h"
#include "../apic.h"
#include "../../../thread.h"

/* An NMI from QEMU's monitor reaches every CPU by itself: give the others
 * a moment to arrive before sending them one more. */
#define ARRIVE_SPINS 20000


void kdb_stop_others(void)
{
    unsigned me = kdb_cpu_index();
    if (cpus_up <= 1)
        return;
    for (unsigned spin = 0; spin < ARRIVE_SPINS; spin++)
        __asm__ volatile("pause");
    for (unsigned i = 0; i < cpus_up; i++)
        if (i != me && !kdb_cpu_in(i))
            lapic_send_nmi(cpu_local[i].apic_id);
}

/* The thread this CPU runs (its record's, not the stack's: a CPU stopped
 * by NMI may be on a stack without a TCB), and a thread's home CPU. */
struct tcb *kdb_current(void)
{
    return cpu_local[kdb_cpu_index()].running;
}

unsigned kdb_thread_cpu(const struct tcb *t)
{
    return t->cpu ? t->cpu->index : 0;
}

static int cmd_cpu(int argc, char **argv)
{
    uint32_t n;
    if (argc < 2) {
        kp("console on cpu %u of %u up\n", kdb_cpu_index(), cpus_up ? cpus_up : 1);
        return KDB_STAY;
    }
    if (!kdb_num(argv[1], &n) || n >= (cpus_up ? cpus_up : 1)) {
        kp("usage: cpu [n]   (n < %u)\n", cpus_up ? cpus_up : 1);
        return KDB_STAY;
    }
    kdb_console_cpu = (int)n;   /* that CPU's session loop takes over */
    return KDB_STAY;
}
KDB_COMMAND(cpu, "[n]", "show or switch the CPU the console examines", cmd_cpu);
