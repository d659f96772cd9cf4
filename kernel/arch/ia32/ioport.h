/* Per-space I/O port permissions (X.2 ia32 I/O fpages) through the TSS
 * I/O bitmap. See docs/interrupts.md for the design and its costs. */
#ifndef PECAN_IA32_IOPORT_H
#define PECAN_IA32_IOPORT_H

#include "types.h"
#include "../../iobitmap.h"
#include "../../iomdb.h"

struct space;
struct trap_frame;

/* Per-space state, embedded in struct space. A space that never received
 * a port has no bitmap (page[0] == NULL) and shares the kernel's
 * all-denied one. Its ports and where they came from: iomdb.h. */
struct io_space {
    struct iobm bm;
    struct iomdb_list held;     /* its nodes in the port derivation trees */
};

struct cpu_local;
void io_init(void);                         /* the boot processor's window */
void io_init_cpu(struct cpu_local *c);      /* an AP's, by the AP (ap_main) */
/* On address-space switch on CPU me: remaps me's window if s's bitmap
 * (NULL = none) is not the installed one. Callers test me->io_bm against
 * s->io.bm.page[0] inline first. */
void io_switch(struct cpu_local *me, struct space *s);
/* Removes s's ports and everything derived from them (interrupt window
 * every IO_WORK_CHUNK units), then frees its bitmap. */
void io_space_destroy(struct space *s);
/* sigma0, the root of the port space, may use every port the kernel does
 * not keep (io_port_reserved) itself, as it may touch all memory: its
 * bitmap allows them from the start. False if out of memory. */
bool io_space_init_sigma0(struct space *s);
/* Work budgets in iomdb units (iomdb.h; measured costs: docs/interrupts.md).
 * Unmap and deletion open an interrupt window every IO_WORK_CHUNK units; a
 * map item (inside an IPC, where no window can open) does at most
 * IO_MAP_WORK units and leaves the rest of its fpage unmapped. 96 units
 * cover a whole 64K-port map from a holder with a few runs. */
#define IO_WORK_CHUNK 32
#define IO_MAP_WORK   96
/* Map/grant item with an I/O fpage from space `from` to `to`: the ports
 * of the fpage that `from` holds (iomdb.h). Nothing, not even a bitmap,
 * if it holds none. At most IO_MAP_WORK units of work. */
void io_map(struct space *from, struct space *to, uint32_t fpage, bool grant);
/* Unmap of an I/O fpage by s: revoked from every space that got the ports
 * from s (directly or not), and from s itself if `flush`. Opens an
 * interrupt window every IO_WORK_CHUNK units of work (iomdb.h) and yields
 * if a higher priority became ready. */
void io_unmap(struct space *s, uint32_t fpage, bool flush);
/* A #GP from user mode, with the instruction at eip already decoded (len
 * is x86_decode's result): if it is an I/O instruction on ports the space
 * lacks, sends the I/O-fault IPC to the pager and returns true (the
 * instruction restarts). */
struct x86_insn;
bool io_fault(struct trap_frame *f, int len, const struct x86_insn *in);

extern uint32_t io_stat_switches, io_stat_faults;

#endif
