/* I/O port derivation (X.2 I/O fpages), the mapping database of ports.
 *
 * Ports are derived like memory: for each port, the spaces that hold it
 * form a tree under sigma0, who owns every unreserved port without a node.
 * A node is a run of ports [first, last] held by one space with the same
 * parent node; so the tree of one port is the chain of nodes containing
 * it. Map makes a child of the sender's node (a root if the sender is
 * sigma0); grant moves the sender's node to the receiver (same parent,
 * same children); unmap removes the ports from everything derived from
 * the caller's nodes, and from the caller's own with flush; deleting a
 * space removes its nodes with everything derived from them.
 *
 * Per port p, what map/grant from A to B (A != B, A holds p) does:
 *  - B holds p by A's node or one of its ancestors: nothing;
 *  - map, B's node for p is a child of A's: nothing (already derived);
 *  - else B's node loses p, with its subtree; then map gives B a new
 *    child of A's node, grant moves A's node (for p) to B.
 * tests/host/test_iomdb.c checks this per port against a naive model.
 *
 * Invariants: a node lies inside its parent; one space's nodes do not
 * overlap and are listed by port; the space's I/O bitmap allows exactly
 * the ports of its nodes. So a space holds at most one node per port:
 * nodes cost 32 bytes (ia32) per run of ports held, at most 65536 per
 * space.
 *
 * Splitting a node at a port splits its descendants that straddle that
 * port too (one node each); if a descendant cannot be split for want of
 * memory, it is removed with its subtree (never more rights, possibly
 * fewer); if the node itself cannot be split, the operation stops.
 * Walks are iterative. No locking: one CPU, interrupts off. */
#ifndef PECAN_IOMDB_H
#define PECAN_IOMDB_H

#include "types.h"

struct space;

struct ionode {
    struct space *space;
    struct ionode *parent;          /* NULL: derived from sigma0 */
    struct ionode *child;           /* first child */
    struct ionode *next, *prev;     /* siblings */
    struct ionode *snext, *sprev;   /* the space's nodes, by port */
    uint16_t first, last;           /* ports [first, last] */
};

/* Per-space record, inside struct space. */
struct iomdb_list {
    struct ionode *head;            /* lowest ports first */
    uint32_t runs;                  /* nodes held */
};

/* ---- Provided by the kernel (host tests provide fakes) ---------------- */
struct iomdb_list *iomdb_slot(struct space *s);
/* Allows or denies [first, end) in s's bitmap (it exists: the caller of
 * iomdb_map made sure the receiver has one). */
void iomdb_bits(struct space *s, uint32_t first, uint32_t end, bool allow);

/* ---- Interface --------------------------------------------------------- */
/* `from`/`s` NULL means sigma0. Ranges are [first, end), end <= 65536.
 * `limit` bounds the work of one call, in units: one per node visited,
 * created, moved or removed, plus one per 1024 ports of bitmap update
 * (0 = no limit). A call stops at the first node it creates, moves or
 * removes after the budget ran out, with everything consistent: unmap and
 * destroy then return false and map IOMDB_EBUDGET, having done part of
 * the job; calling again goes on from there (what is done stays done),
 * and each call gets further. */
#define IOMDB_OK      0
#define IOMDB_ENOMEM  (-2)
#define IOMDB_EBUDGET (-3)
int iomdb_map(struct space *from, struct space *to, uint32_t first,
              uint32_t end, bool grant, uint32_t limit);
bool iomdb_unmap(struct space *s, uint32_t first, uint32_t end, bool flush,
                 uint32_t limit);
bool iomdb_space_destroy(struct space *s, uint32_t limit);
/* Does s (not sigma0) hold any port of [first, end)? */
bool iomdb_holds_any(struct space *s, uint32_t first, uint32_t end);
/* The node of s holding port p, or NULL. */
struct ionode *iomdb_lookup(struct space *s, uint32_t p);
/* Nodes derived from sigma0 (the children of its implicit root). */
struct ionode *iomdb_roots(void);

#endif
