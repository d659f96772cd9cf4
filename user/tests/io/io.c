/* I/O ports as X.2 I/O fpages: the root task gets ports from sigma0, a
 * child space faults on ports it lacks, the root task (its pager) answers
 * the I/O-fault IPC with an I/O-fpage map item, the instruction restarts;
 * unmapping revokes. Every instruction form and size, and the top of the
 * port space. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/kdebug.h>
#include <l4/sigma0.h>
#include <l4/pecan.h>
#include "libc.h"
#include "tap.h"
#include "pager.h"

#define UTCB_AREA   0xbfe00000u
#define KIP_AREA    0xbff00000u
#define CHILD_NO    90
#define DRIVER_NO   94
#define MAPPER_NO   96
#define LABEL_DONE  0x55

static L4_ThreadId_t root_tid, child, sigma0;
static L4_Word_t child_stack[1024] __attribute__((aligned(16)));

static L4_Word_t stat(L4_Word_t which) { return L4_KDB_Stat(which); }

/* ---- The I/O operations the child runs, each with a label at its I/O
 * instruction so the fault's IP can be checked. ---- */
#define IO_OP(name, body, ...)                                               \
    extern char ip_##name[];                                               \
    static __attribute__((noinline)) L4_Word_t op_##name(void)             \
    {                                                                      \
        L4_Word_t v = 0;                                                   \
        __asm__ volatile(".globl ip_" #name "\nip_" #name ": " body        \
                         __VA_ARGS__);                                     \
        return v;                                                          \
    }

static L4_Word_t buf[4];

IO_OP(inb_imm, "inb $0x71, %%al", : "+a"(v))
IO_OP(outb_imm, "outb %%al, $0x80", : "+a"(v))
IO_OP(inw_imm, "inw $0x80, %%ax", : "+a"(v))
IO_OP(inl_imm, "inl $0x80, %%eax", : "+a"(v))
IO_OP(outw_imm, "outw %%ax, $0x80", : "+a"(v))
IO_OP(outl_imm, "outl %%eax, $0x80", : "+a"(v))
extern char ip_outb_dx[];
static __attribute__((noinline)) L4_Word_t op_outb_dx(void)
{
    __asm__ volatile("movb $0x5a, %%al\n.globl ip_outb_dx\nip_outb_dx: outb %%al, %%dx"
                     :: "d"(0x3ff) : "eax");
    return 0;
}
IO_OP(inb_dx, "inb %%dx, %%al", : "+a"(v) : "d"(0x3ff))
IO_OP(inw_dx, "inw %%dx, %%ax", : "+a"(v) : "d"(0xfffe))
IO_OP(outw_dx, "outw %%ax, %%dx", : "+a"(v) : "d"(0xfffa))
IO_OP(inl_dx, "inl %%dx, %%eax", : "+a"(v) : "d"(0xfffc))
IO_OP(outl_dx, "outl %%eax, %%dx", : "+a"(v) : "d"(0xfff8))
IO_OP(inw_unaligned, "inw %%dx, %%ax", : "+a"(v) : "d"(0xfff9))
IO_OP(insb, "insb", : "+a"(v) : "d"(0xfff9), "D"(buf) : "memory")
IO_OP(rep_insw, "rep insw", : "+a"(v) : "d"(0xfffe), "D"(buf), "c"(2) : "memory")
IO_OP(outsl, "outsl", : "+a"(v) : "d"(0xfffc), "S"(buf))
IO_OP(outsb, "outsb", : "+a"(v) : "d"(0xffff), "S"(buf))
IO_OP(pic, "inb $0x21, %%al", : "+a"(v))

/* `inw %dx, %ax` with its operand-size prefix on the last byte of a page
 * and the opcode on the next: the decoder must read across. */
static unsigned char split_code[8192] __attribute__((aligned(4096)));
#define ip_split ((const char *)&split_code[4095])

static L4_Word_t op_split(void)
{
    L4_Word_t v;
    split_code[4095] = 0x66;
    split_code[4096] = 0xed;
    split_code[4097] = 0xc3;            /* ret */
    __asm__ volatile("call *%1" : "=a"(v) : "r"(&split_code[4095]), "d"(0xfffe) : "memory");
    return v;
}

static L4_Word_t op_attach(void)
{
    L4_Word_t r = L4_AssociateInterrupt(L4_InterruptThread(8), L4_Myself());
    return r ? ~0ul : L4_ErrorCode();
}

