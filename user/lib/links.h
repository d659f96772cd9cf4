/* A child space whose KIP lies elsewhere than ours but which runs our
 * code on our pages (1:1): libl4 keeps the system-call links (absolute
 * addresses in our KIP) in a table in our data, so the page holding that
 * table is the one page such a child gets as a private copy, its links
 * moved to the child's KIP area. */
#ifndef LIBL4_LINKS_H
#define LIBL4_LINKS_H

#include <l4/types.h>
#include <l4/ipc.h>

/* Fills copy (a page-aligned page of ours) with the page that holds the
 * link table as it is now, links moved to kip_area. Returns that page's
 * address in our space (where the child faults on it), 0 if the table
 * does not lie within one page. */
L4_Word_t links_make_copy(char *copy, L4_Word_t kip_area);

/* If tag is a page fault on links_page, loads the reply mapping copy
 * there and returns 1; else 0 (nothing loaded). */
int links_answer_fault(L4_MsgTag_t tag, const char *copy, L4_Word_t links_page);

#endif
