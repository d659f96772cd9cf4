/* Dataspace managers (protocol in dataspace.h). Each runs as one thread:
 * call the setup function, then start a thread (pager: sigma0, since the
 * DMs speak the sigma0 protocol for their memory; sigma0 serves only the
 * root task's space, see dm_anon_memory) at the main function.
 * Requests are served one at a time. */
#ifndef SERVERS_DM_H
#define SERVERS_DM_H

#include <l4/types.h>

/* Anonymous memory: zero-filled pages from sigma0 (L4_Sigma0_GetAny),
 * received into a pool of `pool_pages` pages at `pool_base` of the DM's
 * own space. A page is allocated on the first DS_MAP of its offset.
 * Without a mapping database the DM cannot revoke a page from its clients,
 * so pages of a closed dataspace are retired, never handed out again. */
#define DM_ANON_MAX_DS      16u
#define DM_ANON_MAX_PAGES   1024u       /* per dataspace: 4 MiB */
void dm_anon_setup(L4_Word_t pool_base, L4_Word_t pool_pages);
/* Where the anonymous DM gets its frames (sigma0 protocol): nil means
 * sigma0 itself, which serves only the root task's space; a DM in a space
 * of its own names a root-task thread that relays for it. */
extern L4_ThreadId_t dm_anon_memory;
void dm_anon_main(void);

struct dm_anon_stats {
    L4_Word_t pages_allocated;      /* from sigma0, zero-filled */
    L4_Word_t pages_recycled;       /* taken back from clients on close */
    L4_Word_t pages_free;           /* recycled and not reused yet */
    L4_Word_t maps;                 /* DS_MAP requests served */
};
extern volatile struct dm_anon_stats dm_anon_stats;

/* Read-only files over the boot modules listed in the KIP's BootInfo page.
 * The BootInfo page and the module pages come from sigma0 (idempotent:
 * mapped at their physical address). The partial last page of a module is
 * served from a private copy with its tail zeroed, received into one of
 * `tail_pages` pages at `tail_base`, so no client sees bytes past a
 * module's end. */
#define DM_FILE_MAX_MODS    16u
#define DM_FILE_MAX_OPEN    16u
#define DM_FILE_MAX_PAGES   4096u       /* per module: 16 MiB */
void dm_file_setup(L4_Word_t tail_base, L4_Word_t tail_pages);
/* Set by another thread of our space that took the BootInfo page from
 * sigma0 first (sigma0 hands a frame to one thread only): it is mapped. */
extern int dm_file_bootinfo_mapped;
void dm_file_main(void);

struct dm_file_stats {
    L4_Word_t modules;              /* found in the BootInfo page */
    L4_Word_t pages_from_sigma0;    /* module pages obtained */
    L4_Word_t maps;                 /* DS_MAP requests served */
};
extern volatile struct dm_file_stats dm_file_stats;

/* Handles: table index in the low 8 bits, a generation above it. */
#define DM_HANDLE(idx, gen)     ((L4_Word_t)(idx) | ((L4_Word_t)(gen) << 8))
#define DM_HANDLE_IDX(h)        ((h) & 0xffu)
#define DM_HANDLE_GEN(h)        ((h) >> 8)

#endif

/* ---- Shared by the DM implementations (dm_serve.c) ---- */

/* A request handler: label, untyped words w[0..u-1] (MR1..); it loads the
 * reply's message registers (tag included) itself. */
typedef void (*dm_handler_t)(L4_Word_t label, L4_Word_t u, const L4_Word_t *w);

/* Receives requests forever, handing each to h and replying with a zero
 * send timeout. Only untyped requests are accepted. */
void dm_serve(dm_handler_t h) __attribute__((noreturn));

/* Reply builders. */
void dm_load_error(L4_Word_t code);
void dm_load_words(int n, L4_Word_t w0, L4_Word_t w1, L4_Word_t w2);
/* One map item: the 4 KiB page at `page` of the DM's space, with `rights`;
 * MR1 = rights. */
void dm_load_map(L4_Word_t page, L4_Word_t rights, L4_Word_t snd_base);

/* Asks `s0` (nil: sigma0) for the 4 KiB frame `phys` (or any frame, phys =
 * ~0) into the page at `dest` (or, for dest = ~0, into the whole space,
 * i.e. at phys). Returns nonzero on success. The acceptor is closed again
 * afterwards. */
int dm_sigma0_page(L4_ThreadId_t s0, L4_Word_t phys, L4_Word_t dest);
