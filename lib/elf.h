/* ELF32 i386 executable checks and loading. Pure: the image is a byte
 * buffer and the destination is reached through a callback, so the host
 * tests drive it with malformed images. */
#ifndef PECAN_ELF_H
#define PECAN_ELF_H

#include "types.h"

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
    uint32_t vaddr, paddr, memsz, filesz, offset, flags;  /* PF_X=1 W=2 R=4 */
};

struct elf_info {
    uint32_t entry;
    int nseg;                       /* PT_LOAD segments with memsz > 0 */
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    uint32_t low, high;             /* lowest vaddr, highest vaddr end */
};

enum elf_error {
    ELF_OK = 0,
    ELF_ETOOSMALL,      /* shorter than an ELF header */
    ELF_EMAGIC,         /* not \x7fELF */
    ELF_ECLASS,         /* not 32-bit little endian, version 1 */
    ELF_ETYPE,          /* not ET_EXEC */
    ELF_EMACHINE,       /* not EM_386 */
    ELF_EPHDR,          /* program header table outside the image or bad size */
    ELF_ESEGMENT,       /* filesz > memsz, file part outside the image, or
                           address arithmetic overflows */
    ELF_EUSER,          /* segment reaches limit (kernel space) */
    ELF_EOVERLAP,       /* two segments overlap */
    ELF_ETOOMANY,       /* more than ELF_MAX_SEGMENTS loadable segments */
    ELF_EENTRY,         /* entry point not inside an executable segment */
};

/* Validates the image and fills *info. Every segment must end at or below
 * `limit` (user space top). Neither the virtual nor the physical ranges of
 * two loadable segments may overlap. On error *info is unspecified. */
enum elf_error elf_parse(const void *img, uint32_t len, uint32_t limit,
                         struct elf_info *info);

const char *elf_strerror(enum elf_error e);

/* Copies each segment's file part and zeroes the rest of memsz. `dest`
 * returns a writable pointer for [paddr, paddr+len) or NULL to abort.
 * Returns 0 or -1. Call only after elf_parse succeeded. */
typedef void *(*elf_dest_t)(uint32_t paddr, uint32_t len, void *ctx);
int elf_load(const void *img, const struct elf_info *info, elf_dest_t dest,
             void *ctx);

#endif
