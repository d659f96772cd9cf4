/*
 * Pecan L4 X.2 binary interface for IA-32: the numbers and layouts that the
 * kernel and user code must agree on. Binary compatible with the X.2 ABI used
 * by L4Ka::Pistachio's libl4, so the values here are fixed, not a design.
 *
 * Only fixed-width types are used so the kernel's host-built unit tests see
 * the same layouts as the 32-bit target. No inline assembly here.
 */
#ifndef L4_ABI_H
#define L4_ABI_H

#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Thread identifiers                                                   */

/* Global ID: thread number in bits 31..14, version in bits 13..0. */
#define L4ABI_TID_VERSION_BITS      14
#define L4ABI_TID_THREADNO_BITS     18
#define L4ABI_TID_THREADNO_SHIFT    14
#define L4ABI_TID_VERSION_MASK      0x00003fffu
#define L4ABI_TID(no, ver) \
    (((uint32_t)(no) << L4ABI_TID_THREADNO_SHIFT) | \
     ((uint32_t)(ver) & L4ABI_TID_VERSION_MASK))
#define L4ABI_TID_THREADNO(t)       ((uint32_t)(t) >> L4ABI_TID_THREADNO_SHIFT)
#define L4ABI_TID_VERSION(t)        ((uint32_t)(t) & L4ABI_TID_VERSION_MASK)

/* A local ID is the address of the thread's MR0 (so 64-byte aligned): an ID
 * whose low 6 bits are all zero is local, anything else is global. */
#define L4ABI_LOCALID_ZERO_MASK     0x0000003fu
#define L4ABI_TID_IS_LOCAL(t)       (((uint32_t)(t) & L4ABI_LOCALID_ZERO_MASK) == 0)

#define L4ABI_NILTHREAD             0x00000000u
#define L4ABI_ANYTHREAD             0xffffffffu
#define L4ABI_ANYLOCALTHREAD        0xffffffc0u

/* ------------------------------------------------------------------ */
/* Message tag (MR0)                                                    */

#define L4ABI_TAG_U_MASK            0x0000003fu     /* untyped words, 5..0 */
#define L4ABI_TAG_T_SHIFT           6               /* typed words, 11..6 */
#define L4ABI_TAG_T_MASK            0x00000fc0u
#define L4ABI_TAG_FLAGS_SHIFT       12
#define L4ABI_TAG_FLAGS_MASK        0x0000f000u
#define L4ABI_TAG_PROPAGATED        (1u << 12)      /* p */
#define L4ABI_TAG_REDIRECTED        (1u << 13)      /* r */
#define L4ABI_TAG_XCPU              (1u << 14)      /* x */
#define L4ABI_TAG_ERROR             (1u << 15)      /* e */
#define L4ABI_TAG_LABEL_SHIFT       16
#define L4ABI_TAG_LABEL_MASK        0xffff0000u

#define L4ABI_TAG(label, u, t) \
    (((uint32_t)(label) << L4ABI_TAG_LABEL_SHIFT) | \
     (((uint32_t)(t) << L4ABI_TAG_T_SHIFT) & L4ABI_TAG_T_MASK) | \
     ((uint32_t)(u) & L4ABI_TAG_U_MASK))
#define L4ABI_TAG_LABEL(tag)        ((uint32_t)(tag) >> L4ABI_TAG_LABEL_SHIFT)
#define L4ABI_TAG_U(tag)            ((uint32_t)(tag) & L4ABI_TAG_U_MASK)
#define L4ABI_TAG_T(tag) \
    (((uint32_t)(tag) & L4ABI_TAG_T_MASK) >> L4ABI_TAG_T_SHIFT)

#define L4ABI_NUM_MRS               64
#define L4ABI_NUM_BRS               33

/* ------------------------------------------------------------------ */
/* Flexpages                                                            */

/* base (bits 31..10) | log2 size (9..4) | reserved (3) | rights (2..0) */
#define L4ABI_FPAGE_RIGHTS_MASK     0x00000007u
#define L4ABI_FPAGE_R               0x4u
#define L4ABI_FPAGE_W               0x2u
#define L4ABI_FPAGE_X               0x1u
#define L4ABI_FPAGE_RWX             0x7u
#define L4ABI_FPAGE_SIZE_SHIFT      4
#define L4ABI_FPAGE_SIZE_MASK       0x000003f0u
#define L4ABI_FPAGE_BASE_MASK       0xfffffc00u
#define L4ABI_FPAGE_MIN_LOG2        10      /* smallest encodable memory fpage */

#define L4ABI_FPAGE(base, log2, rights) \
    (((uint32_t)(base) & L4ABI_FPAGE_BASE_MASK) | \
     (((uint32_t)(log2) << L4ABI_FPAGE_SIZE_SHIFT) & L4ABI_FPAGE_SIZE_MASK) | \
     ((uint32_t)(rights) & L4ABI_FPAGE_RIGHTS_MASK))
#define L4ABI_FPAGE_LOG2(f) \
    (((uint32_t)(f) & L4ABI_FPAGE_SIZE_MASK) >> L4ABI_FPAGE_SIZE_SHIFT)
#define L4ABI_FPAGE_RIGHTS(f)       ((uint32_t)(f) & L4ABI_FPAGE_RIGHTS_MASK)

#define L4ABI_NILPAGE               0x00000000u
/* size field 1 with base 0 is the special "whole address space" page */
#define L4ABI_COMPLETE_FPAGE        (1u << L4ABI_FPAGE_SIZE_SHIFT)

/* IA-32 I/O fpage: port (31..16) | log2 size (15..10) | 000010 (9..4) |
 * rights (3..0). The constant 2 in the memory size field cannot be a valid
 * memory fpage (below 1 KiB), which is what tells the two apart. */
#define L4ABI_IOFPAGE_MARK_MASK     0x000003f0u
#define L4ABI_IOFPAGE_MARK          (2u << 4)
#define L4ABI_IOFPAGE_SIZE_SHIFT    10
#define L4ABI_IOFPAGE_SIZE_MASK     0x0000fc00u
#define L4ABI_IOFPAGE_PORT_SHIFT    16
#define L4ABI_IOFPAGE(port, log2) \
    (((uint32_t)(port) << L4ABI_IOFPAGE_PORT_SHIFT) | \
     (((uint32_t)(log2) << L4ABI_IOFPAGE_SIZE_SHIFT) & L4ABI_IOFPAGE_SIZE_MASK) | \
     L4ABI_IOFPAGE_MARK)
