/* IA-32 specifics: bit scans, small spaces, memory attributes, cache
 * hints and I/O fpages. Included by <l4/types.h>. */
/* Outside the guard: included first, this pulls in types.h, which in
 * turn includes this file at the point where L4_Fpage_t exists. */
#include <l4/types.h>

#ifndef __L4__IA32__SPECIALS_H__
#define __L4__IA32__SPECIALS_H__

/* Index of the highest/lowest set bit; w must not be 0. */
L4_INLINE int __L4_Msb(L4_Word_t w) __attribute__((const));
L4_INLINE int __L4_Msb(L4_Word_t w)
{
    L4_Word_t n;
    __asm__("bsr %1, %0" : "=r"(n) : "rm"(w) : "cc");
    return (int)n;
}

L4_INLINE int __L4_Lsb(L4_Word_t w) __attribute__((const));
L4_INLINE int __L4_Lsb(L4_Word_t w)
{
    L4_Word_t n;
    __asm__("bsf %1, %0" : "=r"(n) : "rm"(w) : "cc");
    return (int)n;
}

/* SpaceControl control word. */
#define L4_LargeSpace   L4ABI_SPACE_LARGE

/* Small space of `size` bytes (a power of two, multiple of 4 MB) at
 * `location` (a multiple of size) within the small-space area. */
L4_INLINE L4_Word_t L4_SmallSpace(L4_Word_t location, L4_Word_t size)
{
    L4_Word_t sz = size >> 2, loc = location >> 1;
    return ((loc & ~(sz - 1)) | sz) & 0xff;
}

/* String-item cache allocation hints. */
#define L4_AllocateNewCacheLines        ((L4_CacheAllocationHint_t){ .raw = 1 })
#define L4_DoNotAllocateNewCacheLines   ((L4_CacheAllocationHint_t){ .raw = 2 })
#define L4_AllocateOnlyNewL1CacheLines  ((L4_CacheAllocationHint_t){ .raw = 3 })

/* MemoryControl attributes. */
#define L4_WriteBackMemory          L4ABI_MEMATTR_WRITEBACK
#define L4_WriteThroughMemory       L4ABI_MEMATTR_WRITETHROUGH
#define L4_UncacheableMemory        L4ABI_MEMATTR_UNCACHEABLE
#define L4_WriteCombiningMemory     L4ABI_MEMATTR_WRITECOMBINING
#define L4_WriteProtectedMemory     L4ABI_MEMATTR_WRITEPROTECTED

/* I/O fpages: the port space as a second, 64K-entry address space. */
typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t rwx   : 4;
        L4_Word_t __two : 6;
        L4_Word_t s     : 6;
        L4_Word_t p     : 16;
    } X;
} L4_IoFpage_t;

L4_INLINE L4_Fpage_t L4_IoFpageLog2(L4_Word_t BasePort, int FpageSize)
{
    L4_Fpage_t f;
    f.raw = L4ABI_IOFPAGE(BasePort, FpageSize);
    return f;
}

/* Rounds FpageSize up to the next power of two. */
L4_INLINE L4_Fpage_t L4_IoFpage(L4_Word_t BasePort, int FpageSize)
{
    int log2 = FpageSize > 1 ? __L4_Msb((L4_Word_t)FpageSize - 1) + 1 : 0;
    return L4_IoFpageLog2(BasePort, log2);
}

L4_INLINE L4_Word_t L4_IoFpagePort(L4_Fpage_t f)
{
    return L4ABI_IOFPAGE_PORT(f.raw);
}

L4_INLINE L4_Word_t L4_IoFpageSizeLog2(L4_Fpage_t f)
{
    return L4ABI_IOFPAGE_LOG2(f.raw);
}

L4_INLINE L4_Word_t L4_IoFpageSize(L4_Fpage_t f)
{
    L4_Word_t s = L4_IoFpageSizeLog2(f);
    return s < 32 ? 1UL << s : 0;
}

L4_INLINE L4_Bool_t L4_IsIoFpage(L4_Fpage_t f)
{
    return L4ABI_IS_IOFPAGE(f.raw);
}

#endif /* !__L4__IA32__SPECIALS_H__ */
