/* Tests for the firmware-table parsers (kernel/arch/ia32/acpi.c,
 * mptable.c, platform.c): QEMU-like ACPI and MP tables, the boot processor
 * first, XSDT against RSDT, EBDA search, MP default configurations, and
 * malformed tables (checksums, lengths, zero-length entries, pointers out
 * of memory, too many processors), then random corruption of valid tables
 * under ASan: the parsers may fail, never read out of bounds or hang. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "arch/ia32/platform.h"

/* Fake physical memory: [0, 2 MiB). Tables live at 1 MiB and up. */
#define MEM_SIZE (2u << 20)
static uint8_t *mem;

static const void *fake_map(void *ctx, uint64_t pa, uint32_t len)
{
    (void)ctx;
    if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    return mem + pa;
}

static const struct phys_reader reader = { fake_map, NULL };

static int setup(void **state)
{
    (void)state;
    mem = calloc(1, MEM_SIZE);
    return mem ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(mem);
    return 0;
}

static void put32(uint32_t pa, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mem[pa + i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint32_t pa, uint16_t v)
{
    mem[pa] = (uint8_t)v;
    mem[pa + 1] = (uint8_t)(v >> 8);
}

/* Makes bytes [pa, pa+len) sum to zero by adjusting the byte at ck. */
static void fix_sum(uint32_t pa, uint32_t len, uint32_t ck)
{
    mem[ck] = 0;
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += mem[pa + i];
    mem[ck] = (uint8_t)-s;
}

/* ---- ACPI builders ---- */

#define RSDP_AT  0xf5000u
#define RSDT_AT  0x100000u
#define XSDT_AT  0x101000u
#define MADT_AT  0x102000u

static void put_rsdp(uint32_t at, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memcpy(mem + at, "RSD PTR ", 8);
    mem[at + 15] = rev;
    put32(at + 16, rsdt);
    fix_sum(at, 20, at + 8);
    if (rev >= 2) {
        put32(at + 20, 36);
        put32(at + 24, (uint32_t)xsdt);
        put32(at + 28, (uint32_t)(xsdt >> 32));
        fix_sum(at, 36, at + 32);
    }
}

static void put_sdt_header(uint32_t at, const char *sig, uint32_t len)
{
    memcpy(mem + at, sig, 4);
    put32(at + 4, len);
    mem[at + 8] = 1;
    memcpy(mem + at + 10, "PECAN ", 6);
}

static void put_rsdt(uint32_t at, const uint32_t *tables, int n)
{
    put_sdt_header(at, "RSDT", 36 + 4 * n);
    for (int i = 0; i < n; i++)
        put32(at + 36 + 4 * i, tables[i]);
    fix_sum(at, 36 + 4 * n, at + 9);
}

static void put_xsdt(uint32_t at, const uint64_t *tables, int n)
{
    put_sdt_header(at, "XSDT", 36 + 8 * n);
    for (int i = 0; i < n; i++) {
        put32(at + 36 + 8 * i, (uint32_t)tables[i]);
        put32(at + 40 + 8 * i, (uint32_t)(tables[i] >> 32));
    }
    fix_sum(at, 36 + 8 * n, at + 9);
}

/* MADT being built at MADT_AT; entries are appended, madt_close sums it. */
static uint32_t madt_len;

static void madt_open(uint32_t flags)
{
    madt_len = 44;
    put32(MADT_AT + 36, 0xfee00000u);
    put32(MADT_AT + 40, flags);
}

static void madt_lapic(uint8_t id, uint32_t flags)
{
    uint32_t e = MADT_AT + madt_len;
    mem[e] = 0; mem[e + 1] = 8; mem[e + 2] = id; mem[e + 3] = id;
    put32(e + 4, flags);
    madt_len += 8;
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
    uint32_t e = MADT_AT + madt_len;
    mem[e] = 1; mem[e + 1] = 12; mem[e + 2] = id; mem[e + 3] = 0;
    put32(e + 4, addr);
    put32(e + 8, gsi);
    madt_len += 12;
}

static void madt_iso(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint32_t e = MADT_AT + madt_len;
    mem[e] = 2; mem[e + 1] = 10; mem[e + 2] = 0; mem[e + 3] = irq;
    put32(e + 4, gsi);
    put16(e + 8, flags);
    madt_len += 10;
}

static void madt_raw(uint8_t type, uint8_t len)
{
    uint32_t e = MADT_AT + madt_len;
    mem[e] = type;
    mem[e + 1] = len;
    madt_len += len < 2 ? 2 : len;
}

static void madt_close(void)
{
    put_sdt_header(MADT_AT, "APIC", madt_len);
    fix_sum(MADT_AT, madt_len, MADT_AT + 9);
}

/* What QEMU's firmware builds for two CPUs. */
static void qemu_like_acpi(void)
{
    madt_open(1);
    madt_lapic(0, 1);
    madt_lapic(1, 1);
    madt_ioapic(0, 0xfec00000u, 0);
    madt_iso(0, 2, 0);
    madt_iso(5, 5, 0xd);
    madt_iso(9, 9, 0xd);
    madt_iso(10, 10, 0xd);
    madt_iso(11, 11, 0xd);
    madt_close();
    uint32_t t[] = { 0x103000u /* no table there */, MADT_AT };
    put_rsdt(RSDT_AT, t, 2);
    put_rsdp(RSDP_AT, 0, RSDT_AT, 0);
}

static void test_acpi_qemu_like(void **state)
{
    (void)state;
    struct platform_info p;
    qemu_like_acpi();
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
    assert_int_equal(p.apic_id[0], 0);
    assert_int_equal(p.apic_id[1], 1);
    assert_int_equal(p.lapic_addr, 0xfee00000u);
    assert_int_equal(p.nioapics, 1);
    assert_int_equal(p.ioapic[0].addr, 0xfec00000u);
    assert_int_equal(p.ioapic[0].gsi_base, 0);
    assert_int_equal(platform_isa_gsi(&p, 0), 2);      /* the PIT's override */
    assert_int_equal(platform_isa_gsi(&p, 1), 1);      /* identity */
    assert_int_equal(p.isa_flags[0], 0);
    assert_int_equal(p.isa_flags[9], PLATFORM_IRQ_LEVEL);
    assert_true(p.pic_present);
}

static void test_acpi_boot_cpu_first_disabled_and_duplicates(void **state)
{
    (void)state;
    struct platform_info p;
    madt_open(0);
    madt_lapic(0, 1);
    madt_lapic(4, 0);           /* disabled */
    madt_lapic(1, 1);
    madt_lapic(3, 1);
    madt_lapic(1, 1);           /* duplicate */
    madt_close();
    uint32_t t[] = { MADT_AT };
    put_rsdt(RSDT_AT, t, 1);
    put_rsdp(RSDP_AT, 0, RSDT_AT, 0);
    assert_int_equal(acpi_parse(&reader, 3, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 3);
    assert_int_equal(p.apic_id[0], 3);
    assert_int_equal(p.apic_id[1], 0);
    assert_int_equal(p.apic_id[2], 1);
    assert_false(p.pic_present);
    /* A boot processor the table forgot is still there, first. */
    assert_int_equal(acpi_parse(&reader, 7, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 4);
    assert_int_equal(p.apic_id[0], 7);
}

static void test_acpi_too_many_cpus_are_counted_not_stored(void **state)
{
    (void)state;
    struct platform_info p;
    madt_open(0);
    for (int i = 0; i < PLATFORM_MAX_CPUS + 5; i++)
        madt_lapic((uint8_t)i, 1);
    madt_close();
    uint32_t t[] = { MADT_AT };
    put_rsdt(RSDT_AT, t, 1);
    put_rsdp(RSDP_AT, 0, RSDT_AT, 0);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, PLATFORM_MAX_CPUS);
    assert_int_equal(p.cpus_ignored, 5);
}

static void test_acpi_xsdt_preferred_rsdt_fallback(void **state)
{
    (void)state;
    struct platform_info p;
    qemu_like_acpi();
    /* An RSDT without the MADT, an XSDT with it: the XSDT wins. */
    uint32_t none[] = { 0x103000u };
    put_rsdt(RSDT_AT, none, 1);
    uint64_t x[] = { MADT_AT };
    put_xsdt(XSDT_AT, x, 1);
    put_rsdp(RSDP_AT, 2, RSDT_AT, XSDT_AT);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
    /* A broken XSDT: back to the RSDT, which has no MADT here. */
    mem[XSDT_AT + 40] ^= 1;
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
    uint32_t t[] = { MADT_AT };
    put_rsdt(RSDT_AT, t, 1);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    /* An XSDT entry above 4 GiB is not followed. */
    uint64_t high[] = { 0x100000000ull + MADT_AT };
    put_xsdt(XSDT_AT, high, 1);
    put_rsdt(RSDT_AT, none, 1);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
}

static void test_acpi_rsdp_in_ebda(void **state)
{
    (void)state;
    struct platform_info p;
    qemu_like_acpi();
    memset(mem + RSDP_AT, 0, 36);
    put16(0x40e, 0x9f00);               /* EBDA at 0x9f000 */
    put_rsdp(0x9f040, 0, RSDT_AT, 0);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
    /* Not on a 16-byte boundary: not found. */
    memset(mem + 0x9f040, 0, 36);
    put_rsdp(0x9f048, 0, RSDT_AT, 0);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
}

static void test_acpi_malformed_tables(void **state)
{
    (void)state;
    struct platform_info p;
    qemu_like_acpi();
    mem[RSDP_AT + 8] ^= 0x55;                   /* RSDP checksum */
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
    qemu_like_acpi();
    mem[RSDT_AT + 20] ^= 1;                     /* RSDT checksum */
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_BAD_TABLE);
    qemu_like_acpi();
    put_rsdp(RSDP_AT, 0, 0xfffff000u, 0);       /* RSDT outside memory */
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_BAD_TABLE);
    qemu_like_acpi();
    put_sdt_header(MADT_AT, "APIC", 0x20000000u);   /* absurd length */
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
    qemu_like_acpi();
    put_sdt_header(MADT_AT, "APIC", 20);            /* shorter than a header */
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);

    /* A zero-length entry ends the walk (it would loop forever); what came
     * before it counts. */
    madt_open(0);
    madt_lapic(0, 1);
    madt_raw(0, 0);
    madt_lapic(1, 1);
    madt_close();
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 1);
    /* An entry running past the table's end is not read. */
    madt_open(0);
    madt_lapic(0, 1);
    madt_raw(1, 12);
    madt_close();
    put_sdt_header(MADT_AT, "APIC", madt_len - 4);
    fix_sum(MADT_AT, madt_len - 4, MADT_AT + 9);
    assert_int_equal(acpi_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.nioapics, 0);
    /* Short entries of known types are skipped, unknown types ignored. */
    madt_open(0);
    madt_raw(0, 4);
    madt_raw(1, 6);
    madt_raw(2, 6);
    madt_raw(0x42, 7);
    madt_lapic(2, 1);
    madt_close();
    assert_int_equal(acpi_parse(&reader, 2, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 1);
    assert_int_equal(p.nioapics, 0);
    assert_int_equal(platform_isa_gsi(&p, 0), 0);
}

