/* ELF32 i386 executable validation and loading.
 *
 * The image is untrusted bytes. Fields are read with byte loads (no
 * alignment or host-endianness assumptions), and every "a + b <= limit"
 * check is written as "b <= limit && a <= limit - b" so that it cannot wrap.
 * elf_load trusts only what elf_parse put into elf_info. */
#include "elf.h"

#define EHDR_SIZE   52
#define PHDR_SIZE   32
#define PT_LOAD     1
#define PF_X        1
#define ET_EXEC     2
#define EM_386      3
#define PN_XNUM     0xffff

/* ELF header field offsets (ELF32). */
#define E_TYPE      16
#define E_MACHINE   18
#define E_VERSION   20
#define E_ENTRY     24
#define E_PHOFF     28
#define E_PHENTSIZE 42
#define E_PHNUM     44

/* Program header field offsets. */
#define P_TYPE      0
#define P_OFFSET    4
#define P_VADDR     8
#define P_PADDR     12
#define P_FILESZ    16
#define P_MEMSZ     20
#define P_FLAGS     24

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* [a, a+alen) and [b, b+blen) intersect; callers ensure no wrap. */
static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

enum elf_error elf_parse(const void *img, uint32_t len, uint32_t limit,
                         struct elf_info *info)
{
    const uint8_t *b = img;

    info->nseg = 0;         /* fields, not a struct store: no memset call */
    info->entry = info->low = info->high = 0;
    if (len < EHDR_SIZE)
        return ELF_ETOOSMALL;
    if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
        return ELF_EMAGIC;
    /* EI_CLASS = ELFCLASS32, EI_DATA = ELFDATA2LSB, EI_VERSION = current. */
    if (b[4] != 1 || b[5] != 1 || b[6] != 1 || ld32(b + E_VERSION) != 1)
        return ELF_ECLASS;
    if (ld16(b + E_TYPE) != ET_EXEC)
        return ELF_ETYPE;
    if (ld16(b + E_MACHINE) != EM_386)
        return ELF_EMACHINE;

    uint32_t phoff = ld32(b + E_PHOFF);
    uint32_t phnum = ld16(b + E_PHNUM);
    if (phnum == PN_XNUM || (phnum > 0 && ld16(b + E_PHENTSIZE) != PHDR_SIZE))
        return ELF_EPHDR;
    uint32_t phsize = phnum * PHDR_SIZE;        /* <= 0xfffe * 32: no wrap */
    if (phsize > len || phoff > len - phsize)
        return ELF_EPHDR;

    uint32_t entry = ld32(b + E_ENTRY);
    bool entry_ok = false;
    info->entry = entry;
    info->low = UINT32_MAX;
    info->high = 0;

    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = b + phoff + i * PHDR_SIZE;
        if (ld32(ph + P_TYPE) != PT_LOAD)
            continue;
        struct elf_segment s = {
            .offset = ld32(ph + P_OFFSET),
            .vaddr  = ld32(ph + P_VADDR),
            .paddr  = ld32(ph + P_PADDR),
            .filesz = ld32(ph + P_FILESZ),
            .memsz  = ld32(ph + P_MEMSZ),
            .flags  = ld32(ph + P_FLAGS),
        };
        if (s.filesz > s.memsz)
            return ELF_ESEGMENT;
        if (s.memsz == 0)
            continue;                           /* occupies nothing */
        if (s.filesz > len || s.offset > len - s.filesz)
            return ELF_ESEGMENT;
        /* End addresses must be representable: vaddr + memsz <= 2^32 - 1. */
        if (s.vaddr > UINT32_MAX - s.memsz || s.paddr > UINT32_MAX - s.memsz)
            return ELF_ESEGMENT;
        if (s.vaddr + s.memsz > limit)
            return ELF_EUSER;
        /* Pairwise: neither the virtual ranges nor the load (physical)
         * ranges may intersect, else one segment would overwrite another. */
        for (int j = 0; j < info->nseg; j++) {
            const struct elf_segment *o = &info->seg[j];
            if (overlaps(s.vaddr, s.memsz, o->vaddr, o->memsz) ||
                overlaps(s.paddr, s.memsz, o->paddr, o->memsz))
                return ELF_EOVERLAP;
        }
        if (info->nseg == ELF_MAX_SEGMENTS)
            return ELF_ETOOMANY;
        info->seg[info->nseg++] = s;

        if (s.vaddr < info->low)
            info->low = s.vaddr;
        if (s.vaddr + s.memsz > info->high)
            info->high = s.vaddr + s.memsz;
        if ((s.flags & PF_X) && entry >= s.vaddr && entry - s.vaddr < s.memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        return ELF_EENTRY;
    return ELF_OK;
}

const char *elf_strerror(enum elf_error e)
{
    static const char *const msg[] = {
        [ELF_OK]        = "ok",
        [ELF_ETOOSMALL] = "image smaller than an ELF header",
        [ELF_EMAGIC]    = "bad ELF magic",
        [ELF_ECLASS]    = "not ELF32 little-endian version 1",
        [ELF_ETYPE]     = "not an executable (ET_EXEC)",
        [ELF_EMACHINE]  = "not an i386 (EM_386) image",
        [ELF_EPHDR]     = "bad program header table",
        [ELF_ESEGMENT]  = "bad segment size, offset or address",
        [ELF_EUSER]     = "segment reaches beyond the user limit",
        [ELF_EOVERLAP]  = "segments overlap",
        [ELF_ETOOMANY]  = "too many loadable segments",
        [ELF_EENTRY]    = "entry point not in an executable segment",
    };
    if ((unsigned)e < ARRAY_SIZE(msg) && msg[e])
        return msg[e];
    return "unknown ELF error";
}

int elf_load(const void *img, const struct elf_info *info, elf_dest_t dest,
             void *ctx)
{
    const uint8_t *b = img;
    for (int i = 0; i < info->nseg; i++) {
        const struct elf_segment *s = &info->seg[i];
        uint8_t *d = dest(s->paddr, s->memsz, ctx);
        if (!d)
            return -1;
        const uint8_t *src = b + s->offset;
        uint32_t j = 0;
        for (; j < s->filesz; j++)
            d[j] = src[j];
        for (; j < s->memsz; j++)           /* .bss */
            d[j] = 0;
    }
    return 0;
}
