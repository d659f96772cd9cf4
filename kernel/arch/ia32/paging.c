/* Page tables. Invariants:
 *  - Kernel page tables are shared by all spaces; a kernel directory slot,
 *    once present in kernel_pd, never changes. So a space's copy of a
 *    kernel slot is either absent or correct, and an absent one is filled
 *    in on the first kernel-mode fault (lazy kernel-space sync).
 *  - The TCB array's page tables exist from boot (64 of them, 256 KiB);
 *    their entries start empty. A read of an unused TCB maps the shared zero
 *    page read-only; the first write maps a fresh zeroed frame. Looking up
 *    invalid thread IDs therefore never allocates memory.
 *  - User page tables belong to one space and are freed with it; the
 *    directory and every user page table are charged to the space's
 *    kernel-memory account (the `acct` arguments), 4 KiB each. */
#include "paging.h"
#include "smp.h"
#include "smp_ipi.h"
#include "cpu.h"
#include "smallspace.h"
#include "../../frame.h"
#include "../../kmem.h"
#include "../../console.h"

uint32_t kernel_pd[1024] __attribute__((aligned(4096)));
static uint32_t tcb_pts[TCB_AREA_SIZE >> 22][1024] __attribute__((aligned(4096)));
static uint8_t zero_page[4096] __attribute__((aligned(4096)));
/* Page table of the first 4 MiB of COPY_AREA: the string-copy windows. */
static uint32_t copy_pt[1024] __attribute__((aligned(4096)));
struct paging_stats paging_stats;

static uint32_t global_bit;     /* PTE_G where the CPU has PGE */

#define DIRECT_FIRST PD_SLOT(KERNEL_VBASE)
#define DIRECT_END   PD_SLOT(KERNEL_VBASE + PHYS_MAP_SIZE)

void paging_init(uint32_t phys_top, paddr_t (*alloc_low)(void))
{
    uint32_t cr4 = read_cr4();

    if (cpu.pge) {
        global_bit = PTE_G;
        cr4 |= CR4_PGE;
    }
    if (cpu.pse)
        cr4 |= CR4_PSE;
    write_cr4(cr4);

    if (phys_top > PHYS_MAP_SIZE)
        phys_top = PHYS_MAP_SIZE;
    for (uint32_t pa = 0; pa < phys_top; pa += SUPERPAGE_SIZE) {
        uint32_t slot = PD_SLOT(KERNEL_VBASE + pa);
        if (cpu.pse) {
            kernel_pd[slot] = pa | PTE_P | PTE_W | PTE_PS | global_bit;
            continue;
        }
        paddr_t pt_phys = alloc_low();
        if (!pt_phys || pt_phys >= 16u << 20)
            panic("paging: no low frame for a direct-map page table");
        uint32_t *pt = phys_to_virt(pt_phys);
        for (int i = 0; i < 1024; i++)
            pt[i] = (pa + ((uint32_t)i << 12)) | PTE_P | PTE_W | global_bit;
        kernel_pd[slot] = pt_phys | PTE_P | PTE_W;
    }
    for (uint32_t i = 0; i < ARRAY_SIZE(tcb_pts); i++)
        kernel_pd[PD_SLOT(TCB_AREA) + i] =
            virt_to_phys(tcb_pts[i]) | PTE_P | PTE_W;
    kernel_pd[PD_SLOT(COPY_AREA)] = virt_to_phys(copy_pt) | PTE_P | PTE_W;

    write_cr3(virt_to_phys(kernel_pd));
}

uint32_t *pd_create(struct kmem_acct *acct)
{
    uint32_t *pd = kmem_alloc_acct(acct, 4096, KMEM_PGTABLE);
    if (!pd)
        return NULL;
    for (uint32_t s = DIRECT_FIRST; s < DIRECT_END; s++)
        pd[s] = kernel_pd[s];
    /* The CPU reads the TSS and I/O bitmap through this window on kernel
     * entry and on user I/O instructions: it can never be synced lazily. */
    pd[PD_SLOT(IOBM_WINDOW)] = kernel_pd[PD_SLOT(IOBM_WINDOW)];
    pd[PD_SLOT(DEVICE_AREA)] = kernel_pd[PD_SLOT(DEVICE_AREA)];   /* APICs */
    return pd;
}

void pd_free_tables(uint32_t *pd, struct kmem_acct *acct, uint32_t from, uint32_t to)
{
    for (uint32_t s = from; s < to && s < PD_SLOT(USER_LIMIT); s++)
        if ((pd[s] & PTE_P) && !(pd[s] & PTE_PS)) {
            uint32_t old = pd[s];
            pd[s] = 0;
            /* No CPU may walk the table once it is reused. */
            smp_tlb_flush_now(pd);
            kmem_free_acct(acct, phys_to_virt(old & PTE_ADDR), 4096, KMEM_PGTABLE);
        }
}

