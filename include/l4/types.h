/* Basic X.2 types: words, thread IDs, fpages, clock and time values. */
#ifndef __L4__TYPES_H__
#define __L4__TYPES_H__

#if !defined(__i386__)
# error "Pecan's libl4 supports IA-32 only"
#endif
#if defined(__PIC__)
/* The system-call wrappers use ebx freely and call the stubs directly. */
# error "libl4 headers support non-PIC code only (-fno-pic)"
#endif

#define L4_ARCH_IA32
#define __L4_ARCH__ ia32
#define __L4_INC_ARCH(file) <l4/ia32/file>

#include <l4/ia32/types.h>
#include <l4/abi.h>

typedef L4_Word_t L4_Bool_t;

#define L4_INLINE           static inline
#define L4_BITS_PER_WORD    32

/* Result codes of ThreadControl, SpaceControl, ... (in ErrorCode). */
#define L4_ErrOk                L4ABI_ERR_OK
#define L4_ErrNoPrivilege       L4ABI_ERR_NO_PRIVILEGE
#define L4_ErrInvalidThread     L4ABI_ERR_INVALID_THREAD
#define L4_ErrInvalidSpace      L4ABI_ERR_INVALID_SPACE
#define L4_ErrInvalidScheduler  L4ABI_ERR_INVALID_SCHEDULER
#define L4_ErrInvalidParam      L4ABI_ERR_INVALID_PARAM
#define L4_ErrUtcbArea          L4ABI_ERR_UTCB_AREA
#define L4_ErrKipArea           L4ABI_ERR_KIP_AREA
#define L4_ErrNoMem             L4ABI_ERR_NO_MEM


/* ---- Flexpages ---- */

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t rwx      : 3;
        L4_Word_t reserved : 1;
        L4_Word_t s        : 6;
        L4_Word_t b        : 22;
    } X;
} L4_Fpage_t;

#define L4_Readable             L4ABI_FPAGE_R
#define L4_Writable             L4ABI_FPAGE_W
#define L4_eXecutable           L4ABI_FPAGE_X
#define L4_FullyAccessible      (L4ABI_FPAGE_R | L4ABI_FPAGE_W | L4ABI_FPAGE_X)
#define L4_ReadWriteOnly        (L4ABI_FPAGE_R | L4ABI_FPAGE_W)
#define L4_ReadeXecOnly         (L4ABI_FPAGE_R | L4ABI_FPAGE_X)
#define L4_NoAccess             0

#define L4_Nilpage              ((L4_Fpage_t){ .raw = L4ABI_NILPAGE })
#define L4_CompleteAddressSpace ((L4_Fpage_t){ .raw = L4ABI_COMPLETE_FPAGE })

#include <l4/ia32/specials.h>

L4_INLINE L4_Bool_t L4_IsNilFpage(L4_Fpage_t f)
{
    return f.raw == L4ABI_NILPAGE;
}

L4_INLINE L4_Word_t L4_Rights(L4_Fpage_t f)
{
    return f.raw & L4ABI_FPAGE_RIGHTS_MASK;
}

L4_INLINE L4_Fpage_t L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rwx)
{
    f->raw = (f->raw & ~L4ABI_FPAGE_RIGHTS_MASK) | (rwx & L4ABI_FPAGE_RIGHTS_MASK);
    return *f;
}

L4_INLINE L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rwx)
{
    f.raw |= rwx & L4ABI_FPAGE_RIGHTS_MASK;
    return f;
}

L4_INLINE L4_Fpage_t L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rwx)
{
    *f = L4_FpageAddRights(*f, rwx);
    return *f;
}

L4_INLINE L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rwx)
{
    f.raw &= ~(rwx & L4ABI_FPAGE_RIGHTS_MASK);
    return f;
}

L4_INLINE L4_Fpage_t L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rwx)
{
    *f = L4_FpageRemoveRights(*f, rwx);
    return *f;
}

L4_INLINE L4_Fpage_t L4_FpageLog2(L4_Word_t BaseAddress, int FpageSize)
{
    L4_Fpage_t f;
    f.raw = L4ABI_FPAGE(BaseAddress, FpageSize, 0);
    return f;
}

/* Rounds FpageSize up to the next power of two. */
L4_INLINE L4_Fpage_t L4_Fpage(L4_Word_t BaseAddress, L4_Word_t FpageSize)
{
    int log2 = FpageSize > 1 ? __L4_Msb(FpageSize - 1) + 1 : 0;
    return L4_FpageLog2(BaseAddress, log2);
}

L4_INLINE L4_Word_t L4_SizeLog2(L4_Fpage_t f)
{
    return L4ABI_FPAGE_LOG2(f.raw);
}

