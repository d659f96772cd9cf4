/* Reads the Multiboot v1 information into boot_info: memory map, modules,
 * command line. Called before paging_init, so only addresses below 16 MiB
 * (the boot mapping) may be touched; multiboot loaders keep their
 * structures there. */
#include "multiboot.h"
#include "layout.h"
#include "../../boot.h"
#include "../../console.h"

extern char _kernel_start[], _kernel_end[];

#define BOOT_MAPPED (16u << 20)

/* Loader memory is not reserved, so strings are copied out of it. */
static char cmdline_copy[256];
static char modname_copy[BOOT_MAX_MODULES][64];

static const char *copy_string(char *dst, size_t size, uint32_t phys)
{
    size_t i = 0;
    if (phys) {
        for (; i + 1 < size && phys + i < BOOT_MAPPED; i++) {
            char c = *(const char *)phys_to_virt(phys + i);
            if (!c)
                break;
            dst[i] = c;
        }
    }
    dst[i] = 0;
    return dst;
}

static const void *early_ptr(uint32_t phys, uint32_t len, const char *what)
{
    if (phys + len < phys || phys + len > BOOT_MAPPED)
        panic("multiboot: %s at %08x is outside the boot mapping", what, phys);
    return phys_to_virt(phys);
}

/* The EBDA's start, from the BIOS data area's word at 0x40e (a real-mode
 * segment). A value outside where an EBDA can be falls back to the usual
 * 1 KiB below 640 KiB. */
static uint32_t ebda_base(void)
{
    uint32_t seg = *(const uint16_t *)phys_to_virt(0x40e);
    uint32_t base = seg << 4;
    if (base < 0x80000 || base >= LOWMEM_ROM_BASE)
        base = LOWMEM_ROM_BASE - 0x400;
    return base;
}

/* Conventional memory stays usable where the loader's map says it is RAM,
 * except what the kernel and the BIOS keep (layout.h). Firmware areas the
 * map itself reports stay reserved as reported. */
static void reserve_low_memory(struct memmap *m)
{
    uint32_t ebda = ALIGN_DOWN(ebda_base(), PAGE_SIZE);
    memmap_add(m, LOWMEM_BDA_PAGE, LOWMEM_KEEP_END, MEM_RESERVED);
    memmap_add(m, ebda, LOWMEM_END - ebda, MEM_RESERVED);
}

void multiboot_read(uint32_t magic, uint32_t mbi_phys)
{
    struct boot_info *bi = &boot_info;

    if (magic != MULTIBOOT_BOOT_MAGIC)
        panic("multiboot: bad magic %08x: Pecan must be started by a "
              "Multiboot v1 loader", magic);
    const struct multiboot_info *mbi = early_ptr(mbi_phys, sizeof(*mbi), "info");

    memmap_init(&bi->map);
    if (!(mbi->flags & MBI_FLAG_MMAP) || mbi->mmap_length == 0)
        panic("multiboot: the boot loader passed no memory map");
    const void *mm = early_ptr(mbi->mmap_addr, mbi->mmap_length, "memory map");
    if (memmap_parse_multiboot(&bi->map, mm, mbi->mmap_length) <= 0)
        panic("multiboot: malformed memory map");

    reserve_low_memory(&bi->map);
    /* The kernel image (with its bss) is the kernel's. */
    memmap_add(&bi->map, virt_to_phys(_kernel_start),
               (uint32_t)((uintptr_t)_kernel_end - (uintptr_t)_kernel_start), MEM_KERNEL);

    bi->cmdline = copy_string(cmdline_copy, sizeof(cmdline_copy),
                              (mbi->flags & MBI_FLAG_CMDLINE) ? mbi->cmdline : 0);

    if (!(mbi->flags & MBI_FLAG_MODS) || mbi->mods_count == 0)
        panic("multiboot: no boot modules: sigma0 and a root task are needed");
    if (mbi->mods_count > BOOT_MAX_MODULES)
        panic("multiboot: %u modules, at most %d supported", mbi->mods_count,
              BOOT_MAX_MODULES);
    const struct multiboot_module *mods = early_ptr(mbi->mods_addr,
        mbi->mods_count * sizeof(*mods), "module list");
    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        const struct multiboot_module *m = &mods[i];
        if (m->end <= m->start || m->end > PHYS_MAP_SIZE)
            panic("multiboot: module %u has a bad range [%08x, %08x)", i,
                  m->start, m->end);
        if (!memmap_range_is(&bi->map, m->start, m->end - m->start, MEM_AVAILABLE))
            panic("multiboot: module %u [%08x, %08x) overlaps the kernel, "
                  "another module or memory that is not RAM", i, m->start, m->end);
        memmap_add(&bi->map, m->start, m->end - m->start, MEM_BOOT);
        bi->mod[i].start = m->start;
        bi->mod[i].end = m->end;
        bi->mod[i].cmdline = copy_string(modname_copy[i], sizeof(modname_copy[i]),
                                         m->string);
    }
    bi->nmodules = (int)mbi->mods_count;

    uint64_t top = 0;
    for (int i = 0; i < bi->map.count; i++)
        if (bi->map.r[i].type == MEM_AVAILABLE && bi->map.r[i].end > top)
            top = bi->map.r[i].end;
    bi->phys_top = top > PHYS_MAP_SIZE ? PHYS_MAP_SIZE : (paddr_t)top;
}
