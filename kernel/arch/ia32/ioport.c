/* I/O ports. The TSS sits at the start of a page; its I/O bitmap offset is
 * 4096, so the bitmap is the two pages after it and a terminator byte
 * (0xff) on the third. The kernel reaches the TSS through a fixed window
 * (IOBM_WINDOW): page 0 aliases the TSS frame, pages 1-2 show the current
 * space's bitmap, page 3 the terminator. An address-space switch rewrites
 * the two bitmap PTEs (and flushes them) only when the bitmap changes;
 * every space without ports shares one all-denied bitmap, so the common
 * switch costs one compare.
 *
 * Derivation: a space records the space it last received ports from.
 * Unmapping ports revokes them from every space whose parent chain leads
 * to the unmapper. sigma0 owns every port except the kernel's own
 * (io_port_reserved) without having a bitmap. */
#include "ioport.h"
#include "gdt.h"
#include "cpu.h"
#include "trap.h"
#include "paging.h"
#include "../../x86decode.h"
#include "../../pagefault.h"
#include "uaccess.h"
#include "../../thread.h"
#include "../../space.h"
#include "../../ipc.h"
#include "../../kmem.h"
#include "../../string.h"
#include "../../pagefault.h"
#include "../../console.h"

static uint32_t io_pt[1024] __attribute__((aligned(4096)));
static uint8_t denied[2][4096] __attribute__((aligned(4096)));
static uint8_t terminator[4096] __attribute__((aligned(4096)));
static struct space *installed;     /* whose bitmap the window shows */
uint8_t *io_installed_bm;           /* its first page, NULL = all denied */
static struct space *io_spaces;
uint32_t io_stat_switches, io_stat_faults;

#define WIN_TSS   IOBM_WINDOW
#define WIN_BM0   (IOBM_WINDOW + 0x1000)
#define WIN_BM1   (IOBM_WINDOW + 0x2000)
#define WIN_END   (IOBM_WINDOW + 0x3000)

static void set_pte(uint32_t va, const void *page)
{
    io_pt[PT_SLOT(va)] = virt_to_phys(page) | PTE_P | PTE_W;
    invlpg(va);
}

void io_init(void)
{
    memset(denied, 0xff, sizeof(denied));
    memset(terminator, 0xff, sizeof(terminator));
    kernel_pd[PD_SLOT(IOBM_WINDOW)] = virt_to_phys(io_pt) | PTE_P | PTE_W;
    set_pte(WIN_TSS, &tss);
    set_pte(WIN_BM0, denied[0]);
    set_pte(WIN_BM1, denied[1]);
    set_pte(WIN_END, terminator);
    gdt_load_tss(WIN_TSS, 4096 + 8192, 4096);
}

static void install(struct space *s)
{
    installed = s;
    io_installed_bm = s ? s->io.bm.page[0] : NULL;
    set_pte(WIN_BM0, s ? s->io.bm.page[0] : denied[0]);
    set_pte(WIN_BM1, s ? s->io.bm.page[1] : denied[1]);
    io_stat_switches++;
}

void io_switch(struct space *s)
{
    struct space *want = s->io.bm.page[0] ? s : NULL;
    if (want != installed)
        install(want);
}

static bool has_ports(const struct space *s, uint32_t first, uint32_t n)
{
    if (s->sigma0) {
        for (uint32_t p = first; p < first + n; p++)
            if (io_port_reserved(p))
                return false;
        return first + n <= IO_PORTS;
    }
    return s->io.bm.page[0] && iobm_allowed(&s->io.bm, first, n);
}

