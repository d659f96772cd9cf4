/* Anonymous-memory dataspace manager: zero-filled pages from sigma0. */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include "dataspace.h"
#include "dm.h"
#include "libc.h"

struct anon_ds {
    L4_Word_t gen;                  /* odd: open; bumped on create and close */
    L4_Word_t pages;                /* size in pages */
    unsigned short slot[DM_ANON_MAX_PAGES];    /* pool slot + 1, 0 = none yet */
};

static struct anon_ds ds[DM_ANON_MAX_DS];
static L4_Word_t pool_base, pool_pages, pool_used;
/* Pages of closed dataspaces, revoked from every client: a stack of pool
 * slots threaded through the free pages themselves (first word = next). */
static unsigned short free_slot;
volatile struct dm_anon_stats dm_anon_stats;
L4_ThreadId_t dm_anon_memory;      /* nil: sigma0 */

void dm_anon_setup(L4_Word_t base, L4_Word_t pages)
{
    pool_base = base & ~(DS_PAGE_SIZE - 1);
    pool_pages = pages < 0xffffu ? pages : 0xffffu;
}

static struct anon_ds *lookup(L4_Word_t h)
{
    L4_Word_t i = DM_HANDLE_IDX(h);
    if (i >= DM_ANON_MAX_DS || !(ds[i].gen & 1) || DM_HANDLE_GEN(h) != ds[i].gen)
        return 0;
    return &ds[i];
}

static L4_Word_t slot_va(unsigned slot) { return pool_base + (slot - 1) * DS_PAGE_SIZE; }

static void op_create(L4_Word_t size)
{
    L4_Word_t pages = (size + DS_PAGE_SIZE - 1) / DS_PAGE_SIZE;
    if (size == 0 || size > DM_ANON_MAX_PAGES * DS_PAGE_SIZE) {
        dm_load_error(DS_ERR_INVALID);
        return;
    }
    for (L4_Word_t i = 0; i < DM_ANON_MAX_DS; i++) {
        if (ds[i].gen & 1)
            continue;
        if (ds[i].gen >= 0xfffffeu) /* generations exhausted: retire */
            continue;
        ds[i].gen++;
        ds[i].pages = pages;
        memset(ds[i].slot, 0, sizeof(ds[i].slot));
        dm_load_words(3, DM_HANDLE(i, ds[i].gen), pages * DS_PAGE_SIZE, DS_R | DS_W | DS_X);
        return;
    }
    dm_load_error(DS_ERR_NOMEM);
}

static void op_map(L4_Word_t h, L4_Word_t offset, L4_Word_t rights)
{
    struct anon_ds *d = lookup(h);
    if (!d) {
        dm_load_error(DS_ERR_HANDLE);
        return;
    }
    if (offset / DS_PAGE_SIZE >= d->pages) {
        dm_load_error(DS_ERR_RANGE);
        return;
    }
    if (!rights || (rights & ~(DS_R | DS_W | DS_X))) {
        dm_load_error(DS_ERR_RIGHTS);
        return;
    }
    unsigned short *s = &d->slot[offset / DS_PAGE_SIZE];
    if (!*s && free_slot) {
        *s = free_slot;
        free_slot = (unsigned short)*(volatile L4_Word_t *)slot_va(*s);
        memset((void *)slot_va(*s), 0, DS_PAGE_SIZE);
        dm_anon_stats.pages_free--;
    } else if (!*s) {
        if (pool_used >= pool_pages ||
            !dm_sigma0_page(dm_anon_memory, ~0ul, slot_va((unsigned)pool_used + 1))) {
            dm_load_error(DS_ERR_NOMEM);
            return;
        }
        *s = (unsigned short)++pool_used;
        memset((void *)slot_va(*s), 0, DS_PAGE_SIZE);
        dm_anon_stats.pages_allocated++;
    }
    dm_anon_stats.maps++;
    dm_load_map(slot_va(*s), rights, offset);
}

static void op_close(L4_Word_t h)
{
    struct anon_ds *d = lookup(h);
    if (!d) {
        dm_load_error(DS_ERR_HANDLE);
        return;
    }
    /* Take every page back from every client (Unmap revokes what was
     * derived from our mappings; we keep ours), then reuse it. */
    for (L4_Word_t p = 0; p < d->pages; p++) {
        unsigned short sl = d->slot[p];
        if (!sl)
            continue;
        L4_LoadMR(0, L4_FpageAddRights(L4_FpageLog2(slot_va(sl), 12), L4_FullyAccessible).raw);
        L4_Unmap(0);
        *(volatile L4_Word_t *)slot_va(sl) = free_slot;
        free_slot = sl;
        d->slot[p] = 0;
        dm_anon_stats.pages_recycled++;
        dm_anon_stats.pages_free++;
    }
    d->gen++;
    dm_load_words(0, 0, 0, 0);
}

static void handle(L4_Word_t label, L4_Word_t u, const L4_Word_t *w)
{
    switch (label) {
    case DS_CREATE:
        if (u == 1) {
            op_create(w[0]);
            return;
        }
        break;
    case DS_INFO:
        if (u == 1) {
            struct anon_ds *d = lookup(w[0]);
            if (d)
                dm_load_words(2, d->pages * DS_PAGE_SIZE, DS_R | DS_W | DS_X, 0);
            else
                dm_load_error(DS_ERR_HANDLE);
            return;
        }
        break;
    case DS_MAP:
        if (u == 3) {
            op_map(w[0], w[1], w[2]);
            return;
        }
        break;
    case DS_CLOSE:
        if (u == 1) {
            op_close(w[0]);
            return;
        }
        break;
    }
    dm_load_error(DS_ERR_PROTO);
}

void dm_anon_main(void)
{
    dm_serve(handle);
}
