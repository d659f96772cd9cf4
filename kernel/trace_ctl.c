/* The trace/profiler kdebug extension (L4ABI_KDB_OP_TRACE, docs/kdb.md):
 * privileged threads only (kdebug.c checks), every argument validated;
 * an unknown operation or a bad argument returns ~0. */
#include "trace.h"
#include "prof.h"
#include "thread.h"
#include <l4/abi.h>

_Static_assert(L4ABI_TRACE_K_IPC == TRACE_IPC && L4ABI_TRACE_K_PF == TRACE_PF &&
               L4ABI_TRACE_K_EXC == TRACE_EXC && L4ABI_TRACE_K_IRQ == TRACE_IRQ &&
               L4ABI_TRACE_K_SWITCH == TRACE_SWITCH && L4ABI_TRACE_K_MAP == TRACE_MAP &&
               L4ABI_TRACE_K_THREAD == TRACE_THREAD, "trace kinds: ABI and kernel differ");
_Static_assert(L4ABI_TRACE_T_SEND == TT_SEND && L4ABI_TRACE_T_RECV == TT_RECV &&
               L4ABI_TRACE_T_PF == TT_PF && L4ABI_TRACE_T_EXC == TT_EXC &&
               L4ABI_TRACE_T_IRQ == TT_IRQ && L4ABI_TRACE_T_SWITCH == TT_SWITCH &&
               L4ABI_TRACE_T_MAP == TT_MAP && L4ABI_TRACE_T_UNMAP == TT_UNMAP &&
               L4ABI_TRACE_T_CREATE == TT_CREATE && L4ABI_TRACE_T_DELETE == TT_DELETE,
               "trace record types: ABI and kernel differ");

/* READ: the record goes to the caller's MR1..MR7. */
static uint32_t read_record(uint32_t cpu, uint32_t index)
{
    struct trace_rec e;
    uint32_t *mr = current->mr;
    if (!mr || cpu >= MAX_CPUS || !trace_get(cpu, index, &e))
        return ~0u;
    mr[1] = e.seq;
    mr[2] = e.type;
    mr[3] = e.thread;
    mr[4] = e.a;
    mr[5] = e.b;
    mr[6] = e.c;
    mr[7] = (uint32_t)e.tsc;
    return 0;
}

uint32_t trace_control(uint32_t op, uint32_t *ecx, uint32_t edx)
{
    uint32_t a = *ecx, count = 0, r;
    if (!TRACE)
        return ~0u;         /* not built in: every operation refused */
    switch (op) {
    case L4ABI_TRACE_SET_MASK:
        if (a & ~(uint32_t)TRACE_ALL)
            return ~0u;
        return trace_set_mask(a);
    case L4ABI_TRACE_SET_THREAD:
        trace_set_thread(a);
        return 0;
    case L4ABI_TRACE_CLEAR:
        trace_clear();
        return 0;
    case L4ABI_TRACE_DUMP:
        return trace_dump();
    case L4ABI_TRACE_COUNT:
        return a < MAX_CPUS ? trace_count(a) : ~0u;
    case L4ABI_TRACE_READ:
        return read_record(a, edx);
    case L4ABI_TRACE_PROF_START:
        return a <= 1000000 ? (uint32_t)prof_start(a) : ~0u;
    case L4ABI_TRACE_PROF_STOP:
        return prof_stop();
    case L4ABI_TRACE_PROF_CLEAR:
        prof_clear();
        return 0;
    case L4ABI_TRACE_PROF_DUMP:
        return prof_dump();
    case L4ABI_TRACE_PROF_TOP:
        r = prof_top(a, edx, &count);
        *ecx = count;
        return r;
    }
    return ~0u;
}
