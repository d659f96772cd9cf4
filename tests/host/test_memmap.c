/* Tests for kernel/memmap.c: Multiboot parsing (valid and malformed),
 * overlap resolution by type strength, splitting, merging, overflow, and the
 * lookup functions. Every map produced is also checked for the invariant
 * (sorted, non-empty, disjoint, neighbours of equal type merged). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"

static struct memmap map;

static void check_invariant(const struct memmap *m)
{
    assert_in_range(m->count, 0, MEMMAP_MAX);
    for (int i = 0; i < m->count; i++) {
        assert_true(m->r[i].base < m->r[i].end);
        if (i > 0) {
            assert_true(m->r[i - 1].end <= m->r[i].base);
            if (m->r[i - 1].end == m->r[i].base)
                assert_int_not_equal(m->r[i - 1].type, m->r[i].type);
        }
    }
}

/* Field-wise comparison (struct padding is not part of the state). */
static void assert_same_map(const struct memmap *a, const struct memmap *b)
{
    assert_int_equal(a->count, b->count);
    for (int i = 0; i < a->count; i++) {
        assert_true(a->r[i].base == b->r[i].base);
        assert_true(a->r[i].end == b->r[i].end);
        assert_int_equal(a->r[i].type, b->r[i].type);
    }
}

static void expect_region(int i, uint64_t base, uint64_t end, enum mem_type t)
{
    assert_true(i < map.count);
    assert_true(map.r[i].base == base);
    assert_true(map.r[i].end == end);
    assert_int_equal(map.r[i].type, t);
}

static int setup(void **state)
{
    (void)state;
    memmap_init(&map);
    return 0;
}

/* ---- Multiboot buffer construction ---- */

