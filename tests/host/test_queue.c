/* Tests for kernel/queue.c: the 256-level priority queue (FIFO levels,
 * bitmap, rotate) and the deadline-sorted timeout queue, each also driven
 * by a long random sequence checked against a simple model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* ---- prioq ----------------------------------------------------------- */

struct item {
    int id;
    struct qlink rq;
};

#define NITEMS 64

static struct prioq pq;
static struct item items[NITEMS];

static int setup_prioq(void **state)
{
    (void)state;
    memset(&pq, 0, sizeof(pq));
    memset(items, 0, sizeof(items));
    for (int i = 0; i < NITEMS; i++)
        items[i].id = i;
    return 0;
}

static int id_of(struct qlink *l)
{
    return container_of(l, struct item, rq)->id;
}

static bool bit_set(unsigned prio)
{
    return (pq.bitmap[prio / 32] >> (prio % 32)) & 1;
}

/* Level `prio` holds exactly ids[0..n) in this order, as a consistent
 * circular list, and its bitmap bit says whether it is non-empty. */
static void check_level(unsigned prio, const int *ids, int n)
{
    struct qlink *h = pq.head[prio];
    if (n == 0) {
        assert_null(h);
        assert_false(bit_set(prio));
        return;
    }
    assert_non_null(h);
    assert_true(bit_set(prio));
    struct qlink *l = h;
    for (int i = 0; i < n; i++) {
        assert_non_null(l);
        if (id_of(l) != ids[i])
            fail_msg("level %u position %d: id %d, want %d", prio, i, id_of(l), ids[i]);
        assert_ptr_equal(l->next->prev, l);
        assert_ptr_equal(l->prev->next, l);
        l = l->next;
    }
    assert_ptr_equal(l, h);                     /* exactly n, circular */
    assert_int_equal(id_of(h->prev), ids[n - 1]);
}

static void check_empty_level(unsigned prio)
{
    check_level(prio, NULL, 0);
}

static void check_highest(unsigned want_prio, int want_id)
{
    unsigned p = 12345;
    struct qlink *l = prioq_highest(&pq, &p);
    assert_non_null(l);
    assert_int_equal(p, want_prio);
    assert_int_equal(id_of(l), want_id);
    assert_ptr_equal(prioq_highest(&pq, NULL), l);   /* prio is optional */
}

static void ins(int id, unsigned prio)
{
    prioq_insert_tail(&pq, &items[id].rq, prio);
}

static void rem(int id, unsigned prio)
{
    prioq_remove(&pq, &items[id].rq, prio);
    assert_null(items[id].rq.next);
    assert_null(items[id].rq.prev);
}

static void test_prioq_empty(void **state)
{
    (void)state;
    unsigned p = 777;
    assert_null(prioq_highest(&pq, &p));
    assert_null(prioq_highest(&pq, NULL));
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++)
        check_empty_level(i);
    prioq_rotate(&pq, 7);                       /* empty level: no-op */
    check_empty_level(7);
    assert_null(prioq_highest(&pq, NULL));
}

static void test_prioq_fifo(void **state)
{
    (void)state;
    ins(0, 5);
    check_level(5, (int[]){ 0 }, 1);
    check_highest(5, 0);
    ins(1, 5);
    ins(2, 5);
    ins(3, 5);
    check_level(5, (int[]){ 0, 1, 2, 3 }, 4);
    check_highest(5, 0);
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++)
        if (i != 5)
            check_empty_level(i);
    /* draining the head gives FIFO order */
    for (int id = 0; id < 4; id++) {
        check_highest(5, id);
        rem(id, 5);
    }
    check_empty_level(5);
    assert_null(prioq_highest(&pq, NULL));
    /* an element can be inserted again after removal */
    ins(2, 5);
    ins(0, 5);
    check_level(5, (int[]){ 2, 0 }, 2);
}

