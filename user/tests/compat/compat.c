/* Compat suite: the ia32 register conventions of every X.2 system call,
 * exactly as L4Ka::Pistachio's libl4 inline assembly uses them. Part one
 * enters each system-call link with every register chosen by the test
 * (harness.S) and checks each output register and each register that
 * convention expects back unchanged:
 *
 *   call             inputs                          outputs           kept
 *   KernelInterface  -                               eax ecx edx esi   ebx edi ebp
 *   SystemClock      -                               edx:eax           ecx ebx ebp
 *   ThreadSwitch     eax                             -                 all
 *   Schedule         eax ecx edx esi edi             eax edx           -
 *   ExchangeRegs     eax ecx edx esi edi ebx ebp     all seven         -
 *   ThreadControl    eax ecx edx esi edi             eax               -
 *   SpaceControl     eax ecx edx esi edi             eax ecx           -
 *   ProcessorControl eax ecx edx esi                 eax               -
 *   MemoryControl    eax ecx edx ebx ebp esi(MR0) edi(UTCB)  eax       -
 *   Ipc, Lipc        eax ecx edx esi(MR0) edi(UTCB)  eax esi ebx ebp   edi
 *   Unmap            eax esi(MR0) edi(UTCB)          esi               ecx
 *
 * esp and the segment registers are kept by every call. ("kept" lists only
 * what the foreign inline assembly relies on; Pistachio's wrappers save
 * ebp themselves around most calls.)
 *
 * Part two runs the same calls through this tree's libl4 wrappers with
 * many values live across them; the suite is built four times (-O0/-O2,
 * frame pointer on/off: tests/suites.mk), so that the compiler's register
 * allocation differs and a clobber the kernel commits but the wrappers do
 * not declare corrupts a live value. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/misc.h>
#include <l4/kdebug.h>
#include "tap.h"

#define UTCB_AREA   0xbfe00000u
#define PARTNER_NO  200
#define SCRATCH_NO  201

struct gpr {
    L4_Word_t eax, ecx, edx, ebx, esi, edi, ebp;
    L4_Word_t esp, ds, es, fs, gs;
};

void compat_call(const struct gpr *in, struct gpr *out, L4_Word_t entry);
void compat_kernel_interface(void);

static struct l4_kip *kip;
static L4_ThreadId_t me, partner;
static L4_Word_t partner_stack[512] __attribute__((aligned(16)));
static char page[4096] __attribute__((aligned(4096)));

/* Distinct values for every register, so a swapped or clobbered one shows. */
static struct gpr sentinels(void)
{
    struct gpr r = { 0xa5a50001, 0xa5a50002, 0xa5a50003, 0xa5a50004,
                     0xa5a50005, 0xa5a50006, 0xa5a50007, 0, 0, 0, 0, 0 };
    return r;
}

static L4_Word_t link(L4_Word_t offset)
{
    return (L4_Word_t)kip + offset;
}

/* Checks esp and the segment registers after a call: every call keeps them. */
static L4_Word_t seg_ds, seg_es, seg_fs, seg_gs, esp_after;

static void dump(const char *what, const struct gpr *o)
{
    diag("%s: eax %lx ecx %lx edx %lx ebx %lx esi %lx edi %lx ebp %lx esp %lx gs %lx",
         what, o->eax, o->ecx, o->edx, o->ebx, o->esi, o->edi, o->ebp, o->esp, o->gs);
}

static int frame_kept(const struct gpr *o)
{
    return o->esp == esp_after && o->ds == seg_ds && o->es == seg_es &&
           o->fs == seg_fs && o->gs == seg_gs;
}

/* The partner answers every call with MR1 = 0x11110000 + label and
 * MR2 = 0x22220000 + label, label 0x77. */
static void partner_main(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t label = L4_Label(tag);
        L4_LoadMR(0, L4ABI_TAG(0x77, 2, 0));
        L4_LoadMR(1, 0x11110000u + label);
        L4_LoadMR(2, 0x22220000u + label);
        tag = L4_ReplyWait(from, &from);
    }
}