static bool ensure_bitmap(struct space *s)
{
    if (s->io.bm.page[0])
        return true;
    /* Charged to the space (io_space_destroy gives it back). */
    uint8_t *a = kmem_alloc_acct(&s->kmem, 4096, KMEM_IOBITMAP);
    uint8_t *b = kmem_alloc_acct(&s->kmem, 4096, KMEM_IOBITMAP);
    if (!a || !b) {
        kmem_free_acct(&s->kmem, a, 4096, KMEM_IOBITMAP);
        kmem_free_acct(&s->kmem, b, 4096, KMEM_IOBITMAP);
        return false;
    }
    memset(a, 0xff, 4096);
    memset(b, 0xff, 4096);
    s->io.bm.page[0] = a;
    s->io.bm.page[1] = b;
    s->io.next = io_spaces;
    io_spaces = s;
    if (current->space == s)
        install(s);
    return true;
}

void io_space_destroy(struct space *s)
{
    if (!s->io.bm.page[0])
        return;
    for (struct space **pp = &io_spaces; *pp; pp = &(*pp)->io.next)
        if (*pp == s) {
            *pp = s->io.next;
            break;
        }
    for (struct space *t = io_spaces; t; t = t->io.next)
        if (t->io.parent == s)
            t->io.parent = s->io.parent;
    if (installed == s)
        install(NULL);
    kmem_free_acct(&s->kmem, s->io.bm.page[0], 4096, KMEM_IOBITMAP);
    kmem_free_acct(&s->kmem, s->io.bm.page[1], 4096, KMEM_IOBITMAP);
    s->io.bm.page[0] = s->io.bm.page[1] = NULL;
}

void io_map(struct space *from, struct space *to, uint32_t fpage, bool grant)
{
    uint32_t first, n;
    if (from == to || !io_fpage_range(fpage, &first, &n) || !ensure_bitmap(to))
        return;
    for (uint32_t p = first; p < first + n; p++) {
        if (io_port_reserved(p) || !has_ports(from, p, 1))
            continue;
        iobm_set(&to->io.bm, p, 1, true);
        if (grant && !from->sigma0)
            iobm_set(&from->io.bm, p, 1, false);
    }
    to->io.parent = from;
}

/* Does t's derivation chain lead to s? Bounded: cycles (A maps to B and
 * B back to A) cannot hang the kernel. */
static bool derived_from(const struct space *t, const struct space *s)
{
    int steps = 0;
    for (const struct space *p = t->io.parent; p && steps < 64; p = p->io.parent, steps++)
        if (p == s)
            return true;
    return false;
}

void io_unmap(struct space *s, uint32_t fpage, bool flush)
{
    uint32_t first, n;
    if (!io_fpage_range(fpage, &first, &n))
        return;
    for (struct space *t = io_spaces; t; t = t->io.next)
        if (t != s && derived_from(t, s))
            iobm_set(&t->io.bm, first, n, false);
    if (flush && s->io.bm.page[0])
        iobm_set(&s->io.bm, first, n, false);
}

bool io_fault(struct trap_frame *f, int len, const struct x86_insn *in)
{
    struct tcb *t = current;
    if (f->vector != TRAP_GP || f->error != 0 || !t->mr || len <= 0)
        return false;
    if (in->op != X86_IN && in->op != X86_OUT && in->op != X86_INS && in->op != X86_OUTS)
        return false;
    uint32_t port = in->port_dx ? (f->edx & 0xffff) : in->port;
    if (port + in->size > IO_PORTS)
        return false;
    if (has_ports(t->space, port, in->size) && !t->space->sigma0)
        return false;       /* not a permission problem */
    if (!tcb_resolve(t, UTCB(t, L4ABI_UTCB_PAGER))) {
        thread_stop(t, "I/O fault, and the pager does not exist", port, f->eip);
        return true;
    }
    io_stat_faults++;
    uint32_t err = fault_ipc(t, L4ABI_LABEL_IOFAULT | L4ABI_FPAGE_R | L4ABI_FPAGE_W,
                             io_fpage_cover(port, in->size), f->eip,
                             L4ABI_TIMEOUTS(L4ABI_TIME_NEVER, L4ABI_TIME_NEVER));
    if (err && !fault_ipc_interrupted(err))
        thread_stop(t, "I/O-fault IPC to the pager failed", port, f->eip);
    return true;
}
