#!/bin/sh
# Lists every instruction of the code sections of the given object or ELF
# files as objdump disassembles them, one per line:
#     address|bytes in hex|AT&T text|Intel text
# with a line "S" at the start of each section. The texts are normalized the
# way lib/x86dis.c's tests compare them: objdump's "<symbol>" annotations are
# dropped (a branch target printed bare next to one gets its "0x") and runs
# of blanks become one space. Used by tools/x86dis-check.sh
# and tools/gen-x86dis-corpus.sh.
#   tools/x86dis-objdump.sh [-16] file...     (-16: 16-bit code, -M i8086)
set -e
arch=i386
if [ "$1" = -16 ]; then
    arch=i8086
    shift
fi
for f in "$@"; do
    for syn in $arch $arch,intel; do
        objdump -d -z -M "$syn" --insn-width=16 "$f" | awk -F'\t' '
            /^Disassembly of section/ { print "S"; next }
            /^ *[0-9a-f]+:\t/ {
                addr = $1; sub(/^ */, "", addr); sub(/:$/, "", addr)
                bytes = $2; gsub(/ /, "", bytes)
                text = $3
                for (i = 4; i <= NF; i++) text = text " " $i
                # A branch target with a known symbol is printed bare
                # ("call c0100690 <f>"); without one as 0x...: use 0x.
                if (gsub(/ <[^>]*>/, "", text) && match(text, / [0-9a-f]+$/))
                    text = substr(text, 1, RSTART) "0x" substr(text, RSTART + 1)
                gsub(/[ \t]+/, " ", text)
                sub(/ $/, "", text)
                print addr "|" bytes "|" text
            }' > "${TMPDIR:-/tmp}/x86dis.$$.$syn"
    done
    cut -d'|' -f3- "${TMPDIR:-/tmp}/x86dis.$$.$arch,intel" |
        paste -d'|' "${TMPDIR:-/tmp}/x86dis.$$.$arch" -
    rm -f "${TMPDIR:-/tmp}/x86dis.$$.$arch" "${TMPDIR:-/tmp}/x86dis.$$.$arch,intel"
done
