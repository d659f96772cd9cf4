/* Multiboot v1 information structure (the parts Pecan reads). */
#ifndef PECAN_IA32_MULTIBOOT_H
#define PECAN_IA32_MULTIBOOT_H

#include "types.h"

#define MULTIBOOT_BOOT_MAGIC 0x2BADB002

#define MBI_FLAG_MEM     (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS    (1u << 3)
#define MBI_FLAG_MMAP    (1u << 6)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} PACKED;

struct multiboot_module {
    uint32_t start, end;      /* physical, end exclusive */
    uint32_t string;          /* physical address of the module's command line */
    uint32_t reserved;
} PACKED;

#endif
