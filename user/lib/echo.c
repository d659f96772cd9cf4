#include "echo.h"
#include <l4/ipc.h>
#include <l4/message.h>

void echo_serve(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Set_MsgTag(tag);     /* MR1.. still hold what came */
        tag = L4_ReplyWait(from, &from);
        if (L4_IpcFailed(tag))
            tag = L4_Wait(&from);
    }
}
