/* Architectural performance monitoring (CPUID leaf 0xA) as the
 * profiler's NMI source: general counter 0 counts unhalted core cycles
 * and its overflow is delivered through the local APIC's performance
 * counter LVT as an NMI. (The LVT of the APIC timer cannot deliver NMIs;
 * this one can.) QEMU without KVM has no such counters. */
#ifndef PECAN_IA32_PERFMON_H
#define PECAN_IA32_PERFMON_H

#include "types.h"

/* Starts counter 0 to overflow every `cycles`; false if the CPU has no
 * architectural counters or the local APIC is not in use. */
bool perfmon_nmi_start(uint32_t cycles);
void perfmon_nmi_stop(void);
/* In the NMI handler: true if counter 0 overflowed (then it is rearmed). */
bool perfmon_nmi_ack(void);
/* What was found: "none (...)" or "v<version> <n>x<width> bits". */
const char *perfmon_describe(void);
/* Boot: says which source the profiler will use and why. */
void perfmon_report(void);

#endif
