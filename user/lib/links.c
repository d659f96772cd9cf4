#include "links.h"
#include "libc.h"
#include "pager.h"
#include "syslinks.h"
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/abi.h>

extern L4_Word_t __l4_syslinks[];

L4_Word_t links_make_copy(char *copy, L4_Word_t kip_area)
{
    L4_Word_t kip = (L4_Word_t)L4_GetKernelInterface();
    L4_Word_t page = (L4_Word_t)__l4_syslinks & ~0xffful;
    L4_Word_t off = (L4_Word_t)__l4_syslinks - page;
    if (off + L4LIB_NSYSCALLS * sizeof(L4_Word_t) > 4096)
        return 0;
    memcpy(copy, (void *)page, 4096);
    L4_Word_t *t = (L4_Word_t *)(copy + off);
    for (int i = 0; i < L4LIB_NSYSCALLS; i++)
        t[i] = t[i] - kip + kip_area;
    return page;
}

int links_answer_fault(L4_MsgTag_t tag, const char *copy, L4_Word_t links_page)
{
    if ((L4_Label(tag) & L4ABI_LABEL_KIND_MASK) != L4ABI_LABEL_PAGEFAULT)
        return 0;
    L4_Word_t addr;
    L4_StoreMR(1, &addr);
    if ((addr & ~0xffful) != links_page)
        return 0;
    pager_load_map((L4_Word_t)copy, 12, links_page);
    return 1;
}
