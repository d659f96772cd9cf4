/* Dataspaces end to end: a file DM over the boot modules (a thread of this
 * root task, paged by sigma0), an anonymous DM in a space of its own, and a
 * client space whose threads are paged by a region manager living inside
 * that space. The other spaces run code of this binary; their image pages
 * come from a loader thread of the root task (their pager), mapped 1:1 from
 * our space, so they share our .data/.bss (TAP counters, the RM's state, DM
 * statistics). The file is this program's own ELF module (module 1), plus
 * a text module when tests/suites.mk boots one. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include "libc.h"
#include "tap.h"
#include "rm.h"
#include "dataspace.h"
#include "dm.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define PAGE        4096u

/* Our space: DM memory pools, and where the loader receives the frames
 * it relays from sigma0 to the anonymous DM. */
#define ANON_POOL   0x60000000u
#define FILE_TAILS  0x5f000000u
#define RELAY_VA    0x62000000u

/* Client space layout. */
#define FILE_VA     0x40000000u
#define ANON_VA     0x50000000u
#define ANON2_VA    0x50100000u
#define SCRATCH_VA  0x70000000u
#define POOL_PAGES  48u         /* the anonymous DM's pool: small, to exhaust */
#define ANON_PAGES  16u
#define ANON2_PAGES 8u

#define LOADER_START    0x7a01u     /* root -> loader: MR1 thread, MR2 ip, MR3 sp */

#define MODULE_NAME "test-dataspace.elf"
/* The extra module tests/suites.mk boots (build/test/dataspace.txt). */
#define TEXT_NAME   "dataspace.txt"
#define TEXT_MODULE "Pecan dataspace test: this file is read through a region.\n"
#define TEXT_VA     0x48000000u

static L4_ThreadId_t root_tid, sigma0_tid;
static L4_ThreadId_t file_dm, anon_dm, loader, rm_tid, worker, prober;
static struct rm crm;               /* the client's RM state (shared page) */

#define STACK_WORDS 2048
static L4_Word_t stacks[6][STACK_WORDS] __attribute__((aligned(16)));
static L4_Word_t stack_top(int i) { return (L4_Word_t)&stacks[i][STACK_WORDS - 4]; }
static L4_ThreadId_t tid(int no) { return L4_GlobalId(no, 1); }
static void *utcb(int slot) { return (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE); }

extern char __executable_start[], _end[];

/* ---- Loader: the client image's pager, mapping our pages 1:1 ---- */

/* sigma0 serves only the root task's space: the anonymous DM, in a space
 * of its own, asks the loader (dm_anon_memory), which takes any free
 * frame from sigma0 into RELAY_VA.. of our space and maps it on. Loads the
 * reply: the map item, or the nil item if sigma0 had none. */
static void loader_relay_sigma0(void)
{
    static L4_Word_t relayed;
    L4_Word_t va = RELAY_VA + relayed * PAGE;
    L4_Fpage_t got = L4_Sigma0_GetAny(L4_nilthread, 12, L4_FpageLog2(va, 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Fpage_t fp = L4_Nilpage;
    if (!L4_IsNilFpage(got)) {
        relayed++;
        fp = L4_FpageAddRights(L4_FpageLog2(va, 12), L4_FullyAccessible);
    }
    L4_MapItem_t m = L4_MapItem(fp, 0);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
}

static void loader_main(void)
{
    L4_ThreadId_t from;
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t w[3] = { 0 };
        L4_StoreMRs(1, 3, w);
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        /* Same-space senders arrive as local IDs. */
        if (L4_Label(tag) == LOADER_START && L4_GlobalIdOf(from).raw == root_tid.raw) {
            L4_ThreadId_t t = { .raw = w[0] };
            L4_Word_t ok_ = rm_start_thread(t, w[1], w[2]);
            L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
            L4_LoadMR(1, ok_);
        } else if (L4_Label(tag) == L4ABI_LABEL_SIGMA0 && from.raw == anon_dm.raw &&
                   (w[0] & 0x3f0) == (12 << 4)) {
            loader_relay_sigma0();
        } else if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT) {
            L4_Word_t page = w[0] & ~(PAGE - 1);
            if (page >= (L4_Word_t)__executable_start && page < (L4_Word_t)_end) {
                volatile char *p = (volatile char *)page;
                char c = *p;            /* have it ourselves, writable */
                *p = c;
                L4_Fpage_t fp = L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible);
                L4_MapItem_t m = L4_MapItem(fp, page);
                L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
                L4_LoadMR(1, m.raw[0]);
                L4_LoadMR(2, m.raw[1]);
            } else {
                L4_LoadMR(0, 0);        /* not ours: nothing mapped */
            }
        } else {
            L4_LoadMR(0, 0);
        }
        tag = L4_ReplyWait(from, &from);
    }
}

