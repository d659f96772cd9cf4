/* Debugger commands about kernel objects: address spaces, the mapping
 * database tree of a frame, the KIP, interrupt lines, I/O-port holders and
 * kernel memory by kind. */
#include "kdb_int.h"
#include "../thread.h"
#include "../space.h"
#include "../mdb.h"
#include "../iomdb.h"
#include "../kip.h"
#include "../kmem.h"
#include "../irq.h"
#include "../frame.h"

/* ---- spaces: found through their threads (spaces have no list) ---------- */
#define MAX_SPACES 256
struct space_walk { const struct space *seen[MAX_SPACES]; unsigned n; };

static void space_of(struct tcb *t, void *arg)
{
    struct space_walk *w = arg;
    if (!t->space || t->space == &kernel_space)
        return;
    for (unsigned i = 0; i < w->n; i++)
        if (w->seen[i] == t->space)
            return;
    if (w->n == MAX_SPACES)
        return;
    const struct space *s = t->space;
    w->seen[w->n++] = s;
    kp("%p %08x %5u %5u %08x %08x %6u/%-10u %s%s\n", (const void *)s, t->gid, s->threads,
       s->active_threads, s->kip_area, s->utcb_area, s->kmem.used,
       s->kmem.limit, s->privileged ? "privileged " : "", s->sigma0 ? "sigma0" : "");
}

static int cmd_spaces(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct space_walk w;
    w.n = 0;
    kp("space    a thread thrds activ kip-area utcb-area kmem used/limit\n");
    kdb_each_thread(space_of, &w);
    kp("%u spaces (ptab <thread> shows one's page tables)\n", w.n);
    return KDB_STAY;
}
KDB_COMMAND(spaces, "", "address spaces (with one of their threads)", cmd_spaces);

/* ---- mapping database ------------------------------------------------------ */
static const char *rights(unsigned r)
{
    static char buf[4];
    buf[0] = r & L4ABI_FPAGE_R ? 'r' : '-';
    buf[1] = r & L4ABI_FPAGE_W ? 'w' : '-';
    buf[2] = r & L4ABI_FPAGE_X ? 'x' : '-';
    buf[3] = 0;
    return buf;
}

static int cmd_mdb(int argc, char **argv)
{
    uint32_t pa;
    struct tcb *s0 = tcb_of_no(SIGMA0_NO);
    if (argc < 2 || !kdb_num(argv[1], &pa)) {
        kp("usage: mdb paddr\n");
        return KDB_STAY;
    }
    if (!kdb_thread_alive(s0) || !s0->space) {
        kp("sigma0 is gone: no roots\n");
        return KDB_STAY;
    }
    const struct mapnode *root = mdb_lookup(s0->space, pa & ~(PAGE_SIZE - 1));
    if (!root) {
        kp("frame %08x: sigma0 has not handed it out (no node)\n", pa);
        return KDB_STAY;
    }
    while (root->parent)
        root = root->parent;
    /* Depth-first, iteratively (trees may be deep). */
    unsigned depth = 0, n = 0;
    const struct mapnode *m = root;
    while (m && n < 500) {
        kp("%*s%p space %p va %08x pa %08x %s %s%s\n", (int)(2 * depth), "", (const void *)m,
           (const void *)m->space, m->va, m->pa, m->log2 == 22 ? "4M" : "4K",
           rights(m->rights), m->parent ? "" : " (root)");
        n++;
        if (m->child) {
            m = m->child;
            depth++;
            continue;
        }
        while (m && m != root && !m->next) {
            m = m->parent;
            depth--;
        }
        m = (m && m != root) ? m->next : NULL;
    }
    return KDB_STAY;
}
KDB_COMMAND(mdb, "paddr", "the mapping-database tree of a physical frame", cmd_mdb);