/* ---- MP tables ---- */

#define MPF_AT 0xf6000u
#define MPC_AT 0x104000u
static uint32_t mpc_len, mpc_count;

static void mpc_open(void)
{
    mpc_len = 44;
    mpc_count = 0;
}

static void mpc_entry(const uint8_t *e, uint32_t len)
{
    memcpy(mem + MPC_AT + mpc_len, e, len);
    mpc_len += len;
    mpc_count++;
}

static void mpc_proc(uint8_t id, uint8_t flags)
{
    uint8_t e[20] = { 0, id, 0x14, flags };
    mpc_entry(e, 20);
}

static void mpc_bus(uint8_t id, const char *type)
{
    uint8_t e[8] = { 1, id };
    memcpy(e + 2, type, 6);
    mpc_entry(e, 8);
}

static void mpc_ioapic(uint8_t id, uint32_t addr)
{
    uint8_t e[8] = { 2, id, 0x11, 1, (uint8_t)addr, (uint8_t)(addr >> 8),
                     (uint8_t)(addr >> 16), (uint8_t)(addr >> 24) };
    mpc_entry(e, 8);
}

static void mpc_ioint(uint8_t bus, uint8_t irq, uint8_t apic, uint8_t pin, uint16_t flags)
{
    uint8_t e[8] = { 3, 0, (uint8_t)flags, (uint8_t)(flags >> 8), bus, irq, apic, pin };
    mpc_entry(e, 8);
}

