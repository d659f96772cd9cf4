/* I/O ports. Every CPU has its own window of four pages at
 * IOBM_WINDOW + index * 16 KiB: page 0 aliases the frame that holds its
 * TSS, pages 1-2 show the bitmap of the space it runs, page 3 holds the
 * terminator byte (0xff). The CPU's task register points at the TSS
 * through the window, with the I/O bitmap offset reaching page 1. An
 * address-space switch rewrites that CPU's two bitmap PTEs (and flushes
 * them, locally: no other CPU uses the window) only when the bitmap
 * changes; every space without ports shares one all-denied bitmap, so
 * the common switch costs one compare with the CPU record's `io_bm`.
 *
 * Derivation: per port, like memory (iomdb.c); the bitmaps follow the
 * derivation trees. sigma0 owns every port except the kernel's own
 * (io_port_reserved) without having nodes; its bitmap allows all of them
 * from boot, so an X.2 sigma0 can drive a device itself. */
#include "ioport.h"
#include "gdt.h"
#include "cpu.h"
#include "trap.h"
#include "paging.h"
#include "x86decode.h"
#include "../../pagefault.h"
#include "uaccess.h"
#include "../../thread.h"
#include "../../space.h"
#include "../../ipc.h"
#include "../../kmem.h"
#include "../../string.h"
#include "../../pagefault.h"
#include "../../console.h"
#include "../../sched.h"
#include "smp.h"

static uint32_t io_pt[1024] __attribute__((aligned(4096)));
static uint8_t denied[2][4096] __attribute__((aligned(4096)));
static uint8_t terminator[4096] __attribute__((aligned(4096)));
uint32_t io_stat_switches, io_stat_faults;

/* A CPU record's io_bm after its window was reset from elsewhere: equal
 * to no space's bitmap, so its next switch installs one. */
#define IO_BM_STALE ((uint8_t *)1)

#define WIN_SIZE    0x4000u
#define WIN_TSS(i)  (IOBM_WINDOW + (i) * WIN_SIZE)
#define WIN_BM0(i)  (WIN_TSS(i) + 0x1000)
#define WIN_BM1(i)  (WIN_TSS(i) + 0x2000)
#define WIN_END(i)  (WIN_TSS(i) + 0x3000)
_Static_assert(MAX_CPUS * WIN_SIZE <= 0x400000, "the windows fit one page table");

static void set_pte(uint32_t va, const void *page)
{
    io_pt[PT_SLOT(va)] = virt_to_phys(page) | PTE_P | PTE_W;
    invlpg(va);
}

/* This CPU's window, all ports denied, and its task register on the TSS
 * seen through it (the TSS need not start its page: the bitmap offset
 * makes up the difference). */
static void window_init(struct cpu_local *c, uint64_t *g, struct tss *t)
{
    uint32_t off = (uint32_t)(uintptr_t)t & 0xfffu;
    set_pte(WIN_TSS(c->index), (const void *)((uintptr_t)t & ~0xfffu));
    set_pte(WIN_BM0(c->index), denied[0]);
    set_pte(WIN_BM1(c->index), denied[1]);
    set_pte(WIN_END(c->index), terminator);
    c->io_space = NULL;
    c->io_bm = NULL;
    uint16_t iomap = (uint16_t)(4096 - off);
    gdt_load_tss_on(g, t, WIN_TSS(c->index) + off, iomap + 8192u, iomap);
}

void io_init(void)
{
    memset(denied, 0xff, sizeof(denied));
    memset(terminator, 0xff, sizeof(terminator));
    kernel_pd[PD_SLOT(IOBM_WINDOW)] = virt_to_phys(io_pt) | PTE_P | PTE_W;
    window_init(&cpu_local[0], gdt, &cpu_local[0].tss);
}

void io_init_cpu(struct cpu_local *c)
{
    window_init(c, c->gdt, &c->tss);
}

static void install(struct cpu_local *c, struct space *s)
{
    c->io_space = s;
    c->io_bm = s ? s->io.bm.page[0] : NULL;
    set_pte(WIN_BM0(c->index), s ? s->io.bm.page[0] : denied[0]);
    set_pte(WIN_BM1(c->index), s ? s->io.bm.page[1] : denied[1]);
    io_stat_switches++;
}

