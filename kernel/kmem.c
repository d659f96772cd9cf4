/* Kernel object allocator.
 *
 * Size classes are the powers of two 32..4096. Classes up to 2048 are served
 * from slabs: whole pages from kmem_page_alloc cut into equal objects. Slot
 * 0 of a slab page holds its header (struct slab: class, objects in use);
 * the other slots are objects. Because the class size divides the page size
 * and pages are page-aligned, every object is aligned to its class size. A
 * page holds 4096/size - 1 objects (127 of 32 bytes, 31 of 128, 7 of 512;
 * the classes 1024 and 2048, which the kernel does not use, 3 and 1).
 * 4096-byte objects are pages taken from and returned to the page source
 * directly.
 *
 * Free objects of a class are on a doubly linked list threaded through
 * their first words. When a slab page's last object is freed the page goes
 * back to the page source (its free objects are unlinked first, O(objects
 * per page)), except that each class keeps one empty page cached, so that
 * alternating allocation and free at a page boundary does not thrash. So
 * the memory kmem holds beyond its live objects is bounded: partly used
 * pages plus at most one empty page per class. This matters for per-space
 * accounting (kmem.h): when a space gives its objects back, their pages go
 * back to the frame pool instead of staying with one size class.
 *
 * A free object also carries FREE_MAGIC in its third word. kmem_free of an
 * object that already carries it searches the free list (rare: a live object
 * must contain that exact value) and reports a double free via kmem_bug.
 * The header lets kmem_free also catch a size that does not match the
 * object's class and a pointer to a header slot.
 *
 * No locking: the kernel runs with interrupts off on one CPU. */
#include "kmem.h"
#include "kmem_fast.h"

#define MIN_SHIFT   KMEM_MIN_SHIFT          /* 32 bytes */
#define MAX_SHIFT   PAGE_SHIFT              /* 4096 bytes */
#define NCLASSES    (MAX_SHIFT - MIN_SHIFT + 1)
#define NSLAB       (NCLASSES - 1)          /* classes served from slabs */
#define FREE_MAGIC  KMEM_FREE_MAGIC
#define SLAB_MAGIC  0x6b6d534cu                 /* "kmSL" */

_Static_assert(sizeof(struct free_obj) <= (1u << MIN_SHIFT),
               "a free object must fit in the smallest class");
_Static_assert((1u << MIN_SHIFT) == 8 * sizeof(uint32_t),
               "kmem_alloc_min zeroes eight words");
_Static_assert(sizeof(struct slab) <= (1u << MIN_SHIFT),
               "a slab header must fit in the smallest class");

/* Not static: kmem_fast.h's kmem_alloc_min pops the smallest class inline. */
struct free_obj *kmem_freelist[NSLAB];
struct slab *kmem_spare[NSLAB];             /* the cached empty page, or NULL */
struct kmem_stats kmem_counts;

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

static size_t class_bytes(unsigned c)
{
    return (size_t)1 << (MIN_SHIFT + c);
}

static struct slab *slab_of(const void *p)
{
    return kmem_slab_of(p);
}

static void zero(void *p, size_t n)
{
    uint32_t *w = p;                        /* n is a multiple of 32 */
    for (size_t i = 0; i < n / sizeof(*w); i++)
        w[i] = 0;
}

static void push(unsigned c, struct free_obj *o)
{
    o->prev = NULL;
    o->next = kmem_freelist[c];
    if (o->next)
        o->next->prev = o;
    o->magic = FREE_MAGIC;
    kmem_freelist[c] = o;
}

static void unlink_free(unsigned c, struct free_obj *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        kmem_freelist[c] = o->next;
    if (o->next)
        o->next->prev = o->prev;
}

