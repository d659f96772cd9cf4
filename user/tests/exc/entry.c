/* Kernel entries with user-chosen EFLAGS, every `int n`, and virtual-8086
 * mode (docs/exceptions.md, "Kernel entry and EFLAGS"). */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/kdebug.h>
#include "libc.h"
#include "tap.h"
#include "syslinks.h"
#include "pager.h"
#include "exc.h"

struct fregs { L4_Word_t eax, ecx, edx, ebx, esi, edi, ebp; };
extern L4_Word_t flags_call(struct fregs *r, L4_Word_t set, L4_Word_t target);
extern char flags_ud[], flags_ud_insn[], flags_spin[], vec_stubs[], v86_iret[], v86_resume[];
extern void call_vector(unsigned n);
extern L4_Word_t v86_enter(L4_Word_t cs, L4_Word_t ip, L4_Word_t eflags);
extern volatile L4_Word_t v86_saved_esp;
extern L4_Word_t __l4_syslinks[L4LIB_NSYSCALLS];

/* ---- NT, AC, DF through every kind of kernel entry ---- */
#define NMASKS 4
static const L4_Word_t masks[NMASKS] = { EFL_NT, EFL_AC, EFL_DF, EFL_NT | EFL_AC | EFL_DF };
static const char *const mask_names[NMASKS] = { "NT", "AC", "DF", "NT+AC+DF" };

/* Kinds 0..10 are the KIP's system-call links in syslinks.h order (Ipc
 * and Lipc are sysenter where the CPU has it, the rest int gates). */
enum { K_UD = L4LIB_NSYSCALLS, K_SPIN, NKINDS };
static const char *const kind_names[NKINDS] = {
    "Ipc", "Lipc", "ExchangeRegisters", "ThreadControl", "SystemClock", "ThreadSwitch",
    "Schedule", "Unmap", "SpaceControl", "ProcessorControl", "MemoryControl", "#UD",
    "timer preemption",
};
static volatile L4_Word_t got[NMASKS][NKINDS], spin_switches[NMASKS], spin_ticks[NMASKS];
static L4_ThreadId_t spinner;

static unsigned long spin_job(void)
{
    for (;;)
        __asm__ volatile("" ::: "memory");
    return 0;
}

static L4_Word_t entry_with(L4_Word_t mask, int kind)
{
    struct fregs r = { 0 };
    L4_Word_t target = kind < L4LIB_NSYSCALLS ? __l4_syslinks[kind] : 0;
    switch (kind) {
    case L4LIB_SYS_IPC:
    case L4LIB_SYS_LIPC:
        /* Sleep 2 ms (receive from ourselves): the spinner runs, and the
         * kernel switches back through its interrupt frame's iret. */
        r.edx = L4_Myself().raw;
        r.ecx = L4_Timeouts(L4_Never, L4_TimePeriod(2000));
        break;
    case L4LIB_SYS_EXCHANGEREGISTERS:
        r.eax = spinner.raw;            /* read only (control 0) */
        break;
    case K_UD:
        target = (L4_Word_t)flags_ud;
        break;
    case K_SPIN:
        target = (L4_Word_t)flags_spin;
        r.ecx = 12000000;               /* ~24 ms: past one 10 ms slice */
        break;
    }
    return flags_call(&r, mask, target);
}

static unsigned long flags_job(void)
{
    for (int m = 0; m < NMASKS; m++)
        for (int k = 0; k < NKINDS; k++) {
            L4_Word_t sw0 = stat(L4ABI_KDB_STAT_CONTEXT_SWITCHES);
            L4_Word_t t0 = (L4_Word_t)L4_SystemClock().raw;
            got[m][k] = entry_with(masks[m], k);
            if (k == K_SPIN) {
                spin_switches[m] = stat(L4ABI_KDB_STAT_CONTEXT_SWITCHES) - sw0;
                spin_ticks[m] = (L4_Word_t)L4_SystemClock().raw - t0;
            }
        }
    return 1;
}

