/* IA-32 system-call wrappers.
 *
 * Each wrapper loads the registers of the X.2 IA-32 convention and calls
 * the library label __L4_<Name>, which jumps to the kernel's entry stub
 * (KIP base + the system-call link in the KIP). The stub is entered with a
 * near call and returns with ret. The register lists of every asm below
 * are the contract with the kernel (docs/abi.md): any register that is not
 * an output or clobber must come back unchanged.
 *
 * ebp cannot be an asm operand, so wrappers that lose it save it on the
 * stack around the call; the stub must leave the user stack above esp
 * alone. */
#ifndef __L4__IA32__SYSCALLS_H__
#define __L4__IA32__SYSCALLS_H__

#include <l4/types.h>
#include <l4/ia32/vregs.h>
#include <l4/message.h>

extern void __L4_Ipc(void);
extern void __L4_Lipc(void);
extern void __L4_ExchangeRegisters(void);
extern void __L4_ThreadControl(void);
extern void __L4_SystemClock(void);
extern void __L4_ThreadSwitch(void);
extern void __L4_Schedule(void);
extern void __L4_Unmap(void);
extern void __L4_SpaceControl(void);
extern void __L4_ProcessorControl(void);
extern void __L4_MemoryControl(void);

/* Not a real system call: "lock; nop" raises #UD, which the kernel
 * answers with the KIP address and version information. */
L4_INLINE void *L4_KernelInterface(L4_Word_t *ApiVersion, L4_Word_t *ApiFlags,
                                   L4_Word_t *KernelId)
{
    void *kip;
    L4_Word_t ver, flags, id;
    __asm__ __volatile__("lock; nop"
                         : "=a"(kip), "=c"(ver), "=d"(flags), "=S"(id));
    *ApiVersion = ver;
    *ApiFlags = flags;
    *KernelId = id;
    return kip;
}

/* in:  eax dest, ecx control, edx sp, esi ip, edi flags, ebx handle,
 *      ebp pager
 * out: eax result, ecx control, edx sp, esi ip, edi flags, ebx handle,
 *      ebp pager */
L4_INLINE L4_ThreadId_t L4_ExchangeRegisters(L4_ThreadId_t dest, L4_Word_t control,
                                             L4_Word_t sp, L4_Word_t ip,
                                             L4_Word_t flags, L4_Word_t UserDefHandle,
                                             L4_ThreadId_t pager,
                                             L4_Word_t *old_control, L4_Word_t *old_sp,
                                             L4_Word_t *old_ip, L4_Word_t *old_flags,
                                             L4_Word_t *old_UserDefhandle,
                                             L4_ThreadId_t *old_pager)
{
    /* Values that travel in edi, ebx and ebp go through memory. */
    struct { L4_Word_t ip, flags, handle, pager; } io = { ip, flags, UserDefHandle, pager.raw };
    L4_Word_t a = dest.raw, c = control, d = sp, s = (L4_Word_t)&io;

    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "pushl  %%esi\n\t"
        "movl   12(%%esi), %%ebp\n\t"
        "movl   8(%%esi), %%ebx\n\t"
        "movl   4(%%esi), %%edi\n\t"
        "movl   0(%%esi), %%esi\n\t"
        "call   __L4_ExchangeRegisters\n\t"
        "xchgl  %%esi, (%%esp)\n\t"
        "movl   %%edi, 4(%%esi)\n\t"
        "movl   %%ebx, 8(%%esi)\n\t"
        "movl   %%ebp, 12(%%esi)\n\t"
        "popl   %%esi\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s)
        :
        : "edi", "ebx", "memory");

    *old_control = c;
    *old_sp = d;
    *old_ip = s;
    *old_flags = io.flags;
    *old_UserDefhandle = io.handle;
    old_pager->raw = io.pager;
    L4_ThreadId_t r;
    r.raw = a;
    return r;
}

/* in:  eax dest, ecx pager, edx scheduler, esi space specifier,
 *      edi UTCB location
 * out: eax result; ebx ecx edx esi edi ebp clobbered */
L4_INLINE L4_Word_t L4_ThreadControl(L4_ThreadId_t dest, L4_ThreadId_t SpaceSpecifier,
                                     L4_ThreadId_t Scheduler, L4_ThreadId_t Pager,
                                     void *UtcbLocation)
{
    L4_Word_t a = dest.raw, c = Pager.raw, d = Scheduler.raw;
    L4_Word_t s = SpaceSpecifier.raw, D = (L4_Word_t)UtcbLocation;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "call   __L4_ThreadControl\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s), "+D"(D)
        :
        : "ebx", "memory");
    return a;
}

/* out: edx:eax clock; esi edi clobbered; ebx ecx ebp preserved */
L4_INLINE L4_Clock_t L4_SystemClock(void)
{
    L4_Clock_t c;
    __asm__ __volatile__(
        "call   __L4_SystemClock"
        : "=A"(c.raw)
        :
        : "esi", "edi");
    return c;
}

/* in: eax dest; every register preserved */
L4_INLINE void L4_ThreadSwitch(L4_ThreadId_t dest)
{
    __asm__ __volatile__(
        "call   __L4_ThreadSwitch"
        :
        : "a"(dest.raw)
        : "memory");
}

/* in:  eax dest, ecx prio control, edx time control, esi processor
 *      control, edi preemption control
 * out: eax result, edx old time control; ebx ecx esi edi ebp clobbered */
L4_INLINE L4_Word_t L4_Schedule(L4_ThreadId_t dest, L4_Word_t TimeControl,
                                L4_Word_t ProcessorControl, L4_Word_t PrioControl,
                                L4_Word_t PreemptionControl, L4_Word_t *old_TimeControl)
{
    L4_Word_t a = dest.raw, c = PrioControl, d = TimeControl;
    L4_Word_t s = ProcessorControl, D = PreemptionControl;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "call   __L4_Schedule\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s), "+D"(D)
        :
        : "ebx", "memory");
    *old_TimeControl = d;
    return a;
}