static void mpc_close(uint8_t feature1)
{
    memcpy(mem + MPC_AT, "PCMP", 4);
    put16(MPC_AT + 4, (uint16_t)mpc_len);
    mem[MPC_AT + 6] = 4;
    put16(MPC_AT + 34, (uint16_t)mpc_count);
    put32(MPC_AT + 36, 0xfee00000u);
    fix_sum(MPC_AT, mpc_len, MPC_AT + 7);
    memcpy(mem + MPF_AT, "_MP_", 4);
    put32(MPF_AT + 4, MPC_AT);
    mem[MPF_AT + 8] = 1;
    mem[MPF_AT + 9] = 4;
    mem[MPF_AT + 11] = feature1;
    mem[MPF_AT + 12] = 0x80;
    fix_sum(MPF_AT, 16, MPF_AT + 10);
}

static void qemu_like_mp(void)
{
    mpc_open();
    mpc_proc(0, 3);
    mpc_proc(1, 1);
    mpc_proc(2, 0);             /* disabled */
    mpc_ioint(0, 0, 2, 2, 0);   /* before its bus and IO-APIC entries */
    mpc_bus(0, "ISA   ");
    mpc_bus(1, "PCI   ");
    mpc_ioapic(2, 0xfec00000u);
    mpc_ioint(0, 9, 2, 9, 0xf);
    mpc_ioint(1, 3, 2, 19, 0xf);    /* PCI: not an ISA override */
    mpc_close(0);
}

