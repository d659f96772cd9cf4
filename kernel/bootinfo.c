/* The generic L4 boot information (l4/bootinfo.h) that the KIP's BootInfo
 * field points to: one Module record per boot module, with its name. It
 * lives in one page of boot memory, so the root task can ask sigma0 for it
 * like for the modules themselves. */
#include "boot.h"
#include "string.h"
#include "console.h"
#include "arch/ia32/layout.h"
#include <l4/types.h>
#include <l4/bootinfo.h>

/* Takes the lowest free page of RAM (outside the kernel pool) for it. */
static paddr_t boot_page(void)
{
    struct memmap *m = &boot_info.map;
    for (int i = 0; i < m->count; i++) {
        uint64_t base = ALIGN_UP(m->r[i].base, PAGE_SIZE);
        if (m->r[i].type == MEM_AVAILABLE && base + PAGE_SIZE <= m->r[i].end &&
            base + PAGE_SIZE <= PHYS_MAP_SIZE) {
            memmap_add(m, base, PAGE_SIZE, MEM_BOOT);
            return (paddr_t)base;
        }
    }
    return 0;
}

paddr_t bootinfo_build(void)
{
    paddr_t page = boot_page();
    if (!page)
        return 0;
    uint8_t *p = phys_to_virt(page);
    memset(p, 0, PAGE_SIZE);
    L4_BootInfo_t *bi = (L4_BootInfo_t *)p;
    uint32_t off = sizeof(*bi);
    bi->magic = L4_BOOTINFO_MAGIC;
    bi->version = L4_BOOTINFO_VERSION;
    bi->first_entry = off;
    for (int i = 0; i < boot_info.nmodules; i++) {
        const char *name = boot_info.mod[i].cmdline;
        uint32_t len = (uint32_t)strlen(name) + 1;
        uint32_t rec = ALIGN_UP(sizeof(L4_Boot_Module_t) + len, 8);
        if (off + rec > PAGE_SIZE)
            break;      /* 16 modules with 64-byte names always fit */
        L4_Boot_Module_t *m = (L4_Boot_Module_t *)(p + off);
        m->type = L4_BootInfo_Module;
        m->version = 1;
        m->start = boot_info.mod[i].start;
        m->size = boot_info.mod[i].end - boot_info.mod[i].start;
        m->cmdline_offset = sizeof(*m);
        memcpy(m + 1, name, len);
        m->offset_next = rec;
        bi->num_entries++;
        off += rec;
    }
    bi->size = off;
    return page;
}