#define L4ABI_IS_IOFPAGE(f) \
    (((uint32_t)(f) & L4ABI_IOFPAGE_MARK_MASK) == L4ABI_IOFPAGE_MARK)
#define L4ABI_IOFPAGE_PORT(f)       ((uint32_t)(f) >> L4ABI_IOFPAGE_PORT_SHIFT)
#define L4ABI_IOFPAGE_LOG2(f) \
    (((uint32_t)(f) & L4ABI_IOFPAGE_SIZE_MASK) >> L4ABI_IOFPAGE_SIZE_SHIFT)
#define L4ABI_IOFPAGE_COMPLETE      L4ABI_IOFPAGE(0, 16)

/* ------------------------------------------------------------------ */
/* Typed message items (first word; the second word follows)            */

#define L4ABI_ITEM_CONT             0x1u    /* C: another typed item follows */
#define L4ABI_ITEM_TYPE_MASK        0xeu    /* bits 3..1 */
#define L4ABI_ITEM_MAP              0x8u    /* type 100b */
#define L4ABI_ITEM_GRANT            0xau    /* type 101b */
#define L4ABI_ITEM_CTRLXFER         0xcu    /* type 110b (post-X.2, unused) */
#define L4ABI_ITEM_IS_STRING(w)     (((uint32_t)(w) & 0x8u) == 0)

/* Map/grant item word 0: send base (31..10) | 0 (9..4) | type | C;
 * word 1: the send fpage. */
#define L4ABI_MAPITEM_W0(sndbase, cont) \
    (((uint32_t)(sndbase) & 0xfffffc00u) | L4ABI_ITEM_MAP | ((cont) ? 1u : 0u))
#define L4ABI_GRANTITEM_W0(sndbase, cont) \
    (((uint32_t)(sndbase) & 0xfffffc00u) | L4ABI_ITEM_GRANT | ((cont) ? 1u : 0u))
#define L4ABI_ITEM_SNDBASE(w)       ((uint32_t)(w) & 0xfffffc00u)

/* String item word 0: length (31..10) | c (9) | j (8..4) | 0hh (3..1) | C.
 * j+1 pointer words follow; c = another substring descriptor follows;
 * hh = cache allocation hint. */
#define L4ABI_STRITEM_HINT_MASK     0x6u
#define L4ABI_STRITEM_J_SHIFT       4
#define L4ABI_STRITEM_J_MASK        0x000001f0u
#define L4ABI_STRITEM_COMPOUND      (1u << 9)
#define L4ABI_STRITEM_LEN_SHIFT     10
#define L4ABI_STRITEM_MAX_LEN       ((1u << 22) - 1)
#define L4ABI_STRITEM_W0(len, nptrs, compound, cont) \
    (((uint32_t)(len) << L4ABI_STRITEM_LEN_SHIFT) | \
     ((compound) ? L4ABI_STRITEM_COMPOUND : 0u) | \
     ((((uint32_t)(nptrs) - 1) << L4ABI_STRITEM_J_SHIFT) & L4ABI_STRITEM_J_MASK) | \
     ((cont) ? 1u : 0u))
#define L4ABI_STRITEM_LEN(w)        ((uint32_t)(w) >> L4ABI_STRITEM_LEN_SHIFT)
#define L4ABI_STRITEM_NPTRS(w) \
    ((((uint32_t)(w) & L4ABI_STRITEM_J_MASK) >> L4ABI_STRITEM_J_SHIFT) + 1)

/* Acceptor (BR0): receive window fpage in 31..4 (its size/base bits),
 * bit 0 = accept string items. */
#define L4ABI_ACCEPT_STRINGS        0x1u
#define L4ABI_ACCEPT_CTRLXFER       0x2u    /* post-X.2, unused */
#define L4ABI_ACCEPT_WINDOW_MASK    0xfffffff0u

/* ------------------------------------------------------------------ */
/* Time values (16 bits) and timeout words                              */

/* Period: 0 (15) | e (14..10) | m (9..0), meaning m * 2^e microseconds.
 * Point:  1 (15) | e (14..11) | c (10) | m (9..0). */
#define L4ABI_TIME_NEVER            0x0000u
#define L4ABI_TIME_ZERO             0x0400u     /* e = 1, m = 0 */
#define L4ABI_TIME_M_MASK           0x03ffu
#define L4ABI_TIME_PERIOD_E_SHIFT   10
#define L4ABI_TIME_PERIOD_E_MASK    0x7c00u
#define L4ABI_TIME_POINT            0x8000u
#define L4ABI_TIME_POINT_C          0x0400u
#define L4ABI_TIME_POINT_E_SHIFT    11
#define L4ABI_TIME_POINT_E_MASK     0x7800u
#define L4ABI_TIME_PERIOD(m, e) \
    ((uint16_t)((((uint32_t)(e) << L4ABI_TIME_PERIOD_E_SHIFT) & \
                 L4ABI_TIME_PERIOD_E_MASK) | ((uint32_t)(m) & L4ABI_TIME_M_MASK)))

/* IPC timeouts word (ecx) and XferTimeouts TCR: send in 31..16, receive in
 * 15..0. */
#define L4ABI_TIMEOUTS(snd, rcv)    (((uint32_t)(snd) << 16) | ((uint32_t)(rcv) & 0xffffu))
#define L4ABI_TIMEOUTS_SND(w)       ((uint16_t)((uint32_t)(w) >> 16))
#define L4ABI_TIMEOUTS_RCV(w)       ((uint16_t)((uint32_t)(w) & 0xffffu))

/* ------------------------------------------------------------------ */
/* Error codes                                                          */

/* IPC ErrorCode TCR: offset (31..4) | error (3..1) | phase (0).
 * Phase 0 = failed in the send phase, 1 = in the receive phase. The offset
 * (bytes transferred) is only meaningful for codes 4..7. */
#define L4ABI_IPCERR_RECV_PHASE     0x1u
#define L4ABI_IPCERR_CODE_SHIFT     1
#define L4ABI_IPCERR_CODE_MASK      0xeu
#define L4ABI_IPCERR_OFFSET_SHIFT   4
#define L4ABI_IPCERR_TIMEOUT        1
#define L4ABI_IPCERR_NOPARTNER      2   /* non-existing partner */
#define L4ABI_IPCERR_CANCELED       3
#define L4ABI_IPCERR_OVERFLOW       4   /* message overflow */
#define L4ABI_IPCERR_XFER_TIMEOUT_SELF    5   /* xfer timeout, invoker's space */
#define L4ABI_IPCERR_XFER_TIMEOUT_PARTNER 6   /* xfer timeout, partner's space */
#define L4ABI_IPCERR_ABORTED        7
#define L4ABI_IPCERR(code, recv, offset) \
    (((uint32_t)(offset) << L4ABI_IPCERR_OFFSET_SHIFT) | \
     ((uint32_t)(code) << L4ABI_IPCERR_CODE_SHIFT) | ((recv) ? 1u : 0u))
