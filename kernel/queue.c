#include "queue.h"

void prioq_insert_tail(struct prioq *q, struct qlink *l, unsigned prio)
{
    struct qlink *h = q->head[prio];
    if (!h) {
        l->next = l->prev = l;
        q->head[prio] = l;
        q->bitmap[prio / 32] |= 1u << (prio % 32);
        q->summary |= 1u << (prio / 32);
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
        if (!q->bitmap[prio / 32])
            q->summary &= ~(1u << (prio / 32));
    } else {
        l->prev->next = l->next;
        l->next->prev = l->prev;
        if (q->head[prio] == l)
            q->head[prio] = l->next;
    }
    l->next = l->prev = NULL;
}

static int top_bit(uint32_t w)
{
    return 31 - __builtin_clz(w);
}

int prioq_top(const struct prioq *q, unsigned skip, bool alone)
{
    uint32_t summary = q->summary;
    while (summary) {
        int w = top_bit(summary);
        uint32_t bits = q->bitmap[w];
        if (alone && (unsigned)w == skip / 32)
            bits &= ~(1u << (skip % 32));
        if (bits)
            return w * 32 + top_bit(bits);
        summary &= ~(1u << w);
    }
    return -1;
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
