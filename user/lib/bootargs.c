/* The root task's module command line from the BootInfo page. */
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/bootinfo.h>
#include <l4/message.h>
#include "libc.h"
#include "bootargs.h"

const char *boot_own_cmdline(int *mapped)
{
    L4_Word_t bi = L4_BootInfo(L4_GetKernelInterface());
    if (!bi || (bi & 4095))
        return "";
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(bi, 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    if (L4_IsNilFpage(got))
        return "";
    if (mapped)
        *mapped = 1;
    if (!L4_BootInfo_Valid((void *)bi))
        return "";
    L4_BootRec_t *r = L4_BootInfo_FirstEntry((void *)bi);
    int mod = 0;
    for (L4_Word_t i = 0; i < L4_BootInfo_Entries((void *)bi); i++, r = L4_BootRec_Next(r)) {
        /* Records are read only while a whole module record fits the page. */
        if ((L4_Word_t)r - bi > 4096 - sizeof(L4_Boot_Module_t))
            break;
        if (L4_BootRec_Type(r) == L4_BootInfo_Module && mod++ == 1) {
            const char *c = L4_Module_Cmdline(r);
            return c ? c : "";
        }
    }
    return "";
}

int boot_has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && !strncmp(p, w, n) && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}
