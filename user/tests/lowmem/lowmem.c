/* Lowmem suite: X.2 boot images may be linked into conventional memory
 * (a stock sigma0 sits at 0x20000). This root task is linked at 0x20000;
 * the kernel loads it there, reports the rest of free low memory as
 * conventional RAM, and keeps the BIOS data area, the SMP trampoline page
 * and the EBDA/ROM area for itself. */
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/kdebug.h>
#include "tap.h"

#define WINDOW 0x30000000ul

/* The type the KIP gives physical address pa: the last descriptor that
 * covers it wins (X.2). 0 if none does. */
static L4_Word_t kip_type_at(L4_Word_t pa)
{
    void *kip = L4_GetKernelInterface();
    L4_Word_t type = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *m = L4_MemoryDesc(kip, i);
        if (!L4_IsMemoryDescVirtual(m) && L4_MemoryDescLow(m) <= pa &&
            pa <= L4_MemoryDescHigh(m))
            type = L4_MemoryDescType(m) & 0xf;
    }
    return type;
}

static int sigma0_gives(L4_Word_t pa, L4_Word_t window)
{
    L4_Fpage_t f = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, L4_FpageLog2(pa, 12),
                                               L4_FpageLog2(window, 12));
    return !L4_IsNilFpage(f) && L4_Address(f) == pa;
}

int main(void)
{
    tap_plan(9);
    L4_Word_t here = (L4_Word_t)&main;
    ok(here >= 0x20000 && here < 0x100000,
       "boot image linked below 1 MiB runs where it is linked (main at %lx)", here);
    is(kip_type_at(here), L4ABI_MEMDESC_BOOTLOADER,
       "KIP lists the low boot image as boot-loader memory");
    is(kip_type_at(0x10000), L4ABI_MEMDESC_CONVENTIONAL,
       "free RAM below 1 MiB is conventional memory in the KIP");
    ok(kip_type_at(0x0) != L4ABI_MEMDESC_CONVENTIONAL,
       "page 0 (IVT, BIOS data area) is not conventional memory");
    ok(kip_type_at(0x1000) != L4ABI_MEMDESC_CONVENTIONAL,
       "the SMP trampoline page is not conventional memory");
    ok(kip_type_at(0xa0000) != L4ABI_MEMDESC_CONVENTIONAL &&
       kip_type_at(0xf0000) != L4ABI_MEMDESC_CONVENTIONAL,
       "VGA and BIOS ROM areas are not conventional memory");

    ok(sigma0_gives(0x10000, WINDOW), "sigma0 hands out a free page below 1 MiB");
    volatile L4_Word_t *p = (volatile L4_Word_t *)WINDOW;
    p[0] = 0x10ec0de;
    p[1023] = ~0x10ec0deul;
    ok(p[0] == 0x10ec0de && p[1023] == ~0x10ec0deul, "the low page is usable RAM");
    ok(!sigma0_gives(0x1000, WINDOW + 0x1000) && !sigma0_gives(0x0, WINDOW + 0x2000),
       "sigma0 refuses the pages the kernel keeps below 1 MiB");
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