#define L4ABI_IPCERR_CODE(w) \
    (((uint32_t)(w) & L4ABI_IPCERR_CODE_MASK) >> L4ABI_IPCERR_CODE_SHIFT)

/* ErrorCode after a failing privileged/thread system call. */
#define L4ABI_ERR_OK                0
#define L4ABI_ERR_NO_PRIVILEGE      1
#define L4ABI_ERR_INVALID_THREAD    2   /* unavailable thread */
#define L4ABI_ERR_INVALID_SPACE     3
#define L4ABI_ERR_INVALID_SCHEDULER 4
#define L4ABI_ERR_INVALID_PARAM     5
#define L4ABI_ERR_UTCB_AREA         6
#define L4ABI_ERR_KIP_AREA          7
#define L4ABI_ERR_NO_MEM            8

/* ------------------------------------------------------------------ */
/* System call argument encodings                                       */

/* ExchangeRegisters control word (input). */
#define L4ABI_EXREGS_HALT           (1u << 0)   /* h: halt value, used with H */
#define L4ABI_EXREGS_ABORT_RECV     (1u << 1)   /* r */
#define L4ABI_EXREGS_ABORT_SEND     (1u << 2)   /* s */
#define L4ABI_EXREGS_SET_SP         (1u << 3)   /* S */
#define L4ABI_EXREGS_SET_IP         (1u << 4)   /* I */
#define L4ABI_EXREGS_SET_FLAGS      (1u << 5)   /* f */
#define L4ABI_EXREGS_SET_UHANDLE    (1u << 6)   /* u */
#define L4ABI_EXREGS_SET_PAGER      (1u << 7)   /* p */
#define L4ABI_EXREGS_SET_HALT       (1u << 8)   /* H: apply h */
#define L4ABI_EXREGS_DELIVER        (1u << 9)   /* d: return current state */
/* ExchangeRegisters control word (output): previous thread state. */
#define L4ABI_EXREGS_STATE_HALTED   (1u << 0)
#define L4ABI_EXREGS_STATE_RECVING  (1u << 1)
#define L4ABI_EXREGS_STATE_SENDING  (1u << 2)

/* ThreadControl UtcbLocation that leaves the UTCB unchanged. */
#define L4ABI_UTCB_UNCHANGED        0xffffffffu

/* Unmap control: k (5..0) = number of fpages in MR0.. minus one;
 * f (6) = also flush the caller's own mapping. */
#define L4ABI_UNMAP_COUNT_MASK      0x3fu
#define L4ABI_UNMAP_FLUSH           (1u << 6)
/* Unmap returns, in each fpage's rights bits, what was accessed: */
#define L4ABI_UNMAP_REFERENCED      L4ABI_FPAGE_R
#define L4ABI_UNMAP_WRITTEN         L4ABI_FPAGE_W
#define L4ABI_UNMAP_EXECUTED        L4ABI_FPAGE_X

/* SpaceControl control on IA-32: s (bit 31) asks for a small-space
 * change to the descriptor in bits 7..0 (L4_SmallSpace; 0 = large). The
 * old control returned is the space's descriptor, with bit 31 set if the
 * change was made (docs/smallspaces.md). */
#define L4ABI_SPACE_LARGE           0
#define L4ABI_SPACE_SMALL           (1u << 31)  /* s */
#define L4ABI_SPACE_SMALL_ID_MASK   0xffu
/* Pecan extension (docs/abi.md): kernel-memory control. Bits 31..29 are
 * Pistachio's (small space, HVM, translation) and refused. With k set the
 * call leaves the areas and the redirector alone and reports the space's
 * kernel memory; with k and l it first sets the limit to bits 26..0 in KiB
 * (all ones: unlimited). Result: eax 1, ecx (old control) k | the old
 * limit in KiB (all ones if unlimited), edx the bytes charged now, esi the
 * limit in bytes (0xffffffff: unlimited). */
#define L4ABI_SPACE_KMEM            (1u << 28)  /* k */
#define L4ABI_SPACE_KMEM_SET        (1u << 27)  /* l */
#define L4ABI_SPACE_KMEM_KB_MASK    0x07ffffffu
#define L4ABI_SPACE_KMEM_UNLIMITED  L4ABI_SPACE_KMEM_KB_MASK

/* MemoryControl: control k (5..0) = fpages in MR0.. minus one; each
 * fpage's low 2 bits pick one of the four attribute words. IA-32 values: */
#define L4ABI_MEMCTRL_COUNT_MASK    0x3fu
#define L4ABI_MEMATTR_DEFAULT           0
#define L4ABI_MEMATTR_WRITEBACK         1
#define L4ABI_MEMATTR_WRITETHROUGH      2
#define L4ABI_MEMATTR_UNCACHEABLE       4
#define L4ABI_MEMATTR_WRITECOMBINING    5
#define L4ABI_MEMATTR_WRITEPROTECTED    8

/* Schedule: any argument equal to ~0 leaves that parameter unchanged. */
#define L4ABI_SCHED_UNCHANGED       0xffffffffu
#define L4ABI_SCHED_TIME(ts, tq)    (((uint32_t)(ts) << 16) | ((uint32_t)(tq) & 0xffffu))
#define L4ABI_SCHED_PRIO_MASK       0xffu
#define L4ABI_SCHED_CPU_MASK        0xffffu
/* preemption control: sensitive priority (23..16) | max delay (15..0) */
#define L4ABI_SCHED_PREEMPT(prio, delay) \
    ((((uint32_t)(prio) & 0xffu) << 16) | ((uint32_t)(delay) & 0xffffu))
/* Schedule result (eax): thread state. */
#define L4ABI_SCHEDRESULT_ERROR        0
#define L4ABI_SCHEDRESULT_DEAD         1
#define L4ABI_SCHEDRESULT_INACTIVE     2
#define L4ABI_SCHEDRESULT_RUNNING      3
#define L4ABI_SCHEDRESULT_PENDING_SEND 4
#define L4ABI_SCHEDRESULT_SENDING      5
#define L4ABI_SCHEDRESULT_WAITING      6
#define L4ABI_SCHEDRESULT_RECEIVING    7

/* ------------------------------------------------------------------ */
/* UTCB                                                                 */

/* %gs:0 holds the current thread's MR0 address (= its local ID). Every
 * other virtual register is a word index relative to that pointer. */
