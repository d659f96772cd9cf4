/* I/O port derivation (see iomdb.h). */
#include "iomdb.h"
#include "iobitmap.h"
#include "kmem.h"

static struct ionode *roots;        /* children of sigma0 */
/* The work budget of one call (iomdb.h): units left, and whether the call
 * made progress (removed, created or moved a node) yet. */
static uint32_t budget_left, progress;
static bool budget_on;

static uint32_t nend(const struct ionode *n) { return n->last + 1u; }

static bool overlaps(const struct ionode *n, uint32_t first, uint32_t end)
{
    return n->first < end && nend(n) > first;
}

/* Work of one unit, plus one per 1024 ports of bitmap update. */
static void charge(uint32_t ports)
{
    uint32_t units = 1 + ports / 1024;
    budget_left = budget_left > units ? budget_left - units : 0;
}

/* Stop now? Only once the budget is gone and the call made progress, so
 * that calling again always gets further. */
static bool must_stop(void)
{
    return budget_on && budget_left == 0 && progress;
}

static void made_progress(uint32_t ports)
{
    progress++;
    charge(ports);
}

/* ---- Lists -------------------------------------------------------------- */

static struct ionode **children_of(struct ionode *parent)
{
    return parent ? &parent->child : &roots;
}

static void link_child(struct ionode *parent, struct ionode *c)
{
    struct ionode **head = children_of(parent);
    c->parent = parent;
    c->prev = NULL;
    c->next = *head;
    if (*head)
        (*head)->prev = c;
    *head = c;
}

