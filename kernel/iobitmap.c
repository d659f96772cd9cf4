/* I/O bitmaps and I/O fpages (see iobitmap.h). */
#include "iobitmap.h"
#include "l4/abi.h"   /* "": found with -iquote in host tests */

#define PORTS_PER_PAGE (IOBM_PAGE_BYTES * 8)

/* The word holding port p's bit. */
static uint32_t *word_of(struct iobm *bm, uint32_t p)
{
    p &= ~31u;
    return (uint32_t *)(void *)&bm->page[p / PORTS_PER_PAGE][(p % PORTS_PER_PAGE) / 8];
}

/* Word by word (bit i of a little-endian word is port 32k + i): a partial
 * word with a mask, whole words unrolled. 65536 ports take ~3000
 * instructions. */
void iobm_set(struct iobm *bm, uint32_t first, uint32_t n, bool allow)
{
    if (first >= IO_PORTS)
        return;
    if (n > IO_PORTS - first)
        n = IO_PORTS - first;
    uint32_t p = first, end = first + n, fill = allow ? 0 : 0xffffffffu;
    while (p < end) {
        uint32_t bit = p % 32, cnt = end - p < 32 - bit ? end - p : 32 - bit;
        if (cnt < 32) {
            uint32_t mask = ((1u << cnt) - 1) << bit;
            uint32_t *w = word_of(bm, p);
            *w = allow ? *w & ~mask : *w | mask;
            p += cnt;
            continue;
        }
        /* Whole words up to the end or to the end of this page. */
        uint32_t page_end = (p / PORTS_PER_PAGE + 1) * PORTS_PER_PAGE;
        uint32_t stop = (end < page_end ? end : page_end) & ~31u;
        uint32_t *w = word_of(bm, p), *we = w + (stop - p) / 32;
        for (; we - w >= 8; w += 8)
            w[0] = w[1] = w[2] = w[3] = w[4] = w[5] = w[6] = w[7] = fill;
        while (w < we)
            *w++ = fill;
        p = stop;
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

/* The ports the kernel keeps, as sorted inclusive ranges. */
static const struct { uint16_t first, last; } reserved[] = {
    { 0x20, 0x21 },         /* master PIC */
    { 0x40, 0x43 },         /* PIT */
    { 0x61, 0x61 },         /* PIT gate, speaker */
    { 0xa0, 0xa1 },         /* slave PIC */
    { 0xf4, 0xf7 },         /* QEMU isa-debug-exit */
    { 0x8900, 0x8900 },     /* Bochs shutdown */
};
#define NRESERVED (sizeof(reserved) / sizeof(reserved[0]))

bool io_port_reserved(uint32_t port)
{
    for (unsigned i = 0; i < NRESERVED; i++)
        if (port >= reserved[i].first && port <= reserved[i].last)
            return true;
    return false;
}

bool io_free_run(uint32_t *first, uint32_t end, uint32_t *run_end)
{
    uint32_t p = *first;
    for (unsigned i = 0; i < NRESERVED && p < end; i++) {
        if (p > reserved[i].last)
            continue;
        if (p >= reserved[i].first) {
            p = reserved[i].last + 1u;      /* skip the reserved range */
            continue;
        }
        *first = p;
        *run_end = reserved[i].first < end ? reserved[i].first : end;
        return true;
    }
    *first = p;
    *run_end = end;
    return p < end;
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
