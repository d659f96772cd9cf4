#include "timeout.h"
#include "l4/abi.h"   /* "": found with -iquote in host tests */

/* A deadline past the 64-bit clock saturates here rather than wrapping
 * around (to an early deadline, or to DEADLINE_NEVER / DEADLINE_NOW). */
#define DEADLINE_LATEST (UINT64_MAX - 1)

uint64_t time_period_us(uint16_t t)
{
    if (t == L4ABI_TIME_NEVER || (t & L4ABI_TIME_POINT))
        return 0;
    uint32_t e = (t & L4ABI_TIME_PERIOD_E_MASK) >> L4ABI_TIME_PERIOD_E_SHIFT;
    return (uint64_t)(t & L4ABI_TIME_M_MASK) << e;
}

uint16_t time_encode_period(uint64_t us)
{
    if (us == 0)
        return L4ABI_TIME_NEVER;
    uint32_t e = 0;
    while (us > L4ABI_TIME_M_MASK && e < 31) {
        us >>= 1;
        e++;
    }
    if (us > L4ABI_TIME_M_MASK)
        us = L4ABI_TIME_M_MASK;     /* beyond 1023 * 2^31 us: saturate */
    return L4ABI_TIME_PERIOD(us, e);
}

uint64_t timeout_deadline(uint16_t t, uint64_t now)
{
    if (t == L4ABI_TIME_NEVER)
        return DEADLINE_NEVER;
    if (!(t & L4ABI_TIME_POINT)) {
        uint64_t us = time_period_us(t);
        if (!us)
            return DEADLINE_NOW;
        if (now >= DEADLINE_LATEST || us > DEADLINE_LATEST - now)
            return DEADLINE_LATEST;
        return now + us;
    }
    uint32_t e = (t & L4ABI_TIME_POINT_E_MASK) >> L4ABI_TIME_POINT_E_SHIFT;
    uint64_t unit = 1ull << e;
    uint64_t half = unit << 10;             /* 2^(e+10) */
    uint64_t window = half << 1;
    uint64_t when = (now & ~(window - 1)) +
                    ((t & L4ABI_TIME_POINT_C) ? half : 0) +
                    (uint64_t)(t & L4ABI_TIME_M_MASK) * unit;
    if (when <= now) {
        if (when > DEADLINE_LATEST - window)
            return DEADLINE_LATEST;
        when += window;
    }
    return when < DEADLINE_LATEST ? when : DEADLINE_LATEST;
}