struct mb {
    uint8_t b[1024];
    uint32_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends an entry whose size field is `size` (20 for a plain entry); the
 * entry occupies 4 + size bytes, extra bytes are filled with 0xee. */
static void mb_entry(struct mb *mb, uint32_t size, uint64_t base, uint64_t len,
                     uint32_t type)
{
    uint8_t *p = mb->b + mb->len;
    uint32_t room = size < 20 ? 20 : size;
    memset(p, 0xee, 4 + room);
    put32(p, size);
    put32(p + 4, (uint32_t)base);
    put32(p + 8, (uint32_t)(base >> 32));
    put32(p + 12, (uint32_t)len);
    put32(p + 16, (uint32_t)(len >> 32));
    put32(p + 20, type);
    mb->len += 4 + size;
}

static void test_parse_typical_bios_map(void **state)
{
    (void)state;
    struct mb mb = { .len = 0 };
    mb_entry(&mb, 20, 0x0, 0x9fc00, 1);
    mb_entry(&mb, 20, 0x9fc00, 0x400, 2);
    mb_entry(&mb, 20, 0xf0000, 0x10000, 2);
    mb_entry(&mb, 20, 0x100000, 0x7ee0000, 1);
    mb_entry(&mb, 20, 0x7fe0000, 0x20000, 3);        /* ACPI: reserved */
    mb_entry(&mb, 20, 0xfffc0000, 0x40000, 2);
    mb_entry(&mb, 20, 0x100000000ULL, 0x40000000, 1); /* above 4 GiB */

    assert_int_equal(memmap_parse_multiboot(&map, mb.b, mb.len), 7);
    check_invariant(&map);
    assert_int_equal(map.count, 7);
    expect_region(0, 0x0, 0x9fc00, MEM_AVAILABLE);
    expect_region(1, 0x9fc00, 0xa0000, MEM_RESERVED);
    expect_region(2, 0xf0000, 0x100000, MEM_RESERVED);
    expect_region(3, 0x100000, 0x7fe0000, MEM_AVAILABLE);
    expect_region(4, 0x7fe0000, 0x8000000, MEM_RESERVED);
    expect_region(5, 0xfffc0000, 0x100000000ULL, MEM_RESERVED);
    expect_region(6, 0x100000000ULL, 0x140000000ULL, MEM_AVAILABLE);
}

static void test_parse_larger_size_field_skips_extra(void **state)
{
    (void)state;
    struct mb mb = { .len = 0 };
    mb_entry(&mb, 24, 0x1000, 0x1000, 1);    /* 4 extra bytes to skip */
    mb_entry(&mb, 20, 0x3000, 0x1000, 1);
    assert_int_equal(memmap_parse_multiboot(&map, mb.b, mb.len), 2);
    check_invariant(&map);
    assert_int_equal(map.count, 2);
    expect_region(0, 0x1000, 0x2000, MEM_AVAILABLE);
    expect_region(1, 0x3000, 0x4000, MEM_AVAILABLE);
}

static void test_parse_unaligned_buffer(void **state)
{
    (void)state;
    struct mb mb = { .len = 0 };
    mb_entry(&mb, 20, 0x5000, 0x3000, 1);
    uint8_t raw[64];
    memcpy(raw + 1, mb.b, mb.len);           /* odd address */
    assert_int_equal(memmap_parse_multiboot(&map, raw + 1, mb.len), 1);
    assert_int_equal(map.count, 1);
    expect_region(0, 0x5000, 0x8000, MEM_AVAILABLE);
}

static void test_parse_empty_buffer_and_zero_length_entry(void **state)
{
    (void)state;
    assert_int_equal(memmap_parse_multiboot(&map, NULL, 0), 0);
    assert_int_equal(map.count, 0);

    struct mb mb = { .len = 0 };
    mb_entry(&mb, 20, 0x1000, 0, 1);        /* zero length: skipped */
    mb_entry(&mb, 20, 0x2000, 0x1000, 1);
    assert_int_equal(memmap_parse_multiboot(&map, mb.b, mb.len), 1);
    assert_int_equal(map.count, 1);
    expect_region(0, 0x2000, 0x3000, MEM_AVAILABLE);
}

static void test_parse_malformed_leaves_map_unchanged(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x10000, 0x1000, MEM_KERNEL), 0);
    struct memmap before = map;

    struct mb mb = { .len = 0 };
    mb_entry(&mb, 20, 0x100000, 0x100000, 1);
    mb_entry(&mb, 20, 0x200000, 0x100000, 1);

    /* truncated last entry */
    assert_int_equal(memmap_parse_multiboot(&map, mb.b, mb.len - 1), -1);
    assert_same_map(&map, &before);

    /* a size field alone cut short (2 bytes left after the first entry) */
    assert_int_equal(memmap_parse_multiboot(&map, mb.b, 24 + 2), -1);
    assert_same_map(&map, &before);

    /* size field < 20 in the second entry */
    struct mb small = { .len = 0 };
    mb_entry(&small, 20, 0x100000, 0x100000, 1);
    mb_entry(&small, 19, 0x200000, 0x100000, 1);
    assert_int_equal(memmap_parse_multiboot(&map, small.b, small.len), -1);
    assert_same_map(&map, &before);

    /* size 0 (would loop forever if accepted) */
    struct mb zero = { .len = 0 };
    mb_entry(&zero, 0, 0, 0, 0);
    assert_int_equal(memmap_parse_multiboot(&map, zero.b, zero.len), -1);
    assert_same_map(&map, &before);

    /* huge size field must not wrap the offset */
    struct mb huge = { .len = 0 };
    mb_entry(&huge, 20, 0x100000, 0x100000, 1);
    put32(huge.b, 0xfffffffcu);
    assert_int_equal(memmap_parse_multiboot(&map, huge.b, huge.len), -1);
    assert_same_map(&map, &before);

    /* and the good buffer still parses */
    assert_int_equal(memmap_parse_multiboot(&map, mb.b, mb.len), 2);
    check_invariant(&map);
    assert_int_equal(map.count, 2);
    expect_region(0, 0x10000, 0x11000, MEM_KERNEL);
    expect_region(1, 0x100000, 0x300000, MEM_AVAILABLE);    /* merged */
}

/* ---- memmap_add ---- */

static void test_add_rejects_bad_type_and_ignores_empty(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, 0), -1);
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, 5), -1);
    assert_int_equal(map.count, 0);
    assert_int_equal(memmap_add(&map, 0x1000, 0, MEM_AVAILABLE), 0);
    assert_int_equal(map.count, 0);
}