/* ---- Minimal ELF32 ---- */
struct ehdr {
    unsigned char ident[16];
    unsigned short type, machine;
    L4_Word_t version, entry, phoff, shoff, flags;
    unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    L4_Word_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
#define PT_LOAD 1
#define PF_W    2

static unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static L4_Word_t page_up(L4_Word_t x) { return (x + PAGE - 1) & ~(PAGE - 1); }

static unsigned region_faults(L4_Word_t start)
{
    for (unsigned i = 0; i < RM_MAX_REGIONS; i++)
        if (crm.region[i].size && crm.region[i].start == start)
            return (unsigned)crm.region[i].faults;
    return ~0u;
}

static L4_Word_t pattern(L4_Word_t page, L4_Word_t word)
{
    return 0x9e3779b9u * (page + 1) ^ (word << 8) ^ 0x5a5a0000u;
}

/* Reads every page of [va, va + pages) and reports whether all is zero. */
static int all_zero(L4_Word_t va, L4_Word_t bytes)
{
    const volatile L4_Word_t *p = (const volatile L4_Word_t *)va;
    for (L4_Word_t i = 0; i < bytes / 4; i++)
        if (p[i])
            return 0;
    return 1;
}

static L4_Word_t file_size, file_handle;

static void test_file(void)
{
    L4_Word_t rights;
    L4_Word_t r = ds_open(file_dm, MODULE_NAME, &file_handle, &file_size, &rights);
    ok(r == DS_OK && file_size > 0, "open boot module %s as a file dataspace (%lu bytes)",
       MODULE_NAME, file_size);
    is(rights, DS_R | DS_X, "file dataspace is read-only (r-x)");
    L4_Word_t span = page_up(file_size);
    is(rm_attach(rm_tid, FILE_VA, span, file_dm, file_handle, 0, DS_R), RM_OK,
       "attach the file read-only");

    L4_Word_t f0 = crm.faults;
    const unsigned char *file = (const unsigned char *)FILE_VA;
    ok(!memcmp(file, "\177ELF", 4), "ELF magic read through the region");
    is(crm.faults, f0 + 1, "first access was one fault resolved by the RM");

    const struct ehdr *eh = (const struct ehdr *)file;
    is(eh->shoff + (L4_Word_t)eh->shnum * eh->shentsize, file_size,
       "file size is where the ELF section table ends");

    int nseg = 0, same = 1;
    L4_Word_t bytes = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = (const struct phdr *)(file + eh->phoff + i * eh->phentsize);
        if (ph->type != PT_LOAD || (ph->flags & PF_W) || !ph->filesz)
            continue;
        nseg++;
        bytes += ph->filesz;
        same &= !memcmp(file + ph->offset, (const void *)ph->vaddr, ph->filesz);
    }
    ok(nseg > 0 && same, "%d read-only segments (%lu bytes) equal this program in memory",
       nseg, bytes);

