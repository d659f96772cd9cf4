/* MemoryControl shorthands. */
#ifndef __L4__MISC_H__
#define __L4__MISC_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>

#define L4_DefaultMemory    L4ABI_MEMATTR_DEFAULT

/* The low two bits of each fpage select one of the four attribute words;
 * these helpers use attribute word 0 only. */
L4_INLINE L4_Word_t L4_Set_PageAttribute(L4_Fpage_t f, L4_Word_t attribute)
{
    L4_Word_t attr[4] = { attribute, 0, 0, 0 };
    L4_LoadMR(0, f.raw & ~L4ABI_FPAGE_RIGHTS_MASK);
    return L4_MemoryControl(0, attr);
}

/* n fpages, fpage i gets attributes[i]; at most four distinct values. */
L4_INLINE L4_Word_t L4_Set_PagesAttributes(L4_Word_t n, L4_Fpage_t *f,
                                           const L4_Word_t *attributes)
{
    L4_Word_t attr[4] = { 0, 0, 0, 0 };
    L4_Word_t used = 0;
    for (L4_Word_t i = 0; i < n; i++) {
        L4_Word_t k = 0;
        while (k < used && attr[k] != attributes[i])
            k++;
        if (k == used) {
            if (used == 4)
                return 0;
            attr[used++] = attributes[i];
        }
        L4_LoadMR((int)i, (f[i].raw & ~L4ABI_FPAGE_RIGHTS_MASK) | k);
    }
    return L4_MemoryControl((n - 1) & L4ABI_MEMCTRL_COUNT_MASK, attr);
}

#endif /* !__L4__MISC_H__ */
