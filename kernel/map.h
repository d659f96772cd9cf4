/* Map and grant items: moving page mappings from one space to another. */
#ifndef PECAN_MAP_H
#define PECAN_MAP_H

#include "types.h"

struct tcb;
struct space;
struct mdb_yield;

/* One map or grant item (words item0, fpage) from s to r, whose receive
 * window (acceptor fpage, 0 = none) is `window`, by the X.2 rules (see
 * map.c). Pages s does not have are skipped; KIP and UTCB pages never
 * move; nothing moves into or out of kernel space. The caller refuses a
 * memory fpage into a nil window (message overflow); I/O fpages are
 * accepted whatever the window. The mapping work pauses through y
 * (mdb.h), which may stop it: pieces done stay done. */
void map_item(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
              uint32_t window, const struct mdb_yield *y);

/* The short path of map_item for a map item (not grant) of one 4 KiB
 * memory fpage with a non-nil receive window: returns false with nothing
 * changed when it cannot tell map_item's result (something else is in
 * the receiver's way, or out of kernel memory: map_item then does the
 * item, preemptibly), else does what map_item would do but its trace
 * record (sigma0's roots, the X.2 window rule, the range rules,
 * mdb_map_page) and returns true. */
bool map_item_page(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
                   uint32_t window);

/* sigma0's invisible page faults (access rwx, L4ABI_FPAGE_*): physical
 * memory mapped 1:1 where sigma0 may own it, as roots of the mapping
 * database. Returns false for addresses sigma0 may never see (or, for a
 * mapping sigma0 received read-only, writes). */
bool sigma0_map(struct space *s, uint32_t addr, unsigned rwx);

#endif
