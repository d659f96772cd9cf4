#!/usr/bin/env bash
# same-results.sh NAME A.log B.log
# The fast-path equivalence check (docs/ipc.md "Fast path"): the TAP lines
# ("ok"/"not ok") and the differential test's "ipcdiff:" lines of two serial
# logs of the same test program, one on the kernel with and one without
# the fast paths (FASTPATH=0), must be identical. In TAP descriptions only
# numbers may differ (measured times, counts and addresses, decimal or
# hex: they become #); the
# "ipcdiff:" lines must match exactly. Prints the first
# differences, then "NAME: 1 passed, 0 failed" or "NAME: 0 passed, 1 failed"
# (sum-results.sh reads that line).
set -u -o pipefail
[ $# -eq 3 ] || { echo "usage: same-results.sh NAME A.log B.log" >&2; exit 2; }
name=$1 a=$2 b=$3
pick() {
    tr -d '\r' <"$1" | awk '
        /^ipcdiff: / { print; next }
        /^(not )?ok [0-9]/ {
            n = ($1 == "not") ? 3 : 2; head = $1
            for (i = 2; i <= n; i++) head = head " " $i
            rest = substr($0, length(head) + 1)
            gsub(/[0-9]+/, "#", rest); gsub(/[a-fA-F]*#[#a-fA-F]*/, "#", rest)
            print head rest
        }'
}
if [ -r "$a" ] && [ -r "$b" ] && [ -n "$(pick "$a")" ] &&
   diff <(pick "$a") <(pick "$b") > /tmp/same-results.$$; then
    echo "$name: 1 passed, 0 failed"
else
    [ -r "$a" ] && [ -r "$b" ] && head -20 /tmp/same-results.$$
    echo "$name: 0 passed, 1 failed"
fi
rm -f /tmp/same-results.$$