#define L4ABI_UTCB_MR(i)                ((int)(i))
#define L4ABI_UTCB_WORDSIZEMASK         (-1)    /* unused on IA-32 */
#define L4ABI_UTCB_THREADWORD0          (-4)
#define L4ABI_UTCB_THREADWORD1          (-5)
#define L4ABI_UTCB_VIRTUALSENDER        (-6)    /* also ActualSender */
#define L4ABI_UTCB_INTENDEDRECEIVER     (-7)
#define L4ABI_UTCB_XFERTIMEOUTS         (-8)
#define L4ABI_UTCB_ERRORCODE            (-9)
#define L4ABI_UTCB_FLAGS                (-10)   /* preempt byte, cop byte */
#define L4ABI_UTCB_EXCEPTIONHANDLER     (-11)
#define L4ABI_UTCB_PAGER                (-12)
#define L4ABI_UTCB_USERDEFINEDHANDLE    (-13)
#define L4ABI_UTCB_PROCESSORNO          (-14)
#define L4ABI_UTCB_MYGLOBALID           (-15)
#define L4ABI_UTCB_BR(i)                (-16 - (int)(i))    /* BR0..BR32 */

/* Bits of the UTCB flags word: preemption flags in byte 0, coprocessor
 * flags in byte 1. */
#define L4ABI_PREEMPT_SIGNAL_BIT        5   /* s: deliver preemption fault */
#define L4ABI_PREEMPT_DELAY_BIT         6   /* d: delay preemption */
#define L4ABI_PREEMPT_PENDING_BIT       7   /* I: a preemption was delayed */
#define L4ABI_COPFLAG_SHIFT             8

/* Physical layout: a UTCB is a 512-byte block; the UtcbLocation passed to
 * ThreadControl is its start, and MR0 (the local ID) lies 256 bytes in. */
#define L4ABI_UTCB_SIZE                 512
#define L4ABI_UTCB_SIZE_LOG2            9
#define L4ABI_UTCB_MR0_OFFSET           256
#define L4ABI_UTCB_LOCALID(location)    ((uint32_t)(location) + L4ABI_UTCB_MR0_OFFSET)

/* ------------------------------------------------------------------ */
/* Well-known message labels (the 16-bit label in MR0 bits 31..16)      */

#define L4ABI_LABEL(n)              (((uint32_t)(n) << 4) & 0xffffu)

/* Interrupt: from the interrupt "thread" to its handler, u = t = 0. */
#define L4ABI_LABEL_INTERRUPT       L4ABI_LABEL(-1)     /* 0xfff0 */

/* Page fault: label 0xffe0 | rwx of the access; u = 2:
 * MR1 = fault address, MR2 = faulting IP. Reply: a map/grant item. */
#define L4ABI_LABEL_PAGEFAULT       L4ABI_LABEL(-2)     /* 0xffe0 */
#define L4ABI_PF_MR_ADDR            1
#define L4ABI_PF_MR_IP              2

/* Preemption fault: u = 0 (sent to the scheduler / exception handler). */
#define L4ABI_LABEL_PREEMPTION      L4ABI_LABEL(-3)     /* 0xffd0 */

/* System-call ("software") exception. */
#define L4ABI_LABEL_SYSEXC          L4ABI_LABEL(-4)     /* 0xffc0 */

/* IA-32 CPU exception: label 0xffb0, u = 12, to the exception handler.
 * The handler's reply (same layout) is written back into the thread. */
#define L4ABI_LABEL_EXCEPTION       L4ABI_LABEL(-5)     /* 0xffb0 */
#define L4ABI_EXC_UNTYPED           12
#define L4ABI_EXC_MR_EIP            1
#define L4ABI_EXC_MR_EFLAGS         2
#define L4ABI_EXC_MR_EXCNO          3
#define L4ABI_EXC_MR_ERRCODE        4
#define L4ABI_EXC_MR_EDI            5
#define L4ABI_EXC_MR_ESI            6
#define L4ABI_EXC_MR_EBP            7
#define L4ABI_EXC_MR_ESP            8
#define L4ABI_EXC_MR_EBX            9
#define L4ABI_EXC_MR_EDX            10
#define L4ABI_EXC_MR_ECX            11
#define L4ABI_EXC_MR_EAX            12
/* Pecan extension: a reply with u = 17 also sets the thread's hardware
 * breakpoints, MR13..MR16 = DR0..DR3, MR17 = DR7 (docs/exceptions.md). */
#define L4ABI_EXC_MR_DR(i)          (13 + (i))
#define L4ABI_EXC_MR_DR7            17
#define L4ABI_EXC_UNTYPED_DEBUG     17

/* Sigma0 request: label 0xffa0, u = 2: MR1 = requested fpage (base/size
 * with rights; base ~0 means "any page of that size"), MR2 = attribute
 * (0 = default). Reply: t = 2, map item in MR1..MR2 (nil fpage if
 * refused). The I/O fpage form requests I/O ports. */
#define L4ABI_LABEL_SIGMA0          L4ABI_LABEL(-6)     /* 0xffa0 */
#define L4ABI_SIGMA0_MR_FPAGE       1
#define L4ABI_SIGMA0_MR_ATTR        2

/* Sigma1 protocol (reserved). */
#define L4ABI_LABEL_SIGMA1          L4ABI_LABEL(-7)     /* 0xff90 */

/* IA-32 I/O-port fault: label 0xff80 | rwx (kernel sends rw = 0x6); u = 2:
 * MR1 = I/O fpage of the port(s), MR2 = faulting IP. Reply as page fault,
 * with an I/O fpage in the map item. */
#define L4ABI_LABEL_IOFAULT         L4ABI_LABEL(-8)     /* 0xff80 */
#define L4ABI_IOF_MR_FPAGE          1
#define L4ABI_IOF_MR_IP             2

/* Pecan extension: asynchronous interrupts (docs/interrupts.md). An
 * interrupt thread attached with ThreadControl(irq, irq, scheduler =
 * L4ABI_IRQ_ASYNC(bit), pager = handler) never blocks the kernel: a raised
 * line sets `bit` in the handler's pending mask; repeats coalesce. A
 * receive that accepts the interrupt thread (or anythread) collects every
 * pending bit at once: label 0xff70, u = 2, MR1 = mask, MR2 = number of
 * interrupts raised since the previous notification. Sending to the
 * interrupt thread unmasks the line, as for X.2 interrupts. The scheduler
 * value is a local-ID-shaped word above the user limit, never a thread. */
