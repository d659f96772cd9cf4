/* The kernel interface page and its accessors. */
#ifndef __L4__KIP_H__
#define __L4__KIP_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __padding : 16;
        L4_Word_t subid     : 8;
        L4_Word_t id        : 8;
    } x;
} L4_KernelId_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t __padding : 16;
        L4_Word_t subversion: 8;
        L4_Word_t version   : 8;
    } x;
} L4_ApiVersion_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t ee        : 2;
        L4_Word_t ww        : 2;
        L4_Word_t __padding : 28;
    } x;
} L4_ApiFlags_t;

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t n          : 16;
        L4_Word_t MemDescPtr : 16;
    };
} L4_MemoryInfo_t;

typedef struct {
    L4_Word_t low;
    L4_Word_t high;
} __L4_KipRegion_t;

typedef struct {
    L4_Word_t sp;
    L4_Word_t ip;
    __L4_KipRegion_t mem;
} __L4_KipServer_t;

/* Same layout as struct l4_kip in <l4/abi.h>, with the X.2 field names. */
typedef struct {
    L4_Word_t        magic;
    L4_ApiVersion_t  ApiVersion;
    L4_ApiFlags_t    ApiFlags;
    L4_Word_t        KernelVerPtr;
    L4_Word_t        KdebugInit;
    L4_Word_t        KdebugEntry;
    __L4_KipRegion_t KdebugMem;
    __L4_KipServer_t Sigma0;
    __L4_KipServer_t Sigma1;
    __L4_KipServer_t RootServer;
    L4_Word_t        __reserved50;
    L4_MemoryInfo_t  MemoryInfo;
    L4_Word_t        KdebugConfig[2];
    __L4_KipRegion_t MainMem;
    __L4_KipRegion_t ReservedMem[2];
    __L4_KipRegion_t DedicatedMem[5];
    L4_Word_t        __paddingA0[2];
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t m : 10;
            L4_Word_t a : 6;
            L4_Word_t s : 6;
            L4_Word_t __padding : 10;
        } X;
    } UtcbAreaInfo;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t s : 6;
            L4_Word_t __padding : 26;
        } X;
    } KipAreaInfo;
    L4_Word_t        __paddingB0[2];
    L4_Word_t        BootInfo;
    L4_Word_t        ProcDescPtr;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t ReadPrecision     : 16;
            L4_Word_t SchedulePrecision : 16;
        } X;
    } ClockInfo;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t t          : 8;
            L4_Word_t SystemBase : 12;
            L4_Word_t UserBase   : 12;
        } X;
    } ThreadInfo;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t rwx            : 3;
            L4_Word_t __padding      : 7;
            L4_Word_t page_size_mask : 22;
        } X;
    } PageInfo;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t processors : 16;
            L4_Word_t __padding  : 12;
            L4_Word_t s          : 4;
        } X;
    } ProcessorInfo;
    L4_Word_t SpaceControl;
    L4_Word_t ThreadControl;
    L4_Word_t ProcessorControl;
    L4_Word_t MemoryControl;
    L4_Word_t Ipc;
    L4_Word_t Lipc;
    L4_Word_t Unmap;
    L4_Word_t ExchangeRegisters;
    L4_Word_t SystemClock;
    L4_Word_t ThreadSwitch;
    L4_Word_t Schedule;
    L4_Word_t __paddingF0;
    L4_Word_t __padding100[4];
    L4_Word_t ArchSyscall0;
    L4_Word_t ArchSyscall1;
    L4_Word_t ArchSyscall2;
    L4_Word_t ArchSyscall3;
} L4_KernelInterfacePage_t;