    /* Touch every page; the tail past the end reads as zero. */
    for (L4_Word_t off = 0; off < span; off += PAGE)
        (void)*(const volatile unsigned char *)(file + off);
    is(region_faults(FILE_VA), span / PAGE, "one fault per file page");
    int tail_zero = 1;
    for (L4_Word_t off = file_size; off < span; off++)
        tail_zero &= file[off] == 0;
    ok(tail_zero, "bytes past the end of the file read as zero (%lu of them)",
       span - file_size);
    is(rm_attach(rm_tid, FILE_VA + span, PAGE, file_dm, file_handle, 0, DS_R | DS_W),
       RM_ERR_DS, "attach of the file with write rights refused");
}

/* A file smaller than a page: its only page is the zero-tailed copy. */
static void test_text(void)
{
    L4_Word_t h, size, n = sizeof(TEXT_MODULE) - 1;
    L4_Word_t r = ds_open(file_dm, TEXT_NAME, &h, &size, 0);
    if (r == DS_ERR_NOENT) {
        for (int i = 0; i < 4; i++)
            ok(1, "# SKIP no %s module (run through make test-qemu-dataspace)", TEXT_NAME);
        return;
    }
    ok(r == DS_OK && size == n, "open the text module by its file name (%lu bytes)", size);
    is(rm_attach(rm_tid, TEXT_VA, PAGE, file_dm, h, 0, DS_R | DS_X), RM_OK,
       "attach it read/execute");
    const char *t = (const char *)TEXT_VA;
    ok(!memcmp(t, TEXT_MODULE, n), "its text reads back exactly");
    int zero = 1;
    for (L4_Word_t i = n; i < PAGE; i++)
        zero &= t[i] == 0;
    ok(zero, "the rest of its page is zero");
}

static L4_Word_t anon_handle;

static void test_anon(void)
{
    L4_Word_t size;
    ok(ds_create(anon_dm, ANON_PAGES * PAGE - 100, &anon_handle, &size) == DS_OK,
       "create an anonymous dataspace");
    is(size, ANON_PAGES * PAGE, "size rounded up to pages");
    is(rm_attach(rm_tid, ANON_VA, ANON_PAGES * PAGE, anon_dm, anon_handle, 0, DS_R | DS_W),
       RM_OK, "attach it read-write");
    L4_Word_t alloc0 = dm_anon_stats.pages_allocated;
    unsigned long long t0 = rdtsc();
    for (L4_Word_t p = 0; p < ANON_PAGES; p++)
        (void)*(volatile L4_Word_t *)(ANON_VA + p * PAGE);
    unsigned long long t1 = rdtsc();
    diag("first touch of an anonymous page (RM + DM + sigma0 + zeroing): "
         "%llu guest instructions", (t1 - t0) / ANON_PAGES);
    ok(all_zero(ANON_VA, ANON_PAGES * PAGE), "fresh anonymous memory reads as zero");
    is(dm_anon_stats.pages_allocated, alloc0 + ANON_PAGES, "one sigma0 page per page touched");

    /* Both DMs at once: every anonymous word mixes in a file word. */
    volatile L4_Word_t *a = (volatile L4_Word_t *)ANON_VA;
    const volatile L4_Word_t *f = (const volatile L4_Word_t *)FILE_VA;
    L4_Word_t fwords = file_size / 4;
    for (L4_Word_t p = 0; p < ANON_PAGES; p++)
        for (L4_Word_t i = 0; i < PAGE / 4; i++)
            a[p * 1024 + i] = pattern(p, i) ^ f[(p * 1024 + i) % fwords];
    int good = 1;
    for (L4_Word_t p = 0; p < ANON_PAGES; p++)
        for (L4_Word_t i = 0; i < PAGE / 4; i++)
            good &= a[p * 1024 + i] == (pattern(p, i) ^ f[(p * 1024 + i) % fwords]);
    ok(good, "anonymous memory written and read back, mixed with file words");
    is(region_faults(ANON_VA), ANON_PAGES, "read faults mapped writable: no write faults");

    /* A second anonymous dataspace alongside. */
    L4_Word_t h2;
    ok(ds_create(anon_dm, ANON2_PAGES * PAGE, &h2, &size) == DS_OK &&
       rm_attach(rm_tid, ANON2_VA, ANON2_PAGES * PAGE, anon_dm, h2, 0, DS_R | DS_W) == RM_OK,
       "second anonymous dataspace attached");
    volatile L4_Word_t *b = (volatile L4_Word_t *)ANON2_VA;
    for (L4_Word_t i = 0; i < ANON2_PAGES * 1024; i++)
        b[i] = ~i;
    good = 1;
    for (L4_Word_t i = 0; i < ANON2_PAGES * 1024; i++)
        good &= b[i] == ~i;
    for (L4_Word_t p = 0; p < ANON_PAGES; p++)
        good &= a[p * 1024] == (pattern(p, 0) ^ f[(p * 1024) % fwords]);
    ok(good, "two anonymous dataspaces and a file in one task, each intact");
    L4_Word_t acc;
    ok(rm_detach(rm_tid, ANON2_VA, &acc) == RM_OK && ds_close(anon_dm, h2) == DS_OK,
       "detach and close the second one");
}

