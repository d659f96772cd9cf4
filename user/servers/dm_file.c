/* Read-only file dataspaces over the boot modules. The module list comes
 * from the generic L4 BootInfo page the KIP points to; the BootInfo page
 * and the modules' pages are boot memory that sigma0 maps idempotently
 * (virtual == physical). */
#include <l4/kip.h>
#include <l4/bootinfo.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include "dataspace.h"
#include "dm.h"
#include "libc.h"

#define FILE_RIGHTS (DS_R | DS_X)

struct module {
    L4_Word_t start, size;
    const char *name;               /* in the BootInfo page */
    L4_Word_t tail;                 /* tail-copy page + 1, 0 = not made yet */
    L4_Word_t have[DM_FILE_MAX_PAGES / 32];  /* pages obtained from sigma0 */
};

struct open_file {
    L4_Word_t gen;                  /* odd: open */
    L4_Word_t mod;
};

static struct module mods[DM_FILE_MAX_MODS];
static L4_Word_t nmods;
static struct open_file files[DM_FILE_MAX_OPEN];
static L4_Word_t tail_base, tail_pages, tail_used;
volatile struct dm_file_stats dm_file_stats;

int dm_file_bootinfo_mapped;

void dm_file_setup(L4_Word_t base, L4_Word_t pages)
{
    tail_base = base & ~(DS_PAGE_SIZE - 1);
    tail_pages = pages;
}

/* Whether s has a NUL within its first max bytes. */
static int terminated(const char *s, L4_Word_t max)
{
    for (L4_Word_t i = 0; i < max; i++)
        if (!s[i])
            return 1;
    return 0;
}

/* Reads the module records of the BootInfo page. Records must lie inside
 * the page; a module must start on a page boundary to be mappable. */
static void scan_bootinfo(void)
{
    L4_Word_t bi = L4_BootInfo(L4_GetKernelInterface());
    if (!bi || (bi & (DS_PAGE_SIZE - 1)) ||
        (!dm_file_bootinfo_mapped && !dm_sigma0_page(L4_nilthread, bi, ~0ul)))
        return;
    if (!L4_BootInfo_Valid((void *)bi) || L4_BootInfo_Size((void *)bi) > DS_PAGE_SIZE)
        return;
    L4_BootRec_t *r = L4_BootInfo_FirstEntry((void *)bi);
    for (L4_Word_t i = 0; i < L4_BootInfo_Entries((void *)bi) && nmods < DM_FILE_MAX_MODS;
         i++, r = L4_BootRec_Next(r)) {
        L4_Word_t off = (L4_Word_t)r - bi;
        if (off + sizeof(L4_Boot_Module_t) > DS_PAGE_SIZE || r->offset_next > DS_PAGE_SIZE)
            break;
        if (L4_BootRec_Type(r) != L4_BootInfo_Module)
            continue;
        const char *name = L4_Module_Cmdline(r);
        L4_Word_t noff = ((const L4_Boot_Module_t *)r)->cmdline_offset;
        if (!name || off + noff >= DS_PAGE_SIZE ||
            !terminated(name, DS_PAGE_SIZE - off - noff))
            name = "";
        struct module *m = &mods[nmods++];
        m->start = L4_Module_Start(r);
        m->size = L4_Module_Size(r);
        m->name = name;
    }
    dm_file_stats.modules = nmods;
}

/* A module matches its full name (command line) or the last path
 * component of the name's first word. */
static int name_matches(const char *modname, const char *want, L4_Word_t n)
{
    L4_Word_t len = 0, base = 0;
    while (modname[len] && modname[len] != ' ')
        if (modname[len++] == '/')
            base = len;
    if (strlen(modname) == n && !memcmp(modname, want, n))
        return 1;
    return len - base == n && !memcmp(modname + base, want, n);
}

