#ifndef PECAN_IA32_UACCESS_H
#define PECAN_IA32_UACCESS_H
#include "types.h"
#include "layout.h"
int uaccess_copy(void *dst, const void *src, size_t n);

uint32_t small_user_linear(uint32_t ua, uint32_t n);

/* Reads n bytes of the current space at user address ua. false if the
 * range reaches kernel space or is not mapped. A thread of a small space
 * is read through its window (smallspace.c). */
static inline bool copy_from_user(void *dst, uint32_t ua, size_t n)
{
    if (ua >= USER_LIMIT || n > USER_LIMIT - ua)
        return false;
    uint32_t lin = small_user_linear(ua, (uint32_t)n);
    return uaccess_copy(dst, (const void *)(uintptr_t)lin, n) == 0;
}

/* Writes n bytes to the current space at user address ua, asking the
 * thread's pager for missing pages. false if the range reaches kernel
 * space or cannot be written. */
static inline bool copy_to_user(uint32_t ua, const void *src, size_t n)
{
    if (ua >= USER_LIMIT || n > USER_LIMIT - ua)
        return false;
    return uaccess_copy((void *)(uintptr_t)ua, src, n) == 0;
}
#endif
