#!/usr/bin/env bash
# Issue 12 benchmark: `loadgen --n N` against several builds in turn (old, new, old, new, …), ROUNDS times, so a
# shared machine's load falls on every build alike. One JSON line per run: the build, the load average before and
# after, the server's CPU seconds (user + system, the last sample of /proc/PID/stat before it exits: on a loaded
# machine this moves far less than the wall-time figures) and loadgen's own JSON line.
# Usage: scripts/bench-alternate.sh N ROUNDS OUT.jsonl DIR...   (each DIR holds a release `stixhub` and `loadgen`)
set -euo pipefail
n=$1 rounds=$2 out=$3
shift 3
tick=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
  for dir in "$@"; do
    data=$(mktemp -d)
    start=$(date -u +%H:%M:%S) load_before=$(cut -d' ' -f1 /proc/loadavg)
    "$dir/loadgen" --server-bin "$dir/stixhub" --n "$n" --data "$data/db" >"$data/out" 2>/dev/null &
    loadgen=$!
    server=""
    for _ in $(seq 100); do
      server=$(pgrep -P "$loadgen" stixhub || true)
      [ -n "$server" ] && break
      sleep 0.1
    done
    ticks=0
    while kill -0 "$loadgen" 2>/dev/null; do
      sample=$(awk '{print $14 + $15}' "/proc/$server/stat" 2>/dev/null || true)
      [ -n "$sample" ] && ticks=$sample
      sleep 0.5
    done
    wait "$loadgen" || true
    load_after=$(cut -d' ' -f1 /proc/loadavg)
    cpu=$(awk -v t="$ticks" -v hz="$tick" 'BEGIN {printf "%.1f", t / hz}')
    echo "{\"build\":\"$dir\",\"round\":$round,\"start\":\"$start\",\"load_before\":$load_before,\"load_after\":$load_after,\"server_cpu_s\":$cpu,\"result\":$(cat "$data/out")}" >>"$out"
    rm -rf "$data"
  done
done
