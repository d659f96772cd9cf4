#include "queue.h"

void prioq_insert_tail(struct prioq *q, struct qlink *l, unsigned prio)
{
    struct qlink *h = q->head[prio];
    if (!h) {
        l->next = l->prev = l;
        q->head[prio] = l;
        q->bitmap[prio / 32] |= 1u << (prio % 32);
        return;
    }
    l->prev = h->prev;
    l->next = h;
    h->prev->next = l;
    h->prev = l;
}

void prioq_remove(struct prioq *q, struct qlink *l, unsigned prio)
{
    if (l->next == l) {
        q->head[prio] = NULL;
        q->bitmap[prio / 32] &= ~(1u << (prio % 32));
    } else {
        l->prev->next = l->next;
        l->next->prev = l->prev;
        if (q->head[prio] == l)
            q->head[prio] = l->next;
    }
    l->next = l->prev = NULL;
}

struct qlink *prioq_highest(const struct prioq *q, unsigned *prio)
{
    for (int w = PRIOQ_LEVELS / 32 - 1; w >= 0; w--) {
        if (q->bitmap[w]) {
            unsigned p = (unsigned)w * 32 + 31 - (unsigned)__builtin_clz(q->bitmap[w]);
            if (prio)
                *prio = p;
            return q->head[p];
        }
    }
    return NULL;
}

void prioq_rotate(struct prioq *q, unsigned prio)
{
    if (q->head[prio])
        q->head[prio] = q->head[prio]->next;
}

void timeq_insert(struct timeq *q, struct timeq_link *l, uint64_t deadline)
{
    struct timeq_link **pp = &q->head, *prev = NULL;
    l->deadline = deadline;
    /* Equal deadlines keep their arrival order. */
    while (*pp && (*pp)->deadline <= deadline) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    l->next = *pp;
    l->prev = prev;
    if (*pp)
        (*pp)->prev = l;
    *pp = l;
}

void timeq_remove(struct timeq *q, struct timeq_link *l)
{
    if (l->prev)
        l->prev->next = l->next;
    else
        q->head = l->next;
    if (l->next)
        l->next->prev = l->prev;
    l->next = l->prev = NULL;
}

struct timeq_link *timeq_pop_expired(struct timeq *q, uint64_t now)
{
    struct timeq_link *l = q->head;
    if (!l || l->deadline > now)
        return NULL;
    timeq_remove(q, l);
    return l;
}