#define __L4_KIP_SAME(api, abi) \
    _Static_assert(__builtin_offsetof(L4_KernelInterfacePage_t, api) == \
                   __builtin_offsetof(struct l4_kip, abi), "KIP field " #api)
__L4_KIP_SAME(MemoryInfo, memory_info);
__L4_KIP_SAME(MainMem, main_mem);
__L4_KIP_SAME(UtcbAreaInfo, utcb_area_info);
__L4_KIP_SAME(KipAreaInfo, kip_area_info);
__L4_KIP_SAME(BootInfo, boot_info);
__L4_KIP_SAME(ProcDescPtr, proc_desc_ptr);
__L4_KIP_SAME(ClockInfo, clock_info);
__L4_KIP_SAME(ThreadInfo, thread_info);
__L4_KIP_SAME(PageInfo, page_info);
__L4_KIP_SAME(ProcessorInfo, processor_info);
__L4_KIP_SAME(SpaceControl, space_control);
__L4_KIP_SAME(ThreadControl, thread_control);
__L4_KIP_SAME(ProcessorControl, processor_control);
__L4_KIP_SAME(MemoryControl, memory_control);
__L4_KIP_SAME(Ipc, ipc);
__L4_KIP_SAME(Lipc, lipc);
__L4_KIP_SAME(Unmap, unmap);
__L4_KIP_SAME(ExchangeRegisters, exchange_registers);
__L4_KIP_SAME(SystemClock, system_clock);
__L4_KIP_SAME(ThreadSwitch, thread_switch);
__L4_KIP_SAME(Schedule, schedule);
__L4_KIP_SAME(ArchSyscall0, arch_syscall);
#undef __L4_KIP_SAME
_Static_assert(sizeof(L4_KernelInterfacePage_t) == sizeof(struct l4_kip), "KIP size");

typedef union {
    L4_Word_t raw[4];
    struct {
        L4_Word_t ExternalFreq;
        L4_Word_t InternalFreq;
        L4_Word_t __padding[2];
    } X;
} L4_ProcDesc_t;

typedef struct {
    L4_KernelId_t KernelId;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t day   : 5;
            L4_Word_t month : 4;
            L4_Word_t year  : 7;
            L4_Word_t __padding : 16;
        } X;
    } KernelGenDate;
    union {
        L4_Word_t raw;
        struct {
            L4_Word_t subsubver : 16;
            L4_Word_t subver    : 8;
            L4_Word_t ver       : 8;
        } X;
    } KernelVer;
    L4_Word_t Supplier;
    char VersionString[];
} L4_KernelDesc_t;

typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t type       : 4;
        L4_Word_t t          : 4;
        L4_Word_t __padding1 : 1;
        L4_Word_t v          : 1;
        L4_Word_t low        : 22;
        L4_Word_t __padding2 : 10;
        L4_Word_t high       : 22;
    } x;
} L4_MemoryDesc_t;

#define L4_MAGIC                L4ABI_KIP_MAGIC

#define L4_APIVERSION_2         0x02
#define L4_APIVERSION_4         0x04
#define L4_APIVERSION_X0        0x83
#define L4_APIVERSION_X1        0x83
#define L4_APIVERSION_X2        L4ABI_API_VERSION_X2
#define L4_APISUBVERSION_X0     0x80
#define L4_APISUBVERSION_X1     0x81

#define L4_APIFLAG_LE           0x00
#define L4_APIFLAG_BE           0x01
#define L4_APIFLAG_32BIT        0x00
#define L4_APIFLAG_64BIT        0x01

/* Kernel id and subid, as (id << 8) + subid. */
#define L4_KID_L4_486           ((0 << 8) + 1)
#define L4_KID_L4_PENTIUM       ((0 << 8) + 2)
#define L4_KID_L4_X86           ((0 << 8) + 3)
#define L4_KID_L4_MIPS          ((1 << 8) + 1)
#define L4_KID_L4_ALPHA         ((2 << 8) + 1)
#define L4_KID_FIASCO           ((3 << 8) + 1)
#define L4_KID_L4KA_HAZELNUT    ((4 << 8) + 1)
#define L4_KID_L4KA_PISTACHIO   ((4 << 8) + 2)
#define L4_KID_L4KA_STRAWBERRY  ((4 << 8) + 3)
#define L4_KID_NICTA_PISTACHIO  ((5 << 8) + 1)

/* Supplier: four characters in memory order, read as a little-endian word. */
#define __L4_SUPPLIER(a, b, c, d) \
    ((L4_Word_t)(a) | ((L4_Word_t)(b) << 8) | ((L4_Word_t)(c) << 16) | ((L4_Word_t)(d) << 24))
