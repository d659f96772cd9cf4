/* Sampling profiler (docs/kdb.md, "Profiler"). A sample is the
 * interrupted instruction address and the running thread, taken either
 * from a performance-counter overflow NMI (CPUID leaf 0xA present: it
 * samples kernel code with interrupts off too) or else from the timer
 * interrupt (then kernel code is seen only where it lets interrupts in:
 * idle, preemption points). Samples go into two histograms: by address
 * (PROF_BUCKETS distinct addresses; further ones are counted as lost) and
 * by thread (user and kernel samples apart). Part of the TRACE build. */
#ifndef PECAN_PROF_H
#define PECAN_PROF_H

#include "types.h"

enum prof_source { PROF_OFF = 0, PROF_TIMER = 1, PROF_PMC_NMI = 2 };

#if TRACE
extern volatile uint8_t prof_active;    /* enum prof_source while sampling */
#define PROF_ON() (__builtin_expect(prof_active != 0, 0))
#else
#define PROF_ON() 0
#endif

/* Starts sampling every `period` timer ticks (0 = every tick) or, with
 * counters, every period * 100 000 unhalted cycles; returns the source. */
enum prof_source prof_start(uint32_t period);
uint32_t prof_stop(void);               /* returns the samples taken */
void prof_clear(void);
uint32_t prof_dump(void);               /* console dump; returns samples */
/* The rank-th entry (0 = most samples) of the address (which = 0) or
 * thread (1) histogram: its key, *count its samples; ~0 if none. */
uint32_t prof_top(unsigned which, unsigned rank, uint32_t *count);

/* From the timer interrupt and the NMI handler. */
void prof_tick(uint32_t ip, bool user);
void prof_sample(uint32_t ip, bool user);
int prof_cmd(const char *args);         /* "start [n]", "stop", "clear", "dump" */

#endif
