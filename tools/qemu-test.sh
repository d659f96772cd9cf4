#!/usr/bin/env bash
# Boots a Pecan kernel under QEMU, judges its COM1 output, and ends with the
# line "SUITE: N passed, N failed". Exit status 0 = pass, 1 = fail, 2 = usage.
set -u -o pipefail

PROG=qemu-test.sh
DEFAULT_NAME=qemu
QEMU=${QEMU:-qemu-system-i386}
STDIN_FILE=/dev/null
QEMU_ARGS=()
ICOUNT=1

usage() {
    cat <<'EOF'
usage: qemu-test.sh [options] KERNEL [MODULE...]
  --expect-panic REGEX  pass only if the log matches REGEX (grep -E) and the
                        kernel exits with failure (QEMU status 35)
  --expect-log REGEX    one more test: the log matches REGEX (grep -E);
                        repeatable
  --timeout S           wall-clock limit in seconds (default 120)
  --append "cmdline"    kernel command line
  --kdb-panic           let a kernel fault or panic enter the kernel debugger
                        (by default the command line gets kdb=nopanic: the
                        run ends at once, as without the debugger)
  --log FILE            keep the serial log in FILE (default: a temp file)
  --name SUITE          name in the summary line (default qemu)
  --result FILE         also write the report (not the serial log) to FILE,
                        for tools/sum-results.sh
  --stdin FILE          feed FILE to COM1 receive (default /dev/null)
  --qemu-arg ARG        extra QEMU argument, repeatable (e.g. --qemu-arg -smp
                        --qemu-arg 2)
  --no-icount           leave out -icount (which is on by default): guest
                        time follows the host clock and, with --qemu-arg
                        -accel --qemu-arg tcg,thread=multi, the CPUs really
                        run in parallel; runs are not repeatable
Modules are passed in order (first sigma0, second root task); a module may be
"FILE ARGS": ARGS become its Multiboot command line (the root task reads it
from the BootInfo page).
Environment: V=1 echoes the serial log live; QEMU=binary overrides the emulator.
EOF
}

parse_extra() {
    case $1 in
        --stdin)    [ $# -ge 2 ] || die "$1 needs an argument"; STDIN_FILE=$2; return 2 ;;
        --qemu-arg) [ $# -ge 2 ] || die "$1 needs an argument"; QEMU_ARGS+=("$2"); return 2 ;;
        --no-icount) ICOUNT=0; return 1 ;;
    esac
    return 0
}

. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh"
parse_common "$@"
[ -r "$STDIN_FILE" ] || die "cannot read --stdin file $STDIN_FILE"
command -v "$QEMU" >/dev/null || die "$QEMU not found; run tools/deps.sh --install qemu"

# -initrd takes a comma-separated list; a literal comma is written ",,".
initrd=
for m in ${MODULES[@]+"${MODULES[@]}"}; do
    initrd+=${initrd:+,}${m//,/,,}
done

cmd=("$QEMU" -kernel "$KERNEL" -append "$APPEND"
     -m 128 -display none -serial stdio -monitor none -no-reboot -nic none
     -device isa-debug-exit,iobase=0xf4,iosize=0x04
     -rtc clock=vm)                  # the RTC (IRQ 8) on the guest's clock too
# Deterministic: one TSC tick per instruction, CPUs run in turn.
[ "$ICOUNT" = 1 ] && cmd+=(-icount shift=0,sleep=off)
[ -n "$initrd" ] && cmd+=(-initrd "$initrd")
cmd+=(${QEMU_ARGS[@]+"${QEMU_ARGS[@]}"})
if [ "${V:-0}" = 1 ]; then printf '+'; printf ' %q' "${cmd[@]}"; echo; fi >&2

errf=$TMPD/qemu.stderr
start=$(date +%s.%N)
# Run in the background and wait, so a TERM/INT to this script is handled at
# once: the trap stops QEMU instead of leaving it to run out its timeout.
timeout -k 5 "$TIMEOUT" "${cmd[@]}" <"$STDIN_FILE" >"$LOG" 2>"$errf" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; exit 130' INT TERM
echo_pid=
if [ "${V:-0}" = 1 ]; then
    tail -n +1 -s 0.1 -f --pid="$child" -- "$LOG" &      # live echo; ends after QEMU
    echo_pid=$!
fi
status=0
wait "$child" || status=$?
[ -n "$echo_pid" ] && wait "$echo_pid"
trap 'exit 130' INT TERM
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# isa-debug-exit: status = (value << 1) | 1, so 0x10 -> 33 and 0x11 -> 35.
timed_out=0
case $status in
    33) ending=normal ;;
    35) ending=failure ;;
    124|137) ending=crash; timed_out=1 ;;
    *) ending=crash ;;
esac

extra_diagnostics() {
    if [ -s "$errf" ]; then
        say "--- QEMU stderr ---"
        while IFS= read -r line; do say "$line"; done <"$errf"
    fi
}
say "$NAME: QEMU exit status $status after ${secs}s"
judge_and_report "$status" "$timed_out" "$ending"