static void test_reserved_carves_available(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x0, 0x100000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x40000, 0x10000, MEM_RESERVED), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 3);
    expect_region(0, 0x0, 0x40000, MEM_AVAILABLE);
    expect_region(1, 0x40000, 0x50000, MEM_RESERVED);
    expect_region(2, 0x50000, 0x100000, MEM_AVAILABLE);
}

static void test_weaker_type_does_not_override(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x10000, 0x10000, MEM_KERNEL), 0);
    /* available RAM added later over the kernel only fills around it */
    assert_int_equal(memmap_add(&map, 0x0, 0x40000, MEM_AVAILABLE), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 3);
    expect_region(0, 0x0, 0x10000, MEM_AVAILABLE);
    expect_region(1, 0x10000, 0x20000, MEM_KERNEL);
    expect_region(2, 0x20000, 0x40000, MEM_AVAILABLE);
}

static void test_overlap_across_several_regions(void **state)
{
    (void)state;
    /* avail | reserved | (gap) | avail */
    assert_int_equal(memmap_add(&map, 0x0000, 0x1000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, MEM_RESERVED), 0);
    assert_int_equal(memmap_add(&map, 0x4000, 0x2000, MEM_AVAILABLE), 0);
    /* boot module spanning part of each and the gap */
    assert_int_equal(memmap_add(&map, 0x800, 0x4000, MEM_BOOT), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 3);
    expect_region(0, 0x0, 0x800, MEM_AVAILABLE);
    expect_region(1, 0x800, 0x4800, MEM_BOOT);
    expect_region(2, 0x4800, 0x6000, MEM_AVAILABLE);

    /* a weak type over a stronger one with a gap inside fills only the gap */
    memmap_init(&map);
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, MEM_RESERVED), 0);
    assert_int_equal(memmap_add(&map, 0x3000, 0x1000, MEM_RESERVED), 0);
    assert_int_equal(memmap_add(&map, 0x0, 0x5000, MEM_AVAILABLE), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 5);
    expect_region(0, 0x0, 0x1000, MEM_AVAILABLE);
    expect_region(1, 0x1000, 0x2000, MEM_RESERVED);
    expect_region(2, 0x2000, 0x3000, MEM_AVAILABLE);
    expect_region(3, 0x3000, 0x4000, MEM_RESERVED);
    expect_region(4, 0x4000, 0x5000, MEM_AVAILABLE);
}

static void test_merging(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, 0x2000, 0x1000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x0000, 0x1000, MEM_AVAILABLE), 0);
    assert_int_equal(map.count, 2);
    /* filling the hole joins all three into one */
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, MEM_AVAILABLE), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 1);
    expect_region(0, 0x0, 0x3000, MEM_AVAILABLE);
    /* overlapping duplicate adds nothing */
    assert_int_equal(memmap_add(&map, 0x800, 0x1000, MEM_AVAILABLE), 0);
    assert_int_equal(map.count, 1);
    expect_region(0, 0x0, 0x3000, MEM_AVAILABLE);
    /* a stronger region covering a whole one replaces it */
    assert_int_equal(memmap_add(&map, 0x0, 0x3000, MEM_KERNEL), 0);
    assert_int_equal(map.count, 1);
    expect_region(0, 0x0, 0x3000, MEM_KERNEL);
}

static void test_overflow_leaves_map_unchanged(void **state)
{
    (void)state;
    /* MEMMAP_MAX disjoint reserved regions with gaps between them */
    for (int i = 0; i < MEMMAP_MAX; i++)
        assert_int_equal(memmap_add(&map, (uint64_t)i * 0x2000, 0x1000,
                                    MEM_RESERVED), 0);
    assert_int_equal(map.count, MEMMAP_MAX);
    struct memmap before = map;

    /* a new disjoint region needs one more slot */
    assert_int_equal(memmap_add(&map, 0x10000000, 0x1000, MEM_RESERVED), -1);
    assert_same_map(&map, &before);
    /* splitting a region needs two more */
    assert_int_equal(memmap_add(&map, 0x400, 0x100, MEM_KERNEL), -1);
    assert_same_map(&map, &before);
    /* available over everything would fill every gap: 127 regions */
    assert_int_equal(memmap_add(&map, 0, 0x100000, MEM_AVAILABLE), -1);
    assert_same_map(&map, &before);

    /* but a change that keeps the count fits: reserved over everything merges */
    assert_int_equal(memmap_add(&map, 0, (uint64_t)MEMMAP_MAX * 0x2000,
                                MEM_RESERVED), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 1);
    expect_region(0, 0, (uint64_t)MEMMAP_MAX * 0x2000, MEM_RESERVED);
}

