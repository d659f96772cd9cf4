/* Trap-and-emulate VMM: exit handling (docs/vmm.md).
 *
 * The guest thread's pager and exception handler is the thread running
 * vmm_run. Every guest exit is one IPC:
 *   - page fault: translate through the guest's page tables (when its
 *     paging is on) and map the guest-physical page (shadow paging);
 *   - exception (#GP from a privileged instruction, #BP from a patched
 *     instruction): decode, emulate against struct vcpu, maybe inject a
 *     virtual interrupt, reply with the new register image;
 *   - system-call exception (int n): inject vector n from the guest IDT;
 *   - I/O fault (kernels that send denied port accesses to the pager):
 *     patch the instruction with int3 so that it comes back as an
 *     exception, where the registers can be changed.
 * A virtual timer raises IRQ0 every tick_exits exits, and at once when
 * the guest halts with interrupts on (virtual time skips idle time). */
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/abi.h>
#include "libc.h"
#include "vcpu.h"
#include "x86decode.h"

#define GUEST_UTCB_AREA 0xbfe00000u
#define GUEST_KIP_AREA  0xbff00000u
#define EXIT_TIMEOUT_US 5000000u    /* a guest silent this long is dead */
#define PREEMPT_US      2000u       /* a guest silent this long is preempted */
#define VMM_INFO_PORT   0x510       /* reads the monitor's capabilities (VMM_INFO_*) */

#define CR0_PG      0x80000000u
#define CR0_WP      0x00010000u
#define CR4_PSE     0x00000010u
#define PTE_P       0x001u
#define PTE_W       0x002u
#define PTE_U       0x004u
#define PTE_A       0x020u
#define PTE_D       0x040u
#define PDE_PS      0x080u
#define EFL_ARITH   0xcd5u          /* CF PF AF ZF SF DF OF: the guest's own */
#define EFL_TF      0x100u
#define INT3        0xcc

#define MR(r, x)    ((r)[L4ABI_EXC_MR_##x - 1])
/* Decoder register number (eax=0 .. edi=7) -> message word. */
#define GPR(r, n)   ((r)[L4ABI_EXC_MR_EAX - 1 - (n)])

extern const L4_Word_t __start_guest_patches[], __stop_guest_patches[];

/* The patches made before any guest ran, shared by every VM of the image. */
static struct vmm_patch boot_patches[VMM_MAX_PATCHES];
static unsigned nboot_patches;
static bool boot_patched;