static void unlink_child(struct ionode *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *children_of(c->parent) = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

/* Inserts n into its space's list, after `after` (NULL: find the place). */
static void link_space(struct ionode *n, struct ionode *after)
{
    struct iomdb_list *l = iomdb_slot(n->space);
    if (!after)
        for (struct ionode *x = l->head; x && x->first < n->first; x = x->snext)
            after = x;
    n->sprev = after;
    n->snext = after ? after->snext : l->head;
    if (n->snext)
        n->snext->sprev = n;
    if (after)
        after->snext = n;
    else
        l->head = n;
    l->runs++;
}

static void unlink_space(struct ionode *n)
{
    struct iomdb_list *l = iomdb_slot(n->space);
    if (n->sprev)
        n->sprev->snext = n->snext;
    else
        l->head = n->snext;
    if (n->snext)
        n->snext->sprev = n->sprev;
    n->snext = n->sprev = NULL;
    l->runs--;
}

/* First node of s that ends after `first` (the list is sorted), and in
 * *before the node before it (the last node if none). One unit of work:
 * the walk is bounded by the runs s holds, at ~4 instructions a node. */
static struct ionode *find_from(struct space *s, uint32_t first,
                                struct ionode **before)
{
    struct ionode *n = iomdb_slot(s)->head, *b = NULL;
    charge(0);
    while (n && nend(n) <= first) {
        b = n;
        n = n->snext;
    }
    if (before)
        *before = b;
    return n;
}

static struct ionode *first_from(struct space *s, uint32_t first)
{
    return find_from(s, first, NULL);
}

/* ---- Nodes -------------------------------------------------------------- */

static struct ionode *node_new(struct space *s, uint32_t first, uint32_t end,
                               struct ionode *parent, struct ionode *after)
{
    struct ionode *n = kmem_alloc(sizeof(*n), KMEM_IOBITMAP);
    if (!n)
        return NULL;
    n->space = s;
    n->first = (uint16_t)first;
    n->last = (uint16_t)(end - 1);
    link_child(parent, n);
    link_space(n, after);
    return n;
}

/* Removes a leaf: its ports leave its space's bitmap. */
static void node_free(struct ionode *n)
{
    iomdb_bits(n->space, n->first, nend(n), false);
    unlink_child(n);
    unlink_space(n);
    kmem_free(n, sizeof(*n), KMEM_IOBITMAP);
}

/* Removes x and everything derived from it, leaves first. Returns false if
 * the budget ran out (maybe before x went; what is left is a consistent
 * tree, and the caller stops and is called again). */
static bool remove_subtree(struct ionode *x)
{
    struct ionode *top = x;
    for (;;) {
        while (x->child)
            x = x->child;
        struct ionode *up = x->parent;
        bool last = x == top;
        uint32_t ports = nend(x) - x->first;
        node_free(x);
        made_progress(ports);
        if (must_stop())
            return false;
        if (last)
            return true;
        x = up;
    }
}

/* x (first < p <= last) keeps [first, p); a new node, right after x in its
 * space's list and a child of hp, takes [p, last] with x's children that
 * lie there. Ports do not change hands: no bitmap update. */
static struct ionode *split_one(struct ionode *x, uint32_t p, struct ionode *hp)
{
    struct ionode *y = kmem_alloc(sizeof(*y), KMEM_IOBITMAP);
    if (!y)
        return NULL;
    y->space = x->space;
    y->first = (uint16_t)p;
    y->last = x->last;
    x->last = (uint16_t)(p - 1);
    link_child(hp, y);
    link_space(y, x);
    for (struct ionode *c = x->child, *nc; c; c = nc) {
        nc = c->next;
        if (c->first >= p) {
            unlink_child(c);
            link_child(y, c);
        }
    }
    return y;
}

/* Splits top (top->first < p <= top->last) at p, and every node derived
 * from it that holds both p - 1 and p. Those lie in distinct spaces (a
 * space holds a port once), so each piece's twin is the next node of its
 * space. Returns false, changing nothing, if top cannot be split; a
 * descendant that cannot be split is removed with its subtree. */
static bool split(struct ionode *top, uint32_t p)
{
    if (!split_one(top, p, top->parent))
        return false;
    struct ionode *c = top;
    for (;;) {
        struct ionode *ch = c->child;
        while (ch && ch->last < p)      /* the rest all start below p */
            ch = ch->next;
        if (ch) {
            if (split_one(ch, p, c->snext))
                c = ch;
            else
                (void)remove_subtree(ch);   /* fewer rights, never more */
            continue;
        }
        if (c == top)
            return true;
        c = c->parent;
    }
}

/* Takes [first, end) (overlapping x) from x and from everything derived
 * from it. Returns false if the budget ran out (call again). */
static bool cut(struct ionode *x, uint32_t first, uint32_t end)
{
    /* Without memory for a split, all of x goes: fewer rights, never more. */
    if (x->first < first && split(x, first))
        x = x->snext;
    if (x->first >= first && nend(x) > end)
        (void)split(x, end);
    return remove_subtree(x);
}

/* ---- Queries ------------------------------------------------------------ */

struct ionode *iomdb_lookup(struct space *s, uint32_t p)
{
    struct ionode *n = first_from(s, p);
    return n && n->first <= p ? n : NULL;
}

bool iomdb_holds_any(struct space *s, uint32_t first, uint32_t end)
{
    struct ionode *n = first_from(s, first);
    return n && n->first < end;
}

struct ionode *iomdb_roots(void)
{
    return roots;
}

/* ---- Map and grant ------------------------------------------------------ */

/* Does `to` hold a (its ports) by a or by an ancestor of a? */
static bool held_above(const struct ionode *a, const struct space *to)
{
    for (; a; a = a->parent)
        if (a->space == to)
            return true;
    return false;
}

/* Gives `to` new children of a (NULL: sigma0) for the ports of [first, end)
 * it does not hold; what it holds there is a's children already. Extends
 * an adjacent child of a instead of adding a node where it can. */
static int fill(struct ionode *a, struct space *to, uint32_t first, uint32_t end)
{
    struct ionode *prev, *n = find_from(to, first, &prev);
    uint32_t p = first;
    while (p < end) {
        while (n && nend(n) <= p) {
            charge(0);
            prev = n;
            n = n->snext;
        }
        if (n && n->first <= p) {           /* held: skip it */
            p = nend(n);
            continue;
        }
        uint32_t gend = n && n->first < end ? n->first : end;
        if (prev && nend(prev) == p && prev->parent == a) {
            prev->last = (uint16_t)(gend - 1);
        } else if (n && n->first == gend && n->parent == a) {
            n->first = (uint16_t)p;
        } else {
            struct ionode *m = node_new(to, p, gend, a, prev);
            if (!m)
                return IOMDB_ENOMEM;
            prev = m;
        }
        iomdb_bits(to, p, gend, true);
        made_progress(gend - p);
        p = gend;
        if (p < end && must_stop())
            return IOMDB_EBUDGET;
    }
    return IOMDB_OK;
}

/* The part [first, end) of source node a (NULL: sigma0, which holds it) to
 * `to`; for a grant, a is exactly [first, end). */
static int map_piece(struct ionode *a, struct space *to, uint32_t first,
                     uint32_t end, bool grant)
{
    if (held_above(a, to))
        return IOMDB_OK;
    /* Clear what `to` holds from elsewhere. None of it is a or above it,
     * and the cuts touch only ports of [first, end) in its subtrees, which
     * the sender holds by a alone: the sender's list does not change. */
    for (struct ionode *b = first_from(to, first), *nb; b && b->first < end; b = nb) {
        nb = b->snext;
        if (!grant && b->parent == a)
            continue;
        uint32_t f = b->first > first ? b->first : first;
        uint32_t e = nend(b) < end ? nend(b) : end;
        charge(0);
        if (!cut(b, f, e))
            return IOMDB_EBUDGET;
    }
    if (!grant)
        return fill(a, to, first, end);
    struct space *from = a->space;
    iomdb_bits(from, first, end, false);
    unlink_space(a);
    a->space = to;
    link_space(a, NULL);
    iomdb_bits(to, first, end, true);
    made_progress(end - first);
    return IOMDB_OK;
}

static void budget(uint32_t n)
{
    budget_on = n != 0;
    budget_left = n;
    progress = 0;
}

int iomdb_map(struct space *from, struct space *to, uint32_t first,
              uint32_t end, bool grant, uint32_t limit)
{
    int r = IOMDB_OK;
    budget(limit);
    if (from == to || first >= end || end > IO_PORTS)
        return IOMDB_OK;
    if (!from) {                        /* sigma0: every free port */
        uint32_t p = first, e;
        while (r == IOMDB_OK && io_free_run(&p, end, &e)) {
            r = map_piece(NULL, to, p, e, false);
            p = e;
        }
        return r;
    }
    for (struct ionode *a = first_from(from, first), *na; a && a->first < end; a = na) {
        uint32_t f = a->first > first ? a->first : first;
        uint32_t e = nend(a) < end ? nend(a) : end;
        if (grant) {
            /* Isolate [f, e) in a node of its own: it moves. */
            if (a->first < f) {
                if (!split(a, f))
                    return IOMDB_ENOMEM;
                a = a->snext;
            }
            if (nend(a) > e && !split(a, e))
                return IOMDB_ENOMEM;
        }
        na = a->snext;
        r = map_piece(a, to, f, e, grant);
        if (r != IOMDB_OK)
            return r;
        charge(0);
        if (na && na->first < end && must_stop())
            return IOMDB_EBUDGET;
    }
    return r;
}

/* ---- Unmap and deletion ------------------------------------------------- */

/* Takes [first, end) from every node in the list `head` (siblings). */
static bool cut_children(struct ionode **head, uint32_t first, uint32_t end)
{
    for (;;) {
        struct ionode *c = *head;
        while (c && !overlaps(c, first, end)) {
            charge(0);
            c = c->next;
        }
        if (!c)
            return true;
        charge(0);
        uint32_t f = c->first > first ? c->first : first;
        uint32_t e = nend(c) < end ? nend(c) : end;
        if (!cut(c, f, e))
            return false;
    }
}

bool iomdb_unmap(struct space *s, uint32_t first, uint32_t end, bool flush,
                 uint32_t limit)
{
    budget(limit);
    if (end > IO_PORTS)
        end = IO_PORTS;
    if (!s)
        return cut_children(&roots, first, end);
    for (struct ionode *n = first_from(s, first), *nn; n && n->first < end; n = nn) {
        if (!cut_children(&n->child, first, end))
            return false;
        /* The cut below touches only n's subtree, which holds no other
         * node of s: nn stays. */
        nn = n->snext;
        if (flush) {
            uint32_t f = n->first > first ? n->first : first;
            uint32_t e = nend(n) < end ? nend(n) : end;
            if (!cut(n, f, e))
                return false;
        }
    }
    return true;
}

bool iomdb_space_destroy(struct space *s, uint32_t limit)
{
    struct iomdb_list *l = iomdb_slot(s);
    budget(limit);
    while (l->head)
        if (!remove_subtree(l->head))
            return false;
    return true;
}
