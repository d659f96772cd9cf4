/* Basic kernel types. Only freestanding compiler headers are used, so the
 * pure kernel modules also build natively for the host unit tests. */
#ifndef PECAN_TYPES_H
#define PECAN_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint32_t word_t;        /* a machine word of the ia32 target */
typedef uint32_t paddr_t;       /* physical address (no PAE: below 4 GiB) */
typedef uint32_t vaddr_t;       /* target virtual address */

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1u << PAGE_SHIFT)
#define SUPERPAGE_SHIFT 22
#define SUPERPAGE_SIZE  (1u << SUPERPAGE_SHIFT)

#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (a) - 1, (a))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))

#define UNUSED     __attribute__((unused))
#define NORETURN   __attribute__((noreturn))
#define PACKED     __attribute__((packed))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

#endif