static inline unsigned long long rdtsc(void)
{
    unsigned long long t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static void stop(struct vcpu *v, enum vmm_stop why, L4_Word_t eip)
{
    if (v->stop == VS_RUNNING) {
        v->stop = why;
        v->stop_eip = eip;
    }
}

/* ---- guest memory ---- */

static bool ram_ok(const struct vcpu *v, L4_Word_t pa, L4_Word_t len)
{
    return pa >= v->ram_start && pa <= v->ram_end && len <= v->ram_end - pa;
}

/* Access kinds, as in a #PF error code. */
#define ACC_W       0x2u
#define ACC_U       0x4u

/* Guest-virtual -> guest-physical through the guest's page tables (its
 * CR3, 4 KiB and, with CR4.PSE, 4 MiB pages), setting accessed/dirty
 * bits as the MMU would. acc: ACC_W for a write, ACC_U for an access at
 * CPL 3 (then every level must allow user access, and writes need W);
 * at CPL 0 writes to read-only pages are allowed unless CR0.WP.
 * *writable: may the page be mapped writable for this access kind.
 * On failure *err is the #PF error code (P set: protection, not absence);
 * a walk that leaves guest RAM fails with *err = ~0. */
static bool translate(struct vcpu *v, L4_Word_t va, unsigned acc, L4_Word_t *pa,
                      bool *writable, L4_Word_t *err)
{
    bool write = acc & ACC_W, user = acc & ACC_U;
    *err = acc;
    if (!(v->cr0 & CR0_PG)) {
        *pa = va;
        *writable = true;
        if (!ram_ok(v, va, 1))
            *err = ~0ul;
        return ram_ok(v, va, 1);
    }
    L4_Word_t pde_pa = (v->cr3 & ~0xfffu) + (va >> 22) * 4, e, page, perm;
    if (!ram_ok(v, pde_pa, 4))
        return *err = ~0ul, false;
    volatile L4_Word_t *pde = (volatile L4_Word_t *)pde_pa, *pte = NULL;
    if (!(*pde & PTE_P))
        return false;
    if ((*pde & PDE_PS) && (v->cr4 & CR4_PSE)) {
        e = *pde;
        page = (e & 0xffc00000u) | (va & 0x003ff000u);
        perm = e;
    } else {
        L4_Word_t pte_pa = (*pde & ~0xfffu) + ((va >> 12) & 0x3ff) * 4;
        if (!ram_ok(v, pte_pa, 4))
            return *err = ~0ul, false;
        pte = (volatile L4_Word_t *)pte_pa;
        e = *pte;
        if (!(e & PTE_P))
            return false;
        page = e & ~0xfffu;
        perm = e & *pde;            /* both levels must allow it */
    }
    bool w = perm & PTE_W;
    if ((user && !(perm & PTE_U)) || (write && !w && (user || (v->cr0 & CR0_WP)))) {
        *err |= 1;
        return false;
    }
    *pde |= PTE_A | (pte ? 0 : (write ? PTE_D : 0));
    if (pte)
        *pte |= PTE_A | (write ? PTE_D : 0);
    *writable = w || (!user && !(v->cr0 & CR0_WP));
    *pa = page | (va & 0xfff);
    if (!ram_ok(v, *pa, 1))
        return *err = ~0ul, false;
    return true;
}

/* Copies between guest-virtual memory and buf, page by page. */
static bool guest_copy(struct vcpu *v, L4_Word_t va, void *buf, L4_Word_t n, bool write)
{
    unsigned char *b = buf;
    while (n) {
        L4_Word_t pa, err;
        bool w;
        if (!translate(v, va, write ? ACC_W : 0, &pa, &w, &err))
            return false;
        L4_Word_t chunk = 4096 - (va & 0xfff);
        if (chunk > n)
            chunk = n;
        if (!ram_ok(v, pa, chunk))
            return false;
        if (write)
            memcpy((void *)pa, b, chunk);
        else
            memcpy(b, (const void *)pa, chunk);
        va += chunk;
        b += chunk;
        n -= chunk;
    }
    return true;
}

/* Reads the instruction at va (as many bytes as translate); a patched
 * int3 shows as the byte it replaced. */
static size_t fetch(struct vcpu *v, L4_Word_t va, unsigned char *buf)
{
    /* At most two pieces: to the end of va's page, then the next page. */
    size_t n = 4096 - (va & 0xfff);
    if (n >= X86_MAX_INSN)
        n = X86_MAX_INSN;
    if (!guest_copy(v, va, buf, n, false))
        return 0;
    if (n < X86_MAX_INSN && guest_copy(v, va + n, &buf[n], X86_MAX_INSN - n, false))
        n = X86_MAX_INSN;
    for (unsigned i = 0; n && i < v->npatches; i++)
        if (v->patches[i].addr == va)
            buf[0] = v->patches[i].op;
    return n;
}

/* Revokes every page the guest has received from us: unmap (no flush)
 * takes back what derives from our mappings and leaves ours. eip: the
 * guest's current instruction if it is a page the guest has mapped (it
 * just executed there), else 0; that page must fault again, which shows
 * the kernel revokes derived mappings (vcpu.refaults). */
static void flush_guest(struct vcpu *v, L4_Word_t eip)
{
    v->flushes++;
    for (L4_Word_t p = v->ram_start; p < v->ram_end; p += 4096)
        L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(p, 12), L4_FullyAccessible));
    v->probe_page = eip ? (eip & ~0xfffu) | 1 : 0;
}

/* ---- virtual devices ---- */

static void com1_out(struct vcpu *v, unsigned char c)
{
    if (v->outlen < VMM_OUT_SIZE - 1)
        v->out[v->outlen++] = (char)c;
    v->out[v->outlen] = 0;
    putchar(c);
}

/* Highest-priority requested, unmasked IRQ not blocked by one in
 * service, or -1. */
static int pic_pending(const struct vpic *p)
{
    unsigned req = (unsigned)(p->irr & ~p->imr) & 0xff;
    if (!req || p->init_step)
        return -1;
    int irq = __builtin_ctz(req);
    if (p->isr & ((2u << irq) - 1))
        return -1;
    return irq;
}

static void pic_command(struct vpic *p, unsigned val)
{
    if (val & 0x10) {                   /* ICW1 */
        p->init_step = 1;
        p->icw4 = val & 1;
        p->imr = p->isr = p->irr = 0;
    } else if ((val & 0xe0) == 0x20 && p->isr) {        /* non-specific EOI */
        p->isr &= (unsigned char)(p->isr - 1);          /* lowest bit = highest priority */
    } else if ((val & 0xe0) == 0x60) {                  /* specific EOI */
        p->isr &= (unsigned char)~(1u << (val & 7));
    }                                                   /* OCW3: ignored */
}

