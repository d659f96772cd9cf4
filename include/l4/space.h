/* Unmap/flush and access-status shorthands. */
#ifndef __L4__SPACE_H__
#define __L4__SPACE_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>

/* Revokes the rights given in f from everyone f was mapped to, and
 * returns f with its rights bits replaced by the access status. */
L4_INLINE L4_Fpage_t L4_UnmapFpage(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(0);
    L4_StoreMR(0, &f.raw);
    return f;
}

L4_INLINE void L4_UnmapFpages(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_LoadMRs(0, (int)n, &fpages[0].raw);
    L4_Unmap((n - 1) & L4ABI_UNMAP_COUNT_MASK);
    L4_StoreMRs(0, (int)n, &fpages[0].raw);
}

/* As L4_UnmapFpage, but also from the caller's own space. */
L4_INLINE L4_Fpage_t L4_Flush(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(L4ABI_UNMAP_FLUSH);
    L4_StoreMR(0, &f.raw);
    return f;
}

L4_INLINE void L4_FlushFpages(L4_Word_t n, L4_Fpage_t *fpages)
{
    L4_LoadMRs(0, (int)n, &fpages[0].raw);
    L4_Unmap(L4ABI_UNMAP_FLUSH | ((n - 1) & L4ABI_UNMAP_COUNT_MASK));
    L4_StoreMRs(0, (int)n, &fpages[0].raw);
}

/* Unmapping no rights only reads (and resets) the access status. */
L4_INLINE L4_Fpage_t L4_GetStatus(L4_Fpage_t f)
{
    L4_Set_Rights(&f, L4_NoAccess);
    return L4_UnmapFpage(f);
}

L4_INLINE L4_Bool_t L4_WasReferenced(L4_Fpage_t f)
{
    return (f.raw & L4ABI_UNMAP_REFERENCED) != 0;
}

L4_INLINE L4_Bool_t L4_WasWritten(L4_Fpage_t f)
{
    return (f.raw & L4ABI_UNMAP_WRITTEN) != 0;
}

L4_INLINE L4_Bool_t L4_WasExecuted(L4_Fpage_t f)
{
    return (f.raw & L4ABI_UNMAP_EXECUTED) != 0;
}

#endif /* !__L4__SPACE_H__ */
