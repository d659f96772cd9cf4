/* The remaining X.2 system calls: MemoryControl, ProcessorControl,
 * SystemClock, and bad arguments to them. */
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/misc.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"
#include "tap.h"

static char page[4096] __attribute__((aligned(4096)));

static L4_Word_t memctl(L4_Word_t fpage, L4_Word_t attr0)
{
    L4_Word_t attrs[4] = { attr0, L4ABI_MEMATTR_DEFAULT, L4ABI_MEMATTR_DEFAULT,
                           L4ABI_MEMATTR_DEFAULT };
    L4_LoadMR(0, fpage);
    return L4_MemoryControl(0, attrs);
}

int main(void)
{
    tap_plan(9);
    page[0] = 1;                        /* mapped */
    L4_Word_t fp = L4ABI_FPAGE((L4_Word_t)page, 12, 0);     /* attribute 0 */

    ok(memctl(fp, L4ABI_MEMATTR_WRITETHROUGH) == 1, "MemoryControl: write-through accepted");
    page[1] = 2;
    ok(page[0] == 1 && page[1] == 2, "memory still works after a caching change");
    ok(memctl(fp, L4ABI_MEMATTR_UNCACHEABLE) == 1, "MemoryControl: uncacheable accepted");
    ok(memctl(fp, L4ABI_MEMATTR_WRITECOMBINING) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "MemoryControl: write-combining refused without PAT");
    ok(memctl(L4ABI_FPAGE((L4_Word_t)page, 4, 0), L4ABI_MEMATTR_DEFAULT) == 0 &&
       L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM, "MemoryControl: fpage below 4 KiB refused");
    ok(memctl(fp, L4ABI_MEMATTR_WRITEBACK) == 1, "MemoryControl: back to write-back");

    ok(L4_ProcessorControl(0, 0, 0, 0) == 1, "ProcessorControl on processor 0");
    ok(L4_ProcessorControl(1, 0, 0, 0) == 0 && L4_ErrorCode() == L4ABI_ERR_INVALID_PARAM,
       "ProcessorControl on a processor that does not exist refused");

    L4_Clock_t a = L4_SystemClock();
    for (volatile int i = 0; i < 100000; i++)
        ;
    L4_Clock_t b = L4_SystemClock();
    ok(b.raw > a.raw, "SystemClock advances (%lu us)", (unsigned long)(b.raw - a.raw));
    L4_KDB_Shutdown(tap_done() ? 1 : 0);
    return 0;
}
