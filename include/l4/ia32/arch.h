/* Kept for programs that include it directly; everything IA-32 specific
 * lives in <l4/ia32/specials.h>. */
#ifndef __L4__IA32__ARCH_H__
#define __L4__IA32__ARCH_H__
#include <l4/types.h>
#include <l4/kip.h>
#include <l4/ipc.h>
#endif