/* in:  eax to, ecx timeouts, edx from specifier, esi MR0, edi UTCB
 * out: eax from, esi MR0, ebx MR1, ebp MR2; ecx edx clobbered;
 *      edi preserved. MR3 and up travel in the UTCB. */
#define __L4_IPC_BODY(stub)                                                 \
    L4_Word_t *utcb = __L4_X86_Utcb();                                      \
    L4_MsgTag_t tag;                                                        \
    L4_Word_t a = to.raw, c = Timeouts, d = FromSpecifier.raw, mr1;         \
    tag.raw = utcb[0];                                                      \
    __asm__ __volatile__(                                                   \
        "pushl  %%ebp\n\t"                                                  \
        "call   " stub "\n\t"                                               \
        "movl   %%ebp, %%ecx\n\t"                                           \
        "popl   %%ebp"                                                      \
        : "+S"(tag.raw), "+a"(a), "=b"(mr1), "+c"(c), "+d"(d)               \
        : "D"(utcb)                                                         \
        : "memory");                                                        \
    /* Only a receive phase delivers a sender and MR1/MR2. */               \
    if (!L4_IsNilThread(FromSpecifier)) {                                   \
        from->raw = a;                                                      \
        utcb[1] = mr1;                                                      \
        utcb[2] = c;                                                        \
    }                                                                       \
    return tag

L4_INLINE L4_MsgTag_t L4_Ipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier,
                             L4_Word_t Timeouts, L4_ThreadId_t *from)
{
    __L4_IPC_BODY("__L4_Ipc");
}

L4_INLINE L4_MsgTag_t L4_Lipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier,
                              L4_Word_t Timeouts, L4_ThreadId_t *from)
{
    __L4_IPC_BODY("__L4_Lipc");
}

#undef __L4_IPC_BODY

/* in:  eax control, esi MR0, edi UTCB
 * out: esi MR0 (stored back to the UTCB); eax ebx edx edi ebp clobbered;
 *      ecx preserved */
L4_INLINE void L4_Unmap(L4_Word_t control)
{
    L4_Word_t *utcb = __L4_X86_Utcb();
    L4_Word_t a = control, s = utcb[0], D = (L4_Word_t)utcb;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "call   __L4_Unmap\n\t"
        "popl   %%ebp"
        : "+a"(a), "+S"(s), "+D"(D)
        :
        : "ebx", "edx", "memory");
    utcb[0] = s;
}

/* in:  eax space specifier, ecx control, edx KIP area, esi UTCB area,
 *      edi redirector
 * out: eax result, ecx old control; ebx edx esi edi ebp clobbered */
/* SpaceControl with every register in and out: eax result, ecx old
 * control; Pecan's kernel-memory extension also returns edx and esi
 * (L4_PecanSpaceKmem in <l4/pecan.h>). */
L4_INLINE L4_Word_t __L4_SpaceControlRegs(L4_Word_t a, L4_Word_t *c, L4_Word_t *d,
                                          L4_Word_t *s, L4_Word_t D)
{
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "call   __L4_SpaceControl\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(*c), "+d"(*d), "+S"(*s), "+D"(D)
        :
        : "ebx", "memory");
    return a;
}

L4_INLINE L4_Word_t L4_SpaceControl(L4_ThreadId_t SpaceSpecifier, L4_Word_t control,
                                    L4_Fpage_t KernelInterfacePageArea,
                                    L4_Fpage_t UtcbArea, L4_ThreadId_t redirector,
                                    L4_Word_t *old_control)
{
    L4_Word_t c = control, d = KernelInterfacePageArea.raw, s = UtcbArea.raw;
    L4_Word_t a = __L4_SpaceControlRegs(SpaceSpecifier.raw, &c, &d, &s, redirector.raw);
    *old_control = c;
    return a;
}

/* in:  eax processor no, ecx internal freq, edx external freq, esi voltage
 * out: eax result; ebx ecx edx esi edi ebp clobbered */
L4_INLINE L4_Word_t L4_ProcessorControl(L4_Word_t ProcessorNo, L4_Word_t InternalFrequency,
                                        L4_Word_t ExternalFrequency, L4_Word_t voltage)
{
    L4_Word_t a = ProcessorNo, c = InternalFrequency, d = ExternalFrequency, s = voltage;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "call   __L4_ProcessorControl\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+d"(d), "+S"(s)
        :
        : "ebx", "edi", "memory");
    return a;
}

/* in:  eax control, ecx/edx/ebx/ebp attributes 0..3, esi MR0, edi UTCB
 * out: eax result; ebx ecx edx esi edi ebp clobbered */
L4_INLINE L4_Word_t L4_MemoryControl(L4_Word_t control, const L4_Word_t *attributes)
{
    L4_Word_t *utcb = __L4_X86_Utcb();
    L4_Word_t a = control, c = (L4_Word_t)attributes, s = utcb[0], D = (L4_Word_t)utcb;
    __asm__ __volatile__(
        "pushl  %%ebp\n\t"
        "movl   12(%%ecx), %%ebp\n\t"
        "movl   8(%%ecx), %%ebx\n\t"
        "movl   4(%%ecx), %%edx\n\t"
        "movl   0(%%ecx), %%ecx\n\t"
        "call   __L4_MemoryControl\n\t"
        "popl   %%ebp"
        : "+a"(a), "+c"(c), "+S"(s), "+D"(D)
        :
        : "ebx", "edx", "memory");
    return a;
}

#endif /* !__L4__IA32__SYSCALLS_H__ */