static void test_mp_qemu_like(void **state)
{
    (void)state;
    struct platform_info p;
    qemu_like_mp();
    assert_int_equal(mptable_parse(&reader, 1, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
    assert_int_equal(p.apic_id[0], 1);
    assert_int_equal(p.apic_id[1], 0);
    assert_int_equal(p.nioapics, 1);
    assert_int_equal(p.ioapic[0].id, 2);
    assert_int_equal(platform_isa_gsi(&p, 0), 2);
    assert_int_equal(platform_isa_gsi(&p, 9), 9);
    assert_int_equal(p.isa_flags[9], PLATFORM_IRQ_ACTIVE_LOW | PLATFORM_IRQ_LEVEL);
    assert_int_equal(platform_isa_gsi(&p, 3), 3);
    assert_true(p.pic_present);
}

static void test_mp_default_configuration(void **state)
{
    (void)state;
    struct platform_info p;
    mpc_open();
    mpc_close(5);
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
    assert_int_equal(p.nioapics, 1);
    assert_int_equal(p.ioapic[0].addr, 0xfec00000u);
}

static void test_mp_malformed(void **state)
{
    (void)state;
    struct platform_info p;
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_NOT_FOUND);
    qemu_like_mp();
    mem[MPC_AT + 50] ^= 1;                  /* config checksum */
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_BAD_TABLE);
    qemu_like_mp();
    put32(MPF_AT + 4, 0xfffffff0u);         /* table outside memory */
    fix_sum(MPF_AT, 16, MPF_AT + 10);
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_BAD_TABLE);
    /* An unknown entry type ends the walk (its length is unknown); an entry
     * count beyond the table's length is bounded by the length. */
    mpc_open();
    mpc_proc(0, 3);
    uint8_t junk[8] = { 9, 0, 0, 0, 0, 0, 0, 0 };
    mpc_entry(junk, 8);
    mpc_proc(1, 1);
    mpc_close(0);
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 1);
    mpc_open();
    mpc_proc(0, 3);
    mpc_proc(1, 1);
    mpc_count = 60000;
    mpc_close(0);
    assert_int_equal(mptable_parse(&reader, 0, &p), PLATFORM_OK);
    assert_int_equal(p.ncpus, 2);
}

/* Random corruption of valid tables: any outcome but a crash, a hang or
 * an inconsistent record. */
static void check_sane(const struct platform_info *p)
{
    assert_true(p->ncpus <= PLATFORM_MAX_CPUS);
    assert_true(p->nioapics <= PLATFORM_MAX_IOAPICS);
}

static void test_random_corruption(void **state)
{
    (void)state;
    struct platform_info p;
    srand(4242);
    for (int round = 0; round < 20000; round++) {
        memset(mem, 0, MEM_SIZE);
        qemu_like_acpi();
        qemu_like_mp();
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++) {
            static const uint32_t area[][2] = {
                { RSDP_AT, 36 }, { RSDT_AT, 48 }, { MADT_AT, 100 },
                { MPF_AT, 16 }, { MPC_AT, 120 },
            };
            int a = rand() % 5;
            mem[area[a][0] + (uint32_t)rand() % area[a][1]] = (uint8_t)rand();
        }
        /* Half the time, keep the checksums right so that the contents
         * themselves are attacked, not just the checks. */
        if (round & 1) {
            fix_sum(RSDP_AT, 20, RSDP_AT + 8);
            uint32_t l = mem[RSDT_AT + 4] | mem[RSDT_AT + 5] << 8;
            if (l >= 36 && l <= 4096)
                fix_sum(RSDT_AT, l, RSDT_AT + 9);
            l = mem[MADT_AT + 4] | mem[MADT_AT + 5] << 8;
            if (l >= 36 && l <= 4096)
                fix_sum(MADT_AT, l, MADT_AT + 9);
            fix_sum(MPF_AT, 16, MPF_AT + 10);
            l = mem[MPC_AT + 4] | mem[MPC_AT + 5] << 8;
            if (l >= 44 && l <= 4096)
                fix_sum(MPC_AT, l, MPC_AT + 7);
        }
        if (acpi_parse(&reader, 0, &p) == PLATFORM_OK)
            check_sane(&p);
        if (mptable_parse(&reader, 0, &p) == PLATFORM_OK)
            check_sane(&p);
    }
}

static int clear(void **state)
{
    (void)state;
    memset(mem, 0, MEM_SIZE);
    return 0;
}

#define T(f) cmocka_unit_test_setup(f, clear)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_acpi_qemu_like),
        T(test_acpi_boot_cpu_first_disabled_and_duplicates),
        T(test_acpi_too_many_cpus_are_counted_not_stored),
        T(test_acpi_xsdt_preferred_rsdt_fallback),
        T(test_acpi_rsdp_in_ebda),
        T(test_acpi_malformed_tables),
        T(test_mp_qemu_like),
        T(test_mp_default_configuration),
        T(test_mp_malformed),
        T(test_random_corruption),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
