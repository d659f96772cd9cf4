/* Hardware interrupts. The timer line belongs to the kernel; the others
 * are delivered as IPC once the device-driver work attaches handlers.
 * Until then an unexpected line is masked so it cannot storm. */
#include "kernel.h"
#include "sched.h"
#include "console.h"
#include "arch/ia32/pic.h"

void irq_entry(unsigned irq)
{
    if (pic_spurious(irq))
        return;
    if (irq == 0) {
        pic_eoi(0);
        sched_tick();
        return;
    }
    pic_mask(irq);
    pic_eoi(irq);
    kprintf("irq: line %u has no handler; masked\n", irq);
}
