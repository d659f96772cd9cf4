/* sigma0: the root pager. It owns all physical memory the KIP describes
 * as conventional or boot-loader memory, and hands each 4 KiB frame out
 * once, idempotently (virtual address == physical address), speaking the
 * X.2 sigma0 protocol:
 *   - page faults of the root task: the faulting 4 KiB page, if still free
 *     or already the faulter's;
 *   - sigma0 requests (label 0xffa0): MR1 = fpage of 4 KiB .. 4 MiB; base
 *     bits all ones = "any free frame of this size", else that very
 *     (aligned) frame; refused with a nil map item. A frame is handed out
 *     once; asking again for frames one already owns succeeds.
 *   - I/O ports: a sigma0 request with an I/O fpage, or an I/O fault of
 *     the root task, is answered with a map item of that I/O fpage (the
 *     kernel itself keeps its own ports: it never maps those).
 * Memory the KIP calls reserved (kernel pool, kernel image, firmware) and
 * the KIP itself are never handed out.
 *
 * Clients: the root task (every thread of its space) and kernel threads,
 * nobody else. The root task owns what sigma0 hands out and passes on what
 * others may have; a request from any other space is refused: a sigma0
 * request gets the refusal reply (nil map item), a page or I/O fault no
 * reply at all. */
#include <l4/kip.h>
#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/kdebug.h>
#include <l4/abi.h>
#include "libc.h"

#define MAX_FRAMES (512u << 8)          /* 512 MiB of 4 KiB frames */
static L4_Word_t owner[MAX_FRAMES];     /* 0 = free, else owner's thread ID */
static L4_Word_t me;
static L4_ThreadId_t root;              /* the root task: user base + 2, version 1 */
static L4_Word_t system_base, user_base;
static L4_Word_t refused;               /* requests from non-clients */

enum { REG_NONE, REG_OWN };
static unsigned char kind[MAX_FRAMES];
static L4_Word_t frames_top;            /* one past the highest owned frame */   /* REG_OWN: sigma0 may hand it out */

static void scan_kip(L4_KernelInterfacePage_t *kip)
{
    struct l4_kip *k = (struct l4_kip *)kip;
    L4_Word_t n = L4ABI_KIP_MEMINFO_N(k->memory_info);
    struct l4_memdesc *d = (struct l4_memdesc *)((char *)k + L4ABI_KIP_MEMINFO_PTR(k->memory_info));
    /* Later descriptors win, as X.2 specifies: apply in order. */
    for (L4_Word_t i = 0; i < n; i++) {
        if (d[i].w0 & L4ABI_MEMDESC_VIRTUAL)
            continue;
        L4_Word_t type = d[i].w0 & L4ABI_MEMDESC_TYPE_MASK;
        L4_Word_t lo = d[i].w0 & 0xfffffc00u, hi = (d[i].w1 & 0xfffffc00u) | 0x3ff;
        unsigned char k2 = (type == L4ABI_MEMDESC_CONVENTIONAL ||
                            type == L4ABI_MEMDESC_BOOTLOADER) ? REG_OWN : REG_NONE;
        for (L4_Word_t f = lo >> 12; f <= (hi >> 12) && f < MAX_FRAMES; f++)
            kind[f] = k2;
    }
    for (L4_Word_t f = MAX_FRAMES; f > 0; f--)
        if (kind[f - 1] == REG_OWN) {
            frames_top = f;
            break;
        }
    /* sigma0's own image stays with sigma0. */
    for (L4_Word_t f = k->sigma0.low >> 12; f <= (k->sigma0.high - 1) >> 12 && f < MAX_FRAMES; f++)
        owner[f] = me;
}

/* Gives the 2^log2-byte frame at `frame` (a frame number, aligned) to
 * `who` if every 4 KiB frame in it is sigma0's to give and is free or
 * already who's. All or nothing. */
static int grab(L4_Word_t frame, L4_Word_t log2, L4_Word_t who)
{
    L4_Word_t n = 1ul << (log2 - 12);
    if (frame >= MAX_FRAMES || n > MAX_FRAMES - frame)
        return 0;
    for (L4_Word_t f = frame; f < frame + n; f++)
        if (kind[f] != REG_OWN || (owner[f] && owner[f] != who))
            return 0;
    for (L4_Word_t f = frame; f < frame + n; f++)
        owner[f] = who;
    return 1;
}

/* Any free frame of 2^log2 bytes; 0 if none. High memory first, so that
 * requests for specific low frames (boot images) stay satisfiable. */
/* Searches downward from the top of what sigma0 owns. Frames never come
 * back to sigma0, so nothing above a 4 KiB search's last find can be free
 * again: `hint4k` makes repeated single-frame requests cheap. */
static L4_Word_t hint4k;

static L4_Word_t find_any(L4_Word_t log2, L4_Word_t who)
{
    L4_Word_t n = 1ul << (log2 - 12);
    L4_Word_t start = (n == 1 && hint4k) ? hint4k : frames_top;
    if (start < 2 * n)
        return 0;
    for (L4_Word_t f = (start - n) & ~(n - 1); f >= n; f -= n) {
        L4_Word_t i;
        for (i = 0; i < n && kind[f + i] == REG_OWN && !owner[f + i]; i++)
            ;
        if (i == n && grab(f, log2, who)) {
            if (n == 1)
                hint4k = f;
            return f;
        }
    }
    return 0;
}

