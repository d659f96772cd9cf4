/* Page tables as a cache of the mapping database (mdb_pt.c). */
#ifndef PECAN_MDB_PT_H
#define PECAN_MDB_PT_H

#include "types.h"

struct space;

/* A user access of kind rwx (L4ABI_FPAGE_*) at addr faulted. If the mdb
 * has a mapping of s there that allows the access but its PTE is missing
 * or stale (e.g. no page table could be allocated when it was made), puts
 * the PTE back and returns true: the access can simply be retried.
 * Otherwise false: the fault is real. */
bool mdb_refill(struct space *s, uint32_t addr, unsigned rwx);

#endif