/* Receives one message from the mapper space, accepting map items. */
static L4_ThreadId_t mapper;
static L4_Word_t op_recv(void)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Receive(mapper);
    L4_Accept(L4_UntypedWordsAcceptor);
    return L4_IpcSucceeded(tag);
}

struct op {
    const char *name;
    L4_Word_t (*fn)(void);
    const char *ip;
    L4_Word_t fpage;        /* expected I/O-fault fpage (0: none) */
};

#define OP(n, port, log2) { #n, op_##n, ip_##n, L4ABI_IOFPAGE(port, log2) }
static const struct op ops[] = {
    OP(inb_imm, 0x71, 0),
    OP(outb_imm, 0x80, 0),
    OP(inw_imm, 0x80, 1),
    OP(inl_imm, 0x80, 2),
    OP(outw_imm, 0x80, 1),
    OP(outl_imm, 0x80, 2),
    OP(outb_dx, 0x3ff, 0),
    OP(inb_dx, 0x3ff, 0),
    OP(inw_dx, 0xfffe, 1),
    OP(outw_dx, 0xfffa, 1),
    OP(inl_dx, 0xfffc, 2),
    OP(outl_dx, 0xfff8, 2),
    OP(inw_unaligned, 0xfff8, 2),
    OP(insb, 0xfff9, 0),
    OP(rep_insw, 0xfffe, 1),
    OP(outsl, 0xfffc, 2),
    OP(outsb, 0xffff, 0),
    OP(split, 0xfffe, 1),
    { "attach", op_attach, 0, 0 },
    OP(pic, 0x21, 0),
    { "recv", op_recv, 0, 0 },
};
enum { OP_INB_IMM = 0, OP_INL_IMM = 3, OP_OUTB_DX = 6, OP_INB_DX = 7, OP_ATTACH = 18,
       OP_PIC, OP_RECV };

/* The child: reports the last result and asks for the next operation. */
static void child_main(void)
{
    L4_Word_t v = 0;
    for (;;) {
        L4_LoadMR(0, L4ABI_TAG(LABEL_DONE, 1, 0));
        L4_LoadMR(1, v);
        L4_Accept(L4_UntypedWordsAcceptor);     /* nil receive window */
        L4_MsgTag_t tag = L4_Call(root_tid);
        L4_Word_t i;
        L4_StoreMR(1, &i);
        v = (L4_IpcSucceeded(tag) && i < sizeof(ops) / sizeof(ops[0])) ? ops[i].fn() : ~0ul;
    }
}

/* Maps a faulting page 1:1 from our space. */
static void answer_pagefault(void)
{
    L4_Word_t addr, page;
    L4_StoreMR(1, &addr);
    page = addr & ~0xffful;
    volatile char *p = (volatile char *)page;
    char c = *p;
    *p = c;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible),
                                page);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    L4_Reply(child);
}

struct result {
    int faults;
    L4_Word_t fpage, ip;    /* of the first I/O fault */
    L4_Word_t value;
    int done;
};

/* Serves the child's faults until it reports back. I/O faults are
 * answered with the faulting fpage, at most `max_answers` times. */
static int grant_mode;      /* answer I/O faults with a grant item */

static void grant_ports(L4_Word_t fp)
{
    L4_Msg_t msg;
    L4_Fpage_t f = { .raw = fp };
    L4_MsgClear(&msg);
    L4_MsgAppendGrantItem(&msg, L4_GrantItem(f, 0));
    L4_MsgLoad(&msg);
    L4_Send(child);
}

static struct result wait_done(int max_answers)
{
    struct result r = { 0, 0, 0, 0, 0 };
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(child, L4_TimePeriod(200000));
        if (L4_IpcFailed(tag))
            return r;
        L4_Word_t kind = L4_Label(tag) & L4ABI_LABEL_KIND_MASK;
        if (kind == L4ABI_LABEL_PAGEFAULT) {
            answer_pagefault();
        } else if (kind == L4ABI_LABEL_IOFAULT) {
            L4_Word_t fp, ip;
            L4_StoreMR(1, &fp);
            L4_StoreMR(2, &ip);
            if (r.faults++ == 0) {
                r.fpage = fp;
                r.ip = ip;
            }
            if (r.faults <= max_answers && grant_mode)
                grant_ports(fp);
            else if (r.faults <= max_answers)
                L4_PecanMapPorts(child, L4ABI_IOFPAGE_PORT(fp), (int)L4ABI_IOFPAGE_LOG2(fp), 0);
        } else if (L4_Label(tag) == LABEL_DONE) {
            L4_StoreMR(1, &r.value);
            r.done = 1;
            return r;
        }
    }
}

