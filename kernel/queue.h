/* Intrusive queues used by the scheduler, kept free of kernel state so
 * the host tests can drive them:
 *  - prioq: 256 circular FIFO lists with a two-level bitmap of non-empty
 *    priorities; insert, remove and "highest" are O(1).
 *  - timeq: a list sorted by deadline; insert is O(n), the earliest entry
 *    is at the head, so a timer tick costs O(1 + expired). */
#ifndef PECAN_QUEUE_H
#define PECAN_QUEUE_H

#include "types.h"

struct qlink {
    struct qlink *next, *prev;
};

#define PRIOQ_LEVELS 256

struct prioq {
    struct qlink *head[PRIOQ_LEVELS];
    uint32_t bitmap[PRIOQ_LEVELS / 32];     /* level non-empty */
    uint32_t summary;                       /* bitmap word non-zero */
};

void prioq_insert_tail(struct prioq *q, struct qlink *l, unsigned prio);
void prioq_remove(struct prioq *q, struct qlink *l, unsigned prio);
/* The head of the highest non-empty level, or NULL. Inline: the
 * scheduler asks on every block. A summary bit is set iff its bitmap word
 * is non-zero (insert and remove keep both), so two bit scans find it. */
static inline struct qlink *prioq_highest(const struct prioq *q, unsigned *prio)
{
    uint32_t summary = q->summary;
    if (!summary)
        return NULL;
    unsigned w = 31 - (unsigned)__builtin_clz(summary);
    unsigned p = w * 32 + 31 - (unsigned)__builtin_clz(q->bitmap[w]);
    if (prio)
        *prio = p;
    return q->head[p];
}
/* The highest non-empty level, treating level `skip` as empty if `alone`
 * (its only entry is about to leave); -1 if there is none. O(1). */
int prioq_top(const struct prioq *q, unsigned skip, bool alone);
/* Moves the head of a level to its tail (round robin). */
void prioq_rotate(struct prioq *q, unsigned prio);

struct timeq_link {
    struct timeq_link *next, *prev;
    uint64_t deadline;
};

struct timeq {
    struct timeq_link *head;
};

void timeq_insert(struct timeq *q, struct timeq_link *l, uint64_t deadline);
void timeq_remove(struct timeq *q, struct timeq_link *l);
/* Removes and returns the earliest entry if its deadline <= now. */
struct timeq_link *timeq_pop_expired(struct timeq *q, uint64_t now);

#define container_of(p, type, member) \
    ((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif
