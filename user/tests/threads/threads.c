/* Thread life-cycle hardening (issue 14): start-up with pagers that do
 * not exist, stale state in reused thread slots, UTCB-area changes.
 *
 * A kernel that loops without blocking hangs the whole machine here (the
 * kernel runs with interrupts off), which the harness counts as failure:
 * every "machine still runs" test is reached only if the kernel kept
 * scheduling. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define STACK_WORDS 1024
#define NO_BASE     100
#define ABSENT      L4_GlobalId(5000, 1)    /* never created */

static L4_ThreadId_t me;
static L4_Word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));
static volatile L4_Word_t started[64];

static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }
static L4_ThreadId_t tid(int no) { return L4_GlobalId(NO_BASE + no, 1); }
static void *utcb(int slot) { return (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE); }

static void delete_thread(L4_ThreadId_t t)
{
    L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static L4_Word_t exregs_state(L4_ThreadId_t t)
{
    L4_Word_t state;
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread,
                     &state, 0, 0, 0, 0, 0);
    return state;
}

static void sleep_forever(void) { for (;;) L4_Sleep(L4_Never); }

/* Start code of every test thread: note that it ran, then sleep. */
static void started_main(void)
{
    started[L4_ThreadNo(L4_Myself()) - NO_BASE]++;
    sleep_forever();
}

static int send_start(L4_ThreadId_t t, int stack)
{
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)started_main);
    L4_LoadMR(2, stack_top(stack));
    return L4_IpcSucceeded(L4_Send(t));
}

/* The machine is alive if a 2 ms sleep ends (a kernel spinning with
 * interrupts off never gets there) and the clock moved. */
static int alive(void)
{
    L4_Clock_t t0 = L4_SystemClock();
    L4_Sleep(L4_TimePeriod(2000));
    return L4_SystemClock().raw - t0.raw >= 2000;
}

/* ---- issue 14 #14: start-up never spins --------------------------------- */

static void test_absent_pager_at_creation(void)
{
    L4_ThreadId_t t = tid(0);
    ok(L4_ThreadControl(t, me, me, ABSENT, utcb(1)) == 1,
       "thread created with a pager that does not exist");
    ok(alive(), "start-up with a nonexistent pager blocks: the machine still runs");
    ok(exregs_state(t) & L4ABI_EXREGS_STATE_RECVING,
       "the new thread sleeps receiving (its start message)");

    /* An abort wakes it; it must wait again, not spin. */
    __L4_EXREGS(t, L4ABI_EXREGS_ABORT_RECV);
    ok(alive() && !started[0], "aborting its wait: it waits again, the machine still runs");

    L4_Set_PagerOf(t, me);
    ok(send_start(t, 0), "after ExchangeRegisters gives it a real pager, its start message goes through");
    L4_Sleep(L4_TimePeriod(1000));
    is(started[0], 1, "... and the thread runs from the start message");
    delete_thread(t);
}

static void test_pager_deleted(void)
{
    /* The pager is deleted while the new thread waits for it. */
    L4_ThreadId_t p = tid(1), t = tid(2);
    ok(L4_ThreadControl(p, me, me, L4_nilthread, utcb(2)) == 1 &&
       L4_ThreadControl(t, me, me, p, utcb(3)) == 1,
       "pager thread and a thread waiting for its start message created");
    L4_Start_SpIp(p, stack_top(1), (L4_Word_t)sleep_forever);
    L4_Sleep(L4_TimePeriod(1000));
    delete_thread(p);
    ok(alive(), "pager deleted while the thread waits: the machine still runs");
    ok(L4_ThreadControl(t, me, L4_nilthread, me, (void *)~0ul) == 1,
       "ThreadControl gives it a new pager");
    ok(send_start(t, 2), "the new pager's start message goes through");
    L4_Sleep(L4_TimePeriod(1000));
    is(started[2], 1, "... and the thread runs");
    delete_thread(t);

    /* The pager is deleted before the new thread ever ran. */
    p = tid(3);
    t = tid(4);
    ok(L4_ThreadControl(p, me, me, L4_nilthread, utcb(4)) == 1 &&
       L4_ThreadControl(t, me, me, p, utcb(5)) == 1,
       "second pager and waiting thread created");
    delete_thread(p);
    ok(alive(), "pager deleted before the thread first ran: the machine still runs");
    L4_Start_SpIp(t, stack_top(3), (L4_Word_t)started_main);
    L4_Sleep(L4_TimePeriod(1000));
    is(started[4], 1, "L4_Start starts a thread that waits for a missing pager");
    delete_thread(t);
}

/* ---- an unprivileged space sets a bad pager on its new sibling ---------- */

#define CHILD_UTCB  0xb0000000u
static volatile L4_ThreadId_t sibling;
static volatile L4_Word_t child_exregs_result;