void pd_destroy(uint32_t *pd, struct kmem_acct *acct)
{
    pd_free_tables(pd, acct, 0, PD_SLOT(USER_LIMIT));
    kmem_free_acct(acct, pd, 4096, KMEM_PGTABLE);
}

/* Makes sure the page table for va exists (allocated and charged to acct
 * if not). False if out of memory or over the account's limit, or if a
 * superpage maps va. */
static bool pt_ensure(uint32_t *pd, struct kmem_acct *acct, uint32_t va)
{
    uint32_t s = PD_SLOT(va);
    if (pd[s] & PTE_PS)
        return false;   /* caller must unmap the superpage first */
    if (!(pd[s] & PTE_P)) {
        uint32_t *pt = kmem_alloc_acct(acct, 4096, KMEM_PGTABLE);
        if (!pt)
            return false;
        pd[s] = virt_to_phys(pt) | PTE_P | PTE_W | PTE_U;
    }
    return true;
}

bool pd_reserve(uint32_t *pd, struct kmem_acct *acct, uint32_t va, unsigned size_log2)
{
    return size_log2 == 22 || pt_ensure(pd, acct, va);
}

int pd_map(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa,
           unsigned size_log2, uint32_t flags)
{
    uint32_t s = PD_SLOT(va);
    uint32_t entry = pa | (flags & (PTE_W | PTE_A | PTE_D)) | PTE_P | PTE_U;

    if (size_log2 == 22) {
        uint32_t old = pd[s];
        pd[s] = entry | PTE_PS;
        invlpg(va);
        if (old & PTE_P)
            small_pde_changed(pd, va);  /* copies in the region go first */
        if ((old & PTE_P) && !(old & PTE_PS)) {
            smp_tlb_flush_now(pd);
            kmem_free_acct(acct, phys_to_virt(old & PTE_ADDR), 4096, KMEM_PGTABLE);
        } else if (old & PTE_P) {
            smp_tlb_changed(pd);
        }
        return 0;
    }
    if (!pt_ensure(pd, acct, va))
        return -1;
    uint32_t *pt = phys_to_virt(pd[s] & PTE_ADDR);
    if (pt[PT_SLOT(va)] & PTE_P)
        smp_tlb_changed(pd);        /* a replaced mapping */
    pt[PT_SLOT(va)] = entry;
    invlpg(va);
    small_pte_changed(pd, va);
    return 0;
}

bool pd_map_new(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa, uint32_t flags)
{
    /* pd_map's 4 KiB case where the page table exists and the entry is
     * empty (the usual one), without its general steps: the entry, its TLB
     * entry (as pd_map does) and a small space's alias. */
    uint32_t *pte = pd_empty_pte(pd, va);
    if (pte) {
        *pte = pa | (flags & (PTE_W | PTE_A | PTE_D)) | PTE_P | PTE_U;
        invlpg(va);
        small_pte_changed(pd, va);
        return true;
    }
    return pd_map(pd, acct, va, pa, PAGE_SHIFT, flags) == 0;
}

static uint32_t *pte_of(const uint32_t *pd, uint32_t va, unsigned *size_log2)
{
    uint32_t s = PD_SLOT(va);
    if (!(pd[s] & PTE_P))
        return NULL;
    if (pd[s] & PTE_PS) {
        *size_log2 = 22;
        return (uint32_t *)&pd[s];
    }
    *size_log2 = 12;
    uint32_t *pt = phys_to_virt(pd[s] & PTE_ADDR);
    return (pt[PT_SLOT(va)] & PTE_P) ? &pt[PT_SLOT(va)] : NULL;
}

uint32_t pd_lookup(const uint32_t *pd, uint32_t va, unsigned *size_log2)
{
    unsigned dummy;
    uint32_t *e = pte_of(pd, va, size_log2 ? size_log2 : &dummy);
    return e ? *e : 0;
}

/* The entry mapping exactly the page [va, +2^size_log2), or NULL: a
 * mapping of the other size at va is left alone. */
static uint32_t *pte_exact(const uint32_t *pd, uint32_t va, unsigned size_log2)
{
    unsigned l;
    uint32_t *e = pte_of(pd, va, &l);
    return e && l == size_log2 ? e : NULL;
}

/* After a change of the entry for va of 2^size_log2 bytes: the TLB, and
 * a small space's window (its alias, or the copies of a directory entry). */
