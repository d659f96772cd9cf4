/* Tests for kernel/elf.c. Images are assembled in memory from a small
 * description, copied into an exactly sized heap buffer (so ASan catches any
 * read past the image), and then one field at a time is broken. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elf.h"

#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define USER_LIMIT 0xc0000000u

struct phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags;
};

/* Image description; build() serialises it little-endian. */
struct desc {
    uint8_t ident[16];
    uint16_t type, machine, phentsize, phnum;
    uint32_t version, entry, phoff;
    struct phdr ph[24];
    uint32_t len;                   /* total image length */
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* File contents byte at offset i: a recognisable pattern. */
static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7 + 3); }

/* The valid image: text (RX) with its file part, data (RW) with a .bss
 * tail, plus a PT_NOTE and an empty PT_LOAD that must both be ignored. */
static struct desc valid(void)
{
    struct desc d;
    memset(&d, 0, sizeof(d));
    memcpy(d.ident, "\x7f" "ELF\x01\x01\x01", 7);
    d.type = 2;                     /* ET_EXEC */
    d.machine = 3;                  /* EM_386 */
    d.version = 1;
    d.entry = 0x400010;
    d.phoff = 52;
    d.phentsize = 32;
    d.phnum = 4;
    d.ph[0] = (struct phdr){ PT_LOAD, 0x100, 0x400000, 0x400000, 0x80, 0x80, PF_R | PF_X };
    d.ph[1] = (struct phdr){ PT_NOTE, 0x1c0, 0, 0, 0x10, 0x10, PF_R };
    d.ph[2] = (struct phdr){ PT_LOAD, 0x180, 0x401000, 0x401000, 0x20, 0x1000, PF_R | PF_W };
    d.ph[3] = (struct phdr){ PT_LOAD, 0, 0x500000, 0x500000, 0, 0, PF_R };
    d.len = 0x200;
    return d;
}

/* Returns a malloc'd image of exactly d->len bytes (caller frees). */
static uint8_t *build(const struct desc *d)
{
    uint8_t *b = malloc(d->len ? d->len : 1);
    assert_non_null(b);
    for (uint32_t i = 0; i < d->len; i++)
        b[i] = pattern(i);
    uint8_t hdr[52];
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, d->ident, 16);
    put16(hdr + 16, d->type);
    put16(hdr + 18, d->machine);
    put32(hdr + 20, d->version);
    put32(hdr + 24, d->entry);
    put32(hdr + 28, d->phoff);
    put16(hdr + 40, 52);            /* e_ehsize */
    put16(hdr + 42, d->phentsize);
    put16(hdr + 44, d->phnum);
    memcpy(b, hdr, d->len < 52 ? d->len : 52);
    for (uint32_t i = 0; i < d->phnum && i < ARRAY_SIZE(d->ph); i++) {
        uint64_t at = (uint64_t)d->phoff + (uint64_t)i * 32;
        if (at + 32 > d->len)
            break;                  /* the table may be deliberately cut */
        uint8_t *p = b + at;
        const struct phdr *h = &d->ph[i];
        put32(p + 0, h->type);
        put32(p + 4, h->offset);
        put32(p + 8, h->vaddr);
        put32(p + 12, h->paddr);
        put32(p + 16, h->filesz);
        put32(p + 20, h->memsz);
        put32(p + 24, h->flags);
        put32(p + 28, 0x1000);
    }
    return b;
}

static enum elf_error parse(const struct desc *d, uint32_t limit,
                            struct elf_info *info)
{
    uint8_t *img = build(d);
    enum elf_error e = elf_parse(img, d->len, limit, info);
    free(img);
    return e;
}

static enum elf_error parse_simple(const struct desc *d)
{
    struct elf_info info;
    return parse(d, USER_LIMIT, &info);
}

/* ---- the valid image ---- */

static void test_valid_parses(void **state)
{
    (void)state;
    struct desc d = valid();
    struct elf_info info;
    assert_int_equal(parse(&d, USER_LIMIT, &info), ELF_OK);
    assert_int_equal(info.entry, 0x400010);
    assert_int_equal(info.nseg, 2);             /* note and empty load ignored */
    assert_int_equal(info.seg[0].vaddr, 0x400000);
    assert_int_equal(info.seg[0].filesz, 0x80);
    assert_int_equal(info.seg[0].offset, 0x100);
    assert_int_equal(info.seg[0].flags, PF_R | PF_X);
    assert_int_equal(info.seg[1].vaddr, 0x401000);
    assert_int_equal(info.seg[1].memsz, 0x1000);
    assert_int_equal(info.low, 0x400000);
    assert_int_equal(info.high, 0x402000);
}