#define L4ABI_LABEL_ASYNC_IRQ       L4ABI_LABEL(-9)     /* 0xff70 */
#define L4ABI_IRQ_ASYNC_BASE        0xfffe0000u
#define L4ABI_IRQ_ASYNC(bit)        (L4ABI_IRQ_ASYNC_BASE | (((uint32_t)(bit) & 31u) << 6))
#define L4ABI_IRQ_IS_ASYNC(w) \
    (((uint32_t)(w) & 0xfffff83fu) == L4ABI_IRQ_ASYNC_BASE)
#define L4ABI_IRQ_ASYNC_BIT(w)      (((uint32_t)(w) >> 6) & 31u)

/* Labels carry the fault's rwx in the low 4 bits: compare with this. */
#define L4ABI_LABEL_KIND_MASK       0xfff0u

/* ------------------------------------------------------------------ */
/* Kernel interface page                                                */

#define L4ABI_KIP_MAGIC             0x4be6344cu     /* "L4\xE6K" little-endian */
#define L4ABI_API_VERSION_X2        0x84u
#define L4ABI_API_SUBVERSION_X2     0x05u           /* as Pistachio reports */
#define L4ABI_API_VERSION_WORD(v, sub) (((uint32_t)(v) << 24) | ((uint32_t)(sub) << 16))
#define L4ABI_API_FLAGS_IA32        0u              /* little endian, 32 bit */

struct l4_kip_region {
    uint32_t low;
    uint32_t high;
};

struct l4_kip_server {          /* sigma0, sigma1, root server */
    uint32_t sp;
    uint32_t ip;
    uint32_t low;               /* physical memory it occupies */
    uint32_t high;
};

struct l4_kip {
    uint32_t magic;                     /* 0x00 */
    uint32_t api_version;               /* 0x04: version 31..24, subversion 23..16 */
    uint32_t api_flags;                 /* 0x08: ww 3..2, ee 1..0 */
    uint32_t kernel_desc_ptr;           /* 0x0c: offset from KIP base */
    uint32_t kdebug_init;               /* 0x10 */
    uint32_t kdebug_entry;              /* 0x14 */
    struct l4_kip_region kdebug_mem;    /* 0x18 */
    struct l4_kip_server sigma0;        /* 0x20 */
    struct l4_kip_server sigma1;        /* 0x30 */
    struct l4_kip_server root_server;   /* 0x40 */
    uint32_t reserved0;                 /* 0x50 */
    uint32_t memory_info;               /* 0x54: descptr 31..16, n 15..0 */
    uint32_t kdebug_config[2];          /* 0x58 */
    struct l4_kip_region main_mem;      /* 0x60 */
    struct l4_kip_region reserved_mem[2];   /* 0x68 */
    struct l4_kip_region dedicated_mem[5];  /* 0x78 */
    uint32_t reserved1[2];              /* 0xa0 */
    uint32_t utcb_area_info;            /* 0xa8: s 21..16, a 15..10, m 9..0 */
    uint32_t kip_area_info;             /* 0xac: s 5..0 */
    uint32_t reserved2[2];              /* 0xb0 */
    uint32_t boot_info;                 /* 0xb8 */
    uint32_t proc_desc_ptr;             /* 0xbc: offset from KIP base */
    uint32_t clock_info;                /* 0xc0: schedule prec 31..16, read 15..0 */
    uint32_t thread_info;               /* 0xc4: user 31..20, system 19..8, t 7..0 */
    uint32_t page_info;                 /* 0xc8: size mask 31..10, rwx 2..0 */
    uint32_t processor_info;            /* 0xcc: s 31..28, processors-1 15..0 */
    /* System-call links: offsets of the entry stubs from the KIP base. */
    uint32_t space_control;             /* 0xd0 */
    uint32_t thread_control;            /* 0xd4 */
    uint32_t processor_control;         /* 0xd8 */
    uint32_t memory_control;            /* 0xdc */
    uint32_t ipc;                       /* 0xe0 */
    uint32_t lipc;                      /* 0xe4 */
    uint32_t unmap;                     /* 0xe8 */
    uint32_t exchange_registers;        /* 0xec */
    uint32_t system_clock;              /* 0xf0 */
    uint32_t thread_switch;             /* 0xf4 */
    uint32_t schedule;                  /* 0xf8 */
    uint32_t reserved3[5];              /* 0xfc */
    uint32_t arch_syscall[4];           /* 0x110 */
} __attribute__((packed));

