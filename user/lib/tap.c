#include <stdarg.h>
#include "libc.h"
#include "tap.h"

static int planned = -1;
static int run, failed;

void tap_plan(int n)
{
    planned = n;
    printf("1..%d\n", n);
}

static int record(int cond, const char *fmt, va_list ap)
{
    run++;
    if (!cond)
        failed++;
    printf("%sok %d - ", cond ? "" : "not ", run);
    vprintf(fmt, ap);
    printf("\n");
    return cond;
}

int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(cond != 0, fmt, ap);
    va_end(ap);
    return cond != 0;
}

int is(unsigned long got, unsigned long expected, const char *name)
{
    int pass = ok(got == expected, "%s", name);
    if (!pass) {
        printf("#          got: %lu (%#lx)\n", got, got);
        printf("#     expected: %lu (%#lx)\n", expected, expected);
    }
    return pass;
}

void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

int tap_done(void)
{
    int missing = 0;

    if (planned < 0)
        printf("1..%d\n", run);
    else if (run != planned) {
        printf("# planned %d tests but ran %d\n", planned, run);
        if (run < planned)
            missing = planned - run;
    }
    if (failed || missing)
        printf("# failed %d of %d tests run, %d not run\n", failed, run, missing);
    else
        printf("# all %d tests passed\n", run);
    return failed + missing;
}
