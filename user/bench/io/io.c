/* I/O-port derivation costs, in guest instructions (rdtsc under QEMU
 * -icount), including the IPC or system call around them:
 *  - sigma0 maps all 65536 ports to us (one I/O map item, 7 runs);
 *  - we map them all to a child (one item);
 *  - we map 512 single ports to the child (512 runs), then unmap them all
 *    in one Unmap: the kernel opens an interrupt window every
 *    IO_WORK_CHUNK units, so the figure is the total, not the time with
 *    interrupts off;
 *  - one 64K-port map item over the child's 512 runs: bounded by
 *    IO_MAP_WORK (the rest of the fpage is left for another item). */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/sigma0.h>
#include <l4/pecan.h>
#include "libc.h"
#include "pager.h"

#define UTCB_AREA 0xbfe00000u
#define KIP_AREA  0xbff00000u
#define RUNS      512

static L4_ThreadId_t me, child;
static L4_Word_t child_stack[1024] __attribute__((aligned(16)));

static inline unsigned long rdtsc_lo(void)
{
    unsigned long lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo;
}

static void child_main(void)
{
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_LoadMR(0, 0);
        L4_Call(me);
    }
}

/* Answers the child's call with up to 31 I/O map items; returns the cost
 * of the send and waits for its next call. */
static unsigned long send_ports(const L4_Word_t *fp, int n)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    for (int i = 0; i < n; i++)
        L4_MsgAppendMapItem(&msg, L4_MapItem((L4_Fpage_t){ .raw = fp[i] }, 0));
    L4_MsgLoad(&msg);
    unsigned long t0 = rdtsc_lo();
    L4_Send(child);
    unsigned long t1 = rdtsc_lo();
    pager_receive(child);
    return t1 - t0;
}

int main(void)
{
    me = L4_Myself();
    child = L4_GlobalId(90, 1);
    L4_ThreadId_t s0 = L4_GlobalId(48, 1);

    unsigned long t0 = rdtsc_lo();
    int got = L4_PecanSigma0GetPorts(s0, 0, 16);
    unsigned long t1 = rdtsc_lo();
    if (!got) {
        printf("bench: io no ports from sigma0\n");
        L4_KDB_Shutdown(1);
    }
    printf("bench: io sigma0-maps-65536-ports %lu instructions (whole request)\n", t1 - t0);

    if (!pager_start_child(child, me, child_main, (L4_Word_t)&child_stack[1020], KIP_AREA,
                           UTCB_AREA)) {
        printf("bench: io no child\n");
        L4_KDB_Shutdown(1);
    }
    pager_receive(child);
    L4_Word_t all = L4ABI_IOFPAGE(0, 16);
    send_ports(&all, 1);                    /* warm: the same pages touched */
    L4_PecanUnmapPorts(0, 16, 0);
    printf("bench: io map-65536-ports-to-child %lu instructions (send with one item)\n",
           send_ports(&all, 1));
    t0 = rdtsc_lo();
    L4_PecanUnmapPorts(0, 16, 0);
    t1 = rdtsc_lo();
    printf("bench: io unmap-65536-ports-from-child %lu instructions\n", t1 - t0);

    L4_Word_t fp[31];
    unsigned long sent = 0;
    for (int i = 0; i < RUNS; ) {
        int n = 0;
        for (; n < 31 && i < RUNS; n++, i++)
            fp[n] = L4ABI_IOFPAGE(0x1000 + 2 * i, 0);
        sent += send_ports(fp, n);
    }
    printf("bench: io map-1-port %lu instructions per item (%d items, 31 a message)\n",
           sent / RUNS, RUNS);
    printf("bench: io map-65536-over-%d-runs %lu instructions (one item, budget-bound)\n",
           RUNS, send_ports(&all, 1));
    L4_PecanUnmapPorts(0, 16, 0);
    for (int i = 0; i < RUNS; ) {
        int n = 0;
        for (; n < 31 && i < RUNS; n++, i++)
            fp[n] = L4ABI_IOFPAGE(0x1000 + 2 * i, 0);
        send_ports(fp, n);
    }
    t0 = rdtsc_lo();
    L4_PecanUnmapPorts(0, 16, 0);
    t1 = rdtsc_lo();
    printf("bench: io unmap-%d-runs %lu instructions in all, %lu per run "
           "(interrupt window every 32 units)\n", RUNS, t1 - t0, (t1 - t0) / RUNS);
    L4_KDB_Shutdown(0);
    return 0;
}
