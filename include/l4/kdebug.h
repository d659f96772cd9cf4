/* Kernel debugger interface. */
#ifndef __L4__KDEBUG_H__
#define __L4__KDEBUG_H__

#include <l4/types.h>
#include <l4/ia32/kdebug.h>

#endif /* !__L4__KDEBUG_H__ */
