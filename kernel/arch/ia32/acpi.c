/* ACPI: RSDP -> RSDT or XSDT -> MADT ("APIC"), for the local APICs, the
 * IO-APICs and the ISA interrupt source overrides (platform.h). Nothing
 * else of ACPI is used. Every table's signature, length and checksum is
 * checked before its contents are read. */
#include "platform.h"
#include "platform_impl.h"

#define SDT_HEADER      36
#define SDT_MAX_LEN     0x10000u    /* far above any real RSDT/XSDT/MADT */
#define RSDP_V1_LEN     20
#define RSDP_V2_LEN     36

enum {
    MADT_LAPIC = 0,
    MADT_IOAPIC = 1,
    MADT_ISO = 2,
    MADT_LAPIC_ADDR = 5,
};
#define MADT_PCAT_COMPAT    0x1
#define LAPIC_ENABLED       0x1
#define LAPIC_ONLINE_CAPABLE 0x2

/* A whole system description table at pa with signature sig, checked;
 * NULL if it is missing or malformed. *len gets its length. */
static const uint8_t *sdt(const struct phys_reader *r, uint64_t pa, const char *sig,
                          uint32_t *len)
{
    const uint8_t *h = platform_map(r, pa, SDT_HEADER);
    if (!h || (sig && (h[0] != sig[0] || h[1] != sig[1] || h[2] != sig[2] || h[3] != sig[3])))
        return NULL;
    uint32_t n = platform_ld32(h + 4);
    if (n < SDT_HEADER || n > SDT_MAX_LEN)
        return NULL;
    const uint8_t *t = platform_map(r, pa, n);
    if (!t || platform_sum(t, n) != 0)
        return NULL;
    *len = n;
    return t;
}

static void parse_madt(const uint8_t *m, uint32_t len, uint8_t boot, struct platform_info *p)
{
    if (len < SDT_HEADER + 8)
        return;
    p->lapic_addr = platform_ld32(m + 36);
    p->pic_present = platform_ld32(m + 40) & MADT_PCAT_COMPAT;
    for (uint32_t off = SDT_HEADER + 8; off + 2 <= len;) {
        const uint8_t *e = m + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || elen > len - off)
            break;                      /* a zero length would loop forever */
        switch (type) {
        case MADT_LAPIC:
            if (elen >= 8 && (platform_ld32(e + 4) & LAPIC_ENABLED))
                platform_add_cpu(p, e[3], boot);
            break;
        case MADT_IOAPIC:
            if (elen >= 12)
                platform_add_ioapic(p, e[2], platform_ld32(e + 4), platform_ld32(e + 8));
            break;
        case MADT_ISO:
            if (elen >= 10 && e[2] == 0)            /* bus 0: ISA */
                platform_override_isa(p, e[3], platform_ld32(e + 4), platform_ld16(e + 8));
            break;
        case MADT_LAPIC_ADDR:
            if (elen >= 12 && platform_ld32(e + 8) == 0)    /* only below 4 GiB */
                p->lapic_addr = platform_ld32(e + 4);
            break;
        default:
            break;                      /* x2APIC, NMI sources, ...: not needed */
        }
        off += elen;
    }
}

/* The MADT among the RSDT's (4-byte) or the XSDT's (8-byte) entries. */
static const uint8_t *find_madt(const struct phys_reader *r, const uint8_t *root,
                                uint32_t len, uint32_t entry_size, uint32_t *madt_len)
{
    for (uint32_t off = SDT_HEADER; off + entry_size <= len; off += entry_size) {
        uint64_t pa = platform_ld32(root + off);
        if (entry_size == 8)
            pa |= (uint64_t)platform_ld32(root + off + 4) << 32;
        const uint8_t *m = sdt(r, pa, "APIC", madt_len);
        if (m)
            return m;
    }
    return NULL;
}

enum platform_error acpi_parse(const struct phys_reader *r, uint8_t boot_apic_id,
                               struct platform_info *out)
{
    platform_init_info(out);
    uint32_t rsdp_pa = platform_find(r, "RSD PTR ", 8, RSDP_V1_LEN, 0xe0000);
    if (!rsdp_pa)
        return PLATFORM_NOT_FOUND;
    const uint8_t *rsdp = platform_map(r, rsdp_pa, RSDP_V1_LEN);
    const uint8_t *root = NULL, *madt = NULL;
    uint32_t len = 0, madt_len = 0;
    /* ACPI 2.0+: the XSDT, if its extended checksum holds and it is below
     * 4 GiB; else the RSDT. */
    if (rsdp[15] >= 2) {
        const uint8_t *x = platform_map(r, rsdp_pa, RSDP_V2_LEN);
        if (x && platform_ld32(x + 20) >= RSDP_V2_LEN && platform_ld32(x + 20) <= 4096) {
            const uint8_t *full = platform_map(r, rsdp_pa, platform_ld32(x + 20));
            if (full && platform_sum(full, platform_ld32(x + 20)) == 0) {
                uint64_t xsdt = platform_ld32(x + 24) | (uint64_t)platform_ld32(x + 28) << 32;
                root = sdt(r, xsdt, "XSDT", &len);
                if (root)
                    madt = find_madt(r, root, len, 8, &madt_len);
            }
        }
    }
    if (!madt) {
        root = sdt(r, platform_ld32(rsdp + 16), "RSDT", &len);
        if (!root)
            return PLATFORM_BAD_TABLE;
        madt = find_madt(r, root, len, 4, &madt_len);
    }
    if (!madt)
        return PLATFORM_NOT_FOUND;
    parse_madt(madt, madt_len, boot_apic_id, out);
    return platform_finish(out, boot_apic_id);
}
