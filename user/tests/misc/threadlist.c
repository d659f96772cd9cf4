/* The privileged kdebug thread list (L4_KDB_ThreadList, docs/abi.md): what
 * it reports for known threads, paging through the table one entry at a
 * time, and refusal of bad arguments with ErrorCode 5 (invalid parameter).
 * Unprivileged callers get a #BP instead (kdebug.c in this suite). */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"

#define MAXE 128
static struct l4abi_kdb_thread all[MAXE], one[L4ABI_KDB_THREADS_MAX];
static L4_Word_t wstack[512] __attribute__((aligned(16)));
static L4_ThreadId_t list_root;

static void waiter_main(void)
{
    L4_Receive(list_root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* The whole table, MAXE entries at most; -1 if a call failed. */
static int scan(struct l4abi_kdb_thread *out, L4_Word_t cap, L4_Word_t *calls)
{
    L4_Word_t next = 0, n = 0;
    *calls = 0;
    do {
        L4_Word_t got = L4_KDB_ThreadList(one, cap, &next);
        ++*calls;
        if (got == ~0ul || got > cap)
            return -1;
        for (L4_Word_t i = 0; i < got && n < MAXE; i++)
            out[n++] = one[i];
    } while (next && *calls < 100000);
    return (int)n;
}

static const struct l4abi_kdb_thread *find(int n, L4_Word_t no)
{
    for (int i = 0; i < n; i++)
        if (L4_ThreadNo((L4_ThreadId_t){ .raw = all[i].gid }) == no)
            return &all[i];
    return 0;
}

static int refused(struct l4abi_kdb_thread *buf, L4_Word_t cap, L4_Word_t start)
{
    L4_Word_t next = start;
    return L4_KDB_ThreadList(buf, cap, &next) == ~0ul &&
           L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM;
}

void test_thread_list(void)
{
    L4_ThreadId_t me = L4_Myself(), w = L4_GlobalId(84, 1), idle = L4_GlobalId(85, 1),
                  far = L4_GlobalId(3000, 1);
    list_root = me;
    L4_ThreadControl(w, me, me, me, (void *)(0xbfe00000u + 5 * L4ABI_UTCB_SIZE));
    L4_Start_SpIp(w, (L4_Word_t)&wstack[508], (L4_Word_t)waiter_main);
    L4_ThreadControl(idle, me, me, L4_nilthread, (void *)~0ul);      /* never started */
    /* Past L4ABI_KDB_THREADS_SCAN numbers: more calls, some with nothing. */
    L4_ThreadControl(far, me, me, L4_nilthread, (void *)~0ul);
    L4_Sleep(L4_TimePeriod(2000));                  /* the waiter blocks */

    L4_Word_t calls;
    int n = scan(all, L4ABI_KDB_THREADS_MAX, &calls);
    ok(n > 0 && find(n, 3000) && calls == 3000 / L4ABI_KDB_THREADS_SCAN + 1,
       "thread list: %d threads in %lu calls of at most %u thread numbers, up to number 3000",
       n, calls, L4ABI_KDB_THREADS_SCAN);
    const struct l4abi_kdb_thread *self = find(n, L4_ThreadNo(me)),
                                  *s0 = find(n, 48), *id = find(n, 32),
                                  *we = find(n, 84), *ie = find(n, 85);
    ok(self && self->gid == me.raw && self->state == L4ABI_KDB_TS_READY &&
       (self->flags & (L4ABI_KDB_TF_CURRENT | L4ABI_KDB_TF_PRIVILEGED)) ==
           (L4ABI_KDB_TF_CURRENT | L4ABI_KDB_TF_PRIVILEGED) && self->space != 0,
       "the caller: running, privileged, in a user space");
    ok(s0 && s0->state == L4ABI_KDB_TS_RECV && s0->partner == L4ABI_ANYTHREAD &&
       (s0->flags & L4ABI_KDB_TF_PRIVILEGED) && s0->space && self && s0->space != self->space,
       "sigma0: waiting for anyone, privileged, a space of its own");
    ok(id && id->space == 0 && (id->flags & L4ABI_KDB_TF_KERNEL) && id->prio == 0,
       "the idle thread: kernel space, kernel thread, priority 0");
    ok(we && we->state == L4ABI_KDB_TS_RECV && we->partner == me.raw && self &&
       we->space == self->space && we->prio == 100,
       "a thread blocked receiving from us names us as its partner (%x)",
       we ? (unsigned)we->partner : 0u);
    ok(ie && ie->state == L4ABI_KDB_TS_INACTIVE && ie->partner == 0,
       "a thread never started is inactive (%u)", ie ? ie->state : 0u);
    int ascending = 1;
    for (int i = 1; i < n; i++)
        ascending &= L4_ThreadNo((L4_ThreadId_t){ .raw = all[i].gid }) >
                     L4_ThreadNo((L4_ThreadId_t){ .raw = all[i - 1].gid });
    ok(ascending, "entries come in thread-number order");

    static struct l4abi_kdb_thread again[MAXE];
    L4_Word_t calls1;
    int n1 = scan(again, 1, &calls1);
    int same = n1 == n;
    for (int i = 0; same && i < n; i++)
        same = again[i].gid == all[i].gid;
    ok(same && calls1 >= (L4_Word_t)n, "one entry per call: the same %d threads in %lu calls",
       n1, calls1);

    L4_Word_t next = 60000;
    ok(L4_KDB_ThreadList(one, 4, &next) == 0 && next == 0,
       "a start past the last thread: no entries, the end");
    ok(refused(one, 0, 0) && refused(one, L4ABI_KDB_THREADS_MAX + 1, 0) &&
       refused(one, 1, 65536) && refused((void *)0xbffffff8u, 1, 0) &&
       refused((void *)0xc0000000u, 1, 0) && refused((void *)0xfffffff0u, 1, 0),
       "refused with ErrorCode 5: capacity 0 or too large, a start past the table, "
       "a buffer reaching or in kernel space");
    L4_ThreadControl(w, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(idle, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    L4_ThreadControl(far, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}
