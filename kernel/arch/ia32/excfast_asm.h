/* Constants of the exception fast path's assembly reply
 * (excfast_reply.S), usable from C and assembly; every one is checked
 * against its C definition in excfast.c. */
#ifndef PECAN_IA32_EXCFAST_ASM_H
#define PECAN_IA32_EXCFAST_ASM_H

/* struct tcb */
#define TCB_RQ              28      /* rq (its first word: rq.next) */
#define TCB_EXC_WAIT        188     /* byte */
#define TCB_EXC_BR0         192
#define EXC2_TF_KERNEL      0x02    /* thread.h TF_KERNEL (checked in pffast.c) */
/* struct cpu_local: the ready queue's bitmap words and summary */
#define CPU_READY_BITMAP    1092
#define CPU_READY_SUMMARY   1124
/* excfast.h's wait states, the image's size */
#define EXC2_WAIT_NONE      0
#define EXC2_WAIT_WAITING   1
#define EXC2_WAIT_PAGEFAULT 3     /* the page-fault fast path's (pffast_entry.S) */
#define EXC2_IMAGE_WORDS    12
/* <l4/abi.h>: the image's MR indices, BR0 as a byte offset from MR0 */
#define EXC2_MR_EIP         1
#define EXC2_MR_EFLAGS      2
#define EXC2_MR_EDI         5
#define EXC2_BR0_OFFSET     (-16 * 4)
/* cpu.h EFL_USER_MASK: the EFLAGS bits a reply may set */
#define EXC2_EFL_USER_MASK  0x00240dd5

/* The page-fault fast path's assembly reply (pffast_entry.S); checked in
 * pffast.c. */
#define TCB_DYING           24      /* byte */
#define TCB_XFER            128
#define CPU_IPC_USER_WAIT   1136
#define PF_CPU_LOCAL_SIZE   3584    /* sizeof(struct cpu_local) */
#define FAST_KL_FULL        2
#define PF_ANYLOCALTHREAD   0xffffffc0
#define PF_ACCEPT_WINDOW_MASK 0xfffffff0
#define PF_NUM_MRS          64
#define PF_ITEM_TYPE_MASK   0xe
#define PF_ITEM_MAP         0x8
#define PF_PAGE_SHIFT       12
#define PF_FAST_MAP         3       /* event_fast.h FAST_MAP */
#define PF_TRACE_BITS       0x31    /* trace.h: IPC, MAP, SWITCH */

#ifdef __ASSEMBLER__
/* The handoff rule's O(1) test for a dest below us (sched_can_handoff_on),
 * shared by the exception and the map reply (excfast_reply.S,
 * pffast_entry.S): dest at priority p (ecx) below ours, c (register \c),
 * runs next only if no level above p holds a queued thread once we block,
 * our own level not counted if we are its only entry. Clobbers ecx, edx,
 * esi and \words; goes to \refuse if another thread would run. Our
 * TCB's fields are off %esp as SELF() has them; ebp = this CPU's record. */
    .macro HANDOFF_LOWER_TEST c, words, refuse
    movl $2, %esi
    shll %cl, %esi
    negl %esi                               /* ~((2 << p % 32) - 1) */
    shrl $5, %ecx                           /* ecx = pw */
    andl CPU_READY_BITMAP(%ebp,%ecx,4), %esi    /* esi = bits */
    movl $2, \words
    shll %cl, \words
    negl \words                             /* ~((2 << pw) - 1) */
    andl CPU_READY_SUMMARY(%ebp), \words    /* words above pw */
    testb $FAST_TF_QUEUED, (TCB_FLAGS - FAST_FRAME)(%esp)
    jz 3f
    leal (TCB_RQ - FAST_FRAME)(%esp), %edx                 /* &self->rq */
    cmpl %edx, (TCB_RQ - FAST_FRAME)(%esp)                 /* rq.next: alone there? */
    jne 3f
    movl \c, %edx
    shrl $5, %edx                           /* edx = cw */
    cmpl %edx, %ecx
    jne 4f
    btrl \c, %esi                           /* bits &= ~(1 << c % 32) */
    jmp 3f
4:  xorl %ecx, %ecx
    btsl \c, %ecx                           /* 1 << c % 32 */
    cmpl CPU_READY_BITMAP(%ebp,%edx,4), %ecx
    jne 3f
    btrl %edx, \words                       /* words &= ~(1 << cw) */
3:  orl %esi, \words
    jnz \refuse
    .endm
#endif

#endif
