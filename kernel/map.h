/* Map and grant items: moving page mappings from one space to another. */
#ifndef PECAN_MAP_H
#define PECAN_MAP_H

#include "types.h"

struct tcb;
struct space;

/* One map or grant item (words item0, fpage) from s to r, whose receive
 * window (acceptor fpage, 0 = none) is `window`. Pages s does not have are
 * skipped; KIP and UTCB pages never move. */
void map_item(struct tcb *s, struct tcb *r, uint32_t item0, uint32_t fpage,
              uint32_t window);

/* sigma0's invisible page faults: physical memory mapped 1:1 where sigma0
 * may own it. Returns false for addresses sigma0 may never see. */
bool sigma0_map(struct space *s, uint32_t addr);

#endif