void test_entry_flags(void)
{
    spinner = start_worker(140, spin_job, root_tid);
    L4_ThreadId_t t = start_worker(141, flags_job, root_tid);
    L4_Word_t ud_flags[NMASKS] = { 0 };
    int m = 0, bad = 0, good = 0;
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(2000000));
        for (int i = 1; i <= 12; i++)
            w[i] = 0;
        if (L4_IpcSucceeded(tag))
            L4_StoreMRs(1, L4_UntypedWords(tag) > 12 ? 12 : (int)L4_UntypedWords(tag), &w[1]);
        if (L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_DONE) {
            good = w[1] == 1;
            break;
        }
        if (!is_exc(tag, L4ABI_LABEL_EXCEPTION) || M_EIP != (L4_Word_t)flags_ud_insn ||
            m >= NMASKS) {
            diag("unexpected message: label %lx eip %lx", L4_Label(tag), M_EIP);
            bad++;
            break;
        }
        ud_flags[m++] = M_EFLAGS;
        M_EIP += 2;
        reply_regs(t);
    }
    ok(good && !bad, "a thread with NT, AC, DF set made every kind of kernel entry and lived");
    for (int i = 0; i < NMASKS; i++) {
        int kept = 1;
        for (int k = 0; k < NKINDS; k++)
            if ((got[i][k] & masks[i]) != masks[i]) {
                diag("%s: after %s flags %lx", mask_names[i], kind_names[k], got[i][k]);
                kept = 0;
            }
        ok(good && kept, "%s set by the user survives sysenter IPC, every int system call, "
           "an exception and preemption", mask_names[i]);
        ok((ud_flags[i] & masks[i]) == masks[i] && (ud_flags[i] & EFL_IF),
           "%s shows in the exception message's EFLAGS (%lx)", mask_names[i], ud_flags[i]);
        ok(spin_switches[i] >= 2, "spinning with %s set: preempted (%lu switches in %lu us)",
           mask_names[i], spin_switches[i], spin_ticks[i]);
    }
    delete_thread(t);
    delete_thread(spinner);
}

/* ---- every `int n` from user mode ---- */
static int served(unsigned n) { return n >= 0x80 && n <= 0x8a; }

static unsigned long vectors_job(void)
{
    for (unsigned n = 0; n < 256; n++)
        call_vector(n);
    return 256;
}

void test_all_vectors(void)
{
    L4_ThreadId_t t = start_worker(142, vectors_job, root_tid);
    int bad = 0, sysexc = 0, traps = 0;
    for (unsigned n = 0; n < 256; n++) {
        if (served(n))
            continue;
        L4_MsgTag_t tag = receive(t);
        L4_Word_t after = (L4_Word_t)vec_stubs + 4 * n + 2;
        int good;
        if (n == 3 || n == 4) {
            good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == n && M_EIP == after;
            traps += good;
        } else {
            good = is_exc(tag, L4ABI_LABEL_SYSEXC) && M_EXCNO == n &&
                   M_ERR == ((n << 3) | 2) && M_EIP == after;
            sysexc += good;
        }
        if (!good) {
            diag("int $%#x: label %lx excno %lx err %lx eip %lx (want %lx)", n,
                 L4_Label(tag), M_EXCNO, M_ERR, M_EIP, after);
            if (++bad > 4 || L4_IpcFailed(tag) || L4_Label(tag) == LBL_DONE)
                break;
        }
        reply_regs(t);
    }
    ok(!bad && sysexc == 256 - 11 - 2, "int n for each of the %d vectors no system call serves "
       "raises the system-call exception (n, (n << 3) | 2, eip after)", sysexc);
    ok(!bad && traps == 2, "int $3 and int $4 (cd form) raise #BP and #OF after the instruction");
    int good = 0;
    L4_Word_t r = bad ? 0 : result(t, &good);
    ok(good && r == 256, "the 11 system-call vectors with zero registers are plain calls; "
       "the thread ran through all 256");
    delete_thread(t);
}

/* ---- virtual-8086 mode ---- */
#define V86_PAGE 0x10000ul      /* cs 0x1000: jmp $ at ip 0, hlt at ip 2 */
static volatile L4_Word_t v86_cs, v86_ip, v86_fl;

static unsigned long v86_job(void)
{
    return v86_enter(v86_cs, v86_ip, v86_fl);
}

/* Starts a worker that irets into v86 mode at cs:ip; expects #GP with VM in
 * the EFLAGS word and eip = cs * 16 + ip, or (a CPU that refuses v86 from
 * CPL 3) #GP at the iret. */
