/* The dataspace protocol: how a region manager (or any client) talks to a
 * dataspace manager (DM). A dataspace is a numbered byte range that its DM
 * backs with 4 KiB pages; a client names it by (DM thread, handle).
 *
 * Every request is an untyped IPC call; the reply label is DS_OK (0) or a
 * DS_ERR_* code, with no words on error.
 *
 *   DS_OPEN    MR1 = name length n (1..DS_NAME_MAX), MR2.. = the name's bytes
 *              packed little-endian, 4 per word.
 *              -> MR1 = handle, MR2 = size in bytes, MR3 = rights (L4 rwx).
 *              File DM: the boot module whose name (command line) is the
 *              name, or whose path's last component is.
 *   DS_CREATE  MR1 = size in bytes.
 *              -> MR1 = handle, MR2 = size (rounded up to pages), MR3 = rights.
 *              Anonymous DM: zero-filled memory.
 *   DS_INFO    MR1 = handle -> MR1 = size, MR2 = rights.
 *   DS_MAP     MR1 = handle, MR2 = byte offset, MR3 = rights wanted (rwx).
 *              -> one map item (typed words 2) of the 4 KiB page holding the
 *              offset, with exactly the rights wanted, into the caller's
 *              receive window (the caller's L4_Accept, e.g. one page), and
 *              MR1 = the rights given. Wanting more than the dataspace's
 *              rights is DS_ERR_RIGHTS; an offset at or past the size is
 *              DS_ERR_RANGE.
 *   DS_CLOSE   MR1 = handle -> nothing. The handle becomes invalid (handles
 *              carry a generation, so a stale handle is refused).
 *
 * A DM replies with L4_Reply (zero send timeout): a caller that is not
 * waiting loses its answer, it never blocks the DM. Handles are plain
 * names: any thread that knows one may use it (no capabilities yet). */
#ifndef SERVERS_DATASPACE_H
#define SERVERS_DATASPACE_H

#include <l4/types.h>

#define DS_LABEL_BASE   0x6400u
#define DS_OPEN         (DS_LABEL_BASE + 1)
#define DS_CREATE       (DS_LABEL_BASE + 2)
#define DS_INFO         (DS_LABEL_BASE + 3)
#define DS_MAP          (DS_LABEL_BASE + 4)
#define DS_CLOSE        (DS_LABEL_BASE + 5)

#define DS_OK           0u
#define DS_ERR_PROTO    1u      /* unknown label or malformed message */
#define DS_ERR_HANDLE   2u      /* no such (open) dataspace */
#define DS_ERR_RANGE    3u      /* offset at or past the end */
#define DS_ERR_RIGHTS   4u      /* more rights wanted than the dataspace has */
#define DS_ERR_NOENT    5u      /* no module of that name */
#define DS_ERR_NOMEM    6u      /* out of handles or memory */
#define DS_ERR_INVALID  7u      /* bad size or name */
#define DS_ERR_IPC      8u      /* client side: the IPC itself failed */

#define DS_NAME_MAX     64u
#define DS_PAGE_SIZE    4096u

/* L4 access rights (fpage rwx bits). */
#define DS_R            4u
#define DS_W            2u
#define DS_X            1u

/* Client stubs (ds_client.c). Each returns DS_OK or an error code. */
L4_Word_t ds_open(L4_ThreadId_t dm, const char *name, L4_Word_t *handle,
                  L4_Word_t *size, L4_Word_t *rights);
L4_Word_t ds_create(L4_ThreadId_t dm, L4_Word_t size, L4_Word_t *handle,
                    L4_Word_t *real_size);
L4_Word_t ds_info(L4_ThreadId_t dm, L4_Word_t handle, L4_Word_t *size,
                  L4_Word_t *rights);
/* Maps the page at `offset` to the 4 KiB page at `dest` of the caller's
 * space. */
L4_Word_t ds_map(L4_ThreadId_t dm, L4_Word_t handle, L4_Word_t offset,
                 L4_Word_t rights, L4_Word_t dest);
L4_Word_t ds_close(L4_ThreadId_t dm, L4_Word_t handle);

#endif
