#!/usr/bin/env bash
# Runs libFuzzer targets for a set time each, seeded from the protocol's test vectors, the
# example configs and small SWMR files written by swmr-sim. Corpora grow in
# $FUZZ_BUILD/corpus across runs; crashing inputs land in $FUZZ_BUILD/findings/<target>/.
#
#   run-fuzzers.sh FUZZ_BUILD MAIN_BUILD SECONDS TARGET...
#
# Exits non-zero if any target found a crash, a leak, undefined behaviour or a timeout.
set -euo pipefail
fuzz_build=$(realpath "$1")
main_build=$(realpath "$2")
seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
vectors=$here/../tests/data/proto

seed() { # seed TARGET: fills its corpus with the starting inputs
    local target=$1 dir=$fuzz_build/corpus/$1
    mkdir -p "$dir"
    # Inputs that once crashed or hung a target, kept so they are tried first, every run.
    if [ -d "$here/regressions/$target" ]; then cp "$here/regressions/$target"/* "$dir"/; fi
    case $target in
    fuzz_headers) cp "$vectors"/{start,frame,end,heartbeat}*.msgpack "$dir"/ ;;
    fuzz_control) cp "$vectors"/request_*.msgpack "$dir"/ ;;
    fuzz_replies) # the first byte picks the command whose reply follows
        local i=0
        for command in ping start stop list status runs; do
            for file in "$vectors"/reply_"$command"*.msgpack "$vectors"/reply_error_*.msgpack; do
                [ -e "$file" ] || continue
                { printf "\\x$(printf %02x $i)"; cat "$file"; } >"$dir/$command-$(basename "$file")"
            done
            i=$((i + 1))
        done ;;
    fuzz_fetch) # 0: a request, 1: its id, 2: an answer's header
        { printf '\x00'; cat "$vectors"/fetch_request.msgpack; } >"$dir/request"
        { printf '\x01'; cat "$vectors"/fetch_request.msgpack; } >"$dir/id"
        for file in "$vectors"/fetched_*.msgpack; do
            { printf '\x02'; cat "$file"; } >"$dir/$(basename "$file")"
        done ;;
    fuzz_config) cp "$here"/../deploy/swmrd.yaml "$here"/seeds/config/*.yaml "$dir"/ ;;
    fuzz_hdf5_layout) # small complete scans of a few layouts, as a detector writes them
        local sim=$main_build/tools/swmr-sim/swmr-sim
        "$sim" --file "$dir/plain.h5" --quiet --scan-shape 3 --frame-shape 2x2
        "$sim" --file "$dir/grid.h5" --quiet --scan-shape 2x2 --frame-shape 3
        "$sim" --file "$dir/scalar.h5" --quiet --scan-shape 4 --frame-shape scalar
        "$sim" --file "$dir/deflate.h5" --quiet --scan-shape 2 --frame-shape 4x4 \
            --compression deflate
        "$sim" --file "$dir/interleaved.h5" --quiet --scan-shape 4 --interleave 2 ;;
    fuzz_hostile_layout) # the first byte picks the layout (fuzz_hostile_layout.cpp)
        for layout in 0 1 2 3 4 5 6 7; do printf "\\x0$layout\\x01\\x02" >"$dir/layout-$layout"; done ;;
    esac
}

status=0
summary=()
for target in "$@"; do
    seed "$target"
    mkdir -p "$fuzz_build/findings/$target"
    log=$fuzz_build/findings/$target.log
    echo "fuzz: $target for ${seconds}s"
    lsan=""
    case $target in fuzz_hdf5_layout | fuzz_hostile_layout) lsan="suppressions=$here/hdf5-leaks.supp" ;; esac
    if (cd "$fuzz_build/findings/$target" && LSAN_OPTIONS="$lsan" \
        "$fuzz_build/fuzz/$target" "$fuzz_build/corpus/$target" -max_total_time="$seconds" \
            -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
            >"$log" 2>&1); then
        result=ok
    else
        result="FOUND (see $log and findings/$target/)"
        status=1
        tail -40 "$log" >&2
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    summary+=("$(printf '%-18s %12s runs %8s/s  %s' "$target" "${runs:-?}" "${rate:-?}" "$result")")
done
printf '%s\n' "${summary[@]}"
exit $status