static void part_one(void)
{
    struct gpr in, out;
    L4_Word_t *utcb = __L4_X86_Utcb();

    /* A reference call with a link that does nothing: esp and segments as
     * the harness leaves them. */
    in = sentinels();
    compat_call(&in, &out, (L4_Word_t)&compat_kernel_interface);
    esp_after = out.esp;
    seg_ds = out.ds; seg_es = out.es; seg_fs = out.fs; seg_gs = out.gs;

    ok(out.eax == (L4_Word_t)kip && out.ecx == kip->api_version &&
       out.edx == kip->api_flags && out.esi != 0xa5a50005 &&
       out.ebx == in.ebx && out.edi == in.edi && out.ebp == in.ebp,
       "x2_kernelinterface_returns_eax_ecx_edx_esi_and_keeps_ebx_edi_ebp");

    in = sentinels();
    compat_call(&in, &out, link(kip->system_clock));
    L4_Word_t lo1 = out.eax, hi1 = out.edx;
    int kept1 = out.ecx == in.ecx && out.ebx == in.ebx && out.ebp == in.ebp && frame_kept(&out);
    compat_call(&in, &out, link(kip->system_clock));
    unsigned long long t1 = ((unsigned long long)hi1 << 32) | lo1;
    unsigned long long t2 = ((unsigned long long)out.edx << 32) | out.eax;
    ok(kept1 && t2 >= t1 && t1 > 0 && out.ecx == in.ecx && out.ebx == in.ebx &&
       out.ebp == in.ebp,
       "x2_systemclock_returns_edx_eax_and_keeps_ecx_ebx_ebp");

    in = sentinels();
    in.eax = L4ABI_NILTHREAD;
    compat_call(&in, &out, link(kip->thread_switch));
    ok(out.eax == in.eax && out.ecx == in.ecx && out.edx == in.edx && out.ebx == in.ebx &&
       out.esi == in.esi && out.edi == in.edi && out.ebp == in.ebp && frame_kept(&out),
       "x2_threadswitch_keeps_every_register");

    in = sentinels();
    in.eax = partner.raw;
    in.ecx = L4ABI_SCHED_UNCHANGED;     /* priority */
    in.edx = L4ABI_SCHED_UNCHANGED;     /* time control */
    in.esi = L4ABI_SCHED_UNCHANGED;     /* processor */
    in.edi = L4ABI_SCHED_UNCHANGED;     /* preemption */
    compat_call(&in, &out, link(kip->schedule));
    ok(out.eax != 0 && (out.eax & 0xff) != 0 && out.edx != in.edx && frame_kept(&out),
       "x2_schedule_takes_eax_ecx_edx_esi_edi_returns_eax_edx (result %lx, time %lx)",
       out.eax, out.edx);

    /* ExchangeRegisters: set the partner's user-defined handle (ebx), then
     * read everything back; the partner waits in its receive. */
    in = sentinels();
    in.eax = partner.raw;
    in.ecx = L4ABI_EXREGS_SET_UHANDLE;
    in.ebx = 0x5eed1234;
    compat_call(&in, &out, link(kip->exchange_registers));
    /* X.2: the result converts the ID: a global dest gives the local ID
     * (same space) and a local one the global ID. */
    L4_ThreadId_t local = L4_LocalIdOf(partner);
    int set_ok = out.eax == local.raw;
    in = sentinels();
    in.eax = partner.raw;
    in.ecx = L4ABI_EXREGS_DELIVER;
    compat_call(&in, &out, link(kip->exchange_registers));
    if (!ok(set_ok && out.eax == local.raw && out.ebx == 0x5eed1234 &&
       out.ebp == me.raw &&
       (out.ecx & L4ABI_EXREGS_STATE_RECVING) &&
       out.edx > (L4_Word_t)partner_stack && out.edx <= (L4_Word_t)&partner_stack[512] &&
       out.esi != in.esi && out.edi != in.edi && frame_kept(&out),
       "x2_exchangeregisters_uses_all_seven_registers_both_ways"))
        dump("exregs", &out);

    /* ThreadControl: create an inactive thread in a new space, then
     * SpaceControl on that space, then delete it. */
    L4_ThreadId_t scratch = L4_GlobalId(SCRATCH_NO, 1);
    in = sentinels();
    in.eax = scratch.raw;
    in.esi = scratch.raw;               /* space specifier: a new space */
    in.edx = me.raw;                    /* scheduler */
    in.ecx = L4ABI_NILTHREAD;           /* pager */
    in.edi = L4ABI_UTCB_UNCHANGED;      /* UTCB location: inactive */
    compat_call(&in, &out, link(kip->thread_control));
    ok(out.eax == 1 && frame_kept(&out),
       "x2_threadcontrol_takes_eax_esi_edx_ecx_edi_returns_eax");

    in = sentinels();
    in.eax = scratch.raw;
    in.ecx = 0;                                     /* control */
    in.edx = L4_FpageLog2(0xbff00000u, 12).raw;     /* KIP area */
    in.esi = L4_FpageLog2(0xbfe00000u, 12).raw;     /* UTCB area */
    in.edi = L4ABI_NILTHREAD;                       /* redirector: unchanged */
    compat_call(&in, &out, link(kip->space_control));
    ok(out.eax == 1 && out.ecx == 0 && frame_kept(&out),
       "x2_spacecontrol_takes_eax_ecx_edx_esi_edi_returns_eax_ecx");

    in = sentinels();
    in.eax = scratch.raw;
    in.esi = L4ABI_NILTHREAD;           /* delete */
    in.edx = in.ecx = L4ABI_NILTHREAD;
    in.edi = L4ABI_UTCB_UNCHANGED;
    compat_call(&in, &out, link(kip->thread_control));
    int deleted = out.eax == 1;
    in.eax = L4ABI_NILTHREAD;           /* no such thread */
    in.esi = me.raw;
    compat_call(&in, &out, link(kip->thread_control));
    ok(deleted && out.eax == 0 && utcb[L4ABI_UTCB_ERRORCODE] == L4ABI_ERR_INVALID_THREAD,
       "x2_threadcontrol_error_in_eax_and_utcb_errorcode");

    in = sentinels();
    in.eax = 0;
    in.ecx = in.edx = in.esi = 0;
    compat_call(&in, &out, link(kip->processor_control));
    ok(out.eax == 1 && frame_kept(&out), "x2_processorcontrol_takes_eax_ecx_edx_esi_returns_eax");

    in = sentinels();
    in.eax = 0;                                         /* one fpage, MR0 */
    in.ecx = in.edx = in.ebx = in.ebp = L4ABI_MEMATTR_DEFAULT;
    in.esi = L4_FpageLog2((L4_Word_t)page, 12).raw;     /* MR0 in esi */
    in.edi = (L4_Word_t)utcb;
    page[0] = 1;                                        /* mapped */
    compat_call(&in, &out, link(kip->memory_control));
    ok(out.eax == 1 && frame_kept(&out),
       "x2_memorycontrol_takes_attributes_in_ecx_edx_ebx_ebp_mr0_in_esi");

    /* Ipc: a call to the partner. MR0 travels in esi, MR1 and MR2 come back
     * in ebx and ebp, the sender in eax; edi (the UTCB) is kept. */
    in = sentinels();
    in.esi = L4ABI_TAG(0x31, 0, 0);
    in.eax = partner.raw;
    in.edi = (L4_Word_t)utcb;
    in.ecx = L4ABI_TIMEOUTS(0, 0);      /* never, never */
    in.edx = partner.raw;
    compat_call(&in, &out, link(kip->ipc));
    /* The sender comes back as a local ID: it lives in our space. */
    if (!ok(out.eax == local.raw && L4ABI_TAG_LABEL(out.esi) == 0x77 &&
       L4ABI_TAG_U(out.esi) == 2 && !(out.esi & L4ABI_TAG_ERROR) &&
       out.ebx == 0x11110031 && out.ebp == 0x22220031 && out.edi == in.edi &&
       utcb[1] == 0x11110031 && frame_kept(&out),
       "x2_ipc_mr0_in_esi_mr1_mr2_out_in_ebx_ebp_edi_kept"))
        dump("ipc", &out);

    in.esi = L4ABI_TAG(0x32, 0, 0);
    in.eax = local.raw;
    in.edx = local.raw;
    compat_call(&in, &out, link(kip->lipc));
    ok(out.eax == local.raw && out.ebx == 0x11110032 && out.ebp == 0x22220032 &&
       out.edi == in.edi && frame_kept(&out),
       "x2_lipc_local_ids_same_registers_as_ipc");

    /* Unmap of a page nobody received from us: nothing revoked; MR0 comes
     * back in esi with the access bits, and ecx (Pistachio's link
     * register for this call) is kept. */
    in = sentinels();
    in.eax = 0;
    in.esi = L4_FpageLog2((L4_Word_t)page, 12).raw;
    in.edi = (L4_Word_t)utcb;
    compat_call(&in, &out, link(kip->unmap));
    ok((out.esi & ~0xfu) == (in.esi & ~0xfu) && out.ecx == in.ecx && frame_kept(&out),
       "x2_unmap_mr0_in_esi_and_back_ecx_kept (esi %lx)", out.esi);
}

