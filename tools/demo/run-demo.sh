#!/usr/bin/env bash
# make demo: swmrd watching a folder, swmr-sim writing a short grid scan into it as a
# detector would, and swmrcat printing every frame as it arrives. Ends by itself and leaves
# no process behind.
set -euo pipefail

build=${1:-build}
swmrd="$build/daemon/swmrd"
sim="$build/tools/swmr-sim/swmr-sim"
swmrcat="$build/tools/swmrcat/swmrcat"
swmrctl="$build/tools/swmrctl/swmrctl"
for binary in "$swmrd" "$sim" "$swmrcat" "$swmrctl"; do
    [ -x "$binary" ] || { echo "demo: $binary is missing; run 'make build' first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/swmrd-demo.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/swmrd.yaml" <<YAML
# Wildcard ports: the demo never collides with a swmrd already running here.
control: tcp://127.0.0.1:*
publish: [tcp://127.0.0.1:*]
fetch: tcp://127.0.0.1:*
http: 127.0.0.1:0
delivery: independent
allowed_roots: [$work]
heartbeat: 1s
log: {level: info}
watches:
  - name: demo
    file: $work/scan-*.h5
    keys: [/entry/keys/uid]
    datasets: [/entry/data/data]
    finished: /entry/finished
    timeout: 5s
YAML

echo "== swmrd, watching $work/scan-*.h5"
"$swmrd" --config "$work/swmrd.yaml" --endpoints-file "$work/endpoints" 2> "$work/swmrd.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/endpoints" ] && break; sleep 0.05; done
[ -s "$work/endpoints" ] || { echo "demo: swmrd did not start:" >&2; cat "$work/swmrd.log" >&2; exit 1; }
control=$(awk '$1 == "control" {print $2}' "$work/endpoints")
publish=$(awk '$1 == "publish" {print $2; exit}' "$work/endpoints")
http=$(awk '$1 == "http" {print $2}' "$work/endpoints")
"$swmrctl" -c "$control" ping
echo "== the live view: http://$http/ (metrics at http://$http/metrics), while the demo runs"

echo "== swmrcat, subscribed to $publish"
"$swmrcat" -p "$publish" --watch demo --exit-on-end --stats > "$work/swmrcat.out" &
cat_pid=$!
pids+=($cat_pid)
sleep 1  # let the subscription reach the daemon before the scan starts

echo "== swmrctl peers: who is connected (swmrcat here), the bytes waiting for each"
"$swmrctl" -c "$control" peers

echo "== swmr-sim: a 3x4 grid scan of 6x8 uint16 frames at 20 Hz"
"$sim" --file "$work/scan-001.h5" --scan-shape 3x4 --frame-shape 6x8 --dtype u2 --rate 20 &
pids+=($!)
tail -n +1 -f "$work/swmrcat.out" --pid "$cat_pid" &
pids+=($!)
wait "$cat_pid"
sleep 0.2

echo
echo "== swmrctl runs demo: the run is kept; any of its frames can be fetched again"
"$swmrctl" -c "$control" runs demo

echo
echo "== swmrctl status demo"
"$swmrctl" -c "$control" status demo

echo
echo "== curl http://$http/metrics: the same figures for Prometheus (a few of them)"
if command -v curl >/dev/null; then
    curl -s "http://$http/metrics" | grep -E '^swmrd_(frames_sent_total|runs_total\{.*finished|readable_to_sent_seconds_count)'
else
    echo "(curl is not installed)"
fi
kill -TERM "${pids[0]}"
wait "${pids[0]}" && echo "== swmrd stopped cleanly"