static void pic_data(struct vpic *p, unsigned val)
{
    switch (p->init_step) {
    case 1: p->base = val & 0xf8; p->init_step = 2; break;
    case 2: p->init_step = p->icw4 ? 3 : 0; break;
    case 3: p->init_step = 0; break;
    default: p->imr = (unsigned char)val; break;
    }
}

static L4_Word_t io_in(struct vcpu *v, unsigned port)
{
    switch (port) {
    case 0x3fd: return 0x60;            /* LSR: transmitter empty, nothing received */
    case 0x3f8: return 0;
    case 0x20:  return v->pic.irr;
    case 0x21:  return v->pic.imr;
    case VMM_INFO_PORT: return v->refaults ? VMM_INFO_PREEMPT : 0;
    default:    return ~0ul;            /* nothing there */
    }
}

static void io_out(struct vcpu *v, unsigned port, L4_Word_t val)
{
    switch (port) {
    case 0x3f8: com1_out(v, (unsigned char)val); break;
    case 0x20:  pic_command(&v->pic, val & 0xff); break;
    case 0x21:  pic_data(&v->pic, val & 0xff); break;
    default:    break;                  /* POST port 0x80, slave PIC, ...: ignored */
    }
}

/* ---- interrupts ---- */

static bool deliver(struct vcpu *v, L4_Word_t *r, unsigned vec, bool has_err, L4_Word_t err);

/* A fault the guest kernel must handle (#GP, #PF): eip is the faulting
 * instruction's. */
static bool guest_fault(struct vcpu *v, L4_Word_t *r, unsigned vec, L4_Word_t eip, L4_Word_t err)
{
    v->exceptions++;
    MR(r, EIP) = eip;
    return deliver(v, r, vec, true, err);
}

/* Delivers vector vec as a ring-0 CPU would, from the guest's virtual
 * IDT: push eflags, cs, eip (and an error code), clear IF for an
 * interrupt gate, continue at the gate's offset at CPL 0. From CPL 3 the
 * CPU first switches to the stack in the TSS (esp0) and also pushes the
 * user esp and ss. r[] is the register image the guest resumes with. A
 * vector the guest cannot take stops the VM (triple fault). */
static bool deliver(struct vcpu *v, L4_Word_t *r, unsigned vec, bool has_err, L4_Word_t err)
{
    unsigned char g[8];
    if (vec * 8 + 7 > v->idt_limit || !guest_copy(v, v->idt_base + vec * 8, g, 8, false)) {
        stop(v, VS_TRIPLE_FAULT, MR(r, EIP));
        return false;
    }
    unsigned type = g[5] & 0x1f;
    if (!(g[5] & 0x80) || (type != 0x0e && type != 0x0f)) {
        stop(v, VS_TRIPLE_FAULT, MR(r, EIP));
        return false;
    }
    L4_Word_t frame[6], n = 0, sp = MR(r, ESP);
    if (has_err)
        frame[n++] = err;
    frame[n++] = MR(r, EIP);
    frame[n++] = v->cpl ? v->ucs : VMM_GUEST_CS;
    frame[n++] = (MR(r, EFLAGS) & (EFL_ARITH | EFL_TF)) | 0x2 | (v->vif ? VMM_EFL_IF : 0);
    if (v->cpl) {
        frame[n++] = MR(r, ESP);
        frame[n++] = v->uss;
        if (!v->tss_base || !guest_copy(v, v->tss_base + 4, &sp, 4, false)) {
            stop(v, VS_TRIPLE_FAULT, MR(r, EIP));
            return false;
        }
    }
    sp -= n * 4;
    if (!guest_copy(v, sp, frame, n * 4, true)) {
        stop(v, VS_TRIPLE_FAULT, MR(r, EIP));
        return false;
    }
    MR(r, ESP) = sp;
    MR(r, EIP) = g[0] | g[1] << 8 | (L4_Word_t)g[6] << 16 | (L4_Word_t)g[7] << 24;
    MR(r, EFLAGS) &= ~EFL_TF;
    if (type == 0x0e)
        v->vif = false;
    v->cpl = 0;
    return true;
}

static void maybe_inject(struct vcpu *v, L4_Word_t *r)
{
    int irq;
    if (!v->vif || (irq = pic_pending(&v->pic)) < 0)
        return;
    v->pic.irr &= (unsigned char)~(1u << irq);
    v->pic.isr |= (unsigned char)(1u << irq);
    if (deliver(v, r, v->pic.base + (unsigned)irq, false, 0))
        v->injected++;
}