/* Part two: libl4's own wrappers with values live across the calls. */
static volatile L4_Word_t seed = 3;

static void part_two(void)
{
    L4_Word_t a = seed, b = a * 3, c = a * 5, d = a * 7, e = a * 11, f = a * 13;
    L4_Word_t g = a * 17, h = a * 19, bad = 0, prev = 0;
    for (L4_Word_t i = 0; i < 50; i++) {
        L4_Msg_t m;
        L4_MsgClear(&m);
        L4_Set_MsgLabel(&m, (L4_Word_t)(i & 0x3f));
        L4_MsgLoad(&m);
        L4_MsgTag_t tag = L4_Call(partner);
        bad += L4_IpcFailed(tag) || L4_Label(tag) != 0x77;
        L4_Word_t w1, w2;
        L4_StoreMR(1, &w1);
        L4_StoreMR(2, &w2);
        bad += w1 != 0x11110000u + (i & 0x3f) || w2 != 0x22220000u + (i & 0x3f);
        L4_Word_t now = (L4_Word_t)L4_SystemClock().raw;
        bad += now < prev;
        prev = now;
        L4_ThreadSwitch(L4_nilthread);
        L4_Word_t tc;
        bad += L4_Schedule(partner, ~0ul, ~0ul, ~0ul, ~0ul, &tc) == 0;
        L4_Word_t oc, osp, oip, ofl, ouh;
        L4_ThreadId_t opg;
        L4_ThreadId_t r = L4_ExchangeRegisters(partner, L4ABI_EXREGS_DELIVER, 0, 0, 0, 0,
                                               L4_nilthread, &oc, &osp, &oip, &ofl, &ouh, &opg);
        bad += r.raw != L4_LocalIdOf(partner).raw || opg.raw != me.raw;
        L4_Fpage_t fp = L4_FpageLog2((L4_Word_t)page, 12);
        L4_UnmapFpage(fp);
        L4_Word_t v, fl, id;
        bad += L4_KernelInterface(&v, &fl, &id) != (void *)kip;
        /* Every value computed before the calls must still be intact. */
        bad += a != seed || b != a * 3 || c != a * 5 || d != a * 7 ||
               e != a * 11 || f != a * 13 || g != a * 17 || h != a * 19;
        a += 1; b += 3; c += 5; d += 7; e += 11; f += 13; g += 17; h += 19;
        seed = a;
    }
    ok(bad == 0, "libl4_wrappers_keep_live_values_across_every_call (%lu bad)", bad);
}

int main(void)
{
    tap_plan(14);
    L4_Word_t v, fl, id;
    kip = (struct l4_kip *)L4_KernelInterface(&v, &fl, &id);
    me = L4_Myself();
    partner = L4_GlobalId(PARTNER_NO, 1);
    L4_ThreadControl(partner, me, me, me, (void *)(UTCB_AREA + 0x200));
    L4_Start_SpIp(partner, (L4_Word_t)&partner_stack[508], (L4_Word_t)partner_main);
    L4_ThreadSwitch(partner);           /* let it reach its receive */
    part_one();
    part_two();
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
