/* What the boot loader handed over, in arch-neutral form. */
#ifndef PECAN_BOOT_H
#define PECAN_BOOT_H

#include "types.h"
#include "memmap.h"
#include "elf.h"

#define BOOT_MAX_MODULES 16

struct boot_module {
    paddr_t start, end;         /* end exclusive */
    const char *cmdline;        /* kernel-virtual, may be "" */
};

struct boot_info {
    struct memmap map;          /* RAM, firmware areas, kernel, modules */
    int nmodules;
    struct boot_module mod[BOOT_MAX_MODULES];
    const char *cmdline;
    paddr_t phys_top;           /* end of the highest available RAM */
};

extern struct boot_info boot_info;

/* One root server's image after loading: where it lives and where to start. */
struct boot_image {
    struct elf_info elf;
    const char *name;
};

/* Validates module `index` as an ELF32 i386 executable linked physical ==
 * virtual, checks that every segment lies in available RAM not used by the
 * kernel or any module, copies it there and reserves the frames. Panics
 * with a clear message otherwise (a broken root server is a boot failure). */
void boot_load_module(int index, const char *name, struct boot_image *out);

bool cmdline_has(const char *cmdline, const char *option);

#endif
