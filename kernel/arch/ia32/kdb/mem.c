/* Memory through the debugger: every access goes through the page tables
 * of the space in question to a physical address and from there through
 * the kernel's direct map, so nothing the debugger reads or writes can
 * fault (device memory outside the direct map is refused). Commands:
 * memory dump and write, disassembly, a space's page tables. */
#include "../../../kdb/kdb_int.h"
#include "../paging.h"
#include "../layout.h"
#include "../trap.h"
#include "../../../thread.h"
#include "../../../space.h"
#include "x86dis.h"
#include "x86decode.h"
#include "branch.h"

int kdb_syntax = X86DIS_ATT;

const uint32_t *kdb_pd_of(const struct tcb *t)
{
    if (t && t->space && t->space->pd)
        return t->space->pd;
    return kernel_pd;
}

bool kdb_translate(const uint32_t *pd, uint32_t va, uint32_t *pa, uint32_t *pte)
{
    unsigned log2 = 12;
    if (va >= KERNEL_VBASE)
        pd = kernel_pd;
    uint32_t e = pd_lookup(pd, va, &log2);
    if (pte)
        *pte = e;
    if (!(e & PTE_P))
        return false;
    uint32_t mask = (1u << log2) - 1;
    *pa = (e & PTE_ADDR & ~mask) | (va & mask);
    return true;
}

/* Bytes of [va, va + len) that lie on va's page and are mapped; their
 * kernel alias in *k. */
static uint32_t chunk(const uint32_t *pd, uint32_t va, uint32_t len, uint8_t **k)
{
    uint32_t pa;
    if (!kdb_translate(pd, va, &pa, NULL) || pa >= PHYS_MAP_SIZE)
        return 0;
    uint32_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
    *k = phys_to_virt(pa);
    return n < len ? n : len;
}

uint32_t kdb_read(const uint32_t *pd, uint32_t va, void *buf, uint32_t len)
{
    uint32_t done = 0;
    while (done < len) {
        uint8_t *k;
        uint32_t n = chunk(pd, va + done, len - done, &k);
        if (!n)
            break;
        for (uint32_t i = 0; i < n; i++)
            ((uint8_t *)buf)[done + i] = k[i];
        done += n;
    }
    return done;
}

uint32_t kdb_write(const uint32_t *pd, uint32_t va, const void *buf, uint32_t len)
{
    uint32_t done = 0;
    while (done < len) {
        uint8_t *k;
        uint32_t n = chunk(pd, va + done, len - done, &k);
        if (!n)
            break;
        for (uint32_t i = 0; i < n; i++)
            k[i] = ((const uint8_t *)buf)[done + i];
        done += n;
    }
    return done;
}

int kdb_disas_one(const uint32_t *pd, uint32_t va)
{
    uint8_t code[X86_MAX_INSN];
    char text[X86DIS_BUFLEN];
    uint32_t n = kdb_read(pd, va, code, sizeof(code));
    if (!n) {
        kp("%08x: <not mapped>\n", va);
        return 1;
    }
    int len = x86dis(code, n, va, (enum x86dis_syntax)kdb_syntax, text, sizeof(text));
    int shown = len > 0 ? len : 1;
    kp("%08x: ", va);
    for (int i = 0; i < 8; i++) {
        if (i < shown)
            kp("%02x", code[i]);
        else
            kp("  ");
    }
    if (len > 0)
        kp("%s %s\n", shown > 8 ? "+" : " ", text);
    else
        kp("  .byte 0x%02x\n", code[0]);
    return shown;
}

/* Control transfers, for branch stepping and step-over (branch.c). */
bool kdb_is_branch(const uint32_t *pd, uint32_t va, int *len, bool *is_call)
{
    uint8_t b[X86_MAX_INSN];
    char text[X86DIS_BUFLEN];
    uint32_t n = kdb_read(pd, va, b, sizeof(b));
    int l = n ? x86dis(b, n, va, X86DIS_ATT, text, sizeof(text)) : -1;
    *len = l;
    *is_call = false;
    if (l <= 0)
        return false;
    enum kdb_insn_kind k = kdb_insn_kind(b, l);
    *is_call = k == KDB_INSN_CALL;
    return k != KDB_INSN_OTHER;
}

/* ---- Commands ------------------------------------------------------------- */
/* The page directory for an optional thread argument. */
static bool pd_arg(int argc, char **argv, int i, const uint32_t **pd)
{
    const struct tcb *t = kdb_self()->thread;
    if (argc > i && !(t = kdb_thread_arg(argv[i])))
        return false;
    *pd = kdb_pd_of(t);
    return true;
}

static int cmd_dump(int argc, char **argv)
{
    uint32_t va, len = 64, pa, pte;
    const uint32_t *pd;
    if (argc < 2 || !kdb_num(argv[1], &va) || (argc > 2 && !kdb_num(argv[2], &len)) ||
        !pd_arg(argc, argv, 3, &pd)) {
        kp("usage: d addr [len [thread]]\n");
        return KDB_STAY;
    }
    if (len > 4096)
        len = 4096;
    for (uint32_t off = 0; off < len; off += 16) {
        uint8_t row[16];
        uint32_t want = len - off < 16 ? len - off : 16;
        if (!kdb_translate(pd, va + off, &pa, &pte)) {
            kp("%08x: not mapped (entry %08x)\n", va + off, pte);
            break;
        }
        uint32_t n = kdb_read(pd, va + off, row, want);
        kp("%08x [phys %08x]:", va + off, pa);
        for (uint32_t i = 0; i < 16; i++) {
            if (i < n)
                kp(" %02x", row[i]);
            else
                kp("   ");
        }
        kp("  ");
        for (uint32_t i = 0; i < n; i++)
            console_putc(row[i] >= ' ' && row[i] < 0x7f ? (char)row[i] : '.');
        kp("\n");
        if (n < want) {
            kp("%08x: not readable through the direct map\n", va + off + n);
            break;
        }
    }
    return KDB_STAY;
}
KDB_COMMAND(d, "addr [len [thread]]", "dump memory (kernel, or the thread's space) with physical addresses",
            cmd_dump);

