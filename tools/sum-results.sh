#!/usr/bin/env bash
# sum-results.sh FILE...
# Reads the "SUITE: N passed, N failed" lines that the test runners print
# (qemu-test.sh/bochs-test.sh --result FILE, or any captured output), prints
# one line per suite and, last, the totals "N passed, N failed" that CI reads.
# A file with no such line (runner died, build failed, file missing) counts
# one failure. A file with only cmocka's summary ("[  PASSED  ] N test(s)."
# / "[  FAILED  ] N test(s)") is read too, named after the file.
# Exit 0 only if nothing failed and every file had a result.
set -u -o pipefail

[ $# -gt 0 ] || { echo "usage: sum-results.sh FILE..." >&2; exit 2; }

total_p=0 total_f=0 bad=0
for f in "$@"; do
    if [ ! -r "$f" ]; then
        echo "$f: no result (file missing)"; total_f=$((total_f + 1)); bad=1; continue
    fi
    name=$(basename -- "$f"); name=${name%.*}
    # Prints the suite lines, then "SUM p f" for this file (or "NONE").
    out=$(tr -d '\r' <"$f" | awk -v name="$name" '
        /^[^ :]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
            print; P += $2; F += $4; found = 1; next
        }
        /^\[  PASSED  \] [0-9]+ test/ { cp += $4; cm = 1 }
        /^\[  FAILED  \] [0-9]+ test/ { cf += $4; cm = 1 }
        END {
            if (!found && cm) { printf "%s: %d passed, %d failed\n", name, cp, cf; P = cp; F = cf; found = 1 }
            if (found) printf "SUM %d %d\n", P, F; else print "NONE"
        }')
    while IFS= read -r line; do
        case $line in
            "SUM "*) read -r _ p n <<<"$line"; total_p=$((total_p + p)); total_f=$((total_f + n))
                     [ "$n" -eq 0 ] || bad=1 ;;
            NONE)    echo "$f: no result line (runner crashed or did not run)"
                     total_f=$((total_f + 1)); bad=1 ;;
            *)       echo "$line" ;;
        esac
    done <<<"$out"
done
echo "$total_p passed, $total_f failed"
exit "$bad"