static void test_prioq_highest_level(void **state)
{
    (void)state;
    ins(0, 3);
    check_highest(3, 0);
    ins(1, 200);
    check_highest(200, 1);
    ins(2, 100);
    check_highest(200, 1);
    ins(3, 0);
    ins(4, 31);
    ins(5, 32);
    ins(6, 63);
    ins(7, 64);
    check_highest(200, 1);
    ins(8, 255);
    check_highest(255, 8);
    ins(9, 200);
    rem(8, 255);
    check_highest(200, 1);
    rem(1, 200);
    check_highest(200, 9);
    rem(9, 200);
    check_highest(100, 2);
    rem(2, 100);
    check_highest(64, 7);
    rem(7, 64);
    check_highest(63, 6);
    rem(6, 63);
    check_highest(32, 5);
    rem(5, 32);
    check_highest(31, 4);
    rem(4, 31);
    check_highest(3, 0);
    rem(0, 3);
    check_highest(0, 3);
    rem(3, 0);
    assert_null(prioq_highest(&pq, NULL));
    for (unsigned i = 0; i < PRIOQ_LEVELS / 32; i++)
        assert_int_equal(pq.bitmap[i], 0);
}

static void test_prioq_remove_positions(void **state)
{
    (void)state;
    /* only element */
    ins(0, 9);
    rem(0, 9);
    check_empty_level(9);

    for (int i = 0; i < 5; i++)
        ins(i, 9);
    ins(10, 8);                                 /* a neighbour level */
    /* middle */
    rem(2, 9);
    check_level(9, (int[]){ 0, 1, 3, 4 }, 4);
    /* head: the next one becomes head */
    rem(0, 9);
    check_level(9, (int[]){ 1, 3, 4 }, 3);
    check_highest(9, 1);
    /* tail */
    rem(4, 9);
    check_level(9, (int[]){ 1, 3 }, 2);
    ins(5, 9);                                  /* still appends at the tail */
    check_level(9, (int[]){ 1, 3, 5 }, 3);
    rem(3, 9);
    rem(1, 9);
    check_level(9, (int[]){ 5 }, 1);
    check_highest(9, 5);
    rem(5, 9);
    check_empty_level(9);
    check_level(8, (int[]){ 10 }, 1);
    check_highest(8, 10);
}

static void test_prioq_rotate(void **state)
{
    (void)state;
    ins(0, 42);
    prioq_rotate(&pq, 42);                      /* single element */
    check_level(42, (int[]){ 0 }, 1);
    ins(1, 42);
    ins(2, 42);
    prioq_rotate(&pq, 42);
    check_level(42, (int[]){ 1, 2, 0 }, 3);
    check_highest(42, 1);
    prioq_rotate(&pq, 42);
    check_level(42, (int[]){ 2, 0, 1 }, 3);
    /* new elements go behind the rotated head's predecessor (the tail) */
    ins(3, 42);
    check_level(42, (int[]){ 2, 0, 1, 3 }, 4);
    prioq_rotate(&pq, 42);
    prioq_rotate(&pq, 42);
    prioq_rotate(&pq, 42);
    prioq_rotate(&pq, 42);
    check_level(42, (int[]){ 2, 0, 1, 3 }, 4);  /* full cycle */
    /* removing the head after a rotation */
    prioq_rotate(&pq, 42);
    rem(0, 42);
    check_level(42, (int[]){ 1, 3, 2 }, 3);
    /* rotating another, empty level changes nothing here */
    prioq_rotate(&pq, 41);
    check_empty_level(41);
    check_level(42, (int[]){ 1, 3, 2 }, 3);
}

static void test_prioq_all_levels(void **state)
{
    (void)state;
    static struct item lv[PRIOQ_LEVELS];
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++) {
        lv[i].id = (int)i;
        prioq_insert_tail(&pq, &lv[i].rq, i);
    }
    for (unsigned i = 0; i < PRIOQ_LEVELS / 32; i++)
        assert_int_equal(pq.bitmap[i], 0xffffffffu);
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++)
        check_level(i, (int[]){ (int)i }, 1);
    /* from the top down, highest follows */
    for (int i = PRIOQ_LEVELS - 1; i >= 0; i--) {
        check_highest((unsigned)i, i);
        prioq_remove(&pq, &lv[i].rq, (unsigned)i);
        assert_false(bit_set((unsigned)i));
    }
    assert_null(prioq_highest(&pq, NULL));
    /* each level alone */
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++) {
        prioq_insert_tail(&pq, &lv[i].rq, i);
        check_highest(i, (int)i);
        for (unsigned w = 0; w < PRIOQ_LEVELS / 32; w++)
            assert_int_equal(pq.bitmap[w], w == i / 32 ? 1u << (i % 32) : 0);
        prioq_remove(&pq, &lv[i].rq, i);
        assert_null(prioq_highest(&pq, NULL));
    }
    /* bottom up, removing from the bottom: highest stays at the top */
    for (unsigned i = 0; i < PRIOQ_LEVELS; i++)
        prioq_insert_tail(&pq, &lv[i].rq, i);
    for (unsigned i = 0; i < PRIOQ_LEVELS - 1; i++) {
        prioq_remove(&pq, &lv[i].rq, i);
        check_highest(PRIOQ_LEVELS - 1, PRIOQ_LEVELS - 1);
    }
}

