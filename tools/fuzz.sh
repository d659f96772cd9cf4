#!/usr/bin/env bash
# Long runs of the in-guest system-call fuzzer (user/tests/fuzz, docs/fuzz.md).
# One QEMU boot per seed, so a kernel crash under one seed does not hide
# the others. Prints one line per seed, the seed of every failure with the
# command that replays it, and the totals last.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: tools/fuzz.sh [options]
  --seed S      first seed (default 1)
  --seeds K     number of seeds: S, S+1, ..., S+K-1 (default 1)
  --n N         system calls per seed (default 100000)
  --shapes X    known-open shapes to enable: all, a mask, or names
                (eflags,sigma0,io-item,kdb-stall,kdb-out,halt,pager,utcb-move,v86,copy-fault,stale)
  --from B      start at batch B (replays one batch of a failing seed)
  --timeout T   wall-clock limit per seed in seconds (default 30 + N/1000)
  --logdir D    keep the logs there (default build/test/fuzz)
EOF
}

seed=1 seeds=1 n=100000 shapes= from=0 timeout= logdir=build/test/fuzz
while [ $# -gt 0 ]; do
    case $1 in
        --seed) seed=$2; shift 2 ;;
        --seeds) seeds=$2; shift 2 ;;
        --n) n=$2; shift 2 ;;
        --shapes) shapes=$2; shift 2 ;;
        --from) from=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --logdir) logdir=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
timeout=${timeout:-$((30 + n / 1000))}

# Known-open shapes by name (the order of known_open[] in fuzz.c) to the
# mask the guest reads (x=HEX; a module line keeps only 63 bytes).
names=(eflags sigma0 io-item kdb-stall kdb-out halt pager utcb-move v86 copy-fault stale)
mask=
if [ -n "$shapes" ]; then
    m=0
    case $shapes in
        all) m=$(( (1 << ${#names[@]}) - 1 )) ;;
        0x*|[0-9]*) m=$((shapes)) ;;
        *)  IFS=, read -r -a want <<<"$shapes"
            for w in "${want[@]}"; do
                found=0
                for i in "${!names[@]}"; do
                    [ "${names[$i]}" = "$w" ] && { m=$((m | 1 << i)); found=1; }
                done
                [ "$found" = 1 ] || { echo "fuzz.sh: unknown shape $w (${names[*]})" >&2; exit 2; }
            done ;;
    esac
    mask=$(printf '0x%x' "$m")
fi
here=$(dirname -- "${BASH_SOURCE[0]}")
mkdir -p "$logdir"

failed=() total_calls=0 start=$(date +%s.%N)
for ((s = seed; s < seed + seeds; s++)); do
    args="s=$s n=$n r=0${mask:+ x=$mask}"
    [ "$from" = 0 ] || args+=" f=$from"
    log=$logdir/seed-$s.log
    t0=$(date +%s.%N)
    "$here/qemu-test.sh" --name "fuzz-seed-$s" --timeout "$timeout" --log "$log" \
        build/pecan.elf build/user/sigma0.elf "build/user/test-fuzz.elf $args" > "$log.report"
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    calls=$(tr -d '\r' < "$log" | sed -n "s/^# fuzz: seed=$s done: \([0-9]*\) calls.*/\1/p" | tail -1)
    total_calls=$((total_calls + ${calls:-0}))
    if [ "$rc" = 0 ]; then
        echo "seed $s: ok, ${calls:-?} system calls in ${secs}s"
    else
        why=$(grep -a -m1 -E '^  ' "$log.report" | sed 's/^  //')
        last=$(tr -d '\r' < "$log" | grep -a -E '^# fuzz: (seed=|batch )' | tail -1)
        echo "seed $s: FAILED after ${secs}s: $why"
        echo "  last progress: ${last:-none}; log $log"
        echo "  replay: make fuzz SEED=$s N=$n${shapes:+ SHAPES=$shapes}"
        failed+=("$s")
    fi
done
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
rate=$(awk -v c="$total_calls" -v t="$secs" 'BEGIN { printf "%.0f", (t > 0 ? c / t : 0) }')
echo "fuzz: $seeds seed(s), $total_calls system calls in ${secs}s wall ($rate/s), ${#failed[@]} failed${failed[*]:+: seeds ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
