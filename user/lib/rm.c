/* Region manager (see rm.h). */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include "rm.h"
#include "dataspace.h"
#include "libc.h"

#define PAGE        4096u
#define USER_TOP    0xc0000000u
#define ALL_RIGHTS  (DS_R | DS_W | DS_X)

void rm_init(struct rm *rm, L4_ThreadId_t parent, L4_ThreadId_t fault_handler)
{
    memset(rm, 0, sizeof(*rm));
    rm->parent = parent;
    rm->fault_handler = fault_handler;
}

int rm_start_thread(L4_ThreadId_t t, L4_Word_t ip, L4_Word_t sp)
{
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, ip);
    L4_LoadMR(2, sp);
    return L4_IpcSucceeded(L4_Send(t));
}

static struct rm_region *find(struct rm *rm, L4_Word_t addr)
{
    for (unsigned i = 0; i < RM_MAX_REGIONS; i++) {
        struct rm_region *r = &rm->region[i];
        if (r->size && addr - r->start < r->size)
            return r;
    }
    return 0;
}

static L4_Word_t attach(struct rm *rm, const L4_Word_t *w)
{
    L4_Word_t addr = w[0], size = w[1], ds = w[3], off = w[4], rights = w[5];
    L4_ThreadId_t dm = { .raw = w[2] };
    if ((addr | size | off) & (PAGE - 1) || size == 0 || addr >= USER_TOP ||
        size > USER_TOP - addr || !rights || (rights & ~ALL_RIGHTS))
        return RM_ERR_INVALID;
    struct rm_region *slot = 0;
    for (unsigned i = 0; i < RM_MAX_REGIONS; i++) {
        struct rm_region *r = &rm->region[i];
        if (!r->size)
            slot = slot ? slot : r;
        else if (addr < r->start + r->size && r->start < addr + size)
            return RM_ERR_OVERLAP;
    }
    if (!slot)
        return RM_ERR_FULL;
    L4_Word_t ds_size, ds_rights;
    if (ds_info(dm, ds, &ds_size, &ds_rights) != DS_OK)
        return RM_ERR_DS;
    L4_Word_t ds_pages = (ds_size + PAGE - 1) / PAGE;
    if (off / PAGE > ds_pages || size / PAGE > ds_pages - off / PAGE ||
        (rights & ~ds_rights))
        return RM_ERR_DS;
    *slot = (struct rm_region){ .start = addr, .size = size, .dm = dm, .ds = ds,
                                .offset = off, .rights = rights };
    return RM_OK;
}

/* Flushes [start, start + size) from our space, in the largest aligned
 * fpages; returns the accumulated access bits. */
static L4_Word_t flush_range(L4_Word_t start, L4_Word_t size)
{
    L4_Word_t acc = 0;
    while (size) {
        unsigned log2 = 12;
        while (log2 < 31 && !(start & ((2ul << log2) - 1)) && (2ul << log2) <= size)
            log2++;
        L4_Fpage_t f = L4_Flush(L4_FpageAddRights(L4_FpageLog2(start, (int)log2), ALL_RIGHTS));
        acc |= L4_Rights(f);
        start += 1ul << log2;
        size -= 1ul << log2;
    }
    return acc;
}

static L4_Word_t detach(struct rm *rm, L4_Word_t addr, L4_Word_t *acc)
{
    struct rm_region *r = find(rm, addr);
    if (!r || r->start != addr)
        return RM_ERR_NOTFOUND;
    *acc = flush_range(r->start, r->size);
    r->size = 0;
    return RM_OK;
}

/* Asks the parent pager for the page, as the kernel would for our own
 * fault; returns nonzero if it sent a map item. */
static int forward(struct rm *rm, L4_Word_t label, L4_Word_t addr, L4_Word_t ip)
{
    if (L4_IsNilThread(rm->parent))
        return 0;
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(addr & ~(PAGE - 1), 12)));
    L4_LoadMR(0, L4ABI_TAG(label, 2, 0));
    L4_LoadMR(1, addr);
    L4_LoadMR(2, ip);
    L4_MsgTag_t tag = L4_Call(rm->parent);
    L4_Accept(L4_UntypedWordsAcceptor);
    return L4_IpcSucceeded(tag) && L4_TypedWords(tag) == 2;
}