/* Model: per level, the ids in queue order. */
static int mlev[PRIOQ_LEVELS][NITEMS];
static int mlen[PRIOQ_LEVELS];
static int mprio[NITEMS];                       /* -1: not queued */

static void check_model(void)
{
    int top = -1;
    for (int p = 0; p < PRIOQ_LEVELS; p++) {
        check_level((unsigned)p, mlev[p], mlen[p]);
        if (mlen[p])
            top = p;
    }
    if (top < 0)
        assert_null(prioq_highest(&pq, NULL));
    else
        check_highest((unsigned)top, mlev[top][0]);
}

static void test_prioq_random(void **state)
{
    (void)state;
    /* a few hot levels get long lists; any level can be used */
    static const unsigned hot[] = { 0, 1, 31, 32, 100, 254, 255 };
    memset(mlen, 0, sizeof(mlen));
    for (int i = 0; i < NITEMS; i++)
        mprio[i] = -1;

    for (int step = 0; step < 200000; step++) {
        uint32_t r = rnd();
        int id = (int)((r >> 8) % NITEMS);
        switch (r % 8) {
        case 0: case 1: case 2: {               /* insert */
            if (mprio[id] >= 0)
                break;
            unsigned p = (r >> 16) % 4 ? hot[(r >> 20) % 7] : (r >> 20) % PRIOQ_LEVELS;
            ins(id, p);
            mprio[id] = (int)p;
            mlev[p][mlen[p]++] = id;
            break;
        }
        case 3: case 4: {                       /* remove anywhere */
            if (mprio[id] < 0)
                break;
            int p = mprio[id];
            rem(id, (unsigned)p);
            int k = 0;
            while (mlev[p][k] != id)
                k++;
            memmove(&mlev[p][k], &mlev[p][k + 1], (size_t)(mlen[p] - k - 1) * sizeof(int));
            mlen[p]--;
            mprio[id] = -1;
            break;
        }
        case 5: {                               /* remove the highest */
            unsigned p;
            struct qlink *l = prioq_highest(&pq, &p);
            if (!l)
                break;
            int hid = id_of(l);
            assert_int_equal(mprio[hid], (int)p);
            assert_int_equal(mlev[p][0], hid);
            rem(hid, p);
            memmove(&mlev[p][0], &mlev[p][1], (size_t)(mlen[p] - 1) * sizeof(int));
            mlen[p]--;
            mprio[hid] = -1;
            break;
        }
        default: {                              /* rotate */
            unsigned p = (r >> 16) % 2 ? hot[(r >> 20) % 7] : (r >> 20) % PRIOQ_LEVELS;
            if ((r >> 28) % 2 && mprio[id] >= 0)
                p = (unsigned)mprio[id];
            prioq_rotate(&pq, p);
            if (mlen[p] > 1) {
                int h = mlev[p][0];
                memmove(&mlev[p][0], &mlev[p][1], (size_t)(mlen[p] - 1) * sizeof(int));
                mlev[p][mlen[p] - 1] = h;
            }
            break;
        }
        }
        check_model();
    }
}

/* ---- timeq ----------------------------------------------------------- */

struct titem {
    int id;
    struct timeq_link wq;
};

static struct timeq tq;
static struct titem titems[NITEMS];

static int setup_timeq(void **state)
{
    (void)state;
    memset(&tq, 0, sizeof(tq));
    memset(titems, 0, sizeof(titems));
    for (int i = 0; i < NITEMS; i++)
        titems[i].id = i;
    return 0;
}

static int tid_of(struct timeq_link *l)
{
    return container_of(l, struct titem, wq)->id;
}

/* The queue holds exactly ids[0..n) in this order, with consistent links,
 * and its deadlines are non-decreasing. */