void io_switch(struct cpu_local *me, struct space *s)
{
    struct space *want = s->io.bm.page[0] ? s : NULL;
    if (want != me->io_space || me->io_bm == IO_BM_STALE)
        install(me, want);
}

/* s's bitmap goes away: no window may show it any more. Other CPUs'
 * windows are reset to all-denied here (the holder of the whole lock may
 * write their PTEs; their TLBs drop the old entries at their next switch,
 * which reinstalls since io_bm is stale, before any thread of another
 * space uses a port there). */
static void forget(struct space *s)
{
    struct cpu_local *me = cpu_self();
    for (unsigned i = 0; i < cpus_sched || i == 0; i++) {
        struct cpu_local *c = &cpu_local[i];
        if (c->io_space != s)
            continue;
        if (c == me) {
            install(me, NULL);
            continue;
        }
        io_pt[PT_SLOT(WIN_BM0(i))] = virt_to_phys(denied[0]) | PTE_P | PTE_W;
        io_pt[PT_SLOT(WIN_BM1(i))] = virt_to_phys(denied[1]) | PTE_P | PTE_W;
        c->io_space = NULL;
        c->io_bm = IO_BM_STALE;
    }
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
    if (current->space == s)
        install(cpu_self(), s);     /* other CPUs: io_fault installs it */
    return true;
}

bool io_space_init_sigma0(struct space *s)
{
    if (!ensure_bitmap(s))
        return false;
    uint32_t first = 0, end;
    while (io_free_run(&first, IO_PORTS, &end)) {
        iobm_set(&s->io.bm, first, end - first, true);
        first = end;
    }
    return true;
}

struct iomdb_list *iomdb_slot(struct space *s)
{
    return &s->io.held;
}

void iomdb_bits(struct space *s, uint32_t first, uint32_t end, bool allow)
{
    if (s->io.bm.page[0])
        iobm_set(&s->io.bm, first, end - first, allow);
}

/* Between chunks of a long revocation: nothing is half done, so pending
 * interrupts are taken and a higher priority may run; the walk then
 * starts again from the top (what is gone stays gone). */
static void io_breather(bool may_yield)
{
    irq_window();
    if (may_yield && sched_need_resched())
        schedule();
}

void io_space_destroy(struct space *s)
{
    while (!iomdb_space_destroy(s, IO_WORK_CHUNK))
        io_breather(false);
    if (!s->io.bm.page[0])
        return;
    forget(s);
    kmem_free_acct(&s->kmem, s->io.bm.page[0], 4096, KMEM_IOBITMAP);
    kmem_free_acct(&s->kmem, s->io.bm.page[1], 4096, KMEM_IOBITMAP);
    s->io.bm.page[0] = s->io.bm.page[1] = NULL;
}

void io_map(struct space *from, struct space *to, uint32_t fpage, bool grant)
{
    uint32_t first, n, e;
    if (from == to || to->sigma0 || !io_fpage_range(fpage, &first, &n))
        return;
    /* What does the sender hold there? Nothing: nothing to allocate. */
    uint32_t p = first;
    if (from->sigma0 ? !io_free_run(&p, first + n, &e)
                     : !iomdb_holds_any(from, first, first + n))
        return;
    if (!ensure_bitmap(to))
        return;
    (void)iomdb_map(from->sigma0 ? NULL : from, to, first, first + n, grant,
                    IO_MAP_WORK);
}

void io_unmap(struct space *s, uint32_t fpage, bool flush)
{
    uint32_t first, n;
    if (!io_fpage_range(fpage, &first, &n))
        return;
    while (!iomdb_unmap(s->sigma0 ? NULL : s, first, first + n, flush,
                        IO_WORK_CHUNK))
        io_breather(true);
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
    if (has_ports(t->space, port, in->size) && !t->space->sigma0) {
        /* The space got its first ports (a bitmap) while this CPU ran
         * it: its window still shows the all-denied one. */
        struct cpu_local *me = cpu_self();
        if (me->io_space != t->space) {
            io_switch(me, t->space);
            return true;    /* restart the instruction */
        }
        return false;       /* not a permission problem */
    }
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
