/* Building the KIP. Layout of the page:
 *   0x000 struct l4_kip (X.2 header, system-call links)
 *   0x120 kernel descriptor, version string, feature strings
 *   0x180 processor descriptors (16 bytes each, up to 16: one per CPU
 *         that runs threads, kip_set_processors)
 *   0x280 memory descriptors (up to 64)
 *   after the data: the system-call stubs (.kip.text) */
#include "kip.h"
#include "boot.h"
#include "thread.h"
#include "string.h"
#include "console.h"
#include "arch/ia32/layout.h"
#include "arch/ia32/cpu.h"

#define KDESC_OFF   0x120
#define PROC_OFF    0x180
#define PROC_MAX    16
#define MEMDESC_OFF (PROC_OFF + PROC_MAX * 16)
#define MEMDESC_MAX 64

__attribute__((section(".kip.data"), aligned(4096)))
static uint8_t kip_page[MEMDESC_OFF + MEMDESC_MAX * 8];

extern char _kip_start[];
extern void kip_ipc_sysenter(void), kip_ipc_int(void), kip_lipc_int(void),
    kip_exchange_registers(void), kip_thread_control(void),
    kip_system_clock(void), kip_thread_switch(void), kip_schedule(void),
    kip_unmap(void), kip_space_control(void), kip_processor_control(void),
    kip_memory_control(void);

uint32_t arch_tsc_per_us(void);
paddr_t bootinfo_build(void);

static uint32_t link(void (*stub)(void))
{
    return (uint32_t)((uintptr_t)stub - (uintptr_t)_kip_start);
}

/* ProcessorInfo and one descriptor per CPU that runs threads (the
 * processor numbers of Schedule and ProcessorControl). All run at the
 * boot processor's calibrated TSC rate. */
void kip_set_processors(unsigned n)
{
    struct l4_kip *k = (struct l4_kip *)kip_page;
    if (n > PROC_MAX)
        n = PROC_MAX;
    for (unsigned i = 0; i < n; i++) {
        struct l4_procdesc *pd = (struct l4_procdesc *)(kip_page + PROC_OFF) + i;
        pd->internal_freq = arch_tsc_per_us() * 1000;
        pd->external_freq = pd->internal_freq;
    }
    k->processor_info = L4ABI_KIP_PROCINFO(n, 4);
}

struct l4_kip *kip_kernel(void)
{
    return (struct l4_kip *)kip_page;
}

paddr_t kip_phys(void)
{
    return virt_to_phys(kip_page);
}

uint32_t kip_api_version(void) { return kip_kernel()->api_version; }
uint32_t kip_api_flags(void) { return kip_kernel()->api_flags; }
uint32_t kip_kernel_id(void)
{
    return ((struct l4_kdesc *)(kip_page + KDESC_OFF))->kernel_id;
}

static uint32_t memdesc_type(enum mem_type t, uint32_t *subtype)
{
    *subtype = 0;
    switch (t) {
    case MEM_AVAILABLE: return L4ABI_MEMDESC_CONVENTIONAL;
    case MEM_BOOT: *subtype = 1; return L4ABI_MEMDESC_BOOTLOADER;
    case MEM_KERNEL: return L4ABI_MEMDESC_RESERVED;
    default: return L4ABI_MEMDESC_ARCH;     /* firmware, holes */
    }
}

static int add_memdesc(int n, uint32_t type, uint32_t sub, bool virt,
                       uint64_t low, uint64_t end)
{
    if (n >= MEMDESC_MAX || end <= low)
        return n;
    if (end > 0x100000000ull)
        end = 0x100000000ull;
    struct l4_memdesc *d = (struct l4_memdesc *)(kip_page + MEMDESC_OFF) + n;
    d->w0 = L4ABI_MEMDESC_W0(type, sub, virt, (uint32_t)low);
    d->w1 = L4ABI_MEMDESC_W1((uint32_t)(end - 1));
    return n + 1;
}

static struct l4_kip_server server_of(const struct boot_image *img)
{
    return (struct l4_kip_server){ .ip = img->elf.entry, .sp = 0,
                                   .low = img->elf.low, .high = img->elf.high };
}

void kip_init(const struct boot_image *sigma0, const struct boot_image *root)
{
    struct l4_kip *k = kip_kernel();
    memset(kip_page, 0, sizeof(kip_page));

    k->magic = L4ABI_KIP_MAGIC;
    k->api_version = L4ABI_API_VERSION_WORD(L4ABI_API_VERSION_X2, L4ABI_API_SUBVERSION_X2);
    k->api_flags = L4ABI_API_FLAGS_IA32;

    struct l4_kdesc *kd = (struct l4_kdesc *)(kip_page + KDESC_OFF);
    kd->kernel_id = L4ABI_KDESC_ID(PECAN_KERNEL_ID, PECAN_KERNEL_SUBID);
    kd->gen_date = L4ABI_KDESC_DATE(2026, 11, 24);
    kd->kernel_ver = L4ABI_KDESC_VER(0, 1, 0);
    memcpy(&kd->supplier, "PCAN", 4);
    /* Version string, then feature strings, ending with an empty one. */
    static const char strings[] = "Pecan 0.1 (L4 X.2, ia32)\0smallspaces-no\0\0";
    memcpy(kd + 1, strings, sizeof(strings));
    k->kernel_desc_ptr = KDESC_OFF;

    k->sigma0 = server_of(sigma0);
    k->root_server = server_of(root);

    /* Physical memory as sigma0 will hand it out, then the user part of
     * the virtual address space. */
    int n = 0;
    const struct memmap *m = &boot_info.map;
    for (int i = 0; i < m->count; i++) {
        uint32_t sub, type = memdesc_type(m->r[i].type, &sub);
        n = add_memdesc(n, type, sub, false, m->r[i].base, m->r[i].end);
    }
    n = add_memdesc(n, L4ABI_MEMDESC_CONVENTIONAL, 0, true, 0, USER_LIMIT);
    k->memory_info = L4ABI_KIP_MEMINFO(MEMDESC_OFF, n);

    k->utcb_area_info = L4ABI_KIP_UTCBINFO(12, L4ABI_UTCB_SIZE_LOG2, 1);
    k->kip_area_info = 12;
    k->boot_info = bootinfo_build();     /* physical, boot memory */
    k->proc_desc_ptr = PROC_OFF;
    kip_set_processors(1);
    k->clock_info = L4ABI_KIP_CLOCKINFO(1, TICK_US);
    k->thread_info = L4ABI_KIP_THREADINFO(L4ABI_TID_THREADNO_BITS, SYSTEM_BASE, USER_BASE);
    k->page_info = L4ABI_KIP_PAGEINFO((1u << 12) | (cpu.pse ? (1u << 22) : 0),
                                      L4ABI_FPAGE_R | L4ABI_FPAGE_W);

    k->ipc = link(cpu.sep ? kip_ipc_sysenter : kip_ipc_int);
    k->lipc = link(cpu.sep ? kip_ipc_sysenter : kip_lipc_int);
    k->exchange_registers = link(kip_exchange_registers);
    k->thread_control = link(kip_thread_control);
    k->system_clock = link(kip_system_clock);
    k->thread_switch = link(kip_thread_switch);
    k->schedule = link(kip_schedule);
    k->unmap = link(kip_unmap);
    k->space_control = link(kip_space_control);
    k->processor_control = link(kip_processor_control);
    k->memory_control = link(kip_memory_control);
}