struct physmem {
    uint8_t *mem;
    uint32_t base, size;
    int calls;
    int fail_at;                    /* call number that returns NULL, or -1 */
};

static void *dest(uint32_t paddr, uint32_t len, void *ctx)
{
    struct physmem *pm = ctx;
    if (pm->calls++ == pm->fail_at)
        return NULL;
    assert_true(paddr >= pm->base);
    assert_true((uint64_t)paddr - pm->base + len <= pm->size);
    return pm->mem + (paddr - pm->base);
}

static void test_valid_loads(void **state)
{
    (void)state;
    struct desc d = valid();
    uint8_t *img = build(&d);
    struct elf_info info;
    assert_int_equal(elf_parse(img, d.len, USER_LIMIT, &info), ELF_OK);

    struct physmem pm = { malloc(0x3000), 0x400000, 0x3000, 0, -1 };
    assert_non_null(pm.mem);
    memset(pm.mem, 0xaa, pm.size);
    assert_int_equal(elf_load(img, &info, dest, &pm), 0);
    assert_int_equal(pm.calls, 2);

    for (uint32_t i = 0; i < 0x80; i++)         /* text copied */
        assert_int_equal(pm.mem[i], pattern(0x100 + i));
    for (uint32_t i = 0x80; i < 0x1000; i++)    /* untouched between */
        assert_int_equal(pm.mem[i], 0xaa);
    for (uint32_t i = 0; i < 0x20; i++)         /* data copied */
        assert_int_equal(pm.mem[0x1000 + i], pattern(0x180 + i));
    for (uint32_t i = 0x20; i < 0x1000; i++)    /* bss zeroed */
        assert_int_equal(pm.mem[0x1000 + i], 0);
    for (uint32_t i = 0x2000; i < 0x3000; i++)  /* nothing past memsz */
        assert_int_equal(pm.mem[i], 0xaa);

    /* a failing destination aborts the load */
    pm.calls = 0;
    pm.fail_at = 1;
    assert_int_equal(elf_load(img, &info, dest, &pm), -1);
    assert_int_equal(pm.calls, 2);
    free(pm.mem);
    free(img);
}

static void test_segment_ending_exactly_at_limit_ok(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = USER_LIMIT - 0x1000;
    assert_int_equal(parse_simple(&d), ELF_OK);
    d.ph[2].vaddr = USER_LIMIT - 0xfff;         /* one byte over */
    assert_int_equal(parse_simple(&d), ELF_EUSER);
}

static void test_adjacent_segments_ok(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0x400080;   /* touches text's end */
    assert_int_equal(parse_simple(&d), ELF_OK);
}

/* ---- malformed headers ---- */

static void test_too_small(void **state)
{
    (void)state;
    struct desc d = valid();
    d.len = 51;
    assert_int_equal(parse_simple(&d), ELF_ETOOSMALL);
    d.len = 0;
    assert_int_equal(parse_simple(&d), ELF_ETOOSMALL);
}

static void test_bad_magic(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        struct desc d = valid();
        d.ident[i] ^= 0x20;
        assert_int_equal(parse_simple(&d), ELF_EMAGIC);
    }
}

static void test_class_data_version(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ident[4] = 2;                             /* ELFCLASS64 */
    assert_int_equal(parse_simple(&d), ELF_ECLASS);
    d = valid();
    d.ident[5] = 2;                             /* big endian */
    assert_int_equal(parse_simple(&d), ELF_ECLASS);
    d = valid();
    d.ident[6] = 0;                             /* EI_VERSION */
    assert_int_equal(parse_simple(&d), ELF_ECLASS);
    d = valid();
    d.version = 2;                              /* e_version */
    assert_int_equal(parse_simple(&d), ELF_ECLASS);
}

