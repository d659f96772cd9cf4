/* I/O bitmaps and I/O fpages (see iobitmap.h). */
#include "iobitmap.h"
#include "l4/abi.h"   /* "": found with -iquote in host tests */

#define PORTS_PER_PAGE (IOBM_PAGE_BYTES * 8)

void iobm_set(struct iobm *bm, uint32_t first, uint32_t n, bool allow)
{
    if (first >= IO_PORTS)
        return;
    if (n > IO_PORTS - first)
        n = IO_PORTS - first;
    for (uint32_t p = first; p < first + n; p++) {
        uint8_t *b = &bm->page[p / PORTS_PER_PAGE][(p % PORTS_PER_PAGE) / 8];
        uint8_t bit = (uint8_t)(1u << (p % 8));
        if (allow)
            *b &= (uint8_t)~bit;
        else
            *b |= bit;
    }
}

bool iobm_allowed(const struct iobm *bm, uint32_t first, uint32_t n)
{
    if (first >= IO_PORTS || n > IO_PORTS - first)
        return false;
    for (uint32_t p = first; p < first + n; p++)
        if (bm->page[p / PORTS_PER_PAGE][(p % PORTS_PER_PAGE) / 8] & (1u << (p % 8)))
            return false;
    return true;
}

bool io_port_reserved(uint32_t port)
{
    return (port >= 0x20 && port <= 0x21) ||        /* master PIC */
           (port >= 0xa0 && port <= 0xa1) ||        /* slave PIC */
           (port >= 0x40 && port <= 0x43) ||        /* PIT */
           port == 0x61 ||                          /* PIT gate, speaker */
           (port >= 0xf4 && port <= 0xf7) ||        /* QEMU isa-debug-exit */
           port == 0x8900;                          /* Bochs shutdown */
}

bool io_fpage_range(uint32_t fpage, uint32_t *first, uint32_t *n)
{
    if (!L4ABI_IS_IOFPAGE(fpage))
        return false;
    uint32_t log2 = L4ABI_IOFPAGE_LOG2(fpage);
    if (log2 > 16)
        return false;
    *n = 1u << log2;
    *first = L4ABI_IOFPAGE_PORT(fpage) & ~(*n - 1);
    return true;
}

uint32_t io_fpage_cover(uint32_t port, uint32_t size)
{
    uint32_t log2 = 0;
    while (log2 < 16 && (port >> log2) != ((port + size - 1) >> log2))
        log2++;
    return L4ABI_IOFPAGE(port & ~((1u << log2) - 1) & 0xffff, log2);
}