static void v86_case(int no, const char *what, L4_Word_t cs, L4_Word_t ip, L4_Word_t fl)
{
    v86_cs = cs;
    v86_ip = ip;
    v86_fl = fl;
    L4_ThreadId_t t = start_worker(no, v86_job, root_tid);
    L4_MsgTag_t tag = receive(t);
    int refused = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 13 &&
                  M_EIP == (L4_Word_t)v86_iret && !(M_EFLAGS & EFL_VM);
    int good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 13 && M_ERR == 0 &&
               (M_EFLAGS & EFL_VM) && M_EIP == cs * 16 + ip;
    if (refused)
        ok(1, "v86 %s: exception IPC # SKIP the CPU refuses v86 mode from CPL 3", what);
    else
        ok(good, "v86 %s: the kernel lives, the handler gets #GP with VM in EFLAGS "
           "(label %lx excno %lu err %lx eip %lx eflags %lx)", what, L4_Label(tag), M_EXCNO,
           M_ERR, M_EIP, M_EFLAGS);
    M_EIP = (L4_Word_t)v86_resume;
    M_ESP = v86_saved_esp;
    reply_regs(t);
    int done;
    L4_Word_t fl_after = result(t, &done);
    ok(done && !(fl_after & (EFL_VM | EFL_IOPL)) && (fl_after & EFL_IF),
       "v86 %s: the reply resumes the thread in protected mode, IOPL 0, %%gs usable "
       "(flags %lx)", what, fl_after);
    delete_thread(t);
}

/* An unprivileged space gets nothing mapped in v86 mode's reach, so v86
 * mode faults at once even with IF clear (which QEMU lets a CPL-3 iret
 * set: with a `jmp $` there the machine would never see an interrupt). */
#define LBL_MAPLOW 0x620
static L4_Word_t v86_child_stack[1024] __attribute__((aligned(16)));
static volatile L4_Word_t v86_child_flags;

static void v86_child(void)
{
    L4_Set_ExceptionHandler(root_tid);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    load_tag(LBL_MAPLOW, 0, 0);
    L4_Call(root_tid);                  /* the reply maps V86_PAGE, or not */
    v86_child_flags = v86_enter(0x1000, 0, EFL_VM | 0x2);
    (void)*(volatile char *)V86_PAGE;   /* a page fault if nothing is there */
    for (;;)
        L4_Sleep(L4_Never);
}

static L4_MsgTag_t next_from(L4_ThreadId_t t, L4_Word_t unless_fault_at)
{
    for (;;) {
        L4_MsgTag_t tag = receive(t);
        if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT ||
            (w[1] & ~0xffful) == unless_fault_at || !pager_answer_fault(tag))
            return tag;
        L4_Reply(t);
    }
}

static void v86_unprivileged(void)
{
    L4_ThreadId_t child = tid(129);
    int good = pager_start_child(child, root_tid, v86_child,
                                 (L4_Word_t)&v86_child_stack[1020], 0xbff00000, 0xbfe00000);
    L4_MsgTag_t tag = next_from(child, ~0ul);
    good = good && L4_IpcSucceeded(tag) && L4_Label(tag) == LBL_MAPLOW;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(V86_PAGE, 12),
                                                  L4_FullyAccessible), V86_PAGE);
    load_tag(0, 0, 2);
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    L4_Reply(child);
    tag = next_from(child, ~0ul);
    if (is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 13 && M_EIP == (L4_Word_t)v86_iret &&
        !(M_EFLAGS & EFL_VM))
        ok(good, "unprivileged v86 with IF clear # SKIP the CPU refuses v86 mode from CPL 3");
    else
        ok(good && is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 13 &&
           (M_EFLAGS & EFL_VM) && !(M_EFLAGS & EFL_IF) && M_EIP == V86_PAGE,
           "unprivileged v86 with IF clear: nothing mapped below %#x, so it faults at once "
           "(eip %lx eflags %lx)", 0x110000, M_EIP, M_EFLAGS);
    M_EIP = (L4_Word_t)v86_resume;
    M_ESP = v86_saved_esp;
    reply_regs(child);
    tag = next_from(child, V86_PAGE);
    ok((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) == L4ABI_LABEL_PAGEFAULT &&
       (w[1] & ~0xffful) == V86_PAGE && (v86_child_flags & EFL_IF),
       "the map item to %lx was refused: the child's touch there faults (%lx)",
       V86_PAGE, w[1]);
    delete_thread(child);

    /* Nor may SpaceControl put a KIP or UTCB area there. */
    L4_ThreadId_t s = tid(130);
    L4_Word_t old;
    L4_ThreadControl(s, s, root_tid, L4_nilthread, (void *)~0ul);
    L4_Word_t k = L4_SpaceControl(s, 0, L4_FpageLog2(0x1000, 12), L4_FpageLog2(0xbfe00000, 20),
                                  L4_nilthread, &old);
    L4_Word_t kerr = L4_ErrorCode();
    L4_Word_t u = L4_SpaceControl(s, 0, L4_FpageLog2(0xbff00000, 12), L4_FpageLog2(0x100000, 16),
                                  L4_nilthread, &old);
    L4_Word_t uerr = L4_ErrorCode();
    ok(!k && kerr == L4ABI_ERR_KIP_AREA && !u && uerr == L4ABI_ERR_UTCB_AREA,
       "SpaceControl refuses KIP and UTCB areas below %#x (errors %lu, %lu)", 0x110000,
       kerr, uerr);
    delete_thread(s);
}