static void test_type_and_machine(void **state)
{
    (void)state;
    struct desc d = valid();
    d.type = 3;                                 /* ET_DYN */
    assert_int_equal(parse_simple(&d), ELF_ETYPE);
    d.type = 1;                                 /* ET_REL */
    assert_int_equal(parse_simple(&d), ELF_ETYPE);
    d = valid();
    d.machine = 62;                             /* EM_X86_64 */
    assert_int_equal(parse_simple(&d), ELF_EMACHINE);
}

static void test_phdr_table(void **state)
{
    (void)state;
    struct desc d = valid();
    d.phoff = d.len - 32;                       /* only 1 of 4 entries fits */
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d.phoff = d.len;                            /* starts at the end */
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d.phoff = 0xffffffffu;                      /* offset + size wraps */
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d.phoff = 0xffffffe0u;
    d.phnum = 1;
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d = valid();
    d.phentsize = 40;                           /* not Elf32_Phdr */
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d = valid();
    d.phnum = 0xffff;                           /* PN_XNUM: unsupported */
    assert_int_equal(parse_simple(&d), ELF_EPHDR);
    d = valid();
    d.phnum = 0;                                /* no segments: no entry */
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
}

/* ---- malformed segments ---- */

static void test_filesz_greater_than_memsz(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].filesz = d.ph[2].memsz + 1;
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
    d = valid();
    d.ph[3].filesz = 1;                         /* even with memsz 0 */
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
}

static void test_file_part_outside_image(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].offset = d.len - d.ph[2].filesz + 1;    /* one byte past */
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
    d.ph[2].offset = d.len - d.ph[2].filesz;        /* exactly at end: ok */
    assert_int_equal(parse_simple(&d), ELF_OK);
    d.ph[2].offset = 0xfffffff0u;                   /* offset + filesz wraps */
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
    d = valid();
    d.ph[2].filesz = d.ph[2].memsz = 0x80000000u;   /* huge filesz */
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
}

static void test_address_overflow(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0xfffff000u;
    d.ph[2].memsz = 0x2000;                     /* end wraps past 2^32 */
    struct elf_info info;
    assert_int_equal(parse(&d, 0xffffffffu, &info), ELF_ESEGMENT);
    d = valid();
    d.ph[2].paddr = 0xfffff800u;                /* only the load address wraps */
    assert_int_equal(parse_simple(&d), ELF_ESEGMENT);
}

static void test_segment_above_limit(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0xc0100000u;    /* kernel space */
    assert_int_equal(parse_simple(&d), ELF_EUSER);
    d = valid();
    struct elf_info info;
    assert_int_equal(parse(&d, 0x401fffu, &info), ELF_EUSER);  /* limit below end */
    assert_int_equal(parse(&d, 0x402000u, &info), ELF_OK);
}

static void test_overlapping_segments(void **state)
{
    (void)state;
    struct desc d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0x40007f;   /* one byte into text */
    assert_int_equal(parse_simple(&d), ELF_EOVERLAP);
    d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0x3ff001;   /* data covers text's start */
    assert_int_equal(parse_simple(&d), ELF_EOVERLAP);
    d = valid();
    d.ph[2].vaddr = d.ph[2].paddr = 0x3f0000;   /* data contains text */
    d.ph[2].memsz = 0x20000;
    assert_int_equal(parse_simple(&d), ELF_EOVERLAP);
    d = valid();
    d.ph[2].paddr = 0x400040;                   /* distinct vaddr, same load area */
    assert_int_equal(parse_simple(&d), ELF_EOVERLAP);
    d = valid();
    d.ph[2] = d.ph[0];                          /* identical duplicate */
    assert_int_equal(parse_simple(&d), ELF_EOVERLAP);
}

static struct desc many(int n)
{
    struct desc d = valid();
    d.phnum = (uint16_t)n;
    d.len = 52 + 32u * (uint32_t)n + 0x100;
    for (int i = 0; i < n; i++)
        d.ph[i] = (struct phdr){ PT_LOAD, d.len - 0x10, 0x400000 + 0x1000u * (uint32_t)i,
                                 0x400000 + 0x1000u * (uint32_t)i, 0x10, 0x100,
                                 PF_R | PF_X };
    return d;
}