static void raise_tick(struct vcpu *v)
{
    v->pic.irr |= 1;
    v->ticks_raised++;
    v->since_tick = 0;
}

/* ---- instruction emulation ---- */

static bool push32(struct vcpu *v, L4_Word_t *r, L4_Word_t val)
{
    L4_Word_t sp = MR(r, ESP) - 4;
    if (!guest_copy(v, sp, &val, 4, true))
        return false;
    MR(r, ESP) = sp;
    return true;
}

static bool pop32(struct vcpu *v, L4_Word_t *r, L4_Word_t *val)
{
    if (!guest_copy(v, MR(r, ESP), val, 4, false))
        return false;
    MR(r, ESP) += 4;
    return true;
}

static void set_flags(struct vcpu *v, L4_Word_t *r, L4_Word_t val)
{
    MR(r, EFLAGS) = (MR(r, EFLAGS) & ~(EFL_ARITH | EFL_TF)) | (val & (EFL_ARITH | EFL_TF));
    if (v->cpl == 0)                    /* IOPL 0: CPL 3 cannot change IF */
        v->vif = val & VMM_EFL_IF;
}

static L4_Word_t mem_operand(const L4_Word_t *r, const struct x86_mem *m)
{
    L4_Word_t ea = (L4_Word_t)m->disp;
    if (m->base != X86_REG_NONE)
        ea += GPR(r, m->base);
    if (m->index != X86_REG_NONE)
        ea += GPR(r, m->index) * m->scale;
    return m->addr16 ? ea & 0xffff : ea;
}

static void report_unknown(struct vcpu *v, L4_Word_t eip, const unsigned char *b, size_t n)
{
    stop(v, VS_UNKNOWN_INSN, eip);
    for (unsigned i = 0; i < sizeof(v->stop_bytes); i++)
        v->stop_bytes[i] = i < n ? b[i] : 0;
    printf("vmm: guest instruction %02x %02x %02x at %lx is not emulated; guest stopped\n",
           v->stop_bytes[0], v->stop_bytes[1], v->stop_bytes[2], eip);
}

/* Emulates the privileged instruction at eip (registers r). Returns
 * false if the guest stopped. *no_inject: the instruction was sti, whose
 * interrupt shadow holds injections off for one instruction. */
