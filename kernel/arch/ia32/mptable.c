/* Intel MultiProcessor Specification 1.4 tables, for machines without
 * ACPI: the floating pointer, then the configuration table's processor,
 * bus, IO-APIC and interrupt-assignment entries (platform.h). */
#include "platform.h"
#include "platform_impl.h"

#define MPF_LEN         16
#define MPC_HEADER      44
enum { MP_PROC = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
#define MP_PROC_LEN     20
#define MP_OTHER_LEN    8
#define MP_ENABLED      0x1
#define MP_INT          0           /* vectored interrupt (not NMI/SMI/ExtINT) */
#define MP_IMCRP        0x80        /* feature byte 2: PIC mode at reset */
#define MP_MAX_BUSES    256
#define IOAPIC_DEFAULT_PINS 24      /* MP tables do not say; 24 is usual */
#define IOAPIC_DEFAULT_ADDR 0xfec00000u
#define LAPIC_DEFAULT_ADDR  0xfee00000u

/* A default configuration (feature byte 1 non-zero, no table): two
 * processors (APIC IDs 0 and 1), one IO-APIC with ID 2, ISA identity. */
static enum platform_error default_config(uint8_t boot, struct platform_info *p)
{
    p->lapic_addr = LAPIC_DEFAULT_ADDR;
    platform_add_cpu(p, 0, boot);
    platform_add_cpu(p, 1, boot);
    platform_add_ioapic(p, 2, IOAPIC_DEFAULT_ADDR, 0);
    return platform_finish(p, boot);
}

/* IO-APICs by ID to their GSI base: in table order, 24 inputs each. */
static int ioapic_index(const struct platform_info *p, uint8_t id)
{
    for (unsigned i = 0; i < p->nioapics; i++)
        if (p->ioapic[i].id == id)
            return (int)i;
    return -1;
}

enum platform_error mptable_parse(const struct phys_reader *r, uint8_t boot_apic_id,
                                  struct platform_info *out)
{
    platform_init_info(out);
    uint32_t mpf_pa = platform_find(r, "_MP_", 4, MPF_LEN, 0xf0000);
    if (!mpf_pa)
        return PLATFORM_NOT_FOUND;
    const uint8_t *mpf = platform_map(r, mpf_pa, MPF_LEN);
    out->pic_present = mpf[12] & MP_IMCRP;
    if (mpf[11] != 0)
        return default_config(boot_apic_id, out);

    uint32_t mpc_pa = platform_ld32(mpf + 4);
    const uint8_t *h = platform_map(r, mpc_pa, MPC_HEADER);
    if (!h || h[0] != 'P' || h[1] != 'C' || h[2] != 'M' || h[3] != 'P')
        return PLATFORM_BAD_TABLE;
    uint32_t len = platform_ld16(h + 4);
    if (len < MPC_HEADER)
        return PLATFORM_BAD_TABLE;
    const uint8_t *t = platform_map(r, mpc_pa, len);
    if (!t || platform_sum(t, len) != 0)
        return PLATFORM_BAD_TABLE;
    out->lapic_addr = platform_ld32(t + 36);

    /* Two passes: the IO-APICs and ISA buses first, since an interrupt
     * entry may precede the IO-APIC or bus it names. */
    bool isa_bus[MP_MAX_BUSES] = { false };
    uint32_t count = platform_ld16(t + 34);
    for (int pass = 0; pass < 2; pass++) {
        uint32_t off = MPC_HEADER;
        for (uint32_t n = 0; n < count && off < len; n++) {
            const uint8_t *e = t + off;
            uint32_t elen = e[0] == MP_PROC ? MP_PROC_LEN : MP_OTHER_LEN;
            if (e[0] > MP_LINT || elen > len - off)
                break;                  /* unknown entry: its length is unknown too */
            if (pass == 0 && e[0] == MP_PROC && (e[3] & MP_ENABLED))
                platform_add_cpu(out, e[1], boot_apic_id);
            if (pass == 0 && e[0] == MP_BUS)
                isa_bus[e[1]] = e[2] == 'I' && e[3] == 'S' && e[4] == 'A';
            if (pass == 0 && e[0] == MP_IOAPIC && (e[3] & MP_ENABLED))
                platform_add_ioapic(out, e[1], platform_ld32(e + 4),
                                    out->nioapics * IOAPIC_DEFAULT_PINS);
            if (pass == 1 && e[0] == MP_IOINT && e[1] == MP_INT && isa_bus[e[4]]) {
                int io = e[6] == 0xff ? 0 : ioapic_index(out, e[6]);
                if (io >= 0 && (unsigned)io < out->nioapics)
                    platform_override_isa(out, e[5], out->ioapic[io].gsi_base + e[7],
                                          platform_ld16(e + 2));
            }
            off += elen;
        }
    }
    return platform_finish(out, boot_apic_id);
}
