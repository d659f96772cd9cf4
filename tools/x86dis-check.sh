#!/bin/sh
# Compares lib/x86dis.c with objdump, instruction by instruction, in AT&T
# and Intel syntax:
#   1. the full opcode sweep and hand-written corpus
#      (tools/gen-x86dis-corpus.sh -f), made and disassembled afresh, as
#      32-bit code and as 16-bit code (x86dis_code16, objdump -M i8086);
#   2. random bytes (differential fuzzing; X86DIS_SEED, default 1, and
#      X86DIS_RANDOM bytes, default 400000), where instructions of the
#      extensions x86dis leaves out are counted apart (x86dis_check -u),
#      as 32-bit and as 16-bit code;
#   3. the code sections of the kernel (build/pecan.elf) and of every user
#      program (build/user/*.elf), if built (`make`).
# Prints disagreements (at most 20 per listing) and one summary line per
# listing; exits non-zero if any listing disagrees. Needs gcc, binutils
# and the host-test toolchain (the checker is built with ASan + UBSan).
#   tools/x86dis-check.sh [elf...]      (default: the kernel and user programs)
set -e
cd "$(dirname "$0")/.."
make -s -C tests/host x86dis_check
chk=build/host/x86dis_check
tmp=${TMPDIR:-/tmp}/x86dis-check.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
rc=0

tools/gen-x86dis-corpus.sh -f -l "$tmp/sweep.lst" "$tmp/sweep.inc" >/dev/null
printf 'corpus+full sweep: '
$chk -n 20 < "$tmp/sweep.lst" || rc=1
tools/gen-x86dis-corpus.sh -16 -f -l "$tmp/sweep16.lst" "$tmp/sweep16.inc" >/dev/null
printf 'corpus+full sweep, 16-bit: '
$chk -16 -n 20 < "$tmp/sweep16.lst" || rc=1

label="$*"
awk -v seed="${X86DIS_SEED:-1}" -v n="${X86DIS_RANDOM:-400000}" 'BEGIN {
    srand(seed)
    print "    .text"
    for (i = 0; i < n; i += 16) {
        line = "    .byte "
        for (k = 0; k < 16; k++) line = line (k ? "," : "") int(rand() * 256)
        print line
    }
}' > "$tmp/random.S"
gcc -m32 -c "$tmp/random.S" -o "$tmp/random.o"
tools/x86dis-objdump.sh "$tmp/random.o" > "$tmp/random.lst"
printf 'random bytes (seed %s): ' "${X86DIS_SEED:-1}"
$chk -u -n 20 < "$tmp/random.lst" || rc=1
tools/x86dis-objdump.sh -16 "$tmp/random.o" > "$tmp/random16.lst"
printf 'random bytes (seed %s), 16-bit: ' "${X86DIS_SEED:-1}"
$chk -16 -u -n 20 < "$tmp/random16.lst" || rc=1

if [ $# -eq 0 ]; then
    set -- build/pecan.elf
    for f in build/user/*.elf; do [ -e "$f" ] && set -- "$@" "$f"; done
    label="build/pecan.elf and $(($# - 1)) user programs"
fi
for f in "$@"; do
    [ -e "$f" ] || { echo "$f: missing (run make)"; rc=1; continue; }
    tools/x86dis-objdump.sh "$f" >> "$tmp/elf.lst"
done
if [ -s "$tmp/elf.lst" ]; then
    printf '%s: ' "$label"
    $chk -n 20 < "$tmp/elf.lst" || rc=1
fi
exit $rc