#define L4_SUPL_GMD     __L4_SUPPLIER('G', 'M', 'D', ' ')
#define L4_SUPL_IBM     __L4_SUPPLIER('I', 'B', 'M', ' ')
#define L4_SUPL_UNSW    __L4_SUPPLIER('U', 'N', 'S', 'W')
#define L4_SUPL_UKA     __L4_SUPPLIER('U', 'K', 'a', ' ')
#define L4_SUPL_NICTA   __L4_SUPPLIER('N', 'I', 'C', 'T')

#define L4_UndefinedMemoryType              L4ABI_MEMDESC_UNDEFINED
#define L4_ConventionalMemoryType           L4ABI_MEMDESC_CONVENTIONAL
#define L4_ReservedMemoryType               L4ABI_MEMDESC_RESERVED
#define L4_DedicatedMemoryType              L4ABI_MEMDESC_DEDICATED
#define L4_SharedMemoryType                 L4ABI_MEMDESC_SHARED
#define L4_BootLoaderSpecificMemoryType     L4ABI_MEMDESC_BOOTLOADER
#define L4_ArchitectureSpecificMemoryType   L4ABI_MEMDESC_ARCH


/* ---- Accessors ---- */

L4_INLINE void *L4_GetKernelInterface(void)
{
    L4_Word_t v, f, id;
    return L4_KernelInterface(&v, &f, &id);
}

L4_INLINE L4_Word_t L4_ApiVersion(void)
{
    L4_Word_t v, f, id;
    (void)L4_KernelInterface(&v, &f, &id);
    return v;
}

L4_INLINE L4_Word_t L4_ApiFlags(void)
{
    L4_Word_t v, f, id;
    (void)L4_KernelInterface(&v, &f, &id);
    return f;
}

L4_INLINE L4_Word_t L4_KernelId(void)
{
    L4_Word_t v, f, id;
    (void)L4_KernelInterface(&v, &f, &id);
    return id;
}

#define __L4_KIP(p) ((L4_KernelInterfacePage_t *)(p))

L4_INLINE L4_KernelDesc_t *__L4_KernelDesc(void *KernelInterface)
{
    return (L4_KernelDesc_t *)((L4_Word_t)KernelInterface + __L4_KIP(KernelInterface)->KernelVerPtr);
}

L4_INLINE void L4_KernelGenDate(void *KernelInterface, L4_Word_t *year,
                                L4_Word_t *month, L4_Word_t *day)
{
    L4_KernelDesc_t *d = __L4_KernelDesc(KernelInterface);
    *year = d->KernelGenDate.X.year + 2000;
    *month = d->KernelGenDate.X.month;
    *day = d->KernelGenDate.X.day;
}

L4_INLINE L4_Word_t L4_KernelVersion(void *KernelInterface)
{
    return __L4_KernelDesc(KernelInterface)->KernelVer.raw;
}

L4_INLINE L4_Word_t L4_KernelSupplier(void *KernelInterface)
{
    return __L4_KernelDesc(KernelInterface)->Supplier;
}

L4_INLINE char *L4_KernelVersionString(void *KernelInterface)
{
    return __L4_KernelDesc(KernelInterface)->VersionString;
}

/* Feature strings follow the version string; an empty one ends the list.
 * Returns the num-th feature (from 0) or a null pointer. */
L4_INLINE char *L4_Feature(void *KernelInterface, L4_Word_t num)
{
    char *s = L4_KernelVersionString(KernelInterface);
    for (L4_Word_t i = 0; ; i++) {
        while (*s)
            s++;
        s++;
        if (*s == '\0')
            return (char *)0;
        if (i == num)
            return s;
    }
}

L4_INLINE L4_Bool_t L4_HasFeature(const char *feature_name)
{
    void *kip = L4_GetKernelInterface();
    char *f;
    for (L4_Word_t i = 0; (f = L4_Feature(kip, i)) != (char *)0; i++) {
        const char *a = f, *b = feature_name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return 1;
    }
    return 0;
}

L4_INLINE L4_Word_t L4_NumProcessors(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ProcessorInfo.X.processors + 1;
}

L4_INLINE L4_Word_t L4_NumMemoryDescriptors(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->MemoryInfo.n;
}

