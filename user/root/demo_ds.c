/* Demo: dataspaces (docs/dataspaces.md). Two dataspace managers run as
 * threads of the root task (started on first use, then kept): one over the
 * boot modules (files), one for zero-filled anonymous memory. A task of
 * its own has a region manager thread (its other thread's pager) that
 * resolves faults in attached regions by asking the managers for pages;
 * faults outside its regions (the image) go on to us. The client maps our
 * own boot module read-only and anonymous memory read-write. */
#include <l4/thread.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/space.h>
#include "libc.h"
#include "shell.h"
#include "rm.h"
#include "dataspace.h"
#include "dm.h"

#define ANON_POOL   0x60000000u     /* in our space */
#define POOL_PAGES  64u
#define FILE_TAILS  0x5f000000u
#define FILE_VA     0x40000000u     /* in the client's space */
#define ANON_VA     0x50000000u
#define ANON_PAGES  8u
#define FILE_NAME   "root.elf"

static L4_ThreadId_t anon_dm, file_dm, rm_tid, client_tid;
static struct rm crm;               /* the client's RM state (shared page) */
static L4_Word_t stacks[4][2048] __attribute__((aligned(16)));
static L4_Word_t top(int i) { return (L4_Word_t)&stacks[i][2044]; }
static void *utcb(int slot) { return (void *)(UTCB_AREA + slot * L4ABI_UTCB_SIZE); }

/* ---- in the client task ---- */

static void show_file(void)
{
    L4_Word_t h, size, rights, acc;
    if (ds_open(file_dm, FILE_NAME, &h, &size, &rights) != DS_OK) {
        printf("ds client: no boot module named %s\n", FILE_NAME);
        return;
    }
    L4_Word_t len = (size + PAGE - 1) & ~(PAGE - 1);
    if (rm_attach(rm_tid, FILE_VA, len, file_dm, h, 0, DS_R) == RM_OK) {
        const volatile unsigned char *p = (const volatile unsigned char *)FILE_VA;
        printf("ds client: file %s (%lu bytes) attached read-only at %x: starts %02x '%c%c%c'\n",
               FILE_NAME, size, FILE_VA, p[0], p[1], p[2], p[3]);
        rm_detach(rm_tid, FILE_VA, &acc);
    }
    ds_close(file_dm, h);
}

static void use_anon(void)
{
    L4_Word_t h, size, acc, f0 = crm.faults;
    if (ds_create(anon_dm, ANON_PAGES * PAGE, &h, &size) != DS_OK ||
        rm_attach(rm_tid, ANON_VA, size, anon_dm, h, 0, DS_R | DS_W) != RM_OK) {
        printf("ds client: cannot get anonymous memory\n");
        return;
    }
    volatile L4_Word_t *w = (volatile L4_Word_t *)ANON_VA;
    L4_Word_t n = size / sizeof(L4_Word_t), bad = 0;
    for (L4_Word_t i = 0; i < n; i++)
        w[i] = i * 2654435761u;
    for (L4_Word_t i = 0; i < n; i++)
        bad += w[i] != i * 2654435761u;
    printf("ds client: %lu anonymous pages at %x written and read back, %lu bad words; "
           "the region manager resolved %lu faults\n", size / PAGE, ANON_VA, bad,
           crm.faults - f0);
    rm_detach(rm_tid, ANON_VA, &acc);
    ds_close(anon_dm, h);
}

static void client_main(void)
{
    show_file();
    use_anon();
    task_done(0);
}

static void rm_main(void)
{
    rm_init(&crm, L4_Pager(), L4_nilthread);
    rm_start_thread(client_tid, (L4_Word_t)client_main, top(3));
    rm_serve(&crm);
}

/* ---- in the shell ---- */

static int start_dm(L4_ThreadId_t t, int slot, void (*fn)(void), int stack)
{
    if (L4_ThreadControl(t, shell_tid, shell_tid, sigma0_tid, utcb(slot)) != 1)
        return 0;
    L4_Start_SpIp(t, top(stack), (L4_Word_t)fn);
    return 1;
}

static int start_dms(void)
{
    static int started;
    if (started)
        return 1;
    anon_dm = L4_GlobalId(ANON_DM_NO, 1);
    file_dm = L4_GlobalId(FILE_DM_NO, 1);
    dm_anon_setup(ANON_POOL, POOL_PAGES);
    dm_file_setup(FILE_TAILS, 16);
    started = start_dm(anon_dm, ANON_UTCB, dm_anon_main, 0) &&
              start_dm(file_dm, FILE_UTCB, dm_file_main, 1);
    return started;
}

/* The client task: RM thread (paged by us) and client thread (paged by
 * the RM). Not confined: it calls the managers in our space. */
static int start_client(L4_ThreadId_t rm, L4_ThreadId_t client)
{
    L4_Word_t old;
    if (L4_ThreadControl(rm, rm, shell_tid, L4_nilthread, (void *)~0ul) != 1 ||
        L4_SpaceControl(rm, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 20),
                        L4_nilthread, &old) != 1 ||
        L4_ThreadControl(client, rm, shell_tid, rm, utcb(1)) != 1 ||
        L4_ThreadControl(rm, rm, shell_tid, shell_tid, utcb(0)) != 1)
        return 0;
    L4_LoadMR(0, L4ABI_TAG(0, 2, 0));
    L4_LoadMR(1, (L4_Word_t)rm_main);
    L4_LoadMR(2, top(2));
    return L4_IpcSucceeded(L4_Send(rm));
}

void demo_dataspace(void)
{
    if (!start_dms()) {
        printf("ds: cannot start the dataspace managers (error %lu)\n", L4_ErrorCode());
        return;
    }
    rm_tid = task_tid(TASK_DS);
    L4_ThreadId_t client = client_tid = task_tid(TASK_DS + 1);
    if (start_client(rm_tid, client)) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag;
        do
            tag = task_wait(L4_nilthread, 10000000, &from);
        while (L4_IpcSucceeded(tag) && L4_Label(tag) != LBL_TASK_DONE);
        if (L4_IpcFailed(tag))
            printf("ds: the client did not finish\n");
        else
            printf("ds: %lu faults resolved through regions, %lu passed on to us\n",
                   crm.faults, crm.forwarded);
    } else {
        printf("ds: cannot create the client task (error %lu)\n", L4_ErrorCode());
    }
    task_kill(client);
    task_kill(rm_tid);
}
