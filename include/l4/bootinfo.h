/* The generic L4 boot information structure (pointed to by the KIP's
 * BootInfo field). All offsets are relative to the structure holding them. */
#ifndef __L4__BOOTINFO_H__
#define __L4__BOOTINFO_H__

#include <l4/types.h>

#define L4_BOOTINFO_MAGIC       ((L4_Word_t)0x14b0021d)
#define L4_BOOTINFO_VERSION     1

/* Record types. */
#define L4_BootInfo_Module      0x0001
#define L4_BootInfo_SimpleExec  0x0002
#define L4_BootInfo_EFITables   0x0101
#define L4_BootInfo_Multiboot   0x0102

typedef struct {
    L4_Word_t magic;
    L4_Word_t version;
    L4_Word_t size;
    L4_Word_t first_entry;      /* offset of the first record */
    L4_Word_t num_entries;
    L4_Word_t __reserved[3];
} L4_BootInfo_t;

/* Common head of every record. */
typedef struct {
    L4_Word_t type;
    L4_Word_t version;
    L4_Word_t offset_next;      /* from this record to the next */
} L4_BootRec_t;

typedef struct {
    L4_Word_t type, version, offset_next;
    L4_Word_t start;
    L4_Word_t size;
    L4_Word_t cmdline_offset;   /* 0: none */
} L4_Boot_Module_t;

typedef struct {
    L4_Word_t type, version, offset_next;
    L4_Word_t text_pstart, text_vstart, text_size;
    L4_Word_t data_pstart, data_vstart, data_size;
    L4_Word_t bss_pstart, bss_vstart, bss_size;
    L4_Word_t initial_ip;
    L4_Word_t flags;
    L4_Word_t label;
    L4_Word_t cmdline_offset;
} L4_Boot_SimpleExec_t;

typedef struct {
    L4_Word_t type, version, offset_next;
    L4_Word_t systab;
    L4_Word_t memmap;
    L4_Word_t memmap_size;
    L4_Word_t memdesc_size;
    L4_Word_t memdesc_version;
} L4_Boot_EFI_t;

typedef struct {
    L4_Word_t type, version, offset_next;
    L4_Word_t address;
} L4_Boot_MBI_t;

L4_INLINE L4_Bool_t L4_BootInfo_Valid(const void *p)
{
    const L4_BootInfo_t *b = (const L4_BootInfo_t *)p;
    return b->magic == L4_BOOTINFO_MAGIC && b->version == L4_BOOTINFO_VERSION;
}

L4_INLINE L4_Word_t L4_BootInfo_Size(const void *p)
{
    return ((const L4_BootInfo_t *)p)->size;
}

L4_INLINE L4_Word_t L4_BootInfo_Entries(const void *p)
{
    return ((const L4_BootInfo_t *)p)->num_entries;
}

L4_INLINE L4_BootRec_t *L4_BootInfo_FirstEntry(const void *p)
{
    return (L4_BootRec_t *)((L4_Word_t)p + ((const L4_BootInfo_t *)p)->first_entry);
}

L4_INLINE L4_Word_t L4_BootRec_Type(const L4_BootRec_t *r)
{
    return r->type;
}

L4_INLINE L4_BootRec_t *L4_BootRec_Next(const L4_BootRec_t *r)
{
    return (L4_BootRec_t *)((L4_Word_t)r + r->offset_next);
}

L4_INLINE char *__L4_BootRec_String(const void *rec, L4_Word_t offset)
{
    return offset ? (char *)((L4_Word_t)rec + offset) : (char *)0;
}

#define __L4_MOD(r)     ((const L4_Boot_Module_t *)(r))
#define __L4_EXE(r)     ((L4_Boot_SimpleExec_t *)(r))
#define __L4_EFI(r)     ((const L4_Boot_EFI_t *)(r))

L4_INLINE L4_Word_t L4_Module_Start(const L4_BootRec_t *r)  { return __L4_MOD(r)->start; }
L4_INLINE L4_Word_t L4_Module_Size(const L4_BootRec_t *r)   { return __L4_MOD(r)->size; }
L4_INLINE char *L4_Module_Cmdline(const L4_BootRec_t *r)
{
    return __L4_BootRec_String(r, __L4_MOD(r)->cmdline_offset);
}

L4_INLINE L4_Word_t L4_SimpleExec_TextVstart(const L4_BootRec_t *r) { return __L4_EXE(r)->text_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_TextPstart(const L4_BootRec_t *r) { return __L4_EXE(r)->text_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_TextSize(const L4_BootRec_t *r)   { return __L4_EXE(r)->text_size; }
L4_INLINE L4_Word_t L4_SimpleExec_DataVstart(const L4_BootRec_t *r) { return __L4_EXE(r)->data_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_DataPstart(const L4_BootRec_t *r) { return __L4_EXE(r)->data_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_DataSize(const L4_BootRec_t *r)   { return __L4_EXE(r)->data_size; }
L4_INLINE L4_Word_t L4_SimpleExec_BssVstart(const L4_BootRec_t *r)  { return __L4_EXE(r)->bss_vstart; }
L4_INLINE L4_Word_t L4_SimpleExec_BssPstart(const L4_BootRec_t *r)  { return __L4_EXE(r)->bss_pstart; }
L4_INLINE L4_Word_t L4_SimpleExec_BssSize(const L4_BootRec_t *r)    { return __L4_EXE(r)->bss_size; }
L4_INLINE L4_Word_t L4_SimpleExec_InitialIP(const L4_BootRec_t *r)  { return __L4_EXE(r)->initial_ip; }
L4_INLINE L4_Word_t L4_SimpleExec_Flags(const L4_BootRec_t *r)      { return __L4_EXE(r)->flags; }
L4_INLINE L4_Word_t L4_SimpleExec_Label(const L4_BootRec_t *r)      { return __L4_EXE(r)->label; }
L4_INLINE void L4_SimpleExec_Set_Flags(const L4_BootRec_t *r, L4_Word_t w) { __L4_EXE(r)->flags = w; }
L4_INLINE void L4_SimpleExec_Set_Label(const L4_BootRec_t *r, L4_Word_t w) { __L4_EXE(r)->label = w; }
L4_INLINE char *L4_SimpleExec_Cmdline(const L4_BootRec_t *r)
{
    return __L4_BootRec_String(r, __L4_EXE(r)->cmdline_offset);
}

L4_INLINE L4_Word_t L4_EFI_Systab(const L4_BootRec_t *r)         { return __L4_EFI(r)->systab; }
L4_INLINE L4_Word_t L4_EFI_Memmap(const L4_BootRec_t *r)         { return __L4_EFI(r)->memmap; }
L4_INLINE L4_Word_t L4_EFI_MemmapSize(const L4_BootRec_t *r)     { return __L4_EFI(r)->memmap_size; }
L4_INLINE L4_Word_t L4_EFI_MemdescSize(const L4_BootRec_t *r)    { return __L4_EFI(r)->memdesc_size; }
L4_INLINE L4_Word_t L4_EFI_MemdescVersion(const L4_BootRec_t *r) { return __L4_EFI(r)->memdesc_version; }

L4_INLINE L4_Word_t L4_MBI_Address(const L4_BootRec_t *r)
{
    return ((const L4_Boot_MBI_t *)r)->address;
}

#undef __L4_MOD
#undef __L4_EXE
#undef __L4_EFI

#endif /* !__L4__BOOTINFO_H__ */