void test_v86(void)
{
    v86_case(143, "page fault at cs:ip 2000:0", 0x2000, 0, EFL_VM | EFL_IF | 0x2);
    L4_Fpage_t p = L4_Sigma0_GetAny(L4_nilthread, 12, L4_FpageLog2(V86_PAGE, 12));
    if (L4_IsNilFpage(p)) {
        ok(1, "v86 spinning # SKIP no page at %lx", V86_PAGE);
        ok(1, "v86 spinning resumes # SKIP");
        ok(1, "v86 hlt with IOPL 3 # SKIP no page at %lx", V86_PAGE);
        ok(1, "v86 hlt resumes # SKIP");
        ok(1, "unprivileged v86 # SKIP");
        ok(1, "unprivileged low mapping # SKIP");
        ok(1, "SpaceControl low areas # SKIP");
        return;
    }
    volatile unsigned char *code = (volatile unsigned char *)V86_PAGE;
    code[0] = 0xeb;         /* jmp $ */
    code[1] = 0xfe;
    code[2] = 0xf4;         /* hlt */
    v86_case(144, "spinning until the timer", 0x1000, 0, EFL_VM | EFL_IF | 0x2);
    v86_case(145, "hlt, IOPL 3 asked for", 0x1000, 2, EFL_VM | EFL_IF | EFL_IOPL | 0x2);
    v86_unprivileged();
}

/* ---- selectors that name the LDT ---- */
/* Pecan has no LDT. A selector with TI set must raise #GP (error code the
 * selector without RPL), not make the CPU read a descriptor at linear
 * 0..0xffff of the thread's space with kernel rights (the reset LDTR of
 * base 0, limit 0xffff; these workers have no pager, so such a read
 * would stop the thread with a page fault). */
extern char ldt_insn[];
__asm__(".text\n"
        "ldt_job:\n\t"
        "push %es\n\t"
        "movl $0xfff7, %eax\n"
        ".globl ldt_insn\n"
        "ldt_insn:\n\t"
        "movw %ax, %es\n\t"             /* 8e c0: #GP(0xfff4), resumed after */
        "pop %es\n\t"
        "movl $77, %eax\n\t"
        "ret\n");
extern unsigned long ldt_job(void);

void test_ldt_selector(void)
{
    L4_ThreadId_t t = start_worker(146, ldt_job, root_tid);
    L4_MsgTag_t tag = receive(t);
    int good = is_exc(tag, L4ABI_LABEL_EXCEPTION) && M_EXCNO == 13 && M_ERR == 0xfff4 &&
               M_EIP == (L4_Word_t)ldt_insn;
    ok(good, "a selector naming the LDT (none exists) raises #GP with the selector as error "
       "code, no kernel read at linear 0..0xffff (label %lx excno %lu err %lx eip %lx)",
       L4_Label(tag), M_EXCNO, M_ERR, M_EIP);
    M_EIP = (L4_Word_t)ldt_insn + 2;
    if (good)
        reply_regs(t);
    L4_Word_t r = good ? result(t, &good) : 0;
    ok(good && r == 77, "the thread resumes after the load");
    delete_thread(t);
}