static struct result run(int i, int max_answers)
{
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, (L4_Word_t)i);
    L4_Send(child);
    return wait_done(max_answers);
}

static void start_child(void)
{
    pager_start_child(child, root_tid, child_main, (L4_Word_t)&child_stack[1020],
                      KIP_AREA, UTCB_AREA);
}

/* ---- Derivation (issue 14 #3, #16): a third space, the mapper, sends
 * I/O map items to a driver space that got its ports from us. ---- */
enum { MOP_SEND, MOP_UNMAP, MOP_NOP };
static L4_Word_t mapper_stack[1024] __attribute__((aligned(16)));

/* Reports to us, then does what we answer: MOP_SEND maps the I/O fpage
 * MR2 (0: a nil fpage) to the driver; MOP_UNMAP unmaps every port with
 * flush; MOP_NOP nothing. Our answer may carry ports for it. */
static void mapper_main(void)
{
    L4_Word_t v = 0;
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_LoadMR(0, L4ABI_TAG(LABEL_DONE, 1, 0));
        L4_LoadMR(1, v);
        L4_MsgTag_t tag = L4_Call(root_tid);
        L4_Word_t op, arg;
        L4_StoreMR(1, &op);
        L4_StoreMR(2, &arg);
        v = 0;
        if (L4_IpcFailed(tag)) {
            continue;
        } else if (op == MOP_SEND) {
            L4_Msg_t msg;
            L4_Fpage_t f = { .raw = arg };
            L4_MsgClear(&msg);
            L4_MsgAppendMapItem(&msg, L4_MapItem(f, 0));
            L4_MsgLoad(&msg);
            v = L4_IpcSucceeded(L4_Send(child));
        } else if (op == MOP_UNMAP) {
            L4_PecanUnmapPorts(0, 16, 1);
            v = 1;
        } else if (op == MOP_NOP) {
            v = 1;
        }
    }
}

/* Answers the mapper's pending call with an operation (and, if `ports`
 * is an I/O fpage, a map item of it), then waits for its next report. */
static int mapper_op(L4_Word_t op, L4_Word_t arg, L4_Word_t ports)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendWord(&msg, op);
    L4_MsgAppendWord(&msg, arg);
    if (ports)
        L4_MsgAppendMapItem(&msg, L4_MapItem((L4_Fpage_t){ .raw = ports }, 0));
    L4_MsgLoad(&msg);
    if (L4_IpcFailed(L4_Send(mapper)))
        return 0;
    L4_MsgTag_t tag = pager_receive(mapper);
    L4_Word_t v = 0;
    L4_StoreMR(1, &v);
    return L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_DONE && v == 1;
}

/* The driver waits for the mapper's message; the mapper sends `fpage`. */
static int mapper_sends(L4_Word_t fpage)
{
    L4_LoadMR(0, L4ABI_TAG(0, 1, 0));
    L4_LoadMR(1, OP_RECV);
    if (L4_IpcFailed(L4_Send(child)))
        return 0;
    pager_drain(child);             /* its faults: then it waits for the mapper */
    int sent = mapper_op(MOP_SEND, fpage, 0);
    struct result r = wait_done(0);
    return sent && r.done && r.value == 1;
}

static int start_mapper(L4_Word_t version)
{
    mapper = L4_GlobalId(MAPPER_NO, version);
    /* Unconfined: the mapper sends map items straight to the driver. */
    if (!pager_start_child_redir(mapper, root_tid, mapper_main, (L4_Word_t)&mapper_stack[1020],
                                 KIP_AREA, UTCB_AREA, L4_anythread))
        return 0;
    L4_MsgTag_t tag = pager_receive(mapper);
    return L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_DONE;
}