static void test_detach(void)
{
    L4_Word_t acc = 0;
    is(rm_detach(rm_tid, ANON_VA, &acc), RM_OK, "detach the anonymous region");
    ok((acc & DS_R) && (acc & DS_W), "detach reports the pages referenced and written (%lx)",
       acc);

    /* A new dataspace at the same place: the old pages must be gone. */
    L4_Word_t h3, size;
    ok(ds_create(anon_dm, ANON_PAGES * PAGE, &h3, &size) == DS_OK &&
       rm_attach(rm_tid, ANON_VA, ANON_PAGES * PAGE, anon_dm, h3, 0, DS_R | DS_W) == RM_OK,
       "attach a new dataspace at the detached address");
    L4_Word_t f0 = crm.faults;
    ok(*(volatile L4_Word_t *)ANON_VA == 0, "it reads zero, not the old data");
    is(crm.faults, f0 + 1, "the access faulted to the RM again");
    L4_Word_t r = rm_detach(rm_tid, ANON_VA, &acc);
    ok(r == RM_OK && acc == DS_R, "detach reports referenced only (%lx)", acc);

    /* The first dataspace kept its data: attach it again, at an offset. */
    is(rm_attach(rm_tid, ANON_VA, 8 * PAGE, anon_dm, anon_handle, PAGE, DS_R), RM_OK,
       "re-attach the first dataspace from offset 4 KiB, read-only");
    const volatile L4_Word_t *a = (const volatile L4_Word_t *)ANON_VA;
    const volatile L4_Word_t *f = (const volatile L4_Word_t *)FILE_VA;
    L4_Word_t fwords = file_size / 4;
    unsigned long long t0 = rdtsc();
    for (L4_Word_t p = 0; p < 8; p++)
        (void)a[p * 1024];
    unsigned long long t1 = rdtsc();
    diag("fault on an allocated page (RM + DM, 2 IPC round trips): %llu guest instructions",
         (t1 - t0) / 8);
    int good = 1;
    for (L4_Word_t p = 0; p < 8; p++)
        good &= a[p * 1024 + 7] == (pattern(p + 1, 7) ^ f[((p + 1) * 1024 + 7) % fwords]);
    ok(good, "its data survived detach and shows at the new offset");
    ok(rm_detach(rm_tid, ANON_VA, &acc) == RM_OK && ds_close(anon_dm, h3) == DS_OK,
       "detach it, close the empty one");
}