static void flush_entry(uint32_t *pd, uint32_t va, unsigned size_log2)
{
    invlpg(va);
    if (size_log2 == 22)
        small_pde_changed(pd, va);
    else
        small_pte_changed(pd, va);
}

uint32_t pd_remove(uint32_t *pd, uint32_t va, unsigned size_log2)
{
    uint32_t *e = pte_exact(pd, va, size_log2);
    if (!e)
        return 0;
    uint32_t old = *e;
    *e = 0;
    flush_entry(pd, va, size_log2);
    smp_tlb_changed(pd);
    return old;
}

uint32_t pd_protect(uint32_t *pd, uint32_t va, unsigned size_log2, bool writable)
{
    uint32_t *e = pte_exact(pd, va, size_log2);
    if (!e)
        return 0;
    uint32_t old = *e;
    *e = (old & ~(PTE_W | PTE_A | PTE_D)) | (writable ? PTE_W : 0);
    flush_entry(pd, va, size_log2);
    smp_tlb_changed(pd);
    return old;
}

bool pd_set_cache(uint32_t *pd, uint32_t va, uint32_t cache_bits)
{
    unsigned size_log2;
    uint32_t *e = pte_of(pd, va, &size_log2);
    if (!e)
        return false;
    *e = (*e & ~(PTE_PWT | PTE_PCD)) | (cache_bits & (PTE_PWT | PTE_PCD));
    flush_entry(pd, va, size_log2);
    smp_tlb_changed(pd);
    return true;
}

void *paging_copy_window(unsigned slot, uint32_t pa, bool write)
{
    uint32_t va = COPY_AREA + slot * PAGE_SIZE;
    pd_sync_kernel(current_pd(), va);
    copy_pt[slot] = (pa & PTE_ADDR) | PTE_P | (write ? PTE_W : 0);
    invlpg(va);
    return (void *)(uintptr_t)(va + (pa & ~PTE_ADDR));
}

void paging_copy_window_clear(unsigned slot)
{
    copy_pt[slot] = 0;
    invlpg(COPY_AREA + slot * PAGE_SIZE);
}

uint32_t pd_touch(uint32_t *pd, uint32_t va, bool write)
{
    unsigned size_log2;
    uint32_t *e = pte_of(pd, va, &size_log2);
    if (!e)
        return 0;
    *e |= PTE_A | (write ? PTE_D : 0);
    return *e;
}

bool paging_tcb_back(uint32_t va)
{
    uint32_t idx = (va - TCB_AREA) >> 12;
    uint32_t *pte = &tcb_pts[idx >> 10][idx & 1023];
    if (*pte & PTE_W)
        return true;
    paddr_t f = frame_alloc();
    if (!f)
        return false;
    __builtin_memset(phys_to_virt(f), 0, 4096);
    *pte = f | PTE_P | PTE_W | global_bit;
    paging_stats.tcb_frames++;
    invlpg(va & PTE_ADDR);
    smp_tlb_global_changed();   /* other CPUs may hold the zero page there */
    return true;
}

/* Kernel-mode faults the kernel resolves itself. */
bool paging_kernel_fault(uint32_t va, uint32_t error)
{
    uint32_t *pd = current_pd();
    uint32_t s = PD_SLOT(va);

    if (va < KERNEL_VBASE)
        return false;
    if (!(pd[s] & PTE_P)) {
        if (!(kernel_pd[s] & PTE_P))
            return false;
        pd[s] = kernel_pd[s];
        paging_stats.lazy_syncs++;
        return true;
    }
    if (va < TCB_AREA || va >= TCB_AREA + TCB_AREA_SIZE)
        return false;

    uint32_t idx = (va - TCB_AREA) >> 12;
    uint32_t *pte = &tcb_pts[idx >> 10][idx & 1023];
    bool write = error & 2;
    if (!(*pte & PTE_P) && !write) {
        *pte = virt_to_phys(zero_page) | PTE_P | global_bit;
        paging_stats.tcb_zero_maps++;
    } else if (write && !(*pte & PTE_W)) {
        paddr_t f = frame_alloc();
        if (!f)
            panic("paging: out of memory for a TCB");
        __builtin_memset(phys_to_virt(f), 0, 4096);
        *pte = f | PTE_P | PTE_W | global_bit;
        paging_stats.tcb_frames++;
        smp_tlb_global_changed();
    }
    /* Otherwise another CPU resolved the same fault meanwhile (two IPC
     * fast paths probing one never-used slot, holding only their own
     * CPU's lock word): the entry now allows the access, and at most this
     * CPU's TLB holds the old one. */
    invlpg(va & PTE_ADDR);
    return true;
}
