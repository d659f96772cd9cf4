/* PS/2 keyboard: scancode set 1 as the 8042 translates it by default. */
#include "ps2kbd.h"
#include "portio.h"

int ps2kbd_read(void)
{
    if (!(inb(PS2KBD_STATUS) & 0x01))
        return -1;
    return inb(PS2KBD_DATA);
}

static void wait_input_empty(void)
{
    for (int i = 0; i < 100000 && (inb(PS2KBD_STATUS) & 0x02); i++)
        ;
}

void ps2kbd_inject(int sc)
{
    wait_input_empty();
    outb(PS2KBD_STATUS, 0xd2);
    wait_input_empty();
    outb(PS2KBD_DATA, (unsigned char)sc);
}

char ps2kbd_ascii(int sc)
{
    static const char map[0x3a] =
        "\0\0331234567890-=\b\tqwertyuiop[]\n\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
    if (sc < 0 || sc >= (int)sizeof(map))
        return 0;
    return map[sc];
}