static void test_errors(void)
{
    L4_Word_t h, size;
    is(ds_open(file_dm, "no-such-module", &h, &size, 0), DS_ERR_NOENT, "open unknown module");
    is(ds_open(anon_dm, MODULE_NAME, &h, &size, 0), DS_ERR_PROTO, "open on the anonymous DM");
    is(ds_create(file_dm, PAGE, &h, &size), DS_ERR_PROTO, "create on the file DM");
    is(ds_create(anon_dm, 0, &h, &size), DS_ERR_INVALID, "create of size 0");
    is(ds_create(anon_dm, 0x80000000u, &h, &size), DS_ERR_INVALID, "create of 2 GiB");
    is(ds_info(anon_dm, 0x12345, &size, 0), DS_ERR_HANDLE, "info with a bad handle");
    is(ds_map(file_dm, file_handle, page_up(file_size), DS_R, SCRATCH_VA), DS_ERR_RANGE,
       "map past the end of the file");
    is(ds_map(file_dm, file_handle, 0, DS_R | DS_W, SCRATCH_VA), DS_ERR_RIGHTS,
       "map of a file page with write rights");
    is(ds_map(anon_dm, anon_handle, 0, 0, SCRATCH_VA), DS_ERR_RIGHTS, "map with no rights");
    is(ds_map(file_dm, file_handle, 0, DS_R, SCRATCH_VA), DS_OK,
       "DS_MAP maps straight into the caller's window");
    ok(!memcmp((const void *)SCRATCH_VA, "\177ELF", 4), "the page is there, no fault");

    L4_Word_t h2;
    ok(ds_open(file_dm, MODULE_NAME, &h2, &size, 0) == DS_OK &&
       ds_close(file_dm, h2) == DS_OK, "open and close a second file handle");
    is(ds_info(file_dm, h2, &size, 0), DS_ERR_HANDLE, "the closed handle is refused");
    is(ds_close(file_dm, h2), DS_ERR_HANDLE, "closing it twice is refused");
    L4_LoadMR(0, L4ABI_TAG(0x1234, 0, 0));
    L4_MsgTag_t tag = L4_Call(anon_dm);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == DS_ERR_PROTO, "unknown request label");
    L4_LoadMR(0, L4ABI_TAG(DS_MAP, 2, 0));
    tag = L4_Call(anon_dm);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == DS_ERR_PROTO, "DS_MAP with too few words");
    /* DS_OPEN claiming a 40-byte name in one word; then one with a NUL. */
    L4_LoadMR(0, L4ABI_TAG(DS_OPEN, 2, 0));
    L4_LoadMR(1, 40);
    L4_LoadMR(2, 0x41414141);
    tag = L4_Call(file_dm);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == DS_ERR_INVALID, "DS_OPEN name longer than sent");
    L4_LoadMR(0, L4ABI_TAG(DS_OPEN, 2, 0));
    L4_LoadMR(1, 4);
    L4_LoadMR(2, 0x00414141);
    tag = L4_Call(file_dm);
    ok(L4_IpcSucceeded(tag) && L4_Label(tag) == DS_ERR_INVALID, "DS_OPEN name with a NUL");

    is(rm_attach(rm_tid, FILE_VA, PAGE, file_dm, file_handle, 0, DS_R), RM_ERR_OVERLAP,
       "attach over the file region");
    is(rm_attach(rm_tid, SCRATCH_VA + PAGE + 1, PAGE, file_dm, file_handle, 0, DS_R),
       RM_ERR_INVALID, "attach at a misaligned address");
    is(rm_attach(rm_tid, SCRATCH_VA + PAGE, 0, file_dm, file_handle, 0, DS_R),
       RM_ERR_INVALID, "attach of size 0");
    is(rm_attach(rm_tid, 0xbffff000u, 2 * PAGE, file_dm, file_handle, 0, DS_R),
       RM_ERR_INVALID, "attach past the end of user space");
    is(rm_attach(rm_tid, SCRATCH_VA + PAGE, page_up(file_size) + PAGE, file_dm, file_handle,
                 0, DS_R), RM_ERR_DS, "attach longer than the dataspace");
    is(rm_attach(rm_tid, SCRATCH_VA + PAGE, PAGE, file_dm, 0x777, 0, DS_R), RM_ERR_DS,
       "attach with a bad dataspace handle");
    is(rm_detach(rm_tid, SCRATCH_VA, 0), RM_ERR_NOTFOUND, "detach of nothing");
    is(rm_detach(rm_tid, FILE_VA + PAGE, 0), RM_ERR_NOTFOUND, "detach inside a region");
}

