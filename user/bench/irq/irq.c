/* Interrupt latency, in guest instructions (rdtsc under QEMU -icount),
 * as issue 11 counts it: from the device raise to the handler's first
 * instruction after its receive returns, and to the return of its
 * acknowledgement. The RTC periodic interrupt drives it; the handler
 * waits above a spinning low-priority thread, so every delivery is a
 * direct switch from an interrupted user thread. X.2 synchronous against
 * Pecan asynchronous.
 *
 * Where it starts: the RTC raises its line at a point of guest time and
 * QEMU takes the interrupt at the interrupted thread's next instruction
 * boundary. That thread spins in a 4-instruction loop (spin() below)
 * storing its TSC; the figure starts at the instruction after its last
 * loop (the stored TSC plus the loop's 3 instructions after the rdtsc),
 * i.e. at the first instruction of the kernel's interrupt entry, so every
 * kernel instruction (IDT stub, entry, delivery, switch, exit) counts.
 * Where it stops: the handler's rdtsc right after L4_Receive returns
 * (libl4's stub and the return of the receive included, as before).
 * A sample whose interrupt came between the rdtsc and the store would
 * count 4 more; the median is taken. */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/pecan.h>
#include "libc.h"
#include "rtc.h"
#include "benchctr.h"

#define UTCB_AREA 0xbfe00000u
#define SAMPLES   64

static L4_ThreadId_t main_tid, h_tid, irq8;
static L4_Word_t h_stack[1024] __attribute__((aligned(16)));
static volatile int done;
static volatile int async_mode;
static unsigned long to_handler[SAMPLES], to_ack[SAMPLES];
/* The interrupted thread's last TSC (low word), stored by spin(). */
static volatile unsigned long last_tsc;
/* Instructions of spin()'s loop after its rdtsc: the store, the test of
 * done, the branch back. */
#define SPIN_TAIL 3
/* Bench kernel: the fewest entries, CR3 and gs loads of one sample's
 * receive-to-handler window (the quietest sample: no timer tick in it). */
static struct bench_ctr least;
static int counting;            /* the kernel counts: take them (bench kernel) */

static void note_least(const struct bench_ctr *d)
{
    if (!least.valid || d->entries < least.entries) {
        least = *d;
        least.valid = d->valid;
    }
}

static inline unsigned long rdtsc_lo(void)
{
    unsigned long lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo;
}

static void h_main(void)
{
    for (;;) {
    L4_Receive(main_tid);               /* start of a run */
    for (int i = 0; i < SAMPLES; i++) {
        /* Counters only on the bench kernel: their reads would show in
         * the ack figure of the normal one. */
        struct bench_ctr c0, c1, d;
        if (counting)
            bench_ctr_take(&c0);
        L4_MsgTag_t tag = L4_Receive(irq8);
        unsigned long t1 = rdtsc_lo();
        if (counting) {
            bench_ctr_take(&c1);
            /* Our own receive is one entry and one switch away (gs) too. */
            bench_ctr_delta(&c0, &c1, &d);
            d.entries -= 1;
            d.gs -= 1;
            note_least(&d);
        }
        if (L4_IpcFailed(tag))
            break;
        rtc_ack();                      /* device: two port accesses */
        L4_AckInterrupt(irq8);
        unsigned long t2 = rdtsc_lo();
        unsigned long entry = last_tsc + SPIN_TAIL;    /* the raise */
        to_handler[i] = t1 - entry;
        to_ack[i] = t2 - entry;
    }
    done = 1;
    }
}

static void sort(unsigned long *a, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
            unsigned long t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

static void report(const char *mode, unsigned long *a, const char *what)
{
    sort(a, SAMPLES);
    printf("bench: irq-latency %s %s: median %lu min %lu instructions\n", mode, what,
           a[SAMPLES / 2], a[0]);
}

/* The interrupted thread: stores its TSC until the handler is done. */
static void spin(void)
{
    __asm__ volatile("1: rdtsc\n\t"
                     "movl %%eax, %0\n\t"          /* last_tsc */
                     "cmpl $0, %1\n\t"             /* done? */
                     "je 1b"
                     : "=m"(last_tsc) : "m"(done) : "eax", "edx", "cc", "memory");
}

static void run(const char *mode, int async)
{
    done = 0;
    least.valid = 0;
    if (async)
        L4_PecanAssociateAsync(irq8, h_tid, 0);
    else
        L4_AssociateInterrupt(irq8, h_tid);
    L4_LoadMR(0, 0);
    L4_Send(h_tid);
    rtc_periodic_start(6);
    spin();                     /* the interrupted thread */
    rtc_periodic_stop();
    L4_DeassociateInterrupt(irq8);
    report(mode, to_handler, "entry-to-handler");
    bench_row_delta(async ? "irq-async" : "irq-sync", to_handler[SAMPLES / 2], &least, 1);
    report(mode, to_ack, "entry-to-ack-done");
}

int main(void)
{
    main_tid = L4_Myself();
    struct bench_ctr probe;
    counting = bench_ctr_take(&probe);
    irq8 = L4_InterruptThread(RTC_IRQ);
    if (!L4_PecanSigma0GetPorts(L4_GlobalId(48, 1), RTC_PORT, 1)) {
        printf("bench: irq no RTC ports\n");
        L4_KDB_Shutdown(1);
    }
    h_tid = L4_GlobalId(120, 1);
    L4_ThreadControl(h_tid, main_tid, main_tid, main_tid, (void *)(UTCB_AREA + 0x200));
    L4_Start_SpIp(h_tid, (L4_Word_t)&h_stack[1020], (L4_Word_t)h_main);
    L4_Set_Priority(h_tid, 200);
    L4_Set_Priority(main_tid, 100);     /* the handler outranks us */
    run("sync", 0);
    run("async", 1);
    L4_KDB_Shutdown(0);
    return 0;
}
