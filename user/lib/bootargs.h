/* The root task's own boot-module command line (BootInfo), for programs
 * that boot as the root task: demos and in-guest tests with options. */
#ifndef PECAN_USER_BOOTARGS_H
#define PECAN_USER_BOOTARGS_H

/* Asks sigma0 for the BootInfo page and returns the command line of the
 * root task's module (the second module record), or "" if there is none.
 * *mapped (if not NULL) is set to 1 when sigma0 gave us the page: sigma0
 * hands a page to one thread only, so others of our space must not ask
 * again. Call once, early. */
const char *boot_own_cmdline(int *mapped);

/* Is w one of the blank-separated words of s? */
int boot_has_word(const char *s, const char *w);

#endif