/* A second client thread: writes to the read-only file region. */
static void prober_main(void)
{
    *(volatile char *)(FILE_VA + 16) = 1;
    ok(0, "unreachable: write to a read-only region completed");
    for (;;)
        L4_Sleep(L4_Never);
}

/* Closing an anonymous dataspace takes its pages back from this client
 * and the DM reuses them, zeroed, without asking sigma0 again. */
#define RECYCLE_VA (SCRATCH_VA + 64 * PAGE)

static L4_Word_t access_bits(L4_Word_t va)
{
    /* Unmap with no rights revokes nothing and reports what was accessed. */
    L4_Fpage_t f = L4_UnmapFpage(L4_FpageLog2(va, 12));
    return L4_Rights(f);
}

static void test_recycle(void)
{
    L4_Word_t h, size;
    ok(ds_create(anon_dm, 2 * PAGE, &h, &size) == DS_OK &&
       ds_map(anon_dm, h, 0, DS_R | DS_W, RECYCLE_VA) == DS_OK &&
       ds_map(anon_dm, h, PAGE, DS_R | DS_W, RECYCLE_VA + PAGE) == DS_OK,
       "two anonymous pages mapped straight into this task");
    *(volatile L4_Word_t *)RECYCLE_VA = 0x5a5a5a5a;
    L4_Word_t alloc0 = dm_anon_stats.pages_allocated, rec0 = dm_anon_stats.pages_recycled;
    ok(ds_close(anon_dm, h) == DS_OK && dm_anon_stats.pages_recycled == rec0 + 2,
       "closing the dataspace recycles both pages");
    ok(access_bits(RECYCLE_VA) == 0 && access_bits(RECYCLE_VA + PAGE) == 0,
       "the pages were taken back from this task (no mapping left to report access)");
    ok(ds_create(anon_dm, PAGE, &h, &size) == DS_OK &&
       ds_map(anon_dm, h, 0, DS_R | DS_W, RECYCLE_VA) == DS_OK &&
       dm_anon_stats.pages_allocated == alloc0,
       "a new dataspace reuses a recycled page (no new sigma0 page)");
    ok(*(volatile L4_Word_t *)RECYCLE_VA == 0, "a recycled page comes back zeroed");
    is(ds_close(anon_dm, h), DS_OK, "close the new dataspace");
}

/* The anonymous DM runs out of pool pages: an error, and nothing mapped. */
static void test_exhaustion(void)
{
    L4_Word_t h, size, r = DS_OK, n;
    L4_Word_t left = POOL_PAGES - dm_anon_stats.pages_allocated + dm_anon_stats.pages_free;
    L4_Word_t want = left + 1;          /* one page more than the DM has */
    ok(want < 60 && ds_create(anon_dm, want * PAGE, &h, &size) == DS_OK,
       "create a dataspace larger than the pool's %lu free pages", left);
    for (n = 0; n < want && r == DS_OK; n++)
        r = ds_map(anon_dm, h, n * PAGE, DS_R | DS_W, SCRATCH_VA + (n + 1) * PAGE);
    ok(r == DS_ERR_NOMEM && n - 1 == left, "DS_ERR_NOMEM after exactly the free pages (%lu)",
       n - 1);
    ok(all_zero(SCRATCH_VA + PAGE, left * PAGE), "the pages mapped before were zero-filled");
    is(ds_close(anon_dm, h), DS_OK, "close it");
}

