/* PS/2 keyboard (8042 controller), IRQ 1, ports 0x60 and 0x64. */
#ifndef DRIVERS_PS2KBD_H
#define DRIVERS_PS2KBD_H

#define PS2KBD_IRQ       1
#define PS2KBD_DATA      0x60   /* I/O fpage: 0x60, log2 0 */
#define PS2KBD_STATUS    0x64   /* I/O fpage: 0x64, log2 0 */

/* The next scancode byte, or -1 if the output buffer is empty. */
int ps2kbd_read(void);
/* Test aid: controller command 0xd2 puts `sc` in the output buffer as if
 * the keyboard had sent it (raising IRQ 1 when enabled). */
void ps2kbd_inject(int sc);
/* ASCII for a set-1 make code (letters, digits, space, enter), 0 for
 * anything else, including break codes. */
char ps2kbd_ascii(int scancode);

#endif