L4_INLINE L4_Word_t L4_PageSizeMask(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->PageInfo.raw & 0xfffffc00UL;
}

L4_INLINE L4_Word_t L4_PageRights(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->PageInfo.X.rwx;
}

L4_INLINE L4_Word_t L4_ThreadIdBits(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ThreadInfo.X.t;
}

L4_INLINE L4_Word_t L4_ThreadIdSystemBase(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ThreadInfo.X.SystemBase;
}

L4_INLINE L4_Word_t L4_ThreadIdUserBase(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ThreadInfo.X.UserBase;
}

L4_INLINE L4_Word_t L4_ReadPrecision(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ClockInfo.X.ReadPrecision;
}

L4_INLINE L4_Word_t L4_SchedulePrecision(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->ClockInfo.X.SchedulePrecision;
}

L4_INLINE L4_Word_t L4_UtcbAreaSizeLog2(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->UtcbAreaInfo.X.s;
}

L4_INLINE L4_Word_t L4_UtcbAreaSize(void *KernelInterface)
{
    return 1UL << L4_UtcbAreaSizeLog2(KernelInterface);
}

L4_INLINE L4_Word_t L4_UtcbAlignmentLog2(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->UtcbAreaInfo.X.a;
}

L4_INLINE L4_Word_t L4_UtcbSize(void *KernelInterface)
{
    L4_KernelInterfacePage_t *k = __L4_KIP(KernelInterface);
    return (1UL << k->UtcbAreaInfo.X.a) * k->UtcbAreaInfo.X.m;
}

L4_INLINE L4_Word_t L4_KipAreaSizeLog2(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->KipAreaInfo.X.s;
}

L4_INLINE L4_Word_t L4_KipAreaSize(void *KernelInterface)
{
    return 1UL << L4_KipAreaSizeLog2(KernelInterface);
}

L4_INLINE L4_Word_t L4_BootInfo(void *KernelInterface)
{
    return __L4_KIP(KernelInterface)->BootInfo;
}

L4_INLINE L4_MemoryDesc_t *L4_MemoryDesc(void *KernelInterface, L4_Word_t num)
{
    L4_KernelInterfacePage_t *k = __L4_KIP(KernelInterface);
    if (num >= k->MemoryInfo.n)
        return (L4_MemoryDesc_t *)0;
    return (L4_MemoryDesc_t *)((L4_Word_t)k + k->MemoryInfo.MemDescPtr) + num;
}

L4_INLINE L4_Bool_t L4_IsMemoryDescVirtual(L4_MemoryDesc_t *m)
{
    return m->x.v;
}

/* The two open-ended types fold their subtype into bits 7..4. */
L4_INLINE L4_Word_t L4_MemoryDescType(L4_MemoryDesc_t *m)
{
    return m->x.type >= L4ABI_MEMDESC_BOOTLOADER ? (m->raw[0] & 0xff) : m->x.type;
}

L4_INLINE L4_Word_t L4_MemoryDescLow(L4_MemoryDesc_t *m)
{
    return m->raw[0] & 0xfffffc00UL;
}

L4_INLINE L4_Word_t L4_MemoryDescHigh(L4_MemoryDesc_t *m)
{
    return m->raw[1] | 0x3ffUL;
}

L4_INLINE L4_ProcDesc_t *L4_ProcDesc(void *KernelInterface, L4_Word_t cpu)
{
    L4_KernelInterfacePage_t *k = __L4_KIP(KernelInterface);
    if (cpu > k->ProcessorInfo.X.processors)
        return (L4_ProcDesc_t *)0;
    return (L4_ProcDesc_t *)((L4_Word_t)k + k->ProcDescPtr + (cpu << k->ProcessorInfo.X.s));
}

L4_INLINE L4_Word_t L4_ProcDescExternalFreq(L4_ProcDesc_t *p)
{
    return p->X.ExternalFreq;
}

L4_INLINE L4_Word_t L4_ProcDescInternalFreq(L4_ProcDesc_t *p)
{
    return p->X.InternalFreq;
}

#undef __L4_KIP

#endif /* !__L4__KIP_H__ */