/* The client's main thread. */
static void client_main(void)
{
    test_file();
    test_text();
    test_anon();
    test_detach();
    test_errors();
    test_recycle();
    test_exhaustion();
    /* Same space: we may start the prober (waiting for its start message)
     * with ExchangeRegisters; its fault is reported before we go on. */
    L4_Start_SpIp(prober, stack_top(5), (L4_Word_t)prober_main);
    for (int i = 0; i < 1000 && crm.unresolved == 0; i++)
        L4_Sleep(L4_TimePeriod(1000));
    is(crm.unresolved, 1, "write to the read-only file region left unresolved");
    L4_Word_t acc = 0;
    L4_Word_t r = rm_detach(rm_tid, FILE_VA, &acc);
    ok(r == RM_OK && acc == DS_R, "detach the file region (referenced, not written: %lx)",
       acc);
    /* No region any more: this fault stays unresolved, the RM reports it
     * to the root task, and this thread never returns from it. */
    (void)*(volatile char *)(FILE_VA + 8);
    ok(0, "unreachable: access to a detached region completed");
    for (;;)
        L4_Sleep(L4_Never);
}

/* The RM thread's body: it starts the client's main thread, then pages it. */
static void rm_main(void)
{
    rm_init(&crm, L4_Pager(), root_tid);
    rm_start_thread(worker, (L4_Word_t)client_main, stack_top(4));
    rm_serve(&crm);
}

static int start_local(L4_ThreadId_t t, int slot, void (*fn)(void), int stack)
{
    if (L4_ThreadControl(t, root_tid, root_tid, sigma0_tid, utcb(slot)) != 1)
        return 0;
    L4_Start_SpIp(t, stack_top(stack), (L4_Word_t)fn);
    return 1;
}

/* Creates space `t` (its first thread, no UTCB yet) with our KIP/UTCB
 * layout. */
static int new_space(L4_ThreadId_t t)
{
    L4_Word_t old;
    return L4_ThreadControl(t, t, root_tid, L4_nilthread, (void *)~0ul) == 1 &&
           L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                           L4_nilthread, &old) == 1;
}

/* Has the loader (t's pager) send t its start message. */
static int loader_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp)
{
    L4_LoadMR(0, L4ABI_TAG(LOADER_START, 3, 0));
    L4_LoadMR(1, t.raw);
    L4_LoadMR(2, (L4_Word_t)fn);
    L4_LoadMR(3, sp);
    L4_MsgTag_t tag = L4_Call(loader);
    L4_Word_t started = 0;
    L4_StoreMR(1, &started);
    return L4_IpcSucceeded(tag) && started == 1;
}

