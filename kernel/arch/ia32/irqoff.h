/* Interrupt-latency instrumentation (IRQOFF_STATS, config.mk): the longest
 * stretch the kernel ran with interrupts disabled, in TSC ticks (guest
 * instructions under QEMU -icount). The kernel runs with IF clear from
 * every entry whose interrupted context had IF set (user mode, or an open
 * interrupt window) until IF is set again: an iret or sysexit to such a
 * context, an interrupt window (irq_window) or the idle halt. Those are
 * the only places where IF is set, so the maximum over these stretches is
 * the worst interrupt latency the kernel caused. Read and reset through
 * the kdebug stat extension (L4ABI_KDB_STAT_IRQOFF_MAX). */
#ifndef PECAN_IRQOFF_H
#define PECAN_IRQOFF_H

#include "types.h"

#ifndef IRQOFF_STATS
#define IRQOFF_STATS 0
#endif

#if IRQOFF_STATS
void irqoff_begin(void);    /* interrupts just went (or stayed) off */
void irqoff_end(void);      /* interrupts are about to be enabled */
uint32_t irqoff_take_max(bool reset);
/* Where the longest stretch began and ended (callers of begin/end), for
 * finding it with addr2line. */
extern uint32_t irqoff_max_from, irqoff_max_to;
#else
static inline void irqoff_begin(void) {}
static inline void irqoff_end(void) {}
static inline uint32_t irqoff_take_max(bool reset) { (void)reset; return ~0u; }
#endif

#endif
