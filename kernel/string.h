/* The few memory and string routines the kernel needs (gcc may also emit
 * calls to memcpy/memset on its own). */
#ifndef PECAN_STRING_H
#define PECAN_STRING_H

#include "types.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *hay, const char *needle);

/* Copies n 32-bit words (message registers): one string instruction. */
static inline void copy_words(uint32_t *d, const uint32_t *s, uint32_t n)
{
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

#endif
