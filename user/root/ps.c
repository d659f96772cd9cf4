/* `ps`: the kernel's thread table through the privileged kdebug thread
 * list (L4_KDB_ThreadList, docs/abi.md), a page of entries per call.
 * Spaces are shown as small numbers in order of first appearance (the
 * kernel's space identifiers are opaque); interrupt threads only when a
 * handler is attached. */
#include <l4/kdebug.h>
#include <l4/thread.h>
#include "libc.h"
#include "shell.h"

#define MAX_SPACES 64

static struct l4abi_kdb_thread ents[L4ABI_KDB_THREADS_MAX];
static L4_Word_t spaces[MAX_SPACES];
static unsigned nspaces;

static unsigned space_no(L4_Word_t id)
{
    for (unsigned i = 0; i < nspaces; i++)
        if (spaces[i] == id)
            return i + 1;
    if (nspaces < MAX_SPACES)
        spaces[nspaces++] = id;
    return nspaces;
}

const char *thread_name(L4_Word_t gid)
{
    L4_Word_t no = L4_ThreadNo((L4_ThreadId_t){ .raw = gid });
    switch (no) {
    case 32: return "idle";
    case 48: return "sigma0";
    case 50: return "root";
    case SHELL_NO: return "shell";
    case ANON_DM_NO: return "anon-dm";
    case FILE_DM_NO: return "file-dm";
    case TASK_PINGPONG: return "pingpong";
    case TASK_SERIAL: return "serial-drv";
    case TASK_KBD: return "kbd-drv";
    case TASK_VMM: return "vmm-guest";
    case TASK_DS: return "ds-rm";
    case TASK_DS + 1: return "ds-client";
    }
    return no < 32 ? "irq" : "";
}

static const char *state_name(const struct l4abi_kdb_thread *e)
{
    static const char *const names[] = {
        "?", "inactive", "ready", "send", "recv", "dead", "xfer",
    };
    if (e->flags & L4ABI_KDB_TF_CURRENT)
        return "running";
    return e->state < sizeof(names) / sizeof(names[0]) ? names[e->state] : "?";
}

static void partner(char *buf, const struct l4abi_kdb_thread *e)
{
    if (e->partner == 0)
        snprintf(buf, 16, "-");
    else if (e->partner == L4ABI_ANYTHREAD)
        snprintf(buf, 16, "any");
    else if (e->partner == L4ABI_ANYLOCALTHREAD)
        snprintf(buf, 16, "anylocal");
    else if (e->partner == e->gid)
        snprintf(buf, 16, "self");
    else
        snprintf(buf, 16, "%lx", (unsigned long)e->partner);
}

static void show(const struct l4abi_kdb_thread *e)
{
    char p[16], sp[8];
    if (e->space)
        snprintf(sp, sizeof(sp), "%u", space_no(e->space));
    else
        snprintf(sp, sizeof(sp), "kernel");
    partner(p, e);
    L4_ThreadId_t t = { .raw = e->gid };
    char notes[48];
    snprintf(notes, sizeof(notes), "%s%s%s", (e->flags & L4ABI_KDB_TF_HALTED) ? " halted" : "",
             (e->flags & L4ABI_KDB_TF_PRIVILEGED) ? " privileged" : "",
             (e->flags & L4ABI_KDB_TF_IRQ) ? " interrupt (partner: handler)" : "");
    printf("  %08lx %5lu.%-3lu %-10s %-6s %-8s %4u  %-8s%s\n", (unsigned long)e->gid,
           L4_ThreadNo(t), L4_Version(t), thread_name(e->gid), sp, state_name(e), e->prio, p,
           notes);
}

void cmd_ps(void)
{
    L4_Word_t next = 0, total = 0, unattached = 0;
    nspaces = 0;
    printf("  ID       NO.VER    NAME       SPACE  STATE    PRIO  PARTNER  NOTES\n");
    do {
        L4_Word_t n = L4_KDB_ThreadList(ents, L4ABI_KDB_THREADS_MAX, &next);
        if (n == ~0ul) {
            printf("ps: the kernel refused the thread list (error %lu)\n", L4_ErrorCode());
            return;
        }
        for (L4_Word_t i = 0; i < n; i++) {
            if ((ents[i].flags & L4ABI_KDB_TF_IRQ) && !ents[i].partner) {
                unattached++;
                continue;
            }
            show(&ents[i]);
            total++;
        }
    } while (next);
    printf("ps: %lu threads in %u user spaces (%lu interrupt threads without handler not shown)\n",
           total, nspaces, unattached);
}