int main(void)
{
    root_tid = L4_Myself();
    sigma0_tid = L4_Pager();
    file_dm = tid(80);
    anon_dm = tid(81);
    loader = tid(82);
    rm_tid = tid(90);
    worker = tid(91);
    prober = tid(92);
    tap_plan(86);

    dm_file_setup(FILE_TAILS, 16);
    dm_anon_setup(ANON_POOL, POOL_PAGES);
    dm_anon_memory = loader;      /* the anonymous DM's frames, relayed */
    ok(start_local(file_dm, 1, dm_file_main, 0) && start_local(loader, 3, loader_main, 2),
       "file DM and loader started as threads of the root task");

    /* The anonymous DM in a space of its own, its image paged by the
     * loader; it asks the loader for its pool pages by IPC (sigma0
     * protocol), which gets them from sigma0. */
    ok(new_space(anon_dm) && L4_ThreadControl(anon_dm, anon_dm, root_tid, loader, utcb(0)) == 1 &&
       loader_start(anon_dm, dm_anon_main, stack_top(1)),
       "anonymous DM started in a space of its own");

    /* The client space: RM thread (pager: the loader), main thread and a
     * second thread (pager: the RM). */
    ok(new_space(rm_tid) &&
       L4_ThreadControl(worker, rm_tid, root_tid, rm_tid, utcb(1)) == 1 &&
       L4_ThreadControl(prober, rm_tid, root_tid, rm_tid, utcb(2)) == 1 &&
       L4_ThreadControl(rm_tid, rm_tid, root_tid, loader, utcb(0)) == 1,
       "client space with RM and two threads created");
    L4_MsgTag_t tag;
    ok(loader_start(rm_tid, rm_main, stack_top(3)), "RM started by its pager");

    /* The client runs its tests; we hear from its RM about the two
     * accesses that cannot be resolved. */
    /* Nothing is printed until both have arrived: the client's threads
     * print their own TAP lines meanwhile. */
    L4_Word_t w[2][4] = { { 0 } }, err[2] = { 0 };
    L4_MsgTag_t tags[2];
    for (int i = 0; i < 2; i++) {
        tags[i] = L4_Receive_Timeout(rm_tid, L4_TimePeriod(60 * 1000 * 1000));
        L4_StoreMRs(1, 4, w[i]);
        err[i] = L4_ErrorCode();
    }
    for (int i = 0; i < 2; i++)
        ok(L4_IpcSucceeded(tags[i]) && L4_Label(tags[i]) == RM_FAULT,
           "RM reports unresolved fault %d (error %lx)", i + 1,
           L4_IpcFailed(tags[i]) ? err[i] : 0);
    ok(w[0][0] == prober.raw && w[0][1] == FILE_VA + 16 && (w[0][3] & DS_W),
       "first: the prober's write to the read-only region (%lx at %lx, %lx)", w[0][0],
       w[0][1], w[0][3]);
    ok(w[1][0] == worker.raw && w[1][1] == FILE_VA + 8 && w[1][3] == DS_R,
       "then: the main thread's read at the detached address (%lx at %lx, %lx)", w[1][0],
       w[1][1], w[1][3]);
    is(crm.unresolved, 2, "exactly two unresolved faults");
    ok(crm.forwarded > 0, "image faults forwarded to the RM's pager (%lu)", crm.forwarded);
    /* The RM serves its own space only. */
    L4_Word_t f0 = crm.faults, u0 = crm.unresolved;
    is(rm_attach(rm_tid, SCRATCH_VA, PAGE, file_dm, file_handle, 0, DS_R), RM_ERR_PROTO,
       "RM refuses attach from another space");
    L4_ThreadId_t from;
    L4_LoadMR(0, L4ABI_TAG(L4ABI_LABEL_PAGEFAULT | DS_R, 2, 0));
    L4_LoadMR(1, FILE_VA);
    L4_LoadMR(2, 0);
    tag = L4_Ipc(rm_tid, rm_tid, L4_Timeouts(L4_Never, L4_TimePeriod(20000)), &from);
    ok(L4_IpcFailed(tag) && L4ABI_IPCERR_CODE(L4_ErrorCode()) == L4ABI_IPCERR_TIMEOUT &&
       crm.faults == f0 && crm.unresolved == u0,
       "a page-fault message forged from another space is ignored");
    ok(dm_file_stats.modules >= 2, "file DM found %lu boot modules", dm_file_stats.modules);

    L4_Word_t kmem0 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    ok(L4_ThreadControl(worker, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1 &&
       L4_ThreadControl(prober, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1 &&
       L4_ThreadControl(rm_tid, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul) == 1,
       "client space deleted");
    L4_Word_t kmem1 = L4_KDB_Stat(L4ABI_KDB_STAT_KMEM_BYTES);
    /* Its page directory and the page tables for image, file, anonymous
     * memory, scratch page and UTCB/KIP areas at least. */
    ok(kmem0 - kmem1 >= 6 * PAGE, "deletion freed the client's page tables (%lu bytes)",
       kmem0 - kmem1);

    int fails = tap_done();
    L4_KDB_Shutdown(fails ? 1 : 0);
    return 0;
}
