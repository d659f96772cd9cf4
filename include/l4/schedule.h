/* Scheduling shorthands built on ThreadSwitch and Schedule. */
#ifndef __L4__SCHEDULE_H__
#define __L4__SCHEDULE_H__

#include <l4/types.h>
#include <l4/ia32/syscalls.h>

#define L4_SCHEDRESULT_ERROR        L4ABI_SCHEDRESULT_ERROR
#define L4_SCHEDRESULT_DEAD         L4ABI_SCHEDRESULT_DEAD
#define L4_SCHEDRESULT_INACTIVE     L4ABI_SCHEDRESULT_INACTIVE
#define L4_SCHEDRESULT_RUNNING      L4ABI_SCHEDRESULT_RUNNING
#define L4_SCHEDRESULT_PENDING_SEND L4ABI_SCHEDRESULT_PENDING_SEND
#define L4_SCHEDRESULT_SENDING      L4ABI_SCHEDRESULT_SENDING
#define L4_SCHEDRESULT_WAITING      L4ABI_SCHEDRESULT_WAITING
#define L4_SCHEDRESULT_RECEIVING    L4ABI_SCHEDRESULT_RECEIVING

L4_INLINE void L4_Yield(void)
{
    L4_ThreadSwitch(L4_nilthread);
}

L4_INLINE L4_Word_t L4_Set_Priority(L4_ThreadId_t tid, L4_Word_t prio)
{
    L4_Word_t old;
    return L4_Schedule(tid, L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED,
                       prio & L4ABI_SCHED_PRIO_MASK, L4ABI_SCHED_UNCHANGED, &old);
}

L4_INLINE L4_Word_t L4_Set_ProcessorNo(L4_ThreadId_t tid, L4_Word_t cpu_no)
{
    L4_Word_t old;
    return L4_Schedule(tid, L4ABI_SCHED_UNCHANGED, cpu_no & L4ABI_SCHED_CPU_MASK,
                       L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED, &old);
}

L4_INLINE L4_Word_t L4_Set_Timeslice(L4_ThreadId_t tid, L4_Time_t timeslice,
                                     L4_Time_t totalquantum)
{
    L4_Word_t old;
    return L4_Schedule(tid, L4ABI_SCHED_TIME(timeslice.raw, totalquantum.raw),
                       L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED,
                       L4ABI_SCHED_UNCHANGED, &old);
}

L4_INLINE L4_Word_t L4_Timeslice(L4_ThreadId_t tid, L4_Time_t *timeslice,
                                 L4_Time_t *totalquantum)
{
    L4_Word_t tc;
    L4_Word_t r = L4_Schedule(tid, L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED,
                              L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED, &tc);
    timeslice->raw = (L4_Word16_t)(tc >> 16);
    totalquantum->raw = (L4_Word16_t)tc;
    return r;
}

L4_INLINE L4_Word_t L4_Set_PreemptionDelay(L4_ThreadId_t tid, L4_Word_t sensitivePrio,
                                           L4_Word_t maxDelay)
{
    L4_Word_t old;
    return L4_Schedule(tid, L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_UNCHANGED,
                       L4ABI_SCHED_UNCHANGED, L4ABI_SCHED_PREEMPT(sensitivePrio, maxDelay),
                       &old);
}

#endif /* !__L4__SCHEDULE_H__ */
