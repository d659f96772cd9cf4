#include "thread.h"
#include <l4/thread.h>

L4_ThreadId_t thread_create(L4_ThreadId_t t, L4_ThreadId_t pager, L4_Word_t *stack,
                            L4_Word_t words, L4_Word_t utcb)
{
    L4_ThreadId_t me = L4_Myself();
    for (L4_Word_t i = 0; i < words; i += 1024 / sizeof(L4_Word_t))
        stack[i] = 0;
    if (L4_ThreadControl(t, me, me, L4_nilthread, (void *)utcb) != 1)
        return L4_nilthread;
    if (!L4_IsNilThread(pager))
        L4_Set_PagerOf(t, pager);
    return t;
}

void thread_run(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *stack, L4_Word_t words)
{
    /* Four words below the top: a C function may look above its entry
     * stack pointer (its arguments' slots). */
    L4_Start_SpIp(t, (L4_Word_t)&stack[words - 4], (L4_Word_t)fn);
}

L4_ThreadId_t thread_start(L4_ThreadId_t t, L4_ThreadId_t pager, void (*fn)(void),
                           L4_Word_t *stack, L4_Word_t words, L4_Word_t utcb)
{
    if (L4_IsNilThread(thread_create(t, pager, stack, words, utcb)))
        return L4_nilthread;
    thread_run(t, fn, stack, words);
    return t;
}

void thread_delete(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}