#define L4ABI_KIP_CHECK(field, off) \
    _Static_assert(__builtin_offsetof(struct l4_kip, field) == (off), \
                   "KIP offset of " #field)
L4ABI_KIP_CHECK(magic,              0x00);
L4ABI_KIP_CHECK(api_version,        0x04);
L4ABI_KIP_CHECK(api_flags,          0x08);
L4ABI_KIP_CHECK(kernel_desc_ptr,    0x0c);
L4ABI_KIP_CHECK(kdebug_init,        0x10);
L4ABI_KIP_CHECK(kdebug_entry,       0x14);
L4ABI_KIP_CHECK(kdebug_mem,         0x18);
L4ABI_KIP_CHECK(sigma0,             0x20);
L4ABI_KIP_CHECK(sigma1,             0x30);
L4ABI_KIP_CHECK(root_server,        0x40);
L4ABI_KIP_CHECK(reserved0,          0x50);
L4ABI_KIP_CHECK(memory_info,        0x54);
L4ABI_KIP_CHECK(kdebug_config,      0x58);
L4ABI_KIP_CHECK(main_mem,           0x60);
L4ABI_KIP_CHECK(reserved_mem,       0x68);
L4ABI_KIP_CHECK(dedicated_mem,      0x78);
L4ABI_KIP_CHECK(reserved1,          0xa0);
L4ABI_KIP_CHECK(utcb_area_info,     0xa8);
L4ABI_KIP_CHECK(kip_area_info,      0xac);
L4ABI_KIP_CHECK(reserved2,          0xb0);
L4ABI_KIP_CHECK(boot_info,          0xb8);
L4ABI_KIP_CHECK(proc_desc_ptr,      0xbc);
L4ABI_KIP_CHECK(clock_info,         0xc0);
L4ABI_KIP_CHECK(thread_info,        0xc4);
L4ABI_KIP_CHECK(page_info,          0xc8);
L4ABI_KIP_CHECK(processor_info,     0xcc);
L4ABI_KIP_CHECK(space_control,      0xd0);
L4ABI_KIP_CHECK(thread_control,     0xd4);
L4ABI_KIP_CHECK(processor_control,  0xd8);
L4ABI_KIP_CHECK(memory_control,     0xdc);
L4ABI_KIP_CHECK(ipc,                0xe0);
L4ABI_KIP_CHECK(lipc,               0xe4);
L4ABI_KIP_CHECK(unmap,              0xe8);
L4ABI_KIP_CHECK(exchange_registers, 0xec);
L4ABI_KIP_CHECK(system_clock,       0xf0);
L4ABI_KIP_CHECK(thread_switch,      0xf4);
L4ABI_KIP_CHECK(schedule,           0xf8);
L4ABI_KIP_CHECK(reserved3,          0xfc);
L4ABI_KIP_CHECK(arch_syscall,       0x110);
_Static_assert(sizeof(struct l4_kip) == 0x120, "KIP header size");

/* Info word encoders/decoders. */
#define L4ABI_KIP_MEMINFO(descoff, n) (((uint32_t)(descoff) << 16) | ((uint32_t)(n) & 0xffffu))
#define L4ABI_KIP_MEMINFO_N(w)        ((uint32_t)(w) & 0xffffu)
#define L4ABI_KIP_MEMINFO_PTR(w)      ((uint32_t)(w) >> 16)
#define L4ABI_KIP_UTCBINFO(s, a, m) \
    ((((uint32_t)(s) & 0x3f) << 16) | (((uint32_t)(a) & 0x3f) << 10) | ((uint32_t)(m) & 0x3ff))
#define L4ABI_KIP_UTCBINFO_S(w)       (((uint32_t)(w) >> 16) & 0x3f)
#define L4ABI_KIP_UTCBINFO_A(w)       (((uint32_t)(w) >> 10) & 0x3f)
#define L4ABI_KIP_UTCBINFO_M(w)       ((uint32_t)(w) & 0x3ff)
#define L4ABI_KIP_CLOCKINFO(readprec, schedprec) \
    (((uint32_t)(schedprec) << 16) | ((uint32_t)(readprec) & 0xffffu))
#define L4ABI_KIP_THREADINFO(t, sysbase, userbase) \
    ((((uint32_t)(userbase) & 0xfff) << 20) | (((uint32_t)(sysbase) & 0xfff) << 8) | \
     ((uint32_t)(t) & 0xff))
#define L4ABI_KIP_THREADINFO_T(w)        ((uint32_t)(w) & 0xff)
#define L4ABI_KIP_THREADINFO_SYSBASE(w)  (((uint32_t)(w) >> 8) & 0xfff)
#define L4ABI_KIP_THREADINFO_USERBASE(w) ((uint32_t)(w) >> 20)
/* sizes: bit n of the mask set = pages of 2^n bytes supported (n >= 10) */
#define L4ABI_KIP_PAGEINFO(sizemask, rwx) \
    (((uint32_t)(sizemask) & 0xfffffc00u) | ((uint32_t)(rwx) & 7))
#define L4ABI_KIP_PROCINFO(nprocs, desclog2) \
    ((((uint32_t)(desclog2) & 0xf) << 28) | (((uint32_t)(nprocs) - 1) & 0xffffu))

/* Memory descriptor: two words at KIP + MEMINFO_PTR, n of them.
 * word 0: low >> 10 (31..10) | v (9) | 0 (8) | t (7..4) | type (3..0)
 * word 1: high >> 10 (31..10) | 0; high is inclusive, so the region is
 *         [low, high | 0x3ff]. */
struct l4_memdesc {
    uint32_t w0;
    uint32_t w1;
};
_Static_assert(sizeof(struct l4_memdesc) == 8, "memory descriptor size");

#define L4ABI_MEMDESC_TYPE_MASK     0xfu
#define L4ABI_MEMDESC_SUBTYPE_SHIFT 4
#define L4ABI_MEMDESC_VIRTUAL       (1u << 9)
#define L4ABI_MEMDESC_W0(type, subtype, virt, low) \
    (((uint32_t)(low) & 0xfffffc00u) | ((virt) ? L4ABI_MEMDESC_VIRTUAL : 0u) | \
     (((uint32_t)(subtype) & 0xf) << 4) | ((uint32_t)(type) & 0xf))
#define L4ABI_MEMDESC_W1(high)      ((uint32_t)(high) & 0xfffffc00u)

#define L4ABI_MEMDESC_UNDEFINED         0x0
#define L4ABI_MEMDESC_CONVENTIONAL      0x1
#define L4ABI_MEMDESC_RESERVED          0x2
#define L4ABI_MEMDESC_DEDICATED         0x3
#define L4ABI_MEMDESC_SHARED            0x4
#define L4ABI_MEMDESC_BOOTLOADER        0xe     /* subtype t is loader specific */
#define L4ABI_MEMDESC_ARCH              0xf     /* subtype t is architecture specific */

/* Processor descriptor: 2^s bytes each (s from processor_info), at
 * KIP + proc_desc_ptr. Frequencies in kHz. */
struct l4_procdesc {
    uint32_t external_freq;
    uint32_t internal_freq;
    uint32_t reserved[2];
};
_Static_assert(sizeof(struct l4_procdesc) == 16, "processor descriptor size");

/* Kernel descriptor at KIP + kernel_desc_ptr, followed by the
 * NUL-terminated version string and then the feature strings, the list
 * ending with an empty string. */
struct l4_kdesc {
    uint32_t kernel_id;     /* id 31..24, subid 23..16 */
    uint32_t gen_date;      /* year-2000 15..9, month 8..5, day 4..0 */
    uint32_t kernel_ver;    /* ver 31..24, subver 23..16, subsubver 15..0 */
    uint32_t supplier;      /* four characters, in memory order */
};
_Static_assert(sizeof(struct l4_kdesc) == 16, "kernel descriptor size");

#define L4ABI_KDESC_ID(id, subid)     (((uint32_t)(id) << 24) | ((uint32_t)(subid) << 16))
#define L4ABI_KDESC_DATE(y, m, d) \
    ((((uint32_t)(y) - 2000) << 9) | (((uint32_t)(m) & 0xf) << 5) | ((uint32_t)(d) & 0x1f))
#define L4ABI_KDESC_VER(v, sub, subsub) \
    (((uint32_t)(v) << 24) | (((uint32_t)(sub) & 0xff) << 16) | ((uint32_t)(subsub) & 0xffff))

/* ------------------------------------------------------------------ */
/* Kernel debugger protocol                                             */

/* int3 followed by "cmpb $op, %al" (bytes 3c op); argument/result in eax. */
#define L4ABI_KDB_CMPB_AL           0x3c
#define L4ABI_KDB_OP_PUTC           0x00    /* eax = character */
#define L4ABI_KDB_OP_PUTS           0x01    /* eax = string address */
#define L4ABI_KDB_OP_CLEARPAGE      0x02
#define L4ABI_KDB_OP_GETC           0x08    /* returns char in eax, or -1 */
#define L4ABI_KDB_OP_GETC_BLOCKED   0x0d    /* returns char in eax */
#define L4ABI_KDB_OP_SHUTDOWN       0x40    /* Pecan: eax = exit code */
#define L4ABI_KDB_OP_STAT           0x41    /* Pecan: eax = counter -> value */
#define L4ABI_KDB_OP_VIF_HOLD       0x42    /* Pecan test hook: hold a virtual interrupt */
#define L4ABI_KDB_OP_THREADS        0x43    /* Pecan: thread list (below) */
#define L4ABI_KDB_OP_TRACE          0x44    /* Pecan: trace and profiler control:
                                             * eax = L4ABI_TRACE_*, ecx, edx = arguments;
                                             * result in eax (~0 = refused), ecx */
/* Trace/profiler operations (docs/kdb.md). Privileged threads only. */
#define L4ABI_TRACE_SET_MASK        0       /* ecx = kinds (bit per L4ABI_TRACE_K_*) -> old mask */
#define L4ABI_TRACE_SET_THREAD      1       /* ecx = global thread ID, 0 = all -> 0 */
#define L4ABI_TRACE_CLEAR           2       /* -> 0 */
#define L4ABI_TRACE_DUMP            3       /* console dump -> records printed */
#define L4ABI_TRACE_COUNT           4       /* ecx = CPU -> records held */
#define L4ABI_TRACE_READ            5       /* ecx = CPU, edx = index (0 = oldest) -> 0,
                                             * MR1..7 = seq, type, thread, a, b, c,
                                             * tsc low; ~0 if none */
#define L4ABI_TRACE_PROF_START      8       /* ecx = sampling period in ticks (0 = 1)
                                             * -> source: 1 timer, 2 counter NMI */
#define L4ABI_TRACE_PROF_STOP       9       /* -> samples taken */
#define L4ABI_TRACE_PROF_CLEAR      10
#define L4ABI_TRACE_PROF_DUMP       11      /* console dump -> samples */
#define L4ABI_TRACE_PROF_TOP        12      /* ecx = 0 addresses / 1 threads, edx = rank
                                             * -> eax = address or thread, ecx = count;
                                             * ~0 if no such rank */
#define L4ABI_TRACE_K_IPC           0       /* kinds: bit numbers of the mask */
#define L4ABI_TRACE_K_PF            1
#define L4ABI_TRACE_K_EXC           2
#define L4ABI_TRACE_K_IRQ           3
#define L4ABI_TRACE_K_SWITCH        4
#define L4ABI_TRACE_K_MAP           5
#define L4ABI_TRACE_K_THREAD        6
#define L4ABI_TRACE_T_SEND          0       /* record types (MR2 of READ) */
#define L4ABI_TRACE_T_RECV          1
#define L4ABI_TRACE_T_PF            2
#define L4ABI_TRACE_T_EXC           3
#define L4ABI_TRACE_T_IRQ           4
#define L4ABI_TRACE_T_SWITCH        5
#define L4ABI_TRACE_T_MAP           6
#define L4ABI_TRACE_T_UNMAP         7
#define L4ABI_TRACE_T_CREATE        8
#define L4ABI_TRACE_T_DELETE        9
#define L4ABI_KDB_STAT_FREE_FRAMES  0       /* kernel pool frames free */
#define L4ABI_KDB_STAT_LAZY_SYNCS   1       /* lazy kernel-directory syncs */
#define L4ABI_KDB_STAT_TCB_FRAMES   2       /* frames backing TCBs */
#define L4ABI_KDB_STAT_TCB_ZERO     3       /* TCB reads served by the zero page */
#define L4ABI_KDB_STAT_KMEM_BYTES   4       /* bytes in kernel objects */
#define L4ABI_KDB_STAT_CONTEXT_SWITCHES 5
#define L4ABI_KDB_STAT_IRQ_ENTRY_TSC 6      /* low 32 bits of the TSC at the
                                             * last device interrupt's entry */
#define L4ABI_KDB_STAT_IRQ_RAISED   7       /* interrupts on attached lines */
#define L4ABI_KDB_STAT_IRQ_DELIVERED 8      /* interrupt messages delivered */
#define L4ABI_KDB_STAT_IRQ_DIRECT   9       /* ... of them by direct switch */
#define L4ABI_KDB_STAT_IO_SWITCHES  10      /* I/O-bitmap window remaps */
#define L4ABI_KDB_STAT_IO_FAULTS    11      /* I/O-fault IPCs sent */
/* Exceptions work (numbers from 32 on, to stay clear of other additions). */
#define L4ABI_KDB_STAT_EXC_IPCS     32      /* exception + system-call exception IPCs */
#define L4ABI_KDB_STAT_VIF_TRAPS    33      /* cli/sti emulated after a #GP */
#define L4ABI_KDB_STAT_FPU_TRAPS    34      /* #NM traps (lazy FPU switches) */
#define L4ABI_KDB_STAT_FPU_SAVES    35      /* FPU states saved for a new owner */
#define L4ABI_KDB_STAT_FPU_AREAS    36      /* FPU save areas allocated now */
#define L4ABI_KDB_STAT_PVI          37      /* 1 if CR4.PVI virtualizes cli/sti */
#define L4ABI_KDB_STAT_VIF_RELEASES 38      /* sti that released a held interrupt */
#define L4ABI_KDB_STAT_FPU_EAGER    39      /* 1 if booted with fpu=eager */
#define L4ABI_KDB_STAT_CPU          12      /* processor number the caller runs on */
#define L4ABI_KDB_STAT_IPIS         13      /* inter-processor interrupts sent */
#define L4ABI_KDB_STAT_SHOOTDOWNS   14      /* TLB flush requests sent to other CPUs */
#define L4ABI_KDB_STAT_LAPIC_TICKS  15      /* local-APIC timer ticks of the caller's CPU */
#define L4ABI_KDB_STAT_IRQ_CPU      16      /* CPU that took the last interrupt on an
                                             * attached line */
#define L4ABI_KDB_STAT_IRQ_DEST(l)  (80 + (l))  /* CPU the interrupt controller sends
                                             * line l to (~0 beyond the lines) */
/* Longest stretch with interrupts off since boot or the last reset, in TSC
 * ticks (guest instructions under -icount); ~0 if the kernel was built
 * without IRQOFF_STATS. The second one reads and resets it. */
#define L4ABI_KDB_STAT_IRQOFF_MAX   48
#define L4ABI_KDB_STAT_IRQOFF_RESET 49
#define L4ABI_KDB_STAT_IRQOFF_FROM  50      /* kernel addresses where that */
#define L4ABI_KDB_STAT_IRQOFF_TO    51      /* stretch began and ended */
/* Small spaces (docs/smallspaces.md). */
#define L4ABI_KDB_STAT_CR3_WRITES   40      /* CR3 loads by switches and space changes */
#define L4ABI_KDB_STAT_SMALL_SYNCS  41      /* region entries copied on a fault */
#define L4ABI_KDB_STAT_SMALL_PROMOTIONS 42  /* small spaces made large by a fault */
#define L4ABI_KDB_STAT_SMALL_PURGES 43      /* region purges (TLB flush each) */
#define L4ABI_KDB_STAT_SMALL_SEGLOADS 44    /* user-segment rewrites */
/* For the fuzzer's leak check. */
#define L4ABI_KDB_STAT_KMEM_PAGES   52      /* frames held by the object allocator
                                             * (slab pages are kept once grown) */
/* Times the interactive kernel debugger was entered (~0 if built with
 * KDB=0): a test can tell that a refused Enter did not stop the machine. */
#define L4ABI_KDB_STAT_KDB_ENTRIES  56
/* Event counters of the bench-only kernel (STATS=1, build/stats/pecan.elf):
 * kernel entries (traps, interrupts, sysenter), CR3 loads and %gs reloads
 * since boot, summed over the CPUs; ~0 in a kernel built without STATS. */
#define L4ABI_KDB_STAT_ENTRIES      57
#define L4ABI_KDB_STAT_CR3_LOADS    58
#define L4ABI_KDB_STAT_GS_LOADS     59
/* Event fast paths (kernel/event_fast.h): 1 if the kernel has them
 * (FASTPATH=1), and how many page/I-O faults, exceptions and interrupts
 * went through them (straight to a waiting partner, direct switch). */
#define L4ABI_KDB_STAT_FASTPATH     60
#define L4ABI_KDB_STAT_FAST_FAULTS  61
#define L4ABI_KDB_STAT_FAST_EXCS    62
#define L4ABI_KDB_STAT_FAST_IRQS    63
#define L4ABI_KDB_STAT_FAST_EXC_SENDS   30  /* exceptions sent by the exception fast path */
#define L4ABI_KDB_STAT_FAST_EXC_REPLIES 31  /* handler replies it applied itself */
/* ... and pagers' replies with one 4 KiB map item (kernel/pf_fast.c). */
#define L4ABI_KDB_STAT_FAST_MAPS    79
#define L4ABI_KDB_STAT_FAST_EXC_REPLIES_ASM 74  /* ... of them, by its assembly reply */
/* The page-fault fast path (kernel/arch/ia32/pffast.c): faults it sent to
 * a waiting pager, and pagers' map replies it took itself (a subset of
 * FAST_MAPS). (80 on are IRQ_DEST's.) */
#define L4ABI_KDB_STAT_FAST_PF_SENDS    75
#define L4ABI_KDB_STAT_FAST_PF_REPLIES  76
#define L4ABI_KDB_STAT_KMEM_KIND(k) (64 + (k))  /* bytes of one kind of kernel object:
                                             * misc, pgtable, space, tcb, mapnode,
                                             * fpu, iobitmap, irq (kernel/kmem.h) */
#define L4ABI_KDB_STAT_KMEM_NKINDS  8
/* Interrupts the entry's own fast path delivered (irq_fast.S, or its C
 * part for what the assembly leaves to it, e.g. the 8259) and
 * acknowledgements that took their short path (irq_ack_fast); both 0
 * with FASTPATH=0 (docs/fastpaths-events.md). */
#define L4ABI_KDB_STAT_FAST_IRQ_ENTRY 72
#define L4ABI_KDB_STAT_FAST_IRQ_ACKS  73
/* Thread list (op 0x43, privileged): eax = user buffer of struct
 * l4abi_kdb_thread, ecx = its capacity in entries (1..L4ABI_KDB_THREADS_MAX),
 * edx = the thread number to start at. The kernel looks at no more than
 * L4ABI_KDB_THREADS_SCAN thread numbers per call and returns eax = entries
 * written, edx = the thread number to continue from (0: the end was
 * reached). Invalid arguments or a buffer that cannot be written: eax = ~0,
 * ecx = the X.2 error code (5, invalid parameter), also in ErrorCode. */
#define L4ABI_KDB_THREADS_MAX       64
#define L4ABI_KDB_THREADS_SCAN      1024
#define L4ABI_KDB_TS_INACTIVE       1       /* created, not started */
#define L4ABI_KDB_TS_READY          2       /* running or runnable */
#define L4ABI_KDB_TS_SEND           3       /* blocked sending to partner */
#define L4ABI_KDB_TS_RECV           4       /* blocked receiving from partner */
#define L4ABI_KDB_TS_DEAD           5       /* being deleted */
#define L4ABI_KDB_TS_XFER           6       /* in a string copy with partner */
#define L4ABI_KDB_TF_HALTED         0x01
#define L4ABI_KDB_TF_KERNEL         0x02    /* kernel thread (idle) */
#define L4ABI_KDB_TF_IRQ            0x04    /* interrupt thread */
#define L4ABI_KDB_TF_PRIVILEGED     0x08    /* of sigma0's or the root task's space */
#define L4ABI_KDB_TF_CURRENT        0x10    /* the caller itself */
struct l4abi_kdb_thread {
    uint32_t gid;           /* global thread ID */
    uint32_t space;         /* opaque: equal for threads of one space, 0 = kernel */
    uint32_t partner;       /* TS_SEND/RECV/XFER: global ID or from-specifier, else 0;
                             * interrupt threads: the attached handler or 0 */
    uint8_t state;          /* L4ABI_KDB_TS_* */
    uint8_t prio;
    uint8_t flags;          /* L4ABI_KDB_TF_* */
    uint8_t cpu;            /* the CPU it runs on */
};
_Static_assert(sizeof(struct l4abi_kdb_thread) == 16, "kdb thread entry size");
/* Enter: int3 followed by "jmp rel8; movl $string, %eax" (bytes eb 05 b8
 * imm32); the mov is never executed, it only carries the address. */
#define L4ABI_KDB_ENTER_JMP         0xeb
#define L4ABI_KDB_ENTER_MOV         0xb8

#endif /* L4_ABI_H */