static void bad_pager_child(void)
{
    L4_ThreadId_t r = __L4_ExregsState(sibling, L4ABI_EXREGS_SET_PAGER, 0, 0, 0, 0,
                                       L4_GlobalId(6000, 1), 0, 0, 0, 0, 0, 0);
    child_exregs_result = r.raw;
    L4_LoadMR(0, L4ABI_TAG(0x61, 0, 0));
    L4_Call(me);
    sleep_forever();
}

static void sibling_main(void)
{
    L4_LoadMR(0, L4ABI_TAG(0x62, 0, 0));
    L4_Call(me);
    sleep_forever();
}

static void test_unprivileged_bad_pager(void)
{
    L4_ThreadId_t c = tid(10), s = tid(11);
    ok(pager_start_child(c, me, bad_pager_child, stack_top(4), KIP_AREA, CHILD_UTCB) &&
       L4_ThreadControl(s, c, me, me, (void *)(CHILD_UTCB + L4ABI_UTCB_SIZE)) == 1,
       "child space and a sibling waiting for its start message created");
    sibling = s;
    ok(L4_Set_Priority(s, 50) != 0, "sibling runs only after the child");
    L4_MsgTag_t tag = pager_receive(c);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x61 && child_exregs_result != 0,
       "unprivileged child set its sibling's pager to a bad ID with ExchangeRegisters");
    ok(alive(), "the sibling's start-up with the bad pager blocks: the machine still runs");
    ok(L4_ThreadControl(s, c, L4_nilthread, me, (void *)~0ul) == 1,
       "the root task gives the sibling a good pager again");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)sibling_main);
    L4_LoadMR(2, stack_top(5));
    ok(L4_IpcSucceeded(L4_Send(s)), "start message to the sibling");
    tag = pager_receive(s);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == 0x62, "the sibling runs");
    delete_thread(s);
    delete_thread(c);
}

/* ---- issue 14 #7: a reused thread slot shows nothing of its past -------- */

static void test_stale_registers(void)
{
    L4_ThreadId_t t = tid(20);
    ok(L4_ThreadControl(t, me, me, L4_nilthread, utcb(6)) == 1, "thread created inactive");
    L4_Start_SpIpFlags(t, stack_top(6), (L4_Word_t)started_main, 0x8c5);
    L4_Sleep(L4_TimePeriod(1000));
    L4_Word_t sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_Word_t st;
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread, &st, &sp, &ip, &fl,
                     &h, &pg);
    ok(started[20] == 1 && sp != 0 && ip != 0,
       "it ran (sp %lx ip %lx flags %lx)", sp, ip, fl);
    L4_Set_UserDefinedHandleOf(t, 0x5afe);
    delete_thread(t);

    ok(L4_ThreadControl(t, me, me, L4_nilthread, utcb(6)) == 1,
       "same thread number created again, inactive");
    __L4_ExregsState(t, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0, L4_nilthread, &st, &sp, &ip, &fl,
                     &h, &pg);
    ok(sp == 0 && ip == 0, "a re-created thread reads sp 0, ip 0 (got sp %lx ip %lx)", sp, ip);
    ok((fl & ~0x180000ul) == 0x202,
       "... and the default flags 0x202 (IF), not its predecessor's (got %lx)", fl);
    ok(h == 0 && pg.raw == 0, "... user handle 0, pager nil (got %lx, %lx)", h, pg.raw);
    ok(!(st & (L4ABI_EXREGS_STATE_RECVING | L4ABI_EXREGS_STATE_SENDING)),
       "... and no IPC state (got %lx)", st);

    started[20] = 0;
    L4_Start_SpIp(t, stack_top(6), (L4_Word_t)started_main);
    L4_Sleep(L4_TimePeriod(1000));
    is(started[20], 1, "the re-created thread starts and runs");
    delete_thread(t);
}

/* ---- issue 14 #11/#15: UTCB-area changes -------------------------------- */

#define U1 0x30000000ul
#define U2 0x30001000ul

static volatile L4_Word_t probe_value;

static void probe_main(void)
{
    probe_value = *(volatile L4_Word_t *)U1;
    L4_LoadMR(0, L4ABI_TAG(0x63, 0, 0));
    L4_Call(me);
    sleep_forever();
}

static int set_utcb_area(L4_ThreadId_t space, L4_Word_t base)
{
    L4_Word_t old;
    return (int)L4_SpaceControl(space, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(base, 12),
                                L4_nilthread, &old);
}

