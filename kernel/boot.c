/* Loading the root servers (sigma0, the root task) from boot modules. The
 * images are linked physical == virtual: sigma0 owns physical memory
 * idempotently and pages the root task the same way, as in X.2. */
#include "boot.h"
#include "console.h"
#include "string.h"
#include "arch/ia32/layout.h"

struct boot_info boot_info;

/* Says what a boot image ran into, for the boot log. */
static const char *conflict_name(const struct mem_region *r)
{
    switch (r->type) {
    case MEM_KERNEL:
        return "the kernel's (image or kernel memory pool)";
    case MEM_BOOT:
        return "a boot module or another boot image";
    case MEM_RESERVED:
        if (r->base < LOWMEM_KEEP_END)
            return "kept by the kernel (BIOS data area, SMP trampoline)";
        if (r->base < LOWMEM_END)
            return "reserved (EBDA, VGA, option ROMs, BIOS)";
        return "reserved by the firmware";
    default:
        return "not RAM (no memory there)";
    }
}

static void *load_dest(uint32_t paddr, uint32_t len, void *ctx)
{
    (void)ctx;
    if (paddr + len < paddr || paddr + len > PHYS_MAP_SIZE)
        return NULL;
    return phys_to_virt(paddr);
}

void boot_load_module(int index, const char *name, struct boot_image *out)
{
    if (index >= boot_info.nmodules)
        panic("boot: module %d (%s) is missing: boot Pecan with sigma0 and "
              "a root task as its first two modules", index, name);
    const struct boot_module *m = &boot_info.mod[index];
    const void *img = phys_to_virt(m->start);
    enum elf_error e = elf_parse(img, m->end - m->start, USER_LIMIT, &out->elf);
    if (e != ELF_OK)
        panic("boot: module %d (%s) is not a loadable ELF32 i386 executable: %s",
              index, name, elf_strerror(e));

    for (int i = 0; i < out->elf.nseg; i++) {
        const struct elf_segment *s = &out->elf.seg[i];
        if (s->paddr != s->vaddr)
            panic("boot: %s segment %d is not linked physical == virtual "
                  "(%08x vs %08x)", name, i, s->paddr, s->vaddr);
        /* Whole pages: the image's frames go to whoever sigma0 gives
         * them to, so no other data may share them. */
        paddr_t lo = ALIGN_DOWN(s->paddr, PAGE_SIZE);
        paddr_t hi = ALIGN_UP(s->paddr + s->memsz, PAGE_SIZE);
        struct mem_region why;
        if (memmap_conflict(&boot_info.map, lo, hi - lo, MEM_AVAILABLE, &why))
            panic("boot: %s segment [%08x, %08x) is not in free RAM: "
                  "[%08llx, %08llx) is %s", name, s->paddr, s->paddr + s->memsz,
                  (unsigned long long)why.base, (unsigned long long)why.end,
                  conflict_name(&why));
        memmap_add(&boot_info.map, lo, hi - lo, MEM_BOOT);
    }
    if (elf_load(img, &out->elf, load_dest, NULL) != 0)
        panic("boot: %s could not be copied into place", name);
    out->name = name;
    kprintf("boot: %s: %d segment(s) [%08x, %08x), entry %08x\n", name,
            out->elf.nseg, out->elf.low, out->elf.high, out->elf.entry);
}

/* True if `option` appears as a whole word in the command line. */
bool cmdline_has(const char *cmdline, const char *option)
{
    size_t n = strlen(option);
    for (const char *p = cmdline; p && (p = strstr(p, option)); p += n) {
        bool starts = p == cmdline || p[-1] == ' ';
        bool ends = p[n] == 0 || p[n] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}