static bool emulate(struct vcpu *v, L4_Word_t *r, L4_Word_t eip, bool *no_inject)
{
    unsigned char b[X86_MAX_INSN];
    size_t n = fetch(v, eip, b);
    struct x86_insn in;
    if (n >= 3 && b[0] == 0x0f && b[1] == 0x00 && (b[2] & 0xf8) == 0xd8) {
        /* ltr r16 (the decoder does not know it) */
        if (v->cpl)
            return guest_fault(v, r, 13, eip, 0);
        v->by_type[VX_LTR]++;
        unsigned char d[8];
        L4_Word_t sel = GPR(r, b[2] & 7) & 0xfff8;
        if (!sel || sel + 7 > v->gdt_limit || !guest_copy(v, v->gdt_base + sel, d, 8, false))
            goto bad;
        v->tr = sel;
        v->tss_base = d[2] | d[3] << 8 | (L4_Word_t)d[4] << 16 | (L4_Word_t)d[7] << 24;
        MR(r, EIP) = eip + 3;
        return true;
    }
    int len = x86_decode(b, n, false, &in);
    if (len <= 0) {
        report_unknown(v, eip, b, n);
        return false;
    }
    /* At CPL 3 (IOPL 0) only pushf and popf are allowed. */
    if (v->cpl && in.op != X86_PUSHF && in.op != X86_POPF)
        return guest_fault(v, r, 13, eip, 0);
    L4_Word_t next = eip + (L4_Word_t)len, val;
    L4_Word_t mask = in.size == 4 ? ~0ul : (1ul << (in.size * 8)) - 1;
    switch (in.op) {
    case X86_CLI:
        v->by_type[VX_CLI]++;
        v->vif = false;
        break;
    case X86_STI:
        v->by_type[VX_STI]++;
        v->vif = true;
        *no_inject = true;
        break;
    case X86_PUSHF:
        v->by_type[VX_PUSHF]++;
        if (in.size != 4 || !push32(v, r, (MR(r, EFLAGS) & (EFL_ARITH | EFL_TF)) | 0x2 |
                                              (v->vif ? VMM_EFL_IF : 0)))
            goto bad;
        break;
    case X86_POPF:
        v->by_type[VX_POPF]++;
        if (in.size != 4 || !pop32(v, r, &val))
            goto bad;
        set_flags(v, r, val);
        break;
    case X86_IN: {
        v->by_type[VX_IN]++;
        unsigned port = in.port_dx ? (MR(r, EDX) & 0xffff) : in.port;
        MR(r, EAX) = (MR(r, EAX) & ~mask) | (io_in(v, port) & mask);
        break;
    }
    case X86_OUT: {
        v->by_type[VX_OUT]++;
        unsigned port = in.port_dx ? (MR(r, EDX) & 0xffff) : in.port;
        io_out(v, port, MR(r, EAX) & mask);
        break;
    }
    case X86_HLT:
        v->by_type[VX_HLT]++;
        MR(r, EIP) = next;
        /* Idle: virtual time jumps to the next tick, if it can wake us. */
        if (!v->vif || (v->pic.imr & 1)) {
            stop(v, VS_HALTED, eip);
            return false;
        }
        if (pic_pending(&v->pic) < 0)
            raise_tick(v);
        return true;
    case X86_LIDT:
    case X86_LGDT: {
        v->by_type[in.op == X86_LIDT ? VX_LIDT : VX_LGDT]++;
        unsigned char d[6];
        if (!guest_copy(v, mem_operand(r, &in.mem), d, 6, false))
            goto bad;
        L4_Word_t limit = d[0] | d[1] << 8;
        L4_Word_t base = d[2] | d[3] << 8 | (L4_Word_t)d[4] << 16 | (L4_Word_t)d[5] << 24;
        if (in.op == X86_LIDT) {
            v->idt_base = base;
            v->idt_limit = limit;
        } else {
            v->gdt_base = base;
            v->gdt_limit = limit;
        }
        break;
    }
    case X86_MOV_TO_CR: {
        v->by_type[VX_CR]++;
        val = GPR(r, in.gpr);
        L4_Word_t old;
        switch (in.cr) {
        case 0:
            old = v->cr0;
            v->cr0 = val | 0x10;                /* ET is hard-wired */
            if ((old ^ v->cr0) & (CR0_PG | CR0_WP))
                flush_guest(v, eip);
            break;
        case 2: v->cr2 = val; break;
        case 3:
            v->cr3 = val;
            if (v->cr0 & CR0_PG)
                flush_guest(v, eip);
            break;
        case 4:
            old = v->cr4;
            v->cr4 = val;
            if ((old ^ val) & CR4_PSE)
                flush_guest(v, eip);
            break;
        default: goto unknown;
        }
        break;
    }
    case X86_MOV_FROM_CR:
        v->by_type[VX_CR]++;
        switch (in.cr) {
        case 0: GPR(r, in.gpr) = v->cr0; break;
        case 2: GPR(r, in.gpr) = v->cr2; break;
        case 3: GPR(r, in.gpr) = v->cr3; break;
        case 4: GPR(r, in.gpr) = v->cr4; break;
        default: goto unknown;
        }
        break;
    case X86_IRET: {
        v->by_type[VX_IRET]++;
        L4_Word_t f[5];
        if (in.size != 4 || !guest_copy(v, MR(r, ESP), f, 12, false))
            goto bad;
        if ((f[1] & 3) == 3) {
            /* To its user mode: also esp and ss; the shadow mappings made
             * at CPL 0 may include supervisor pages, so they go. */
            if (!guest_copy(v, MR(r, ESP), f, 20, false))
                goto bad;
            set_flags(v, r, f[2]);
            v->cpl = 3;
            v->ucs = f[1];
            v->uss = f[4];
            MR(r, ESP) = f[3];
            MR(r, EIP) = f[0];
            flush_guest(v, 0);
            return true;
        }
        if (f[1] != VMM_GUEST_CS)
            goto unknown;
        MR(r, ESP) += 12;
        set_flags(v, r, f[2]);
        MR(r, EIP) = f[0];
        return true;
    }
    default:
        goto unknown;
    }
    MR(r, EIP) = next;
    return true;
unknown:
    report_unknown(v, eip, b, n);
    return false;
bad:
    printf("vmm: guest memory fault emulating the instruction at %lx\n", eip);
    stop(v, VS_BAD_MEMORY, eip);
    return false;
}

/* ---- exits ---- */

static bool patch(struct vcpu *v, L4_Word_t va);

/* Page fault: shadow-map the guest-physical page behind the address. If
 * the guest's own page tables refuse the access, the guest gets a #PF;
 * but a page-fault reply cannot change registers, so the faulting
 * instruction is patched with int3 and the #PF is delivered from the
 * #BP exception that follows (on_exception). */