static void test_utcb_area_moves(void)
{
    /* A space with an anchor thread that has no UTCB. */
    L4_ThreadId_t a = tid(30), b = tid(31), p = tid(32);
    ok(L4_ThreadControl(a, a, me, L4_nilthread, (void *)~0ul) == 1 && set_utcb_area(a, U1),
       "space with a UTCB-less thread and a one-page UTCB area");
    ok(L4_ThreadControl(b, a, me, L4_nilthread, (void *)U1) == 1, "thread with a UTCB there");
    ok(!set_utcb_area(a, U2) && L4_ErrorCode() == L4ABI_ERR_UTCB_AREA,
       "moving the UTCB area while a thread has its UTCB there is refused (error 6)");
    delete_thread(b);

    /* Warm up (page table for the region), then count. */
    ok(set_utcb_area(a, U2) && L4_ThreadControl(b, a, me, L4_nilthread, (void *)U2) == 1,
       "with no thread left there, the area moves");
    delete_thread(b);
    ok(set_utcb_area(a, U1) && L4_ThreadControl(b, a, me, L4_nilthread, (void *)U1) == 1,
       "and back");
    delete_thread(b);
    L4_Word_t frames = L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES);
    L4_Word_t kmem = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    int good = 1;
    for (int i = 0; i < 16 && good; i++) {
        L4_Word_t u = U2 + (L4_Word_t)i * 0x1000;   /* a new place each time */
        good = set_utcb_area(a, u) &&
               L4_ThreadControl(b, a, me, L4_nilthread, (void *)u) == 1;
        delete_thread(b);
    }
    ok(good, "16 cycles of UTCB-area move, thread with a UTCB there, deletion");
    is(L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES), frames,
       "UTCB-area moves leak no frame");
    is(L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES), kmem, "... and no kernel memory");

    /* Move the area from U1 to U2 and look at U1 from inside. */
    ok(set_utcb_area(a, U1) && L4_ThreadControl(b, a, me, L4_nilthread, (void *)U1) == 1,
       "area back at U1, a thread there");
    delete_thread(b);
    ok(set_utcb_area(a, U2) && L4_ThreadControl(p, a, me, me, (void *)U2) == 1,
       "area moved to U2, a probe thread there");
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)probe_main);
    L4_LoadMR(2, stack_top(7));
    L4_Send(p);
    int faulted = 0;
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(p, L4_TimePeriod(100000));
        if (L4_IpcFailed(tag))
            break;
        L4_Word_t addr;
        L4_StoreMR(1, &addr);
        if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT &&
            (addr & ~0xffful) == U1) {
            faulted = 1;            /* no reply: the probe is deleted below */
            break;
        }
        if (!pager_answer_fault(tag))
            break;                  /* the probe read U1 and reported */
        L4_Reply(p);
    }
    ok(faulted, "the old UTCB page is no longer mapped at its old address");
    delete_thread(p);
    delete_thread(a);
}

/* ---- issue 9 deviation 1: UtcbLocation before the UTCB area ------------ */

static int set_child_areas(L4_ThreadId_t space)
{
    L4_Word_t old;
    return (int)L4_SpaceControl(space, 0, L4_FpageLog2(KIP_AREA, 12),
                                L4_FpageLog2(CHILD_UTCB, 20), L4_nilthread, &old);
}

static int start_and_hear(L4_ThreadId_t t, int stack)
{
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)sibling_main);
    L4_LoadMR(2, stack_top(stack));
    if (L4_IpcFailed(L4_Send(t)))
        return 0;
    L4_MsgTag_t tag = pager_receive(t);
    return L4_IpcSucceeded(tag) && L4_Label(tag) == 0x62;
}

static void test_deferred_utcb_location(void)
{
    L4_ThreadId_t c = tid(40), d = tid(41);
    ok(L4_ThreadControl(c, c, me, L4_nilthread, (void *)(CHILD_UTCB + 0x200)) == 1,
       "new space: a UtcbLocation is accepted before the space has a UTCB area");
    ok(L4_ThreadControl(d, d, me, me, (void *)(CHILD_UTCB + 0x200)) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_UTCB_AREA,
       "... but not together with a pager (activation needs the area)");
    ok(set_child_areas(c), "SpaceControl sets the area afterwards");
    ok(L4_ThreadControl(c, c, L4_nilthread, me, (void *)~0ul) == 1,
       "activation (a pager) sets up the stored location");
    ok(start_and_hear(c, 4), "the thread starts with its UTCB there");
    delete_thread(c);

    ok(L4_ThreadControl(d, d, me, L4_nilthread, (void *)0x50000000) == 1 && set_child_areas(d),
       "new space with a stored location outside its later UTCB area");
    ok(L4_ThreadControl(d, d, L4_nilthread, me, (void *)~0ul) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_UTCB_AREA,
       "activation checks the stored location: refused (error 6)");
    ok(L4_ThreadControl(d, d, L4_nilthread, me, (void *)CHILD_UTCB) == 1,
       "activation with a good location then succeeds");
    ok(start_and_hear(d, 5), "and the thread runs");
    delete_thread(d);
}

int main(void)
{
    me = L4_Myself();
    tap_plan(49);
    test_absent_pager_at_creation();
    test_pager_deleted();
    test_unprivileged_bad_pager();
    test_stale_registers();
    test_utcb_area_moves();
    test_deferred_utcb_location();
    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
