/* Event counters for `make bench` (build option STATS, config.mk): how
 * many kernel entries, CR3 loads and %gs reloads an operation costs, so
 * that an instruction figure can be explained. Only the bench-only kernel
 * (build/stats/pecan.elf) counts; in every other build the hooks are
 * empty and cost nothing. Counters are per CPU (the CPU's record index);
 * the kdebug stats L4ABI_KDB_STAT_ENTRIES, _CR3_LOADS and _GS_LOADS read
 * their sums (~0 in a kernel built without STATS). */
#ifndef PECAN_STATS_H
#define PECAN_STATS_H

#ifndef __ASSEMBLER__
#include "types.h"

enum { STAT_ENTRIES, STAT_CR3_LOADS, STAT_GS_LOADS, STAT_NCOUNTERS };

#if STATS
void stats_count(unsigned which);
#define STAT_INC(which) stats_count(which)
#else
#define STAT_INC(which) ((void)0)
#endif
/* Sum over every CPU, or ~0 if the kernel does not count (STATS=0). */
uint32_t stats_read(unsigned which);

#else /* assembly: count one kernel entry; clobbers eax, ecx, edx */
#if STATS
#define STAT_ENTRY_ASM call stats_count_entry
#else
#define STAT_ENTRY_ASM
#endif
#endif

#endif