static void check_tq(const int *ids, int n)
{
    struct timeq_link *l = tq.head, *prev = NULL;
    for (int i = 0; i < n; i++) {
        assert_non_null(l);
        if (tid_of(l) != ids[i])
            fail_msg("timeq position %d: id %d, want %d", i, tid_of(l), ids[i]);
        assert_ptr_equal(l->prev, prev);
        if (prev)
            assert_true(prev->deadline <= l->deadline);
        prev = l;
        l = l->next;
    }
    assert_null(l);
}

static void tins(int id, uint64_t deadline)
{
    timeq_insert(&tq, &titems[id].wq, deadline);
    assert_true(titems[id].wq.deadline == deadline);
}

static void trem(int id)
{
    timeq_remove(&tq, &titems[id].wq);
    assert_null(titems[id].wq.next);
    assert_null(titems[id].wq.prev);
}

static void test_timeq_empty(void **state)
{
    (void)state;
    assert_null(timeq_pop_expired(&tq, 0));
    assert_null(timeq_pop_expired(&tq, UINT64_MAX));
    check_tq(NULL, 0);
}

static void test_timeq_sorted(void **state)
{
    (void)state;
    tins(0, 50);
    tins(1, 10);
    tins(2, 30);
    tins(3, 20);
    tins(4, 40);
    tins(5, 60);
    tins(6, 5);
    check_tq((int[]){ 6, 1, 3, 2, 4, 0, 5 }, 7);
    tins(7, 0);
    tins(8, UINT64_MAX);
    tins(9, UINT64_MAX - 1);
    check_tq((int[]){ 7, 6, 1, 3, 2, 4, 0, 5, 9, 8 }, 10);
}

static void test_timeq_equal_deadlines(void **state)
{
    (void)state;
    tins(0, 10);
    tins(1, 10);
    tins(2, 5);
    tins(3, 10);
    tins(4, 20);
    tins(5, 10);
    tins(6, 5);
    check_tq((int[]){ 2, 6, 0, 1, 3, 5, 4 }, 7);
    /* removed and inserted again: behind the others of its deadline */
    trem(0);
    tins(0, 10);
    check_tq((int[]){ 2, 6, 1, 3, 5, 0, 4 }, 7);
    /* popping equal deadlines keeps the order */
    const int want[] = { 2, 6, 1, 3, 5, 0 };
    for (int i = 0; i < 6; i++) {
        struct timeq_link *l = timeq_pop_expired(&tq, 10);
        assert_non_null(l);
        assert_int_equal(tid_of(l), want[i]);
        assert_null(l->next);
        assert_null(l->prev);
    }
    assert_null(timeq_pop_expired(&tq, 10));
    check_tq((int[]){ 4 }, 1);
}

static void test_timeq_remove_positions(void **state)
{
    (void)state;
    tins(0, 1);
    trem(0);                                    /* only */
    check_tq(NULL, 0);
    for (int i = 0; i < 5; i++)
        tins(i, 100 + (uint64_t)i);
    trem(2);                                    /* middle */
    check_tq((int[]){ 0, 1, 3, 4 }, 4);
    trem(0);                                    /* head */
    check_tq((int[]){ 1, 3, 4 }, 3);
    trem(4);                                    /* tail */
    check_tq((int[]){ 1, 3 }, 2);
    tins(5, 102);                               /* between the remaining */
    check_tq((int[]){ 1, 5, 3 }, 3);
    tins(6, 200);                               /* new tail */
    check_tq((int[]){ 1, 5, 3, 6 }, 4);
    trem(6);
    trem(1);
    trem(3);
    check_tq((int[]){ 5 }, 1);
    trem(5);
    check_tq(NULL, 0);
    assert_null(timeq_pop_expired(&tq, UINT64_MAX));
}