static void delete_mapper(void)
{
    L4_ThreadControl(mapper, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

static void derivation_tests(void)
{
    child = L4_GlobalId(DRIVER_NO, 1);
    start_child();
    ok(wait_done(0).done && start_mapper(1), "driver and mapper spaces run");
    /* Same pages touched without an I/O fpage first, so that only the
     * I/O item could change the kernel's memory below. */
    ok(mapper_sends(0) && mapper_sends(0), "mapper sends to the driver");
    L4_Word_t k0 = stat(L4ABI_KDB_STAT_KMEM_BYTES);
    ok(mapper_sends(L4ABI_IOFPAGE(0x3f8, 3)), "mapper without ports sends an I/O map item");
    is(stat(L4ABI_KDB_STAT_KMEM_BYTES) - k0, 0,
       "io_map_from_nothing_allocates_nothing: no bitmap for the receiver");
    struct result r = run(OP_INB_DX, 1);
    ok(r.done && r.faults == 1, "the driver got no port from it (it faults; we map 0x3ff)");

    /* Issue 14 #3, first scenario: the driver holds 0x3ff from us. */
    ok(mapper_sends(L4ABI_IOFPAGE(0x3f8, 3)), "mapper without ports maps them to the driver");
    L4_PecanUnmapPorts(0x3f8, 3, 0);
    r = run(OP_INB_DX, 1);
    ok(r.done && r.faults == 1,
       "io_unmap_reaches_driver: the root task's unmap still revokes the driver's port");
    ok(mapper_sends(L4ABI_IOFPAGE(0x3f8, 3)) && mapper_op(MOP_UNMAP, 0, 0),
       "mapper without ports maps them to the driver, then unmaps all with flush");
    r = run(OP_INB_DX, 1);
    ok(r.done && r.faults == 0,
       "io_map_without_ports_is_no_derivation: the mapper's unmap leaves the driver's port");

    /* Second scenario: the mapper is deleted; a new space, likely in the
     * same kernel memory, unmaps everything. */
    ok(mapper_sends(L4ABI_IOFPAGE(0x3f8, 3)), "mapper without ports maps them again");
    delete_mapper();
    ok(start_mapper(2) && mapper_op(MOP_UNMAP, 0, 0), "mapper deleted; a new space unmaps all");
    r = run(OP_INB_DX, 1);
    ok(r.done && r.faults == 0,
       "io_deleted_mapper_leaves_no_parent: a new space cannot revoke the driver's port");

    /* A real holder's map is a derivation: its unmap and its deletion
     * revoke (X.2: what was derived from a deleted space goes with it). */
    ok(mapper_op(MOP_NOP, 0, L4ABI_IOFPAGE(0x80, 2)) &&
       mapper_sends(L4ABI_IOFPAGE(0x80, 2)), "root task maps ports to the mapper, it to the driver");
    r = run(OP_INL_IMM, 1);
    ok(r.done && r.faults == 0, "the driver uses the mapper's ports");
    ok(mapper_op(MOP_UNMAP, 0, 0), "the mapper unmaps");
    r = run(OP_INL_IMM, 1);
    ok(r.done && r.faults == 1, "io_holder_unmap_revokes: the driver lost them");
    L4_PecanUnmapPorts(0x80, 2, 0);
    ok(mapper_op(MOP_NOP, 0, L4ABI_IOFPAGE(0x80, 2)) &&
       mapper_sends(L4ABI_IOFPAGE(0x80, 2)), "mapped again through the mapper");
    delete_mapper();
    r = run(OP_INL_IMM, 1);
    ok(r.done && r.faults == 1, "io_deleted_mapper_revokes_derived: the driver lost them");
    L4_ThreadControl(child, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
}

int main(void)
{
    tap_plan(54);
    root_tid = L4_Myself();
    sigma0 = L4_GlobalId(48, 1);
    child = L4_GlobalId(CHILD_NO, 1);

    /* The root task gets the ports it will hand on from sigma0. */
    ok(L4_PecanSigma0GetPorts(sigma0, 0x70, 1) && L4_PecanSigma0GetPorts(sigma0, 0x80, 2) &&
       L4_PecanSigma0GetPorts(sigma0, 0x3f8, 3) && L4_PecanSigma0GetPorts(sigma0, 0xfff8, 3),
       "sigma0 maps I/O fpages to the root task");
    L4_Word_t f0 = stat(L4ABI_KDB_STAT_IO_FAULTS);
    unsigned char v;
    __asm__ volatile("outb %%al, %%dx" :: "a"(0xa5), "d"(0x3ff));
    __asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x3ff));
    ok(v == 0xa5 && stat(L4ABI_KDB_STAT_IO_FAULTS) == f0,
       "mapped port works without a fault (scratch register %#x)", v);

    /* An I/O fault of the root task itself goes to sigma0, which maps. */
    __asm__ volatile("inb $0x72, %%al" : "=a"(v));
    ok(stat(L4ABI_KDB_STAT_IO_FAULTS) == f0 + 1, "root task's I/O fault answered by sigma0");

    start_child();
    struct result r = wait_done(0);
    ok(r.done, "child space runs");

    L4_Word_t sw0 = stat(L4ABI_KDB_STAT_IO_SWITCHES);
    for (int i = 0; i < OP_ATTACH; i++) {
        L4_PecanUnmapPorts(0, 16, 0);       /* revoke everything from the child */
        r = run(i, 1);
        ok(r.done && r.faults == 1 && r.fpage == ops[i].fpage &&
           r.ip == (L4_Word_t)ops[i].ip,
           "%s: one I/O fault, fpage %lx (want %lx), ip %lx, then it completes", ops[i].name,
           r.fpage, ops[i].fpage, r.ip);
        if (i == OP_INB_DX)
            is(r.value & 0xff, 0x5a, "inb reads what outb wrote (scratch register)");
    }
    ok(stat(L4ABI_KDB_STAT_IO_SWITCHES) > sw0, "bitmap window switched between spaces");

    /* Mapped ports stay: a second run does not fault; unmap revokes. */
    r = run(OP_INB_IMM, 1);
    ok(r.done && r.faults == 1, "fault maps the port");
    r = run(OP_INB_IMM, 1);
    ok(r.done && r.faults == 0, "port still mapped: no fault");
    L4_PecanUnmapPorts(0x70, 1, 0);
    r = run(OP_INB_IMM, 1);
    ok(r.done && r.faults == 1, "unmap revokes the port from the child");
    L4_PecanUnmapPorts(0x3f8, 3, 0);
    r = run(OP_OUTB_DX, 1);
    ok(r.done && r.faults == 1, "unmap of a larger fpage revokes its ports");

    /* The root task keeps its own ports after an unmap without flush. */
    f0 = stat(L4ABI_KDB_STAT_IO_FAULTS);
    __asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x3ff));
    ok(stat(L4ABI_KDB_STAT_IO_FAULTS) == f0, "unmap without flush keeps our ports");

    /* Grant: the child gets the ports, we lose them (our next access
     * faults to sigma0, which maps them again). */
    L4_PecanUnmapPorts(0, 16, 0);
    grant_mode = 1;
    r = run(OP_INB_DX, 1);
    grant_mode = 0;
    ok(r.done && r.faults == 1 && (r.value & 0xff) == 0x5a, "granted port works in the child");
    f0 = stat(L4ABI_KDB_STAT_IO_FAULTS);
    __asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x3ff));
    ok(stat(L4ABI_KDB_STAT_IO_FAULTS) == f0 + 1 && v == 0x5a,
       "the granter lost the port (one fault, sigma0 maps it back)");
    r = run(OP_INB_DX, 1);
    ok(r.done && r.faults == 0, "the child keeps the granted port");

    /* X.2 on ia32 as Pistachio has it: the receive window for I/O fpages
     * is the whole port space, whatever BR0 says. The child's BR0 is nil
     * (it accepts no mappings); ports sent with its next job arrive. */
    L4_PecanUnmapPorts(0, 16, 0);
    L4_MapItem_t io = L4_MapItem((L4_Fpage_t){ .raw = L4ABI_IOFPAGE(0x70, 1) }, 0);
    L4_LoadMR(0, L4ABI_TAG(0, 1, 2));
    L4_LoadMR(1, OP_INB_IMM);
    L4_LoadMR(2, io.raw[0]);
    L4_LoadMR(3, io.raw[1]);
    L4_MsgTag_t sent = L4_Send(child);
    r = wait_done(1);
    ok(L4_IpcSucceeded(sent) && r.done && r.faults == 0,
       "X.2: an I/O fpage map item reaches a receiver with a nil receive window "
       "(the port works without a fault: %d faults)", r.faults);

    r = run(OP_ATTACH, 0);
    ok(r.done && r.value == L4ABI_ERR_NO_PRIVILEGE, "unprivileged interrupt attach refused");

    /* Kernel ports are never mapped: the fault repeats. */
    r = run(OP_PIC, 2);
    ok(!r.done && r.faults == 3 && r.fpage == L4ABI_IOFPAGE(0x21, 0),
       "PIC port never handed out (%d faults)", r.faults);
    L4_ThreadControl(child, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    ok(L4_KDB_Stat(L4ABI_KDB_STAT_FREE_FRAMES) != ~0ul, "child space deleted");

    derivation_tests();
    return tap_done() ? (L4_KDB_Shutdown(1), 1) : (L4_KDB_Shutdown(0), 0);
}
