#include "strchain.h"
#include "l4/abi.h"   /* "": found with -iquote in host tests */

uint32_t strchain_copy(const uint32_t *words, int dir, uint32_t limit,
                       uint32_t top, uint32_t *out, uint32_t *len, bool *bad)
{
    uint32_t k = 0, sum = 0;
    if (limit > STRCHAIN_MAX)
        limit = STRCHAIN_MAX;
    for (;;) {
        if (k >= limit)
            return 0;
        uint32_t h = words[dir * (int)k];
        uint32_t n = L4ABI_STRITEM_NPTRS(h), sl = L4ABI_STRITEM_LEN(h);
        if (!L4ABI_ITEM_IS_STRING(h) || k + 1 + n > limit)
            return 0;
        if (out)
            out[k] = h;
        for (uint32_t i = 1; i <= n; i++) {
            uint32_t a = words[dir * (int)(k + i)];
            if (out)
                out[k + i] = a;
            if (sl && (a >= top || sl > top - a))
                *bad = true;
        }
        sum += n * sl;      /* at most 63 * 2^22: no overflow */
        k += 1 + n;
        if (!(h & L4ABI_STRITEM_COMPOUND))
            break;
    }
    *len = sum;
    return k;
}

void strchain_locate(const uint32_t *c, uint32_t off, uint32_t *addr,
                     uint32_t *left)
{
    for (uint32_t k = 0;;) {
        uint32_t n = L4ABI_STRITEM_NPTRS(c[k]), sl = L4ABI_STRITEM_LEN(c[k]);
        for (uint32_t i = 1; i <= n; i++) {
            if (off < sl) {
                *addr = c[k + i] + off;
                *left = sl - off;
                return;
            }
            off -= sl;
        }
        k += 1 + n;     /* off < total length: the chain goes on */
    }
}
