/* The kernel interface page (X.2): one page, filled at boot, mapped
 * read-only into every space at its KIP area. */
#ifndef PECAN_KIP_H
#define PECAN_KIP_H

#include "types.h"
#include <l4/abi.h>

struct boot_image;

void kip_init(const struct boot_image *sigma0, const struct boot_image *root);
paddr_t kip_phys(void);
struct l4_kip *kip_kernel(void);
void kip_set_processors(unsigned n);   /* ProcessorInfo and descriptors */
uint32_t kip_api_version(void);
uint32_t kip_api_flags(void);
uint32_t kip_kernel_id(void);

#define PECAN_KERNEL_ID     0x50    /* 'P' */
#define PECAN_KERNEL_SUBID  0x01

#endif