static void test_add_clamps_at_top_of_address_space(void **state)
{
    (void)state;
    assert_int_equal(memmap_add(&map, UINT64_MAX - 0xfff, 0x2000, MEM_RESERVED), 0);
    check_invariant(&map);
    assert_int_equal(map.count, 1);
    expect_region(0, UINT64_MAX - 0xfff, UINT64_MAX, MEM_RESERVED);
}

/* Brute-force cross-check: random adds on a small address space against a
 * per-unit array of types, then compare the map unit by unit. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { UNITS = 256, UNIT = 0x1000 };
    uint8_t model[UNITS];
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        memmap_init(&map);
        memset(model, 0, sizeof(model));
        for (int k = 0; k < 12; k++) {
            x = x * 1103515245u + 12345u;
            uint32_t a = (x >> 8) % UNITS;
            x = x * 1103515245u + 12345u;
            uint32_t n = 1 + (x >> 8) % 40;
            if (a + n > UNITS)
                n = UNITS - a;
            enum mem_type t = (enum mem_type)(1 + (x >> 20) % 4);
            int rc = memmap_add(&map, (uint64_t)a * UNIT, (uint64_t)n * UNIT, t);
            assert_int_equal(rc, 0);
            for (uint32_t u = a; u < a + n; u++)
                if (t > model[u])
                    model[u] = (uint8_t)t;
            check_invariant(&map);
        }
        for (uint32_t u = 0; u < UNITS; u++) {
            assert_int_equal(memmap_type_at(&map, (uint64_t)u * UNIT), model[u]);
            assert_int_equal(memmap_type_at(&map, (uint64_t)u * UNIT + UNIT - 1),
                             model[u]);
        }
        /* range_is over a run [u, v) agrees with the model */
        for (int k = 0; k < 50; k++) {
            x = x * 1103515245u + 12345u;
            uint32_t u = (x >> 8) % UNITS;
            x = x * 1103515245u + 12345u;
            uint32_t v = u + 1 + (x >> 8) % (UNITS - u);
            enum mem_type t = (enum mem_type)(1 + (x >> 24) % 4);
            bool want = true;
            for (uint32_t w = u; w < v; w++)
                want = want && model[w] == t;
            assert_int_equal(memmap_range_is(&map, (uint64_t)u * UNIT,
                                             (uint64_t)(v - u) * UNIT, t), want);
        }
    }
}

/* ---- lookups ---- */

