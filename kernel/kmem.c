/* Kernel object allocator.
 *
 * Size classes are the powers of two 32..4096. Classes up to 2048 are served
 * from slabs: whole pages from kmem_page_alloc cut into equal objects, kept
 * on a per-class singly linked free list threaded through the first word of
 * each free object. Because the class size divides the page size and pages
 * are page-aligned, every object is aligned to its class size. 4096-byte
 * objects are pages taken from and returned to the page source directly.
 *
 * Slab pages are never given back: freed objects return to their class list
 * and are reused by later allocations of that class.
 *
 * A free object also carries FREE_MAGIC in its second word. kmem_free of an
 * object that already carries it searches the free list (rare: a live object
 * must contain that exact value) and reports a double free via kmem_bug.
 *
 * No locking: the kernel runs with interrupts off on one CPU. */
#include "kmem.h"

#define MIN_SHIFT   5                       /* 32 bytes */
#define MAX_SHIFT   PAGE_SHIFT              /* 4096 bytes */
#define NCLASSES    (MAX_SHIFT - MIN_SHIFT + 1)
#define FREE_MAGIC  ((uintptr_t)0x6b6d4652u)   /* "kmFR" */

struct free_obj {
    struct free_obj *next;
    uintptr_t magic;                        /* FREE_MAGIC while on the list */
};

_Static_assert(sizeof(struct free_obj) <= (1u << MIN_SHIFT),
               "a free object must fit in the smallest class");

static struct free_obj *freelist[NCLASSES];
static struct kmem_stats stats;

static const char *const kind_names[KMEM_NKINDS] = {
    [KMEM_MISC]     = "misc",
    [KMEM_PGTABLE]  = "pgtable",
    [KMEM_SPACE]    = "space",
    [KMEM_TCB]      = "tcb",
    [KMEM_MAPNODE]  = "mapnode",
    [KMEM_FPU]      = "fpu",
    [KMEM_IOBITMAP] = "iobitmap",
    [KMEM_IRQ]      = "irq",
};

const char *kmem_kind_name(enum kmem_kind k)
{
    if ((unsigned)k < KMEM_NKINDS)
        return kind_names[k];
    return "invalid";
}

/* Class index for a request of 1..4096 bytes. */
static unsigned size_class(size_t size)
{
    unsigned c = 0;
    while (((size_t)1 << (MIN_SHIFT + c)) < size)
        c++;
    return c;
}

static void zero(void *p, size_t n)
{
    uint32_t *w = p;                        /* n is a multiple of 32 */
    for (size_t i = 0; i < n / sizeof(*w); i++)
        w[i] = 0;
}

/* Cuts a fresh page into objects of class c and pushes them on its list. */
static bool grow(unsigned c)
{
    uint8_t *page = kmem_page_alloc();
    if (!page)
        return false;
    stats.pages++;
    size_t sz = (size_t)1 << (MIN_SHIFT + c);
    for (size_t off = PAGE_SIZE; off >= sz; off -= sz) {   /* low addresses first out */
        struct free_obj *o = (struct free_obj *)(page + off - sz);
        o->next = freelist[c];
        o->magic = FREE_MAGIC;
        freelist[c] = o;
    }
    return true;
}

void *kmem_alloc(size_t size, enum kmem_kind kind)
{
    if (size == 0 || size > PAGE_SIZE || (unsigned)kind >= KMEM_NKINDS)
        return NULL;
    unsigned c = size_class(size);
    size_t sz = (size_t)1 << (MIN_SHIFT + c);
    void *p;

    if (sz == PAGE_SIZE) {
        p = kmem_page_alloc();
        if (!p)
            return NULL;
        stats.pages++;
    } else {
        if (!freelist[c] && !grow(c))
            return NULL;
        struct free_obj *o = freelist[c];
        freelist[c] = o->next;
        p = o;
    }
    zero(p, sz);
    stats.bytes[kind] += (uint32_t)sz;
    stats.objects[kind]++;
    return p;
}

void kmem_free(void *p, size_t size, enum kmem_kind kind)
{
    if (!p || size == 0)
        return;
    if (size > PAGE_SIZE || (unsigned)kind >= KMEM_NKINDS) {
        kmem_bug("kmem_free: bad size or kind", p);
        return;
    }
    unsigned c = size_class(size);
    size_t sz = (size_t)1 << (MIN_SHIFT + c);
    if ((uintptr_t)p & (sz - 1)) {
        kmem_bug("kmem_free: pointer not aligned to its size class", p);
        return;
    }
    if (stats.objects[kind] == 0 || stats.bytes[kind] < sz) {
        kmem_bug("kmem_free: more freed than allocated for this kind", p);
        return;
    }
    if (sz == PAGE_SIZE) {
        kmem_page_free(p);
        stats.pages--;
    } else {
        struct free_obj *o = p;
        if (o->magic == FREE_MAGIC) {
            for (struct free_obj *f = freelist[c]; f; f = f->next) {
                if (f == o) {
                    kmem_bug("kmem_free: double free", p);
                    return;
                }
            }
        }
        o->next = freelist[c];
        o->magic = FREE_MAGIC;
        freelist[c] = o;
    }
    stats.bytes[kind] -= (uint32_t)sz;
    stats.objects[kind]--;
}

void kmem_get_stats(struct kmem_stats *s)
{
    *s = stats;
}
