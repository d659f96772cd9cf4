#!/usr/bin/env bash
# Boots a Pecan kernel under Bochs (from a GRUB ISO), judges its COM1 output,
# and ends with "SUITE: N passed, N failed". Exit 0 = pass, 1 = fail, 2 = usage.
# Bochs always exits with status 1 after the "Shutdown" port write, so the
# verdict comes from the PECAN-EXIT line in the serial log alone.
set -u -o pipefail

PROG=bochs-test.sh
DEFAULT_NAME=bochs
BOCHS=${BOCHS:-bochs}
ISO=
CPU_MODEL=corei7_skylake_x
RC_LINES=()

usage() {
    cat <<'EOF'
usage: bochs-test.sh [options] KERNEL [MODULE...]
       bochs-test.sh [options] --iso ISO
  --iso ISO             boot this ISO (else one is built with tools/mkiso.sh
                        from KERNEL, --append and the MODULEs)
  --expect-panic REGEX  pass only if the log matches REGEX (grep -E) and the
                        kernel prints PECAN-EXIT with a non-zero code
  --expect-log REGEX    one more test: the log matches REGEX (grep -E);
                        repeatable
  --timeout S           wall-clock limit in seconds (default 120)
  --append "cmdline"    kernel command line (ignored with --iso)
  --kdb-panic           let a kernel fault or panic enter the kernel debugger
                        (by default the command line gets kdb=nopanic)
  --log FILE            keep the serial log in FILE (default: a temp file)
  --name SUITE          name in the summary line (default bochs)
  --result FILE         also write the report to FILE, for sum-results.sh
  --cpu MODEL           Bochs cpu model (default corei7_skylake_x)
  --bochsrc LINE        extra bochsrc line, repeatable (a later "cpu:" line
                        overrides the default one)
Environment: V=1 echoes the serial log live; BOCHS=binary overrides.
EOF
}

parse_extra() {
    case $1 in
        --iso)     [ $# -ge 2 ] || die "$1 needs an argument"; ISO=$2; return 2 ;;
        --cpu)     [ $# -ge 2 ] || die "$1 needs an argument"; CPU_MODEL=$2; return 2 ;;
        --bochsrc) [ $# -ge 2 ] || die "$1 needs an argument"; RC_LINES+=("$2"); return 2 ;;
    esac
    return 0
}

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/testlib.sh"
# With --iso no KERNEL is needed; peek for it before the common parser runs.
for a in "$@"; do [ "$a" = --iso ] && KERNEL_OPTIONAL=1; done
parse_common "$@"
command -v "$BOCHS" >/dev/null || die "$BOCHS not found; run tools/deps.sh --install bochs"
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/bochs/VGABIOS-lgpl-latest; do
    [ -e "$f" ] || die "$f missing; run tools/deps.sh --install bochs"
done

if [ -n "$ISO" ]; then
    [ -f "$ISO" ] || die "no such ISO: $ISO"
    ISO=$(cd -- "$(dirname -- "$ISO")" && pwd)/$(basename -- "$ISO")
else
    [ -n "$KERNEL" ] || die "no KERNEL and no --iso given"
    ISO=$TMPD/pecan.iso
    "$here/mkiso.sh" "$ISO" "$KERNEL" "$APPEND" ${MODULES[@]+"${MODULES[@]}"} || die "building the ISO failed"
fi

# Bochs writes com1 output to a file of its own; it is copied to $LOG after.
serial=$TMPD/serial.out
cat >"$TMPD/bochsrc" <<EOF
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
memory: guest=128, host=128
ata0-master: type=cdrom, path="$ISO", status=inserted
boot: cdrom
display_library: term
com1: enabled=1, mode=file, dev="$serial"
log: $TMPD/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
cpu: model=$CPU_MODEL, count=1, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0
clock: sync=none, time0=946681200
EOF
for l in ${RC_LINES[@]+"${RC_LINES[@]}"}; do printf '%s\n' "$l" >>"$TMPD/bochsrc"; done
# The built-in debugger stops at a prompt first: continue, then quit.
printf 'c\nquit\n' >"$TMPD/cmds"

cmd=("$BOCHS" -q -f "$TMPD/bochsrc" -rc "$TMPD/cmds")
if [ "${V:-0}" = 1 ]; then printf '+'; printf ' %q' "${cmd[@]}"; echo; fi >&2

: >"$serial"
start=$(date +%s.%N)
# The term display draws with curses on stdout: keep it in a file, give it a
# TERM it knows (CI may have none), and run in $TMPD so any stray file Bochs
# creates lands there. Bochs ignores SIGTERM, hence KILL on timeout.
(cd "$TMPD" && TERM=xterm exec timeout -s KILL "$TIMEOUT" "${cmd[@]}" \
    </dev/null >"$TMPD/bochs.out" 2>&1) &
child=$!
# timeout(1) leads its own process group; kill the whole group so Bochs
# does not outlive us (timeout cannot forward the KILL it receives itself).
trap 'kill -KILL -- "-$child" "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 130' INT TERM
echo_pid=
if [ "${V:-0}" = 1 ]; then
    tail -n +1 -s 0.1 -f --pid="$child" -- "$serial" &
    echo_pid=$!
fi
status=0
wait "$child" 2>/dev/null || status=$?     # quiet: no "Killed" job notice
[ -n "$echo_pid" ] && wait "$echo_pid"
trap 'exit 130' INT TERM
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cp -- "$serial" "$LOG"

timed_out=0
exitline=$(tr -d '\r' <"$LOG" | grep -a -E '^PECAN-EXIT -?[0-9]+' | tail -n 1 || true)
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    ending=crash; timed_out=1
elif [ "$exitline" = "PECAN-EXIT 0" ]; then
    ending=normal
elif [ -n "$exitline" ]; then
    ending=failure
else
    ending=crash     # Bochs ended without the kernel saying so: panic, triple fault
fi

extra_diagnostics() {
    # Bochs' own panic/error messages explain crashes (e.g. triple fault);
    # the normal exit is logged as a PANIC too, so leave that one out.
    local errs
    errs=$(grep -a -E 'PANIC|ERROR' "$TMPD/bochs.log" 2>/dev/null | grep -v 'Shutdown port' | tail -n 15)
    if [ -n "$errs" ]; then
        say "--- Bochs log (errors, last 15) ---"
        while IFS= read -r line; do say "$line"; done <<<"$errs"
    elif [ "$ending" = crash ] && [ "$timed_out" = 0 ]; then
        say "--- Bochs output (last 15 lines) ---"
        while IFS= read -r line; do say "$line"; done < <(tr -d '\033\r' <"$TMPD/bochs.out" | tail -n 15)
    fi
}
say "$NAME: Bochs exit status $status after ${secs}s"
judge_and_report "$status" "$timed_out" "$ending"
