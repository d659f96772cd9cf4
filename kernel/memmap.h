/* The physical memory map: a sorted list of disjoint regions, built from the
 * boot loader's map and refined by reservations (kernel image, modules, low
 * memory). Later additions of a "stronger" type win over weaker ones, so a
 * reservation carved into available RAM splits the RAM region.
 * Boot-time only: memmap_add uses a static scratch map (not reentrant). */
#ifndef PECAN_MEMMAP_H
#define PECAN_MEMMAP_H

#include "types.h"

enum mem_type {             /* ordered by strength: higher wins on overlap */
    MEM_AVAILABLE = 1,      /* free RAM */
    MEM_RESERVED  = 2,      /* firmware, ACPI, holes, BIOS areas */
    MEM_BOOT      = 3,      /* boot modules (boot-loader specific) */
    MEM_KERNEL    = 4,      /* kernel image and kernel-owned memory */
};

struct mem_region {
    uint64_t base;
    uint64_t end;           /* exclusive */
    enum mem_type type;
};

#define MEMMAP_MAX 64

struct memmap {
    int count;
    struct mem_region r[MEMMAP_MAX];
};

void memmap_init(struct memmap *m);

/* Adds [base, base+size). Where it overlaps existing regions the stronger
 * type wins. Adjacent regions of equal type are merged. Returns 0, or -1 if
 * the table would overflow or t is not a mem_type (the map is then
 * unchanged). size 0 is a no-op; an end beyond 2^64 is clamped to 2^64-1. */
int memmap_add(struct memmap *m, uint64_t base, uint64_t size, enum mem_type t);

/* Parses a raw Multiboot v1 memory map buffer (entries of
 * {u32 size; u64 base; u64 len; u32 type}, each followed by `size` bytes
 * after the size field). Type 1 is available RAM, every other type is
 * reserved. Entries are added to m (call memmap_init first for a fresh map);
 * entries of length 0 are skipped. Returns the number of entries used, or -1
 * on a malformed buffer (entry or size field running past the end, size
 * field < 20), in which case nothing is added. If the map overflows midway
 * it also returns -1, keeping the entries added before. */
int memmap_parse_multiboot(struct memmap *m, const void *buf, uint32_t len);

/* Returns the type of the region containing addr, or 0 if none. */
enum mem_type memmap_type_at(const struct memmap *m, uint64_t addr);

/* True if [base, base+size) lies entirely in regions of type t. False for
 * size 0 and for ranges wrapping past 2^64. */
bool memmap_range_is(const struct memmap *m, uint64_t base, uint64_t size,
                     enum mem_type t);

/* Why [base, base+size) is not entirely of type t: stores in *why the first
 * part of the range (lowest address) that is of another type, or a hole
 * (type 0, with the hole's extent clipped to the range), and returns true.
 * Returns false if the whole range is of type t. size 0 and wrapping ranges
 * are reported as a hole at base. */
bool memmap_conflict(const struct memmap *m, uint64_t base, uint64_t size,
                     enum mem_type t, struct mem_region *why);

#endif