L4_INLINE L4_Word_t L4_Size(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return s == 0 ? 0 : s >= 32 ? 0 : 1UL << s;
}

L4_INLINE L4_Word_t L4_Address(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    L4_Word_t mask = s >= 32 ? 0 : ~((1UL << s) - 1);
    return f.raw & mask & L4ABI_FPAGE_BASE_MASK;
}


/* ---- Thread IDs ---- */

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t version   : 14;
        L4_Word_t thread_no : 18;
    } X;
} L4_GthreadId_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __zeros  : 6;
        L4_Word_t local_id : 26;
    } X;
} L4_LthreadId_t;

typedef union {
    L4_Word_t      raw;
    L4_GthreadId_t global;
    L4_LthreadId_t local;
} L4_ThreadId_t;

#define L4_nilthread        ((L4_ThreadId_t){ .raw = L4ABI_NILTHREAD })
#define L4_anythread        ((L4_ThreadId_t){ .raw = L4ABI_ANYTHREAD })
#define L4_anylocalthread   ((L4_ThreadId_t){ .raw = L4ABI_ANYLOCALTHREAD })

L4_INLINE L4_ThreadId_t L4_GlobalId(L4_Word_t threadno, L4_Word_t version)
{
    L4_ThreadId_t t;
    t.raw = L4ABI_TID(threadno, version);
    return t;
}

L4_INLINE L4_Word_t L4_Version(L4_ThreadId_t t)
{
    return L4ABI_TID_VERSION(t.raw);
}

L4_INLINE L4_Word_t L4_ThreadNo(L4_ThreadId_t t)
{
    return L4ABI_TID_THREADNO(t.raw);
}

L4_INLINE L4_Bool_t L4_IsThreadEqual(const L4_ThreadId_t l, const L4_ThreadId_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsThreadNotEqual(const L4_ThreadId_t l, const L4_ThreadId_t r)
{
    return l.raw != r.raw;
}

L4_INLINE L4_Bool_t L4_IsNilThread(L4_ThreadId_t t)
{
    return t.raw == L4ABI_NILTHREAD;
}

L4_INLINE L4_Bool_t L4_IsLocalId(L4_ThreadId_t t)
{
    return L4ABI_TID_IS_LOCAL(t.raw);
}

L4_INLINE L4_Bool_t L4_IsGlobalId(L4_ThreadId_t t)
{
    return !L4ABI_TID_IS_LOCAL(t.raw);
}


/* ---- System clock (microseconds) ---- */

typedef union {
    L4_Word64_t raw;
    struct {
        L4_Word32_t low;
        L4_Word32_t high;
    } X;
} L4_Clock_t;

L4_INLINE L4_Clock_t L4_ClockAddUsec(const L4_Clock_t c, const L4_Word64_t r)
{
    L4_Clock_t n;
    n.raw = c.raw + r;
    return n;
}

L4_INLINE L4_Clock_t L4_ClockSubUsec(const L4_Clock_t c, const L4_Word64_t r)
{
    L4_Clock_t n;
    n.raw = c.raw - r;
    return n;
}

L4_INLINE L4_Bool_t L4_IsClockEarlier(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw < r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockLater(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw > r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockEqual(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsClockNotEqual(const L4_Clock_t l, const L4_Clock_t r)
{
    return l.raw != r.raw;
}


/* ---- Time values (timeouts) ---- */

typedef union {
    L4_Word16_t raw;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t e : 5;
        L4_Word16_t a : 1;      /* 0: period */
    } period;
    struct {
        L4_Word16_t m : 10;
        L4_Word16_t c : 1;
        L4_Word16_t e : 4;
        L4_Word16_t a : 1;      /* 1: point */
    } point;
} L4_Time_t;

#define L4_Never        ((L4_Time_t){ .raw = L4ABI_TIME_NEVER })
#define L4_ZeroTime     ((L4_Time_t){ .raw = L4ABI_TIME_ZERO })

/* The encodable periods are m * 2^e with m < 1024, e < 32; the value is
 * truncated to that precision. Too long a period becomes L4_Never. */
L4_INLINE L4_Time_t L4_TimePeriod(L4_Word64_t microseconds)
{
    L4_Time_t t;
    unsigned e = 0;

    if (microseconds == 0)
        return L4_ZeroTime;
    while (microseconds >= 1024) {
        microseconds >>= 1;
        e++;
    }
    if (e > 31)
        return L4_Never;
    t.raw = L4ABI_TIME_PERIOD((L4_Word_t)microseconds, e);
    return t;
}

L4_INLINE L4_Bool_t L4_IsTimePeriod(L4_Time_t t)
{
    return (t.raw & L4ABI_TIME_POINT) == 0;
}

#endif /* !__L4__TYPES_H__ */
