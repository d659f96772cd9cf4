/* The kernel's pure instruction decoder, compiled into the VMM as well. */
#include "../../kernel/x86decode.c"