static void test_type_at_and_range_is(void **state)
{
    (void)state;
    assert_int_equal(memmap_type_at(&map, 0), 0);       /* empty map */
    assert_int_equal(memmap_add(&map, 0x1000, 0x3000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x2000, 0x1000, MEM_KERNEL), 0);
    assert_int_equal(memmap_add(&map, 0x8000, 0x1000, MEM_AVAILABLE), 0);

    assert_int_equal(memmap_type_at(&map, 0x0fff), 0);
    assert_int_equal(memmap_type_at(&map, 0x1000), MEM_AVAILABLE);
    assert_int_equal(memmap_type_at(&map, 0x1fff), MEM_AVAILABLE);
    assert_int_equal(memmap_type_at(&map, 0x2000), MEM_KERNEL);
    assert_int_equal(memmap_type_at(&map, 0x3000), MEM_AVAILABLE);
    assert_int_equal(memmap_type_at(&map, 0x4000), 0);  /* end is exclusive */
    assert_int_equal(memmap_type_at(&map, 0x8800), MEM_AVAILABLE);
    assert_int_equal(memmap_type_at(&map, UINT64_MAX), 0);

    assert_true(memmap_range_is(&map, 0x1000, 0x1000, MEM_AVAILABLE));
    assert_true(memmap_range_is(&map, 0x1800, 0x800, MEM_AVAILABLE));
    assert_false(memmap_range_is(&map, 0x1800, 0x801, MEM_AVAILABLE)); /* into kernel */
    assert_true(memmap_range_is(&map, 0x2000, 0x1000, MEM_KERNEL));
    assert_false(memmap_range_is(&map, 0x2000, 0x1000, MEM_AVAILABLE));
    assert_false(memmap_range_is(&map, 0x3000, 0x1001, MEM_AVAILABLE)); /* past end */
    assert_false(memmap_range_is(&map, 0x0, 0x1000, MEM_AVAILABLE));    /* hole */
    assert_false(memmap_range_is(&map, 0x3000, 0x6000, MEM_AVAILABLE)); /* spans hole */
    assert_false(memmap_range_is(&map, 0x1000, 0, MEM_AVAILABLE));      /* empty */
    assert_false(memmap_range_is(&map, 0x1000, UINT64_MAX, MEM_AVAILABLE)); /* wraps */

    /* adjacent regions of different types can't make a range "available" */
    memmap_init(&map);
    assert_int_equal(memmap_add(&map, 0x0, 0x1000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x1000, 0x1000, MEM_RESERVED), 0);
    assert_false(memmap_range_is(&map, 0x0, 0x2000, MEM_AVAILABLE));
    assert_true(memmap_range_is(&map, 0x0, 0x1000, MEM_AVAILABLE));
}

/* memmap_conflict names the lowest part of a range that is not of the
 * wanted type: what the boot log prints when it refuses an image. */
static void test_conflict_names_first_offender(void **state)
{
    (void)state;
    struct mem_region why;
    assert_int_equal(memmap_add(&map, 0x1000, 0x3000, MEM_AVAILABLE), 0);
    assert_int_equal(memmap_add(&map, 0x2000, 0x1000, MEM_KERNEL), 0);
    assert_int_equal(memmap_add(&map, 0x8000, 0x1000, MEM_BOOT), 0);

    assert_false(memmap_conflict(&map, 0x1000, 0x1000, MEM_AVAILABLE, &why));
    assert_true(memmap_conflict(&map, 0x1800, 0x1000, MEM_AVAILABLE, &why));
    assert_int_equal(why.type, MEM_KERNEL);
    assert_int_equal(why.base, 0x2000);
    assert_int_equal(why.end, 0x3000);
    /* a hole below the first region, clipped to the range */
    assert_true(memmap_conflict(&map, 0x0800, 0x1000, MEM_AVAILABLE, &why));
    assert_int_equal(why.type, 0);
    assert_int_equal(why.base, 0x0800);
    assert_int_equal(why.end, 0x1000);
    /* a hole between regions comes before the boot module behind it */
    assert_true(memmap_conflict(&map, 0x3000, 0x6000, MEM_AVAILABLE, &why));
    assert_int_equal(why.type, 0);
    assert_int_equal(why.base, 0x4000);
    assert_int_equal(why.end, 0x8000);
    /* a hole past the last region */
    assert_true(memmap_conflict(&map, 0x8000, 0x2000, MEM_BOOT, &why));
    assert_int_equal(why.type, 0);
    assert_int_equal(why.base, 0x9000);
    assert_int_equal(why.end, 0xa000);
    /* empty and wrapping ranges */
    assert_true(memmap_conflict(&map, 0x1000, 0, MEM_AVAILABLE, &why));
    assert_true(memmap_conflict(&map, 0x1000, UINT64_MAX, MEM_AVAILABLE, &why));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_parse_typical_bios_map),
        T(test_parse_larger_size_field_skips_extra),
        T(test_parse_unaligned_buffer),
        T(test_parse_empty_buffer_and_zero_length_entry),
        T(test_parse_malformed_leaves_map_unchanged),
        T(test_add_rejects_bad_type_and_ignores_empty),
        T(test_reserved_carves_available),
        T(test_weaker_type_does_not_override),
        T(test_overlap_across_several_regions),
        T(test_merging),
        T(test_overflow_leaves_map_unchanged),
        T(test_add_clamps_at_top_of_address_space),
        T(test_random_against_model),
        T(test_type_at_and_range_is),
        T(test_conflict_names_first_offender),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