static void test_too_many_segments(void **state)
{
    (void)state;
    struct desc d = many(ELF_MAX_SEGMENTS);
    struct elf_info info;
    assert_int_equal(parse(&d, USER_LIMIT, &info), ELF_OK);
    assert_int_equal(info.nseg, ELF_MAX_SEGMENTS);
    assert_int_equal(info.high, 0x400000 + 0x1000u * (ELF_MAX_SEGMENTS - 1) + 0x100);
    d = many(ELF_MAX_SEGMENTS + 1);
    assert_int_equal(parse_simple(&d), ELF_ETOOMANY);
}

static void test_entry_outside_executable_segment(void **state)
{
    (void)state;
    struct desc d = valid();
    d.entry = 0x401000;                         /* in data: not executable */
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
    d.entry = 0x400080;                         /* one past text's end */
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
    d.entry = 0x3fffff;                         /* one before text */
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
    d.entry = 0;
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
    d.entry = 0x40007f;                         /* last byte of text: ok */
    assert_int_equal(parse_simple(&d), ELF_OK);
    d.entry = 0x500000;                         /* in the memsz-0 segment */
    d.ph[3].flags = PF_R | PF_X;
    assert_int_equal(parse_simple(&d), ELF_EENTRY);
}

static void test_strerror(void **state)
{
    (void)state;
    const char *seen[ELF_EENTRY + 1];
    for (int e = ELF_OK; e <= ELF_EENTRY; e++) {
        seen[e] = elf_strerror((enum elf_error)e);
        assert_non_null(seen[e]);
        assert_true(strlen(seen[e]) > 0);
        for (int j = 0; j < e; j++)
            assert_string_not_equal(seen[j], seen[e]);  /* each is specific */
    }
    assert_string_equal(elf_strerror((enum elf_error)999), "unknown ELF error");
    assert_string_equal(elf_strerror((enum elf_error)-1), "unknown ELF error");
}

/* Random byte mutations of the valid image: elf_parse must never read out
 * of bounds (ASan), and whatever it accepts must satisfy its contract. */
static void test_mutations_keep_contract(void **state)
{
    (void)state;
    struct desc d = valid();
    uint8_t *orig = build(&d);
    uint32_t x = 0x12345678;
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        uint8_t *img = malloc(d.len);
        assert_non_null(img);
        memcpy(img, orig, d.len);
        int flips = 1 + round % 4;
        for (int k = 0; k < flips; k++) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            uint32_t at = (x >> 8) % 52 + (round % 2 ? 52 : 0); /* header or phdrs */
            img[at] = (uint8_t)(x >> 24);
        }
        uint32_t len = round % 5 == 0 ? d.len - (x % 64) : d.len;
        struct elf_info info;
        if (elf_parse(img, len, USER_LIMIT, &info) == ELF_OK) {
            accepted++;
            bool entry_ok = false;
            assert_in_range(info.nseg, 1, ELF_MAX_SEGMENTS);
            for (int i = 0; i < info.nseg; i++) {
                const struct elf_segment *s = &info.seg[i];
                assert_true(s->filesz <= s->memsz);
                assert_true((uint64_t)s->offset + s->filesz <= len);
                assert_true((uint64_t)s->vaddr + s->memsz <= USER_LIMIT);
                assert_true((uint64_t)s->paddr + s->memsz <= 0xffffffffu);
                for (int j = 0; j < i; j++) {
                    const struct elf_segment *o = &info.seg[j];
                    assert_false(s->vaddr < o->vaddr + o->memsz &&
                                 o->vaddr < s->vaddr + s->memsz);
                }
                if ((s->flags & PF_X) && info.entry >= s->vaddr &&
                    info.entry - s->vaddr < s->memsz)
                    entry_ok = true;
            }
            assert_true(entry_ok);
        }
        free(img);
    }
    assert_true(accepted > 0);      /* some mutations are harmless */
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_parses),
        cmocka_unit_test(test_valid_loads),
        cmocka_unit_test(test_segment_ending_exactly_at_limit_ok),
        cmocka_unit_test(test_adjacent_segments_ok),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_class_data_version),
        cmocka_unit_test(test_type_and_machine),
        cmocka_unit_test(test_phdr_table),
        cmocka_unit_test(test_filesz_greater_than_memsz),
        cmocka_unit_test(test_file_part_outside_image),
        cmocka_unit_test(test_address_overflow),
        cmocka_unit_test(test_segment_above_limit),
        cmocka_unit_test(test_overlapping_segments),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_entry_outside_executable_segment),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_mutations_keep_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
