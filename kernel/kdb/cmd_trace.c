/* Debugger commands for the trace buffer and the profiler (docs/kdb.md):
 * the words after the command name go to the same text interface the
 * boot line uses (trace_cmd, prof_cmd in trace.c and prof.c). */
#include "kdb_int.h"
#include "../trace.h"
#include "../prof.h"

#if TRACE
/* Joins argv[1..] with single blanks into buf (truncated to fit). */
static const char *rest_of_line(int argc, char **argv, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 1; i < argc; i++)
        for (const char *s = argv[i]; n + 1 < size; s++) {
            if (!*s) {
                if (i + 1 < argc)
                    buf[n++] = ' ';
                break;
            }
            buf[n++] = *s;
        }
    buf[n] = 0;
    return buf;
}

static int cmd_trace(int argc, char **argv)
{
    char line[80];
    trace_cmd(rest_of_line(argc, argv, line, sizeof line));
    return KDB_STAY;
}
KDB_COMMAND(trace, "[on [kind..]|off|clear|dump|thread id|all|status]",
            "the event trace buffer (no argument: status)", cmd_trace);

static int cmd_prof(int argc, char **argv)
{
    char line[80];
    prof_cmd(rest_of_line(argc, argv, line, sizeof line));
    return KDB_STAY;
}
KDB_COMMAND(prof, "[start [n]|stop|clear|dump]", "the sampling profiler", cmd_prof);
#endif
