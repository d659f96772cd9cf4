#!/bin/sh
# Runs each cmocka test program given as an argument and sums the results.
# A test counts as passed only if cmocka reported it "[       OK ]"; every
# other test the program announced counts as failed, so a program that dies
# midway (sanitizer report, abort) has its unfinished tests counted as failed.
# A program that exits non-zero without any failure accounted for adds one
# failure. The last line printed is "host: N passed, N failed".

passed=0
failed=0
for bin in "$@"; do
    log="$bin.log"
    CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$log" 2>&1
    rc=$?
    cat "$log"
    total=$(sed -n 's/^\[==========\] Running \([0-9]*\) test(s)\./\1/p' "$log" | head -n 1)
    ok=$(grep -c '^\[       OK \]' "$log")
    [ -n "$total" ] || total=0
    bad=$((total - ok))
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1
    fi
    if [ "$bad" -ne 0 ]; then
        echo "$(basename "$bin"): $ok passed, $bad failed (exit status $rc)"
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
done
echo "host: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
