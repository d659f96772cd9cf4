/* Client stubs of the dataspace protocol (dataspace.h). */
#include <l4/ipc.h>
#include <l4/message.h>
#include "dataspace.h"
#include "libc.h"

/* Calls dm with label and n words; returns the reply label or DS_ERR_IPC.
 * The acceptor is left as the caller set it. */
static L4_Word_t call(L4_ThreadId_t dm, L4_Word_t label, int n, const L4_Word_t *w,
                      L4_MsgTag_t *reply)
{
    L4_LoadMR(0, L4ABI_TAG(label, n, 0));
    L4_LoadMRs(1, n, (L4_Word_t *)w);
    L4_MsgTag_t tag = L4_Call(dm);
    if (L4_IpcFailed(tag))
        return DS_ERR_IPC;
    if (reply)
        *reply = tag;
    return L4_Label(tag);
}

static L4_Word_t mr(int i)
{
    L4_Word_t w;
    L4_StoreMR(i, &w);
    return w;
}

L4_Word_t ds_open(L4_ThreadId_t dm, const char *name, L4_Word_t *handle,
                  L4_Word_t *size, L4_Word_t *rights)
{
    L4_Word_t w[1 + DS_NAME_MAX / 4];
    size_t n = strlen(name);
    if (n == 0 || n > DS_NAME_MAX)
        return DS_ERR_INVALID;
    memset(w, 0, sizeof(w));
    w[0] = n;
    memcpy(&w[1], name, n);
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t r = call(dm, DS_OPEN, 1 + (int)((n + 3) / 4), w, 0);
    if (r == DS_OK) {
        *handle = mr(1);
        *size = mr(2);
        if (rights)
            *rights = mr(3);
    }
    return r;
}

L4_Word_t ds_create(L4_ThreadId_t dm, L4_Word_t size, L4_Word_t *handle,
                    L4_Word_t *real_size)
{
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t r = call(dm, DS_CREATE, 1, &size, 0);
    if (r == DS_OK) {
        *handle = mr(1);
        if (real_size)
            *real_size = mr(2);
    }
    return r;
}

L4_Word_t ds_info(L4_ThreadId_t dm, L4_Word_t handle, L4_Word_t *size, L4_Word_t *rights)
{
    L4_Accept(L4_UntypedWordsAcceptor);
    L4_Word_t r = call(dm, DS_INFO, 1, &handle, 0);
    if (r == DS_OK) {
        *size = mr(1);
        if (rights)
            *rights = mr(2);
    }
    return r;
}

L4_Word_t ds_map(L4_ThreadId_t dm, L4_Word_t handle, L4_Word_t offset, L4_Word_t rights,
                 L4_Word_t dest)
{
    L4_Word_t w[3] = { handle, offset, rights };
    L4_MsgTag_t tag;
    /* The window is exactly the destination page, so the DM cannot map
     * anywhere else; it is closed again right after. */
    L4_Accept(L4_MapGrantItems(L4_FpageLog2(dest & ~(DS_PAGE_SIZE - 1), 12)));
    L4_Word_t r = call(dm, DS_MAP, 3, w, &tag);
    L4_Accept(L4_UntypedWordsAcceptor);
    if (r == DS_OK && L4_TypedWords(tag) != 2)
        r = DS_ERR_PROTO;
    return r;
}

L4_Word_t ds_close(L4_ThreadId_t dm, L4_Word_t handle)
{
    L4_Accept(L4_UntypedWordsAcceptor);
    return call(dm, DS_CLOSE, 1, &handle, 0);
}