/* ---- KIP ------------------------------------------------------------------- */
static int cmd_kip(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct l4_kip *k = kip_kernel();
    kp("KIP at %p (phys %08lx): magic %08x api %08x flags %08x\n", (const void *)k,
       (unsigned long)kip_phys(), k->magic, k->api_version, k->api_flags);
    kp("  sigma0 ip %08x sp %08x [%08x, %08x)  root ip %08x sp %08x [%08x, %08x)\n",
       k->sigma0.ip, k->sigma0.sp, k->sigma0.low, k->sigma0.high, k->root_server.ip,
       k->root_server.sp, k->root_server.low, k->root_server.high);
    kp("  memory_info %08x main_mem [%08x, %08x) utcb_area_info %08x kip_area_info %08x\n",
       k->memory_info, k->main_mem.low, k->main_mem.high, k->utcb_area_info,
       k->kip_area_info);
    kp("  boot_info %08x clock %08x threads %08x pages %08x processors %08x\n",
       k->boot_info, k->clock_info, k->thread_info, k->page_info, k->processor_info);
    kp("  syscalls: ipc +%x lipc +%x exreg +%x thctl +%x spctl +%x unmap +%x\n", k->ipc,
       k->lipc, k->exchange_registers, k->thread_control, k->space_control, k->unmap);
    return KDB_STAY;
}
KDB_COMMAND(kip, "", "the kernel interface page", cmd_kip);

/* ---- kernel memory ----------------------------------------------------- */
static int cmd_kmem(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct kmem_stats st;
    kmem_get_stats(&st);
    kp("kernel objects by kind (bytes as size classes):\n");
    uint32_t total = 0;
    for (int k = 0; k < KMEM_NKINDS; k++) {
        kp("  %-10s %8u bytes %6u objects\n", kmem_kind_name((enum kmem_kind)k), st.bytes[k],
           st.objects[k]);
        total += st.bytes[k];
    }
    kp("  total      %8u bytes in %u allocator frames\n", total, st.pages);
    kp("frames: %u free of %u\n", frame_free_count(), frame_total_count());
    return KDB_STAY;
}
KDB_COMMAND(kmem, "", "kernel memory use by kind", cmd_kmem);

/* ---- interrupts and I/O ports ------------------------------------------- */
static int cmd_irq(int argc, char **argv)
{
    (void)argc, (void)argv;
    unsigned idle = 0;
    kp("line kernel    handler  mode  pending raised\n");
    for (unsigned i = 0; i < IRQ_LINES; i++) {
        struct irq_info in;
        if (!irq_describe(i, &in))
            continue;
        bool pending = irq_pending & (1u << i);
        if (!in.kernel && !in.handler && !pending) {
            idle++;
            continue;
        }
        kp("%4u %-9s %08x %-5s %-7s %u\n", i, in.kernel ? in.kernel : "-", in.handler,
           in.mode, pending ? "yes" : "no", in.raised);
    }
    kp("%u more lines without a handler (masked)\n", idle);
    return KDB_STAY;
}
KDB_COMMAND(irq, "", "interrupt lines: handlers and pending state", cmd_irq);

static void io_tree(const struct ionode *n, unsigned depth)
{
    /* Iterative preorder over the derivation tree rooted at the list n. */
    unsigned count = 0;
    while (n && count < 500) {
        kp("%*s[%04x, %04x] space %p\n", (int)(2 + 2 * depth), "", n->first, n->last,
           (const void *)n->space);
        count++;
        if (n->child) {
            n = n->child;
            depth++;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (depth)
                depth--;
        }
        if (n)
            n = n->next;
    }
}

static int cmd_io(int argc, char **argv)
{
    (void)argc, (void)argv;
    kp("I/O ports held outside sigma0 (sigma0 holds every other unreserved port):\n");
    const struct ionode *r = iomdb_roots();
    if (!r)
        kp("  none\n");
    io_tree(r, 0);
    return KDB_STAY;
}
KDB_COMMAND(io, "", "I/O-port holders (the port derivation tree)", cmd_io);