static bool on_pagefault(struct vcpu *v, L4_MsgTag_t tag)
{
    L4_Word_t addr, ip, pa, err;
    L4_StoreMR(L4ABI_PF_MR_ADDR, &addr);
    L4_StoreMR(L4ABI_PF_MR_IP, &ip);
    bool write = L4_Label(tag) & L4ABI_FPAGE_W, w;
    v->by_type[VX_PF]++;
    if (v->probe_page && (addr & ~0xfffu) == (v->probe_page & ~0xfffu)) {
        v->refaults++;
        v->probe_page = 0;
    }
    if (!translate(v, addr, (write ? ACC_W : 0) | (v->cpl ? ACC_U : 0), &pa, &w, &err)) {
        /* An instruction fetch cannot be patched: it is not there. */
        if (err != ~0ul && !(L4_Label(tag) & L4ABI_FPAGE_X) && !v->pf_pending &&
            patch(v, ip)) {
            v->pf_pending = true;
            v->pf_eip = ip;
            v->pf_addr = addr;
            v->pf_err = err;
            L4_LoadMR(0, L4ABI_TAG(0, 0, 0));
            return true;
        }
        printf("vmm: guest page fault at %lx (ip %lx) cannot be handled; guest stopped\n",
               addr, ip);
        stop(v, VS_BAD_MEMORY, ip);
        return false;
    }
    /* An interrupt is waiting (the guest was preempted): a map reply
     * cannot inject it, so the instruction comes back as a #BP first. */
    if (v->vif && pic_pending(&v->pic) >= 0 && !v->kick_pending && !v->pf_pending &&
        patch(v, ip)) {
        v->kick_pending = true;
        v->kick_eip = ip;
    }
    L4_Fpage_t fp = L4_FpageAddRights(L4_FpageLog2(pa & ~0xfffu, 12),
                                      w ? L4_FullyAccessible : L4_ReadeXecOnly);
    L4_MapItem_t m = L4_MapItem(fp, addr & ~0xfffu);
    L4_LoadMR(0, L4ABI_TAG(0, 0, 2));
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
    return true;
}

static int find_patch(const struct vcpu *v, L4_Word_t addr)
{
    for (unsigned i = 0; i < v->npatches; i++)
        if (v->patches[i].addr == addr)
            return (int)i;
    return -1;
}

/* Replaces the first byte of the instruction at guest-virtual va by int3.
 * Refused where int3 would read as a kdebug request (next byte cmpb/jmp). */
static bool patch(struct vcpu *v, L4_Word_t va)
{
    L4_Word_t pa, err;
    bool w;
    if (v->npatches >= VMM_MAX_PATCHES || find_patch(v, va) >= 0 ||
        !translate(v, va, 0, &pa, &w, &err) || !ram_ok(v, pa, 2))
        return false;
    unsigned char *p = (unsigned char *)pa;
    if (p[1] == L4ABI_KDB_CMPB_AL || p[1] == L4ABI_KDB_ENTER_JMP)
        return false;
    v->patches[v->npatches].addr = va;
    v->patches[v->npatches].pa = pa;
    v->patches[v->npatches].op = p[0];
    v->npatches++;
    *p = INT3;
    return true;
}

/* Undoes patch i (one made while the guest ran). */
static void unpatch(struct vcpu *v, int i)
{
    *(unsigned char *)v->patches[i].pa = v->patches[i].op;
    v->patches[i] = v->patches[--v->npatches];
}

/* I/O fault (pager protocol): its reply cannot change registers, so the
 * instruction is patched to come back as a #BP exception. */
static bool on_iofault(struct vcpu *v)
{
    L4_Word_t ip;
    L4_StoreMR(L4ABI_IOF_MR_IP, &ip);
    v->by_type[VX_IOFAULT]++;
    unsigned char b[X86_MAX_INSN];
    struct x86_insn in;
    size_t n = fetch(v, ip, b);
    int len = x86_decode(b, n, false, &in);
    if (len <= 0 || (in.op != X86_IN && in.op != X86_OUT) || find_patch(v, ip) >= 0 ||
        !patch(v, ip)) {
        report_unknown(v, ip, b, n);
        return false;
    }
    L4_LoadMR(0, L4ABI_TAG(0, 0, 0));   /* no port: the guest retries and traps */
    return true;
}