/* Returns nonzero if the fault was resolved. */
static int fault(struct rm *rm, L4_Word_t label, L4_Word_t addr, L4_Word_t ip)
{
    L4_Word_t access = label & ALL_RIGHTS;
    struct rm_region *r = find(rm, addr);
    if (!r) {
        if (!forward(rm, label, addr, ip))
            return 0;
        rm->forwarded++;
        return 1;
    }
    if (access & ~r->rights)
        return 0;
    L4_Word_t page = addr & ~(PAGE - 1);
    /* Map with all the region's rights: a read fault on a writable region
     * need not be followed by a write fault. */
    if (ds_map(r->dm, r->ds, r->offset + (page - r->start), r->rights, page) != DS_OK)
        return 0;
    r->faults++;
    rm->faults++;
    return 1;
}

static void report(struct rm *rm, L4_ThreadId_t who, L4_Word_t label, L4_Word_t addr,
                   L4_Word_t ip)
{
    rm->unresolved++;
    rm->last_fault_addr = addr;
    if (L4_IsNilThread(rm->fault_handler))
        return;
    L4_LoadMR(0, L4ABI_TAG(RM_FAULT, 4, 0));
    L4_LoadMR(1, L4_GlobalIdOf(who).raw);
    L4_LoadMR(2, addr);
    L4_LoadMR(3, ip);
    L4_LoadMR(4, label & ALL_RIGHTS);
    L4_Send_Timeout(rm->fault_handler, L4_TimePeriod(100000));
}

void rm_serve(struct rm *rm)
{
    L4_ThreadId_t from;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_Word_t label = L4_Label(tag), u = L4_UntypedWords(tag), w[6] = { 0 };
        L4_StoreMRs(1, u < 6 ? (int)u : 6, w);
        L4_Word_t err = RM_ERR_PROTO, acc = 0;
        if (!L4_IsLocalId(from)) {
            /* Only the task's own threads (local IDs) are served; a forged
             * fault from outside gets no answer. */
            if ((label & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT) {
                L4_LoadMR(0, L4ABI_TAG(RM_ERR_PROTO, 0, 0));
                L4_Reply(from);
            }
            tag = L4_Wait(&from);
            continue;
        }
        if ((label & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT && u == 2 &&
            L4_TypedWords(tag) == 0) {
            if (!fault(rm, label, w[0], w[1])) {
                /* The thread stays blocked in its fault. */
                report(rm, from, label, w[0], w[1]);
                tag = L4_Wait(&from);
                continue;
            }
            L4_LoadMR(0, 0);
        } else {
            if (label == RM_ATTACH && u == 6)
                err = attach(rm, w);
            else if (label == RM_DETACH && u == 1)
                err = detach(rm, w[0], &acc);
            L4_LoadMR(0, L4ABI_TAG(err, err == RM_OK && label == RM_DETACH, 0));
            L4_LoadMR(1, acc);
        }
        tag = L4_ReplyWait(from, &from);
    }
}

L4_Word_t rm_attach(L4_ThreadId_t rm, L4_Word_t addr, L4_Word_t size, L4_ThreadId_t dm,
                    L4_Word_t ds, L4_Word_t offset, L4_Word_t rights)
{
    L4_Word_t w[6] = { addr, size, dm.raw, ds, offset, rights };
    L4_LoadMR(0, L4ABI_TAG(RM_ATTACH, 6, 0));
    L4_LoadMRs(1, 6, w);
    L4_MsgTag_t tag = L4_Call(rm);
    return L4_IpcFailed(tag) ? RM_ERR_IPC : L4_Label(tag);
}

L4_Word_t rm_detach(L4_ThreadId_t rm, L4_Word_t addr, L4_Word_t *access)
{
    L4_LoadMR(0, L4ABI_TAG(RM_DETACH, 1, 0));
    L4_LoadMR(1, addr);
    L4_MsgTag_t tag = L4_Call(rm);
    if (L4_IpcFailed(tag))
        return RM_ERR_IPC;
    if (access)
        L4_StoreMR(1, access);
    return L4_Label(tag);
}