static void op_open(L4_Word_t u, const L4_Word_t *w)
{
    L4_Word_t n = w[0];
    char name[DS_NAME_MAX + 1];
    if (n == 0 || n > DS_NAME_MAX || u < 1 + (n + 3) / 4) {
        dm_load_error(DS_ERR_INVALID);
        return;
    }
    memcpy(name, &w[1], n);
    name[n] = 0;
    if (strlen(name) != n) {
        dm_load_error(DS_ERR_INVALID);
        return;
    }
    L4_Word_t m;
    for (m = 0; m < nmods && !name_matches(mods[m].name, name, n); m++)
        ;
    if (m == nmods) {
        dm_load_error(DS_ERR_NOENT);
        return;
    }
    if ((mods[m].start & (DS_PAGE_SIZE - 1)) ||
        mods[m].size > DM_FILE_MAX_PAGES * DS_PAGE_SIZE) {
        dm_load_error(DS_ERR_INVALID);
        return;
    }
    for (L4_Word_t i = 0; i < DM_FILE_MAX_OPEN; i++) {
        if ((files[i].gen & 1) || files[i].gen >= 0xfffffeu)
            continue;
        files[i].gen++;
        files[i].mod = m;
        dm_load_words(3, DM_HANDLE(i, files[i].gen), mods[m].size, FILE_RIGHTS);
        return;
    }
    dm_load_error(DS_ERR_NOMEM);
}

static struct module *lookup(L4_Word_t h)
{
    L4_Word_t i = DM_HANDLE_IDX(h);
    if (i >= DM_FILE_MAX_OPEN || !(files[i].gen & 1) || DM_HANDLE_GEN(h) != files[i].gen)
        return 0;
    return &mods[files[i].mod];
}

/* The page of m holding page index p in the DM's space, or 0. */
static L4_Word_t module_page(struct module *m, L4_Word_t p)
{
    L4_Word_t pa = m->start + p * DS_PAGE_SIZE;
    if (!(m->have[p / 32] & (1u << (p % 32)))) {
        if (!dm_sigma0_page(L4_nilthread, pa, ~0ul))
            return 0;
        m->have[p / 32] |= 1u << (p % 32);
        dm_file_stats.pages_from_sigma0++;
    }
    if (p != m->size / DS_PAGE_SIZE)
        return pa;
    /* The partial last page: a private copy, zero past the end. */
    if (!m->tail) {
        if (tail_used >= tail_pages)
            return 0;
        L4_Word_t t = tail_base + tail_used * DS_PAGE_SIZE;
        if (!dm_sigma0_page(L4_nilthread, ~0ul, t))
            return 0;
        tail_used++;
        L4_Word_t valid = m->size % DS_PAGE_SIZE;
        memcpy((void *)t, (void *)pa, valid);
        memset((char *)t + valid, 0, DS_PAGE_SIZE - valid);
        m->tail = t + 1;
    }
    return m->tail - 1;
}

static void op_map(L4_Word_t h, L4_Word_t offset, L4_Word_t rights)
{
    struct module *m = lookup(h);
    if (!m) {
        dm_load_error(DS_ERR_HANDLE);
        return;
    }
    if (offset >= m->size) {
        dm_load_error(DS_ERR_RANGE);
        return;
    }
    if (!rights || (rights & ~FILE_RIGHTS)) {
        dm_load_error(DS_ERR_RIGHTS);
        return;
    }
    L4_Word_t page = module_page(m, offset / DS_PAGE_SIZE);
    if (!page) {
        dm_load_error(DS_ERR_NOMEM);
        return;
    }
    dm_file_stats.maps++;
    dm_load_map(page, rights, offset);
}

static void handle(L4_Word_t label, L4_Word_t u, const L4_Word_t *w)
{
    struct module *m;
    switch (label) {
    case DS_OPEN:
        if (u >= 2) {
            op_open(u, w);
            return;
        }
        break;
    case DS_INFO:
        if (u != 1)
            break;
        if ((m = lookup(w[0])))
            dm_load_words(2, m->size, FILE_RIGHTS, 0);
        else
            dm_load_error(DS_ERR_HANDLE);
        return;
    case DS_MAP:
        if (u == 3) {
            op_map(w[0], w[1], w[2]);
            return;
        }
        break;
    case DS_CLOSE:
        if (u != 1)
            break;
        if (lookup(w[0])) {
            files[DM_HANDLE_IDX(w[0])].gen++;
            dm_load_words(0, 0, 0, 0);
        } else {
            dm_load_error(DS_ERR_HANDLE);
        }
        return;
    }
    dm_load_error(DS_ERR_PROTO);
}

void dm_file_main(void)
{
    scan_bootinfo();
    dm_serve(handle);
}