static bool on_exception(struct vcpu *v, L4_MsgTag_t tag)
{
    L4_Word_t r[L4ABI_EXC_UNTYPED];
    L4_StoreMRs(1, L4ABI_EXC_UNTYPED, r);
    bool no_inject = false;
    L4_Word_t eip = MR(r, EIP);
    unsigned label = L4_Label(tag) & L4ABI_LABEL_KIND_MASK;
    if (label == L4ABI_LABEL_SYSEXC) {
        /* int n: eip is already past the instruction. From CPL 3 the gate
         * must allow it (DPL 3), else #GP with the IDT error code. */
        unsigned vec = MR(r, EXCNO) & 0xff;
        unsigned char g[8];
        v->by_type[VX_SOFTINT]++;
        if (v->cpl && (vec * 8 + 7 > v->idt_limit ||
                       !guest_copy(v, v->idt_base + vec * 8, g, 8, false) ||
                       ((g[5] >> 5) & 3) < 3)) {
            if (!guest_fault(v, r, 13, eip - 2, vec * 8 + 2))
                return false;
        } else if (!deliver(v, r, vec, false, 0)) {
            return false;
        }
    } else if (MR(r, EXCNO) == 3 && v->pf_pending && eip - 1 == v->pf_eip) {
        /* The patched instruction of a guest #PF (on_pagefault). */
        int i = find_patch(v, v->pf_eip);
        if (i >= 0)
            unpatch(v, i);
        v->pf_pending = false;
        v->cr2 = v->pf_addr;
        if (!guest_fault(v, r, 14, v->pf_eip, v->pf_err))
            return false;
    } else if (MR(r, EXCNO) == 3 && v->kick_pending && eip - 1 == v->kick_eip) {
        /* The instruction patched to take a waiting interrupt: it has not
         * run yet; the injection below happens before it. */
        int i = find_patch(v, v->kick_eip);
        if (i >= 0)
            unpatch(v, i);
        v->kick_pending = false;
        MR(r, EIP) = v->kick_eip;
    } else if (MR(r, EXCNO) == 3 && find_patch(v, eip - 1) >= 0) {
        if (!emulate(v, r, eip - 1, &no_inject))
            return false;
    } else if (MR(r, EXCNO) == 13) {
        if (!emulate(v, r, eip, &no_inject))
            return false;
    } else if (MR(r, EXCNO) < 20 && MR(r, EXCNO) != 2 && MR(r, EXCNO) != 18) {
        /* The guest's own exception (#DE, #UD, a real int3, ...): the CPU
         * reported it with the eip the guest's handler must see. */
        unsigned vec = MR(r, EXCNO);
        bool has_err = vec == 8 || (vec >= 10 && vec <= 12) || vec == 17;
        v->exceptions++;
        if (!deliver(v, r, vec, has_err, MR(r, ERRCODE)))
            return false;
    } else {
        printf("vmm: guest exception %lu (error %lx) at %lx; guest stopped\n",
               MR(r, EXCNO), MR(r, ERRCODE), eip);
        stop(v, VS_EXCEPTION, eip);
        return false;
    }
    if (!no_inject)
        maybe_inject(v, r);
    if (v->stop)
        return false;
    L4_LoadMR(0, L4ABI_TAG(0, L4ABI_EXC_UNTYPED, 0));
    L4_LoadMRs(1, L4ABI_EXC_UNTYPED, r);
    return true;
}

static bool on_exit(struct vcpu *v, L4_MsgTag_t tag)
{
    v->exits++;
    if (++v->since_tick >= v->tick_exits)
        raise_tick(v);
    switch (L4_Label(tag) & L4ABI_LABEL_KIND_MASK) {
    case L4ABI_LABEL_PAGEFAULT:
        return on_pagefault(v, tag);
    case L4ABI_LABEL_EXCEPTION:
    case L4ABI_LABEL_SYSEXC:
        return on_exception(v, tag);
    case L4ABI_LABEL_IOFAULT:
        return on_iofault(v);
    default:
        printf("vmm: unexpected message %lx from the guest\n", (L4_Word_t)L4_Label(tag));
        stop(v, VS_IPC_ERROR, 0);
        return false;
    }
}

/* The guest ran PREEMPT_US without an exit: virtual time advances by a
 * tick, and revoking its mappings forces an exit (a page fault) where
 * the tick can be injected (on_pagefault). Needs Unmap revocation. */
static void preempt(struct vcpu *v)
{
    v->preemptions++;
    raise_tick(v);
    flush_guest(v, 0);
}

/* ---- setup ---- */