static void test_timeq_pop_expired(void **state)
{
    (void)state;
    tins(0, 15);
    tins(1, 5);
    tins(2, 10);
    tins(3, UINT64_MAX);
    assert_null(timeq_pop_expired(&tq, 0));
    assert_null(timeq_pop_expired(&tq, 4));
    check_tq((int[]){ 1, 2, 0, 3 }, 4);
    struct timeq_link *l = timeq_pop_expired(&tq, 10);
    assert_non_null(l);
    assert_int_equal(tid_of(l), 1);             /* deadline 5 < now */
    l = timeq_pop_expired(&tq, 10);
    assert_non_null(l);
    assert_int_equal(tid_of(l), 2);             /* deadline 10 == now */
    assert_null(timeq_pop_expired(&tq, 10));    /* 15 > now */
    assert_null(timeq_pop_expired(&tq, 14));
    check_tq((int[]){ 0, 3 }, 2);
    l = timeq_pop_expired(&tq, UINT64_MAX - 1);
    assert_non_null(l);
    assert_int_equal(tid_of(l), 0);
    assert_null(timeq_pop_expired(&tq, UINT64_MAX - 1));
    l = timeq_pop_expired(&tq, UINT64_MAX);
    assert_non_null(l);
    assert_int_equal(tid_of(l), 3);
    check_tq(NULL, 0);
    /* deadline 0 expires at any time */
    tins(4, 0);
    l = timeq_pop_expired(&tq, 0);
    assert_non_null(l);
    assert_int_equal(tid_of(l), 4);
}

/* Model: ids in queue order with their deadlines. */
static int tm[NITEMS];
static uint64_t tdl[NITEMS];
static int tn;
static bool tqueued[NITEMS];

static void tm_remove_at(int k)
{
    tqueued[tm[k]] = false;
    memmove(&tm[k], &tm[k + 1], (size_t)(tn - k - 1) * sizeof(int));
    tn--;
}

static void test_timeq_random(void **state)
{
    (void)state;
    uint64_t now = 0;
    tn = 0;
    memset(tqueued, 0, sizeof(tqueued));

    for (int step = 0; step < 200000; step++) {
        uint32_t r = rnd();
        int id = (int)((r >> 8) % NITEMS);
        switch (r % 8) {
        case 0: case 1: case 2: case 3: {       /* (re)insert */
            if (tqueued[id]) {                  /* like sched_set_wakeup */
                trem(id);
                int k = 0;
                while (tm[k] != id)
                    k++;
                tm_remove_at(k);
            }
            uint64_t dl = (r >> 16) % 8 == 0 ? (uint64_t)rnd() << 32 | rnd()
                                             : now + (r >> 16) % 64;   /* ties */
            tins(id, dl);
            int k = 0;
            while (k < tn && tdl[tm[k]] <= dl)
                k++;
            memmove(&tm[k + 1], &tm[k], (size_t)(tn - k) * sizeof(int));
            tm[k] = id;
            tdl[id] = dl;
            tqueued[id] = true;
            tn++;
            break;
        }
        case 4: {                               /* remove anywhere */
            if (!tqueued[id])
                break;
            trem(id);
            int k = 0;
            while (tm[k] != id)
                k++;
            tm_remove_at(k);
            break;
        }
        default: {                              /* clock tick */
            now += (r >> 16) % 16;
            if ((r >> 28) == 0)
                now = (uint64_t)rnd() << 32 | rnd();
            struct timeq_link *l;
            while ((l = timeq_pop_expired(&tq, now))) {
                assert_true(tn > 0);
                assert_int_equal(tid_of(l), tm[0]);
                assert_true(tdl[tm[0]] <= now);
                assert_true(l->deadline == tdl[tm[0]]);
                assert_null(l->next);
                assert_null(l->prev);
                tm_remove_at(0);
            }
            /* everything left is in the future */
            assert_true(tn == 0 || tdl[tm[0]] > now);
            break;
        }
        }
        check_tq(tm, tn);
        for (int k = 0; k < tn; k++)
            assert_true(titems[tm[k]].wq.deadline == tdl[tm[k]]);
    }
}

#define P(f) cmocka_unit_test_setup(f, setup_prioq)
#define Q(f) cmocka_unit_test_setup(f, setup_timeq)

int main(void)
{
    const struct CMUnitTest tests[] = {
        P(test_prioq_empty),
        P(test_prioq_fifo),
        P(test_prioq_highest_level),
        P(test_prioq_remove_positions),
        P(test_prioq_rotate),
        P(test_prioq_all_levels),
        P(test_prioq_random),
        Q(test_timeq_empty),
        Q(test_timeq_sorted),
        Q(test_timeq_equal_deadlines),
        Q(test_timeq_remove_positions),
        Q(test_timeq_pop_expired),
        Q(test_timeq_random),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
