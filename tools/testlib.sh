# shellcheck shell=bash
# Shared by qemu-test.sh and bochs-test.sh (sourced, not run): option parsing,
# judging a serial log, and the report whose last line is "SUITE: N passed, N failed".
# The caller sets PROG and, after parsing, calls judge_and_report.

TIMEOUT=120
EXPECT_PANIC=
EXPECT_LOG=()
APPEND=
LOG=
NAME=
RESULT=
KERNEL=
MODULES=()

# Guest output is tiny; a temp dir per run keeps parallel runs apart.
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/pecan-test.XXXXXX")
trap 'rm -rf -- "$TMPD"' EXIT
trap 'exit 130' INT TERM

# Even a usage error ends with the summary line, so a caller that only reads
# the last line (CI, sum-results.sh) sees a failure rather than nothing.
die() {
    printf '%s: %s\n' "$PROG" "$*" >&2
    local line="${NAME:-$DEFAULT_NAME}: 0 passed, 1 failed"
    printf '%s\n' "$line"
    if [ -n "$RESULT" ]; then printf '%s\n' "$line" >>"$RESULT" 2>/dev/null; fi
    exit 2
}

# parse_common "$@": handles the options both runners share. Runner-specific
# ones are recognised through the caller's parse_extra function, which returns
# the number of words it consumed (0 = not its option).
parse_common() {
    local n
    while [ $# -gt 0 ]; do
        case $1 in
            --expect-panic) [ $# -ge 2 ] || die "$1 needs an argument"; EXPECT_PANIC=$2; shift 2 ;;
            --expect-log)   [ $# -ge 2 ] || die "$1 needs an argument"; EXPECT_LOG+=("$2"); shift 2 ;;
            --timeout)      [ $# -ge 2 ] || die "$1 needs an argument"; TIMEOUT=$2; shift 2 ;;
            --append)       [ $# -ge 2 ] || die "$1 needs an argument"; APPEND=$2; shift 2 ;;
            --log)          [ $# -ge 2 ] || die "$1 needs an argument"; LOG=$2; shift 2 ;;
            --name)         [ $# -ge 2 ] || die "$1 needs an argument"; NAME=$2; shift 2 ;;
            --result)       [ $# -ge 2 ] || die "$1 needs an argument"; RESULT=$2; shift 2 ;;
            --kdb-panic)    KDB_PANIC=1; shift ;;
            -h|--help)      usage; exit 0 ;;
            --)             shift; break ;;
            -*)
                n=0
                if declare -F parse_extra >/dev/null; then parse_extra "$@" || n=$?; fi
                [ "$n" -gt 0 ] || die "unknown option $1 (see --help)"
                shift "$n" ;;
            *)              break ;;
        esac
    done
    if [ -z "$KERNEL" ]; then
        [ $# -ge 1 ] || { [ -n "${KERNEL_OPTIONAL:-}" ] || die "no KERNEL given (see --help)"; }
        [ $# -ge 1 ] && { KERNEL=$1; shift; }
    fi
    MODULES=("$@")
    # A kernel fault or panic ends a test run at once, as it always did,
    # instead of waiting in the kernel debugger for a console nobody types
    # on (docs/kdb.md); --kdb-panic leaves the default.
    [ "${KDB_PANIC:-0}" = 1 ] || APPEND="kdb=nopanic${APPEND:+ $APPEND}"
    case $TIMEOUT in ''|*[!0-9]*) die "--timeout wants whole seconds, got '$TIMEOUT'" ;; esac
    # The summary line must stay "ONE-WORD: N passed, N failed" for CI to read it.
    NAME=${NAME:-$DEFAULT_NAME}
    NAME=${NAME//[[:space:]]/-}
    if [ -n "$LOG" ]; then
        mkdir -p -- "$(dirname -- "$LOG")"
    else
        LOG=$TMPD/serial.log
    fi
    : >"$LOG"
    if [ -n "$RESULT" ]; then
        mkdir -p -- "$(dirname -- "$RESULT")"
        : >"$RESULT"     # no stale result survives a runner that dies early
    fi
    # A module may carry a command line after its file name ("file args"),
    # as with a Multiboot loader's module line; only the file must exist.
    local f
    for f in ${KERNEL:+"$KERNEL"} ${MODULES[@]+"${MODULES[@]}"}; do
        [ -f "${f%% *}" ] || die "no such file: ${f%% *}"
    done
}

# Everything the report says goes through say, so --result gets the same text.
say() {
    printf '%s\n' "$*"
    if [ -n "$RESULT" ]; then printf '%s\n' "$*" >>"$RESULT"; fi
}

# tap_count LOG: sums every TAP block in the log. Prints "why" lines for each
# problem, then a last line "COUNTS passed failed plans".
tap_count() {
    tr -d '\r' <"$1" | awk '
        function why(s) { print "why: " s }
        function close_plan() {
            if (!inplan) return
            if (seen < plan) { why(sprintf("TAP block %d (log line %d): plan 1..%d but only %d results", blk, planline, plan, seen)); failed += plan - seen }
            else if (seen > plan) { why(sprintf("TAP block %d (log line %d): plan 1..%d but %d results", blk, planline, plan, seen)); failed++ }
            inplan = 0
        }
        /^1\.\.[0-9]+/ {
            close_plan()
            match($0, /^1\.\.[0-9]+/); plan = substr($0, 4, RLENGTH - 3) + 0
            inplan = 1; seen = 0; blk++; planline = NR
            next
        }
        /^(not )?ok([ \t]|$)/ {
            if (!inplan) { why("result outside any TAP plan (log line " NR "): " $0); failed++; next }
            seen++
            rest = $0; sub(/^(not )?ok[ \t]*/, "", rest)
            if (rest ~ /^[0-9]+/) {
                match(rest, /^[0-9]+/); num = substr(rest, 1, RLENGTH) + 0
                if (num != seen && !numbad) { why(sprintf("TAP block %d: result numbered %d where %d was due (log line %d)", blk, num, seen, NR)); numbad = 1; failed++ }
            }
            # "not ok ... # TODO" is an expected failure in TAP, not a failure.
            if ($0 ~ /^not ok/ && $0 !~ /#[ \t]*[Tt][Oo][Dd][Oo]/) { why("failed: " $0); failed++ }
            else passed++
            next
        }
        /^Bail out!/ { why("test program bailed out (log line " NR "): " $0); failed++ }
        END {
            close_plan()
            if (blk == 0) { why("no TAP plan (1..N) in the log"); failed++ }
            printf "COUNTS %d %d %d\n", passed, failed, blk
        }'
}

# judge_and_report STATUS TIMED_OUT ENDING: STATUS is the emulator exit status
# to quote; TIMED_OUT is 1 if the wall-clock limit hit; ENDING is the runner's
# verdict on how the emulator ended ("normal", "failure" or "crash").
# Prints the verdict, the log tail on failure, and the summary line last.
# Returns 0 on pass, 1 on fail.
# Does the log (CRs dropped) have a line matching the extended regex $1?
# Not `tr | grep -q`: under pipefail, grep leaving at the first match kills
# tr with SIGPIPE on a long log, and the pipeline reads as "no match".
log_has() {
    grep -a -q -E -- "$1" < <(tr -d '\r' <"$LOG")
}

judge_and_report() {
    local status=$1 timed_out=$2 ending=$3
    local passed=0 failed=0 broken=0 line exitline code panicline
    local -a why=()

    exitline=$(tr -d '\r' <"$LOG" | grep -a -E '^PECAN-EXIT -?[0-9]+' | tail -n 1 || true)
    code=
    [ -n "$exitline" ] && code=$(printf '%s\n' "$exitline" | awk '{print $2}')
    panicline=$(tr -d '\r' <"$LOG" | grep -a -m 1 -E '^(PANIC|KERNEL FAULT)' || true)

    if [ "$timed_out" = 1 ]; then
        why+=("timeout: no exit after ${TIMEOUT}s (emulator killed)"); broken=1
    elif [ "$ending" = crash ]; then
        why+=("emulator ended abnormally (status $status): crash, triple fault or start failure"); broken=1
    fi

    if [ -n "$EXPECT_PANIC" ]; then
        # The one test: the panic text appears and the kernel reported failure.
        if log_has "$EXPECT_PANIC" && [ "$ending" = failure ]; then
            passed=1
        else
            failed=1
            log_has "$EXPECT_PANIC" ||
                why+=("expected panic /$EXPECT_PANIC/ not found in the log")
            [ "$ending" = failure ] ||
                why+=("kernel did not end with a failure exit (status $status, ${exitline:-no PECAN-EXIT line})")
        fi
    else
        if [ "$broken" = 0 ]; then
            if [ -n "$panicline" ]; then
                why+=("kernel panicked: $panicline"); broken=1
            elif [ -z "$exitline" ]; then
                why+=("no PECAN-EXIT line in the log (status $status)"); broken=1
            elif [ "$code" != 0 ] || [ "$ending" != normal ]; then
                why+=("kernel ended with $exitline (emulator status $status)"); broken=1
            fi
        fi
        # TAP problems after the boot problems: the first reason is the cause.
        while IFS= read -r line; do
            case $line in
                why:\ *)  why+=("${line#why: }") ;;
                COUNTS\ *) read -r _ passed failed _ <<<"$line" ;;
            esac
        done < <(tap_count "$LOG")
        # Each --expect-log pattern is one more test: the boot log shows it.
        local pat
        for pat in ${EXPECT_LOG[@]+"${EXPECT_LOG[@]}"}; do
            if log_has "$pat"; then
                passed=$((passed + 1))
            else
                failed=$((failed + 1))
                why+=("expected log line /$pat/ not found")
            fi
        done
    fi
    # A broken boot is one more failure, so it can never read "0 failed".
    failed=$((failed + broken))

    if [ "$failed" -eq 0 ]; then
        say "$NAME: PASS (log: $(log_shown))"
    else
        say "$NAME: FAIL"
        for line in "${why[@]}"; do say "  $line"; done
        say "--- last 40 lines of $(log_shown) ---"
        while IFS= read -r line; do say "$line"; done < <(tail -n 40 -- "$LOG" | tr -d '\r')
        say "--- end of log ---"
        if declare -F extra_diagnostics >/dev/null; then extra_diagnostics; fi
    fi
    say "$NAME: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# A temp log is deleted on exit, so name it as such in the report.
log_shown() {
    case $LOG in "$TMPD"/*) printf 'temporary; use --log FILE to keep it' ;; *) printf '%s' "$LOG" ;; esac
}
