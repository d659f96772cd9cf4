/* X.2 time values: 16-bit periods (m * 2^e microseconds) and points.
 * Pure arithmetic, shared by IPC timeouts and Schedule. */
#ifndef PECAN_TIMEOUT_H
#define PECAN_TIMEOUT_H

#include "types.h"

#define DEADLINE_NEVER 0            /* no wakeup needed */
#define DEADLINE_NOW   UINT64_MAX   /* zero timeout: do not block at all */

/* The absolute deadline (in microseconds since boot) of an IPC timeout
 * given at time `now`: DEADLINE_NEVER for "never", DEADLINE_NOW for a
 * zero period. A time point names the next moment whose low (e + 10) clock
 * bits match it (the c bit selects the half of the 2^(e+11) window). */
uint64_t timeout_deadline(uint16_t t, uint64_t now);

/* A period's length in microseconds; 0 for "never" (= infinite). */
uint64_t time_period_us(uint16_t t);

/* The shortest period encoding of at least `us` microseconds' precision
 * (rounded down); 0 encodes "never". */
uint16_t time_encode_period(uint64_t us);

#endif