static int cmd_write(int argc, char **argv)
{
    uint32_t va, v;
    const uint32_t *pd;
    if (argc < 3 || !kdb_num(argv[1], &va) || !kdb_num(argv[2], &v) ||
        !pd_arg(argc, argv, 3, &pd)) {
        kp("usage: w addr value [thread]\n");
        return KDB_STAY;
    }
    if (kdb_write(pd, va, &v, 4) != 4)
        kp("%08x: not writable through the direct map\n", va);
    else
        kp("%08x := %08x\n", va, v);
    return KDB_STAY;
}
KDB_COMMAND(w, "addr value [thread]", "write a 32-bit word", cmd_write);

static int cmd_disas(int argc, char **argv)
{
    const struct kdb_cpu *c = kdb_self();
    uint32_t va = c->frame ? c->frame->eip : 0, n = 8;
    const uint32_t *pd;
    if ((argc > 1 && !kdb_num(argv[1], &va)) || (argc > 2 && !kdb_num(argv[2], &n)) ||
        !pd_arg(argc, argv, 3, &pd)) {
        kp("usage: u [addr [count [thread]]]\n");
        return KDB_STAY;
    }
    for (uint32_t i = 0; i < n && i < 256; i++)
        va += (uint32_t)kdb_disas_one(pd, va);
    return KDB_STAY;
}
KDB_COMMAND(u, "[addr [count [thread]]]", "disassemble (default: at the stopped eip)", cmd_disas);

static int cmd_syntax(int argc, char **argv)
{
    if (argc > 1 && kdb_streq(argv[1], "intel"))
        kdb_syntax = X86DIS_INTEL;
    else if (argc > 1 && kdb_streq(argv[1], "att"))
        kdb_syntax = X86DIS_ATT;
    kp("disassembly syntax: %s\n", kdb_syntax == X86DIS_INTEL ? "intel" : "att");
    return KDB_STAY;
}
KDB_COMMAND(syntax, "[att|intel]", "disassembly syntax", cmd_syntax);

static int cmd_translate(int argc, char **argv)
{
    uint32_t va, pa, pte;
    const uint32_t *pd;
    if (argc < 2 || !kdb_num(argv[1], &va) || !pd_arg(argc, argv, 2, &pd)) {
        kp("usage: v addr [thread]\n");
        return KDB_STAY;
    }
    if (kdb_translate(pd, va, &pa, &pte))
        kp("%08x -> phys %08x (entry %08x: %s%s%s)\n", va, pa, pte,
           pte & PTE_W ? "w" : "r", pte & PTE_U ? " user" : " kernel", pte & PTE_PS ? " 4M" : "");
    else
        kp("%08x: not mapped (entry %08x)\n", va, pte);
    return KDB_STAY;
}
KDB_COMMAND(v, "addr [thread]", "virtual-to-physical translation", cmd_translate);

/* Page tables of a space: present mappings below USER_LIMIT, runs of
 * contiguous pages with the same rights folded into one line. */
static int cmd_ptab(int argc, char **argv)
{
    const uint32_t *pd;
    if (!pd_arg(argc, argv, 1, &pd)) {
        kp("usage: ptab [thread]\n");
        return KDB_STAY;
    }
    kp("page directory %p (phys %08lx), user part:\n", (void *)pd, virt_to_phys(pd));
    unsigned lines = 0;
    uint32_t run_va = 0, run_pa = 0, run_n = 0, run_fl = 0;
    for (uint32_t pdi = 0; pdi < PD_SLOT(USER_LIMIT) && lines < 200; pdi++) {
        uint32_t pde = pd[pdi];
        if (!(pde & PTE_P))
            continue;
        if (pde & PTE_PS) {
            kp("  %08x 4M -> %08x %s\n", pdi << 22, pde & 0xffc00000u, pde & PTE_W ? "rw" : "r");
            lines++;
            continue;
        }
        const uint32_t *pt = phys_to_virt(pde & PTE_ADDR);
        for (uint32_t i = 0; i < 1024; i++) {
            uint32_t e = pt[i], va = (pdi << 22) | (i << 12);
            if (run_n && (e & PTE_P) && va == run_va + run_n * PAGE_SIZE &&
                (e & PTE_ADDR) == run_pa + run_n * PAGE_SIZE && (e & PTE_W) == run_fl) {
                run_n++;
                continue;
            }
            if (run_n) {
                kp("  %08x %5u pages -> %08x %s\n", run_va, run_n, run_pa, run_fl ? "rw" : "r");
                lines++;
                run_n = 0;
            }
            if (e & PTE_P) {
                run_va = va, run_pa = e & PTE_ADDR, run_n = 1, run_fl = e & PTE_W;
            }
        }
    }
    if (run_n)
        kp("  %08x %5u pages -> %08x %s\n", run_va, run_n, run_pa, run_fl ? "rw" : "r");
    return KDB_STAY;
}
KDB_COMMAND(ptab, "[thread]", "a space's page tables (user part)", cmd_ptab);
