#!/usr/bin/env bash
# bench-table.sh DIR: the issue-11 table from the benchmark logs in DIR.
# Instruction figures come from the normal kernel's logs (bench-NAME.log),
# the general path's from the FASTPATH=0 kernel's (bench-NAME-general.log),
# the counters (kernel entries, CR3 loads, %gs reloads per operation) from
# the bench kernel's (bench-NAME-stats.log, STATS=1); all print
# "bench-row: KEY instructions N entries E cr3 C gs G" (user/lib/benchctr.h).
set -u
dir=$1
# The row KEY of the counted benchmarks' logs bench-NAME${SUFFIX}.log
# (SUFFIX empty: the normal kernel's; -general, -stats); prints its fields.
BENCHES="pingpong mem exc irq"
fields() {
    local key=$1 suffix=$2 b
    for b in $BENCHES; do
        cat "$dir/bench-$b$suffix.log" 2>/dev/null
    done | grep "^bench-row: $key " | head -1
}
row() {     # key, figure, target
    local key=$1 what=$2 target=$3 n gen e c g
    n=$(fields "$key" "" | awk '{print $4}')
    gen=$(fields "$key" -general | awk '{print $4}')
    read -r e c g < <(fields "$key" -stats | awk '{print $6, $8, $10}')
    printf '| %-44s | %7s | %7s | %6s | %7s | %6s | %6s |\n' "$what" "${n:--}" "${gen:--}" \
        "$target" "${e:--}" "${c:--}" "${g:--}"
}
echo "bench table (guest instructions; general = FASTPATH=0 kernel; counters per operation from the STATS=1 kernel):"
printf '| %-44s | %7s | %7s | %6s | %7s | %6s | %6s |\n' figure instr general target entries cr3 gs
echo "|----------------------------------------------|---------|---------|--------|---------|--------|--------|"
row ipc-inter-space-0 "IPC one-way between spaces, 0 words" "<= 90"
row ipc-inter-space-8 "IPC one-way between spaces, 8 words" "<= 100"
row ipc-inter-space-63 "IPC one-way between spaces, 63 words" "<= 150"
row ipc-intra-space-0 "IPC one-way within a space, 0 words" "<= 85"
row ipc-inter-space-confined-0 "IPC one-way, confined (redirector), 0 words" "-"
row pagefault "page-fault round trip (fault, map, resume)" "<= 900"
row exception "exception round trip (#DE, 12 words, eip)" "<= 550"
row irq-sync "interrupt to handler (X.2 sync)" "<= 110"
row irq-async "interrupt to handler (async object)" "<= 110"