/* Is `from` one of sigma0's clients? Kernel threads (system base up to
 * user base) are; so is the root task's first thread. Any other thread
 * must live in the root task's space: sigma0, being privileged, asks the
 * kernel with a ThreadControl on `from` "in the root task's space" that
 * changes nothing. It succeeds only if `from` exists in that space with a
 * UTCB (the UTCB location 1 is ignored for such a thread; for a thread
 * that no longer exists it is invalid, so nothing is created). */
static int is_client(L4_ThreadId_t from)
{
    L4_Word_t no = L4_ThreadNo(from);
    if (no >= system_base && no < user_base)
        return 1;
    if (from.raw == root.raw)
        return 1;
    return L4_ThreadControl(from, root, L4_nilthread, L4_nilthread, (void *)1) == 1;
}

static void note_refusal(L4_ThreadId_t from, L4_Word_t label)
{
    if (refused++ < 8)
        printf("sigma0: refusing request %lx from %lx (not the root task)\n",
               label, from.raw);
}

static void reply_map(L4_ThreadId_t to, L4_Word_t page, L4_Word_t log2, L4_Word_t rights)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Fpage_t fp = L4_Nilpage;     /* refusal: the nil fpage, no rights */
    if (page) {
        fp = L4_FpageLog2(page, (int)log2);
        L4_Set_Rights(&fp, rights);
    }
    L4_MsgAppendMapItem(&msg, L4_MapItem(fp, page));
    L4_MsgLoad(&msg);
    L4_Reply(to);
}

static void reply_io(L4_ThreadId_t to, L4_Word_t iofpage)
{
    L4_Msg_t msg;
    L4_Fpage_t fp = { .raw = iofpage };
    L4_MsgClear(&msg);
    L4_MsgAppendMapItem(&msg, L4_MapItem(fp, 0));
    L4_MsgLoad(&msg);
    L4_Reply(to);
}

#ifdef SIGMA0_IO_TEST
/* Suite sigma0-io: sigma0 drives ports itself, as an X.2 sigma0 that
 * prints on the serial port does; the kernel gives its space every port
 * it does not keep. Reports in TAP before serving anyone. */
static void io_selftest(void)
{
    unsigned char a;
    __asm__ volatile("outb %b0, $0x80" :: "a"((unsigned char)0x55));
    printf("1..2\nok 1 - x2_sigma0_writes_a_port_without_fault (0x80)\n");
    __asm__ volatile("outb %b0, $0x70" :: "a"((unsigned char)0x0a));
    __asm__ volatile("inb $0x71, %b0" : "=a"(a));
    printf("%sok 2 - x2_sigma0_reads_the_rtc_itself (status A %x)\n",
           (a & 0x70) == 0x20 ? "" : "not ", a);
}
#endif

int main(void)
{
    L4_KernelInterfacePage_t *kip = L4_GetKernelInterface();
#ifdef SIGMA0_IO_TEST
    io_selftest();
#endif
    me = L4_Myself().raw;
    system_base = L4_ThreadIdSystemBase(kip);
    user_base = L4_ThreadIdUserBase(kip);
    root = L4_GlobalId(user_base + 2, 1);
    scan_kip(kip);
    printf("sigma0: serving physical memory\n");

    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        L4_Word_t label = L4_Label(tag) & 0xfff0;
        L4_Word_t mr1, mr2;
        L4_StoreMR(1, &mr1);
        L4_StoreMR(2, &mr2);
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        if (!is_client(from)) {
            note_refusal(from, label);
            if (label == L4ABI_LABEL_SIGMA0)
                reply_map(from, 0, 12, 0);      /* the documented refusal */
            tag = L4_Wait(&from);
            continue;
        }
        if (label == (L4ABI_LABEL_PAGEFAULT & 0xfff0)) {
            L4_Word_t page = mr1 & ~0xfffu;
            if (grab(page >> 12, 12, from.raw)) {
                reply_map(from, page, 12, L4_FullyAccessible);
            } else {
                printf("sigma0: refusing fault at %lx (ip %lx) of %lx\n", mr1, mr2, from.raw);
                tag = L4_Wait(&from);
                continue;
            }
        } else if (label == L4ABI_LABEL_IOFAULT ||
                   (label == L4ABI_LABEL_SIGMA0 && L4ABI_IS_IOFPAGE(mr1))) {
            reply_io(from, mr1);
        } else if (label == L4ABI_LABEL_SIGMA0) {
            /* 4 KiB .. 4 MiB frames; anything else gets the nil item. */
            L4_Word_t log2 = L4ABI_FPAGE_LOG2(mr1), page = 0;
            if (log2 >= 12 && log2 <= 22) {
                L4_Word_t mask = (1ul << log2) - 1;
                if (((mr1 | mask) & L4ABI_FPAGE_BASE_MASK) == L4ABI_FPAGE_BASE_MASK)
                    page = find_any(log2, from.raw) << 12;
                else if (!(mr1 & L4ABI_FPAGE_BASE_MASK & mask) &&
                         grab((mr1 & L4ABI_FPAGE_BASE_MASK) >> 12, log2, from.raw))
                    page = mr1 & L4ABI_FPAGE_BASE_MASK;
            }
            reply_map(from, page, log2, L4_FullyAccessible);
        } else {
            printf("sigma0: unknown request label %lx from %lx\n", label, from.raw);
            tag = L4_Wait(&from);
            continue;
        }
        tag = L4_Wait(&from);
    }
}