bool vmm_init(struct vcpu *v, L4_ThreadId_t guest, unsigned tick_exits)
{
    memset(v, 0, sizeof(*v));
    v->guest = guest;
    v->ram_start = (L4_Word_t)guest_image_start;
    v->ram_end = (L4_Word_t)guest_image_end;
    v->entry = (L4_Word_t)guest_boot;
    v->stack = (L4_Word_t)guest_stack_top;
    v->tick_exits = tick_exits ? tick_exits : 1;
    v->idt_limit = 0xffff;
    v->cr0 = 0x10;
    if ((v->ram_start | v->ram_end) & 0xfff || v->ram_end <= v->ram_start ||
        v->ram_end > GUEST_UTCB_AREA) {
        printf("vmm: guest image %lx..%lx unusable\n", v->ram_start, v->ram_end);
        return false;
    }
    /* Our own mappings of guest RAM must exist (and be writable) before
     * we can map them on. */
    for (L4_Word_t p = v->ram_start; p < v->ram_end; p += 4096) {
        volatile unsigned char *c = (volatile unsigned char *)p;
        *c = *c;
    }
    /* Patch cli/sti/pushf/popf once; later VMs reuse the table. */
    if (!boot_patched) {
        boot_patched = true;
        for (const L4_Word_t *a = __start_guest_patches; a < __stop_guest_patches; a++) {
            unsigned char op = *(unsigned char *)*a;
            if ((op != 0xfa && op != 0xfb && op != 0x9c && op != 0x9d) || !patch(v, *a)) {
                printf("vmm: cannot patch guest instruction at %lx\n", *a);
                return false;
            }
        }
        nboot_patches = v->npatches;
        memcpy(boot_patches, v->patches, sizeof(boot_patches));
    }
    v->npatches = nboot_patches;
    memcpy(v->patches, boot_patches, sizeof(boot_patches));
    return true;
}

enum vmm_stop vmm_run(struct vcpu *v)
{
    L4_ThreadId_t me = L4_Myself(), g = v->guest;
    L4_Word_t old;
    /* The guest space is confined: we are its redirector (docs/ipc.md), so
     * a guest that finds the system-call entry reaches only us. */
    if (L4_ThreadControl(g, g, me, L4_nilthread, (void *)~0ul) != 1 ||
        L4_SpaceControl(g, 0, L4_FpageLog2(GUEST_KIP_AREA, 12),
                        L4_FpageLog2(GUEST_UTCB_AREA, 20), me, &old) != 1 ||
        L4_ThreadControl(g, g, me, me, (void *)GUEST_UTCB_AREA) != 1) {
        printf("vmm: cannot create the guest (error %lu)\n", L4_ErrorCode());
        v->stop = VS_SETUP;
        return v->stop;
    }
    /* X.2 start message from the pager: ip, sp. */
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, v->entry);
    L4_LoadMR(2, v->stack);
    L4_MsgTag_t tag = L4_Send(g);
    if (L4_IpcFailed(tag)) {
        v->stop = VS_SETUP;
    } else {
        unsigned silent = 0;
        tag = L4_Receive_Timeout(g, L4_TimePeriod(PREEMPT_US));
        while (!v->stop) {
            if (L4_IpcFailed(tag)) {
                L4_Word_t e = L4_ErrorCode();
                if (L4ABI_IPCERR_CODE(e) == L4ABI_IPCERR_TIMEOUT &&
                    (e & L4ABI_IPCERR_RECV_PHASE) && ++silent < EXIT_TIMEOUT_US / PREEMPT_US) {
                    preempt(v);
                    tag = L4_Receive_Timeout(g, L4_TimePeriod(PREEMPT_US));
                    continue;
                }
                printf("vmm: lost the guest (error %lx)\n", e);
                stop(v, VS_IPC_ERROR, 0);
                break;
            }
            silent = 0;
            unsigned long long t0 = rdtsc();
            bool go_on = on_exit(v, tag);
            v->handler_cycles += rdtsc() - t0;
            if (!go_on)
                break;
            tag = L4_Call_Timeouts(g, L4_Never, L4_TimePeriod(PREEMPT_US));
        }
    }
    L4_ThreadControl(g, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ul);
    while (v->npatches > nboot_patches)
        unpatch(v, (int)v->npatches - 1);
    return v->stop;
}

const char *vmm_stop_name(enum vmm_stop s)
{
    static const char *const n[] = {
        "running", "unknown instruction", "halted", "bad memory", "triple fault",
        "exception", "IPC error", "setup failed",
    };
    return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *vmm_exit_name(enum vmm_exit x)
{
    static const char *const n[VX_COUNT] = {
        "cli", "sti", "pushf", "popf", "in", "out", "hlt", "lidt", "lgdt", "ltr",
        "mov-cr", "iret", "int-n", "page-fault", "io-fault",
    };
    return (unsigned)x < VX_COUNT ? n[x] : "?";
}
