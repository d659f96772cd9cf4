/* Leaving the machine: the emulators' exit ports. QEMU's isa-debug-exit
 * (port 0xf4) exits with status (v << 1) | 1, so 0x10 means success (33)
 * and 0x11 failure (35); Bochs stops when "Shutdown" is written to 0x8900.
 * The PECAN-EXIT line lets the harness judge runs that cannot pass a status. */
#include "cpu.h"
#include "../../arch.h"
#include "../../console.h"

#include "serial.h"

void arch_shutdown(int code)
{
    static const char bochs_shutdown[] = "Shutdown";

    cli();
    kprintf("PECAN-EXIT %d\n", code);
    serial_drain();
    outb(0xf4, code == 0 ? 0x10 : 0x11);
    for (const char *p = bochs_shutdown; *p; p++)
        outb(0x8900, (uint8_t)*p);
    for (;;)
        hlt();
}

uint32_t arch_frame_pointer(void)
{
    return (uint32_t)(uintptr_t)__builtin_frame_address(0);
}

/* Walks saved frame pointers while they stay inside kernel memory. */
void arch_backtrace(uint32_t ebp)
{
    kprintf("backtrace:\n");
    for (int depth = 0; depth < 16; depth++) {
        if (ebp < 0xC0000000u || (ebp & 3))
            break;
        uint32_t *frame = (uint32_t *)(uintptr_t)ebp;
        uint32_t ret = frame[1];
        if (ret < 0xC0000000u)
            break;
        kprintf("  #%d %08x\n", depth, ret);
        ebp = frame[0];
    }
}