/* Cuts a fresh page into objects of class c and pushes them on its list. */
static bool grow(unsigned c)
{
    uint8_t *page = kmem_page_alloc();
    if (!page)
        return false;
    kmem_counts.pages++;
    struct slab *h = (struct slab *)page;
    h->magic = SLAB_MAGIC;
    h->cls = c;
    h->live = 0;
    size_t sz = class_bytes(c);
    for (size_t off = PAGE_SIZE - sz; off >= sz; off -= sz)   /* low addresses first out */
        push(c, (struct free_obj *)(page + off));
    kmem_spare[c] = h;                           /* empty until its first object goes */
    return true;
}

/* h (class c) has no live object left: keep it as the class's spare page,
 * or give it back to the page source if the class has one already. */
static void slab_empty(unsigned c, struct slab *h)
{
    if (!kmem_spare[c]) {
        kmem_spare[c] = h;
        return;
    }
    size_t sz = class_bytes(c);
    for (size_t off = sz; off < PAGE_SIZE; off += sz)
        unlink_free(c, (struct free_obj *)((uint8_t *)h + off));
    h->magic = 0;
    kmem_page_free(h);
    kmem_counts.pages--;
}

void *kmem_alloc(size_t size, enum kmem_kind kind)
{
    if (size == 0 || size > PAGE_SIZE || (unsigned)kind >= KMEM_NKINDS)
        return NULL;
    unsigned c = size_class(size);
    size_t sz = class_bytes(c);
    void *p;

    if (sz == PAGE_SIZE) {
        p = kmem_page_alloc();
        if (!p)
            return NULL;
        kmem_counts.pages++;
    } else {
        if (!kmem_freelist[c] && !grow(c))
            return NULL;
        struct free_obj *o = kmem_freelist[c];
        unlink_free(c, o);
        struct slab *h = slab_of(o);
        if (h == kmem_spare[c])
            kmem_spare[c] = NULL;                /* no longer empty */
        h->live++;
        p = o;
    }
    zero(p, sz);
    kmem_counts.bytes[kind] += (uint32_t)sz;
    kmem_counts.objects[kind]++;
    return p;
}

/* The smallest class's object, as kmem_alloc(32, kind) does it, for the
 * one-page map path's mapping node: the class is known, and the object
 * comes off the head of its free list (prev NULL there). Only an empty
 * list takes kmem_alloc (which grows the class). */
void *kmem_alloc_min(enum kmem_kind kind)
{
    return kmem_alloc_min_inline(kind);
}

/* Is o (class c) on the free list? O(free objects of the class). */
static bool on_freelist(unsigned c, const struct free_obj *o)
{
    for (struct free_obj *f = kmem_freelist[c]; f; f = f->next)
        if (f == o)
            return true;
    return false;
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
    size_t sz = class_bytes(c);
    if ((uintptr_t)p & (sz - 1)) {
        kmem_bug("kmem_free: pointer not aligned to its size class", p);
        return;
    }
    if (kmem_counts.objects[kind] == 0 || kmem_counts.bytes[kind] < sz) {
        kmem_bug("kmem_free: more freed than allocated for this kind", p);
        return;
    }
    if (sz == PAGE_SIZE) {
        kmem_page_free(p);
        kmem_counts.pages--;
    } else {
        struct slab *h = slab_of(p);
        if ((void *)h == p) {
            kmem_bug("kmem_free: not an object (a slab header)", p);
            return;
        }
        if (h->magic != SLAB_MAGIC || h->cls != c) {
            kmem_bug("kmem_free: size does not match the object's class", p);
            return;
        }
        struct free_obj *o = p;
        if (o->magic == FREE_MAGIC && on_freelist(c, o)) {
            kmem_bug("kmem_free: double free", p);
            return;
        }
        push(c, o);
        if (--h->live == 0)
            slab_empty(c, h);
    }
    kmem_counts.bytes[kind] -= (uint32_t)sz;
    kmem_counts.objects[kind]--;
}

void kmem_get_stats(struct kmem_stats *s)
{
    *s = kmem_counts;
}
