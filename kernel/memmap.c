/* Physical memory map.
 *
 * Invariant of struct memmap: r[0..count) is sorted by base, regions are
 * non-empty and disjoint, and no two adjacent (touching) regions have the
 * same type. memmap_add rebuilds the map into a scratch copy in one sweep and
 * commits it only if it fits, so a failed add leaves the map unchanged.
 * Boot-time only: the scratch copy is static and there is no locking. */
#include "memmap.h"

static struct memmap scratch;

void memmap_init(struct memmap *m)
{
    m->count = 0;
}

static bool valid_type(enum mem_type t)
{
    return t >= MEM_AVAILABLE && t <= MEM_KERNEL;
}

/* Appends [base, end) to the scratch map, merging with the previous region
 * when they touch and have the same type. Returns false on overflow. Because
 * the sweep emits in address order and merging never undoes an append, an
 * overflow here means the final map would overflow too. */
static bool emit(uint64_t base, uint64_t end, enum mem_type t)
{
    if (base >= end)
        return true;
    struct mem_region *last = scratch.count ? &scratch.r[scratch.count - 1] : NULL;
    if (last && last->end == base && last->type == t) {
        last->end = end;
        return true;
    }
    if (scratch.count == MEMMAP_MAX)
        return false;
    scratch.r[scratch.count++] = (struct mem_region){ base, end, t };
    return true;
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

int memmap_add(struct memmap *m, uint64_t base, uint64_t size, enum mem_type t)
{
    if (!valid_type(t))
        return -1;
    if (size == 0)
        return 0;
    /* Clamp at the top of the 64-bit space instead of wrapping. */
    uint64_t end = size > UINT64_MAX - base ? UINT64_MAX : base + size;

    /* Sweep old regions in order; `cur` is the lowest point of the new range
     * not yet emitted. Parts of the new range in gaps get type t, parts over
     * an old region get the stronger of the two types. */
    uint64_t cur = base;
    scratch.count = 0;
    for (int i = 0; i < m->count; i++) {
        const struct mem_region *r = &m->r[i];
        if (cur < end && cur < r->base) {           /* gap before r */
            uint64_t gap_end = min64(end, r->base);
            if (!emit(cur, gap_end, t))
                return -1;
            cur = gap_end;
        }
        if (r->end <= base || r->base >= end) {     /* r untouched */
            if (!emit(r->base, r->end, r->type))
                return -1;
            continue;
        }
        uint64_t lo = max64(r->base, base), hi = min64(r->end, end);
        enum mem_type strong = r->type > t ? r->type : t;
        if (!emit(r->base, lo, r->type) ||          /* part of r below */
            !emit(lo, hi, strong) ||                /* the overlap */
            !emit(hi, r->end, r->type))             /* part of r above */
            return -1;
        cur = max64(cur, hi);
    }
    if (cur < end && !emit(cur, end, t))
        return -1;

    m->count = scratch.count;
    for (int i = 0; i < scratch.count; i++)
        m->r[i] = scratch.r[i];
    return 0;
}

/* Unaligned little-endian loads: the boot loader's buffer has no alignment
 * guarantee beyond what it chose. */
static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

/* Walks the buffer; with m == NULL it only validates. Returns the number of
 * non-empty entries, or -1 if malformed or the map overflows. */
static int walk_multiboot(struct memmap *m, const uint8_t *buf, uint32_t len)
{
    int used = 0;
    uint32_t off = 0;
    while (off < len) {
        if (len - off < 4)
            return -1;                      /* truncated size field */
        uint32_t size = ld32(buf + off);
        if (size < 20 || size > len - off - 4)
            return -1;                      /* too small or runs past end */
        const uint8_t *e = buf + off + 4;
        uint64_t base = ld64(e), length = ld64(e + 8);
        uint32_t type = ld32(e + 16);
        if (length != 0) {
            if (m && memmap_add(m, base, length,
                                type == 1 ? MEM_AVAILABLE : MEM_RESERVED) < 0)
                return -1;
            used++;
        }
        off += 4 + size;                    /* cannot wrap: size <= len-off-4 */
    }
    return used;
}

int memmap_parse_multiboot(struct memmap *m, const void *buf, uint32_t len)
{
    /* Validate everything first so a malformed buffer adds nothing. */
    if (walk_multiboot(NULL, buf, len) < 0)
        return -1;
    return walk_multiboot(m, buf, len);
}

enum mem_type memmap_type_at(const struct memmap *m, uint64_t addr)
{
    /* Binary search for the last region with base <= addr. */
    int lo = 0, hi = m->count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->r[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && addr < m->r[lo - 1].end)
        return m->r[lo - 1].type;
    return 0;
}

bool memmap_range_is(const struct memmap *m, uint64_t base, uint64_t size,
                     enum mem_type t)
{
    struct mem_region why;
    return !memmap_conflict(m, base, size, t, &why);
}

bool memmap_conflict(const struct memmap *m, uint64_t base, uint64_t size,
                     enum mem_type t, struct mem_region *why)
{
    if (size == 0 || size > UINT64_MAX - base) {
        *why = (struct mem_region){ base, base, 0 };
        return true;
    }
    uint64_t end = base + size, cur = base;
    for (int i = 0; i < m->count && cur < end; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->end <= cur)
            continue;
        if (r->base > cur) {                        /* a hole before r */
            *why = (struct mem_region){ cur, min64(r->base, end), 0 };
            return true;
        }
        if (r->type != t) {
            *why = *r;
            return true;
        }
        cur = r->end;
    }
    if (cur < end) {                                /* a hole after the last */
        *why = (struct mem_region){ cur, end, 0 };
        return true;
    }
    return false;
}
