/* Two-level ia32 page tables: the kernel's master directory and the
 * per-space directories that share its page tables. */
#ifndef PECAN_IA32_PAGING_H
#define PECAN_IA32_PAGING_H

#include "types.h"
#include "layout.h"

#define PTE_P   0x001u
#define PTE_W   0x002u
#define PTE_U   0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_G   0x100u
#define PTE_ADDR 0xfffff000u

#define PD_SLOT(va) ((uint32_t)(va) >> 22)
#define PT_SLOT(va) (((uint32_t)(va) >> 12) & 0x3ff)

extern uint32_t kernel_pd[1024];

struct paging_stats {
    uint32_t lazy_syncs;        /* kernel PDEs copied into a space on a fault */
    uint32_t tcb_zero_maps;     /* TCB-array reads answered by the zero page */
    uint32_t tcb_frames;        /* frames backing TCBs */
};
extern struct paging_stats paging_stats;

/* Builds the master directory: direct map of [0, phys_top), the TCB array's
 * page tables, and switches to it. Without PSE the direct map needs page
 * tables: alloc_low hands out zeroed frames below 16 MiB for them. */
void paging_init(uint32_t phys_top, paddr_t (*alloc_low)(void));

struct kmem_acct;

/* A new space's directory: only the direct-map slots are copied; the other
 * kernel slots arrive lazily (paging_kernel_fault). NULL if out of memory
 * or over the account's limit. The directory and the user page tables are
 * charged to `acct` (the space's account; NULL = nobody). */
uint32_t *pd_create(struct kmem_acct *acct);
/* Frees the directory and its user page tables (not the mapped frames). */
void pd_destroy(uint32_t *pd, struct kmem_acct *acct);
/* Frees the user page tables of directory slots [from, to) and clears
 * those slots (pd_destroy in steps), uncharging acct. */
void pd_free_tables(uint32_t *pd, struct kmem_acct *acct, uint32_t from, uint32_t to);
/* Makes sure the kernel slot covering va is present in pd (used before
 * switching to a directory whose thread's stack lives at va). Inline:
 * every switch between spaces checks two slots, which are nearly always
 * present already (one test each). */
static inline void pd_sync_kernel(uint32_t *pd, uint32_t va)
{
    uint32_t s = PD_SLOT(va);
    if (__builtin_expect(!(pd[s] & PTE_P), 0) && (kernel_pd[s] & PTE_P))
        pd[s] = kernel_pd[s];
}

/* User mappings. size_log2 is 12 or 22 (22 only if the CPU has PSE). flags
 * are PTE_W and friends; PTE_P|PTE_U are added. Returns 0 or -1 (no memory
 * for a page table, or over acct's limit). Replacing a mapping flushes its
 * TLB entry. */
int pd_map(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa,
           unsigned size_log2, uint32_t flags);
/* pd_map(pd, acct, va, pa, 12, flags) == 0, quicker where the page table
 * exists and va's entry is empty (a new 4 KiB mapping: the mdb's one-page
 * map). */
bool pd_map_new(uint32_t *pd, struct kmem_acct *acct, uint32_t va, uint32_t pa, uint32_t flags);
/* The 4 KiB entry for va if its page table exists and the entry is empty
 * (pd_map_new's quick case), else NULL. Whoever fills it does what
 * pd_map_new does after: invlpg(va), small_pte_changed(pd, va). */
static inline uint32_t *pd_empty_pte(const uint32_t *pd, uint32_t va)
{
    uint32_t pde = pd[PD_SLOT(va)];
    if ((pde & (PTE_P | PTE_PS)) != PTE_P)
        return NULL;
    uint32_t *pte = (uint32_t *)phys_to_virt(pde & PTE_ADDR) + PT_SLOT(va);
    return (*pte & PTE_P) ? NULL : pte;
}
/* Makes sure a later pd_map of that size at va needs no allocation (the
 * page table exists, charged to acct). False if it cannot. */
bool pd_reserve(uint32_t *pd, struct kmem_acct *acct, uint32_t va, unsigned size_log2);
/* Reads the entry mapping va; *size_log2 receives 12 or 22. 0 if none. */
uint32_t pd_lookup(const uint32_t *pd, uint32_t va, unsigned *size_log2);

/* Like pd_unmap, but only if va is mapped by a page of exactly 2^size_log2
 * bytes. Returns the old entry or 0. */
uint32_t pd_remove(uint32_t *pd, uint32_t va, unsigned size_log2);
/* Sets the write permission of the page of 2^size_log2 bytes at va and
 * clears its referenced/dirty bits. Returns the old entry, or 0 (nothing
 * changed) if no page of that size maps va. */
uint32_t pd_protect(uint32_t *pd, uint32_t va, unsigned size_log2, bool writable);

/* Sets the caching bits (PTE_PWT/PTE_PCD) of the user mapping at va;
 * false if nothing is mapped there. */
bool pd_set_cache(uint32_t *pd, uint32_t va, uint32_t cache_bits);

/* String-copy windows: kernel-only mappings of one user frame at
 * COPY_AREA + slot * 4 KiB (slot < 2), so that a string is reached only
 * through a frame its owner has mapped, never through the direct map.
 * Returns the kernel address of pa. Valid until the slot is reused; the
 * kernel is not preemptible, so a window lives as long as one copy step. */
void *paging_copy_window(unsigned slot, uint32_t pa, bool write);
void paging_copy_window_clear(unsigned slot);
/* Sets the accessed (and for a write, dirty) bit of va's entry, as the
 * hardware would have for an access through the user mapping. Returns the
 * entry, 0 if none. */
uint32_t pd_touch(uint32_t *pd, uint32_t va, bool write);

/* Backs the TCB-array page at va with a frame now, so that creating a
 * thread can fail cleanly when the kernel pool is exhausted instead of
 * faulting on the first write. False if no frame is left. */
bool paging_tcb_back(uint32_t va);

/* Handles an invisible kernel-mode page fault (lazy kernel directory sync,
 * TCB array). Returns false if the fault is a kernel bug. */
bool paging_kernel_fault(uint32_t va, uint32_t error);

static inline uint32_t *current_pd(void)
{
    uint32_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    return (uint32_t *)phys_to_virt(cr3 & PTE_ADDR);
}

#endif
