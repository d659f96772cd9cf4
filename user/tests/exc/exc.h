/* Shared by the exception suite's files: worker threads with the root
 * task as their exception handler, and the last message's words. */
#ifndef EXC_TEST_H
#define EXC_TEST_H
#include <l4/types.h>
#include <l4/thread.h>
#include <l4/message.h>

#define EFL_CF   0x1u
#define EFL_TF   0x100u
#define EFL_IF   0x200u
#define EFL_DF   0x400u
#define EFL_IOPL 0x3000u
#define EFL_NT   0x4000u
#define EFL_RF   0x10000u
#define EFL_VM   0x20000u
#define EFL_AC   0x40000u
#define EFL_VIF  0x80000u
#define EFL_VIP  0x100000u

#define LBL_DONE 0x600
#define LBL_MID  0x610

extern L4_ThreadId_t root_tid;
extern L4_Word_t w[13];     /* w[1..12] = MR1..MR12 of the last message */
#define M_EIP    w[L4ABI_EXC_MR_EIP]
#define M_EFLAGS w[L4ABI_EXC_MR_EFLAGS]
#define M_EXCNO  w[L4ABI_EXC_MR_EXCNO]
#define M_ERR    w[L4ABI_EXC_MR_ERRCODE]
#define M_ESP    w[L4ABI_EXC_MR_ESP]
#define M_EAX    w[L4ABI_EXC_MR_EAX]

L4_ThreadId_t tid(int no);
void load_tag(L4_Word_t label, L4_Word_t u, L4_Word_t t);
L4_Word_t stat(L4_Word_t which);
/* Thread `no` runs fn with exception handler `handler`, then sends
 * LBL_DONE with fn's result to the root thread. */
L4_ThreadId_t start_worker(int no, unsigned long (*fn)(void), L4_ThreadId_t handler);
void delete_thread(L4_ThreadId_t t);
L4_MsgTag_t receive(L4_ThreadId_t from);    /* fills w[]; 0.5 s timeout */
void reply_regs(L4_ThreadId_t to);          /* replies w[1..12] */
int is_exc(L4_MsgTag_t tag, L4_Word_t label);
L4_Word_t result(L4_ThreadId_t t, int *good);

/* excfast.c */
void test_exc_fast(void);
#define EXCFAST_TESTS 23    /* its ok() lines */

/* entry.c */
void test_entry_flags(void);
void test_all_vectors(void);
void test_v86(void);
void test_ldt_selector(void);
#define ENTRY_TESTS 27      /* ok() lines of the three above */
#endif
